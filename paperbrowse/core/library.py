"""The user's library in SQLite: bookmarks and their organisation, and imported papers.

The database lives at :attr:`Locations.library_path`. It holds:

* **bookmarks**, each with a JSON copy of the paper (so the reading list
  survives index rebuilds and corpus changes), the time it was added and a
  reading status (:data:`STATUSES`);
* **tags** per bookmarked paper, stored normalised (see :func:`normalise_tag`);
* a free-text **note** per paper, with the time it was last changed;
* named **reading lists** (a paper may be on several);
* a **store of imported papers** with a library *revision*: every call of
  :meth:`Library.store_papers` that changes something takes the next revision
  number, so a reader can ask for what changed since the revision it has seen
  (the search index is rebuilt from the bundled corpus plus these papers).

Tagging, noting, setting a status or adding to a list a paper that is not
bookmarked bookmarks it first. Removing a bookmark removes its tags, status and
list memberships but **keeps its note**: a note is the user's own writing, so it
is never dropped as a side effect; bookmarking the paper again shows it again,
and :meth:`Library.set_note` with an empty text deletes it.

The database runs in WAL mode with a busy timeout, so two paperbrowse
instances (threads or processes) can read and write it at the same time; every
change is one ``BEGIN IMMEDIATE`` transaction. The layout version is kept in
``PRAGMA user_version`` and older layouts are migrated on open, each step in
one transaction together with its version bump.
"""

from __future__ import annotations

import json
import sqlite3
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from paperbrowse.core.models import Paper, normalise_title, same_work

#: Version of the database layout, kept in ``PRAGMA user_version``.
LIBRARY_SCHEMA_VERSION = 3

#: The reading statuses a bookmark may have (besides ``None``: no status).
STATUSES: tuple[str, ...] = ("to-read", "reading", "read")

#: Longest tag or list name accepted, in characters.
MAX_NAME_CHARS = 100

# Statements that bring the database from version N-1 to N, each run in one
# transaction together with the version bump. Times are ISO 8601 in UTC;
# ``paper`` columns hold Paper.to_dict() as JSON.
_MIGRATIONS: dict[int, tuple[str, ...]] = {
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
}


def _doi_key(doi: str | None) -> str | None:
    """A DOI as de-duplication compares it: lower case; ``None`` if empty."""
    return doi.lower() if doi else None


def _title_key(title: str | None) -> str | None:
    """:func:`~paperbrowse.core.models.normalise_title`; ``None`` if empty."""
    return normalise_title(title) or None if title else None


def _keys(paper: Paper) -> tuple[str | None, str | None, str | None]:
    """``(arxiv_id, doi_key, title_key)`` of a stored paper's row."""
    return paper.arxiv_id or None, _doi_key(paper.doi), _title_key(paper.title)


_BATCH = 500


class LibraryError(RuntimeError):
    """The library database cannot be opened or is damaged (message names the file)."""


@dataclass(frozen=True, slots=True)
class Bookmark:
    """A bookmarked paper and how the user organised it.

    ``Bookmark(paper, added_at)`` still builds a plain bookmark: every other
    field has a default.

    Attributes:
        paper: the paper as it was when bookmarked.
        added_at: when it was bookmarked (timezone-aware, UTC).
        tags: its tags in :func:`normalise_tag` form, sorted.
        note: the user's note, ``""`` if none.
        status: ``"to-read"``, ``"reading"``, ``"read"`` or ``None``.
        lists: names of the reading lists it is on, sorted case-insensitively.
        note_updated_at: when the note was last changed (UTC), ``None`` without a note.
    """

    paper: Paper
    added_at: datetime
    tags: tuple[str, ...] = ()
    note: str = ""
    status: str | None = None
    lists: tuple[str, ...] = ()
    note_updated_at: datetime | None = None


def normalise_tag(tag: str) -> str:
    """Return the stored form of a tag: NFC, trimmed, inner spaces collapsed, case-folded.

    Tags are compared and stored in this form, so ``" Deep  Learning"`` and
    ``"deep learning"`` are one tag (displayed lower-case).

    Raises:
        ValueError: the tag is empty, longer than :data:`MAX_NAME_CHARS`, or
            contains a comma, a semicolon or a control character (commas and
            semicolons separate tags in the CSV, CSL-JSON and RIS exports).
    """
    value = " ".join(unicodedata.normalize("NFC", str(tag)).split()).casefold()
    if not value:
        raise ValueError("a tag cannot be empty")
    if len(value) > MAX_NAME_CHARS:
        raise ValueError(f"tag {tag!r} is longer than {MAX_NAME_CHARS} characters")
    bad = [ch for ch in value if ch in ",;" or unicodedata.category(ch).startswith("C")]
    if bad:
        raise ValueError(f"tag {tag!r} contains {bad[0]!r}; tags cannot contain , ; or controls")
    return value


