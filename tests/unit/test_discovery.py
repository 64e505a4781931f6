"""Search that forgives and discovers: fallbacks, spelling, relaxed queries,
similar papers, facets and filters, query history, and their CLI."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from paperbrowse.cli import cli
from paperbrowse.core.engine.query import QueryError, plain_words
from paperbrowse.core.history import QueryHistory
from paperbrowse.core.index import PaperIndex, edit_distance
from paperbrowse.core.locations import Locations
from paperbrowse.core.models import Filters


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('"latent diffusion', "latent diffusion"),
        ("year:[2020 TO", "year 2020"),
        ("diffusion : model", "diffusion model"),
        ("AND", ""),
        ("(latent OR", "latent"),
        ("WF-VAE", "WF-VAE"),
    ],
)
def test_plain_words_drop_the_syntax(text: str, words: str) -> None:
    assert plain_words(text) == words


def test_strict_search_raises_and_forgiving_search_runs_the_plain_words(
    index: PaperIndex,
) -> None:
    with pytest.raises(QueryError):
        index.search('"latent diffusion')
    forgiven = index.search('"latent diffusion', forgiving=True)
    assert forgiven.ran == "latent diffusion"
    assert "unclosed quote" in forgiven.notice and "plain words" in forgiven.notice
    assert forgiven.total == index.search("latent diffusion").total > 0
    assert index.search("AND", forgiving=True).total == 0


def test_edit_distance_counts_a_swap_as_one_edit() -> None:
    assert edit_distance("modle", "model") == 1
    assert edit_distance("speach", "speech") == 1
    assert edit_distance("speach", "space") == 2
    assert edit_distance("", "abc") == 3
    assert edit_distance("same", "same") == 0


def test_correct_replaces_only_unknown_words(index: PaperIndex) -> None:
    assert index.correct("difusion modle") == "diffusion model"
    assert index.correct("text to speach") == "text to speech"
    assert index.correct("latent diffusion") is None  # every word is known
    # field names, operators, wildcards and fuzzy terms are left alone
    assert index.correct("title:difusion AND laten*") == "title:diffusion AND laten*"
    assert index.correct("difusion~") is None


def test_a_query_finding_nothing_runs_its_correction(index: PaperIndex) -> None:
    results = index.search("transfomer", forgiving=True)
    assert results.ran == "transformer"
    assert results.total == index.search("transformer").total > 0
    assert "nothing matched 'transfomer'" in results.notice


def test_a_query_finding_little_is_offered_its_correction(index: PaperIndex) -> None:
    results = index.search("smoth OR nowcasting", forgiving=True)
    assert results.total == 1 and results.ran is None
    assert results.suggestion == "smooth OR nowcasting"
    assert index.search(results.suggestion).total > 1


def test_words_that_no_paper_has_together_give_the_best_partial_matches(
    index: PaperIndex,
) -> None:
    text = "how to make diffusion sampling faster"
    assert index.search(text).total == 0
    relaxed = index.search(text, forgiving=True)
    assert relaxed.total > 0 and "no paper has every word" in relaxed.notice
    top = relaxed.hits[0].paper
    assert "diffusion" in top.abstract.lower() and "sampling" in top.abstract.lower()
    assert [h.rank for h in relaxed.hits] == list(range(len(relaxed.hits)))
    # explicit syntax is never relaxed
    assert index.search('"how to make diffusion"', forgiving=True).total == 0


@pytest.mark.parametrize(
    ("query", "title_word"),
    [("wfvae", "WF-VAE"), ("WF-VAE", "WF-VAE"), ("cyclediffusion", "CycleDiffusion"),
     ("infovae", "InfoVAE"), ("matern", "Matérn"), ("factorization", "Factorisation")],
)  # fmt: skip
def test_compound_accented_and_british_words_are_found(  # in a top-5 title or abstract
    index: PaperIndex, query: str, title_word: str
) -> None:
    texts = [f"{h.paper.title} {h.paper.abstract}" for h in index.search(query).hits[:5]]
    assert any(title_word in t for t in texts), query


def test_phrases_survive_stop_words_and_hyphens(index: PaperIndex) -> None:
    assert index.search('"bootstrap your own latent"').total >= 2
    assert index.search('abstract:"diffusion-based"').total > 0


def test_similar_papers_share_the_topic(index: PaperIndex) -> None:
    paper = index.search('title:"latent diffusion"').hits[0].paper
    similar = index.similar(paper.id, limit=10)
    assert len(similar.hits) == 10 and similar.total == 10
    assert paper.id not in {h.paper.id for h in similar.hits}
    on_topic = sum("diffusion" in (h.paper.title + h.paper.abstract).lower() for h in similar.hits)
    assert on_topic >= 8
    with pytest.raises(KeyError):
        index.similar("pb:000000000000")


def test_facets_count_every_hit_and_filters_narrow(index: PaperIndex) -> None:
    everything = index.search("diffusion", facets=True, limit=5)
    assert len(everything.hits) == 5  # the page is cut even when grouping
    facets = everything.facets
    assert facets is not None
    dated = [h for h in index.search("diffusion", limit=None).hits if h.paper.year]
    for year, count in facets.years:
        assert count == sum(h.paper.year == year for h in dated)
    year, count = max(facets.years, key=lambda item: item[1])
    narrowed = index.search("diffusion", facets=True, filters=Filters(years=(year, year)))
    assert narrowed.total == count
    assert {h.paper.year for h in narrowed.hits} == {year}
    assert narrowed.facets.years == facets.years  # its own facet ignores its filter
    org, org_count = facets.organisations[0]
    by_org = index.search("diffusion", filters=Filters(organisation=org))
    assert by_org.total == org_count and all(h.paper.organisation == org for h in by_org.hits)
    assert index.search("diffusion", filters=Filters(ids=frozenset())).total == 0


def test_history_keeps_recent_distinct_queries(tmp_path) -> None:
    path = tmp_path / "history.json"
    history = QueryHistory(path, limit=3)
    for q in ["a", "b", " ", "a", "c", "d"]:
        history.add(q)
    assert QueryHistory(path).entries == history.entries == ["a", "c", "d"]
    path.write_text("{not json", encoding="utf-8")
    assert QueryHistory(path).entries == []


def test_cli_facets_agree_with_the_core_and_similar_works(
    locations: Locations, index: PaperIndex
) -> None:
    runner = CliRunner()
    base = ["--data-dir", str(locations.data_dir)]
    out = runner.invoke(cli, [*base, "search", "diffusion", "--facets", "--json"])
    assert out.exit_code == 0, out.output
    payload = json.loads(out.output)
    facets = index.search("diffusion", facets=True).facets
    assert payload["facets"]["years"] == {str(y): n for y, n in facets.years}
    year = facets.years[-1][0]
    out = runner.invoke(cli, [*base, "search", "diffusion", "--year", str(year), "--json"])
    assert json.loads(out.output)["total"] == dict(facets.years)[year]

    paper = index.search('title:"latent diffusion"').hits[0].paper
    out = runner.invoke(cli, [*base, "similar", paper.id, "-n", "3", "--json"])
    assert out.exit_code == 0
    ids = [h["id"] for h in json.loads(out.output)["hits"]]
    assert ids == [h.paper.id for h in index.similar(paper.id, limit=3).hits]
    out = runner.invoke(cli, [*base, "similar", "pb:000000000000"])
    assert out.exit_code == 2 and "no paper with id" in out.output

    out = runner.invoke(cli, [*base, "search", "smoth", "OR", "nowcasting"])
    assert "Did you mean" in out.output and "smooth OR nowcasting" in out.output
