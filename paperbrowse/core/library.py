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
  (the search index is rebuilt from the bundled corpus plus these papers);
* one **citation key** per paper, unique (case-insensitively, as BibTeX
  compares keys). A key the paper was imported with (``citation_key`` of a
  .bib entry) is registered when the paper is stored and kept; when another
  paper already holds it, the newcomer gets the first free suffix (``a``,
  ``b`` …). A paper without one gets :func:`~paperbrowse.core.citekeys.base_key`
  made unique the first time a key is needed (when it is bookmarked, exported
  or asked for with :meth:`Library.citation_key`). Once assigned a key never
  changes, except by :meth:`Library.rename_key`, or when a later import brings
  the paper's own key to replace a generated one (the user's documents cite the
  imported key).

Tagging, noting, setting a status or adding to a list a paper that is not
bookmarked bookmarks it first. Removing a bookmark removes its tags, status and
list memberships but **keeps its note**: a note is the user's own writing, so it
is never dropped as a side effect; bookmarking the paper again shows it again,
and :meth:`Library.set_note` with an empty text deletes it. What a removal
dropped is returned (:meth:`Library.remove`, :meth:`Library.toggle`) and can be
put back whole with :meth:`Library.restore` (undo); :meth:`Library.organised`
tells whether there is anything to lose.

The database runs in WAL mode with a busy timeout, so two paperbrowse
instances (threads or processes) can read and write it at the same time; every
change is one ``BEGIN IMMEDIATE`` transaction. The layout version is kept in
``PRAGMA user_version`` and older layouts are migrated on open, each step in
one transaction together with its version bump (a step is SQL statements and,
where SQL cannot do it, Python functions run on the same connection).

