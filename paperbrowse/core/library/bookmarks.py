"""Bookmarks and how the user organises them: tags, notes, reading status, reading
lists; removing a bookmark and putting it back (see the package docstring for
what a removal keeps)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime

from paperbrowse.core.library.connection import LibraryBase
from paperbrowse.core.library.keys import _assign_key_in, _known_paper_in
from paperbrowse.core.library.records import (
    Bookmark,
    Toggled,
    _list_name,
    check_status,
    normalise_tag,
)
from paperbrowse.core.library.rows import _now, _paper_json
from paperbrowse.core.models import Paper


class BookmarksMixin(LibraryBase):
    """The :class:`~paperbrowse.core.library.Library`'s bookmarks, tags, notes, status, lists."""

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
        with self.connect() as db, self.transaction(db):
            return self._bookmark_in(db, paper, _now())

    def remove(self, paper_id: str) -> Bookmark | None:
        """Remove a bookmark with its tags, status and list memberships; its note is kept.

        Returns:
            The removed :class:`Bookmark` with everything it carried (tags,
            status, lists, note, ``added_at``), for :meth:`restore` to undo
            the removal; ``None`` (falsy) if there was no such bookmark.
        """
        with self.connect() as db, self.transaction(db):
            return self._unbookmark_in(db, paper_id)

    def toggle(self, paper: Paper) -> Toggled:
        """Bookmark ``paper`` or remove its bookmark (as :meth:`remove`), atomically.

        Returns:
            A :class:`Toggled`, true if the paper is bookmarked afterwards;
            after a removal its ``removed`` is the bookmark as it was (for
            :meth:`restore`).
        """
        with self.connect() as db, self.transaction(db):
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
        with self.connect() as db, self.transaction(db):
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
        with self.connect() as db:
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
        with self.connect() as db:
            return frozenset(row[0] for row in db.execute("SELECT paper_id FROM bookmarks"))

    def __contains__(self, paper_id: object) -> bool:
        with self.connect() as db:
            row = db.execute("SELECT 1 FROM bookmarks WHERE paper_id = ?", (paper_id,)).fetchone()
        return row is not None

    def __len__(self) -> int:
        with self.connect() as db:
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
        with self.connect() as db:
            with self.transaction(db, "DEFERRED"):  # one snapshot
                found = self._load_in(db, where, params)
            if all(bm.paper.citation_key for bm in found) or self.read_only is not None:
                return found  # read-only: keys not assigned yet stay None
            # bookmarks without a key (made by another process mid-migration): assign
            with self.transaction(db):
                now = _now()
                for bm in found:
                    if not bm.paper.citation_key:
                        _assign_key_in(db, _known_paper_in(db, bm.paper.id), now)
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

    # -- reading status ----------------------------------------------------

    def set_status(self, paper: Paper, status: str | None) -> None:
        """Set the reading status of ``paper`` (bookmarking it first); ``None`` clears it.

        Raises:
            ValueError: ``status`` is not one of :data:`STATUSES` or ``None``.
        """
        check_status(status)
        with self.connect() as db, self.transaction(db):
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
        with self.connect() as db, self.transaction(db):
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
        with self.connect() as db, self.transaction(db):
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
        with self.connect() as db, self.transaction(db):
            self._bookmark_in(db, paper, _now())
            db.execute("DELETE FROM tags WHERE paper_id = ?", (paper.id,))
            db.executemany(
                "INSERT INTO tags(paper_id, tag) VALUES (?, ?)", [(paper.id, v) for v in values]
            )
        return values

    def tags(self) -> list[tuple[str, int]]:
        """Every tag in use with the number of bookmarks carrying it, sorted by tag."""
        with self.connect() as db:
            return db.execute("SELECT tag, COUNT(*) FROM tags GROUP BY tag ORDER BY tag").fetchall()

    # -- notes ---------------------------------------------------------------

    def set_note(self, paper: Paper, note: str) -> None:
        """Set the note on ``paper`` (bookmarking it first) and stamp its update time.

        Surrounding white space is trimmed; an empty note deletes the note.
        """
        text = str(note).strip()
        now = _now()
        with self.connect() as db, self.transaction(db):
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
        with self.connect() as db:
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
        with self.connect() as db, self.transaction(db):
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
        with self.connect() as db, self.transaction(db):
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
        with self.connect() as db, self.transaction(db):
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
        with self.connect() as db, self.transaction(db):
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
        with self.connect() as db, self.transaction(db):
            cur = db.execute(
                "DELETE FROM list_items WHERE paper_id = ?"
                " AND list_id = (SELECT list_id FROM lists WHERE name_key = ?)",
                (paper_id, key),
            )
            return cur.rowcount == 1

    def lists(self) -> list[tuple[str, int]]:
        """Every reading list as ``(name, number of papers)``, sorted case-insensitively."""
        with self.connect() as db:
            return db.execute(
                "SELECT l.name, COUNT(li.paper_id) FROM lists l"
                " LEFT JOIN list_items li ON li.list_id = l.list_id"
                " GROUP BY l.list_id ORDER BY l.name_key"
            ).fetchall()
