"""The generations of the index on disk: atomic builds, catch-ups and the live one.

Layout on disk (under :attr:`Locations.index_root`)::

    index/
      CURRENT            JSON naming the live generation and its stamp
      gen-<time>-<rand>/ one complete Whoosh index (a "generation")
      .lock              held while a generation is being built

A build writes a new generation beside the live one and then replaces
``CURRENT`` with ``os.replace`` (atomic on POSIX and Windows), so a crash or
Ctrl-C mid-build leaves the previous index in use and never a half-written one.
Old generations are removed after the swap. :meth:`IndexStore.catch_up` adds
the library's newer papers to the live generation in one commit. Searching a
generation is :class:`paperbrowse.core.search.PaperIndex`.
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import secrets
import shutil
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from whoosh import index as whoosh_index

from paperbrowse.core.atomic import write_json_atomic
from paperbrowse.core.engine import whoosh_compat
from paperbrowse.core.engine.segments import verify_manifest, write_manifest
from paperbrowse.core.engine.tables import save_tables
from paperbrowse.core.engine.writing import open_writer
from paperbrowse.core.library import DiskFull, is_disk_full
from paperbrowse.core.models import Paper
from paperbrowse.core.schema import SCHEMA_VERSION, FullTextSource, make_schema, paper_doc

if TYPE_CHECKING:
    from paperbrowse.core.search import PaperIndex

#: ``progress(done, total)``, in documents.
ProgressCallback = Callable[[int, int], None]


class PaperSource(Protocol):
    """Where imported papers are kept: :class:`~paperbrowse.core.library.Library`."""

    def revision(self) -> int: ...

    def stored_count(self, since: int = 0) -> int: ...

    def stored_papers(self, since: int = 0) -> Iterable[tuple[int, Paper]]: ...


class IndexUnavailable(RuntimeError):
    """There is no usable index (never built, removed, or unreadable)."""


class IndexDamaged(IndexUnavailable):
    """A search met a damaged index file (bytes changed on disk after the
    checksums were verified at open: damage that kept the file's time).

    The message says so and how to mend it: ``paperbrowse check`` (or
    ``paperbrowse index --rebuild``) rebuilds the index from the corpus and
    the library; nothing stored is lost.

    Attributes:
        reason: what failed, as ``"TypeName: message"``.
        folder: the damaged generation's folder.
    """

    def __init__(self, exc: BaseException, folder: Path | str | None = None) -> None:
        self.reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        self.folder = folder
        super().__init__(damage_message(exc, folder))


#: What reading a damaged Whoosh segment raises (decompressing, unpacking or
#: decoding bytes that are not what was written).
_DAMAGE_ERRORS: tuple[type[BaseException], ...] = (
    zlib.error,
    struct.error,
    EOFError,
    pickle.UnpicklingError,
    json.JSONDecodeError,
    UnicodeDecodeError,
)


def damage_message(exc: BaseException, folder: Path | str | None = None) -> str:
    """The user's message for a search that met damaged index bytes: what
    failed and ``run 'paperbrowse check'``."""
    where = f" in {folder}" if folder else ""
    reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return (
        f"the index{where} is damaged ({reason}): run 'paperbrowse check' to rebuild it "
        "(your library and bookmarks are not affected)"
    )


@dataclass(frozen=True)
class Stamp:
    """What an index generation was built from.

    Attributes:
        schema: :data:`SCHEMA_VERSION` at build time.
        corpus: fingerprint of the input (see ``captures.fingerprint``).
        docs: number of documents.
        built_at: Unix time of the build (seconds).
        seconds: build duration in seconds.
        revision: the library revision (see :meth:`Library.revision`) whose
            stored papers the generation holds; 0 when it holds none. Papers
            stored after it are added by :meth:`IndexStore.catch_up`.
    """

    schema: int
    corpus: str
    docs: int
    built_at: float
    seconds: float
    revision: int = 0


class BuildCancelled(Exception):
    """Raised inside :meth:`IndexStore.build` when ``is_cancelled()`` turns true."""


#: What a build that waits for another writer of the index tells the user.
WRITER_BUSY = (
    "Another process is writing the search index (an import or a rebuild); waiting for it…"
)


class IndexStore:
    """The generations of the index under one folder, and the live one.

    Thread safety: one instance may be shared by threads; each
    :meth:`PaperIndex.search` opens its own Whoosh searcher.
    """

    def __init__(self, root: Path, fulltext: FullTextSource | None = None) -> None:
        """Args:
        root: the index folder (:attr:`Locations.index_root`).
        fulltext: the papers' PDF text (paper id → page texts, or ``None``)
            used by :meth:`build`, :meth:`catch_up` and :meth:`open` when
            they are not given one (see
            :func:`paperbrowse.core.service.index_store`).
        """
        self.root = Path(root)
        self.fulltext = fulltext
        self._lock = threading.Lock()

    @property
    def current_file(self) -> Path:
        return self.root / "CURRENT"

    def read_current(self) -> tuple[Path, Stamp] | None:
        """Return the live generation folder and its stamp, or ``None``."""
        try:
            data = json.loads(self.current_file.read_text(encoding="utf-8"))
            folder = self.root / data["dir"]
            stamp = Stamp(**data["stamp"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return (folder, stamp) if folder.is_dir() else None

    def is_current(self, corpus: str) -> bool:
        """True if the live index was built from ``corpus`` with this schema."""
        current = self.read_current()
        return bool(current and current[1].schema == SCHEMA_VERSION and current[1].corpus == corpus)

    def open(self, fulltext: FullTextSource | None = None) -> PaperIndex:
        """Open the live generation, checking that it can be read.

        ``fulltext`` gives the pages of a paper's PDF for the body snippets
        of hits found by their full text (see :meth:`build`).

        Whoosh opens an index lazily, so a truncated or damaged segment would
        only fail at the first search; the check opens a reader and reads the
        last stored document and the first term (a few milliseconds whatever
        the size), so damage is found here and the caller can rebuild. Before
        that, the generation's files are checked against the checksums
        written at their commit (:func:`~paperbrowse.core.engine.segments.verify_manifest`:
        a ``stat`` per file, and a CRC-32 of any file written since).

        Raises:
            IndexUnavailable: no generation, or Whoosh cannot open or read it;
                the message names the folder and the error.
        """
        current = self.read_current()
        if current is None:
            raise IndexUnavailable(f"no index in {self.root}")
        folder, stamp = current
        problems = verify_manifest(folder)
        if problems:
            raise IndexUnavailable(f"the index in {folder} is damaged ({'; '.join(problems[:3])})")
        try:
            ix = whoosh_index.open_dir(str(folder))
            with ix.reader() as reader:
                count = reader.doc_count_all()
                if count:
                    reader.stored_fields(count - 1)
                    next(iter(reader.all_terms()), None)
        except Exception as exc:  # whoosh raises several unrelated types on damage
            reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            raise IndexUnavailable(f"the index in {folder} is damaged ({reason})") from exc
        from paperbrowse.core.search import PaperIndex  # the search service uses this store

        return PaperIndex(ix, stamp, self, fulltext=fulltext or self.fulltext)

    @contextlib.contextmanager
    def _build_lock(
        self, wait: bool = True, on_wait: Callable[[], None] | None = None
    ) -> Iterator[bool]:
        """Hold the writer lock of this store: this thread's lock, then an
        ``flock`` on ``.lock`` shared with every other process. Yields
        ``True`` once held; with ``wait=False`` yields ``False`` at once,
        holding nothing, when another thread or process holds it. When it
        has to wait, ``on_wait()`` is called once first (to say so)."""
        import fcntl

        told = []

        def contended() -> bool:
            """Another writer holds the lock: say so once; True to wait for it."""
            if wait and on_wait and not told:
                told.append(True)
                on_wait()
            return wait

        if not self._lock.acquire(blocking=False):
            if not contended():
                yield False
                return
            self._lock.acquire()
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            with open(self.root / ".lock", "w") as fh:
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    if not contended():
                        yield False
                        return
                    fcntl.flock(fh, fcntl.LOCK_EX)
                try:
                    yield True
                finally:
                    fcntl.flock(fh, fcntl.LOCK_UN)
        finally:
            self._lock.release()

    def build(
        self,
        papers: Sequence[Paper],
        corpus: str,
        *,
        revision: int = 0,
        progress: ProgressCallback | None = None,
        is_cancelled: Callable[[], bool] | None = None,
        on_wait: Callable[[], None] | None = None,
        replaces_damaged: bool = False,
        fulltext: FullTextSource | None = None,
    ) -> PaperIndex:
        """Build a new generation from ``papers`` and make it live atomically.

        Args:
            papers: distinct papers (ids unique).
            corpus: fingerprint recorded in the stamp.
            revision: the library revision whose stored papers are among
                ``papers`` (recorded in the stamp; see :meth:`catch_up`).
            progress: called as ``progress(done, total)`` in documents.
            is_cancelled: polled between documents; when it returns true the
                partial generation is deleted and :class:`BuildCancelled` raised.
            on_wait: called once, before waiting, when another process (an
                import, a rebuild) is writing the index; the build then waits
                for it.
            replaces_damaged: the live generation is damaged: it is removed
                once the new one is live (else it is kept until the next
                build, for processes still reading it).
            fulltext: the pages of each paper's PDF (paper id → page texts,
                page 1 first, or ``None``: no PDF), indexed in the
                ``fulltext`` field; the index returned keeps it for the body
                snippets of its hits. ``None``: the store's own
                (:attr:`fulltext`), if any.

        Raises:
            BuildCancelled: see ``is_cancelled``; the previous index stays live.
            OSError: the disk is full or not writable; the previous index stays
                live and the partial generation is removed.
        """
        source = fulltext or self.fulltext
        with self._build_lock(on_wait=on_wait):
            started = time.perf_counter()
            live = self.read_current()
            previous = live[0].name if live else ""
            name = f"gen-{int(time.time())}-{secrets.token_hex(3)}"
            folder = self.root / name
            folder.mkdir(parents=True)
            try:
                ix = whoosh_index.create_in(str(folder), make_schema())
                writer = open_writer(ix, len(papers))
                try:
                    total = len(papers)
                    for pos, paper in enumerate(papers):
                        if is_cancelled and is_cancelled():
                            raise BuildCancelled()
                        pages = source(paper.id) if source else None
                        writer.add_document(**paper_doc(paper, pos, pages))
                        if progress and (pos % 25 == 0 or pos == total - 1):
                            progress(pos + 1, total)
                    writer.commit()
                except BaseException:
                    _abandon(writer)
                    raise
                save_tables(ix, folder)
                write_manifest(folder)
                stamp = Stamp(
                    schema=SCHEMA_VERSION,
                    corpus=corpus,
                    docs=len(papers),
                    built_at=time.time(),
                    seconds=round(time.perf_counter() - started, 3),
                    revision=revision,
                )
                write_json_atomic(self.current_file, {"dir": name, "stamp": stamp.__dict__})
            except BaseException as exc:
                shutil.rmtree(folder, ignore_errors=True)
                if is_disk_full(exc):
                    raise DiskFull.from_error(
                        exc, self.root, "the index was left as it was"
                    ) from exc
                raise
            keep = (name,) if replaces_damaged else (name, previous)
            self._remove_old_generations(keep=keep)
            from paperbrowse.core.search import PaperIndex

            return PaperIndex(ix, stamp, self, fulltext=fulltext or self.fulltext)

    def catch_up(
        self,
        library: PaperSource,
        *,
        progress: ProgressCallback | None = None,
        wait: bool = True,
        on_wait: Callable[[], None] | None = None,
        fulltext: FullTextSource | None = None,
    ) -> int | None:
        """Add to the live generation the papers stored after its revision.

        The library's papers written after :attr:`Stamp.revision` are added,
        or replace the indexed paper with the same id, in one Whoosh commit;
        then the stamp records the library revision they came from. A process
        killed before the stamp is written leaves the papers committed but the
        old revision recorded: the next call adds them again, which replaces
        them by id, so the index never ends up holding a paper twice or missing
        one the library holds.

        Runs under the same lock as :meth:`build`: one writer at a time,
        across processes; searches (readers) never wait for it.

        Args:
            library: the store of imported papers (a
                :class:`~paperbrowse.core.library.Library`).
            progress: ``progress(done, total)`` in documents.
            wait: wait for a writer of another process (an import, a
                rebuild) to finish; ``False`` returns ``None`` at once
                instead. The app opens with ``False``: the running import
                catches the index up itself, and an open index follows its
                commits at the next search.
            on_wait: called once, before waiting for a writer of another
                process (with ``wait``).
            fulltext: the pages of each added paper's PDF, as for :meth:`build`
                (``None``: the store's own).

        Returns:
            Number of papers added or replaced (0 when already current), or
            ``None`` when ``wait`` is false and another writer holds the lock.

        Raises:
            IndexUnavailable: there is no live generation.
            OSError: the disk is full or not writable; the index keeps its
                last committed state (Whoosh writes a new segment, then its
                table of contents).
        """
        source = fulltext or self.fulltext
        with self._build_lock(wait, on_wait) as held:
            if not held:
                return None
            current = self.read_current()
            if current is None:
                raise IndexUnavailable(f"no index in {self.root}")
            folder, stamp = current
            revision = library.revision()
            if revision <= stamp.revision:
                return 0
            total = library.stored_count(since=stamp.revision)
            before = _file_names(folder)  # what the last commit left: kept on failure
            ix = whoosh_index.open_dir(str(folder))
            toc = ix.latest_generation()
            try:
                writer = open_writer(ix, total)
            except BaseException:
                ix.close()
                _discard_new_files(folder, before)
                raise
            done = 0
            try:
                base = ix.doc_count_all()
                with ix.reader() as reader:  # the state before this writer
                    leaves = list(reader.leaf_readers())
                    for seen, paper in library.stored_papers(since=stamp.revision):
                        old = _live_docnum(leaves, "id", paper.id)
                        if old is not None:  # replaced: the library holds a newer copy
                            writer.delete_document(old)
                        pages = source(paper.id) if source else None
                        writer.add_document(**paper_doc(paper, base + done, pages))
                        revision = max(revision, seen)
                        done += 1
                        if progress and done % 250 == 0:
                            progress(done, total)
            except BaseException as exc:
                _abandon(writer)
                ix.close()
                _discard_new_files(folder, before)
                if is_disk_full(exc):
                    raise DiskFull.from_error(
                        exc, self.root, "the index was left as it was"
                    ) from exc
                raise
            try:
                writer.commit()
            except BaseException as exc:
                _abandon(writer)  # a failed Whoosh commit keeps its lock
                ix.close()
                if f"_{ix.indexname}_{toc + 1}.toc" not in _file_names(folder):  # not committed
                    _discard_new_files(folder, before)
                    if is_disk_full(exc):
                        raise DiskFull.from_error(
                            exc, self.root, "the index was left as it was"
                        ) from exc
                raise
            try:
                docs = ix.doc_count()  # reads the table of contents just committed
                save_tables(ix, folder)
                write_manifest(folder)
            finally:
                ix.close()
            if progress:
                progress(done, done)
            write_json_atomic(
                self.current_file,
                {"dir": folder.name, "stamp": vars(replace(stamp, revision=revision, docs=docs))},
            )
            return done

    def _remove_old_generations(self, keep: tuple[str, ...]) -> None:
        """Delete every generation but ``keep``: the new one and the one it
        replaced, which another process (an open app) may still be reading;
        that process moves to the new one at its next search."""
        for old in self.root.glob("gen-*"):
            if old.name not in keep:
                shutil.rmtree(old, ignore_errors=True)


def _abandon(writer) -> None:
    """Cancel a writer whose work failed, and release the index's write lock
    whatever happens: cancelling writes the open segment's last bytes, which
    fails again on a full disk, and Whoosh releases its lock only at the end
    of a cancel or commit that succeeds (a long-running app would otherwise
    never write the index again)."""
    with contextlib.suppress(Exception):
        if not writer.is_closed:
            writer.cancel()
    inner = getattr(writer, "_writer", writer)  # a ParallelWriter's own SegmentWriter
    lock = getattr(inner, "writelock", None)
    if lock is not None:
        with contextlib.suppress(Exception):
            lock.release()


def _file_names(folder: Path) -> set[str]:
    """Names of the files in a generation folder (empty if it cannot be listed)."""
    try:
        return {entry.name for entry in os.scandir(folder)}
    except OSError:
        return set()


def _discard_new_files(folder: Path, before: set[str]) -> list[str]:
    """Remove the files of ``folder`` not in ``before``: the partial segments
    (and the temporary folder) of a commit that failed (a full disk), which no
    table of contents names.

    The writer's lock file is left (Whoosh keeps one per index). Returns the
    names removed."""
    removed = []
    for name in sorted(_file_names(folder) - before):
        if name.endswith("WRITELOCK"):
            continue
        path = folder / name
        try:
            if path.is_dir():  # the writer's temporary storage (MAIN.tmp)
                shutil.rmtree(path)
            else:
                path.unlink()
            removed.append(name)
        except OSError:
            pass
    return removed


def _live_docnum(leaves, field: str, value: str) -> int | None:
    """The document number of the first live document whose ``field`` (an
    ``ID`` field) holds ``value``, or ``None``: a term lookup per segment
    (``leaves`` as ``reader.leaf_readers()`` gives them), without Whoosh's
    query and matcher objects."""
    btext = value.encode("utf-8")
    for leaf, base in leaves:
        terms = whoosh_compat.segment_terms(leaf)
        if terms is None or (field, btext) not in terms:
            continue
        for docnum in leaf.postings(field, btext).all_ids():
            if not leaf.is_deleted(docnum):
                return base + docnum
    return None
