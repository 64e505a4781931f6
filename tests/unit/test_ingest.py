"""Importing into the library and the index: counts, de-duplication, consistency."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from paperbrowse.core.index import IndexStore
from paperbrowse.core.ingest import (
    ImportBusy,
    ImportInterrupted,
    import_lock,
    import_records,
)
from paperbrowse.core.library import Library
from paperbrowse.core.locations import Locations
from paperbrowse.core.models import Paper, paper_id_for
from paperbrowse.core.service import Corpus, open_index
from paperbrowse.core.sources.arxiv import parse_atom
from paperbrowse.core.sources.bibtex import read_bibtex
from paperbrowse.core.sources.captures import read_captures
from paperbrowse.core.sources.common import SourceError
from paperbrowse.core.sources.hf import parse_daily_papers
from paperbrowse.core.sources.jsonl import read_jsonl

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
REPO = Path(__file__).resolve().parents[2]

SOURCES = {
    "arxiv": lambda: parse_atom((FIXTURES / "arxiv_atom_id_list.xml").read_bytes()),
    "arxiv-recorded": lambda: parse_atom((FIXTURES / "arxiv_atom_checkerboard.xml").read_bytes()),
    "hf": lambda: parse_daily_papers(
        (FIXTURES / "hf_daily_papers_2026-03-23.json").read_bytes(), "hf 2026-03-23"
    ),
    "bibtex": lambda: read_bibtex(FIXTURES / "refs.bib"),
    "jsonl": lambda: read_jsonl(FIXTURES / "arxiv_snapshot.jsonl"),
}


def run(records, locations: Locations, corpus: Corpus, library: Library, **kw):
    return import_records(records, locations=locations, corpus=corpus, library=library, **kw)


def indexed_ids(locations: Locations, corpus: Corpus, library: Library) -> set[str]:
    index = open_index(locations, corpus, library=library).index
    return {p.id for p in index.all_papers()}


def paper(n: int, **fields) -> Paper:
    title = fields.pop("title", f"Synthetic paper number {n} on quasar spectroscopy")
    return Paper(id=paper_id_for(title), title=title, abstract=f"Abstract {n}.", **fields)


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_each_importer_adds_its_papers_and_a_second_import_changes_nothing(
    source, locations, corpus, library
):
    records = list(SOURCES[source]())
    good = [r for r in records if isinstance(r, Paper)]
    before = indexed_ids(locations, corpus, library)

    first = run(iter(records), locations, corpus, library)

    assert first.added + first.updated + first.skipped == len(good)
    assert first.added + first.updated > 0
    assert len(first.errors) == len(records) - len(good)
    after = indexed_ids(locations, corpus, library)
    assert len(after) == len(before) + first.added
    revision = library.revision()
    stamp = IndexStore(locations.index_root).read_current()[1]
    assert stamp.revision == revision

    second = run(SOURCES[source](), locations, corpus, library)

    assert (second.added, second.updated, second.skipped) == (0, 0, len(good))
    assert library.revision() == revision
    assert indexed_ids(locations, corpus, library) == after


def test_imported_papers_are_searchable_at_once(locations, corpus, library):
    run(SOURCES["arxiv-recorded"](), locations, corpus, library)
    index = open_index(locations, corpus, library=library).index
    results = index.search("checkerboard")
    assert [h.paper.arxiv_id for h in results.hits] == ["cond-mat/0603029"]
    assert results.hits[0].paper.doi


def test_a_broken_bibtex_entry_is_named_and_the_rest_imported(locations, corpus, library):
    summary = run(read_bibtex(FIXTURES / "refs.bib"), locations, corpus, library)
    assert [(e.source, e.location) for e in summary.errors] == [
        ("refs.bib", "line 34, entry broken2019")
    ]
    assert summary.added + summary.updated == 5


def test_duplicates_merge_by_arxiv_id_doi_then_title(locations, corpus, library):
    base = Paper(
        id="arxiv:2301.00001",
        title="Quasar Spectra, Revisited",
        arxiv_id="2301.00001",
        abstract="Short.",
    )
    by_doi = Paper(
        id=paper_id_for("Quasar spectra revisited (journal version)"),
        title="Quasar spectra revisited (journal version)",
        doi="10.1000/QSR",
    )
    with_doi = replace(base, id="arxiv:2301.00001", doi="10.1000/qsr", sources=("b",))
    by_title = Paper(
        id=paper_id_for("quasar spectra — revisited"),
        title="quasar spectra — revisited",
        abstract="A much longer abstract that the merge keeps.",
        authors=("A. Author",),
    )
    other_work = Paper(
        id="arxiv:2301.99999", title="Quasar spectra, revisited", arxiv_id="2301.99999"
    )

    summary = run([base, with_doi, by_doi, by_title, other_work], locations, corpus, library)

    # by_doi brings nothing new: the title the user knows is kept
    assert (summary.added, summary.updated, summary.skipped) == (2, 2, 1)
    merged = library.stored_paper("arxiv:2301.00001")
    assert merged.doi == "10.1000/qsr"
    assert merged.authors == ("A. Author",)
    assert merged.abstract.startswith("A much longer")
    assert library.stored_paper("arxiv:2301.99999") is not None  # same title, other arXiv id
    assert library.stored_count() == 2


def test_a_paper_of_the_corpus_keeps_its_id_and_gains_metadata(locations, corpus, library):
    index = open_index(locations, corpus, library=library).index
    known = next(p for p in index.all_papers() if not p.arxiv_id and p.upvotes)
    count = index.doc_count()
    incoming = Paper(  # as from BibTeX: the title in capitals, an arXiv id and a DOI
        id="arxiv:2399.00001",
        title=known.title.upper() + ".",
        arxiv_id="2399.00001",
        doi="10.5555/merged",
        sources=("refs.bib",),
    )
    summary = run([incoming], locations, corpus, library)
    assert (summary.added, summary.updated) == (0, 1)
    found = open_index(locations, corpus, library=library).index.get(known.id)
    assert (found.doi, found.arxiv_id) == ("10.5555/merged", "2399.00001")
    assert found.title == known.title and found.upvotes == known.upvotes
    assert set(found.sources) == set(known.sources) | {"refs.bib"}
    # a full rebuild keeps the merged record rather than the bundled one
    rebuilt = open_index(locations, corpus, library=library, rebuild=True).index
    assert rebuilt.get(known.id).doi == "10.5555/merged"
    assert rebuilt.doc_count() == count


def test_errors_are_counted_not_raised(locations, corpus, library):
    bad = SourceError("feed.json", "line 3", "not JSON")
    summary = run([bad, paper(1)], locations, corpus, library)
    assert summary.errors == [bad] and summary.added == 1


def test_an_index_behind_the_library_is_caught_up_on_open(locations, corpus, library):
    """What a kill between storing a batch and indexing it leaves behind."""
    base = open_index(locations, corpus, library=library).index.doc_count()
    library.store_papers([paper(1), paper(2)])
    index = open_index(locations, corpus, library=library).index
    assert index.doc_count() == base + 2
    assert index.stamp.revision == library.revision() or (
        IndexStore(locations.index_root).read_current()[1].revision == library.revision()
    )
    assert index.search("quasar spectroscopy").total == 2


def test_catch_up_twice_never_duplicates(locations, corpus, library):
    store = IndexStore(locations.index_root)
    base = open_index(locations, corpus, library=library).index.doc_count()
    library.store_papers([paper(1)])
    assert store.catch_up(library) == 1
    # as if killed after the Whoosh commit but before the stamp was written
    folder, stamp = store.read_current()
    (store.root / "CURRENT").write_text(
        json.dumps({"dir": folder.name, "stamp": vars(replace(stamp, revision=0))})
    )
    assert store.catch_up(library) == 1
    assert store.open().doc_count() == base + 1


def test_ctrl_c_drops_the_batch_being_read_whole(locations, corpus, library):
    def records():
        for n in range(25):
            yield paper(n)
        raise KeyboardInterrupt

    before = indexed_ids(locations, corpus, library)
    with pytest.raises(ImportInterrupted) as stopped:
        run(records(), locations, corpus, library, batch_size=10)
    assert stopped.value.summary.added == 20
    assert stopped.value.summary.committed == 20
    assert library.stored_count() == 20
    assert len(indexed_ids(locations, corpus, library)) == len(before) + 20


def test_a_second_import_waits_for_the_lock_or_says_busy(locations):
    busy = pytest.raises(ImportBusy, match="another import is running")
    with import_lock(locations), busy, import_lock(locations):
        pass

    waited: list[float] = []
    release = threading.Event()

    def holder() -> None:
        with import_lock(locations):
            release.wait(5)

    thread = threading.Thread(target=holder)
    thread.start()
    time.sleep(0.2)
    threading.Timer(0.3, release.set).start()
    started = time.perf_counter()
    with import_lock(locations, on_wait=lambda: waited.append(time.perf_counter())):
        assert waited, "the second import was told it waits"
        assert time.perf_counter() - started >= 0.2
    thread.join()


def test_captures_from_any_path_import(tmp_path, locations, corpus, library):
    capture = sorted(corpus.folder.glob("*.txt"))[0]
    copy = tmp_path / "elsewhere.txt"
    copy.write_bytes(capture.read_bytes())
    summary = run(read_captures([copy]), locations, corpus, library)
    # every paper is already in the bundled corpus: each gains the new source name
    assert summary.added == 0 and summary.updated > 0
    assert run(read_captures([copy]), locations, corpus, library).updated == 0


# ------------------------------------------------------------ kill -9 tests
KILL_SCRIPT = textwrap.dedent(
    """
    import sys, time
    from paperbrowse.core.ingest import import_records
    from paperbrowse.core.library import Library
    from paperbrowse.core.locations import Locations
    from paperbrowse.core.models import Paper, paper_id_for
    from paperbrowse.core.service import Corpus

    locations = Locations.resolve(sys.argv[1])
    library = Library(locations.library_path)
    if sys.argv[2] == "merging":  # tiers of 2 from 40 papers: a merge at most commits
        from paperbrowse.core.engine import merging
        merging.SMALL = 40
        merging.FACTOR = 2

    def records():
        for n in range(100_000):
            title = f"Killed import paper {n} about stellar nurseries"
            yield Paper(id=paper_id_for(title), title=title, abstract="Dust. " * 30)
            if n % 50 == 0:
                print(n, flush=True)

    import_records(records(), locations=locations, corpus=Corpus.bundled(),
                   library=library, batch_size=40)
    """
)


@pytest.mark.parametrize(
    "delay,merges",
    [(0.4, "plain"), (1.1, "plain"), (2.3, "plain"), (0.7, "merging"), (1.6, "merging")],
)
def test_kill_9_during_an_import_leaves_library_and_index_consistent(
    delay, merges, locations, corpus, library
):
    bundled = indexed_ids(locations, corpus, library)
    proc = subprocess.Popen(
        [sys.executable, "-c", KILL_SCRIPT, str(locations.data_dir), merges],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert proc.stdout is not None
    proc.stdout.readline()  # the import has started reading
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)

    stored = {p.id for _, p in library.stored_papers()}
    assert stored, "the import should have stored a batch before the kill"
    assert len(stored) % 40 == 0, "batches are stored all or nothing"
    assert indexed_ids(locations, corpus, library) == bundled | stored


def test_an_open_index_follows_imports_and_rebuilds_by_other_processes(locations, corpus, library):
    """An app keeps its PaperIndex open while `paperbrowse add` or `index --rebuild` run."""
    app_index = open_index(locations, corpus, library=library).index
    base = app_index.doc_count()
    run([paper(1), paper(2)], locations, corpus, Library(locations.library_path))
    assert app_index.search("quasar spectroscopy").total == 2
    assert app_index.stamp.revision == library.revision()

    for _ in range(2):  # rebuilds delete all but the two newest generations
        open_index(locations, corpus, library=Library(locations.library_path), rebuild=True)
    assert app_index.search("quasar spectroscopy").total == 2
    assert app_index.doc_count() == base + 2
    assert len(list(locations.index_root.glob("gen-*"))) == 2


def test_searches_keep_answering_while_an_import_writes(locations, corpus, library):
    """A second process (here a thread) imports in batches; the open index is never
    blocked by the writer and sees each committed batch."""
    app_index = open_index(locations, corpus, library=library).index
    done = threading.Event()

    def records():
        for n in range(300):
            yield paper(n)
            if n % 60 == 59:
                time.sleep(0.2)

    def importer() -> None:
        try:
            run(records(), locations, corpus, Library(locations.library_path), batch_size=60)
        finally:
            done.set()

    thread = threading.Thread(target=importer)
    thread.start()
    seen, slowest = [], 0.0
    while not done.is_set():
        started = time.perf_counter()
        seen.append(app_index.search("quasar spectroscopy", limit=5).total)
        slowest = max(slowest, time.perf_counter() - started)
        time.sleep(0.02)
    thread.join()
    assert seen == sorted(seen), "each search sees at least what the one before saw"
    assert len(set(seen)) >= 3, f"batches became visible one by one: {sorted(set(seen))}"
    assert app_index.search("quasar spectroscopy").total == 300
    assert slowest < 5, "no search waited for the writer"


def test_an_open_index_never_lists_a_replaced_paper_twice(locations, corpus, library):
    """Regression: Whoosh's Searcher.refresh() reused a segment reader that had
    gained deletions, so the open app listed a merged paper and its old version."""
    app_index = open_index(locations, corpus, library=library).index
    app_index.search("")  # the app keeps this searcher open
    summary = run(read_bibtex(FIXTURES / "refs.bib"), locations, corpus, library)
    assert summary.updated >= 1  # a bundled paper was replaced by its merged record
    ids = [h.paper.id for h in app_index.search("", limit=None).hits]
    assert len(ids) == len(set(ids))


def test_an_interrupt_seen_only_as_a_flag_still_stops_the_import(locations, corpus, library):
    """Python drops a KeyboardInterrupt raised while a generator is finalised;
    the CLI's SIGINT flag stops the import anyway."""
    flag = {"set": False}

    def records():
        for n in range(40):
            if n == 25:
                flag["set"] = True  # the signal arrived; its exception was lost
            yield paper(n)

    with pytest.raises(ImportInterrupted) as stop:
        run(records(), locations, corpus, library, batch_size=10, interrupted=lambda: flag["set"])
    assert stop.value.summary.committed == 20 and library.stored_count() == 20


