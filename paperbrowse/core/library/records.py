"""What the library hands out (:class:`Bookmark`, :class:`Toggled`, :class:`Attachment`)
and the rules for what it is given (reading statuses, tag and list names)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from paperbrowse.core.models import Paper

#: The reading statuses a bookmark may have (besides ``None``: no status).
STATUSES: tuple[str, ...] = ("to-read", "reading", "read")

#: Longest tag or list name accepted, in characters.
MAX_NAME_CHARS = 100


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
