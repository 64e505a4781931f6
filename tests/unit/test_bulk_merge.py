"""The array merge of postings (``engine/bulkmerge.py``, issue 20) writes the
segment the term-at-a-time merge writes, byte for byte: the same term
dictionary entries (keys and ``W3TermInfo`` bytes) and the same postings
file — with deleted documents, small chunks that split the terms of a
field and of a segment's buffer, and a field only some segments have."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from generated import generated_papers
from whoosh import index as whoosh_index
from whoosh.reading import SegmentReader

from paperbrowse.core.engine import bulkmerge, merging
from paperbrowse.core.engine import whoosh_compat as wc
from paperbrowse.core.engine.codec import ArrayCodec
from paperbrowse.core.engine.segments import ArraySegmentWriter
from paperbrowse.core.schema import make_schema, paper_doc

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def papers():
    return generated_papers(500, seed=11)


def _segment_bytes(ix, segment) -> tuple[list[tuple[bytes, bytes]], str, dict, dict]:
    """``(term dictionary entries, digest of the postings file, field numbers,
    digest of every file of the segment by name without the segment's id)``."""
    reader = SegmentReader(ix.storage, ix.schema, segment)
    try:
        terms = wc.segment_terms(reader)
        tindex, fieldmap = wc.terms_index(terms)
        entries = [(bytes(k), bytes(v)) for k, v in tindex.items()]
        postings = hashlib.sha1(bytes(wc.file_buffer(wc.terms_postfile(terms)))).hexdigest()
        storage = reader._storage.a  # the segment's compound file (an overlay: a, then the folder)
        prefix = segment.segment_id()
        files = {
            name.removeprefix(prefix): hashlib.sha1(storage.open_file(name).read()).hexdigest()
            for name in storage.list()
        }
        return entries, postings, dict(fieldmap), files
    finally:
        reader.close()


def _merged(folder: Path, papers, bulk: bool, monkeypatch) -> tuple:
    """Three segments of ``papers`` (two documents deleted; the last segment
    without DOIs), merged with the array merge or term by term."""
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), make_schema())
    parts = [papers[:200], papers[200:260], papers[260:]]
    pos = 0
    for n, part in enumerate(parts):
        writer = ArraySegmentWriter(ix, codec=ArrayCodec())
        for paper in part:
            doc = paper_doc(paper, pos)
            if n == 2:
                doc.pop("doi", None)
            writer.add_document(**doc)
            pos += 1
        writer.commit(merge=False)
    writer = ix.writer()
    writer.delete_document(3)
    writer.delete_document(230)
    writer.commit(merge=False)
    ix = whoosh_index.open_dir(str(folder))
    with monkeypatch.context() as patch:
        patch.setattr(merging, "BULK", bulk)
        patch.setattr(merging, "MERGE_CHUNK", 5_000)  # many chunks
        patch.setattr(bulkmerge, "CHUNK_TERMS", 900)  # 300 a segment: buffers end inside fields
        patch.setattr(bulkmerge, "CHECK_TERMS", 1000)
        if bulk:
            patch.setattr(
                merging,
                "_merge_term_by_term",
                lambda *a: pytest.fail("the array merge fell back to the term-by-term one"),
            )
        writer = ArraySegmentWriter(ix, codec=ArrayCodec())
        merged = merging.merge_segments(writer, ix._segments())
        writer.cancel()
    return _segment_bytes(ix, merged), merged.doc_count()


def test_the_array_merge_writes_the_term_by_term_merge_s_bytes(tmp_path, papers, monkeypatch):
    ours, docs = _merged(tmp_path / "bulk", papers, True, monkeypatch)
    theirs, _ = _merged(tmp_path / "terms", papers, False, monkeypatch)
    assert docs == len(papers) - 2
    entries, postings, fieldmap, _ = ours
    assert len(entries) > 1_000 and "doi" in fieldmap
    assert entries == theirs[0]
    assert postings == theirs[1]
    assert fieldmap == theirs[2]
    # stored fields, field lengths and columns, copied a column at a time
    assert ours[3] == theirs[3] and len(ours[3]) > 5


