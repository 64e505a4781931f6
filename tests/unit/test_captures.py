"""The capture parser on the three real bundled captures, and on broken ones."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from paperbrowse.core.models import normalise_title
from paperbrowse.core.sources.captures import (
    CaptureError,
    bundled_corpus_dir,
    corpus_files,
    load_captures,
    parse_capture,
)

LISTING_A = "000_5a92e8646c0d0fb8.txt"
DAILY = "001_af1a0bc6a79f1219.txt"
LISTING_B = "002_6108f1eb25147e7f.txt"


@pytest.fixture(scope="module")
def corpus_dir() -> Path:
    return bundled_corpus_dir()


@pytest.fixture(scope="module")
def loaded(corpus_dir: Path):
    return load_captures(corpus_files(corpus_dir))


@pytest.fixture(scope="module")
def by_title(loaded):
    def find(prefix: str):
        matches = [p for p in loaded.papers if p.title.startswith(prefix)]
        assert len(matches) == 1, f"{len(matches)} papers start with {prefix!r}"
        return matches[0]

    return find


def test_bundled_corpus_has_the_three_captures(corpus_dir: Path) -> None:
    assert [p.name for p in corpus_files(corpus_dir)] == [LISTING_A, DAILY, LISTING_B]


def test_counts_447_entries_of_379_distinct_papers(loaded) -> None:
    assert loaded.entries == 447
    assert len(loaded.papers) == 379
    assert loaded.errors == []
    keys = [normalise_title(p.title) for p in loaded.papers]
    assert len(set(keys)) == len(keys)
    assert len({p.id for p in loaded.papers}) == 379


@pytest.mark.parametrize(
    ("name", "count", "first", "last"),
    [
        (
            LISTING_A,
            183,
            "Bootstrap your own latent: A new approach",
            "A Survey on Latent Reasoning",
        ),
        (
            DAILY,
            45,
            "End-to-End Training for Unified Tokenization",
            "Graph schemas as abstractions",
        ),
        (LISTING_B, 219, "Language Mixing in Reasoning Language Models", "Learning Interpretable"),
    ],
)
def test_each_layout_parses_every_entry(corpus_dir, name, count, first, last) -> None:
    papers = parse_capture(corpus_dir / name)
    assert len(papers) == count
    assert papers[0].title.startswith(first)  # "Subscribe" glued to the first title is removed
    assert papers[-1].title.startswith(last)
    assert all(p.title and p.abstract for p in papers)
    assert all(p.sources == (name,) for p in papers)


def test_listing_layout_has_no_metadata(corpus_dir) -> None:
    papers = parse_capture(corpus_dir / LISTING_A)
    assert all(p.published is None and p.upvotes is None for p in papers)


def test_daily_layout_dates_without_year_are_in_the_capture_year(by_title) -> None:
    # The capture writes years out up to 2025 and omits them otherwise: taken in 2026.
    paper = by_title("End-to-End Training for Unified Tokenization")
    assert paper.published == date(2026, 3, 23)
    assert paper.author_count == 8
    assert paper.upvotes is None


def test_daily_layout_date_with_year(by_title) -> None:
    paper = by_title("Multi-modal Gaussian Process Variational Autoencoders")
    assert paper.published == date(2023, 10, 4)
    assert paper.author_count == 5


def test_daily_layout_upvotes_follow_the_date(by_title) -> None:
    yearless = by_title("Compositional Generalization Requires Linear")
    assert (yearless.published, yearless.upvotes, yearless.author_count) == (
        date(2026, 2, 27),
        3,
        3,
    )
    with_year = by_title("Latent Collaboration in Multi-Agent Systems")
    assert (with_year.published, with_year.upvotes) == (date(2025, 11, 25), 13)


def test_daily_layout_organisation_handle_and_name(by_title) -> None:
    paper = by_title("Latent Collaboration in Multi-Agent Systems")
    assert (paper.org_handle, paper.organisation, paper.author_count) == (
        "Gen-Verse",
        "Princeton-AI",
        None,
    )
    nyu = by_title("Diffusion Transformers with Representation")
    assert (nyu.org_handle, nyu.organisation) == ("nyu-visionx", "VISIONx @ NYU")
    adobe = by_title("Both Semantics and Reconstruction Matter")
    assert (adobe.org_handle, adobe.organisation, adobe.upvotes) == ("adobe", "Adobe", 7)


def test_daily_layout_dates_span_the_years(loaded) -> None:
    years = {p.published.year for p in loaded.papers if p.published}
    assert min(years) == 2015 and max(years) == 2026
    assert sum(1 for p in loaded.papers if p.published) == 45


def test_latex_fragments_become_unicode(by_title) -> None:
    assert "Hida-Matérn" in by_title("Linear Time GPs for Inferring Latent").abstract
    assert "Fréchet mean" in by_title("Geometry-Aware Adaptation").abstract
    micdir = by_title("MICDIR").abstract
    assert "0.8013 ± 0.0243" in micdir
    assert "\\pm" not in micdir
    structure = by_title("With Limited Data for Multimodal Alignment").abstract
    assert "samples–less than 1%" in structure  # "x2013" entity leftover → en dash


def test_escaped_percent_and_plain_percent(loaded) -> None:
    abstracts = " ".join(p.abstract for p in loaded.papers)
    assert "\\%" not in abstracts
    assert "74.3% top-1" in abstracts  # a plain % is not a LaTeX comment


def test_duplicates_merge_richest_metadata(by_title) -> None:
    paper = by_title("Relative representations enable zero-shot latent space")
    assert paper.sources == (LISTING_A, DAILY, LISTING_B)
    assert paper.published == date(2022, 9, 30)  # only the daily capture has the date
    assert paper.author_count == 6


def test_paper_ids_are_stable(by_title) -> None:
    # Ids are derived from the normalised title: bookmarks survive rebuilds.
    assert by_title("Latent Collaboration in Multi-Agent Systems").id == "pb:628b981498c5"


def _copy_corpus(tmp_path: Path, corpus_dir: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(corpus_dir, folder)
    return folder


def test_malformed_daily_capture_names_file_and_line(tmp_path, corpus_dir) -> None:
    folder = _copy_corpus(tmp_path, corpus_dir)
    lines = (folder / DAILY).read_text(encoding="utf-8").splitlines()
    assert lines[18] == "Mar 23"
    lines[18] = "sometime in March"
    (folder / DAILY).write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(CaptureError) as info:
        parse_capture(folder / DAILY)
    assert info.value.path.name == DAILY
    assert info.value.line == 19
    assert f"{DAILY}:19:" in str(info.value)
    assert "sometime in March" in str(info.value)


def test_malformed_capture_does_not_stop_the_others(tmp_path, corpus_dir) -> None:
    folder = _copy_corpus(tmp_path, corpus_dir)
    lines = (folder / LISTING_A).read_text(encoding="utf-8").splitlines()
    del lines[5]  # an abstract goes missing: titles and abstracts fall out of step
    (folder / LISTING_A).write_text("\n".join(lines), encoding="utf-8")
    result = load_captures(corpus_files(folder))
    assert len(result.errors) == 1
    error = result.errors[0]
    assert error.path.name == LISTING_A
    assert error.line > 0
    assert [f.name for f in result.files] == [DAILY, LISTING_B]
    assert result.entries == 45 + 219


def test_not_a_capture(tmp_path) -> None:
    bogus = tmp_path / "notes.txt"
    bogus.write_text("just some notes\nabout papers\n", encoding="utf-8")
    with pytest.raises(CaptureError, match=r"notes.txt:1: no 'Subscribe' line"):
        parse_capture(bogus)


def test_binary_file_is_reported_with_its_line(tmp_path) -> None:
    bogus = tmp_path / "binary.txt"
    bogus.write_bytes(b"Subscribe\nline two\n\xff\xfe broken")
    with pytest.raises(CaptureError, match=r"binary.txt:3: not UTF-8"):
        parse_capture(bogus)
