"""The store of imported papers and the library revision that tells what changed."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator

from paperbrowse.core.library.connection import LibraryBase
from paperbrowse.core.library.keys import _assign_key_in, _imported_key
from paperbrowse.core.library.rows import _keys, _now, _paper_json
from paperbrowse.core.models import Paper, same_work

_BATCH = 500
#: The columns :meth:`PapersMixin.find_stored` looks a paper up by, in its order.
_KEY_COLUMNS = ("paper_id", "arxiv_id", "doi_key", "title_key")
#: Their kinds, as :func:`~paperbrowse.core.models.same_work` names them.
_KEY_FIELDS = ("id", "arxiv", "doi", "title_key")


class PapersMixin(LibraryBase):
    """The :class:`~paperbrowse.core.library.Library`'s store of imported papers."""

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
        with self.connect() as db:
            db.execute(
                "CREATE TEMP TABLE incoming (paper_id TEXT PRIMARY KEY, paper TEXT NOT NULL,"
                " arxiv_id TEXT, doi_key TEXT, title_key TEXT, citation_key TEXT)"
            )
            insert = "INSERT OR REPLACE INTO temp.incoming VALUES (?, ?, ?, ?, ?, ?)"
            with self.transaction(db, "DEFERRED"):  # writes the temp database only
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
            with self.transaction(db):
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
        with self.connect(check_same_thread=False) as db:
            db.execute("BEGIN DEFERRED")
            rows = db.execute(
                "SELECT revision, paper FROM papers WHERE revision > ? ORDER BY revision, paper_id",
                (since,),
            )
            for revision, paper in rows:
                yield revision, Paper.from_dict(json.loads(paper))

    def stored_paper(self, paper_id: str, db: sqlite3.Connection | None = None) -> Paper | None:
        """One stored paper by id, or ``None``.

        Args:
            db: a connection of :meth:`connect` to ask through (an import
                keeps one open); ``None``: a new one for this call.
        """
        if db is None:
            with self.connect() as db:
                return self.stored_paper(paper_id, db)
        row = db.execute("SELECT paper FROM papers WHERE paper_id = ?", (paper_id,)).fetchone()
        return Paper.from_dict(json.loads(row[0])) if row else None

    def find_stored(self, paper: Paper, db: sqlite3.Connection | None = None) -> Paper | None:
        """The stored paper that is the same work as ``paper``, or ``None``.

        Tried in order, through the table's indexes: the same id, the same
        arXiv id, the same DOI (case ignored), then the same normalised title
        (:func:`~paperbrowse.core.models.normalise_title`); a candidate whose
        identifiers contradict the match is passed over
        (:func:`~paperbrowse.core.models.same_work`). A few index lookups,
        whatever the library's size.

        Args:
            paper: the paper to look for.
            db: a connection of :meth:`connect` to ask through (an import
                keeps one open: a new connection per paper cost a connect, a
                close and a cold page cache each time); ``None``: a new one.
        """
        if db is None:
            with self.connect() as db:
                return self.find_stored(paper, db)
        for (column, value), field in zip(self.lookup_keys(paper), _KEY_FIELDS, strict=True):
            if not value:
                continue
            rows = db.execute(
                f"SELECT paper FROM papers WHERE {column} = ? ORDER BY revision, paper_id",
                (value,),
            ).fetchall()  # read whole: a statement left open would pin this connection's snapshot
            for (payload,) in rows:
                found = Paper.from_dict(json.loads(payload))
                if same_work(found, paper, field):
                    return found
        return None

    @staticmethod
    def lookup_keys(paper: Paper) -> tuple[tuple[str, str | None], ...]:
        """``(column, value)`` of each key :meth:`find_stored` looks ``paper``
        up by, in its order (``None``: the paper has no such key)."""
        return tuple(zip(_KEY_COLUMNS, (paper.id, *_keys(paper)), strict=True))

    def stored_keys(
        self, papers: Iterable[Paper], db: sqlite3.Connection | None = None
    ) -> set[tuple[str, str]]:
        """The keys of ``papers`` that some stored paper has: ``(column,
        value)`` pairs, the columns and values :meth:`find_stored` looks up
        (``paper_id``, ``arxiv_id``, ``doi_key``, ``title_key``). A paper none
        of whose keys is here is stored under none of them, so
        :meth:`find_stored` would return ``None``: an import asks this once
        for a few hundred records (one query per column and 500 values)
        instead of ~3.4 queries a record (2 s of CPU of a 100,000-paper
        import into an empty library; more as the library grows and its key
        indexes leave SQLite's cache).

        Args:
            db: as for :meth:`find_stored`.
        """
        if db is None:
            with self.connect() as db:
                return self.stored_keys(papers, db)
        wanted: dict[str, set[str]] = {c: set() for c in _KEY_COLUMNS}
        for paper in papers:
            for column, value in self.lookup_keys(paper):
                if value:
                    wanted[column].add(value)
        found: set[tuple[str, str]] = set()
        for column, values in wanted.items():
            values = sorted(values)
            for start in range(0, len(values), _BATCH):
                chunk = values[start : start + _BATCH]
                marks = ",".join("?" * len(chunk))
                rows = db.execute(
                    f"SELECT DISTINCT {column} FROM papers WHERE {column} IN ({marks})", chunk
                ).fetchall()
                found.update((column, value) for (value,) in rows)
        return found

    def stored_count(self, since: int = 0) -> int:
        """Number of stored papers; with ``since``, of those written after that
        library revision (what :meth:`stored_papers` with ``since`` yields)."""
        with self.connect() as db:
            return db.execute(
                "SELECT COUNT(*) FROM papers WHERE revision > ?", (since,)
            ).fetchone()[0]

    def revision(self) -> int:
        """The library revision: 0 for a new library, +1 per :meth:`store_papers` that changed rows.

        Only the paper store moves it (and attaching, extracting or detaching a
        PDF, which rewrites the paper's row); bookmarks, tags, notes and lists do not.
        """
        with self.connect() as db:
            return db.execute("SELECT revision FROM library_state WHERE id = 1").fetchone()[0]
