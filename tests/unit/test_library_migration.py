"""A library made by the current release (schema 3) opens with schema 6: everything kept.

The schema-3 database is built here with the statements of paperbrowse's
schema versions 1 to 3, copied verbatim from the release (not imported from
:mod:`paperbrowse.core.library`, whose migrations may change), and filled with
rows in the shape that release wrote them: ``Paper`` JSON with full ISO dates
and no bibliographic fields.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from paperbrowse.core.library import LIBRARY_SCHEMA_VERSION, Library
from paperbrowse.core.models import Paper

RELEASE_V1_TO_V3 = (
    "CREATE TABLE IF NOT EXISTS bookmarks ("
    " paper_id TEXT PRIMARY KEY, added_at TEXT NOT NULL, paper TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS bookmarks_added ON bookmarks(added_at)",
    "ALTER TABLE bookmarks ADD COLUMN status TEXT"
    " CHECK (status IS NULL OR status IN ('to-read', 'reading', 'read'))",
    "CREATE TABLE tags (paper_id TEXT NOT NULL, tag TEXT NOT NULL,"
    " PRIMARY KEY (paper_id, tag)) WITHOUT ROWID",
    "CREATE INDEX tags_tag ON tags(tag)",
    "CREATE TABLE notes (paper_id TEXT PRIMARY KEY, note TEXT NOT NULL, updated_at TEXT NOT NULL)",
    "CREATE TABLE lists (list_id INTEGER PRIMARY KEY, name TEXT NOT NULL,"
    " name_key TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL)",
    "CREATE TABLE list_items (list_id INTEGER NOT NULL, paper_id TEXT NOT NULL,"
    " added_at TEXT NOT NULL, PRIMARY KEY (list_id, paper_id)) WITHOUT ROWID",
    "CREATE INDEX list_items_paper ON list_items(paper_id)",
    "CREATE TABLE papers (paper_id TEXT PRIMARY KEY, paper TEXT NOT NULL,"
    " revision INTEGER NOT NULL, updated_at TEXT NOT NULL)",
    "CREATE INDEX papers_revision ON papers(revision, paper_id)",
    "CREATE TABLE library_state (id INTEGER PRIMARY KEY CHECK (id = 1), revision INTEGER NOT NULL)",
    "INSERT INTO library_state(id, revision) VALUES (1, 0)",
    "ALTER TABLE papers ADD COLUMN arxiv_id TEXT",
    "ALTER TABLE papers ADD COLUMN doi_key TEXT",
    "ALTER TABLE papers ADD COLUMN title_key TEXT",
    "CREATE INDEX papers_arxiv ON papers(arxiv_id) WHERE arxiv_id IS NOT NULL",
    "CREATE INDEX papers_doi ON papers(doi_key) WHERE doi_key IS NOT NULL",
    "CREATE INDEX papers_title ON papers(title_key) WHERE title_key IS NOT NULL",
)


def release_json(**fields) -> dict:
    """A paper as the schema-3 release's ``Paper.to_dict`` wrote it."""
    data = {
        "id": None,
        "title": None,
        "abstract": "",
        "authors": [],
        "author_count": None,
        "organisation": None,
        "org_handle": None,
        "published": None,
        "year": None,
        "upvotes": None,
        "arxiv_id": None,
        "sources": [],
        "url": None,
        "doi": None,
        "categories": [],
    }
    data.update(fields)
    return data


BYOL = release_json(
    id="pb:6da686ffb410",
    title="Bootstrap your own latent: A new approach to self-supervised Learning",
    authors=["Jean-Bastien Grill", "Florian Strub"],
    author_count=2,
    published="2020-06-13",
    year=2020,
    upvotes=12,
    arxiv_id="2006.07733",
    sources=["hf.txt", "arxiv-metadata.json"],
    categories=["cs.LG"],
)
STRIPE = release_json(
    id="pb:0000000000aa",
    title="From stripe to checkerboard order",
    authors=["Bernd Rosenow", "Subir Sachdev"],
    published="2006-07-01",
    year=2006,
    doi="10.1103/PhysRevB.74.024520",
    sources=["refs.bib"],
)
ONLY_MARKED = release_json(
    id="arxiv:2106.09685",
    title="LoRA: Low-Rank Adaptation of Large Language Models",
    authors=["Edward J. Hu"],
    published="2021-06-17",
    year=2021,
    arxiv_id="2106.09685",
)