def _list_name(name: str) -> tuple[str, str]:
    """``(display name, unique key)`` of a reading-list name; ValueError if blank/too long."""
    value = " ".join(unicodedata.normalize("NFC", str(name)).split())
    if not value:
        raise ValueError("a reading list needs a name")
    if len(value) > MAX_NAME_CHARS:
        raise ValueError(f"list name {name!r} is longer than {MAX_NAME_CHARS} characters")
    return value, value.casefold()


def check_status(status: str | None) -> str | None:
    """Return ``status`` if it is one of :data:`STATUSES` or ``None``.

    Raises:
        ValueError: any other value; the message names it and the allowed ones.
    """
    if status is None or status in STATUSES:
        return status
    allowed = ", ".join(repr(s) for s in STATUSES)
    raise ValueError(f"invalid reading status {status!r}; use one of {allowed} or None")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _paper_json(paper: Paper) -> str:
    if not isinstance(paper, Paper):
        raise TypeError(f"expected a Paper, got {type(paper).__name__}")
    return json.dumps(paper.to_dict(), ensure_ascii=False)


class Library:
    """The user's library in one SQLite file.

    Each method opens its own short-lived connection, so one ``Library`` can
    be used from any thread and by several processes at once. Methods that
    take a :class:`Paper` bookmark it first if it is not bookmarked; methods
    that take a ``paper_id`` do nothing (and return ``False``) for papers that
    are not bookmarked.

    Args:
        path: the database file; created with its folder if missing.
        busy_timeout: seconds to wait for another process's write lock.

    Raises:
        LibraryError: the file is not a paperbrowse database, or was written
            by a newer paperbrowse (schema version above
            :data:`LIBRARY_SCHEMA_VERSION`); the message names the file.
    """

    def __init__(self, path: Path | str, busy_timeout: float = 10.0) -> None:
        self.path = Path(path)
        self.busy_timeout = busy_timeout
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with self._connect() as db:
                db.execute("PRAGMA journal_mode=WAL")
                self._migrate(db)
        except sqlite3.DatabaseError as exc:
            raise LibraryError(f"{self.path}: not a usable library database ({exc})") from exc

    def _migrate(self, db: sqlite3.Connection) -> None:
        while True:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > LIBRARY_SCHEMA_VERSION:
                raise LibraryError(
                    f"{self.path} was written by a newer paperbrowse "
                    f"(schema {version} > {LIBRARY_SCHEMA_VERSION})"
                )
            if version == LIBRARY_SCHEMA_VERSION:
                return
            with self._transaction(db):
                # another process may have migrated while we waited for the lock
                if db.execute("PRAGMA user_version").fetchone()[0] != version:
                    continue
                for statement in _MIGRATIONS[version + 1]:
                    db.execute(statement)
                db.execute(f"PRAGMA user_version={version + 1}")

    @contextmanager
    def _connect(self, check_same_thread: bool = True) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(
            self.path,
            timeout=self.busy_timeout,
            isolation_level=None,
            check_same_thread=check_same_thread,
        )
        db.create_function("pb_doi_key", 1, _doi_key, deterministic=True)
        db.create_function("pb_title_key", 1, _title_key, deterministic=True)
        try:
            yield db
        finally:
            db.close()

    @staticmethod
    @contextmanager
    def _transaction(db: sqlite3.Connection, mode: str = "IMMEDIATE") -> Iterator[None]:
        db.execute(f"BEGIN {mode}")
        try:
            yield
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    @staticmethod
    def _bookmark_in(db: sqlite3.Connection, paper: Paper, now: str) -> bool:
        cur = db.execute(
            "INSERT OR IGNORE INTO bookmarks(paper_id, added_at, paper) VALUES (?, ?, ?)",
            (paper.id, now, _paper_json(paper)),
        )
        return cur.rowcount == 1

    @staticmethod
    def _unbookmark_in(db: sqlite3.Connection, paper_id: str) -> bool:
        """Delete a bookmark with its tags and list memberships (the note stays)."""
        db.execute("DELETE FROM tags WHERE paper_id = ?", (paper_id,))
        db.execute("DELETE FROM list_items WHERE paper_id = ?", (paper_id,))
        return db.execute("DELETE FROM bookmarks WHERE paper_id = ?", (paper_id,)).rowcount == 1

    # -- bookmarks -----------------------------------------------------------

    def add(self, paper: Paper) -> bool:
        """Bookmark ``paper``; returns False if it already was (time kept)."""
        with self._connect() as db, self._transaction(db):
            return self._bookmark_in(db, paper, _now())

    def remove(self, paper_id: str) -> bool:
        """Remove a bookmark with its tags, status and list memberships; its note is kept.

        Returns:
            False if there was no such bookmark.
        """
        with self._connect() as db, self._transaction(db):
            return self._unbookmark_in(db, paper_id)

    def toggle(self, paper: Paper) -> bool:
        """Bookmark ``paper`` or remove its bookmark (as :meth:`remove`), atomically.

        Returns:
            True if the paper is bookmarked afterwards.
        """
        with self._connect() as db, self._transaction(db):
            if self._unbookmark_in(db, paper.id):
                return False
            self._bookmark_in(db, paper, _now())
            return True

    def ids(self) -> frozenset[str]:
        """Ids of all bookmarked papers."""
        with self._connect() as db:
            return frozenset(row[0] for row in db.execute("SELECT paper_id FROM bookmarks"))

    def __contains__(self, paper_id: object) -> bool:
        with self._connect() as db:
            row = db.execute("SELECT 1 FROM bookmarks WHERE paper_id = ?", (paper_id,)).fetchone()
        return row is not None

    def __len__(self) -> int:
        with self._connect() as db:
            return db.execute("SELECT COUNT(*) FROM bookmarks").fetchone()[0]

    def bookmarks(
        self, *, list: str | None = None, tag: str | None = None, status: str | None = None
    ) -> list[Bookmark]:
        """Bookmarks, oldest first (the order they were added), optionally filtered.

        Filters combine with AND; ``None`` means "any".

        Args:
            list: only papers on the reading list of this name (case-insensitive;
                an unknown list gives an empty result).
            tag: only papers with this tag (compared in :func:`normalise_tag` form).
            status: only papers with this reading status.

        Raises:
            ValueError: ``tag`` is not a valid tag or ``status`` not a status.
        """
        where, params = [], []
        if list is not None:
            where.append(
                "b.paper_id IN (SELECT li.paper_id FROM list_items li"
                " JOIN lists l ON l.list_id = li.list_id WHERE l.name_key = ?)"
            )
            params.append(_list_name(list)[1])
        if tag is not None:
            where.append("b.paper_id IN (SELECT paper_id FROM tags WHERE tag = ?)")
            params.append(normalise_tag(tag))
        if status is not None:
            where.append("b.status = ?")
            params.append(check_status(status))
        return self._load(" AND ".join(where), params)

    def bookmark(self, paper_id: str) -> Bookmark | None:
        """The bookmark of one paper, or ``None`` if it is not bookmarked."""
        found = self._load("b.paper_id = ?", [paper_id])
        return found[0] if found else None

    def _load(self, where: str, params: list[object]) -> list[Bookmark]:
        sql = (
            "SELECT b.paper_id, b.paper, b.added_at, b.status, n.note, n.updated_at"
            " FROM bookmarks b LEFT JOIN notes n ON n.paper_id = b.paper_id"
            + (f" WHERE {where}" if where else "")
            + " ORDER BY b.added_at, b.rowid"
        )
        with self._connect() as db, self._transaction(db, "DEFERRED"):  # one snapshot
            rows = db.execute(sql, params).fetchall()
            tags: dict[str, list[str]] = {}
            lists: dict[str, list[str]] = {}
            if rows:
                for paper_id, tag in db.execute("SELECT paper_id, tag FROM tags ORDER BY tag"):
                    tags.setdefault(paper_id, []).append(tag)
                for paper_id, name in db.execute(
                    "SELECT li.paper_id, l.name FROM list_items li"
                    " JOIN lists l ON l.list_id = li.list_id ORDER BY l.name_key"
                ):
                    lists.setdefault(paper_id, []).append(name)
        return [
            Bookmark(
                Paper.from_dict(json.loads(paper)),
                datetime.fromisoformat(added),
                tags=tuple(tags.get(paper_id, ())),
                note=note or "",
                status=status,
                lists=tuple(lists.get(paper_id, ())),
                note_updated_at=datetime.fromisoformat(noted) if noted else None,
            )
            for paper_id, paper, added, status, note, noted in rows
        ]

    # -- reading status ----------------------------------------------------

    def set_status(self, paper: Paper, status: str | None) -> None:
        """Set the reading status of ``paper`` (bookmarking it first); ``None`` clears it.

        Raises:
            ValueError: ``status`` is not one of :data:`STATUSES` or ``None``.
        """
        check_status(status)
        with self._connect() as db, self._transaction(db):
            self._bookmark_in(db, paper, _now())
            db.execute("UPDATE bookmarks SET status = ? WHERE paper_id = ?", (status, paper.id))

    # -- tags ----------------------------------------------------------------

    def add_tag(self, paper: Paper, tag: str) -> bool:
        """Tag ``paper`` (bookmarking it first).

        Returns:
            False if it already had the tag (in any case or spacing).

        Raises:
            ValueError: see :func:`normalise_tag`.
        """
        value = normalise_tag(tag)
        with self._connect() as db, self._transaction(db):
            self._bookmark_in(db, paper, _now())
            cur = db.execute(
                "INSERT OR IGNORE INTO tags(paper_id, tag) VALUES (?, ?)", (paper.id, value)
            )
            return cur.rowcount == 1

    def remove_tag(self, paper_id: str, tag: str) -> bool:
        """Remove a tag from a paper; returns False if it did not have it.

        Raises:
            ValueError: see :func:`normalise_tag`.
        """
        value = normalise_tag(tag)
        with self._connect() as db, self._transaction(db):
            cur = db.execute("DELETE FROM tags WHERE paper_id = ? AND tag = ?", (paper_id, value))
            return cur.rowcount == 1

    def set_tags(self, paper: Paper, tags: Iterable[str]) -> tuple[str, ...]:
        """Replace the tags of ``paper`` (bookmarking it first).

        Returns:
            The tags now stored, normalised, de-duplicated and sorted.

        Raises:
            ValueError: one of the tags is invalid (nothing is changed).
        """
        values = tuple(sorted({normalise_tag(t) for t in tags}))
        with self._connect() as db, self._transaction(db):
            self._bookmark_in(db, paper, _now())
            db.execute("DELETE FROM tags WHERE paper_id = ?", (paper.id,))
            db.executemany(
                "INSERT INTO tags(paper_id, tag) VALUES (?, ?)", [(paper.id, v) for v in values]
            )
        return values

    def tags(self) -> list[tuple[str, int]]:
        """Every tag in use with the number of bookmarks carrying it, sorted by tag."""
        with self._connect() as db:
            return db.execute("SELECT tag, COUNT(*) FROM tags GROUP BY tag ORDER BY tag").fetchall()

    # -- notes ---------------------------------------------------------------

    def set_note(self, paper: Paper, note: str) -> None:
        """Set the note on ``paper`` (bookmarking it first) and stamp its update time.

        Surrounding white space is trimmed; an empty note deletes the note.
        """
        text = str(note).strip()
        now = _now()
        with self._connect() as db, self._transaction(db):
            self._bookmark_in(db, paper, now)
            if text:
                db.execute(
                    "INSERT INTO notes(paper_id, note, updated_at) VALUES (?, ?, ?)"
                    " ON CONFLICT(paper_id) DO UPDATE SET"
                    " note = excluded.note, updated_at = excluded.updated_at",
                    (paper.id, text, now),
                )
            else:
                db.execute("DELETE FROM notes WHERE paper_id = ?", (paper.id,))

    def note(self, paper_id: str) -> str:
        """The note on a paper, ``""`` if none (notes outlive their bookmarks)."""
        with self._connect() as db:
            row = db.execute("SELECT note FROM notes WHERE paper_id = ?", (paper_id,)).fetchone()
        return row[0] if row else ""

    # -- reading lists -------------------------------------------------------

    def create_list(self, name: str) -> bool:
        """Create an empty reading list.

        Names are trimmed with inner spaces collapsed, kept in the case given,
        and unique case-insensitively.

        Returns:
            False if a list of that name already exists.

        Raises:
            ValueError: the name is blank or longer than :data:`MAX_NAME_CHARS`.
        """
        display, key = _list_name(name)
        with self._connect() as db, self._transaction(db):
            return self._create_list_in(db, display, key)

    @staticmethod
    def _create_list_in(db: sqlite3.Connection, display: str, key: str) -> bool:
        cur = db.execute(
            "INSERT OR IGNORE INTO lists(name, name_key, created_at) VALUES (?, ?, ?)",
            (display, key, _now()),
        )
        return cur.rowcount == 1

    def rename_list(self, old: str, new: str) -> None:
        """Rename a reading list (changing only its case is allowed).

        Raises:
            ValueError: there is no list ``old``, another list is already
                called ``new``, or ``new`` is blank or too long.
        """
        _, old_key = _list_name(old)
        display, key = _list_name(new)
        with self._connect() as db, self._transaction(db):
            row = db.execute("SELECT list_id FROM lists WHERE name_key = ?", (old_key,)).fetchone()
            if row is None:
                raise ValueError(f"there is no reading list called {old!r}")
            clash = db.execute(
                "SELECT 1 FROM lists WHERE name_key = ? AND list_id != ?", (key, row[0])
            ).fetchone()
            if clash:
                raise ValueError(f"there is already a reading list called {new!r}")
            db.execute(
                "UPDATE lists SET name = ?, name_key = ? WHERE list_id = ?", (display, key, row[0])
            )

    def delete_list(self, name: str) -> bool:
        """Delete a reading list; its papers stay bookmarked. False if there was none."""
        _, key = _list_name(name)
        with self._connect() as db, self._transaction(db):
            row = db.execute("SELECT list_id FROM lists WHERE name_key = ?", (key,)).fetchone()
            if row is None:
                return False
            db.execute("DELETE FROM list_items WHERE list_id = ?", (row[0],))
            db.execute("DELETE FROM lists WHERE list_id = ?", (row[0],))
            return True

    def add_to_list(self, name: str, paper: Paper) -> bool:
        """Put ``paper`` on the reading list ``name``, bookmarking it and creating the list first.

        Returns:
            False if it was already on that list.

        Raises:
            ValueError: the name is blank or too long.
        """
        display, key = _list_name(name)
        now = _now()
        with self._connect() as db, self._transaction(db):
            self._bookmark_in(db, paper, now)
            self._create_list_in(db, display, key)
            cur = db.execute(
                "INSERT OR IGNORE INTO list_items(list_id, paper_id, added_at)"
                " SELECT list_id, ?, ? FROM lists WHERE name_key = ?",
                (paper.id, now, key),
            )
            return cur.rowcount == 1

    def remove_from_list(self, name: str, paper_id: str) -> bool:
        """Take a paper off a reading list (it stays bookmarked); False if it was not on it."""
        _, key = _list_name(name)
        with self._connect() as db, self._transaction(db):
            cur = db.execute(
                "DELETE FROM list_items WHERE paper_id = ?"
                " AND list_id = (SELECT list_id FROM lists WHERE name_key = ?)",
                (paper_id, key),
            )
            return cur.rowcount == 1

    def lists(self) -> list[tuple[str, int]]:
        """Every reading list as ``(name, number of papers)``, sorted case-insensitively."""
        with self._connect() as db:
            return db.execute(
                "SELECT l.name, COUNT(li.paper_id) FROM lists l"
                " LEFT JOIN list_items li ON li.list_id = l.list_id"
                " GROUP BY l.list_id ORDER BY l.name_key"
            ).fetchall()

    # -- imported papers -----------------------------------------------------

    def store_papers(self, papers: Iterable[Paper]) -> int:
        """Insert or update imported papers, all in one transaction.

        The papers are first staged in a temporary table (so a slow iterable,
        such as a parser reading a large file, does not hold the library's
        write lock), then written in one ``BEGIN IMMEDIATE`` transaction. Every
        row written gets the new revision, one more than :meth:`revision`.
        Papers stored exactly as given already are not rewritten (they keep
        their revision); if nothing changes, the revision is not bumped. When a
        paper id occurs twice in ``papers``, the last one wins.

        Returns:
            The library revision after the call (unchanged if nothing changed).

        Raises:
            TypeError: an item is not a :class:`Paper`; nothing is stored.
            Exception: whatever the iterable raises; nothing is stored and the
                revision is unchanged.
        """
        now = _now()
        with self._connect() as db:
            db.execute(
                "CREATE TEMP TABLE incoming (paper_id TEXT PRIMARY KEY, paper TEXT NOT NULL,"
                " arxiv_id TEXT, doi_key TEXT, title_key TEXT)"
            )
            insert = "INSERT OR REPLACE INTO temp.incoming VALUES (?, ?, ?, ?, ?)"
            with self._transaction(db, "DEFERRED"):  # writes the temp database only
                batch: list[tuple] = []
                for paper in papers:
                    payload = _paper_json(paper)  # TypeError for a non-Paper
                    batch.append((paper.id, payload, *_keys(paper)))
                    if len(batch) >= _BATCH:
                        db.executemany(insert, batch)
                        batch.clear()
                db.executemany(insert, batch)
            changed = (
                " FROM temp.incoming i LEFT JOIN main.papers p ON p.paper_id = i.paper_id"
                " WHERE p.paper IS NULL OR p.paper != i.paper"
            )
            with self._transaction(db):
                current = db.execute("SELECT revision FROM library_state WHERE id = 1").fetchone()[
                    0
                ]
                if not db.execute("SELECT COUNT(*)" + changed).fetchone()[0]:
                    return current
                revision = current + 1
                db.execute(
                    "INSERT INTO main.papers(paper_id, paper, revision, updated_at,"
                    " arxiv_id, doi_key, title_key)"
                    " SELECT i.paper_id, i.paper, ?, ?, i.arxiv_id, i.doi_key, i.title_key"
                    + changed
                    + " ON CONFLICT(paper_id)"
                    " DO UPDATE SET paper = excluded.paper, revision = excluded.revision,"
                    " updated_at = excluded.updated_at, arxiv_id = excluded.arxiv_id,"
                    " doi_key = excluded.doi_key, title_key = excluded.title_key",
                    (revision, now),
                )
                db.execute("UPDATE library_state SET revision = ? WHERE id = 1", (revision,))
                return revision

    def stored_papers(self, since: int = 0) -> Iterator[tuple[int, Paper]]:
        """Stream the stored papers written after revision ``since``.

        Rows come as ``(revision, paper)`` in revision order (then by id),
        fetched lazily from one consistent snapshot: a store that commits
        while the iterator is being consumed is not seen by it. The connection
        closes when the iterator is exhausted or closed.

        Args:
            since: a revision seen before; 0 gives every stored paper.
        """
        with self._connect(check_same_thread=False) as db:
            db.execute("BEGIN DEFERRED")
            rows = db.execute(
                "SELECT revision, paper FROM papers WHERE revision > ? ORDER BY revision, paper_id",
                (since,),
            )
            for revision, paper in rows:
                yield revision, Paper.from_dict(json.loads(paper))

    def stored_paper(self, paper_id: str) -> Paper | None:
        """One stored paper by id, or ``None``."""
        with self._connect() as db:
            row = db.execute("SELECT paper FROM papers WHERE paper_id = ?", (paper_id,)).fetchone()
        return Paper.from_dict(json.loads(row[0])) if row else None

    def find_stored(self, paper: Paper) -> Paper | None:
        """The stored paper that is the same work as ``paper``, or ``None``.

        Tried in order, through the table's indexes: the same id, the same
        arXiv id, the same DOI (case ignored), then the same normalised title
        (:func:`~paperbrowse.core.models.normalise_title`); a candidate whose
        identifiers contradict the match is passed over
        (:func:`~paperbrowse.core.models.same_work`). A few index lookups,
        whatever the library's size.
        """
        arxiv_id, doi_key, title_key = _keys(paper)
        with self._connect() as db:
            for column, field, value in (
                ("paper_id", "id", paper.id),
                ("arxiv_id", "arxiv", arxiv_id),
                ("doi_key", "doi", doi_key),
                ("title_key", "title_key", title_key),
            ):
                if not value:
                    continue
                rows = db.execute(
                    f"SELECT paper FROM papers WHERE {column} = ? ORDER BY revision, paper_id",
                    (value,),
                )
                for (payload,) in rows:
                    found = Paper.from_dict(json.loads(payload))
                    if same_work(found, paper, field):
                        return found
        return None

    def stored_count(self, since: int = 0) -> int:
        """Number of stored papers; with ``since``, of those written after that
        library revision (what :meth:`stored_papers` with ``since`` yields)."""
        with self._connect() as db:
            return db.execute(
                "SELECT COUNT(*) FROM papers WHERE revision > ?", (since,)
            ).fetchone()[0]

    def revision(self) -> int:
        """The library revision: 0 for a new library, +1 per :meth:`store_papers` that changed rows.

        Only the paper store moves it; bookmarks, tags, notes and lists do not.
        """
        with self._connect() as db:
            return db.execute("SELECT revision FROM library_state WHERE id = 1").fetchone()[0]
