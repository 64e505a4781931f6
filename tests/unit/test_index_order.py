"""Sorted pages, totals and facets computed from the per-document tables agree with a
brute-force computation over every paper (both strategies of the page cut)."""

from __future__ import annotations

from collections import Counter

import pytest

from paperbrowse.core.forgiving import Forgiving
from paperbrowse.core.models import Filters


def brute(index, text: str, sort: str, filters: Filters):
    every = {h.paper.id: h.paper for h in index.search(text, sort="date", limit=None).hits}
    kept = [
        p
        for p in every.values()
        if (filters.years is None or (p.year and filters.years[0] <= p.year <= filters.years[1]))
        and (filters.organisation is None or p.organisation == filters.organisation)
    ]
    return kept


@pytest.mark.parametrize("sort", ["date", "upvotes"])
@pytest.mark.parametrize(
    "text,filters",
    [
        ("", Filters()),  # everything: the ordered scan
        ("diffusion", Filters()),
        ("diffusion", Filters(years=(2023, 2024))),  # a small set: ranked directly
        ("", Filters(organisation="Adobe")),
    ],
)
def test_sorted_pages_follow_the_sort_keys(index, sort, text, filters):
    results = index.search(text, sort=sort, limit=15, filters=filters, facets=True)
    expected = brute(index, text, sort, filters)
    assert results.total == len(expected)
    papers = [h.paper for h in results.hits]
    assert len(papers) == min(15, len(expected))
    if sort == "date":
        keys = [p.published.toordinal() if p.published else 0 for p in papers]
    else:
        keys = [p.upvotes or 0 for p in papers]
    assert keys == sorted(keys, reverse=True)
    all_keys = sorted(
        (
            (p.published.toordinal() if p.published else 0) if sort == "date" else (p.upvotes or 0)
            for p in expected
        ),
        reverse=True,
    )
    assert keys == all_keys[: len(keys)], "the page holds the best of every match"


# "NOT diffusion" matches most papers: its facets are counted as the whole
# index's less those of the papers it leaves out
@pytest.mark.parametrize("text", ["diffusion", "NOT diffusion"])
def test_facets_count_every_match_and_ignore_their_own_filter(index, text):
    every = index.search(text, sort="date", limit=None).hits
    years = Counter(h.paper.year for h in every if h.paper.year)
    everything = index.search("", limit=1, facets=True).facets
    full = index.search(text, facets=True)
    assert dict(full.facets.years) == dict(years)
    orgs = Counter(h.paper.organisation for h in every if h.paper.organisation)
    assert dict(full.facets.organisations) == dict(orgs)
    assert (len(every) * 2 > len(index.search("", limit=None).hits)) == (text != "diffusion")
    assert full.facets != everything
    narrowed = index.search(text, filters=Filters(years=(2025, 2025)), facets=True)
    assert dict(narrowed.facets.years) == dict(years)  # the year facet ignores the year filter
    orgs_2025 = Counter(
        h.paper.organisation for h in every if h.paper.year == 2025 and h.paper.organisation
    )
    assert dict(narrowed.facets.organisations) == dict(orgs_2025)
    assert narrowed.total == years[2025]


@pytest.mark.parametrize("sort", ["relevance", "date", "upvotes"])
@pytest.mark.parametrize(
    "text,forgiving",
    [
        ("", False),
        ("diffusion", False),
        ("latent OR video", False),
        # no paper has every word: the forgiving search lists those with most of them
        ("how to make diffusion sampling faster", True),
    ],
)
def test_pages_from_an_offset_continue_the_first_page(index, sort, text, forgiving):
    whole = index.search(text, sort=sort, limit=40, forgiving=forgiving)
    assert len(whole.hits) == 40  # enough hits for several pages
    pages = [
        index.search(text, sort=sort, limit=15, offset=offset, forgiving=forgiving)
        for offset in (0, 15, 30)
    ]
    assert [p.offset for p in pages] == [0, 15, 30]
    assert all(p.total == whole.total for p in pages)
    listed = [h for p in pages for h in p.hits][:40]
    assert [h.paper.id for h in listed] == [h.paper.id for h in whole.hits]
    assert [h.rank for h in listed] == list(range(40))
    beyond = index.search(text, sort=sort, limit=15, offset=whole.total, forgiving=forgiving)
    assert beyond.hits == () and beyond.total == whole.total


def test_a_negative_offset_is_refused(index):
    with pytest.raises(ValueError, match="offset"):
        index.search("diffusion", offset=-1)


@pytest.mark.parametrize(
    ("text", "resolved"),
    [
        ("transfomer", "ran"),  # found nothing: ran as its spelling correction
        ('"latent diffusion', "ran"),  # malformed: ran as its plain words
        ("how to make diffusion sampling faster", "relaxed"),  # no paper has every word
        ("diffusion", None),
    ],
)
@pytest.mark.parametrize("sort", ["relevance", "date"])
def test_page_lists_the_resolved_query_at_those_ranks(index, monkeypatch, text, resolved, sort):
    whole = index.search(text, sort=sort, limit=45, forgiving=True)
    first = index.search(text, sort=sort, limit=15, forgiving=True)
    assert len(whole.hits) == 45  # enough hits for three pages
    if resolved == "ran":
        assert first.ran and first.ran != text
    assert first.relaxed == (resolved == "relaxed")

    def no_second_guess(*args, **kwargs):
        raise AssertionError("page() must not correct or loosen the query again")

    monkeypatch.setattr(Forgiving, "correct", no_second_guess)
    monkeypatch.setattr(Forgiving, "loosened", no_second_guess)
    monkeypatch.setattr(Forgiving, "resolve", no_second_guess)
    pages = [index.page(first, offset, 15) for offset in (15, 30)]
    assert [p.offset for p in pages] == [15, 30]
    assert all(p.total == whole.total for p in pages)
    assert all(
        (p.ran, p.relaxed, p.notice) == (first.ran, first.relaxed, first.notice) for p in pages
    )
    listed = [h for p in pages for h in p.hits]
    assert listed == list(whole.hits[15:45])  # paper, rank, score and highlights
    assert index.page(first, whole.total, 15).hits == ()


def test_page_refuses_a_negative_offset_or_limit(index):
    first = index.search("diffusion", limit=15, forgiving=True)
    with pytest.raises(ValueError, match="offset"):
        index.page(first, -1, 15)
    with pytest.raises(ValueError, match="limit"):
        index.page(first, 0, -1)
