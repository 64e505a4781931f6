"""Opening the library's SQLite file: WAL, migrations, read-only, transactions, a full disk.

:class:`LibraryBase` is what every part of the
:class:`~paperbrowse.core.library.Library` (and its neighbours,
:mod:`paperbrowse.core.watches`, :mod:`paperbrowse.core.pdfs`) reads and
writes through: :meth:`LibraryBase.connect` and :meth:`LibraryBase.transaction`.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from pathlib import Path
from urllib.parse import quote

from paperbrowse.core.library.errors import (
    DiskFull,
    LibraryError,
    ReadOnlyLibrary,
    _is_read_only_error,
    is_disk_full,
)
from paperbrowse.core.library.rows import _doi_key, _title_key
from paperbrowse.core.library.schema import _MIGRATIONS


def writable(path: Path) -> bool:
    """True if the library file ``path`` and its folder can be written by this
    process (``os.access``: root passes, a read-only mount does not).

    SQLite needs both: the file for the data, the folder for the WAL's
    ``-wal`` and ``-shm`` files."""
    folder = path.parent
    if not os.access(folder, os.W_OK | os.X_OK):
        return False
    return not path.exists() or os.access(path, os.W_OK)


def _schema_version() -> int:
    """:data:`~paperbrowse.core.library.LIBRARY_SCHEMA_VERSION` as the package holds it
    at this call (a test may pretend to be an older paperbrowse by setting it)."""
    return sys.modules[__package__].LIBRARY_SCHEMA_VERSION


class LibraryBase:
    """The connection side of :class:`~paperbrowse.core.library.Library` (which
    documents the arguments, the read-only mode and the errors); the parts of the
    library (papers, bookmarks, keys, attachments) are mixins over it."""

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
            with self.connect() as db:
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
                with self.connect() as db:
                    version = db.execute("PRAGMA user_version").fetchone()[0]
                break
            except sqlite3.DatabaseError as exc:
                last = exc
        else:
            raise LibraryError(f"{self.path}: not a usable library database ({last})") from last
        latest = _schema_version()
        if version > latest:
            raise LibraryError(
                f"{self.path} was written by a newer paperbrowse (schema {version} > {latest})"
            )
        if version < latest:
            raise LibraryError(
                f"{self.path} must be upgraded (schema {version} to {latest}) "
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
        """Bring the file to the current layout, one step per transaction (:mod:`.schema`)."""
        latest = _schema_version()
        while True:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > latest:
                raise LibraryError(
                    f"{self.path} was written by a newer paperbrowse (schema {version} > {latest})"
                )
            if version == latest:
                return
            with self.transaction(db):
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

    def connect(self, check_same_thread: bool = True) -> AbstractContextManager[sqlite3.Connection]:
        """A new connection to the library for a ``with`` block, closed at its end.

        The one way in for every part of the library and its neighbours
        (:mod:`paperbrowse.core.watches`, :mod:`paperbrowse.core.pdfs`): so WAL,
        the busy timeout, read-only mode and the SQL functions ``pb_doi_key`` and
        ``pb_title_key`` (used by migrations) are the same everywhere. The
        connection is in autocommit mode (``isolation_level=None``): each
        statement reads the latest commit; a write, or several reads that must
        see one snapshot, go in :meth:`transaction`.

        Args:
            check_same_thread: as :func:`sqlite3.connect`; ``False`` for a
                connection a generator may be resumed on from another thread.

        Raises:
            sqlite3.Error: the file cannot be opened (the library checked it
                when it was constructed, so this is rare).
        """
        return self._connect(check_same_thread)

    @contextmanager
    def _connect(self, check_same_thread: bool = True) -> Iterator[sqlite3.Connection]:
        """:meth:`connect`'s implementation (kept apart: tests wrap it to fill the disk)."""
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
    def transaction(self, db: sqlite3.Connection, mode: str = "IMMEDIATE") -> Iterator[None]:
        """One transaction on ``db``: ``BEGIN mode`` … ``COMMIT``, rolled back on error.

        Every write is ``with library.connect() as db, library.transaction(db):``;
        ``mode="DEFERRED"`` gives a read snapshot (or writes to ``temp`` tables
        only). A write (``IMMEDIATE``) also takes the day's backup first when
        the library was opened with ``auto_backup``.

        Args:
            db: a connection from :meth:`connect`, not in a transaction.
            mode: ``"IMMEDIATE"`` (takes the write lock now), ``"EXCLUSIVE"``
                or ``"DEFERRED"``.

        Raises:
            ReadOnlyLibrary: a write (not ``DEFERRED``) on a read-only library,
                before it starts.
            DiskFull: the disk filled up; the transaction was rolled back whole.
            sqlite3.Error: any other failure, after the rollback. SQLite rolls
                a transaction back by itself on some errors (a full disk); the
                rollback here is then skipped, so the error raised is the one
                that happened, translated (:class:`DiskFull`, :class:`ReadOnlyLibrary`).
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

    #: The former name of :meth:`transaction` (code written before it was public).
    _transaction = transaction
