"""The user's library in SQLite: bookmarks and their organisation, and imported papers.

The database lives at :attr:`Locations.library_path`. It holds:

* **bookmarks**, each with a JSON copy of the paper (so the reading list
  survives index rebuilds and corpus changes), the time it was added and a
  reading status (:data:`STATUSES`);
* **tags** per bookmarked paper, stored normalised (see :func:`normalise_tag`);
* a free-text **note** per paper, with the time it was last changed;
* named **reading lists** (a paper may be on several);
* a **store of imported papers** with a library *revision*: every call of
  :meth:`Library.store_papers` that changes something takes the next revision
  number, so a reader can ask for what changed since the revision it has seen
  (the search index is rebuilt from the bundled corpus plus these papers);
* one **citation key** per paper, unique (case-insensitively, as BibTeX
  compares keys). A key the paper was imported with (``citation_key`` of a
  .bib entry) is registered when the paper is stored and kept; when another
  paper already holds it, the newcomer gets the first free suffix (``a``,
  ``b`` …). A paper without one gets :func:`~paperbrowse.core.citekeys.base_key`
  made unique the first time a key is needed (when it is bookmarked, exported
  or asked for with :meth:`Library.citation_key`). Once assigned a key never
  changes, except by :meth:`Library.rename_key`, or when a later import brings
  the paper's own key to replace a generated one (the user's documents cite the
  imported key).

Tagging, noting, setting a status or adding to a list a paper that is not
bookmarked bookmarks it first. Removing a bookmark removes its tags, status and
list memberships but **keeps its note**: a note is the user's own writing, so it
is never dropped as a side effect; bookmarking the paper again shows it again,
and :meth:`Library.set_note` with an empty text deletes it. What a removal
dropped is returned (:meth:`Library.remove`, :meth:`Library.toggle`) and can be
put back whole with :meth:`Library.restore` (undo); :meth:`Library.organised`
tells whether there is anything to lose.

The database runs in WAL mode with a busy timeout, so two paperbrowse
instances (threads or processes) can read and write it at the same time; every
change is one ``BEGIN IMMEDIATE`` transaction. The layout version is kept in
``PRAGMA user_version`` and older layouts are migrated on open, each step in
one transaction together with its version bump (a step is SQL statements and,
where SQL cannot do it, Python functions run on the same connection).

When the file or its folder cannot be written (a read-only data directory,
a read-only mount) the library opens **read-only** (SQLite ``mode=ro``, or
``immutable=1`` when the WAL's ``-shm`` file cannot be created either): every
reading method works, every writing one raises :class:`ReadOnlyLibrary`. A
disk too full to open the WAL does the same. A write that finds the disk full
rolls its transaction back and raises :class:`DiskFull` (an ``OSError`` with
``errno.ENOSPC``) naming the folder and the bytes left.

Where things are (every name is imported from this package):

* ``schema.py``: the layout version and the migrations (``_MIGRATIONS`` 1..6);
* ``connection.py``: :class:`LibraryBase`, opening, read-only, migrating,
  :meth:`Library.connect` and :meth:`Library.transaction` (the way in for
  every part, and for :mod:`paperbrowse.core.watches` and
  :mod:`paperbrowse.core.pdfs`), full-disk and read-only errors mapped;
* ``errors.py``: :class:`LibraryError`, :class:`ReadOnlyLibrary`,
  :class:`DiskFull`, :func:`is_disk_full`;
* ``records.py``: :class:`Bookmark`, :class:`Toggled`, :class:`Attachment`,
  :data:`STATUSES`, :func:`normalise_tag`; ``rows.py``: time stamps, a
  paper's JSON, de-duplication keys;
* the :class:`Library`'s jobs, one mixin each: ``papers.py`` (the store and
  its revision), ``bookmarks.py`` (bookmarks, tags, notes, status, lists,
  remove/restore), ``keys.py`` (citation keys), ``attachments.py`` (PDFs).
"""

# os: what writable() asks (os.access), reachable here as before the split
import os  # noqa: F401

from paperbrowse.core.library.attachments import AttachmentsMixin
from paperbrowse.core.library.bookmarks import BookmarksMixin
from paperbrowse.core.library.connection import LibraryBase
from paperbrowse.core.library.connection import writable as writable
from paperbrowse.core.library.errors import DiskFull as DiskFull
from paperbrowse.core.library.errors import LibraryError as LibraryError
from paperbrowse.core.library.errors import ReadOnlyLibrary as ReadOnlyLibrary
from paperbrowse.core.library.errors import free_bytes as free_bytes
from paperbrowse.core.library.errors import is_disk_full as is_disk_full
from paperbrowse.core.library.keys import KeysMixin
from paperbrowse.core.library.papers import PapersMixin
from paperbrowse.core.library.records import ATTACHMENT_KINDS as ATTACHMENT_KINDS
from paperbrowse.core.library.records import MAX_NAME_CHARS as MAX_NAME_CHARS
from paperbrowse.core.library.records import STATUSES as STATUSES
from paperbrowse.core.library.records import Attachment as Attachment
from paperbrowse.core.library.records import Bookmark as Bookmark
from paperbrowse.core.library.records import Toggled as Toggled
from paperbrowse.core.library.records import check_status as check_status
from paperbrowse.core.library.records import normalise_tag as normalise_tag

# the clock every part reads through (rows._now looks it up here; tests fix it here)
from paperbrowse.core.library.rows import utc_now as _now  # noqa: F401
from paperbrowse.core.library.schema import _MIGRATIONS as _MIGRATIONS
from paperbrowse.core.library.schema import LIBRARY_SCHEMA_VERSION as LIBRARY_SCHEMA_VERSION


class Library(BookmarksMixin, KeysMixin, PapersMixin, AttachmentsMixin, LibraryBase):
    """The user's library in one SQLite file.

    Each method opens its own short-lived connection, so one ``Library`` can
    be used from any thread and by several processes at once. Methods that
    take a :class:`Paper` bookmark it first if it is not bookmarked; methods
    that take a ``paper_id`` do nothing (and return ``False``) for papers that
    are not bookmarked.

    Args:
        path: the database file; created with its folder if missing.
        busy_timeout: seconds to wait for another process's write lock.
        read_only: open read-only even if the file could be written (backups,
            ``paperbrowse check``).
        auto_backup: before the first write through this instance (a schema
            migration included), make today's backup if there is none
            (:func:`paperbrowse.core.backup.backup_if_due`: at most one a day
            in ``<data>/backups/``, the last 7 kept). The command line and
            the app ask for it; a backup that cannot be made never stops the write.

    The library opens read-only by itself when the file or its folder cannot
    be written, or the disk is too full to open the WAL (:attr:`read_only`
    then says why); writing methods then raise :class:`ReadOnlyLibrary`.
    Every writing method raises :class:`DiskFull` when the disk fills up
    during its transaction (which is rolled back whole).

    Raises:
        LibraryError: the file is not a paperbrowse database, or was written
            by a newer paperbrowse (schema version above
            :data:`LIBRARY_SCHEMA_VERSION`), or is missing in a folder that
            cannot be written, or needs a migration but is read-only; the
            message names the file.
        DiskFull: a new library cannot be created on a full disk.
    """
