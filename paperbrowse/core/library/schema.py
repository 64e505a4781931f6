"""The library's tables: the layout version and the migrations that build it, step by step.

Each step N brings a database from layout N-1 to N and runs in one
transaction together with the ``PRAGMA user_version`` bump (see
:meth:`~paperbrowse.core.library.connection.LibraryBase._migrate`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

#: Version of the database layout, kept in ``PRAGMA user_version``.
LIBRARY_SCHEMA_VERSION = 6

# What brings the database from version N-1 to N, run in one transaction
# together with the version bump: SQL statements, or Python functions called
# with the connection. Times are ISO 8601 in UTC; ``paper`` columns hold
# Paper.to_dict() as JSON.
_MIGRATIONS: dict[int, tuple[str | Callable[[sqlite3.Connection], None], ...]] = {
    1: (
        "CREATE TABLE IF NOT EXISTS bookmarks ("
        " paper_id TEXT PRIMARY KEY, added_at TEXT NOT NULL, paper TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS bookmarks_added ON bookmarks(added_at)",
    ),
    2: (
        "ALTER TABLE bookmarks ADD COLUMN status TEXT"
        " CHECK (status IS NULL OR status IN ('to-read', 'reading', 'read'))",
        # tag: normalise_tag() form; only bookmarked papers have tags
        "CREATE TABLE tags (paper_id TEXT NOT NULL, tag TEXT NOT NULL,"
        " PRIMARY KEY (paper_id, tag)) WITHOUT ROWID",
        "CREATE INDEX tags_tag ON tags(tag)",
        # notes outlive bookmarks (see the module docstring)
        "CREATE TABLE notes (paper_id TEXT PRIMARY KEY, note TEXT NOT NULL,"
        " updated_at TEXT NOT NULL)",
        # name as the user wrote it; name_key: its case-folded form, unique
        "CREATE TABLE lists (list_id INTEGER PRIMARY KEY, name TEXT NOT NULL,"
        " name_key TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL)",
        "CREATE TABLE list_items (list_id INTEGER NOT NULL, paper_id TEXT NOT NULL,"
        " added_at TEXT NOT NULL, PRIMARY KEY (list_id, paper_id)) WITHOUT ROWID",
        "CREATE INDEX list_items_paper ON list_items(paper_id)",
        # imported papers; revision: the library revision that last wrote the row
        "CREATE TABLE papers (paper_id TEXT PRIMARY KEY, paper TEXT NOT NULL,"
        " revision INTEGER NOT NULL, updated_at TEXT NOT NULL)",
        "CREATE INDEX papers_revision ON papers(revision, paper_id)",
        "CREATE TABLE library_state (id INTEGER PRIMARY KEY CHECK (id = 1),"
        " revision INTEGER NOT NULL)",
        "INSERT INTO library_state(id, revision) VALUES (1, 0)",
    ),
    3: (
        # the keys an import de-duplicates by (see Library.find_stored)
        "ALTER TABLE papers ADD COLUMN arxiv_id TEXT",
        "ALTER TABLE papers ADD COLUMN doi_key TEXT",
        "ALTER TABLE papers ADD COLUMN title_key TEXT",
        "UPDATE papers SET arxiv_id = json_extract(paper, '$.arxiv_id'),"
        " doi_key = pb_doi_key(json_extract(paper, '$.doi')),"
        " title_key = pb_title_key(json_extract(paper, '$.title'))",
        "CREATE INDEX papers_arxiv ON papers(arxiv_id) WHERE arxiv_id IS NOT NULL",
        "CREATE INDEX papers_doi ON papers(doi_key) WHERE doi_key IS NOT NULL",
        "CREATE INDEX papers_title ON papers(title_key) WHERE title_key IS NOT NULL",
    ),
    4: (
        # one citation key per paper; origin: 'imported' (came with the paper),
        # 'generated' (citekeys.base_key) or 'user' (Library.rename_key)
        "CREATE TABLE citekeys (paper_id TEXT PRIMARY KEY,"
        " key TEXT NOT NULL COLLATE NOCASE UNIQUE,"
        " origin TEXT NOT NULL CHECK (origin IN ('imported', 'generated', 'user')),"
        " assigned_at TEXT NOT NULL)",
        lambda db: _keys_for_existing(db),  # (keys.py, imported when it runs)
    ),
    5: (
        # -- PDF attachments (paperbrowse.core.pdfs) ------------------------
        # one PDF per paper; path: absolute; kind: how it came (see Attachment);
        # bytes/pages/sha256 of the file when attached; extracted_at: when its
        # text was last extracted; error: why there is no text (one line)
        "CREATE TABLE attachments (paper_id TEXT PRIMARY KEY, path TEXT NOT NULL,"
        " kind TEXT NOT NULL CHECK (kind IN ('downloaded', 'copied', 'linked')),"
        " bytes INTEGER, pages INTEGER, sha256 TEXT, added_at TEXT NOT NULL,"
        " extracted_at TEXT, error TEXT)",
    ),
}


# -- watches (issue 19; see paperbrowse.core.watches, which holds their SQL) --
# watches: a named saved search (name_key: case-folded name, unique) with its
# optional sources and the cursors of `paperbrowse update` (arxiv_window_*:
# the submittedDate range being fetched, arxiv_start: entries of it done;
# arxiv_until: the end of the last finished range; hf_until: the last day
# fetched for good; local_revision: library revision matched so far).
# watch_papers: what each watch brought (a copy of the paper for listing).
# seen: once per paper, whichever watch showed it.
_WATCH_TABLES: tuple[str, ...] = (
    "CREATE TABLE watches (watch_id INTEGER PRIMARY KEY, name TEXT NOT NULL,"
    " name_key TEXT NOT NULL UNIQUE, query TEXT NOT NULL, arxiv_query TEXT,"
    " hf INTEGER NOT NULL DEFAULT 0, filters TEXT NOT NULL DEFAULT '{}',"
    " created_at TEXT NOT NULL, updated_at TEXT,"
    " arxiv_until TEXT, arxiv_window_from TEXT, arxiv_window_to TEXT,"
    " arxiv_start INTEGER NOT NULL DEFAULT 0, hf_until TEXT,"
    " local_revision INTEGER NOT NULL DEFAULT 0)",
    "CREATE TABLE watch_papers (watch_id INTEGER NOT NULL, paper_id TEXT NOT NULL,"
    " added_at TEXT NOT NULL, published TEXT, via TEXT NOT NULL, paper TEXT NOT NULL,"
    " PRIMARY KEY (watch_id, paper_id)) WITHOUT ROWID",
    "CREATE INDEX watch_papers_paper ON watch_papers(paper_id)",
    "CREATE TABLE seen (paper_id TEXT PRIMARY KEY, seen_at TEXT NOT NULL) WITHOUT ROWID",
)

_MIGRATIONS[6] = _WATCH_TABLES


def _keys_for_existing(db: sqlite3.Connection) -> None:
    """Step 4's keys for the papers already there: :func:`.keys._keys_for_existing`
    (imported here when the step runs: keys.py builds on the connection, which
    imports this module)."""
    from paperbrowse.core.library.keys import _keys_for_existing as assign

    assign(db)
