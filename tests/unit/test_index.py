"""The Whoosh index: schema, query language, sorting, highlights, atomic builds."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from paperbrowse.core.engine.query import QueryError
from paperbrowse.core.engine.tables import Tables
from paperbrowse.core.index import SCHEMA_VERSION, BuildCancelled, IndexStore, PaperIndex
from paperbrowse.core.locations import Locations
from paperbrowse.core.models import Filters
from paperbrowse.core.service import Corpus, needs_build, open_index
from paperbrowse.core.sources.captures import bundled_corpus_dir, load_captures


def titles(index: PaperIndex, text: str, **kwargs) -> list[str]:
    return [h.paper.title for h in index.search(text, limit=None, **kwargs).hits]


def test_every_paper_is_indexed(index: PaperIndex) -> None:
    assert index.doc_count() == 379
    assert index.stamp.schema == SCHEMA_VERSION


def test_empty_query_lists_all_papers_newest_first(index: PaperIndex) -> None:
    results = index.search("", limit=None)
    assert results.total == 379 and len(results.hits) == 379
    assert results.sort == "date"
    dates = [h.paper.published for h in results.hits if h.paper.published]
    assert dates == sorted(dates, reverse=True)
    assert results.hits[0].paper.published is not None
    assert results.hits[-1].paper.published is None  # undated papers come last


def test_words_are_anded_across_fields(index: PaperIndex) -> None:
    for title in titles(index, "latent diffusion")[:10]:
        assert "latent" in title.lower() or "diffusion" in title.lower()
    both = index.search("latent diffusion").total
    assert both < index.search("latent").total
    assert both < index.search("diffusion").total


def test_title_matches_rank_first(index: PaperIndex) -> None:
    top = titles(index, "latent diffusion")[:3]
    assert all("latent" in t.lower() and "diffusion" in t.lower() for t in top)


def test_boolean_operators(index: PaperIndex) -> None:
    latent = set(titles(index, "latent"))
    diffusion = set(titles(index, "diffusion"))
    assert set(titles(index, "latent OR diffusion")) == latent | diffusion
    assert set(titles(index, "latent NOT diffusion")) == latent - diffusion
    assert set(titles(index, "latent AND diffusion")) == latent & diffusion


def test_phrase_and_field(index: PaperIndex) -> None:
    phrase = titles(index, 'title:"latent diffusion"')
    assert phrase and all("latent diffusion" in t.lower() for t in phrase)
    assert "Binary Latent Diffusion" in phrase
    assert len(phrase) < index.search("title:latent title:diffusion").total


def test_year_range_only_matches_dated_papers(index: PaperIndex) -> None:
    hits = index.search("year:[2020 TO 2023]", limit=None).hits
    years = sorted(h.paper.year for h in hits)
    assert years and years[0] >= 2020 and years[-1] <= 2023
    assert len(hits) == 15


def test_upvote_comparison(index: PaperIndex) -> None:
    hits = index.search("upvotes:>5", limit=None).hits
    assert {h.paper.upvotes for h in hits} == {6, 7, 13}


def test_wildcard_and_fuzzy(index: PaperIndex) -> None:
    assert "Binary Latent Diffusion" in titles(index, "diffus*")
    assert "Binary Latent Diffusion" in titles(index, "difusion~")


def test_accent_folding(index: PaperIndex) -> None:
    matern = titles(index, "matern")
    assert matern == titles(index, "Matérn")
    assert any(t.startswith("Linear Time GPs") for t in matern)


def test_stemming_and_hyphenated_words(index: PaperIndex) -> None:
    # "diffusion" finds "diffusion-based"; "models" finds "model".
    based = index.search('abstract:"diffusion-based"', limit=None).total
    assert based > 0
    assert index.search("diffusion", limit=None).total >= based
    assert index.search("models").total == index.search("model").total


def test_organisation_field(index: PaperIndex) -> None:
    assert titles(index, "organisation:adobe") == [
        t for t in titles(index, "") if t.startswith("Both Semantics and Reconstruction")
    ]


def test_sort_by_upvotes(index: PaperIndex) -> None:
    hits = index.search("", sort="upvotes", limit=5).hits
    assert [h.paper.upvotes for h in hits] == [13, 7, 6, 5, 5]


def test_sort_by_date_with_a_query(index: PaperIndex) -> None:
    hits = index.search("latent", sort="date", limit=None).hits
    dates = [h.paper.published for h in hits if h.paper.published]
    assert dates == sorted(dates, reverse=True)


def test_unknown_sort_is_rejected(index: PaperIndex) -> None:
    with pytest.raises(ValueError, match="unknown sort"):
        index.search("x", sort="citations")


def test_total_counts_beyond_the_limit(index: PaperIndex) -> None:
    results = index.search("latent", limit=5)
    assert len(results.hits) == 5 and results.total > 100


@pytest.mark.parametrize(
    "bad", ["year:[", "(latent", "latent AND", '"latent diffusion', "year:abc"]
)
def test_malformed_queries_raise_query_error(index: PaperIndex, bad: str) -> None:
    with pytest.raises(QueryError) as info:
        index.search(bad)
    assert info.value.query == bad
    assert info.value.column >= 1


def test_stop_words_only_is_an_empty_result_not_an_error(index: PaperIndex) -> None:
    results = index.search("the of")
    assert results.total == 0 and results.hits == ()


def test_highlights_title_and_snippet(index: PaperIndex) -> None:
    hit = index.search("latent diffusion").hits[0]
    marked = [text.lower() for text, matched in hit.title if matched]
    assert "latent" in marked and "diffusion" in marked
    assert "".join(text for text, _ in hit.title) == hit.paper.title
    assert any(matched for _, matched in hit.snippet)


def test_highlight_expands_fuzzy_terms(index: PaperIndex) -> None:
    results = index.search("difusion~")
    assert "diffus" in results.terms["title"]
    segs = index.highlight("Diffusion models diffuse; diffident", results)
    assert [t for t, m in segs if m] == ["Diffusion", "diffuse"]


def test_negated_terms_are_not_highlighted(index: PaperIndex) -> None:
    results = index.search("latent NOT diffusion")
    assert all("diffus" not in terms for terms in results.terms.values())


def test_get_by_id(index: PaperIndex) -> None:
    paper = index.search("organisation:adobe").hits[0].paper
    assert index.get(paper.id) == paper
    assert index.get("pb:nothing") is None


# ------------------------------------------------------------ building


def test_second_open_does_not_rebuild(locations: Locations, corpus: Corpus) -> None:
    assert not needs_build(locations, corpus)
    assert open_index(locations, corpus).built is False


def test_first_open_builds_into_xdg_data_home(tmp_path, monkeypatch, corpus) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    locations = Locations.resolve()
    assert locations.data_dir == (tmp_path / "xdg" / "paperbrowse").resolve()
    progress: list[tuple[int, int]] = []
    opened = open_index(locations, corpus, progress=lambda d, t: progress.append((d, t)))
    assert opened.built and opened.entries == 447
    assert progress[-1] == (379, 379)
    assert (locations.index_root / "CURRENT").is_file()


def test_corpus_change_triggers_rebuild(tmp_path, locations: Locations) -> None:
    folder = tmp_path / "corpus"
    shutil.copytree(bundled_corpus_dir(), folder)
    changed = Corpus(folder)
    assert not needs_build(locations, changed)  # same bytes, same fingerprint
    (folder / "002_6108f1eb25147e7f.txt").unlink()
    assert needs_build(locations, changed)
    opened = open_index(locations, changed)
    assert opened.built and opened.index.doc_count() < 379


def test_schema_change_triggers_rebuild(locations: Locations, corpus: Corpus) -> None:
    current = locations.index_root / "CURRENT"
    data = json.loads(current.read_text())
    data["stamp"]["schema"] = SCHEMA_VERSION - 1
    current.write_text(json.dumps(data))
    assert needs_build(locations, corpus)
    assert open_index(locations, corpus).built


def test_damaged_index_is_rebuilt(locations: Locations, corpus: Corpus) -> None:
    folder = IndexStore(locations.index_root).read_current()[0]
    for segment in folder.glob("*.seg"):
        segment.write_bytes(b"garbage")
    for toc in folder.glob("*.toc"):
        toc.write_bytes(b"garbage")
    opened = open_index(locations, corpus)
    assert opened.built
    assert opened.index.search("latent").total > 100


def test_cancelled_build_keeps_the_old_index(locations: Locations, corpus: Corpus) -> None:
    store = IndexStore(locations.index_root)
    before = store.read_current()
    papers = load_captures(corpus.files()).papers
    calls = iter(range(10_000))
    with pytest.raises(BuildCancelled):
        store.build(papers, "other-corpus", is_cancelled=lambda: next(calls) > 100)
    assert store.read_current() == before
    assert [p.name for p in locations.index_root.glob("gen-*")] == [before[0].name]
    assert store.open().search("latent").total > 100


def test_failed_build_keeps_the_old_index(
    locations: Locations, corpus: Corpus, monkeypatch
) -> None:
    store = IndexStore(locations.index_root)
    before = store.read_current()
    papers = load_captures(corpus.files()).papers

    def full_disk(done: int, total: int) -> None:
        if done > 50:
            raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space"):
        store.build(papers, "other-corpus", progress=full_disk)
    assert store.read_current() == before
    assert store.open().doc_count() == 379


def test_open_without_index_says_where(tmp_path: Path) -> None:
    from paperbrowse.core.index import IndexUnavailable

    with pytest.raises(IndexUnavailable, match=str(tmp_path)):
        IndexStore(tmp_path / "index").open()


def _figures(index: PaperIndex) -> list:
    out = []
    for text, sort, filters in [
        ("", "date", None),
        ("", "upvotes", None),
        ("diffusion", "relevance", None),
        ("model", "date", Filters(years=(2024, 2025))),
    ]:
        r = index.search(text, sort=sort, limit=15, facets=True, filters=filters)
        out.append((r.total, [h.paper.id for h in r.hits], r.facets))
    return out


def test_a_build_saves_the_tables_the_next_open_reads(tmp_path: Path, monkeypatch) -> None:
    papers = load_captures(sorted(bundled_corpus_dir().glob("*.txt"))).papers
    store = IndexStore(tmp_path)
    built = store.build(papers, "c")
    expected = _figures(built)
    folder = store.read_current()[0]
    assert [p.name for p in folder.glob("tables-*.bin")] == ["tables-1.bin"]

    def no_columns(*args):
        raise AssertionError("the saved tables were not used")

    monkeypatch.setattr(Tables, "read", no_columns)
    assert _figures(store.open()) == expected


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage"])
def test_damaged_tables_are_recomputed_and_saved_again(tmp_path: Path, damage: str) -> None:
    papers = load_captures(sorted(bundled_corpus_dir().glob("*.txt"))).papers
    store = IndexStore(tmp_path)
    expected = _figures(store.build(papers, "c"))
    saved = next(store.read_current()[0].glob("tables-*.bin"))
    data = saved.read_bytes()
    if damage == "truncate":
        saved.write_bytes(data[: len(data) - 7])
    elif damage == "flip":
        saved.write_bytes(data[:-5] + bytes([data[-5] ^ 0xFF]) + data[-4:])
    else:
        saved.write_bytes(b"not tables at all")
    assert _figures(store.open()) == expected
    assert saved.read_bytes() == data  # saved again by the search that recomputed them


def test_a_catch_up_saves_the_new_state_and_drops_the_old_tables(tmp_path: Path) -> None:
    from dataclasses import replace

    from paperbrowse.core.library import Library

    papers = load_captures(sorted(bundled_corpus_dir().glob("*.txt"))).papers
    store = IndexStore(tmp_path / "index")
    store.build(papers[:100], "c")
    library = Library(tmp_path / "library.db")
    library.store_papers([replace(p, upvotes=10_000 + n) for n, p in enumerate(papers[100:110])])
    assert store.catch_up(library) == 10
    folder = store.read_current()[0]
    assert [p.name for p in folder.glob("tables-*.bin")] == ["tables-2.bin"]
    index = store.open()
    top = index.search("", sort="upvotes", limit=3)
    assert [h.paper.id for h in top.hits] == [p.id for p in reversed(papers[107:110])]
    assert index.search("", facets=True).total == 110


def test_correct_leaves_words_that_find_what_they_name(index: PaperIndex) -> None:
    assert index.correct("organisation:adobe") is None  # an organisation's name
    assert index.correct("rose") is None  # a title word (RoseLoRA), not in the spelling list
    assert index.correct("organisation:adobe difusion") == "organisation:adobe diffusion"
    results = index.search("rose", forgiving=True)
    assert results.total == 1 and results.suggestion is None


def test_correct_prefers_what_finds_papers_with_the_rest_of_the_query(index: PaperIndex):
    # 'estimates' is commoner, but only 'estimators' is in a paper with the other words
    assert index.correct("grokking linear estimatrs") == "grokking linear estimators"
    # a letter left out (flow) is likelier than a far key struck (few, 2.4x as common)
    assert index.correct("flw") == "flow"
    assert index.search("flw", forgiving=True).ran == "flow"
    assert index.correct("difusion modle") == "diffusion model"


def test_typo_cost_weighs_slips_by_how_likely_they_are() -> None:
    from paperbrowse.core.index import typo_cost

    assert typo_cost("flw", "flow") == 1.0  # a letter left out
    assert typo_cost("flw", "few") == 1.5  # l and e are far apart
    assert typo_cost("modle", "model") == 1.0  # a swap
    assert typo_cost("speach", "speech") == 1.0  # a vowel for a vowel
    assert typo_cost("difusion", "diffusion") == 1.0
    assert typo_cost("latent", "latent") == 0.0


@pytest.mark.parametrize(
    "text,loosened",
    [
        ("smooth AND nowcasting", "smooth OR nowcasting"),
        ('"smooth nowcasting"', "smooth nowcasting"),
        ('title:"smooth nowcasting"', "title:(smooth OR nowcasting)"),
    ],
)
def test_syntax_that_finds_nothing_is_offered_a_looser_query(index, text, loosened) -> None:
    results = index.search(text, forgiving=True)
    assert results.total == 0 and results.suggestion == loosened
    assert index.search(loosened, forgiving=True).total > 0
    assert index.search(text).suggestion is None  # strict: nothing offered


@pytest.mark.parametrize("org", ["Adobe", "adobe", "nyu-visionx", "NYU-VisionX", "visionx @ nyu"])
def test_organisation_filter_takes_any_case_and_the_handle(index: PaperIndex, org: str):
    results = index.search("", filters=Filters(organisation=org), facets=True)
    assert results.total == 1
    paper = results.hits[0].paper
    assert org.casefold() in (paper.organisation.casefold(), paper.org_handle.casefold())
    # the year facet counts within the organisation (its own facet ignores it)
    assert sum(n for _, n in results.facets.years) + results.facets.undated == 1
    assert index.search("", filters=Filters(organisation="visionx")).total == 0


def test_title_acronyms_name_the_paper_whose_title_is_the_expansion() -> None:
    from paperbrowse.core.index import title_acronyms

    byol = "We introduce Bootstrap Your Own Latent (BYOL), a new approach."
    assert title_acronyms("Bootstrap your own latent: A new approach", byol) == ("BYOL",)
    # the expansion ends the title: the paper uses the acronym, does not define it
    assert title_acronyms("Refinement with Bootstrap Your Own Latent", byol) == ()
    # a common phrase starting a longer title is not the paper's name
    ldm = "Latent diffusion models (LDMs) are popular."
    assert title_acronyms("Latent diffusion models for precipitation nowcasting", ldm) == ()
    assert title_acronyms("Learning with Noisy Labels", "We study LNL.") == ("LNL",)
    assert title_acronyms("Latent Consistency Models", "") == ()  # never used: not indexed


def test_an_acronym_finds_the_paper_that_defines_it_first(index: PaperIndex) -> None:
    top = titles(index, "byol")
    assert top[0].startswith("Bootstrap your own latent") and len(top) == 3
    assert titles(index, "lcm")[0].startswith("Latent Consistency Models")
