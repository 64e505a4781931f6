"""PDF attachments (schema 5): which PDF belongs to which paper, and its text's state
(the files themselves are :mod:`paperbrowse.core.pdfs`'s).

Paths: a downloaded or copied PDF (one in ``<data>/pdfs/``, the folder beside
the library file) is stored as its bare file name, relative to that folder, so
a data directory copied or moved elsewhere keeps its PDFs; a linked file is
stored by its absolute path. Rows written before that (absolute paths into
the ``pdfs`` folder of the data directory as it was) are resolved by file name
in this data directory's ``pdfs`` folder. :class:`Attachment.path` is always absolute.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

from paperbrowse.core.library.connection import LibraryBase
from paperbrowse.core.library.records import ATTACHMENT_KINDS, Attachment
from paperbrowse.core.library.rows import _keys, _now, _paper_json
from paperbrowse.core.models import Paper


class AttachmentsMixin(LibraryBase):
    """The :class:`~paperbrowse.core.library.Library`'s PDF attachments."""

    _ATTACHMENT_COLUMNS = (
        "paper_id, path, kind, bytes, pages, sha256, added_at, extracted_at, error"
    )

    @property
    def pdf_folder(self) -> Path:
        """``<data>/pdfs/``: the folder beside the library file that holds the
        downloaded and copied PDFs (their paths are stored relative to it)."""
        return self.path.absolute().parent / "pdfs"

    def _stored_path(self, path: Path | str, kind: str) -> str:
        """How ``path`` is stored: its file name when it is a downloaded or
        copied file in :attr:`pdf_folder`, else its absolute path."""
        path = Path(path).absolute()
        if kind != "linked" and path.parent == self.pdf_folder:
            return path.name
        return str(path)

    def _resolved_path(self, stored: str, kind: str) -> Path:
        """The absolute path of a stored ``path`` column (see the module docstring)."""
        path = Path(stored)
        if not path.is_absolute():
            return self.pdf_folder / path
        if kind != "linked" and path.parent.name == "pdfs" and path.parent != self.pdf_folder:
            return self.pdf_folder / path.name  # written in a data directory since moved
        return path

    def _attachment(self, row: tuple) -> Attachment:
        paper_id, path, kind, size, pages, sha256, added, extracted, error = row
        return Attachment(
            paper_id=paper_id,
            path=self._resolved_path(path, kind),
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
            path: where the PDF is (stored relative to :attr:`pdf_folder`
                when a downloaded or copied file is in it, else absolute).
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
        with self.connect() as db, self.transaction(db):
            db.execute(
                "INSERT OR REPLACE INTO attachments(" + self._ATTACHMENT_COLUMNS + ")"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    paper.id,
                    self._stored_path(path, kind),
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
        with self.connect() as db, self.transaction(db):
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
        with self.connect() as db:
            row = db.execute(
                "SELECT " + self._ATTACHMENT_COLUMNS + " FROM attachments WHERE paper_id = ?",
                (paper_id,),
            ).fetchone()
        return self._attachment(row) if row else None

    def attachments(self) -> list[Attachment]:
        """Every recorded PDF, oldest attached first."""
        with self.connect() as db:
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
        with self.connect() as db, self.transaction(db):
            row = db.execute(
                "SELECT " + self._ATTACHMENT_COLUMNS + " FROM attachments WHERE paper_id = ?",
                (paper_id,),
            ).fetchone()
            if row is None:
                return None
            db.execute("DELETE FROM attachments WHERE paper_id = ?", (paper_id,))
            self._touch_paper_in(db, paper_id, now)
            return self._attachment(row)
