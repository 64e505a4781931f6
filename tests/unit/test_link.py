"""Linking the captures' papers to arXiv by exact title (issue 18, part 3).

Recorded-shape answers only (``tests/fixtures/arxiv_link_titles.xml``, built in
the shape of the recorded ``arxiv_atom_checkerboard.xml``) through the fake
transport of ``tests/fakes.py``; the real transport is blocked.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import httpx
import pytest
from fakes import FakeTime, recording_http

from paperbrowse.core.library import Library
from paperbrowse.core.link import (
    AMBIGUOUS,
    LINKED,
    NOT_FOUND,
    REJECTED,
    corpus_papers,
    link_library,
    linked_paper,
    look_up,
    match_title,
    title_key,
)
from paperbrowse.core.models import Paper
from paperbrowse.core.resolve import resolve
from paperbrowse.core.service import Corpus, open_index
from paperbrowse.core.sources.arxiv import ArxivClient, ArxivUnavailable, parse_atom, title_query

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FEED = (FIXTURES / "arxiv_link_titles.xml").read_bytes()
ENTRIES = [r for r in parse_atom(FEED) if isinstance(r, Paper)]

BYOL = "pb:2aac8423016f"  # "Bootstrap your own latent: …", undated listing capture
NEAR_MISS = "pb:337590bd42bd"  # "Bootstrap in High Dimension with Low Computation"
MULTIBERTS = "pb:53741b2f31a4"  # two arXiv papers share its title
RELATIVE = "pb:ef9bae8dcf71"  # daily capture dated 2022-09-30, 6 authors
LATE = "pb:982cb805ff68"  # "Disentanglement via Latent Quantization", listed 2023-05-28

pytestmark = pytest.mark.usefixtures("no_network")


def atom(body: bytes) -> httpx.Response:
    return httpx.Response(200, content=body, headers={"Content-Type": "application/atom+xml"})


def fake_client(time: FakeTime, handler=None) -> tuple[ArxivClient, list[httpx.Request]]:
    http, seen = recording_http(handler or (lambda request: atom(FEED)))
    return ArxivClient(http, sleep=time.sleep, clock=time.clock), seen


def by_id(papers: list[Paper]) -> dict[str, Paper]:
    return {p.id: p for p in papers}


@pytest.fixture
def captured(corpus, tmp_path) -> list[Paper]:
    """The bundled corpus's papers, as an empty library sees them."""
    return corpus_papers(corpus, Library(tmp_path / "empty.sqlite"))


# --- the matching rule ---------------------------------------------------------------


def test_title_key_decodes_latex_and_ignores_case_punctuation_and_spacing():
    assert (
        title_key("Mat\\'ern Gaussian  processes: on Graphs")
        == "matérn gaussian processes on graphs"
    )
    assert title_key("Mat{\\'e}rn Gaussian Processes on Graphs") == title_key(
        "Matérn Gaussian processes on graphs"
    )
    assert title_key("ﬁne—Tuning (LoRA)") == "fine tuning lora"  # NFKC: the ligature is two letters
    assert title_key("Matern kernels") != title_key("Matérn kernels")  # accents are kept


def test_title_query_quotes_each_title_and_cannot_be_broken_by_its_punctuation():
    query = title_query(['Say "Hi": AND (or) OR not', "", "Second title", "second  TITLE"])
    assert query == 'ti:"say hi and or or not" OR ti:"second title"'


def test_exact_title_links_near_miss_and_shared_titles_do_not(captured):
    papers = by_id(captured)
    linked = match_title(papers[BYOL], ENTRIES)
    assert linked.status == LINKED and linked.record.arxiv_id == "2006.07733"
    near = match_title(papers[NEAR_MISS], ENTRIES)
    assert near.status == NOT_FOUND and near.linked is None
    shared = match_title(papers[MULTIBERTS], ENTRIES)
    assert shared.status == AMBIGUOUS and shared.linked is None
    assert shared.candidates == ("2106.16163", "2107.00421")
    assert "2 arXiv papers have this title" in shared.reason