def test_a_merge_copies_columns_a_column_at_a_time(tmp_path, papers, monkeypatch):
    """Segments without deletions have their per-document data copied a
    column at a time (those with a deleted document, a document at a time)."""
    copied = []
    original = merging._copy_columns

    def spy(out, fieldnames, reader, perdoc):
        done = original(out, fieldnames, reader, perdoc)
        copied.append(done)
        return done

    monkeypatch.setattr(merging, "_copy_columns", spy)
    _merged(tmp_path / "bulk", papers, True, monkeypatch)
    assert copied == [False, False, True]  # the first two segments have deletions


def test_a_segment_the_array_merge_cannot_read_goes_term_by_term(tmp_path, papers, monkeypatch):
    """A segment whose records it does not know (here: made to look so)
    sends the whole merge the old way, before anything is written."""
    calls = []
    original = merging._merge_term_by_term

    def term_by_term(*args):
        calls.append(1)
        return original(*args)

    monkeypatch.setattr(merging, "_merge_term_by_term", term_by_term)
    monkeypatch.setattr(bulkmerge, "_VCODE", {0: 255, 1: 255, 2: 255})
    folder = tmp_path / "fallback"
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), make_schema())
    for part in (papers[:50], papers[50:100]):
        writer = ArraySegmentWriter(ix, codec=ArrayCodec())
        for pos, paper in enumerate(part):
            writer.add_document(**paper_doc(paper, pos))
        writer.commit(merge=False)
    ix = whoosh_index.open_dir(str(folder))
    writer = ArraySegmentWriter(ix, codec=ArrayCodec())
    merged = merging.merge_segments(writer, ix._segments())
    writer.cancel()
    assert calls == [1]
    assert merged.doc_count() == 100


def test_segment_files_start_on_cache_lines(tmp_path, papers):
    """A compound segment's files (postings, term dictionary, columns) start
    at multiples of 64 bytes, so the arrays a search maps from them are aligned."""
    from whoosh.filedb.compound import CompoundStorage

    folder = tmp_path / "aligned"
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), make_schema())
    writer = ArraySegmentWriter(ix, codec=ArrayCodec())
    for pos, paper in enumerate(papers[:40]):
        writer.add_document(**paper_doc(paper, pos))
    writer.commit(merge=False)
    (segment,) = whoosh_index.open_dir(str(folder))._segments()
    with ix.storage.open_file(segment.make_filename(".seg")) as fh:
        compound = CompoundStorage(fh, use_mmap=False)
        offsets = {name: entry["offset"] for name, entry in compound._dir.items()}
    assert len(offsets) > 5
    assert all(offset % 64 == 0 for offset in offsets.values()), offsets


def test_a_merge_lets_go_of_each_segment_s_pages_once_it_is_checked(tmp_path, papers, monkeypatch):
    """Checking a segment's dictionary reads a header in every record (every
    page of its postings): its pages are let go before the next segment is
    checked, so a worker's merge of many segments does not hold them all."""
    events = []
    built = bulkmerge._Dictionary.__init__
    dropped = merging._drop_pages

    def build(self, reader, *args):
        built(self, reader, *args)
        events.append(("checked", id(reader)))

    def drop(reader):
        events.append(("dropped", id(reader)))
        dropped(reader)

    monkeypatch.setattr(bulkmerge._Dictionary, "__init__", build)
    monkeypatch.setattr(merging, "_drop_pages", drop)
    _merged(tmp_path / "bulk", papers, True, monkeypatch)
    checks = [n for n, (what, _) in enumerate(events) if what == "checked"]
    assert len(checks) == 3
    for n in checks:  # each check is followed at once by letting go of that segment
        assert events[n + 1] == ("dropped", events[n][1])


def test_each_round_of_the_merge_starts_with_every_buffer_at_least_half_full(
    tmp_path, papers, monkeypatch
):
    """A round writes the keys up to the smallest last key of the buffers: a
    buffer left nearly empty by the round before held every segment's round
    to a few terms (with n segments, ~n times as many rounds)."""
    rounds = []
    numbered = bulkmerge._numbered

    def checked(union, dicts, take):
        rounds.append(all(len(d.keys) * 2 >= d.buffer or d.ends_segment() for d in dicts if d.keys))
        return numbered(union, dicts, take)

    monkeypatch.setattr(bulkmerge, "_numbered", checked)
    ours, _ = _merged(tmp_path / "bulk", papers, True, monkeypatch)
    assert len(rounds) > 5 and all(rounds)
    assert ours == _merged(tmp_path / "terms", papers, False, monkeypatch)[0]
