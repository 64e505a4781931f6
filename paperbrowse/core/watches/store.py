"""The watch store: the SQL over the library's ``watches``, ``watch_papers`` and ``seen`` tables.

:class:`WatchStore` defines watches, lists their papers, marks papers seen and
records what an update found (with the watch's cursor, in one transaction).
It runs on the library's own connections and transactions
(:meth:`~paperbrowse.core.library.Library.connect`,
:meth:`~paperbrowse.core.library.Library.transaction`); the tables come from
the library's schema migration 5.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from paperbrowse.core.library import Library
from paperbrowse.core.models import Paper
from paperbrowse.core.watches.model import (
    Watch,
    WatchError,
    WatchPaper,
    _name_key,
    check_arxiv_query,
    check_name,
)


def _now() -> str:
    """The store's default clock: now, ISO 8601 in UTC, to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


class WatchStore:
    """The watches of one library: define them, list their papers, mark papers seen.

    Every method opens its own connection on the library's database (see
    :class:`~paperbrowse.core.library.Library`); writes are one ``BEGIN
    IMMEDIATE`` transaction each and raise what the library's writes raise
    (``ReadOnlyLibrary``, ``DiskFull``).

    Args:
        library: the library holding the watches (schema 5 or later).
        clock: the current time, ISO 8601 UTC (tests fix it).
    """

    def __init__(self, library: Library, clock: Callable[[], str] = _now) -> None:
        self.library = library
        self.clock = clock

    # -- connections (the library's own, so migrations, WAL, read-only and a
    # full disk behave as for every other table) ---------------------------------
    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        with self.library.connect() as db:
            yield db

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        with self.library.connect() as db, self.library.transaction(db):
            yield db

    # -- definitions -----------------------------------------------------------
    def add(
        self,
        name: str,
        query: str,
        *,
        arxiv_query: str | None = None,
        hf: bool = False,
        years: tuple[int, int] | None = None,
        organisation: str | None = None,
    ) -> Watch:
        """Make a watch. Its local part starts now: papers stored in the library
        from now on that match ``query`` come to it.

        Raises:
            WatchError: a bad name (see :func:`check_name`), an empty or
                malformed arXiv query (see :func:`check_arxiv_query`), or a
                watch of that name exists (case-insensitively; the message
                names it as stored).
        """
        name = check_name(name)
        if arxiv_query is not None:
            try:
                arxiv_query = check_arxiv_query(arxiv_query)
            except WatchError as exc:
                raise WatchError(f"watch {name!r}: {exc}") from None
        filters = {"years": list(years) if years else None, "organisation": organisation}
        now = self.clock()
        try:
            with self._writing() as db:
                revision = db.execute("SELECT revision FROM library_state WHERE id = 1").fetchone()[
                    0
                ]
                db.execute(
                    "INSERT INTO watches(name, name_key, query, arxiv_query, hf, filters,"
                    " created_at, local_revision) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        name,
                        _name_key(name),
                        query.strip(),
                        arxiv_query,
                        int(hf),
                        json.dumps(filters),
                        now,
                        revision,
                    ),
                )
        except sqlite3.IntegrityError:
            existing = self.get(name).name
            raise WatchError(f"there is already a watch named {existing!r}") from None
        return self.get(name)

    def remove(self, name: str) -> str | None:
        """Delete a watch and its record of papers (the papers stay in the
        library, and stay seen).

        Returns:
            The watch's name as stored (``remove("DIFFUSION")`` → ``"diffusion"``),
            or ``None`` if there was no such watch.
        """
        with self._writing() as db:
            row = db.execute(
                "SELECT watch_id, name FROM watches WHERE name_key = ?", (_name_key(name),)
            ).fetchone()
            if row is None:
                return None
            db.execute("DELETE FROM watch_papers WHERE watch_id = ?", (row[0],))
            db.execute("DELETE FROM watches WHERE watch_id = ?", (row[0],))
        return row[1]

    _SELECT = (
        "SELECT w.name, w.query, w.arxiv_query, w.hf, w.filters, w.created_at, w.updated_at,"
        " (SELECT COUNT(*) FROM watch_papers p WHERE p.watch_id = w.watch_id),"
        " (SELECT COUNT(*) FROM watch_papers p WHERE p.watch_id = w.watch_id"
        "  AND p.paper_id NOT IN (SELECT paper_id FROM seen))"
        " FROM watches w"
    )

    @staticmethod
    def _watch(row: tuple) -> Watch:
        name, query, arxiv_query, hf, filters, created, updated, total, unseen = row
        extra = json.loads(filters or "{}")
        years = tuple(extra["years"]) if extra.get("years") else None
        return Watch(
            name=name,
            query=query,
            arxiv_query=arxiv_query,
            hf=bool(hf),
            years=years,  # type: ignore[arg-type]
            organisation=extra.get("organisation"),
            created_at=created,
            updated_at=updated,
            total=total,
            unseen=unseen,
        )

    def get(self, name: str) -> Watch:
        """The watch named ``name`` (case-insensitively).

        Raises:
            WatchError: no such watch; the message lists the watches there are.
        """
        with self._reading() as db:
            row = db.execute(self._SELECT + " WHERE w.name_key = ?", (_name_key(name),)).fetchone()
        if row is None:
            names = [w.name for w in self.list()]
            known = f"; the watches are: {', '.join(names)}" if names else "; there are none yet"
            raise WatchError(f"no watch named {name!r}{known}")
        return self._watch(row)

    def list(self) -> list[Watch]:
        """Every watch, by name (case-insensitively), with its counts."""
        with self._reading() as db:
            rows = db.execute(self._SELECT + " ORDER BY w.name_key").fetchall()
        return [self._watch(row) for row in rows]

    def unseen_counts(self) -> dict[str, int]:
        """Watch name → papers not seen yet (the app's inbox list)."""
        return {w.name: w.unseen for w in self.list()}

    # -- papers ------------------------------------------------------------------
    def papers(self, name: str, *, unseen_only: bool = False) -> list[WatchPaper]:
        """The papers of a watch, newest first: by publication date (undated
        last), then the time the watch got them, then id.

        Raises:
            WatchError: no such watch.
        """
        self.get(name)
        sql = (
            "SELECT p.paper, p.added_at, s.paper_id IS NOT NULL, p.via"
            " FROM watch_papers p JOIN watches w ON w.watch_id = p.watch_id"
            " LEFT JOIN seen s ON s.paper_id = p.paper_id WHERE w.name_key = ?"
            + (" AND s.paper_id IS NULL" if unseen_only else "")
            + " ORDER BY p.published IS NULL, p.published DESC, p.added_at DESC, p.paper_id"
        )
        with self._reading() as db:
            rows = db.execute(sql, (_name_key(name),)).fetchall()
        return [
            WatchPaper(Paper.from_dict(json.loads(payload)), added, bool(seen), via)
            for payload, added, seen, via in rows
        ]

    def inbox(self) -> list[tuple[Paper, tuple[str, ...]]]:
        """Every unseen paper of every watch, once each, newest first (as
        :meth:`papers` orders them), with the names of the watches holding it:
        the app's inbox screen.

        Returns:
            ``[(paper, ("diffusion", "video")), …]``, the watch names sorted
            case-insensitively; the paper is one of the copies the watches
            recorded (they differ only if it was updated in between).
        """
        with self._reading() as db:
            rows = db.execute(
                "SELECT p.paper_id, MIN(p.paper), MAX(p.published), MAX(p.added_at),"
                " GROUP_CONCAT(w.name, char(31))"
                " FROM watch_papers p JOIN watches w ON w.watch_id = p.watch_id"
                " WHERE p.paper_id NOT IN (SELECT paper_id FROM seen)"
                " GROUP BY p.paper_id ORDER BY MAX(p.published) IS NULL,"
                " MAX(p.published) DESC, MAX(p.added_at) DESC, p.paper_id"
            ).fetchall()
        return [
            (
                Paper.from_dict(json.loads(payload)),
                tuple(sorted(names.split("\x1f"), key=str.casefold)),
            )
            for _id, payload, _published, _added, names in rows
        ]

    def is_seen(self, paper_id: str) -> bool:
        """Whether ``paper_id`` was marked seen."""
        with self._reading() as db:
            row = db.execute("SELECT 1 FROM seen WHERE paper_id = ?", (paper_id,)).fetchone()
        return row is not None

    def mark_seen(self, paper_ids: Iterable[str]) -> int:
        """Mark papers seen (in every watch). Returns how many were not seen before."""
        now = self.clock()
        with self._writing() as db:
            before = db.total_changes
            db.executemany(
                "INSERT OR IGNORE INTO seen(paper_id, seen_at) VALUES (?, ?)",
                [(paper_id, now) for paper_id in paper_ids],
            )
            return db.total_changes - before

    def mark_unseen(self, paper_ids: Iterable[str]) -> int:
        """Undo :meth:`mark_seen`. Returns how many were seen before."""
        with self._writing() as db:
            before = db.total_changes
            db.executemany("DELETE FROM seen WHERE paper_id = ?", [(p,) for p in paper_ids])
            return db.total_changes - before

    def mark_all_seen(self, name: str) -> int:
        """Mark every paper of a watch seen. Returns how many were unseen.

        Raises:
            WatchError: no such watch.
        """
        self.get(name)
        now = self.clock()
        with self._writing() as db:
            before = db.total_changes
            db.execute(
                "INSERT OR IGNORE INTO seen(paper_id, seen_at)"
                " SELECT p.paper_id, ? FROM watch_papers p JOIN watches w"
                " ON w.watch_id = p.watch_id WHERE w.name_key = ?",
                (now, _name_key(name)),
            )
            return db.total_changes - before

    # -- update bookkeeping (used by update_watches) -----------------------------
    def _state(self, name: str) -> dict:
        with self._reading() as db:
            db.row_factory = sqlite3.Row
            row = db.execute(
                "SELECT * FROM watches WHERE name_key = ?", (_name_key(name),)
            ).fetchone()
        if row is None:
            raise WatchError(f"no watch named {name!r}")
        return dict(row)

    def record_found(
        self, watch_id: int, papers: Iterable[Paper], via: str, cursor: dict[str, object]
    ) -> list[Paper]:
        """Record ``papers`` for a watch and move its cursor, in one transaction.

        Returns:
            The papers the watch did not have before.
        """
        now = self.clock()
        added: list[Paper] = []
        with self._writing() as db:
            for paper in papers:
                cursor_ = db.execute(
                    "INSERT OR IGNORE INTO watch_papers(watch_id, paper_id, added_at, published,"
                    " via, paper) VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        watch_id,
                        paper.id,
                        now,
                        paper.published.isoformat() if paper.published else None,
                        via,
                        json.dumps(paper.to_dict(), ensure_ascii=False, sort_keys=True),
                    ),
                )
                if cursor_.rowcount:
                    added.append(paper)
            if cursor:
                columns = ", ".join(f"{column} = ?" for column in cursor)
                db.execute(
                    f"UPDATE watches SET {columns} WHERE watch_id = ?",
                    (*cursor.values(), watch_id),
                )
        return added