# -- merging a .bib record with the arXiv snapshot's record of the same paper --------


def byol_from(source: str) -> list[Paper]:
    """BYOL as refs.bib gives it (5 authors + "and others", NeurIPS venue, a key)
    or as the arXiv snapshot gives it (14 authors, a full date)."""
    records = SOURCES[source]()
    return [r for r in records if isinstance(r, Paper) and r.arxiv_id == "2006.07733"]


@pytest.mark.parametrize("order", [("bibtex", "jsonl"), ("jsonl", "bibtex")])
def test_bib_and_arxiv_records_merge_without_loss_in_either_order(
    order, locations, corpus, library
):
    bib, arxiv = byol_from("bibtex")[0], byol_from("jsonl")[0]
    assert (len(bib.authors), bib.authors_complete, len(arxiv.authors)) == (5, False, 14)
    counts = []
    for source in order:
        summary = run(byol_from(source), locations, corpus, library)
        counts.append((summary.added, summary.updated, summary.skipped))
    # BYOL is in the bundled corpus (a pb: id, no authors): each import extends it
    assert counts == [(0, 1, 0), (0, 1, 0)]
    index = open_index(locations, corpus, library=library).index
    [stored] = index.find("arxiv", "2006.07733")
    assert stored.id.startswith("pb:") and library.stored_paper(stored.id) == stored
    assert stored.authors == arxiv.authors and stored.names == arxiv.names  # 14, not 5
    assert stored.author_count == 14 and stored.authors_complete
    # the proceedings' date (2020) is the publication date; the arXiv record's
    # 2020-06-13 is the preprint's submission, more precise but not the same event
    assert stored.date_iso == "2020" and arxiv.date_iso == "2020-06-13"
    # the bib's publication record fills in and wins over the preprint
    assert stored.entry_type == "inproceedings"
    assert stored.container == "Advances in Neural Information Processing Systems"
    assert (stored.volume, stored.pages) == ("33", "21271–21284")
    assert stored.categories == ("cs.LG", "cs.CV", "stat.ML") and stored.abstract
    assert stored.citation_key == "grill2020byol"
    assert library.stored_key(stored.id) == "grill2020byol"
    # the user's own reference (with a key, published) sets the title, as written
    assert (
        stored.title
        == bib.title
        == "Bootstrap Your Own Latent – A New Approach to Self-Supervised Learning"
    )
    assert set(stored.sources) >= {"refs.bib", "arxiv_snapshot.jsonl"}

    # importing either again brings nothing new: skipped, revision unchanged
    revision = library.revision()
    for source in order:
        again = run(byol_from(source), locations, corpus, library)
        assert (again.added, again.updated, again.skipped) == (0, 0, 1), source
    assert library.revision() == revision


