"""The parallel index writer: same index as one process, clean cancel, no
orphaned workers, imports that replace papers."""

from __future__ import annotations

import io
import multiprocessing
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest

from paperbrowse.core.engine import merging, writing
from paperbrowse.core.engine.codec import ArrayCodec, MappedFile, MappedStorage, MemoryReader
from paperbrowse.core.engine.tables import _numbers
from paperbrowse.core.index import BuildCancelled, IndexStore, PaperIndex
from paperbrowse.core.library import Library
from paperbrowse.core.sources.captures import bundled_corpus_dir, corpus_files, load_captures

QUERIES = ["diffusion", "latent diffusion", '"language model"', "video~", "year:2024", ""]


@pytest.fixture(scope="module")
def papers():
    return load_captures(corpus_files(bundled_corpus_dir())).papers


@pytest.fixture
def parallel(monkeypatch):
    """Make every write parallel, whatever its size."""
    monkeypatch.setattr(writing, "PARALLEL_FROM", 1)
    monkeypatch.setattr(writing, "BATCH", 16)


def answers(index: PaperIndex) -> dict[str, tuple]:
    out = {}
    for text in QUERIES:
        results = index.search(text, limit=None, facets=True)
        out[text] = (results.total, {h.paper.id for h in results.hits}, results.facets)
    return out


def segments(index: PaperIndex) -> int:
    return len(index._ix._segments())


def test_a_parallel_build_finds_what_one_process_finds(tmp_path: Path, papers, monkeypatch):
    single = IndexStore(tmp_path / "single").build(papers, "c")
    assert segments(single) == 1
    monkeypatch.setattr(writing, "PARALLEL_FROM", 1)
    monkeypatch.setattr(writing, "BATCH", 16)
    many = IndexStore(tmp_path / "many").build(papers, "c")
    assert segments(many) == writing.worker_count() >= 2
    assert many.doc_count() == single.doc_count() == len(papers)
    assert answers(many) == answers(single)
    # relevance is the same too: BM25F statistics are index-wide
    for text in ("latent diffusion", "video generation"):
        first = [h.paper.id for h in single.search(text, limit=5).hits]
        assert [h.paper.id for h in many.search(text, limit=5).hits] == first
    assert not multiprocessing.active_children()


def test_a_worker_spills_or_starts_a_new_segment_when_its_postings_pass_the_memory_limit(
    tmp_path: Path, papers, monkeypatch
):
    single = IndexStore(tmp_path / "single").build(papers, "c")
    monkeypatch.setattr(writing, "PARALLEL_FROM", 1)
    monkeypatch.setattr(writing, "BATCH", 16)
    monkeypatch.setattr(writing, "LIMIT_MB", 0.25)  # a few dozen papers a segment
    monkeypatch.setattr(writing, "SPILL_RUNS", False)
    monkeypatch.setattr(writing, "MERGE_IN_WORKERS", False)
    many = IndexStore(tmp_path / "many").build(papers, "c")
    assert segments(many) > 2 * writing.worker_count()
    # segments a worker merges into one
    monkeypatch.setattr(writing, "MERGE_IN_WORKERS", True)
    merged = IndexStore(tmp_path / "merged").build(papers, "c")
    assert segments(merged) == writing.worker_count()
    # by default one segment a worker, its postings spilled to runs (the
    # spills themselves: test_a_worker_spills_its_postings_...)
    monkeypatch.setattr(writing, "SPILL_RUNS", True)
    spilled = IndexStore(tmp_path / "spilled").build(papers, "c")
    assert segments(spilled) == writing.worker_count()
    assert not list((tmp_path / "spilled").rglob("*.run*"))  # merged into the segments
    for index in (many, merged, spilled):
        assert index.doc_count() == len(papers)
        assert answers(index) == answers(single)
        for text in ("latent diffusion", '"video generation"'):
            first = [(h.paper.id, round(h.score, 9)) for h in single.search(text, limit=5).hits]
            got = [(h.paper.id, round(h.score, 9)) for h in index.search(text, limit=5).hits]
            assert got == first
    assert postings_by_paper(merged) == postings_by_paper(single)
    assert postings_by_paper(spilled) == postings_by_paper(single)


