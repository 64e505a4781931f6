"""Importing papers into the library and the index (``paperbrowse add``).

Every importer in :mod:`paperbrowse.core.sources` yields the same record
stream (:data:`~paperbrowse.core.sources.common.Record`); :func:`import_records`
takes such a stream and:

1. de-duplicates each paper against what the index holds (the corpus's
   papers and earlier imports) and against the records before it, by id,
   arXiv id, DOI, then normalised title (:meth:`Library.find_stored`: a few
   SQLite index lookups, whatever the library's size, and only for a paper
   one of whose keys the library holds — asked for :data:`READ_AHEAD`
   records at once, :meth:`Library.stored_keys`; the corpus's papers are
   looked up in memory), keeping the existing paper's id and title (the
   title of a reference the user imported with a citation key wins when it is
   more authoritative, :func:`~paperbrowse.core.models.authority`, so that it
   exports back as written) and merging the rest without loss (:meth:`Paper.merged_with`: a complete
   author list over an "and others" one, the date with more known parts, the
   more authoritative record's venue over a preprint's, missing fields
   filled, the existing citation key kept, the larger upvote count). A record
   whose merge changes nothing is counted as skipped, any change (a field, a
   source name) as updated;
2. stores the new and changed papers in the library, one SQLite transaction
   per batch (:meth:`Library.store_papers`, which also registers the citation
   keys the papers came with);
3. adds them to the live index incrementally, one Whoosh commit per batch
   (:meth:`IndexStore.catch_up`), never a full rebuild. The catch-up of a
   batch runs in a thread (:class:`_Indexer`) while the next batch is read
   and de-duplicated, so the indexing workers and the parsing overlap; a
   batch is stored only once the previous one is indexed, and the import
   returns once the last one is.

Consistency: the library is the record of what was imported; the index
records the library revision it holds. A batch is stored all or nothing, and
an index behind the library is caught up at the next open. So an import
interrupted anywhere (Ctrl-C, ``kill -9``) leaves the library with the batches
before it and the index, once opened, holding exactly those: never a mix.
An import smaller than one batch is therefore all or nothing.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace

from paperbrowse.core.fulltext import index_store
from paperbrowse.core.generations import IndexStore
from paperbrowse.core.library import DiskFull, Library, is_disk_full
from paperbrowse.core.locations import Locations
from paperbrowse.core.models import Paper, authority, normalise_title, same_work
from paperbrowse.core.service import Corpus, open_index
from paperbrowse.core.sources.captures import load_captures
from paperbrowse.core.sources.common import Record, SourceError

#: Records de-duplicated and stored per transaction and per index commit.
BATCH_SIZE = 10_000
#: Batches of at least this many records are indexed in a thread while the
#: next batch is read (smaller ones, as tests use, in line: nothing to overlap).
BACKGROUND_FROM = 1_000


@dataclass
class ImportSummary:
    """What an import did, one count per input record.

    Attributes:
        added: papers new to the library and index.
        updated: papers already known whose metadata the record extended
            (merged into the existing paper, which keeps its id).
        skipped: papers already known with nothing new in the record.
        errors: the records that could not be read, with file and line or
            entry key; the other records are imported.
        revision: the library revision after the import.
        committed: records read up to the last stored batch: an interrupted
            import of a file resumes after this many records.
    """

    added: int = 0
    updated: int = 0
    skipped: int = 0
    errors: list[SourceError] = field(default_factory=list)
    revision: int = 0
    committed: int = 0

    @property
    def read(self) -> int:
        """Records read: papers plus errors."""
        return self.added + self.updated + self.skipped + len(self.errors)

    @property
    def changed(self) -> bool:
        """True if the library or index changed."""
        return bool(self.added or self.updated)

    def __str__(self) -> str:
        return (
            f"added {self.added}, updated {self.updated}, skipped {self.skipped}, "
            f"errors {len(self.errors)}"
        )


class ImportBusy(RuntimeError):
    """Another process is importing into the same data directory."""


class ImportInterrupted(KeyboardInterrupt):
    """Ctrl-C during an import; :attr:`summary` counts what was stored before it.

    A :class:`KeyboardInterrupt`, so code that does not know it still stops.
    """

    def __init__(self, summary: ImportSummary) -> None:
        super().__init__(str(summary))
        self.summary = summary


#: Seconds between two tries of a contended import lock.
_LOCK_POLL = 0.5


def _lock_owner(fh) -> int | None:
    """The process id written in an open lock file, or ``None``."""
    try:
        fh.seek(0)
        text = fh.read(32).strip()
    except (OSError, ValueError):
        return None
    return int(text) if text.isdigit() else None


def _process_exists(pid: int) -> bool:
    """True if a process ``pid`` exists (of any user); a zombie counts as gone."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # Linux: a killed process not yet reaped by its parent is a zombie
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (OSError, IndexError):
        return True


