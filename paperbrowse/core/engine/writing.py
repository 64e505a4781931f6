"""Index writers: one process for small jobs, several for large ones.

Whoosh analyses and writes postings in pure Python, one core at a time. For a
large build or import, :func:`open_writer` returns a :class:`ParallelWriter`:
worker processes each analyse a share of the documents and write a segment of
their own, and the parent adds those segments to the index in one commit of
the table of contents, as Whoosh's own ``MpWriter`` with ``multisegment=True``
does. Whoosh's ``MpWriter`` is not used itself: its ``cancel`` leaves the
workers waiting forever (the parent never exits), a killed parent leaves them
behind, and it uses the platform's default start method (``fork`` from a
threaded app). Here the workers are started from a ``forkserver`` that has
imported the engine (:func:`_context`; the program's main module must be
import-safe, as the ``paperbrowse`` command is), stop when cancelled, and
exit by themselves when the parent process dies.

Memory: each worker keeps at most :data:`LIMIT_MB` megabytes of postings in
memory (:class:`~paperbrowse.core.engine.segments.MemoryPool`'s estimate) before it
writes them as a segment and starts another, and the parent holds at most
``2 × procs`` batches of :data:`BATCH` documents in flight, so a build's
memory does not grow with the number of documents.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import queue
import threading
import time

from whoosh import index as whoosh_index
from whoosh.writing import IndexingError

from paperbrowse.core.engine import whoosh_compat as wc
from paperbrowse.core.engine.codec import ArrayCodec
from paperbrowse.core.engine.merging import merge_small
from paperbrowse.core.engine.segments import ArraySegmentWriter, forget_token_memos

#: Writes of at least this many documents use worker processes (below it,
#: starting the workers costs more than they save).
PARALLEL_FROM = 5_000
#: Documents sent to a worker at a time.
BATCH = 200
#: Megabytes of postings a worker keeps in memory before it spills them to a
#: sorted run (:data:`SPILL_RUNS`; else writes them as a segment and starts
#: another) (:class:`~paperbrowse.core.engine.segments.MemoryPool`).
#: A pool takes about 1.6× its estimate, and ~2.5× while it is sorted and
#: written; runs (and segments) are merged on arrays at the end, so small
#: ones cost little: 100,000 papers (``benchmarks/build_phases.py
#: --limit-mb``, segments) built at 2,300 / 2,440 / 2,500 docs/s with a
#: worker's peak at 342 / 308 / 281 MB for 48 / 32 / 24 MB (96 MB: 2,180
#: docs/s, 434 MB).
LIMIT_MB = 24
#: A worker merges the segments it wrote into one before it hands them over
#: (:func:`_work`): the merges run in every worker at once, not one after the
#: other in the parent, and each document is rewritten once.
MERGE_IN_WORKERS = True
#: A worker keeps one segment for all its documents and, when its postings
#: pass :data:`LIMIT_MB`, spills them to a sorted run on disk
#: (:meth:`~paperbrowse.core.engine.segments.ArraySegmentWriter.spill_postings`)
#: instead of writing a segment; the segment's one write merges the runs
#: (:mod:`~paperbrowse.core.engine.runs`). The same segment as writing
#: segments and merging them (:data:`MERGE_IN_WORKERS`), without writing
#: every paper twice and reading it back: 100,000 papers
#: (``benchmarks/build_phases.py``) 2,607 / 2,756 → 2,813 / 2,904 docs/s,
#: a million 415 → 373 s with a worker's peak 396 → 305–321 MB.
#: ``False``: segments, merged.
SPILL_RUNS = True
#: A worker runs with the cyclic garbage collector off and collects once
#: after each segment it writes (:func:`_work`): its batches make objects
#: by the million (each paper's token-id lists) but almost no reference
#: cycles, and the collector's generation passes took ~15 % of its time
#: (``gc.callbacks``, 50,000 papers); the cycles a segment's writer and
#: readers leave are collected with the segment. 100,000 papers
#: (``benchmarks/build_phases.py``): 2,440 and 2,500 → 2,670–2,870 docs/s
#: (two runs, five runs), the worker's peak unchanged (283–288 MB; with no
#: collection at all, 533 MB).
WORKER_GC_OFF = True
#: Seconds a worker waits for a batch before checking that its parent lives.
_POLL = 1.0
#: Seconds the parent waits for a worker's segment after its last batch.
_FINISH_TIMEOUT = 3600.0


def worker_count() -> int:
    """Worker processes a parallel write uses: one per core, at most 4."""
    return max(1, min(4, os.cpu_count() or 1))


def open_writer(ix, docs: int):
    """A writer for adding about ``docs`` documents to the Whoosh index ``ix``.

    Returns Whoosh's ``SegmentWriter`` (one process) below
    :data:`PARALLEL_FROM` documents or on one core, else a
    :class:`ParallelWriter`. Both hold the index's write lock, write with
    :class:`~paperbrowse.core.engine.codec.ArrayCodec` and offer ``add_document``,
    ``delete_document``, ``commit`` and ``cancel``.

    Raises:
        whoosh.index.LockError: another writer holds the index's lock.
    """
    procs = worker_count()
    if docs >= PARALLEL_FROM and procs > 1:
        return ParallelWriter(ix, procs=procs)
    writer = ArraySegmentWriter(ix, limitmb=LIMIT_MB, codec=ArrayCodec())
    writer.mergetype = merge_small
    return writer


#: Start workers from a ``forkserver`` where there is one (``False``: ``fork``
#: from a process with one thread, as before issue 20).
FORKSERVER = True


def _context():
    """A ``forkserver`` that has imported this module (:data:`FORKSERVER`):
    a worker forked from it starts at once with nothing re-imported, and holds
    only its own memory — a worker forked from the importing process maps
    that process's whole heap (a build's papers: gigabytes at a million) and
    counts it in its resident set. Else ``fork`` from a process with one
    thread (forking a threaded process, such as the app, can copy a lock
    another thread holds), else ``spawn``."""
    methods = multiprocessing.get_all_start_methods()
    if FORKSERVER and "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload([__name__])  # taken when the server first starts
        return ctx
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def _parent_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's (the pid was reused)
        return False
    return True


#: ``prctl`` option: the signal the kernel sends a process when its parent dies.
_PR_SET_PDEATHSIG = 1


def _set_death_signal() -> bool:
    """Ask Linux to send this process ``SIGKILL`` when its parent dies
    (``prctl(PR_SET_PDEATHSIG)``, through ``ctypes``); ``False`` where that is
    not available (other systems: :func:`_watch_parent` alone then)."""
    import sys

    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
    except (OSError, AttributeError, ValueError):
        return False


def _watch_parent(parent: int, started_under: int) -> None:
    """End this process when the parent is gone: a daemon thread that looks
    every :data:`_POLL` seconds whether the process ``parent`` still exists
    and this process has not been re-parented away from ``started_under`` (a
    killed parent's children pass to init or a sub-reaper at once, even while
    the dead parent is a zombie that ``kill(pid, 0)`` still finds).

    The portable fallback for :func:`_set_death_signal`, and it catches what a
    poll between batches cannot: a worker blocked reading a batch the killed
    parent had only half written to the pipe (read blocks for ever, since the
    workers themselves hold the pipe's write end), or blocked at exit on a
    full result pipe no one reads.
    """

    def watch() -> None:
        while True:
            time.sleep(_POLL)
            if os.getppid() != started_under or not _parent_alive(parent):
                os._exit(1)  # the parent was killed: its generation is abandoned

    threading.Thread(target=watch, name="paperbrowse-parent-watch", daemon=True).start()


#: The settings a worker takes from the parent, by module: a worker started
#: from a ``forkserver`` has its own copy of each module, so a value the parent
#: set at run time (a test's smaller limits, ``ARRAY_BUILD`` off) is sent along.
WORKER_SETTINGS = {
    "paperbrowse.core.engine.writing": (
        "LIMIT_MB",
        "MERGE_IN_WORKERS",
        "SPILL_RUNS",
        "WORKER_GC_OFF",
    ),
    "paperbrowse.core.engine.merging": ("BULK", "MERGE_CHUNK"),
    "paperbrowse.core.engine.bulkmerge": ("CHUNK_TERMS", "CHECK_TERMS"),
    "paperbrowse.core.engine.segments": (
        "ARRAY_BUILD",
        "PENDING_DOCS",
        "INDEX_CACHE",
        "WRITE_POSTINGS",
        "GATHER_CHUNK",
    ),
    "paperbrowse.core.engine.records": ("WRITE_CHUNK",),
}


def _settings() -> dict[str, dict[str, object]]:
    """The parent's values of :data:`WORKER_SETTINGS`, to send to a worker."""
    import sys

    return {
        module: {name: getattr(sys.modules[module], name) for name in names}
        for module, names in WORKER_SETTINGS.items()
        if module in sys.modules
    }


def _apply(settings: dict[str, dict[str, object]]) -> None:
    """Set :func:`_settings`'s values in this (worker) process's modules."""
    import importlib

    for module, values in settings.items():
        target = importlib.import_module(module)
        for name, value in values.items():
            setattr(target, name, value)


def _trim() -> None:
    """Give the C heap's free memory back to the system (glibc's
    ``malloc_trim``, through ``ctypes``; nothing elsewhere). A segment's
    pool is freed in many pieces below glibc's ``mmap`` threshold, which
    stay in the process's resident set, unused, until trimmed: ~100 MB a
    worker, measured on 50,000 papers."""
    import sys

    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


def _collect() -> None:
    """Between a worker's segments: collect the cycles (when the collector
    is off, :data:`WORKER_GC_OFF`) and give the freed heap back (:func:`_trim`)."""
    if not gc.isenabled():
        gc.collect()
    _trim()


def _work(
    folder: str, indexname: str, jobs, results, parent: int, settings: dict | None = None
) -> None:
    """A worker process: add the documents of each batch taken from ``jobs``
    to a segment of its own, its postings spilled to a sorted run each time
    those in memory pass :data:`LIMIT_MB` (:data:`SPILL_RUNS`; else a new
    segment each time); on ``None``, write the segment and put the list of
    its segments on ``results`` (an exception is put there instead if
    anything fails).

    The cyclic garbage collector is off in the worker, and run after each
    spill or segment (:data:`WORKER_GC_OFF`). With :data:`MERGE_IN_WORKERS`, the
    segments it merges are written without term hashes
    (:func:`~paperbrowse.core.engine.whoosh_compat.skip_term_hashes`: the
    merge reads terms in order); the segment it hands over always has them.

    The worker dies with its parent: ``SIGKILL`` from the kernel on Linux
    (:func:`_set_death_signal`), else within :data:`_POLL` seconds
    (:func:`_watch_parent`); started from a ``forkserver``, its parent is the
    server, which exits when the importing process does.
    """
    started_under = os.getppid()
    _set_death_signal()
    if os.getppid() != started_under or not _parent_alive(parent):
        os._exit(1)  # the parent died before the death signal was set
    _watch_parent(parent, started_under)
    try:
        if settings:
            _apply(settings)
        if WORKER_GC_OFF:
            gc.disable()
        ix = whoosh_index.open_dir(folder, indexname=indexname)
        written = []
        hashless = False  # a segment was written without term hashes (merged at the end)
        writer = wc.unlocked_writer(ArraySegmentWriter, ix, limitmb=LIMIT_MB, codec=ArrayCodec())
        while True:
            try:
                batch = jobs.get(timeout=_POLL)
            except queue.Empty:
                if not _parent_alive(parent):
                    os._exit(1)  # the parent was killed: its generation is abandoned
                continue
            if batch is None:
                break
            for fields in batch:
                writer.add_document(**fields)
            writer.flush_pending()  # the batch's postings, counted in the pool's memory
            if writer.pool.memory > LIMIT_MB * 2**20:
                if SPILL_RUNS:
                    writer.spill_postings()
                    _collect()
                    continue
                if MERGE_IN_WORKERS:  # merged into the worker's one segment at the end
                    wc.skip_term_hashes(writer)
                    hashless = True
                written.append(wc.finalize_segment(writer))
                _collect()
                writer = wc.unlocked_writer(
                    ArraySegmentWriter, ix, limitmb=LIMIT_MB, codec=ArrayCodec()
                )
        if wc.has_added(writer):
            if writer.pool.runs:  # every document is added: the memos are not needed
                forget_token_memos()
                _collect()
            if hashless:  # not the only one: merged too
                wc.skip_term_hashes(writer)
            written.append(wc.finalize_segment(writer))
        else:
            wc.close_segment(writer)
        if MERGE_IN_WORKERS and (len(written) > 1 or hashless):  # a lone one without hashes too
            forget_token_memos()  # every document is added: not needed by the merge
            _collect()
            written = [_merge_own(writer, written)]
        results.put(("segments", written))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent
        results.put(("error", exc))


def _merge_own(writer, segments: list):
    """Merge a worker's ``segments`` (not yet in any table of contents) into
    one and delete their files; returns the merged segment."""
    from paperbrowse.core.engine.merging import merge_segments

    merged = merge_segments(writer, segments)
    for segment in segments:
        wc.remove_segment_files(writer.storage, segment)
    return merged


class ParallelWriter:
    """Adds documents to a Whoosh index with ``procs`` worker processes.

    The parent keeps a Whoosh ``SegmentWriter`` for the index's lock, for
    deletions (``delete_document`` applies to the segments that existed when
    the writer opened) and for the commit; added documents go, in batches of
    :data:`BATCH`, to the workers, each of which writes one new segment.

    Args:
        ix: an open Whoosh ``FileIndex``.
        procs: worker processes (2 or more).

    Raises:
        whoosh.index.LockError: another writer holds the index's lock.
    """

    def __init__(self, ix, procs: int) -> None:
        self._writer = ArraySegmentWriter(ix, limitmb=LIMIT_MB, codec=ArrayCodec())
        ctx = _context()
        self._jobs = ctx.Queue(2 * procs)
        self._results = ctx.Queue()
        self._buffer: list[dict] = []
        self._workers = [
            ctx.Process(
                target=_work,
                args=(
                    ix.storage.folder,
                    ix.indexname,
                    self._jobs,
                    self._results,
                    os.getpid(),
                    _settings(),
                ),
                daemon=True,
                name=f"paperbrowse-index-{n}",
            )
            for n in range(procs)
        ]
        # a forked worker shares the parent's memory until it writes to it, and
        # the garbage collector's passes write to every object they visit: frozen,
        # the parent's objects (a build's papers: gigabytes at a million) are
        # left alone, and stay shared
        frozen = ctx.get_start_method() == "fork"
        if frozen:
            gc.freeze()
        try:
            for worker in self._workers:
                worker.start()
        except BaseException:
            self.cancel()
            raise
        finally:
            if frozen:
                gc.unfreeze()
        self.is_closed = False

    def add_document(self, **fields) -> None:
        """Queue one document (Whoosh field values, as for ``SegmentWriter``)."""
        self._buffer.append(fields)
        if len(self._buffer) >= BATCH:
            self._send()

    def delete_document(self, docnum: int, delete: bool = True) -> None:
        """Delete a document of the index as it was when the writer opened."""
        self._writer.delete_document(docnum, delete)

    def _send(self) -> None:
        batch, self._buffer = self._buffer, []
        while True:
            try:
                self._jobs.put(batch, timeout=_POLL)
                return
            except queue.Full:
                self._check_workers()

    def _check_workers(self) -> None:
        """Raise if a worker failed: killed (non-zero exit code) or, while
        batches still wait to be sent, every worker gone (a worker that fails
        puts its exception on the result queue and ends)."""
        failed = [w for w in self._workers if w.exitcode not in (None, 0)]
        if failed:
            raise IndexingError(f"an indexing process stopped (exit code {failed[0].exitcode})")
        if all(w.exitcode is not None for w in self._workers):
            try:
                kind, value = self._results.get(timeout=_POLL)
            except queue.Empty:
                kind, value = None, None
            if kind == "error":
                raise value
            raise IndexingError("the indexing processes stopped before the last batch")

    def commit(self) -> None:
        """Wait for the workers' segments and make them part of the index,
        with the merge policy (:func:`~paperbrowse.core.engine.merging.merge_small`)
        applied to the segments already there.

        Raises:
            OSError: a worker could not write its segment (a full disk); the
                index is left as it was.
            IndexingError: a worker stopped without a segment.
        """
        if self._buffer:
            self._send()
        for _ in self._workers:
            self._jobs.put(None)
        segments = []
        try:
            for _ in self._workers:
                kind, value = self._next_result()
                if kind == "error":
                    raise value
                segments.extend(value)
            for worker in self._workers:
                worker.join()
            self._jobs.close()
            self._results.close()
            writer = self._writer
            final = wc.merge_segments(writer, merge_small)
            if wc.has_added(writer):  # the merge policy merged small segments in this writer
                final.append(wc.finalize_segment(writer))
            else:
                wc.close_segment(writer)
            wc.commit_toc(writer, final + segments)
            wc.finish(writer)
        except BaseException:
            self.cancel()
            raise
        self.is_closed = True

    def _next_result(self):
        """The next worker's ``(kind, value)``; a worker that ended normally
        has put its result before it ended, so only a killed one is an error."""
        waited = 0.0
        while True:
            try:
                return self._results.get(timeout=_POLL)
            except queue.Empty:
                waited += _POLL
                failed = [w for w in self._workers if w.exitcode not in (None, 0)]
                if failed:
                    raise IndexingError(
                        f"an indexing process stopped (exit code {failed[0].exitcode})"
                    ) from None
                if waited > _FINISH_TIMEOUT:
                    raise IndexingError("the indexing processes did not finish") from None

    def cancel(self) -> None:
        """Stop the workers and release the index unchanged (their partial
        segment files are removed with the unfinished generation, or by
        Whoosh's clean-up at the next commit)."""
        for worker in getattr(self, "_workers", []):
            if worker.is_alive():
                worker.terminate()
        for worker in getattr(self, "_workers", []):
            if worker.pid is not None:
                worker.join(timeout=10)
        for channel in (getattr(self, "_jobs", None), getattr(self, "_results", None)):
            if channel is not None:
                # Batches no worker will read: without this, the queue's feeder
                # thread, blocked on a full pipe, is joined at interpreter exit
                # and the process never ends (CI hung after the tests passed).
                channel.cancel_join_thread()
                channel.close()
        writer = getattr(self, "_writer", None)
        if writer is not None and not writer.is_closed:
            writer.cancel()
        self.is_closed = True
