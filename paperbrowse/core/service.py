"""Opening paperbrowse's data: the index over the corpus, and the library.

:func:`open_index` is what the CLI and the app call at start: it opens the
live index if it was built from the current corpus with the current schema,
and builds it otherwise.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from paperbrowse.core.fulltext import index_store
from paperbrowse.core.index import (
    IndexUnavailable,
    PaperIndex,
    PaperSource,
    ProgressCallback,
)
from paperbrowse.core.locations import Locations
from paperbrowse.core.sources.captures import (
    CaptureError,
    bundled_corpus_dir,
    corpus_files,
    fingerprint,
    load_captures,
)


@dataclass
class OpenedIndex:
    """An index ready to search, and how it came to be.

    Attributes:
        index: the searchable index.
        built: True if it was (re)built by this call.
        capture_errors: captures that could not be read during the build.
        entries: entries read from the captures during a build (0 if opened).
        recovered: why the live index could not be used and was rebuilt (a
            damaged generation), else ``None``. Bookmarks and imported papers
            live in the library, so a rebuild loses nothing.
    """

    index: PaperIndex
    built: bool
    capture_errors: list[CaptureError] = field(default_factory=list)
    entries: int = 0
    recovered: str | None = None


@dataclass(frozen=True)
class Corpus:
    """The captures to index.

    Attributes:
        folder: folder of ``*.txt`` captures (the bundled corpus by default).
    """

    folder: Path

    @classmethod
    def bundled(cls) -> Corpus:
        return cls(bundled_corpus_dir())

    def files(self) -> list[Path]:
        return corpus_files(self.folder)

    def fingerprint(self) -> str:
        return fingerprint(self.files())


def needs_build(locations: Locations, corpus: Corpus) -> bool:
    """True if the live index is missing, stale or of an older schema."""
    store = index_store(locations)
    if not store.is_current(corpus.fingerprint()):
        return True
    try:
        store.open()
    except IndexUnavailable:
        return True
    return False


def open_index(
    locations: Locations,
    corpus: Corpus,
    *,
    library: PaperSource | None = None,
    rebuild: bool = False,
    progress: ProgressCallback | None = None,
    is_cancelled: Callable[[], bool] | None = None,
    on_wait: Callable[[], None] | None = None,
    damaged: str | None = None,
) -> OpenedIndex:
    """Open the index for ``corpus`` and ``library``, building it first if needed.

    The index holds the corpus's papers and the papers imported into the
    library (``paperbrowse add``); a stored paper replaces the corpus paper
    with the same id (an import merged metadata into it). When the live index
    is current but the library has moved on (an import was interrupted after
    storing its papers, or ran without updating this index), the new papers
    are added incrementally (:meth:`IndexStore.catch_up`), not rebuilt;
    unless another process is writing the index (an import running now):
    then the live generation opens as it is, without waiting for that
    writer, which catches the index up itself.

    Args:
        locations: where the index lives.
        corpus: the captures it must reflect.
        library: the library whose stored papers the index must also hold;
            ``None`` indexes the corpus only.
        rebuild: build even if the live index is current.
        progress: ``progress(done, total)`` in documents, during a build.
        is_cancelled: see :meth:`IndexStore.build`.
        on_wait: called before a build waits for another process writing
            the index (see :meth:`IndexStore.build`).
        damaged: why the live generation is known to be damaged (found by
            :func:`check_data`): it is rebuilt, and removed, as one found
            damaged on opening is.

    Raises:
        OSError: the data directory cannot be written (the message names it).
        RuntimeError: no capture could be read at all (the message lists why).
    """
    store = index_store(locations.ensure())
    stamp = corpus.fingerprint()
    recovered = damaged
    if not rebuild and damaged is None and store.is_current(stamp):
        try:
            index = store.open()  # checks the generation can be read
            if library is not None:
                # never wait for a running import: it catches the index up itself
                # a full disk or a read-only data directory (OSError): search what
                # the index holds (its partial files are removed); a later open catches up
                with contextlib.suppress(OSError):
                    store.catch_up(library, progress=progress, wait=False)
            return OpenedIndex(index, built=False)
        except IndexUnavailable as exc:
            recovered = str(exc)  # damaged: rebuild from the captures and the library
    loaded = load_captures(corpus.files())
    papers = loaded.papers
    revision = 0
    if library is not None:
        revision = library.revision()  # read first: a later store is caught up next time
        by_id = {paper.id: paper for paper in papers}
        for _, stored in library.stored_papers():
            by_id[stored.id] = stored
        papers = list(by_id.values())
    if not papers:
        reasons = (
            "; ".join(str(e) for e in loaded.errors) or f"no *.txt captures in {corpus.folder}"
        )
        raise RuntimeError(f"nothing to index: {reasons}")
    index = store.build(
        papers,
        stamp,
        revision=revision,
        progress=progress,
        is_cancelled=is_cancelled,
        on_wait=on_wait,
        replaces_damaged=recovered is not None,
    )
    return OpenedIndex(
        index,
        built=True,
        capture_errors=loaded.errors,
        entries=loaded.entries,
        recovered=recovered,
    )


@dataclass
class CheckReport:
    """What :func:`check_data` found.

    Attributes:
        library: problems of the library database (SQLite ``integrity_check``),
            empty when sound.
        index: problems of the live index generation (files whose checksum
            differs from the one written at commit, or that Whoosh cannot read).
        counts: disagreements between the index and its sources (papers the
            index should hold but does not, an index behind the library).
        index_docs: papers in the index (0 when it cannot be opened).
        library_papers: papers stored in the library by imports.
        files_checked: index files whose checksums were compared.
        missing_pdfs: attached PDFs whose file is gone, as ``"ID: PATH"``
            (reported, not a problem of the data: ``ok`` ignores them).
    """

    library: list[str] = field(default_factory=list)
    index: list[str] = field(default_factory=list)
    counts: list[str] = field(default_factory=list)
    index_docs: int = 0
    library_papers: int = 0
    files_checked: int = 0
    missing_pdfs: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing is wrong."""
        return not (self.library or self.index or self.counts)