def test_segments_are_written_and_read_with_the_paper_codec(tmp_path: Path, papers, parallel):
    index = IndexStore(tmp_path).build(papers, "c")
    assert all(isinstance(s.codec(), ArrayCodec) for s in index._ix._segments())
    with index._ix.searcher() as searcher:
        reader = searcher.reader()
        leaf, base = next(iter(reader.leaf_readers()))
        lengths = leaf._perdoc.length_bytes("title")
        assert len(lengths) == leaf.doc_count_all()
        assert leaf.doc_field_length(0, "title") > 0


def test_segment_files_are_read_in_place_not_copied(tmp_path: Path, papers):
    # Whoosh's BufferFile copied every file of a compound segment into a
    # BytesIO at open: 1.5 s and 500 MB per reader at 100,000 papers.
    index = IndexStore(tmp_path).build(papers, "c")
    with index._ix.searcher() as searcher:
        leaf, _ = next(iter(searcher.reader().leaf_readers()))
        assert isinstance(leaf._terms._postfile, MappedFile)
        assert isinstance(leaf._terms._tindex.dbfile, MappedFile)
        assert isinstance(leaf._perdoc._storage, MappedStorage)
    assert answers(index) == answers(IndexStore(tmp_path / "again").build(papers, "c"))


def test_a_memory_reader_reads_as_a_bytes_file_does():
    data = pickle.dumps({"a": [1, 2, 3]}) + b"line one\nline two\nend"
    mine, theirs = MemoryReader(memoryview(data)), io.BytesIO(data)
    assert pickle.load(mine) == pickle.load(theirs)
    assert mine.tell() == theirs.tell()
    assert mine.readline() == theirs.readline() == b"line one\n"
    assert mine.read(4) == theirs.read(4)
    assert mine.seek(-3, 2) == theirs.seek(-3, 2)
    assert mine.read() == theirs.read() == b"end"
    assert mine.read(10) == theirs.read(10) == b""
    mine.seek(2)
    buf = bytearray(5)
    assert mine.readinto(buf) == 5 and bytes(buf) == data[2:7]


def test_numeric_columns_read_in_bulk_equal_whooshs_values(tmp_path: Path, papers):
    # the last papers have no year: the column stops short of the segment's end
    dated = sorted(papers, key=lambda p: p.published is None)
    undated = [replace(p, published=None) for p in dated[-5:]]
    index = IndexStore(tmp_path).build(dated[:-5] + undated, "c")
    with index._ix.searcher() as searcher:
        for leaf, _ in searcher.reader().leaf_readers():
            for name in ("year", "date", "upvotes", "pos"):
                assert _numbers(leaf, name) == list(leaf.column_reader(name)), name
            assert _numbers(leaf, "org") is None  # not numeric: read value by value
            assert _numbers(leaf, "year")[-1] == list(leaf.column_reader("year"))[-1]


def test_a_build_from_a_threaded_process_uses_the_forkserver(tmp_path: Path, papers, parallel):
    """The app builds in a worker thread: forking it could copy a held lock."""
    started = threading.Event()
    stop = threading.Event()
    other = threading.Thread(target=lambda: (started.set(), stop.wait()), daemon=True)
    other.start()
    started.wait()
    try:
        assert writing._context().get_start_method() in ("forkserver", "spawn")
        with ThreadPoolExecutor(1) as pool:
            index = pool.submit(IndexStore(tmp_path).build, papers, "c").result(timeout=300)
    finally:
        stop.set()
    assert index.doc_count() == len(papers) and segments(index) >= 2


def test_cancelling_a_parallel_build_stops_its_workers(tmp_path: Path, papers, parallel):
    store = IndexStore(tmp_path)
    live = store.build(papers[:50], "old")
    calls = iter(range(10**6))
    with pytest.raises(BuildCancelled):
        store.build(papers, "new", is_cancelled=lambda: next(calls) > 200)
    assert not multiprocessing.active_children()
    assert [p.name for p in tmp_path.glob("gen-*")] == [store.read_current()[0].name]
    assert store.open().doc_count() == live.doc_count() == 50


def test_a_parallel_catch_up_adds_and_replaces(tmp_path: Path, papers, parallel):
    store = IndexStore(tmp_path / "index")
    store.build(papers[:100], "c")
    library = Library(tmp_path / "library.db")
    library.store_papers(papers[100:200])
    assert store.catch_up(library) == 100
    index = store.open()
    assert index.doc_count() == 200
    renamed = [replace(p, title=f"Quasar spectroscopy {n}") for n, p in enumerate(papers[150:170])]
    library.store_papers(renamed)
    assert store.catch_up(library) == 20
    index = store.open()
    assert index.doc_count() == 200  # replaced, not added twice
    found = index.search("quasar spectroscopy", limit=None)
    assert {h.paper.id for h in found.hits} == {p.id for p in renamed}
    assert not multiprocessing.active_children()


