"""Per-document values written a column at a time (``segments.PerDocBuffer``,
issue 20): the segment's files are the ones Whoosh's per-document writer
writes a document at a time, byte for byte — stored fields, field lengths and
columns, with values missing from some documents, trailing defaults, several
flushes and a document that goes Whoosh's own way in the middle."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from generated import generated_papers
from whoosh import index as whoosh_index

from paperbrowse.core.engine import segments
from paperbrowse.core.engine.codec import ArrayCodec
from paperbrowse.core.engine.segments import ArraySegmentWriter
from paperbrowse.core.schema import make_schema, paper_doc


@pytest.fixture(scope="module")
def docs():
    out = []
    for pos, paper in enumerate(generated_papers(300, seed=5)):
        doc = paper_doc(paper, pos)
        if pos % 7 == 0:
            doc.pop("org", None)  # a column some documents lack
        if pos % 11 == 0:
            doc.pop("year", None)
            doc["abstract"] = ""  # no length
        if pos >= 290:
            doc["upvotes"] = 0  # the default, at the end (Whoosh writes none)
            doc.pop("org", None)
        out.append(doc)
    out[150]["_stored_id"] = "a custom stored value"  # goes Whoosh's own way
    return out


def _segment_files(folder: Path, docs, batch: bool, monkeypatch) -> tuple[dict, int]:
    monkeypatch.setattr(segments, "PERDOC_BATCH", batch)
    monkeypatch.setattr(segments, "PENDING_DOCS", 37)  # several flushes, uneven
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), make_schema())
    writer = ArraySegmentWriter(ix, codec=ArrayCodec())
    buffered = writer._perdoc_buffer() is not None
    for doc in docs:
        writer.add_document(**doc)
    writer.commit(merge=False)
    ix = whoosh_index.open_dir(str(folder))
    (segment,) = ix._segments()
    with ix.reader() as reader:
        storage = reader._storage.a  # the segment's compound file
        prefix = segment.segment_id()
        files = {
            name.removeprefix(prefix): hashlib.sha1(storage.open_file(name).read()).hexdigest()
            for name in storage.list()
        }
        stored = list(reader.all_stored_fields())
        lengths = {f: reader.field_length(f) for f in ("title", "abstract", "spell")}
    return (files, stored, lengths), buffered


def test_buffered_per_document_values_are_whoosh_s_bytes(tmp_path, docs, monkeypatch):
    ours, buffered = _segment_files(tmp_path / "batch", docs, True, monkeypatch)
    theirs, unbuffered = _segment_files(tmp_path / "per-doc", docs, False, monkeypatch)
    assert buffered and not unbuffered
    files, stored, lengths = ours
    assert len(files) > 8  # stored fields, lengths and columns among them
    assert files == theirs[0]
    assert stored == theirs[1] and stored[150]["id"] == "a custom stored value"
    assert lengths == theirs[2] and lengths["abstract"] > 0