def library_integrity(path: Path) -> list[str]:
    """SQLite's ``PRAGMA integrity_check`` of the library file, opened read-only
    (``mode=ro``: nothing is written, a damaged file is never "repaired"; in a
    folder that cannot be written, ``immutable=1`` as well, since SQLite could
    not create the WAL's shared-memory file).

    Returns:
        The problems SQLite lists (empty when it says ``ok``), or the reason
        the file cannot be opened; empty when there is no library yet.
    """
    import sqlite3

    if not path.exists():
        return []

    def integrity(options: str) -> list:
        connection = sqlite3.connect(f"{path.as_uri()}?{options}", uri=True)
        try:
            return connection.execute("PRAGMA integrity_check").fetchall()
        finally:
            connection.close()

    try:
        try:
            rows = integrity("mode=ro")
        except sqlite3.OperationalError as exc:
            if os.access(path.parent, os.W_OK) or "readonly" not in str(exc):
                raise
            # a WAL library in a folder that cannot be written: SQLite cannot make
            # its shared-memory file; nothing else writes it, so read it as it is
            rows = integrity("mode=ro&immutable=1")
    except sqlite3.Error as exc:
        return [f"{path}: {exc}"]
    problems = [str(row[0]) for row in rows if row and row[0] != "ok"]
    return [f"{path}: {p}" for p in problems]


def check_data(locations: Locations, corpus: Corpus, library=None) -> CheckReport:
    """Check the library and the index, reading everything once (``paperbrowse check``).

    * the library: SQLite ``integrity_check`` (:func:`library_integrity`);
    * the index: every segment and table-of-contents file of the live
      generation against the CRC-32 written at its commit
      (:func:`~paperbrowse.core.engine.segments.verify_manifest` with ``full=True``),
      then Whoosh opens it and reads every stored document;
    * counts: the index must hold every paper of the corpus and every paper
      stored in the library (by id), and record the library's revision;
    * attached PDFs whose file is gone are listed (``missing_pdfs``).

    Nothing is changed. Cost: reading the index's files once (CRC-32 runs at
    about 1 GB/s) plus every stored document.

    Args:
        locations: the data directory.
        corpus: the captures the index is built from.
        library: the :class:`~paperbrowse.core.library.Library` (``None``: the
            library checks are skipped).
    """
    import json

    from whoosh import index as whoosh_index

    from paperbrowse.core.engine.segments import read_manifest, verify_manifest

    report = CheckReport()
    report.library = library_integrity(locations.library_path)
    if library is not None and not report.library:
        report.missing_pdfs = [
            f"{found.paper_id}: {found.path}"
            for found in library.attachments()
            if not found.path.is_file()
        ]
    store = index_store(locations)
    current = store.read_current()
    if current is None:
        report.index.append(f"no index in {locations.index_root}")
        return report
    folder, stamp = current
    report.files_checked = len(read_manifest(folder) or {})
    report.index = verify_manifest(folder, full=True)
    if report.index:
        return report
    ids: set[str] = set()
    try:
        ix = whoosh_index.open_dir(str(folder))
        with ix.searcher() as searcher:
            for fields in searcher.all_stored_fields():
                ids.add(fields["id"])
                json.loads(fields["data"])
        report.index_docs = len(ids)
    except Exception as exc:  # noqa: BLE001 - whoosh raises many types on damage
        report.index.append(f"{folder}: cannot be read ({type(exc).__name__}: {exc})")
        return report
    expected = {p.id for p in load_captures(corpus.files()).papers}
    if library is not None:
        stored = {paper.id for _, paper in library.stored_papers()}
        report.library_papers = len(stored)
        expected |= stored
        if stamp.revision < library.revision():
            report.counts.append(
                f"the index is at library revision {stamp.revision}, the library at "
                f"{library.revision()}: 'paperbrowse index' catches it up"
            )
    missing = expected - ids
    if missing:
        report.counts.append(
            f"{len(missing)} papers of the corpus and library are not in the index "
            f"(e.g. {sorted(missing)[0]}): 'paperbrowse index --rebuild' rebuilds it"
        )
    return report
