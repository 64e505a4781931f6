"""Automatic daily backups of the library, and restoring one (``paperbrowse backup``).

The library (:class:`~paperbrowse.core.library.Library`, one SQLite file) holds
everything the user made: bookmarks, tags, notes, lists, citation keys and the
imported papers. The index can always be rebuilt from it; it cannot be
rebuilt from anything. So, as reference managers do (Zotero keeps daily copies
of ``zotero.sqlite``), paperbrowse keeps copies of it:

* **when**: at most one a day, the first time a day the library is written to
  by a process that asked for automatic backups (the ``paperbrowse`` command
  and the app: before the first change of the day — an import, a tag, a note —
  so the copy is the state before it);
* **where**: ``<data>/backups/library-YYYY-MM-DD.sqlite3`` (the local date),
  next to the library file; the last :data:`KEEP` (7) are kept, older ones
  deleted;
* **how**: SQLite's online backup API (:meth:`sqlite3.Connection.backup`),
  which copies a consistent snapshot even while another process writes; the
  copy is written to a temporary file, checked (``PRAGMA quick_check``), put in
  rollback-journal mode (one self-contained file, no ``-wal``) and renamed into
  place, so a backup file is always whole.

:func:`restore` puts a backup back: the current file is first backed up
itself (``library-YYYY-MM-DD-HHMMSS-before-restore.sqlite3``, never pruned
automatically), the backup is copied to a temporary file beside the library
and checked, the current file's WAL is checkpointed and removed, and the copy
is renamed over the library (an atomic rename: at every moment the library is
either the old file or the restored one).
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from urllib.parse import quote

#: Daily backups kept; older ones are deleted when a new one is made.
KEEP = 7

#: Folder of the backups, inside the data directory (beside the library file).
FOLDER = "backups"

_DAILY = re.compile(r"^library-(\d{4})-(\d{2})-(\d{2})\.sqlite3$")
_ANY = re.compile(
    r"^library-(\d{4})-(\d{2})-(\d{2})(?:-(\d{6}(?:\d{6})?)-before-restore)?\.sqlite3$"
)


class BackupError(RuntimeError):
    """A backup cannot be made, found or restored; the message names the file."""


@dataclass(frozen=True, slots=True)
class Backup:
    """One backup file.

    Attributes:
        path: the file.
        day: the local date it was made.
        size: its size in bytes.
        before_restore: a copy of the library made by :func:`restore` before
            it replaced the library (not a daily backup; never pruned).
    """

    path: Path
    day: date
    size: int
    before_restore: bool = False


def backup_folder(library_path: Path | str) -> Path:
    """``<data>/backups``: the folder of backups of the library file ``library_path``."""
    return Path(library_path).parent / FOLDER


def daily_name(day: date) -> str:
    """The file name of the daily backup of ``day``: ``library-YYYY-MM-DD.sqlite3``."""
    return f"library-{day.isoformat()}.sqlite3"


def list_backups(folder: Path | str) -> list[Backup]:
    """The backups in ``folder``, newest first (by date, then name); ``[]`` if none.

    Only files named as :func:`daily_name` makes them (or as :func:`restore`
    names its safety copies) count; anything else in the folder is ignored.
    """
    found = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    for entry in entries:
        match = _ANY.match(entry.name)
        if not match or not entry.is_file():
            continue
        try:
            day = date(int(match[1]), int(match[2]), int(match[3]))
            size = entry.stat().st_size
        except (ValueError, OSError):
            continue
        found.append(Backup(Path(entry.path), day, size, before_restore=bool(match[4])))
    return sorted(found, key=lambda b: (b.day, b.path.name), reverse=True)


def _ro_uri(path: Path) -> str:
    return f"file:{quote(str(Path(path).absolute()))}?mode=ro"


def _copy(source: sqlite3.Connection, target: Path) -> None:
    """Copy the database of ``source`` into a new file ``target`` (SQLite backup
    API), checked and in rollback-journal mode, fsynced.

    Raises:
        BackupError: the copy fails its ``quick_check``.
        sqlite3.Error, OSError: the copy cannot be written (a full disk).
    """
    dest = sqlite3.connect(target, isolation_level=None)
    try:
        source.backup(dest)
        dest.execute("PRAGMA journal_mode=DELETE")
        result = dest.execute("PRAGMA quick_check").fetchone()[0]
        if result != "ok":
            raise BackupError(f"the copy in {target} fails SQLite's check ({result})")
    finally:
        dest.close()
    with open(target, "rb") as fh:
        os.fsync(fh.fileno())


def _temp_beside(path: Path) -> Path:
    return path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")


def backup_now(
    library_path: Path | str,
    folder: Path | str | None = None,
    *,
    name: str | None = None,
    keep: int = KEEP,
    today: date | None = None,
) -> Path:
    """Back up the library file now, replacing a backup of the same name.

    Args:
        library_path: the library's SQLite file.
        folder: where to write (default :func:`backup_folder`).
        name: the file name (default :func:`daily_name` of ``today``).
        keep: daily backups to keep; older ones are deleted afterwards.
        today: the date to name the backup by (default: the local date).

    Returns:
        The backup file.

    Raises:
        BackupError: the library file does not exist, or the copy is damaged.
        sqlite3.Error, OSError: it cannot be read or the copy written (a full
            disk: the temporary file is removed, older backups are kept).
    """
    library_path = Path(library_path)
    if not library_path.exists():
        raise BackupError(f"no library to back up at {library_path}")
    folder = Path(folder) if folder is not None else backup_folder(library_path)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / (name or daily_name(today or date.today()))
    temp = _temp_beside(target)
    source = sqlite3.connect(_ro_uri(library_path), uri=True)
    try:
        _copy(source, temp)
        os.replace(temp, target)
    finally:
        source.close()
        with contextlib.suppress(OSError):
            temp.unlink()
    prune(folder, keep)
    return target


def prune(folder: Path | str, keep: int = KEEP) -> list[Path]:
    """Delete the daily backups of ``folder`` but the newest ``keep``; returns those deleted.

    Copies made by :func:`restore` are left alone."""
    daily = [b for b in list_backups(folder) if not b.before_restore]
    removed = []
    for old in daily[max(keep, 0) :]:
        with contextlib.suppress(OSError):
            old.path.unlink()
            removed.append(old.path)
    return removed


def backup_if_due(
    library_path: Path | str,
    folder: Path | str | None = None,
    *,
    keep: int = KEEP,
    today: date | None = None,
) -> Path | None:
    """Make today's backup unless there is one (at most one a day).

    Never raises for a backup that cannot be made (a full disk, a read-only
    folder): the write that asked for it goes on; the next day (or
    ``paperbrowse backup now``) tries again.

    Returns:
        The new backup, or ``None`` when today's exists or it could not be made.
    """
    library_path = Path(library_path)
    folder = Path(folder) if folder is not None else backup_folder(library_path)
    day = today or date.today()
    try:
        empty = library_path.stat().st_size == 0  # created, nothing written yet
    except OSError:
        return None
    if empty or (folder / daily_name(day)).exists():
        return None
    try:
        return backup_now(library_path, folder, keep=keep, today=day)
    except (BackupError, sqlite3.Error, OSError):
        return None


def find_backup(folder: Path | str, which: str | None) -> Path:
    """The backup ``which`` names: ``None`` (the newest daily one), a date
    ``YYYY-MM-DD`` (that day's), or a file path.

    Raises:
        BackupError: no such backup (the message lists what there is).
    """
    backups = list_backups(folder)
    if which is None:
        daily = [b for b in backups if not b.before_restore]
        if not daily:
            raise BackupError(f"no backups in {folder}")
        return daily[0].path
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", which.strip()):
        for backup in backups:
            if backup.path.name == daily_name(date.fromisoformat(which.strip())):
                return backup.path
        days = ", ".join(b.day.isoformat() for b in backups if not b.before_restore) or "none"
        raise BackupError(f"no backup of {which} in {folder} (there are: {days})")
    path = Path(which).expanduser()
    if not path.is_file():
        raise BackupError(f"no backup file {path}")
    return path


def check_backup(path: Path | str, newest_schema: int) -> int:
    """Check that ``path`` is a whole paperbrowse library; returns its schema version.

    Raises:
        BackupError: not an SQLite database, fails ``integrity_check``, or
            has no paperbrowse tables, or a schema above ``newest_schema``.
    """
    try:
        db = sqlite3.connect(_ro_uri(Path(path)) + "&immutable=1", uri=True)
        try:
            result = db.execute("PRAGMA integrity_check").fetchone()[0]
            version = db.execute("PRAGMA user_version").fetchone()[0]
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master")}
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a usable library ({exc})") from exc
    if result != "ok":
        raise BackupError(f"{path} is damaged ({result})")
    if "bookmarks" not in tables:
        raise BackupError(f"{path} is not a paperbrowse library (no bookmarks table)")
    if version > newest_schema:
        raise BackupError(f"{path} was written by a newer paperbrowse (schema {version})")
    return version


def _release_wal(library_path: Path) -> None:
    """Fold the library's WAL into the file and remove ``-wal``/``-shm``, so that
    no stale WAL is replayed onto the file renamed into place. A library too
    damaged to checkpoint has its WAL files removed (they are in the safety copy).

    Raises:
        BackupError: another process has the library open (its lock is held).
    """
    try:
        db = sqlite3.connect(library_path, isolation_level=None, timeout=2.0)
        try:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            mode = db.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
        finally:
            db.close()
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise BackupError(
                f"{library_path} is in use by another paperbrowse (the app, an import): "
                "close it and restore again"
            ) from exc
        mode = None
    except sqlite3.DatabaseError:
        mode = None
    if mode != "delete":
        for suffix in ("-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                Path(f"{library_path}{suffix}").unlink()


def _safety_copy(library_path: Path, folder: Path, now: datetime) -> Path | None:
    """Copy the current library before a restore replaces it (backup API; a raw
    copy of the file and its WAL if SQLite cannot read it). ``None`` if there is
    no library file."""
    if not library_path.exists():
        return None
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"library-{now:%Y-%m-%d-%H%M%S}-before-restore.sqlite3"
    if target.exists():  # two restores in one second: never overwrite a copy
        target = folder / f"library-{now:%Y-%m-%d-%H%M%S%f}-before-restore.sqlite3"
    try:
        backup_now(library_path, folder, name=target.name, keep=10**9)
    except (BackupError, sqlite3.DatabaseError):
        shutil.copy2(library_path, target)  # damaged: keep it byte for byte
        wal = Path(f"{library_path}-wal")
        if wal.exists():
            shutil.copy2(wal, Path(f"{target}-wal"))
    return target


def restore(
    library_path: Path | str,
    source: Path | str,
    *,
    newest_schema: int,
    folder: Path | str | None = None,
) -> Path | None:
    """Replace the library file with the backup ``source``.

    Steps: check ``source`` (:func:`check_backup`); copy the current library
    to ``<folder>/library-…-before-restore.sqlite3``; copy ``source`` to a
    temporary file beside the library (backup API) and check it; fold the
    library's WAL in and remove it; rename the copy over the library. A
    failure before the rename leaves the library as it was.

    Args:
        library_path: the library's SQLite file.
        source: the backup file to restore.
        newest_schema: the newest schema this paperbrowse reads
            (:data:`~paperbrowse.core.library.LIBRARY_SCHEMA_VERSION`); an
            older one is migrated when the library is next opened.
        folder: where the safety copy goes (default :func:`backup_folder`).

    Returns:
        The safety copy of the library as it was (``None`` if there was no
        library file).

    Raises:
        BackupError: ``source`` is not a whole paperbrowse library, or the
            library is in use by another process.
        OSError, sqlite3.Error: the copies cannot be written (a full disk);
            the library is unchanged.
    """
    library_path = Path(library_path)
    source = Path(source)
    folder = Path(folder) if folder is not None else backup_folder(library_path)
    check_backup(source, newest_schema)
    if library_path.exists() and source.resolve() == library_path.resolve():
        raise BackupError(f"{source} is the library itself")
    safety = _safety_copy(library_path, folder, datetime.now())
    library_path.parent.mkdir(parents=True, exist_ok=True)
    temp = _temp_beside(library_path)
    try:
        src = sqlite3.connect(_ro_uri(source) + "&immutable=1", uri=True)
        try:
            _copy(src, temp)
        finally:
            src.close()
        _release_wal(library_path)
        os.replace(temp, library_path)
    finally:
        with contextlib.suppress(OSError):
            temp.unlink()
    with contextlib.suppress(OSError):  # make the rename itself durable
        fd = os.open(library_path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    return safety
