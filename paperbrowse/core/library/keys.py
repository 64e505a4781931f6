"""Citation keys: one per paper, unique ignoring case (see the package docstring).

The helpers here run inside a caller's transaction (storing papers,
bookmarking, the schema-4 migration); :class:`KeysMixin` is the
:class:`~paperbrowse.core.library.Library`'s part that hands keys out.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable

from paperbrowse.core import citekeys
from paperbrowse.core.library.connection import LibraryBase
from paperbrowse.core.library.rows import _now
from paperbrowse.core.models import Paper


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


def _known_paper_in(db: sqlite3.Connection, paper_id: str) -> Paper:
    """The paper ``paper_id`` as the library knows it: its stored record, else its
    bookmark's copy. Raises KeyError (naming the id) if it knows neither."""
    row = db.execute(
        "SELECT paper FROM papers WHERE paper_id = ?"
        " UNION ALL SELECT paper FROM bookmarks WHERE paper_id = ?",
        (paper_id, paper_id),
    ).fetchone()
    if row is None:
        raise KeyError(f"the library does not know a paper with id {paper_id!r}")
    return Paper.from_dict(json.loads(row[0]))


class KeysMixin(LibraryBase):
    """The :class:`~paperbrowse.core.library.Library`'s citation keys."""

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
            with self.connect() as db:
                if not isinstance(paper, Paper):
                    paper = _known_paper_in(db, paper_id)
                base = _imported_key(paper) or citekeys.base_key(paper)
                return citekeys.unique_key(base, _key_taken(db, paper_id))
        with self.connect() as db, self.transaction(db):
            if not isinstance(paper, Paper):
                paper = _known_paper_in(db, paper_id)
            return _assign_key_in(db, paper, _now())

    def stored_key(self, paper_id: str) -> str | None:
        """The citation key stored for a paper, or ``None`` (never assigns one)."""
        with self.connect() as db:
            row = db.execute("SELECT key FROM citekeys WHERE paper_id = ?", (paper_id,)).fetchone()
        return row[0] if row else None

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
        with self.connect() as db, self.transaction(db):
            row = db.execute(
                "SELECT paper_id FROM citekeys WHERE key = ? AND paper_id != ?", (key, paper_id)
            ).fetchone()
            if row is not None:
                raise ValueError(f"citation key {key!r} is already used by {row[0]}")
            has_key = db.execute(
                "SELECT 1 FROM citekeys WHERE paper_id = ?", (paper_id,)
            ).fetchone()
            if not isinstance(paper, Paper) and not has_key:
                _known_paper_in(db, paper_id)  # KeyError for an unknown id
            db.execute(
                "INSERT INTO citekeys(paper_id, key, origin, assigned_at) VALUES (?, ?, 'user', ?)"
                " ON CONFLICT(paper_id) DO UPDATE SET key = excluded.key, origin = 'user',"
                " assigned_at = excluded.assigned_at",
                (paper_id, key, _now()),
            )
        return key

    def paper_for_key(self, key: str) -> str | None:
        """The id of the paper whose citation key is ``key`` (case ignored), or ``None``."""
        with self.connect() as db:
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
        with self.connect() as db:
            rows = db.execute(
                f"SELECT paper_id FROM papers WHERE {column} = ?"
                f" UNION ALL SELECT paper_id FROM bookmarks"
                f" WHERE {'' if arxiv_id else 'lower'}(json_extract(paper, '{field}')) = ?",
                (value, value),
            ).fetchall()
        return list(dict.fromkeys(row[0] for row in rows))

    def citation_keys(self) -> list[tuple[str, str]]:
        """Every stored key as ``(key, paper id)``, sorted by key (for near-key suggestions)."""
        with self.connect() as db:
            return db.execute("SELECT key, paper_id FROM citekeys ORDER BY key").fetchall()
