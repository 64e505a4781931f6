"""A segment's postings written a chunk of terms at a time
(:meth:`MemoryPool.write`, :data:`segments.WRITE_POSTINGS`) are the bytes
written all at once."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from whoosh import index as whoosh_index

from paperbrowse.core.engine import segments
from paperbrowse.core.engine.codec import ArrayCodec
from paperbrowse.core.engine.segments import ArraySegmentWriter, MemoryPool
from paperbrowse.core.index import _paper_doc, make_schema
from paperbrowse.core.sources.captures import bundled_corpus_dir, load_captures


@pytest.fixture(scope="module")
def papers():
    return load_captures(sorted(bundled_corpus_dir().glob("*.txt"))).papers


def _segment_files(folder: Path, papers) -> dict[str, str]:
    """SHA-1 of each file (by extension) of the one segment ``papers`` make."""
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), make_schema())
    writer = ArraySegmentWriter(ix, codec=ArrayCodec())
    for pos, paper in enumerate(papers):
        writer.add_document(**_paper_doc(paper, pos))
    writer.commit()
    ix = whoosh_index.open_dir(str(folder))
    (segment,) = ix._segments()
    storage = segment.open_compound_file(ix.storage)
    out = {}
    for name in storage.list():
        with storage.open_file(name) as fh:
            out[name.rsplit(".", 1)[-1]] = hashlib.sha1(fh.read()).hexdigest()
    return out


def test_chunked_writes_give_the_same_segment(tmp_path: Path, papers, monkeypatch) -> None:
    whole = _segment_files(tmp_path / "whole", papers)
    monkeypatch.setattr(segments, "WRITE_POSTINGS", 997)  # many chunks, cut anywhere
    chunked = _segment_files(tmp_path / "chunked", papers)
    # the term dictionary and postings (the columns hold the time of the build)
    assert whole["trm"] and whole["pst"]
    assert (chunked["trm"], chunked["pst"]) == (whole["trm"], whole["pst"])


def test_postings_out_of_document_order_are_refused(tmp_path: Path) -> None:
    pool = MemoryPool()
    pool.add(("title", b"word", 5, 1.0, None))
    pool.add(("title", b"word", 3, 1.0, None))
    with pytest.raises(ValueError, match="document order"):
        pool.write(make_schema(), None, None)