@pytest.fixture
def release_library(tmp_path: Path) -> Path:
    """A schema-3 library with bookmarks, tags, notes, lists, statuses and stored papers."""
    path = tmp_path / "library.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    for statement in RELEASE_V1_TO_V3:
        db.execute(statement)
    for revision, paper in ((1, BYOL), (2, STRIPE)):
        db.execute(
            "INSERT INTO papers(paper_id, paper, revision, updated_at, arxiv_id, doi_key,"
            " title_key) VALUES (?, ?, ?, '2026-01-01T00:00:00+00:00', ?, ?, ?)",
            (
                paper["id"],
                json.dumps(paper),
                revision,
                paper["arxiv_id"],
                (paper["doi"] or "").lower() or None,
                "".join(ch for ch in paper["title"].lower() if ch.isalnum()),
            ),
        )
    db.execute("UPDATE library_state SET revision = 2")
    for added, paper, status in (
        ("2026-02-01T10:00:00+00:00", STRIPE, "read"),
        ("2026-02-02T10:00:00+00:00", ONLY_MARKED, None),
        # the bookmark's own copy is older than the stored record (no upvotes, no source)
        ("2026-02-03T10:00:00+00:00", {**BYOL, "upvotes": None, "sources": []}, "to-read"),
    ):
        db.execute(
            "INSERT INTO bookmarks(paper_id, added_at, paper, status) VALUES (?, ?, ?, ?)",
            (paper["id"], added, json.dumps(paper), status),
        )
    db.executemany(
        "INSERT INTO tags(paper_id, tag) VALUES (?, ?)",
        [(BYOL["id"], "ssl"), (BYOL["id"], "thesis"), (STRIPE["id"], "physics")],
    )
    db.execute(
        "INSERT INTO notes VALUES (?, 'Read section 3.', '2026-02-04T08:00:00+00:00')",
        (BYOL["id"],),
    )
    db.execute(  # a note that outlived its bookmark
        "INSERT INTO notes VALUES ('pb:gone00000000', 'Old thoughts.', '2025-01-01T00:00:00+00:00')"
    )
    db.execute("INSERT INTO lists VALUES (1, 'Thesis', 'thesis', '2026-02-01T00:00:00+00:00')")
    db.execute("INSERT INTO lists VALUES (2, 'Empty', 'empty', '2026-02-01T00:00:00+00:00')")
    db.executemany(
        "INSERT INTO list_items VALUES (1, ?, '2026-02-05T00:00:00+00:00')",
        [(BYOL["id"],), (ONLY_MARKED["id"],)],
    )
    db.execute("PRAGMA user_version=3")
    db.close()
    return path


def test_a_release_library_keeps_everything_and_gets_keys(release_library: Path) -> None:
    library = Library(release_library)
    with sqlite3.connect(release_library) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == LIBRARY_SCHEMA_VERSION == 6

    marks = library.bookmarks()
    assert [bm.paper.id for bm in marks] == [STRIPE["id"], ONLY_MARKED["id"], BYOL["id"]]
    stripe, lora, byol = marks
    assert stripe.added_at == datetime(2026, 2, 1, 10, tzinfo=UTC)
    assert (stripe.status, stripe.tags, stripe.lists, stripe.note) == (
        "read",
        ("physics",),
        (),
        "",
    )
    assert (byol.status, byol.tags, byol.lists, byol.note) == (
        "to-read",
        ("ssl", "thesis"),
        ("Thesis",),
        "Read section 3.",
    )
    assert byol.note_updated_at == datetime(2026, 2, 4, 8, tzinfo=UTC)
    assert lora.lists == ("Thesis",) and lora.status is None
    assert library.lists() == [("Empty", 0), ("Thesis", 2)]
    assert library.note("pb:gone00000000") == "Old thoughts."

    # the stored record wins over the bookmark's older copy; full dates stay full
    assert byol.paper.upvotes == 12 and byol.paper.sources == ("hf.txt", "arxiv-metadata.json")
    assert byol.paper.published == date(2020, 6, 13) and byol.paper.date_iso == "2020-06-13"
    assert lora.paper.authors == ("Edward J. Hu",)

    # every bookmark got a key, in the order bookmarked, and keys work both ways
    assert [bm.paper.citation_key for bm in marks] == [
        "rosenow2006stripe",
        "hu2021lora",
        "grill2020bootstrap",
    ]
    assert library.paper_for_key("hu2021lora") == ONLY_MARKED["id"]
    assert library.citation_key(BYOL["id"]) == "grill2020bootstrap"
    assert library.rename_key(BYOL["id"], "grill2020byol") == "grill2020byol"
    assert library.paper_for_key("grill2020bootstrap") is None

    # stored papers, revision and the import's de-duplication keys are intact
    assert library.revision() == 2 and library.stored_count() == 2
    found = library.find_stored(Paper(id="x:1", title="?", doi="10.1103/physrevb.74.024520"))
    assert found is not None and found.id == STRIPE["id"]
    assert library.find_stored(Paper(id="x:2", title="?", arxiv_id="2006.07733")).id == BYOL["id"]

    # the migrated file is written to as usual, and reopening migrates nothing again
    library.add_tag(Paper.from_dict(ONLY_MARKED), "lora")
    again = Library(release_library)
    assert again.bookmark(ONLY_MARKED["id"]).tags == ("lora",)
    assert again.bookmark(ONLY_MARKED["id"]).paper.citation_key == "hu2021lora"


def test_the_migration_is_one_transaction(release_library: Path, monkeypatch) -> None:
    """A key step that fails leaves the schema-3 file as it was (then a later open migrates)."""
    from paperbrowse.core import library as library_module

    def boom(db):
        raise sqlite3.OperationalError("simulated failure")

    steps = library_module._MIGRATIONS[4]
    monkeypatch.setitem(library_module._MIGRATIONS, 4, (*steps[:-1], boom))
    with pytest.raises(library_module.LibraryError):
        Library(release_library)
    with sqlite3.connect(release_library) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 3
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert "citekeys" not in tables
    monkeypatch.setitem(library_module._MIGRATIONS, 4, steps)
    assert len(Library(release_library).bookmarks()) == 3