CANCEL_SCRIPT = """
import sys, time
from paperbrowse.core.engine import writing
from whoosh import index
from paperbrowse.core.index import make_schema
writing._work = lambda *args: time.sleep(600)  # workers that never read a batch
writing.FORKSERVER = False  # forked: a forkserver could not be sent this lambda
ix = index.create_in(sys.argv[1], make_schema())
writer = writing.ParallelWriter(ix, procs=2)
for n in range(writing.BATCH):
    writer.add_document(id=str(n), title="word " * 2000)  # > a pipe's 64 KiB per batch
time.sleep(1)  # the queue's feeder thread is now blocked on the full pipe
writer.cancel()
print("cancelled", flush=True)
"""


def test_the_process_ends_after_cancelling_with_batches_unread(tmp_path: Path):
    # A multiprocessing queue joins its feeder thread at interpreter exit; with
    # a batch stuck in a full pipe that join never returned, so a cancelled
    # import (and CI's test run) never ended.
    done = subprocess.run(
        [sys.executable, "-c", CANCEL_SCRIPT, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.stdout.strip() == "cancelled", done.stderr
    assert done.returncode == 0, done.stderr


WORKER_SCRIPT = """
import sys, time
from paperbrowse.core.engine import writing
from whoosh import index
from paperbrowse.core.index import make_schema
ix = index.create_in(sys.argv[1], make_schema())
writer = writing.ParallelWriter(ix, procs=2)
writer.add_document(id="a", title="first")
print(" ".join(str(w.pid) for w in writer._workers), flush=True)
time.sleep(600)
"""


def test_workers_exit_when_their_parent_is_killed(tmp_path: Path):
    parent = subprocess.Popen(
        [sys.executable, "-c", WORKER_SCRIPT, str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        pids = [int(p) for p in parent.stdout.readline().split()]
        assert len(pids) == 2 and all(_alive(p) for p in pids)
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        deadline = time.monotonic() + 20
        while any(_alive(p) for p in pids) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(_alive(p) for p in pids)
    finally:
        if parent.poll() is None:
            parent.kill()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is gone for our purpose (its parent died; init reaps it)
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(") ")[-1].split()[0] != "Z"
    except OSError:
        return False


def test_papers_without_an_organisation_in_a_segment_of_their_own(tmp_path: Path, papers):
    """A segment with no organisation at all has no column file for it: the
    facets and the listing must still cover every paper (they crashed)."""
    store = IndexStore(tmp_path / "index")
    store.build(papers, "c")
    library = Library(tmp_path / "library.db")
    bare = [
        replace(
            p, id=f"bare-{n}", title=f"Quasar spectroscopy {n}", organisation=None, org_handle=None
        )
        for n, p in enumerate(papers[:30])
    ]
    library.store_papers(bare)
    store.catch_up(library)
    index = store.open()
    assert segments(index) >= 2
    listing = index.search("", limit=None, facets=True)
    assert listing.total == len(papers) + 30
    orgs = dict(listing.facets.organisations)
    assert sum(orgs.values()) == sum(1 for p in papers if p.organisation)
    quasars = index.search("quasar", limit=None, facets=True)
    assert quasars.total == 30 and quasars.facets.organisations == ()


def test_small_segments_are_merged_and_large_ones_left_alone(tmp_path: Path, papers, monkeypatch):
    """Whoosh's own policy re-indexed large segments in the importing process
    (a million-paper import stalled at 110,000)."""
    monkeypatch.setattr(merging, "SMALL", 50)
    store = IndexStore(tmp_path / "index")
    store.build(papers[:200], "c")
    library = Library(tmp_path / "library.db")
    counts = []
    for n in range(12):
        library.store_papers(papers[200 + 5 * n : 205 + 5 * n])
        store.catch_up(library)
        counts.append(segments(store.open()))
    assert max(counts) <= 1 + merging.MAX_SMALL + 1 and counts[-1] < counts[merging.MAX_SMALL]
    index = store.open()
    assert index.doc_count() == 260
    assert 200 in [s.doc_count_all() for s in index._ix._segments()]  # never rewritten
    assert index.search("", limit=None).total == 260


def postings_by_paper(index: PaperIndex) -> dict:
    """Every term's postings keyed by paper id (document numbers differ
    between indexes of the same papers): ``{(field, term): {id: (weight, value)}}``."""
    out = {}
    with index._ix.searcher() as searcher:
        reader = searcher.reader()
        ids = {d: fields["id"] for d, fields in reader.iter_docs()}
        for field, btext in reader.all_terms():
            if field == "pos":  # input order: differs by construction
                continue
            m = reader.postings(field, btext)
            got = {}
            while m.is_active():
                got[ids[m.id()]] = (m.weight(), m.value() or b"")
                m.next()
            if got:
                out[(field, btext)] = got
    return out


@pytest.fixture
def tiny_tiers(monkeypatch):
    """Parallel writes of tiny segments, merged in tiers of 3 from 8 papers up."""
    monkeypatch.setattr(writing, "PARALLEL_FROM", 1)
    monkeypatch.setattr(writing, "BATCH", 8)
    monkeypatch.setattr(writing, "LIMIT_MB", 0.05)  # a segment every few batches
    monkeypatch.setattr(merging, "SMALL", 8)
    monkeypatch.setattr(merging, "FACTOR", 3)
    monkeypatch.setattr(merging, "MERGE_CHUNK", 500)  # several chunks a merge
    return merging


def test_tiered_merges_keep_every_posting(tmp_path: Path, papers, tiny_tiers):
    merged = IndexStore(tmp_path / "merged").build(papers, "c")
    sizes = sorted(s.doc_count() for s in merged._ix._segments())
    tiers = [tiny_tiers.tier(n) for n in sizes]
    assert max(sizes) > 100  # merged several times over
    assert all(tiers.count(t) < tiny_tiers.FACTOR for t in set(tiers) if t)
    single = IndexStore(tmp_path / "single")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(writing, "PARALLEL_FROM", 10**9)
        one = single.build(papers, "c")
    assert postings_by_paper(merged) == postings_by_paper(one)
    assert answers(merged) == answers(one)


def test_a_merge_drops_replaced_papers(tmp_path: Path, papers, tiny_tiers):
    store = IndexStore(tmp_path / "index")
    store.build(papers[:200], "c")
    library = Library(tmp_path / "library.db")
    renamed = [replace(p, title=f"Quasar spectroscopy {n}") for n, p in enumerate(papers[20:120])]
    library.store_papers(renamed + list(papers[200:]))
    store.catch_up(library)
    index = store.open()
    assert index.doc_count() == len(papers)
    found = index.search("quasar spectroscopy", limit=None)
    assert {h.paper.id for h in found.hits} == {p.id for p in renamed}
    expected = papers[:20] + renamed + papers[120:]
    fresh = IndexStore(tmp_path / "fresh")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(writing, "PARALLEL_FROM", 10**9)
        fresh_index = fresh.build(expected, "c")
    assert postings_by_paper(index) == postings_by_paper(fresh_index)
    assert not multiprocessing.active_children()


def _work_here(folder: Path, docs: list[dict], monkeypatch, batch: int = 16):
    """Run a worker's code (:func:`writing._work`) in this process on ``docs``
    (no death signal, no watcher thread); returns its result and, per
    segment it finalized, ``(collector on while adding?, full collections
    so far, written without term hashes?)``, then ``("merge", token memos
    held)`` if it merged them."""
    import gc
    import queue as queues

    from paperbrowse.core.engine import segments as segments_module
    from paperbrowse.core.engine import whoosh_compat as wc

    monkeypatch.setattr(writing, "_set_death_signal", lambda: True)
    monkeypatch.setattr(writing, "_watch_parent", lambda parent, started: None)
    seen = []
    finalize = wc.finalize_segment

    def finalize_segment(writer):
        hashless = getattr(writer.fieldwriter._tindex, "hashless", False)
        seen.append((gc.isenabled(), gc.get_stats()[2]["collections"], hashless))
        return finalize(writer)

    monkeypatch.setattr(wc, "finalize_segment", finalize_segment)
    merge_segments = merging.merge_segments

    def merge_own(writer, segments):
        seen.append(("merge", len(segments_module._TERMS)))
        return merge_segments(writer, segments)

    monkeypatch.setattr(merging, "merge_segments", merge_own)
    jobs, results = queues.Queue(), queues.Queue()
    for start in range(0, len(docs), batch):
        jobs.put(docs[start : start + batch])
    jobs.put(None)
    try:
        writing._work(str(folder), "MAIN", jobs, results, os.getpid(), None)
    finally:
        gc.enable()
    return results.get_nowait(), seen


@pytest.fixture
def empty_index(tmp_path: Path) -> Path:
    from whoosh import index as whoosh_index

    from paperbrowse.core.schema import make_schema

    folder = tmp_path / "ix"
    folder.mkdir()
    whoosh_index.create_in(str(folder), make_schema())
    return folder


def _found_by_key(folder: Path, segment) -> bool:
    """Whether ``segment``'s title terms, read in order, are each found by
    key too (through its term hashes) with the same document frequency."""
    from whoosh.filedb.filestore import FileStorage
    from whoosh.reading import SegmentReader

    from paperbrowse.core.schema import make_schema

    reader = SegmentReader(FileStorage(str(folder)), make_schema(), segment)
    try:
        in_order = [(t, i.doc_frequency()) for t, i in reader.iter_field("title")][:200]
        assert len(in_order) > 20
        return all(reader.doc_frequency("title", t) == n > 0 for t, n in in_order)
    finally:
        reader.close()


def test_a_worker_adds_with_the_collector_off_and_collects_after_each_segment(
    empty_index: Path, papers, monkeypatch
):
    from paperbrowse.core.schema import paper_doc

    monkeypatch.setattr(writing, "LIMIT_MB", 0.25)  # a few dozen papers a segment
    monkeypatch.setattr(writing, "SPILL_RUNS", False)
    docs = [paper_doc(p, n) for n, p in enumerate(papers)]
    (kind, value), seen = _work_here(empty_index, docs, monkeypatch)
    assert kind == "segments" and len(value) == 1  # merged into one
    # ... its token memos let go first (every document is added)
    assert seen.pop() == ("merge", 0)
    assert len(seen) > 3
    assert not any(on for on, _, _ in seen)
    # a full collection after each segment: the cycles its writer leaves
    counts = [n for _, n, _ in seen]
    assert all(b > a for a, b in zip(counts, counts[1:], strict=False))
    # the segments merged were written without term hashes; the merged one has them
    assert all(hashless for _, _, hashless in seen)
    assert _found_by_key(empty_index, value[0])


def test_a_worker_with_one_segment_without_term_hashes_merges_it_alone(
    empty_index: Path, papers, monkeypatch
):
    """Its one batch passed the memory limit: the segment was written without
    hashes (more could have come), so the worker rewrites it with them."""
    from paperbrowse.core.schema import paper_doc

    monkeypatch.setattr(writing, "LIMIT_MB", 0.01)
    monkeypatch.setattr(writing, "SPILL_RUNS", False)
    docs = [paper_doc(p, n) for n, p in enumerate(papers[:40])]
    (kind, value), seen = _work_here(empty_index, docs, monkeypatch, batch=40)
    assert kind == "segments" and len(value) == 1
    assert seen.pop() == ("merge", 0)
    assert [hashless for _, _, hashless in seen] == [True]
    assert value[0].doc_count() == 40
    assert _found_by_key(empty_index, value[0])


def test_a_worker_spills_its_postings_with_the_collector_off_and_writes_one_segment(
    empty_index: Path, papers, monkeypatch
):
    from paperbrowse.core.engine import segments as segments_module
    from paperbrowse.core.engine.segments import ArraySegmentWriter
    from paperbrowse.core.schema import paper_doc

    monkeypatch.setattr(writing, "LIMIT_MB", 0.25)
    spilled = []
    spill = ArraySegmentWriter.spill_postings

    def spy(writer):
        import gc

        spilled.append((gc.isenabled(), gc.get_stats()[2]["collections"]))
        spill(writer)

    monkeypatch.setattr(ArraySegmentWriter, "spill_postings", spy)
    docs = [paper_doc(p, n) for n, p in enumerate(papers)]
    (kind, value), seen = _work_here(empty_index, docs, monkeypatch)
    assert kind == "segments" and len(value) == 1
    assert len(spilled) > 3 and not any(on for on, _ in spilled)
    # a full collection after each spill
    counts = [n for _, n in spilled]
    assert all(b > a for a, b in zip(counts, counts[1:], strict=False))
    # one segment written, with its term hashes, after the memos were let go; no merge
    assert len(seen) == 1 and seen[0][2] is False
    assert not segments_module._TERMS
    assert value[0].doc_count() == len(papers)
    assert _found_by_key(empty_index, value[0])
    assert not list(empty_index.glob("*.run*"))