When the file or its folder cannot be written (a read-only data directory,
a read-only mount) the library opens **read-only** (SQLite ``mode=ro``, or
``immutable=1`` when the WAL's ``-shm`` file cannot be created either): every
reading method works, every writing one raises :class:`ReadOnlyLibrary`. A
disk too full to open the WAL does the same. A write that finds the disk full
rolls its transaction back and raises :class:`DiskFull` (an ``OSError`` with
``errno.ENOSPC``) naming the folder and the bytes left.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import sqlite3
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from paperbrowse.core import citekeys
from paperbrowse.core.models import Paper, normalise_title, same_work

#: Version of the database layout, kept in ``PRAGMA user_version``.
LIBRARY_SCHEMA_VERSION = 6

#: The reading statuses a bookmark may have (besides ``None``: no status).
STATUSES: tuple[str, ...] = ("to-read", "reading", "read")

#: Longest tag or list name accepted, in characters.
MAX_NAME_CHARS = 100

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
        lambda db: _keys_for_existing(db),
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


def _doi_key(doi: str | None) -> str | None:
    """A DOI as de-duplication compares it: lower case; ``None`` if empty."""
    return doi.lower() if doi else None


def _title_key(title: str | None) -> str | None:
    """:func:`~paperbrowse.core.models.normalise_title`; ``None`` if empty."""
    return normalise_title(title) or None if title else None


def _keys(paper: Paper) -> tuple[str | None, str | None, str | None]:
    """``(arxiv_id, doi_key, title_key)`` of a stored paper's row."""
    return paper.arxiv_id or None, _doi_key(paper.doi), _title_key(paper.title)


def _imported_key(paper: Paper) -> str | None:
    """The citation key ``paper`` came with, if it is usable (:func:`citekeys.check_key`)."""
    if not paper.citation_key:
        return None
    try:
        return citekeys.check_key(paper.citation_key)
    except ValueError:
        return None  # an unusable key from a source: the paper gets a generated one


def _key_taken(db: sqlite3.Connection, paper_id: str) -> Callable[[str], bool]:
    """``taken(key)``: True if another paper than ``paper_id`` holds ``key`` (any case)."""

    def taken(key: str) -> bool:
        row = db.execute(
            "SELECT 1 FROM citekeys WHERE key = ? AND paper_id != ?", (key, paper_id)
        ).fetchone()
        return row is not None

    return taken


def _assign_key_in(db: sqlite3.Connection, paper: Paper, now: str) -> str:
    """Return the citation key of ``paper``, registering one if it has none yet.

    A paper that already has a key keeps it, unless that key was generated and
    ``paper`` carries an imported key of its own, which then replaces it. A
    new key is the imported one, else :func:`citekeys.base_key`; either is
    made unique with :func:`citekeys.unique_key`. Runs inside the caller's
    write transaction.
    """
    row = db.execute("SELECT key, origin FROM citekeys WHERE paper_id = ?", (paper.id,)).fetchone()
    imported = _imported_key(paper)
    replaces = row is not None and row[1] == "generated" and imported is not None
    if row is not None and not (replaces and imported.lower() != row[0].lower()):
        return row[0]
    base, origin = (imported, "imported") if imported else (citekeys.base_key(paper), "generated")
    key = citekeys.unique_key(base, _key_taken(db, paper.id))
    db.execute(
        "INSERT INTO citekeys(paper_id, key, origin, assigned_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT(paper_id) DO UPDATE SET key = excluded.key, origin = excluded.origin,"
        " assigned_at = excluded.assigned_at",
        (paper.id, key, origin, now),
    )
    return key


def _keys_for_existing(db: sqlite3.Connection) -> None:
    """Migration to schema 4: keys for the papers of an older library.

    Imported keys first (stored papers in revision order, then bookmarks in
    the order added), so that they are kept as they are; then generated keys
    for the bookmarks (the stored record preferred to the bookmark's copy),
    oldest first. Other stored papers get theirs when first needed.
    """
    now = _now()
    stored = db.execute(
        "SELECT paper FROM papers WHERE json_extract(paper, '$.citation_key') IS NOT NULL"
        " ORDER BY revision, paper_id"
    )
    for (payload,) in stored.fetchall():
        paper = Paper.from_dict(json.loads(payload))
        if _imported_key(paper):
            _assign_key_in(db, paper, now)
    marked = db.execute(
        "SELECT COALESCE(p.paper, b.paper) FROM bookmarks b"
        " LEFT JOIN papers p ON p.paper_id = b.paper_id ORDER BY b.added_at, b.rowid"
    )
    papers = [Paper.from_dict(json.loads(payload)) for (payload,) in marked.fetchall()]
    for paper in sorted(papers, key=lambda p: _imported_key(p) is None):  # stable sort
        _assign_key_in(db, paper, now)


_BATCH = 500


class LibraryError(RuntimeError):
    """The library database cannot be opened or is damaged (message names the file)."""


class ReadOnlyLibrary(LibraryError):
    """A write was asked of a library opened read-only; the message names the folder."""


def free_bytes(folder: Path | str) -> int | None:
    """Bytes free for this user on the file system holding ``folder`` (its
    nearest existing parent), or ``None`` if it cannot be told."""
    path = Path(folder)
    while not path.exists() and path != path.parent:
        path = path.parent
    try:
        return shutil.disk_usage(path).free
    except OSError:
        return None


class DiskFull(OSError):
    """The disk holding the data directory is full: a write was given up whole.

    An ``OSError`` with ``errno.ENOSPC``, so code that handles "cannot write"
    still does. ``str()`` is the message for the user:
    ``"the disk holding DIR is full: N bytes free"`` (with the system's own
    words in parentheses when there are some, "No space left on device"),
    followed by ``outcome`` (what was and was not stored) when one is given.

    Attributes:
        folder: the folder that could not be written.
        free: bytes free on its file system when the error was raised (``None``
            if unknown).
        outcome: what happened to the write, as a clause (``"nothing of this
            import was stored"``); ``""`` if not said.
        reason: the operating system's message (``strerror``), or ``None``.
    """

    def __init__(self, folder: Path | str, outcome: str = "", reason: str | None = None) -> None:
        self.folder = Path(folder)
        self.free = free_bytes(self.folder)
        self.outcome = outcome
        self.reason = reason
        super().__init__(errno.ENOSPC, self._message(), str(self.folder))

    @classmethod
    def from_error(cls, exc: BaseException, folder: Path | str, outcome: str = "") -> DiskFull:
        """The :class:`DiskFull` for ``exc`` (a full-disk ``OSError``, SQLite's
        ``SQLITE_FULL`` or a ``DiskFull``), naming ``folder`` (a ``DiskFull``
        keeps its own) and saying ``outcome``."""
        if isinstance(exc, DiskFull):
            return DiskFull(exc.folder, outcome, exc.reason)
        reason = exc.strerror if isinstance(exc, OSError) else None
        return DiskFull(folder, outcome, reason)

    def _message(self) -> str:
        free = "an unknown number of" if self.free is None else f"{self.free:,}"
        why = f" ({self.reason})" if self.reason else ""
        text = f"the disk holding {self.folder} is full{why}: {free} bytes free"
        return f"{text}; {self.outcome}" if self.outcome else text

    def with_outcome(self, outcome: str) -> DiskFull:
        """The same error, saying ``outcome`` (free bytes measured again)."""
        return DiskFull(self.folder, outcome, self.reason)

    def __str__(self) -> str:
        return self._message()


def is_disk_full(exc: BaseException) -> bool:
    """True for a full disk or quota: ``OSError`` ``ENOSPC``/``EDQUOT``, or SQLite's
    ``database or disk is full`` (``SQLITE_FULL``)."""
    if isinstance(exc, OSError):
        return exc.errno in (errno.ENOSPC, errno.EDQUOT)
    if isinstance(exc, sqlite3.OperationalError):
        code = getattr(exc, "sqlite_errorcode", None)
        return code == sqlite3.SQLITE_FULL or "database or disk is full" in str(exc)
    return False


def _is_read_only_error(exc: BaseException) -> bool:
    """SQLite's ``attempt to write a readonly database`` (``SQLITE_READONLY``)."""
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    return (code is not None and code & 0xFF == sqlite3.SQLITE_READONLY) or (
        "readonly database" in str(exc)
    )


def writable(path: Path) -> bool:
    """True if the library file ``path`` and its folder can be written by this
    process (``os.access``: root passes, a read-only mount does not).

    SQLite needs both: the file for the data, the folder for the WAL's
    ``-wal`` and ``-shm`` files."""
    folder = path.parent
    if not os.access(folder, os.W_OK | os.X_OK):
        return False
    return not path.exists() or os.access(path, os.W_OK)


@dataclass(frozen=True, slots=True)
class Toggled:
    """What :meth:`Library.toggle` did; true when the paper is bookmarked afterwards.

    Attributes:
        bookmarked: the paper is bookmarked after the call.
        removed: the bookmark the call removed (tags, status, lists, note and
            ``added_at`` with it), to hand to :meth:`Library.restore` for undo;
            ``None`` when the call bookmarked the paper.
    """

    bookmarked: bool
    removed: Bookmark | None = None

    def __bool__(self) -> bool:
        return self.bookmarked


@dataclass(frozen=True, slots=True)
class Bookmark:
    """A bookmarked paper and how the user organised it.

    ``Bookmark(paper, added_at)`` still builds a plain bookmark: every other
    field has a default.

    Attributes:
        paper: the paper as it was when bookmarked.
        added_at: when it was bookmarked (timezone-aware, UTC); ``None`` for a
            paper exported without being bookmarked (the app's "current
            results" export), so no format invents a date added.
        tags: its tags in :func:`normalise_tag` form, sorted.
        note: the user's note, ``""`` if none.
        status: ``"to-read"``, ``"reading"``, ``"read"`` or ``None``.
        lists: names of the reading lists it is on, sorted case-insensitively.
        note_updated_at: when the note was last changed (UTC), ``None`` without a note.
    """

    paper: Paper
    added_at: datetime | None
    tags: tuple[str, ...] = ()
    note: str = ""
    status: str | None = None
    lists: tuple[str, ...] = ()
    note_updated_at: datetime | None = None


#: How a PDF came to the library (``attachments.kind``).
ATTACHMENT_KINDS: tuple[str, ...] = ("downloaded", "copied", "linked")


@dataclass(frozen=True, slots=True)
class Attachment:
    """The PDF attached to a paper, as the library records it (schema 5).

    Attributes:
        paper_id: the paper's id.
        path: absolute path of the PDF: in ``<data>/pdfs/`` for a downloaded
            or copied file, the user's own file for a linked one.
        kind: ``"downloaded"`` (from arXiv), ``"copied"`` (a local file copied
            in) or ``"linked"`` (a local file left where it is).
        bytes: size of the file when attached, in bytes (``None``: unknown).
        pages: number of pages (``None``: unknown, the file could not be read).
        sha256: hex SHA-256 of the file when attached, or ``None``.
        added_at: when it was attached (UTC).
        extracted_at: when its text was last extracted (UTC), ``None`` if never.
        error: why it has no text (encrypted, image-only ...), one line; ``None``.
    """

    paper_id: str
    path: Path
    kind: str
    bytes: int | None
    pages: int | None
    sha256: str | None
    added_at: datetime
    extracted_at: datetime | None = None
    error: str | None = None


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
        read_only: open read-only even if the file could be written (backups,
            ``paperbrowse check``).
        auto_backup: before the first write through this instance (a schema
            migration included), make today's backup if there is none
            (:func:`paperbrowse.core.backup.backup_if_due`: at most one a day
            in ``<data>/backups/``, the last 7 kept). The command line and
            the app ask for it; a backup that cannot be made never stops the write.

    The library opens read-only by itself when the file or its folder cannot
    be written, or the disk is too full to open the WAL (:attr:`read_only`
    then says why); writing methods then raise :class:`ReadOnlyLibrary`.
    Every writing method raises :class:`DiskFull` when the disk fills up
    during its transaction (which is rolled back whole).

    Raises:
        LibraryError: the file is not a paperbrowse database, or was written
            by a newer paperbrowse (schema version above
            :data:`LIBRARY_SCHEMA_VERSION`), or is missing in a folder that
            cannot be written, or needs a migration but is read-only; the
            message names the file.
        DiskFull: a new library cannot be created on a full disk.
    """

    def __init__(
        self,
        path: Path | str,
        busy_timeout: float = 10.0,
        *,
        read_only: bool = False,
        auto_backup: bool = False,
    ) -> None:
        self.path = Path(path)
        self.busy_timeout = busy_timeout
        # the daily backup is taken before this instance's first write (once);
        # a library this call creates has nothing to back up yet
        try:
            existed = self.path.stat().st_size > 0
        except OSError:
            existed = False
        self._backup_due = auto_backup and not read_only and existed
        #: why the library is read-only (a clause naming the folder), ``None`` if writable
        self.read_only: str | None = None
        self._immutable = False
        if read_only:
            self._open_read_only("it was opened read-only")
            return
        if not writable(self.path):
            if self.path.exists():
                self._open_read_only(f"{self.path.parent} cannot be written")
                return
            if self.path.parent.is_dir():
                raise LibraryError(
                    f"{self.path}: no library yet, and {self.path.parent} cannot be written"
                )
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LibraryError(f"{self.path}: cannot create the library ({exc})") from exc
        try:
            with self._connect() as db:
                db.execute("PRAGMA journal_mode=WAL")
                self._migrate(db)
        except DiskFull as exc:
            # no room to create or upgrade it: read what is there, if it can be read as is
            if not self.path.exists():
                raise
            try:
                self._open_read_only(str(DiskFull(self.path.parent)))
            except LibraryError:
                raise exc.with_outcome(f"{self.path} was not changed") from None
        except sqlite3.OperationalError as exc:
            # no room for the WAL's files, or a file SQLite may not write: read what is there
            text = str(exc)
            if self.path.exists() and (
                is_disk_full(exc) or _is_read_only_error(exc) or "disk I/O error" in text
            ):
                reason = (
                    str(DiskFull(self.path.parent))
                    if is_disk_full(exc) or "disk I/O error" in text
                    else f"{self.path} cannot be written ({text})"
                )
                self._open_read_only(reason)
                return
            raise LibraryError(f"{self.path}: not a usable library database ({exc})") from exc
        except sqlite3.DatabaseError as exc:
            raise LibraryError(f"{self.path}: not a usable library database ({exc})") from exc

    def _open_read_only(self, reason: str) -> None:
        """Open the existing file read-only (``mode=ro``; ``immutable=1`` when SQLite
        cannot open it so: the WAL's ``-shm`` cannot be created), and check its schema.

        Raises:
            LibraryError: no file, not a library, or a layout this version
                would have to migrate (which needs writing).
        """
        if not self.path.exists():
            raise LibraryError(f"{self.path}: no library, and {reason}")
        self.read_only = reason
        last: sqlite3.DatabaseError | None = None
        for immutable in (False, True):
            self._immutable = immutable
            try:
                with self._connect() as db:
                    version = db.execute("PRAGMA user_version").fetchone()[0]
                break
            except sqlite3.DatabaseError as exc:
                last = exc
        else:
            raise LibraryError(f"{self.path}: not a usable library database ({last})") from last
        if version > LIBRARY_SCHEMA_VERSION:
            raise LibraryError(
                f"{self.path} was written by a newer paperbrowse "
                f"(schema {version} > {LIBRARY_SCHEMA_VERSION})"
            )
        if version < LIBRARY_SCHEMA_VERSION:
            raise LibraryError(
                f"{self.path} must be upgraded (schema {version} to {LIBRARY_SCHEMA_VERSION}) "
                f"but is read-only: {reason}"
            )

    def read_only_error(self) -> ReadOnlyLibrary:
        """The error a write on this read-only library raises (message names why)."""
        return ReadOnlyLibrary(f"the library is read-only ({self.read_only}); nothing was changed")

    def _check_writable(self) -> None:
        """Raise :class:`ReadOnlyLibrary` if the library was opened read-only."""
        if self.read_only is not None:
            raise self.read_only_error()

    def _translate(self, exc: BaseException) -> BaseException:
        """The error to raise for a failed write: :class:`DiskFull`,
        :class:`ReadOnlyLibrary`, or ``exc`` itself."""
        if isinstance(exc, DiskFull):
            return exc
        if is_disk_full(exc):
            return DiskFull(self.path.parent)
        if _is_read_only_error(exc):
            return ReadOnlyLibrary(
                f"the library is read-only ({self.path} cannot be written: {exc}); "
                "nothing was changed"
            )
        return exc

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
                for step in _MIGRATIONS[version + 1]:
                    if callable(step):
                        step(db)
                    else:
                        db.execute(step)
                db.execute(f"PRAGMA user_version={version + 1}")

    def connect_uri(self) -> tuple[str, bool]:
        """``(database, uri)`` as :func:`sqlite3.connect` takes them for this library:
        the plain path, or a ``file:`` URI with ``mode=ro`` (and ``immutable=1``)
        when read-only."""
        if self.read_only is None:
            return str(self.path), False
        uri = f"file:{quote(str(self.path.absolute()))}?mode=ro"
        return (uri + "&immutable=1" if self._immutable else uri), True

    @contextmanager
    def _connect(self, check_same_thread: bool = True) -> Iterator[sqlite3.Connection]:
        database, uri = self.connect_uri()
        db = sqlite3.connect(
            database,
            timeout=self.busy_timeout,
            isolation_level=None,
            check_same_thread=check_same_thread,
            uri=uri,
        )
        db.create_function("pb_doi_key", 1, _doi_key, deterministic=True)
        db.create_function("pb_title_key", 1, _title_key, deterministic=True)
        try:
            yield db
        finally:
            db.close()

    @contextmanager
    def _transaction(self, db: sqlite3.Connection, mode: str = "IMMEDIATE") -> Iterator[None]:
        """One transaction on ``db``: ``BEGIN mode`` … ``COMMIT``, rolled back on error.

        A write (``IMMEDIATE``) on a read-only library raises
        :class:`ReadOnlyLibrary` before it starts. SQLite rolls a transaction
        back by itself on some errors (a full disk); the rollback here is then
        skipped, so the error raised is the one that happened, translated
        (:class:`DiskFull`, :class:`ReadOnlyLibrary`).
        """
        if mode != "DEFERRED":
            self._check_writable()
            if self._backup_due:
                self._backup_due = False
                from paperbrowse.core.backup import backup_if_due

                backup_if_due(self.path)  # never raises
        try:
            db.execute(f"BEGIN {mode}")
            try:
                yield
            except BaseException:
                if db.in_transaction:
                    # (if this fails, closing the connection next rolls back too)
                    with suppress(sqlite3.Error):
                        db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        except (sqlite3.OperationalError, OSError) as exc:
            if db.in_transaction:  # a failed COMMIT leaves the transaction open
                with suppress(sqlite3.Error):
                    db.execute("ROLLBACK")
            translated = self._translate(exc)
            if translated is exc:
                raise
            raise translated from exc

    @staticmethod
    def _bookmark_in(db: sqlite3.Connection, paper: Paper, now: str) -> bool:
        """Bookmark ``paper`` if it is not (and give it a citation key); True if it was not."""
        cur = db.execute(
            "INSERT OR IGNORE INTO bookmarks(paper_id, added_at, paper) VALUES (?, ?, ?)",
            (paper.id, now, _paper_json(paper)),
        )
        if cur.rowcount == 1:
            stored = db.execute(
                "SELECT paper FROM papers WHERE paper_id = ?", (paper.id,)
            ).fetchone()
            _assign_key_in(db, Paper.from_dict(json.loads(stored[0])) if stored else paper, now)
        return cur.rowcount == 1

    def _unbookmark_in(self, db: sqlite3.Connection, paper_id: str) -> Bookmark | None:
        """Delete a bookmark with its tags and list memberships (the note stays).

        Returns:
            The bookmark as it was, or ``None`` if there was none.
        """
        found = self._load_in(db, "b.paper_id = ?", [paper_id])
        if not found:
            return None
        db.execute("DELETE FROM tags WHERE paper_id = ?", (paper_id,))
        db.execute("DELETE FROM list_items WHERE paper_id = ?", (paper_id,))
        db.execute("DELETE FROM bookmarks WHERE paper_id = ?", (paper_id,))
        return found[0]

    # -- bookmarks -----------------------------------------------------------

    def add(self, paper: Paper) -> bool:
        """Bookmark ``paper``; returns False if it already was (time kept)."""
        with self._connect() as db, self._transaction(db):
            return self._bookmark_in(db, paper, _now())

    def remove(self, paper_id: str) -> Bookmark | None:
        """Remove a bookmark with its tags, status and list memberships; its note is kept.

        Returns:
            The removed :class:`Bookmark` with everything it carried (tags,
            status, lists, note, ``added_at``), for :meth:`restore` to undo
            the removal; ``None`` (falsy) if there was no such bookmark.
        """
        with self._connect() as db, self._transaction(db):
            return self._unbookmark_in(db, paper_id)

    def toggle(self, paper: Paper) -> Toggled:
        """Bookmark ``paper`` or remove its bookmark (as :meth:`remove`), atomically.

        Returns:
            A :class:`Toggled`, true if the paper is bookmarked afterwards;
            after a removal its ``removed`` is the bookmark as it was (for
            :meth:`restore`).
        """
        with self._connect() as db, self._transaction(db):
            removed = self._unbookmark_in(db, paper.id)
            if removed is not None:
                return Toggled(False, removed)
            self._bookmark_in(db, paper, _now())
            return Toggled(True)

    def restore(self, bookmark: Bookmark) -> None:
        """Put back a removed bookmark whole, in one transaction (undo of :meth:`remove`).

        The bookmark gets its ``added_at`` and status back (replacing those of
        a bookmark made since), its tags and list memberships are added (lists
        deleted in between are created again, with the name as it was), and
        its note is set back with its update time when it had one.

        Args:
            bookmark: what :meth:`remove` or :meth:`toggle` (``removed``) returned.

        Raises:
            ValueError: a tag, list name or status in ``bookmark`` is invalid.
        """
        paper = bookmark.paper
        status = check_status(bookmark.status)
        tags = [normalise_tag(t) for t in bookmark.tags]
        names = [_list_name(n) for n in bookmark.lists]
        added = bookmark.added_at.astimezone(UTC).isoformat(timespec="seconds")
        now = _now()
        with self._connect() as db, self._transaction(db):
            self._bookmark_in(db, paper, added)
            db.execute(
                "UPDATE bookmarks SET added_at = ?, status = ? WHERE paper_id = ?",
                (added, status, paper.id),
            )
            db.executemany(
                "INSERT OR IGNORE INTO tags(paper_id, tag) VALUES (?, ?)",
                [(paper.id, t) for t in tags],
            )
            for display, key in names:
                self._create_list_in(db, display, key)
                db.execute(
                    "INSERT OR IGNORE INTO list_items(list_id, paper_id, added_at)"
                    " SELECT list_id, ?, ? FROM lists WHERE name_key = ?",
                    (paper.id, now, key),
                )
            if bookmark.note.strip():
                noted = (bookmark.note_updated_at or datetime.now(UTC)).astimezone(UTC)
                db.execute(
                    "INSERT INTO notes(paper_id, note, updated_at) VALUES (?, ?, ?)"
                    " ON CONFLICT(paper_id) DO UPDATE SET"
                    " note = excluded.note, updated_at = excluded.updated_at",
                    (paper.id, bookmark.note.strip(), noted.isoformat(timespec="seconds")),
                )

    def organised(self, paper_id: str) -> bool:
        """True if the paper has tags, a reading status, list memberships or a note.

        What removing its bookmark would drop (all but the note, which is
        kept), so a UI can ask first.
        """
        with self._connect() as db:
            row = db.execute(
                "SELECT EXISTS(SELECT 1 FROM tags WHERE paper_id = :id)"
                " OR EXISTS(SELECT 1 FROM list_items WHERE paper_id = :id)"
                " OR EXISTS(SELECT 1 FROM notes WHERE paper_id = :id)"
                " OR EXISTS(SELECT 1 FROM bookmarks WHERE paper_id = :id"
                " AND status IS NOT NULL)",
                {"id": paper_id},
            ).fetchone()
        return bool(row[0])

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
        """The bookmark of one paper (as :meth:`bookmarks` gives it), or ``None``."""
        found = self._load("b.paper_id = ?", [paper_id])
        return found[0] if found else None

    def _load(self, where: str, params: list[object]) -> list[Bookmark]:
        with self._connect() as db:
            with self._transaction(db, "DEFERRED"):  # one snapshot
                found = self._load_in(db, where, params)
            if all(bm.paper.citation_key for bm in found) or self.read_only is not None:
                return found  # read-only: keys not assigned yet stay None
            # bookmarks without a key (made by another process mid-migration): assign
            with self._transaction(db):
                now = _now()
                for bm in found:
                    if not bm.paper.citation_key:
                        _assign_key_in(db, self._known_paper_in(db, bm.paper.id), now)
                return self._load_in(db, where, params)

    @staticmethod
    def _load_in(db: sqlite3.Connection, where: str, params: list[object]) -> list[Bookmark]:
        """Bookmarks matching ``where`` (SQL over ``b``, the bookmarks table), oldest first.

        The paper is the stored (imported) record when there is one, else the
        bookmark's own copy, with ``citation_key`` set from the key table
        (``None`` if the paper has no key yet).
        """
        sql = (
            "SELECT b.paper_id, COALESCE(p.paper, b.paper), b.added_at, b.status,"
            " n.note, n.updated_at, k.key"
            " FROM bookmarks b LEFT JOIN notes n ON n.paper_id = b.paper_id"
            " LEFT JOIN papers p ON p.paper_id = b.paper_id"
            " LEFT JOIN citekeys k ON k.paper_id = b.paper_id"
            + (f" WHERE {where}" if where else "")
            + " ORDER BY b.added_at, b.rowid"
        )
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
                replace(Paper.from_dict(json.loads(paper)), citation_key=key),
                datetime.fromisoformat(added),
                tags=tuple(tags.get(paper_id, ())),
                note=note or "",
                status=status,
                lists=tuple(lists.get(paper_id, ())),
                note_updated_at=datetime.fromisoformat(noted) if noted else None,
            )
            for paper_id, paper, added, status, note, noted, key in rows
        ]

    # -- citation keys -------------------------------------------------------

    def citation_key(self, paper: Paper | str) -> str:
        """The paper's citation key, assigned and stored first if it has none.

        See the module docstring for how keys are chosen; once assigned, the
        key is returned unchanged by every later call.

        Args:
            paper: the paper, or the id of a paper the library knows (bookmarked,
                stored, or with a key already).

        Raises:
            KeyError: ``paper`` is an id the library does not know.
        """
        paper_id = paper.id if isinstance(paper, Paper) else paper
        known = self.stored_key(paper_id)
        if known is not None:
            return known
        if self.read_only is not None:
            # the key it would get, not stored (a later writable open may choose another)
            with self._connect() as db:
                if not isinstance(paper, Paper):
                    paper = self._known_paper_in(db, paper_id)
                base = _imported_key(paper) or citekeys.base_key(paper)
                return citekeys.unique_key(base, _key_taken(db, paper_id))
        with self._connect() as db, self._transaction(db):
            if not isinstance(paper, Paper):
                paper = self._known_paper_in(db, paper_id)
            return _assign_key_in(db, paper, _now())

    def stored_key(self, paper_id: str) -> str | None:
        """The citation key stored for a paper, or ``None`` (never assigns one)."""
        with self._connect() as db:
            row = db.execute("SELECT key FROM citekeys WHERE paper_id = ?", (paper_id,)).fetchone()
        return row[0] if row else None

    @staticmethod
    def _known_paper_in(db: sqlite3.Connection, paper_id: str) -> Paper:
        row = db.execute(
            "SELECT paper FROM papers WHERE paper_id = ?"
            " UNION ALL SELECT paper FROM bookmarks WHERE paper_id = ?",
            (paper_id, paper_id),
        ).fetchone()
        if row is None:
            raise KeyError(f"the library does not know a paper with id {paper_id!r}")
        return Paper.from_dict(json.loads(row[0]))

    def rename_key(self, paper: Paper | str, new_key: str) -> str:
        """Give a paper the citation key ``new_key`` (``paperbrowse key ID NEWKEY``).

        Args:
            paper: the paper, or the id of a paper the library knows.
            new_key: the key wanted; surrounding white space is dropped.

        Returns:
            The key now stored.

        Raises:
            ValueError: ``new_key`` is not a usable key (:func:`citekeys.check_key`)
                or another paper already has it (compared ignoring case, as
                BibTeX does); the message names that paper's id.
            KeyError: ``paper`` is an id the library does not know.
        """
        key = citekeys.check_key(new_key)
        paper_id = paper.id if isinstance(paper, Paper) else paper
        with self._connect() as db, self._transaction(db):
            row = db.execute(
                "SELECT paper_id FROM citekeys WHERE key = ? AND paper_id != ?", (key, paper_id)
            ).fetchone()
            if row is not None:
                raise ValueError(f"citation key {key!r} is already used by {row[0]}")
            has_key = db.execute(
                "SELECT 1 FROM citekeys WHERE paper_id = ?", (paper_id,)
            ).fetchone()
            if not isinstance(paper, Paper) and not has_key:
                self._known_paper_in(db, paper_id)  # KeyError for an unknown id
            db.execute(
                "INSERT INTO citekeys(paper_id, key, origin, assigned_at) VALUES (?, ?, 'user', ?)"
                " ON CONFLICT(paper_id) DO UPDATE SET key = excluded.key, origin = 'user',"
                " assigned_at = excluded.assigned_at",
                (paper_id, key, _now()),
            )
        return key

    def paper_for_key(self, key: str) -> str | None:
        """The id of the paper whose citation key is ``key`` (case ignored), or ``None``."""
        with self._connect() as db:
            row = db.execute(
                "SELECT paper_id FROM citekeys WHERE key = ?", (key.strip(),)
            ).fetchone()
        return row[0] if row else None

    def ids_for(self, *, arxiv_id: str | None = None, doi: str | None = None) -> list[str]:
        """Ids of the stored and bookmarked papers with this arXiv id or DOI (case ignored).

        Stored papers first (through the store's indexes), then bookmarks
        (their own copies, read whole: bookmarks are few); each id once.

        Args:
            arxiv_id: an arXiv id without version (``2006.07733``).
            doi: a DOI without resolver or ``doi:`` prefix.
        """
        column, field, value = (
            ("arxiv_id", "$.arxiv_id", arxiv_id) if arxiv_id else ("doi_key", "$.doi", doi)
        )
        if not value:
            return []
        value = value if arxiv_id else value.lower()
        with self._connect() as db:
            rows = db.execute(
                f"SELECT paper_id FROM papers WHERE {column} = ?"
                f" UNION ALL SELECT paper_id FROM bookmarks"
                f" WHERE {'' if arxiv_id else 'lower'}(json_extract(paper, '{field}')) = ?",
                (value, value),
            ).fetchall()
        return list(dict.fromkeys(row[0] for row in rows))

    def citation_keys(self) -> list[tuple[str, str]]:
        """Every stored key as ``(key, paper id)``, sorted by key (for near-key suggestions)."""
        with self._connect() as db:
            return db.execute("SELECT key, paper_id FROM citekeys ORDER BY key").fetchall()

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
        self._check_writable()
        now = _now()
        with self._connect() as db:
            db.execute(
                "CREATE TEMP TABLE incoming (paper_id TEXT PRIMARY KEY, paper TEXT NOT NULL,"
                " arxiv_id TEXT, doi_key TEXT, title_key TEXT, citation_key TEXT)"
            )
            insert = "INSERT OR REPLACE INTO temp.incoming VALUES (?, ?, ?, ?, ?, ?)"
            with self._transaction(db, "DEFERRED"):  # writes the temp database only
                batch: list[tuple] = []
                for paper in papers:
                    payload = _paper_json(paper)  # TypeError for a non-Paper
                    batch.append((paper.id, payload, *_keys(paper), _imported_key(paper)))
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
                self._register_imported_keys(db, now)
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

    @staticmethod
    def _register_imported_keys(db: sqlite3.Connection, now: str) -> None:
        """Register the keys the staged papers came with (see :func:`_assign_key_in`).

        Only papers with an imported key that is not already theirs are
        touched, in input order; papers without one get a generated key when
        first needed, not here (a million-paper snapshot import would
        otherwise spend minutes on keys nobody asked for, and take the plain
        keys a later .bib import expects to keep).
        """
        rows = db.execute(
            "SELECT i.paper FROM temp.incoming i LEFT JOIN main.citekeys k"
            " ON k.paper_id = i.paper_id WHERE i.citation_key IS NOT NULL"
            " AND (k.paper_id IS NULL OR (k.origin = 'generated' AND k.key != i.citation_key))"
            " ORDER BY i.rowid"
        ).fetchall()
        for (payload,) in rows:
            _assign_key_in(db, Paper.from_dict(json.loads(payload)), now)

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

        Only the paper store moves it (and attaching, extracting or detaching a
        PDF, which rewrites the paper's row); bookmarks, tags, notes and lists do not.
        """
        with self._connect() as db:
            return db.execute("SELECT revision FROM library_state WHERE id = 1").fetchone()[0]

    # -- PDF attachments (schema 5; see paperbrowse.core.pdfs) --------------

    _ATTACHMENT_COLUMNS = (
        "paper_id, path, kind, bytes, pages, sha256, added_at, extracted_at, error"
    )

    @staticmethod
    def _attachment(row: tuple) -> Attachment:
        paper_id, path, kind, size, pages, sha256, added, extracted, error = row
        return Attachment(
            paper_id=paper_id,
            path=Path(path),
            kind=kind,
            bytes=size,
            pages=pages,
            sha256=sha256,
            added_at=datetime.fromisoformat(added),
            extracted_at=datetime.fromisoformat(extracted) if extracted else None,
            error=error,
        )

    @staticmethod
    def _touch_paper_in(db: sqlite3.Connection, paper: Paper | str, now: str) -> int:
        """Give the stored row of ``paper`` the next library revision (storing
        ``paper`` first when it is a :class:`Paper` not stored yet), so that
        :meth:`stored_papers` with an older revision yields it again and the
        index re-reads it with its full text. A bare id with no stored row
        only bumps the revision. Returns the new revision."""
        revision = db.execute("SELECT revision FROM library_state WHERE id = 1").fetchone()[0] + 1
        paper_id = paper.id if isinstance(paper, Paper) else paper
        cur = db.execute(
            "UPDATE papers SET revision = ?, updated_at = ? WHERE paper_id = ?",
            (revision, now, paper_id),
        )
        if cur.rowcount == 0 and isinstance(paper, Paper):
            db.execute(
                "INSERT INTO papers(paper_id, paper, revision, updated_at, arxiv_id, doi_key,"
                " title_key) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (paper.id, _paper_json(paper), revision, now, *_keys(paper)),
            )
        db.execute("UPDATE library_state SET revision = ? WHERE id = 1", (revision,))
        return revision

    def attach(
        self,
        paper: Paper,
        path: Path | str,
        kind: str,
        *,
        size: int | None = None,
        pages: int | None = None,
        sha256: str | None = None,
        extracted: bool = False,
        error: str | None = None,
    ) -> int:
        """Record (or replace) the PDF of ``paper``, in one transaction with a
        new revision of its stored row (the paper is stored if it is not, e.g.
        a paper of the bundled corpus), so the index picks up its full text.

        Args:
            paper: the paper, as the index or the library gives it.
            path: where the PDF is (made absolute).
            kind: one of :data:`ATTACHMENT_KINDS`.
            size: bytes of the file; pages: its page count; sha256: its hash.
            extracted: its text was extracted now (sets ``extracted_at``).
            error: why it has no text, one line (``None``: it has).

        Returns:
            The library revision after the call.

        Raises:
            ValueError: ``kind`` is not one of :data:`ATTACHMENT_KINDS`.
            ReadOnlyLibrary, DiskFull: as every write.
        """
        if kind not in ATTACHMENT_KINDS:
            raise ValueError(f"attachment kind {kind!r}; use one of {ATTACHMENT_KINDS}")
        now = _now()
        with self._connect() as db, self._transaction(db):
            db.execute(
                "INSERT OR REPLACE INTO attachments(" + self._ATTACHMENT_COLUMNS + ")"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    paper.id,
                    str(Path(path).absolute()),
                    kind,
                    size,
                    pages,
                    sha256,
                    now,
                    now if extracted else None,
                    error,
                ),
            )
            return self._touch_paper_in(db, paper, now)

    def set_extracted(self, paper_id: str, pages: int | None, error: str | None) -> bool:
        """Record that the text of ``paper_id``'s PDF was extracted now (``pages``
        pages; ``error``: why there is none), with a new revision of its stored
        row as :meth:`attach`. False (nothing changed) if it has no attachment."""
        now = _now()
        with self._connect() as db, self._transaction(db):
            cur = db.execute(
                "UPDATE attachments SET pages = COALESCE(?, pages), extracted_at = ?, error = ?"
                " WHERE paper_id = ?",
                (pages, now, error, paper_id),
            )
            if cur.rowcount == 0:
                return False
            self._touch_paper_in(db, paper_id, now)
            return True

    def attachment(self, paper_id: str) -> Attachment | None:
        """The PDF recorded for ``paper_id``, or ``None`` (the file may since be gone)."""
        with self._connect() as db:
            row = db.execute(
                "SELECT " + self._ATTACHMENT_COLUMNS + " FROM attachments WHERE paper_id = ?",
                (paper_id,),
            ).fetchone()
        return self._attachment(row) if row else None

    def attachments(self) -> list[Attachment]:
        """Every recorded PDF, oldest attached first."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT " + self._ATTACHMENT_COLUMNS + " FROM attachments"
                " ORDER BY added_at, paper_id"
            ).fetchall()
        return [self._attachment(row) for row in rows]

    def detach(self, paper_id: str) -> Attachment | None:
        """Forget the PDF of ``paper_id`` (the file itself is left alone), with a
        new revision of its stored row (its full text leaves the index).

        Returns:
            The attachment as it was, or ``None`` if there was none.
        """
        now = _now()
        with self._connect() as db, self._transaction(db):
            row = db.execute(
                "SELECT " + self._ATTACHMENT_COLUMNS + " FROM attachments WHERE paper_id = ?",
                (paper_id,),
            ).fetchone()
            if row is None:
                return None
            db.execute("DELETE FROM attachments WHERE paper_id = ?", (paper_id,))
            self._touch_paper_in(db, paper_id, now)
            return self._attachment(row)
