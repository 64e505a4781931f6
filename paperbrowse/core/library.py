"""The user's library: bookmarks, stored in SQLite.

The database lives at :attr:`Locations.library_path`. Each bookmark keeps a
JSON copy of the paper, so the reading list survives index rebuilds and
corpus changes. The database runs in WAL mode with a busy timeout, so two
paperbrowse instances can read and write it at the same time; every change is
one transaction.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from paperbrowse.core.models import Paper

#: Version of the database layout, kept in ``PRAGMA user_version``.
LIBRARY_SCHEMA_VERSION = 1

# Statements that bring the database from version N-1 to N, each run in one
# transaction together with the version bump.
_MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        # added_at: ISO 8601 in UTC; paper: Paper.to_dict() as JSON
        "CREATE TABLE IF NOT EXISTS bookmarks ("
        " paper_id TEXT PRIMARY KEY, added_at TEXT NOT NULL, paper TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS bookmarks_added ON bookmarks(added_at)",
    ),
}


class LibraryError(RuntimeError):
    """The library database cannot be opened or is damaged (message names the file)."""


@dataclass(frozen=True, slots=True)
class Bookmark:
    """A bookmarked paper.

    Attributes:
        paper: the paper as it was when bookmarked.
        added_at: when it was bookmarked (timezone-aware, UTC).
    """

    paper: Paper
    added_at: datetime


class Library:
    """Bookmarks in one SQLite file.

    Each method opens its own short-lived connection, so one ``Library`` can
    be used from any thread and by several processes at once.

    Args:
        path: the database file; created with its folder if missing.
        busy_timeout: seconds to wait for another process's write lock.

    Raises:
        LibraryError: the file is not a paperbrowse database, or is newer
            than this version understands.
    """

    def __init__(self, path: Path, busy_timeout: float = 10.0) -> None:
        self.path = Path(path)
        self.busy_timeout = busy_timeout
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with self._connect() as db:
                db.execute("PRAGMA journal_mode=WAL")
                version = db.execute("PRAGMA user_version").fetchone()[0]
                if version > LIBRARY_SCHEMA_VERSION:
                    raise LibraryError(
                        f"{self.path} was written by a newer paperbrowse "
                        f"(schema {version} > {LIBRARY_SCHEMA_VERSION})"
                    )
                for target in range(version + 1, LIBRARY_SCHEMA_VERSION + 1):
                    with self._transaction(db):
                        for statement in _MIGRATIONS[target]:
                            db.execute(statement)
                        db.execute(f"PRAGMA user_version={target}")
        except sqlite3.DatabaseError as exc:
            raise LibraryError(f"{self.path}: not a usable library database ({exc})") from exc

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=self.busy_timeout, isolation_level=None)
        try:
            yield db
        finally:
            db.close()

    @staticmethod
    @contextmanager
    def _transaction(db: sqlite3.Connection) -> Iterator[None]:
        db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def add(self, paper: Paper) -> bool:
        """Bookmark ``paper``; returns False if it already was (time kept)."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self._connect() as db, self._transaction(db):
            cur = db.execute(
                "INSERT OR IGNORE INTO bookmarks(paper_id, added_at, paper) VALUES (?, ?, ?)",
                (paper.id, now, json.dumps(paper.to_dict(), ensure_ascii=False)),
            )
            return cur.rowcount == 1

    def remove(self, paper_id: str) -> bool:
        """Remove a bookmark; returns False if there was none."""
        with self._connect() as db, self._transaction(db):
            return db.execute("DELETE FROM bookmarks WHERE paper_id = ?", (paper_id,)).rowcount == 1

    def toggle(self, paper: Paper) -> bool:
        """Bookmark ``paper`` or remove its bookmark, atomically.

        Returns:
            True if the paper is bookmarked afterwards.
        """
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self._connect() as db, self._transaction(db):
            if db.execute("DELETE FROM bookmarks WHERE paper_id = ?", (paper.id,)).rowcount:
                return False
            db.execute(
                "INSERT INTO bookmarks(paper_id, added_at, paper) VALUES (?, ?, ?)",
                (paper.id, now, json.dumps(paper.to_dict(), ensure_ascii=False)),
            )
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

    def bookmarks(self) -> list[Bookmark]:
        """All bookmarks, oldest first (the order they were added)."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT paper, added_at FROM bookmarks ORDER BY added_at, rowid"
            ).fetchall()
        return [
            Bookmark(Paper.from_dict(json.loads(paper)), datetime.fromisoformat(added))
            for paper, added in rows
        ]
