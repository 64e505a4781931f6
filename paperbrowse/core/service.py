"""Opening paperbrowse's data: the index over the corpus, and the library.

:func:`open_index` is what the CLI and the app call at start: it opens the
live index if it was built from the current corpus with the current schema,
and builds it otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from paperbrowse.core.index import IndexStore, IndexUnavailable, PaperIndex, ProgressCallback
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
    """

    index: PaperIndex
    built: bool
    capture_errors: list[CaptureError] = field(default_factory=list)
    entries: int = 0


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
    rebuild: bool = False,
    progress: ProgressCallback | None = None,
    is_cancelled: Callable[[], bool] | None = None,
) -> OpenedIndex:
    """Open the index for ``corpus``, building it first if needed.

    Args:
        locations: where the index lives.
        corpus: the captures it must reflect.
        rebuild: build even if the live index is current.
        progress: ``progress(done, total)`` in documents, during a build.
        is_cancelled: see :meth:`IndexStore.build`.

    Raises:
        OSError: the data directory cannot be written (the message names it).
        RuntimeError: no capture could be read at all (the message lists why).
    """
    store = IndexStore(locations.ensure().index_root)
    stamp = corpus.fingerprint()
    if not rebuild and store.is_current(stamp):
        try:
            return OpenedIndex(store.open(), built=False)
        except IndexUnavailable:
            pass  # damaged: fall through and rebuild from the captures
    loaded = load_captures(corpus.files())
    if not loaded.papers:
        reasons = (
            "; ".join(str(e) for e in loaded.errors) or f"no *.txt captures in {corpus.folder}"
        )
        raise RuntimeError(f"nothing to index: {reasons}")
    index = store.build(loaded.papers, stamp, progress=progress, is_cancelled=is_cancelled)
    return OpenedIndex(index, built=True, capture_errors=loaded.errors, entries=loaded.entries)