def test_an_existing_citation_key_is_kept(locations, corpus, library):
    bib = byol_from("bibtex")[0]
    run([bib], locations, corpus, library)
    other_key = replace(bib, citation_key="byol-from-a-colleague", sources=("colleague.bib",))
    summary = run([other_key], locations, corpus, library)
    assert summary.updated == 1  # a new source name
    [stored] = open_index(locations, corpus, library=library).index.find("arxiv", "2006.07733")
    assert stored.citation_key == "grill2020byol"
    assert library.stored_key(stored.id) == "grill2020byol"
    assert library.paper_for_key("byol-from-a-colleague") is None


def test_a_bib_key_taken_by_another_paper_gets_a_suffix(locations, corpus, library):
    first = paper(1, citation_key="smith2020")
    second = paper(2, citation_key="smith2020")
    run([first], locations, corpus, library)
    run([second], locations, corpus, library)
    assert library.stored_key(first.id) == "smith2020"
    assert library.stored_key(second.id) == "smith2020a"


def test_a_richer_record_of_a_known_paper_counts_as_updated(locations, corpus, library):
    base = paper(3, arxiv_id="2301.00003")
    run([base], locations, corpus, library)
    venue = replace(base, id=paper_id_for("other"), container="Nature", volume="7", pages="1–9")
    summary = run([venue], locations, corpus, library)
    assert (summary.updated, summary.skipped) == (1, 0)
    stored = library.stored_paper(base.id)
    assert (stored.container, stored.volume, stored.pages) == ("Nature", "7", "1–9")
    same = run([replace(venue, volume=None)], locations, corpus, library)  # nothing new
    assert (same.updated, same.skipped) == (0, 1)


