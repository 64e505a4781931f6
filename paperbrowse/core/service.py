"""Opening paperbrowse's data: the index over the corpus, and the library.

:func:`open_index` is what the CLI and the app call at start: it opens the
live index if it was built from the current corpus with the current schema,
and builds it otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from paperbrowse.core.index import (
    IndexStore,
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
    store = IndexStore(locations.index_root)
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

    Raises:
        OSError: the data directory cannot be written (the message names it).
        RuntimeError: no capture could be read at all (the message lists why).
    """
    store = IndexStore(locations.ensure().index_root)
    stamp = corpus.fingerprint()
    recovered = None
    if not rebuild and store.is_current(stamp):
        try:
            index = store.open()  # checks the generation can be read
            if library is not None:
                # never wait for a running import: it catches the index up itself
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
    )
    return OpenedIndex(
        index,
        built=True,
        capture_errors=loaded.errors,
        entries=loaded.entries,
        recovered=recovered,
    )
