"""The ``fulltext`` and ``has`` fields: a paper found by the text of its PDF,
with the page and a highlighted fragment of it (issue 18)."""

from __future__ import annotations

from pathlib import Path

import pytest

from paperbrowse.core.engine.highlight import plain
from paperbrowse.core.generations import IndexStore
from paperbrowse.core.library import Library
from paperbrowse.core.models import Paper, paper_id_for


def paper(title: str, abstract: str) -> Paper:
    return Paper(id=paper_id_for(title), title=title, abstract=abstract, authors=("Ada Lovelace",))


LATTICE = paper("Sparse attention for long documents", "We make attention sparse.")
SCANNED = paper("A survey of optical character recognition", "Older methods, reviewed.")
NO_PDF = paper("Zorblax quantization in the title only", "Nothing else about it.")
ABSTRACT = paper("Yet another study", "The florbing effect, measured in the abstract.")
FLORBING = paper("A study of other things", "Unrelated abstract text.")

PAGES = {
    LATTICE.id: [
        "Introduction. Attention is expensive for long inputs.",
        "Method. We keep the largest scores of each row.",
        "Results. The zorblax quantization lattice beats every baseline we tried.",
    ],
    SCANNED.id: ["Scanned pages of a book about the florbing effect."],
    ABSTRACT.id: ["Plain text of the paper."],
    FLORBING.id: ["The florbing effect, again, in the body of the text only."],
}


class Source:
    """A dict-backed full-text source that counts what it is asked."""

    def __init__(self, pages: dict[str, list[str]]) -> None:
        self.pages = dict(pages)
        self.asked: list[str] = []

    def __call__(self, paper_id: str):
        self.asked.append(paper_id)
        return self.pages.get(paper_id)


@pytest.fixture
def source() -> Source:
    return Source(PAGES)


@pytest.fixture
def index(tmp_path: Path, source: Source):
    papers = [LATTICE, SCANNED, NO_PDF, ABSTRACT, FLORBING]
    built = IndexStore(tmp_path / "index").build(papers, "c", fulltext=source)
    assert sorted(source.asked) == sorted(p.id for p in papers)  # once each at build
    source.asked.clear()
    return built


def test_a_phrase_on_page_3_finds_the_paper_with_its_snippet_and_page(index, source) -> None:
    results = index.search('"zorblax quantization lattice"')
    assert [h.paper.id for h in results.hits] == [LATTICE.id]
    hit = results.hits[0]
    assert hit.body_page == 3
    assert "zorblax quantization lattice beats" in plain(hit.body_snippet)
    marked = {text.lower() for text, matched in hit.body_snippet if matched}
    assert marked == {"zorblax", "quantization", "lattice"}
    assert source.asked == [LATTICE.id]  # read again for the hit shown only


def test_a_hit_matching_its_title_gets_no_body_snippet(index, source) -> None:
    results = index.search("zorblax")  # NO_PDF's title, LATTICE's page 3
    by_id = {h.paper.id: h for h in results.hits}
    assert set(by_id) == {NO_PDF.id, LATTICE.id}
    assert results.hits[0].paper.id == NO_PDF.id  # the title outranks the full text
    assert by_id[NO_PDF.id].body_snippet == () and by_id[NO_PDF.id].body_page is None
    assert by_id[LATTICE.id].body_page == 3
    assert source.asked == [LATTICE.id]


def test_the_full_text_counts_less_than_the_abstract(index) -> None:
    ids = [h.paper.id for h in index.search("florbing").hits]
    assert ids[0] == ABSTRACT.id and set(ids) == {ABSTRACT.id, SCANNED.id, FLORBING.id}


def test_body_snippets_are_read_for_the_page_of_hits_only(index, source) -> None:
    results = index.search("florbing", limit=2)
    assert results.total == 3 and len(results.hits) == 2
    assert len(source.asked) == 1  # the abstract's match needs no pages
    assert index.search("florbing", limit=1, offset=2).hits[0].body_page == 1


def test_fulltext_field_searches_only_the_full_text(index) -> None:
    assert [h.paper.id for h in index.search("fulltext:zorblax").hits] == [LATTICE.id]
    assert index.search("fulltext:survey").total == 0  # SCANNED's title word
    assert index.search("survey").total == 1


def test_has_pdf(index) -> None:
    with_pdf = {h.paper.id for h in index.search("has:pdf", limit=None).hits}
    assert with_pdf == set(PAGES)
    assert {h.paper.id for h in index.search("NOT has:pdf").hits} == {NO_PDF.id}


def test_an_unreadable_pdf_costs_its_snippet_not_the_search(index) -> None:
    def broken(paper_id: str):
        raise OSError("the PDF store is gone")

    index.fulltext = broken
    hit = index.search('"zorblax quantization lattice"').hits[0]
    assert hit.paper.id == LATTICE.id and hit.body_snippet == () and hit.body_page is None


def test_catch_up_indexes_the_full_text_of_new_papers(tmp_path: Path, index, source) -> None:
    store = IndexStore(tmp_path / "index")
    added = paper("A late addition", "Imported after the build.")
    source.pages[added.id] = ["Front matter.", "The quokka manifold appears here."]
    library = Library(tmp_path / "library.db")
    library.store_papers([added])
    assert store.catch_up(library, fulltext=source) == 1
    reopened = store.open(fulltext=source)
    hit = reopened.search("quokka manifold").hits[0]
    assert hit.paper.id == added.id and hit.body_page == 2
    assert reopened.search("has:pdf").total == len(PAGES) + 1 == len(source.pages)


def test_without_a_source_nothing_has_a_full_text(tmp_path: Path) -> None:
    index = IndexStore(tmp_path / "index").build([LATTICE, NO_PDF], "c")
    assert index.search("has:pdf").total == 0
    assert index.search("zorblax").total == 1  # NO_PDF's title


def test_the_body_page_is_the_first_holding_every_word_and_later_pages_are_not_read() -> None:
    from paperbrowse.core import hits
    from paperbrowse.core.engine.analysis import make_analyzer
    from paperbrowse.core.engine.highlight import WordAnalyzer

    words = WordAnalyzer(make_analyzer())
    pages = [
        "Networks and more networks, no second word here.",  # two forms of one term
        "A graph network with attention.",
        "Graph networks again, graph attention networks.",
    ]
    read: list[int] = []
    real = hits.match_spans

    def counting(text, terms, analyzer):
        read.append(pages.index(text) + 1)
        return real(text, terms, analyzer)

    terms = frozenset({"network", "graph"})
    try:
        hits.match_spans = counting
        found = hits.body_snippet(pages, terms, words)
    finally:
        hits.match_spans = real
    assert found is not None and found[1] == 2  # page 1 has one term twice, not both
    assert read == [1, 2]  # page 3 (more matches) is never scanned
    # no page holds every word: the one with the most distinct words wins
    only_some = hits.body_snippet(pages[:1] + ["graph"], frozenset({"graph", "zebra"}), words)
    assert only_some is not None and only_some[1] == 2
