"""The library's errors: a damaged or unusable file, a read-only library, a full disk."""

from __future__ import annotations

import errno
import shutil
import sqlite3
from pathlib import Path


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
