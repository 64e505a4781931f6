"""Old path of :mod:`paperbrowse.core.engine.codec`, kept because indexes written before the
move name these classes in their pickled table of contents; import from the engine instead."""

from paperbrowse.core.engine.codec import ArrayCodec, CompactPositions, MemoFrequency, PaperCodec

__all__ = ["ArrayCodec", "CompactPositions", "MemoFrequency", "PaperCodec"]