def test_a_paper_stored_by_an_earlier_batch_is_found_by_later_ones(locations, corpus, library):
    # the import keeps one connection for its look-ups: it must still see each
    # batch its own transaction stored (a statement left open would pin an old
    # snapshot and the same work would be added twice)
    first = [paper(n, arxiv_id=f"2401.{n:05d}") for n in range(5)]
    again = [
        replace(paper(n, arxiv_id=f"2401.{n:05d}"), id=f"pb:again{n}", title=f"Retitled {n}")
        for n in range(5)
    ]
    summary = run(iter(first + again), locations, corpus, library, batch_size=2)
    assert summary.added == 5
    assert summary.added + summary.updated + summary.skipped == 10
    assert library.stored_count() == 5


def test_normalise_title_takes_the_ascii_path_only_where_it_is_the_same():
    import unicodedata

    from hypothesis import given
    from hypothesis import strategies as st

    from paperbrowse.core.models import normalise_title

    def general(title: str) -> str:
        decomposed = unicodedata.normalize("NFKD", title)
        kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
        return re.sub(r"[\W_]+", "", kept.casefold())

    @given(st.text(max_size=40) | st.text(alphabet=st.characters(max_codepoint=127), max_size=40))
    def same(title: str) -> None:
        assert normalise_title(title) == general(title)

    same()
    assert (
        normalise_title("Mat\u00e9rn Gaussian-Processes: ON Graphs")
        == "materngaussianprocessesongraphs"
    )