def test_an_arxiv_paper_submitted_over_a_year_after_the_listing_is_rejected(captured):
    paper = by_id(captured)[LATE]
    assert paper.published == date(2023, 5, 28)
    outcome = match_title(paper, ENTRIES)
    assert outcome.status == REJECTED and outcome.candidates == ("2501.00002",)
    assert "2025-01-10, more than a year after the paper's date (2023-05-28)" in outcome.reason
    # the same entry within the year is accepted, and one from before the listing
    for published in (date(2024, 5, 27), date(2019, 1, 1)):
        entry = replace(ENTRIES[5], published=published)
        assert match_title(paper, [entry]).status == LINKED
    assert match_title(paper, [replace(ENTRIES[5], published=date(2024, 5, 29))]).status == REJECTED


def test_linking_keeps_the_papers_own_data_and_adds_arxivs(captured):
    paper = by_id(captured)[RELATIVE]
    record = next(e for e in ENTRIES if e.arxiv_id == "2209.15430")
    linked = linked_paper(paper, record)
    assert linked.id == RELATIVE and linked.title == paper.title
    assert linked.arxiv_id == "2209.15430" and linked.url == "https://arxiv.org/abs/2209.15430"
    assert linked.authors[-1] == "Emanuele Rodolà" and linked.author_count == 6
    assert linked.author_names[0].family == "Moschella"
    assert linked.categories == ("cs.LG", "cs.AI") and linked.comment == "ICLR 2023 notable top 5%"
    assert linked.sources == (*paper.sources, "arXiv API")
    assert linked.abstract == paper.abstract  # the capture's longer abstract stays
    # the date is arXiv's first version, not Hugging Face's listing day
    assert paper.published == date(2022, 9, 30) and linked.published == date(2022, 9, 29)


def test_a_latex_titled_capture_matches_arxivs_unicode_title(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "000_latex.txt").write_text(
        "Get trending papers in your email inbox once a day!\n"
        "Get trending papers in your email inbox!\n"
        "SubscribeMat\\'ern Gaussian processes on graphs\n"
        "Gaussian processes are a versatile framework.\n"
        "Mat\\'ern kernels without an arXiv twin\n"
        "An abstract.\n",
        encoding="utf-8",
    )
    papers = corpus_papers(Corpus(folder), Library(tmp_path / "lib.sqlite"))
    assert papers[0].title == "Matérn Gaussian processes on graphs"
    client, seen = fake_client(FakeTime())
    outcomes, errors = look_up(papers, client)
    assert [o.status for o in outcomes] == [LINKED, NOT_FOUND] and errors == []
    assert outcomes[0].linked.arxiv_id == "2010.15538"
    assert len(seen) == 1
    assert seen[0].url.params["search_query"] == (
        'ti:"matérn gaussian processes on graphs" OR ti:"matérn kernels without an arxiv twin"'
    )
    assert seen[0].url.params["max_results"] == "10"


# --- lookups: batches, politeness, cut-short answers -------------------------------


def test_titles_go_ten_to_a_request_three_seconds_apart(captured):
    papers = captured[:25]
    time = FakeTime()
    client, seen = fake_client(time)
    outcomes, _ = look_up(papers, client)
    assert len(outcomes) == 25 and len(seen) == 3
    assert [r.url.params["search_query"].count(" OR ") + 1 for r in seen] == [10, 10, 5]
    assert [r.url.params["max_results"] for r in seen] == ["50", "50", "25"]
    assert time.sleeps == [3.0, 3.0]  # the fake clock only moves by sleeping


def test_a_cut_short_answer_asks_the_unfound_titles_again_alone(captured):
    papers = captured[:3]  # BYOL, near miss, MultiBERTs
    crowded = FEED.replace(b">7</opensearch:totalResults>", b">900</opensearch:totalResults>")
    client, seen = fake_client(FakeTime(), lambda request: atom(crowded))
    outcomes, _ = look_up(papers, client)
    assert [o.status for o in outcomes] == [LINKED, NOT_FOUND, AMBIGUOUS]
    assert len(seen) == 2  # the batch, then the near miss alone
    assert seen[1].url.params["search_query"] == (
        'ti:"bootstrap in high dimension with low computation"'
    )
    assert "not among the first 50" in outcomes[1].reason


