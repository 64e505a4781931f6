"""Postings spilled to sorted runs (``engine/runs.py``, issue 20): a segment
whose writer spilled its postings is, byte for byte, the segment one writer
holding everything writes, and the one merging segments writes — with chunks
and term buffers small enough to end inside fields and runs; its run files
are gone once it is written or cancelled, and a damaged run is named."""

from __future__ import annotations

from pathlib import Path

import pytest
from generated import generated_papers
from test_bulk_merge import _segment_bytes
from whoosh import index as whoosh_index
from whoosh.filedb.filestore import RamStorage

from paperbrowse.core.engine import bulkmerge, merging, runs
from paperbrowse.core.engine import whoosh_compat as wc
from paperbrowse.core.engine.codec import ArrayCodec
from paperbrowse.core.engine.runs import Run
from paperbrowse.core.engine.segments import ArraySegmentWriter
from paperbrowse.core.schema import make_schema, paper_doc

#: Where each build below spills (or, merging, starts a new segment): after these documents.
CUTS = (120, 300, 420)


@pytest.fixture(scope="module")
def docs():
    docs = [paper_doc(p, n) for n, p in enumerate(generated_papers(600, seed=11))]
    for doc in docs[300:420]:
        doc.pop("doi", None)  # a field one run lacks
    return docs


def _build(ix, docs, how: str):
    """One segment of ``docs``: written whole, with spills at :data:`CUTS`,
    or as segments cut there and merged."""
    writer = wc.unlocked_writer(ArraySegmentWriter, ix, codec=ArrayCodec())
    written = []
    for n, doc in enumerate(docs, 1):
        writer.add_document(**doc)
        if n in CUTS and how == "spill":
            writer.spill_postings()
        elif n in CUTS and how == "merge":
            wc.skip_term_hashes(writer)
            written.append(wc.finalize_segment(writer))
            writer = wc.unlocked_writer(ArraySegmentWriter, ix, codec=ArrayCodec())
    written.append(wc.finalize_segment(writer))
    if how == "merge":
        return merging.merge_segments(writer, written)
    assert len(written) == 1
    return written[0]


def _index(folder: Path):
    folder.mkdir()
    return whoosh_index.create_in(str(folder), make_schema())


def test_a_spilled_segment_is_the_one_segment_and_the_merged_segments_byte_for_byte(
    tmp_path, docs, monkeypatch
):
    monkeypatch.setattr(runs, "CHUNK", 3_000)  # many chunks
    monkeypatch.setattr(bulkmerge, "CHUNK_TERMS", 1_200)  # 300 a run: buffers end inside fields
    got = {}
    for how in ("whole", "spill", "merge"):
        ix = _index(tmp_path / how)
        segment = _build(ix, docs, how)
        assert segment.doc_count() == len(docs)
        got[how] = _segment_bytes(ix, segment)
    assert got["spill"] == got["whole"]
    assert got["spill"] == got["merge"]
    assert not list((tmp_path / "spill").glob("*.run*"))


def test_a_spill_writes_a_run_file_named_after_the_segment(tmp_path, docs):
    ix = _index(tmp_path / "ix")
    writer = wc.unlocked_writer(ArraySegmentWriter, ix, codec=ArrayCodec())
    for doc in docs[:50]:
        writer.add_document(**doc)
    writer.spill_postings()
    assert len(writer.pool) == 0 and writer.pool.memory == 0
    run_files = list((tmp_path / "ix").glob("*.run*"))
    assert [f.name for f in run_files] == [writer.get_segment().segment_id() + ".run0"]
    run = writer.pool.runs[0]
    # keys in order, each term's postings in document order
    run.buffer = run.size
    run.fill()
    assert run.keys == sorted(run.keys) and len(run.keys) == run.size
    starts = run.read("starts", 0, run.size + 1)
    for k in range(0, run.size, 97):
        docs_of_term = run.read("doc", int(starts[k]), int(starts[k + 1]))
        assert len(docs_of_term) and (docs_of_term[1:] > docs_of_term[:-1]).all()
    writer.cancel()  # Whoosh's cancel cleans the pool up: the run's file goes too
    assert not list((tmp_path / "ix").glob("*.run*"))


def _ram_index(docs, spill_every: int | None) -> list:
    """Every term of ``docs`` indexed in memory, with its document frequency."""
    ix = RamStorage().create_index(make_schema())
    writer = wc.unlocked_writer(ArraySegmentWriter, ix, codec=ArrayCodec())
    for n, doc in enumerate(docs, 1):
        writer.add_document(**doc)
        if spill_every and n % spill_every == 0:
            writer.spill_postings()
    if spill_every:
        assert len(writer.pool.runs) == len(docs) // spill_every
        assert all(run.path is None for run in writer.pool.runs)
    writer.commit(merge=False)
    with ix.searcher() as searcher:
        reader = searcher.reader()
        assert searcher.document_number(id=docs[150]["id"]) == 150
        return [(f, t, reader.doc_frequency(f, t)) for f, t in reader.all_terms()]


def test_storage_without_a_folder_keeps_its_runs_in_memory(docs):
    terms = _ram_index(docs[:200], 70)
    assert len(terms) > 1000
    assert terms == _ram_index(docs[:200], None)


def test_a_damaged_run_is_named(tmp_path):
    run = Run.write(
        str(tmp_path / "x.run0"),
        [runs.merge_key(0, b"a"), runs.merge_key(0, b"b")],
        [0, 1, 3],
        [0, 0, 1],
        [1.0, 1.0, 2.0],
        [4, 4, 4],
        bytes(12),
    )
    assert run.size == 2 and run.df(2).tolist() == [1, 2]
    run.close(remove=False)
    data = (tmp_path / "x.run0").read_bytes()
    (tmp_path / "x.run0").write_bytes(data[:-8])
    with pytest.raises(ValueError, match="x.run0"):
        Run.open(str(tmp_path / "x.run0"))
    (tmp_path / "y.run0").write_bytes(b"not a run at all, no")
    with pytest.raises(ValueError, match="y.run0"):
        Run.open(str(tmp_path / "y.run0"))