# -- read-ahead: the library asked about a few hundred records at once ---------------


def test_stored_keys_are_the_keys_some_stored_paper_has(library):
    stored = [paper(n, arxiv_id=f"2401.{n:05d}", doi=f"10.1/P{n}") for n in range(1200)]
    library.store_papers(stored)
    probes = [paper(n) for n in range(1100, 1300)]  # ids and titles of 1100..1199 stored
    probes.append(Paper(id="x:1", title="?", arxiv_id="2401.00007"))
    probes.append(Paper(id="x:2", title="?", doi="10.1/p8"))  # DOIs compare case-folded
    found = library.stored_keys(stored[:3] + probes)
    wanted = {("paper_id", p.id) for p in stored[:3] + stored[1100:]}
    wanted |= {("title_key", k) for _, k in (library.lookup_keys(p)[3] for p in stored[1100:])}
    wanted |= {("arxiv_id", f"2401.{n:05d}") for n in (0, 1, 2, 7)}
    wanted |= {("doi_key", f"10.1/p{n}") for n in (0, 1, 2, 8)}
    wanted |= {("title_key", library.lookup_keys(p)[3][1]) for p in stored[:3]}
    assert found == wanted


def test_an_import_looks_up_only_the_records_whose_keys_are_stored(
    locations, corpus, library, monkeypatch
):
    run([paper(n) for n in range(30)], locations, corpus, library, batch_size=10)
    looked_up: list[str] = []
    find = Library.find_stored

    def find_stored(self, p, db=None):
        looked_up.append(p.id)
        return find(self, p, db)

    monkeypatch.setattr(Library, "find_stored", find_stored)
    # new papers, an update of a stored one, and a paper stored by the first
    # batch of this import and changed after it (read ahead before that batch
    # was stored: the library is asked again after each batch)
    records = [paper(n) for n in range(100, 125)]
    records.insert(3, paper(4, doi="10.5/four"))
    records.append(paper(105, doi="10.5/one-o-five"))
    summary = run(records, locations, corpus, library, batch_size=10)
    assert (summary.added, summary.updated) == (25, 2)
    assert library.stored_paper(paper(4).id).doi == "10.5/four"
    assert library.stored_paper(paper(105).id).doi == "10.5/one-o-five"
    assert library.stored_count() == 55
    assert looked_up == [paper(4).id, paper(105).id]