# --- storing: ids resolve, bookmarks stay, the index catches up, resumable ------------


def test_link_stores_resolvable_papers_keeps_bookmarks_and_catches_the_index_up(
    locations, corpus, library
):
    byol = by_id(corpus_papers(corpus, library))[BYOL]
    library.add_tag(byol, "ssl")
    library.set_note(byol, "read this")
    time = FakeTime()
    client, seen = fake_client(time)
    summary = link_library(
        corpus_papers(corpus, library)[:12],
        client,
        locations=locations,
        corpus=corpus,
        library=library,
    )
    assert summary.count(LINKED) == 2 and summary.stored == 2  # BYOL and RELATIVE
    assert summary.count(AMBIGUOUS) == 1 and summary.count(NOT_FOUND) == 9
    assert len(seen) == 2 and time.sleeps == [3.0]

    answer = resolve("2006.07733", library)
    assert answer.paper is not None and answer.paper.id == BYOL
    assert resolve("https://arxiv.org/abs/2006.07733v2", library).paper.id == BYOL
    mark = library.bookmark(BYOL)
    assert mark.tags == ("ssl",) and mark.note == "read this"
    assert (
        mark.paper.arxiv_id == "2006.07733" and mark.paper.url == "https://arxiv.org/abs/2006.07733"
    )

    index = open_index(locations, corpus, library=library).index
    found = index.find("arxiv", "2006.07733")
    assert [p.id for p in found] == [BYOL] and found[0].authors[0] == "Jean-Bastien Grill"
    assert index.stamp.revision == library.revision()

    # a second run skips the linked paper: its title is not asked for again
    again_client, again = fake_client(FakeTime())
    second = link_library(
        corpus_papers(corpus, library)[:12],
        again_client,
        locations=locations,
        corpus=corpus,
        library=library,
    )
    assert second.skipped == 2 and second.looked_up == 10 and second.stored == 0
    asked = [r.url.params["search_query"] for r in again]
    assert all('ti:"bootstrap your own latent a new' not in q for q in asked)
    assert all('ti:"relative representations' not in q for q in asked)
    assert 'ti:"the multiberts bert reproductions for robustness analysis"' in asked[0]


def test_dry_run_writes_nothing(locations, corpus, library):
    revision = library.revision()
    client, _ = fake_client(FakeTime())
    summary = link_library(
        corpus_papers(corpus, library)[:3],
        client,
        locations=locations,
        corpus=corpus,
        library=library,
        dry_run=True,
    )
    assert summary.count(LINKED) == 1 and summary.stored == 0
    assert library.revision() == revision and library.stored_count() == 0
    assert resolve("2006.07733", library).paper is None


def test_arxiv_unreachable_mid_run_keeps_the_batches_before(locations, corpus, library):
    answers = [atom(FEED)]

    def handler(request):
        if answers:
            return answers.pop()
        return httpx.Response(503)

    client, seen = fake_client(FakeTime(), handler)
    papers = corpus_papers(corpus, library)[:20]
    with pytest.raises(ArxivUnavailable):
        link_library(papers, client, locations=locations, corpus=corpus, library=library)
    assert len(seen) == 1 + 4  # the first batch, then the second with its 3 retries
    assert library.stored_paper(BYOL).arxiv_id == "2006.07733"
    index = open_index(locations, corpus, library=library).index
    assert [p.id for p in index.find("arxiv", "2006.07733")] == [BYOL]


def test_an_error_answer_fails_its_batch_only(locations, corpus, library):
    error = (FIXTURES / "arxiv_atom_error.xml").read_bytes()
    answers = [httpx.Response(400, content=error), atom(FEED)]  # popped from the end
    client, _ = fake_client(FakeTime(), lambda request: answers.pop())
    summary = link_library(
        corpus_papers(corpus, library)[:20],
        client,
        locations=locations,
        corpus=corpus,
        library=library,
    )
    assert summary.count(LINKED) == 2 and summary.stored == 2  # the first batch
    assert summary.count("failed") == 10 and len(summary.errors) == 1
    assert "arXiv reports an error" in str(summary.errors[0])
