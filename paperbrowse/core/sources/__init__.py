"""Input formats: each module turns one kind of input into ``Paper`` records."""

from paperbrowse.core.sources.captures import (
    CaptureError,
    CorpusLoad,
    bundled_corpus_dir,
    load_captures,
    parse_capture,
)

__all__ = ["CaptureError", "CorpusLoad", "bundled_corpus_dir", "load_captures", "parse_capture"]