def _same_file(fh, path) -> bool:
    try:
        return os.fstat(fh.fileno()).st_ino == os.stat(path).st_ino
    except OSError:
        return False


@contextlib.contextmanager
def import_lock(
    locations: Locations,
    on_wait: Callable[[], None] | None = None,
    on_takeover: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold the data directory's import lock (one import at a time, across processes).

    The lock is an ``flock`` on ``<data>/import.lock``, which names the
    holder's process id. The kernel releases it when its holder dies, unless
    another process inherited the open file (a forked child, such as an
    indexing worker of an older version, outliving its killed parent): a lock
    that is held while the file names a process that no longer exists is
    therefore taken over (the file is replaced by a new one, locked afresh),
    with a message, instead of being waited for for ever.

    Args:
        locations: the data directory.
        on_wait: called once if another import holds the lock, before waiting
            for it; ``None`` raises :class:`ImportBusy` instead of waiting.
        on_takeover: called with a message (naming the file and the dead
            process) when a stale lock is taken over; ``None`` logs it as a
            warning on the ``paperbrowse`` logger (printed to stderr when
            logging is not configured).

    Raises:
        ImportBusy: the lock is held by a live process and ``on_wait`` is ``None``.
    """
    path = locations.ensure().data_dir / "import.lock"
    told = False
    while True:
        fh = open(path, "a+")  # noqa: SIM115 - kept open while the lock is held
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = _lock_owner(fh)
            if (
                owner is not None
                and owner != os.getpid()
                and not _process_exists(owner)
                and _same_file(fh, path)
            ):
                message = (
                    f"the import lock {path} names process {owner}, which is no longer "
                    "running (killed?); taking the lock over"
                )
                if on_takeover is None:
                    logging.getLogger("paperbrowse").warning("%s", message)
                else:
                    on_takeover(message)
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(path)
                fh.close()
                continue
            if on_wait is None:
                fh.close()
                raise ImportBusy(f"another import is running in {locations.data_dir}") from None
            if not told:
                told = True
                on_wait()
            fh.close()
            time.sleep(_LOCK_POLL)  # then look again: the holder may have died meanwhile
            continue
        if not _same_file(fh, path):  # replaced by a takeover between open and lock
            fh.close()
            continue
        break
    with fh:
        try:
            fh.seek(0)
            fh.truncate()
            fh.write(str(os.getpid()))
            fh.flush()
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


class _Batch:
    """Papers waiting to be stored, with the keys they can be found by."""

    def __init__(self) -> None:
        self.papers: dict[str, Paper] = {}
        self._keys: dict[tuple[str, str], str] = {}

    def __len__(self) -> int:
        return len(self.papers)

    @staticmethod
    def keys(paper: Paper) -> list[tuple[str, str]]:
        keys = [("id", paper.id)]
        if paper.arxiv_id:
            keys.append(("arxiv", paper.arxiv_id))
        if paper.doi:
            keys.append(("doi", paper.doi.lower()))
        title = normalise_title(paper.title)
        if title:
            keys.append(("title_key", title))
        return keys

    def find(self, paper: Paper) -> Paper | None:
        for key in self.keys(paper):
            found_id = self._keys.get(key)
            if found_id is not None:
                found = self.papers[found_id]
                if same_work(found, paper, key[0]):
                    return found
        return None

    def put(self, paper: Paper) -> None:
        self.papers[paper.id] = paper
        for key in self.keys(paper):
            self._keys.setdefault(key, paper.id)

    def clear(self) -> None:
        self.papers.clear()
        self._keys.clear()


class _Indexer:
    """Catches the index up with the library in a thread, one batch at a time.

    :meth:`start` waits for the previous catch-up, then starts one for what
    the library holds now; :meth:`wait` waits for it and raises what it
    raised (an ``OSError`` of a full disk, say). With ``background=False``
    the catch-up runs in :meth:`start` itself.
    """

    def __init__(self, store: IndexStore, library: Library, background: bool = True) -> None:
        self.store = store
        self.library = library
        self.background = background
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def start(self) -> None:
        """Catch the index up with the library (in a thread); raises what the
        previous catch-up raised, before starting."""
        self.wait()
        if not self.background:
            self.store.catch_up(self.library)
            return
        self._thread = threading.Thread(
            target=self._run, name="paperbrowse-import-index", daemon=False
        )
        self._thread.start()

    def _run(self) -> None:
        try:
            self.store.catch_up(self.library)
        except BaseException as exc:  # noqa: BLE001 - raised again by wait()
            self._error = exc

    def wait(self) -> None:
        """Wait for the running catch-up, if any; raise what it raised."""
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join()
        error, self._error = self._error, None
        if error is not None:
            raise error

    def settle(self) -> None:
        """Wait for the running catch-up and drop its error (the import is
        ending with another one; the index catches up at the next open)."""
        try:
            self.wait()
        except BaseException:  # noqa: BLE001 - the import's own error is reported
            logging.getLogger(__name__).debug("index catch-up failed", exc_info=True)


class _Known:
    """What the index holds, to de-duplicate against: the library's stored
    papers (found through its key indexes) and the corpus's papers (in
    memory), the library's copy of a paper first (an import may have
    extended a corpus paper)."""

    def __init__(self, library: Library, corpus: Corpus, db=None) -> None:
        self.library = library
        self.db = db  # one connection for every lookup of the import (None: one each)
        self.corpus = _Batch()
        for paper in load_captures(corpus.files()).papers:
            self.corpus.put(paper)
        #: the stored keys of the papers read ahead (:meth:`read_ahead`), or
        #: ``None``: look every paper up
        self._stored: set[tuple[str, str]] | None = None

    def read_ahead(self, papers: list[Paper]) -> None:
        """Ask the library at once which keys of ``papers`` (the next ones
        :meth:`find` is given) it holds (:meth:`Library.stored_keys`): a
        paper with none of them is not looked up. Asked again after each
        batch is stored (the library changed)."""
        self._stored = self.library.stored_keys(papers, self.db)

    def find(self, paper: Paper) -> Paper | None:
        stored = self._stored
        if stored is None or any(key in stored for key in self.library.lookup_keys(paper)):
            found = self.library.find_stored(paper, self.db)
        else:
            found = None
        if found is None:
            found = self.corpus.find(paper)
            if found is not None and self.library.stored_paper(found.id, self.db) is not None:
                found = None  # the library's copy differs: it was looked up first
        return found


#: Records an import reads before it de-duplicates them: their keys are
#: looked up in the library together (:meth:`_Known.read_ahead`).
READ_AHEAD = 500


def _read_ahead(
    records: Iterable[Record], size: int, interrupted: Callable[[], bool] | None = None
) -> Iterator[list[Record]]:
    """``records`` in lists of ``size``. When reading fails (an exception
    from the importer, or a ``KeyboardInterrupt`` while it reads, or
    ``interrupted()`` true after a record), the records read before it come
    first, then the exception: the batches they complete are stored as they
    were before read-ahead, and the batch being read is dropped whole."""
    records = iter(records)
    while True:
        chunk: list[Record] = []
        failed: BaseException | None = None
        try:  # around the reading only: not around the yield (GeneratorExit)
            for record in records:
                chunk.append(record)
                if interrupted and interrupted():
                    raise KeyboardInterrupt
                if len(chunk) >= size:
                    break
        except BaseException as exc:  # noqa: BLE001 - raised again below
            failed = exc
        if chunk:
            yield chunk
        if failed is not None:
            raise failed
        if len(chunk) < size:
            return


def import_records(
    records: Iterable[Record],
    *,
    locations: Locations,
    corpus: Corpus,
    library: Library,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[ImportSummary], None] | None = None,
    on_wait: Callable[[], None] | None = None,
    interrupted: Callable[[], bool] | None = None,
    on_takeover: Callable[[str], None] | None = None,
) -> ImportSummary:
    """Import a record stream into the library and the index.

    See the module docstring for the steps and the consistency guarantee.

    Args:
        records: papers and errors from an importer, in input order.
        locations: the data directory (index and library).
        corpus: the captures the index is built from, if it must be built.
        library: the library to store the papers in.
        batch_size: papers per transaction and index commit.
        progress: called with the running summary after every record that is
            a multiple of 100 and after every batch.
        on_wait: see :func:`import_lock`.
        interrupted: polled after every record read; true stops the import as
            Ctrl-C does. The CLI passes "a SIGINT arrived": Python drops a
            ``KeyboardInterrupt`` raised while a generator is being finalised
            ("Exception ignored in …", which Whoosh's writer does at commit),
            and the import would otherwise carry on.
        on_takeover: see :func:`import_lock` (a stale lock of a killed import).

    Returns:
        The counts; :attr:`ImportSummary.errors` lists the bad records.

    Raises:
        ImportBusy: another import is running and ``on_wait`` is ``None``.
        SourceUnavailable: the input as a whole cannot be read (raised by the
            importer); batches already stored stay stored and indexed.
        DiskFull: the disk filled up (an ``OSError``, ``ENOSPC``); the batch
            being stored is dropped whole, the index's partial files removed;
            the message says what was stored, ``summary`` counts it.
        ReadOnlyLibrary: the library was opened read-only.
        OSError: the data directory cannot be written.
        ImportInterrupted: on Ctrl-C (a :class:`KeyboardInterrupt`); the batch
            being read is dropped whole, the summary counts the stored ones.
    """
    summary = ImportSummary()
    with import_lock(locations, on_wait, on_takeover):
        store = index_store(locations)
        try:
            open_index(locations, corpus, library=library)  # built, or caught up, first
        except OSError as exc:
            if not is_disk_full(exc):
                raise
            raise _disk_full(exc, locations, library, store, summary) from exc
        batch = _Batch()
        summary.revision = library.revision()
        stored = [replace(summary)]  # the counts as of the last stored batch
        pending: list[ImportSummary | None] = [None]

        indexer = _Indexer(store, library, background=batch_size >= BACKGROUND_FROM)

        def flush() -> None:
            indexer.wait()  # the previous batch indexed (or its error raised) first
            # what will have been stored once the transaction commits; a Ctrl-C
            # between the commit and the next line is told apart by the revision
            pending[0] = replace(summary, committed=summary.read, errors=list(summary.errors))
            if batch:
                summary.revision = library.store_papers(batch.papers.values())
            # the library is the record: from here on the batch counts as imported
            summary.committed = summary.read
            stored[0] = replace(summary, errors=list(summary.errors))
            if batch:
                batch.clear()
                indexer.start()
            if progress:
                progress(summary)

        with library.connect() as lookups:  # the de-duplication lookups' connection
            known = _Known(library, corpus, lookups)
            try:
                for chunk in _read_ahead(records, READ_AHEAD, interrupted):
                    papers = [r for r in chunk if not isinstance(r, SourceError)]
                    known.read_ahead(papers)
                    taken = 0
                    for record in chunk:
                        if isinstance(record, SourceError):
                            summary.errors.append(record)
                        else:
                            _take(record, batch, known, summary)
                            taken += 1
                            if len(batch) >= batch_size:
                                flush()
                                known.read_ahead(papers[taken:])  # the library changed
                                continue
                        if progress and summary.read % 100 == 0:
                            progress(summary)
                flush()
                indexer.wait()
            except KeyboardInterrupt as exc:
                indexer.settle()
                done = stored[0]
                if pending[0] is not None and library.revision() > done.revision:
                    done = pending[0]  # the batch's transaction committed before the interrupt
                raise ImportInterrupted(done) from exc
            except OSError as exc:
                indexer.settle()
                if not is_disk_full(exc):
                    raise
                raise _disk_full(exc, locations, library, store, stored[0]) from exc
            except BaseException:
                indexer.settle()
                raise
        summary.revision = library.revision()
    return summary


def _disk_full(
    exc: OSError, locations: Locations, library: Library, store: IndexStore, done: ImportSummary
) -> DiskFull:
    """The :class:`DiskFull` an import ends with, saying what it stored
    (``done``: the counts as of its last stored batch) and carrying them as
    ``summary``. The failed batch's transaction was rolled back and the index's
    partial segments removed (:meth:`IndexStore.catch_up`)."""
    if not done.committed:
        outcome = "nothing of this import was stored"
    else:
        outcome = f"the first {done.committed} records were stored ({done}), the rest were not"
        current = store.read_current()
        try:
            behind = current is not None and current[1].revision < library.revision()
        except Exception:  # noqa: BLE001 - only the wording depends on it
            behind = False
        if behind:
            outcome += "; the search index adds them when there is room ('paperbrowse index')"
    error = DiskFull.from_error(exc, locations.data_dir, outcome)
    error.summary = done
    return error


def _without_own_tags(paper: Paper, existing: Paper, library: Library) -> Paper:
    """``paper`` without the BibTeX ``keywords`` that are the existing paper's tags.

    paperbrowse writes a bookmark's tags in ``keywords``; re-importing such an
    export must not turn them into a bibliographic field of the paper (a tag
    removed later would come back in every export). Keywords that are not
    tags stay. One library lookup, only for a record that has ``keywords``.
    """
    if not any(name.lower() == "keywords" for name, _ in paper.extra):
        return paper
    mark = library.bookmark(existing.id)
    if mark is None or not mark.tags:
        return paper
    tags = {t.casefold() for t in mark.tags}
    extra = []
    for name, value in paper.extra:
        if name.lower() == "keywords":
            kept = [k.strip() for k in value.split(",") if _word(k) not in tags]
            if not kept:
                continue
            value = ", ".join(kept)
        extra.append((name, value))
    return replace(paper, extra=tuple(extra))


def _word(latex: str) -> str:
    """A keyword as tags are compared: LaTeX decoded, white space collapsed, case-folded."""
    from paperbrowse.core.sources.bibtex import latex_text  # loads pylatexenc's decoder

    return " ".join(latex_text(latex).split()).casefold()


def _take(paper: Paper, batch: _Batch, known: _Known, summary: ImportSummary) -> None:
    """Count ``paper`` as added, updated or skipped, and queue what changes."""
    existing = batch.find(paper)
    if existing is None:
        existing = known.find(paper)
    if existing is None:
        batch.put(paper)
        summary.added += 1
        return
    paper = _without_own_tags(paper, existing, known.library)
    merged = existing.merged_with(paper)
    # the title the user knows stays, unless the record is the user's own reference
    # (it has a citation key: .bib, CSL-JSON, RIS) and more authoritative (a published
    # paper over a listing or preprint): then its title as written, so it exports back
    own = paper.citation_key and authority(paper) > authority(existing)
    title = paper.title if own else existing.title
    if title and merged.title != title:
        merged = replace(merged, title=title)
    if merged == existing:
        summary.skipped += 1
        return
    batch.put(merged)
    summary.updated += 1
