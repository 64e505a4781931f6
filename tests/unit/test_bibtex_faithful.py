"""A researcher's .bib comes back intact: BibTeX import → export keeps every value.

``tests/fixtures/thesis.bib`` is a thesis bibliography of our making with every
standard entry type (and biblatex's ``@online``, ``@report``, ``@thesis``) and
the quirks real files have: ``@string`` macros, quoted values, ``month = {Sept}``,
accents (``{\\"u}``, ``{\\H{o}}``), ``\\&`` and ``\\%``, ``OPT`` fields, particles
(``Del Maestro``, ``van den Berg``, ``da Silva``), ``Jr.`` parts, corporate
authors, ``and others``, editors, and fields paperbrowse does not model.

The comparison reads both files with bibtexparser and compares each source
field with the exported one *by meaning*: LaTeX decoded to Unicode, names split
into BibTeX's parts, the date fields as one date, the arXiv fields as one arXiv
id (an ``eprinttype`` may come back as ``archivePrefix``).
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from pathlib import Path

import bibtexparser
import pytest

from paperbrowse.core.export import render_bibtex
from paperbrowse.core.library import Bookmark
from paperbrowse.core.models import Paper
from paperbrowse.core.sources.bibtex import (
    _published,
    entry_arxiv_id,
    latex_text,
    parse_bibtex,
    parse_names,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
THESIS = FIXTURES / "thesis.bib"
ADDED = datetime(2026, 3, 23, 9, 30, tzinfo=UTC)
_DATE_FIELDS = {"year", "month", "day", "date"}
_ARXIV_FIELDS = {"eprint", "archiveprefix", "eprinttype", "primaryclass"}


def _fields(entry) -> dict[str, str]:
    return {key.lower(): str(field.value) for key, field in entry.fields_dict.items()}


def _meaning(name: str, value: str):
    return parse_names(value) if name in ("author", "editor") else latex_text(value)


def compare(source: str, exported: str) -> tuple[int, int, list[str]]:
    """``(values kept, values in the source, what was lost)`` for two BibTeX texts.

    A value is an entry's key, its entry type, or one of its fields.
    """
    out = {e.key: e for e in bibtexparser.parse_string(exported).entries}
    total = kept = 0
    lost: list[str] = []
    for entry in bibtexparser.parse_string(source).entries:
        total += 2
        again = out.get(entry.key)
        if again is None:
            lost.append(f"{entry.key}: key")
            continue
        kept += 1
        if again.entry_type.lower() == entry.entry_type.lower():
            kept += 1
        else:
            lost.append(f"{entry.key}: type {entry.entry_type} -> {again.entry_type}")
        before, after = _fields(entry), _fields(again)
        for name, value in before.items():
            total += 1
            if name in _DATE_FIELDS:
                same = _published(before) == _published(after)
            elif name in _ARXIV_FIELDS:
                same = entry_arxiv_id(before) == entry_arxiv_id(after)
                if name == "primaryclass":
                    same = same and value == after.get(name)
            else:
                same = name in after and _meaning(name, value) == _meaning(name, after[name])
            kept += same
            if not same:
                lost.append(f"{entry.key}: {name} {value!r} -> {after.get(name)!r}")
    return kept, total, lost


def _papers(text: str) -> list[Paper]:
    records = list(parse_bibtex(text, "thesis.bib"))
    assert all(isinstance(r, Paper) for r in records), records
    return records  # type: ignore[return-value]


def test_the_thesis_bibliography_comes_back_whole() -> None:
    source = THESIS.read_text(encoding="utf-8")
    papers = _papers(source)
    assert len(papers) == 28
    exported = render_bibtex([Bookmark(p, ADDED) for p in papers])
    kept, total, lost = compare(source, exported)
    assert total > 250
    assert lost == []  # the issue asks for 99 %; nothing is lost
    assert kept / total >= 0.99


def test_import_export_import_is_the_identity() -> None:
    for path in (THESIS, FIXTURES / "refs.bib"):
        records = list(parse_bibtex(path.read_text(encoding="utf-8"), "thesis.bib"))
        first = [r for r in records if isinstance(r, Paper)]
        again = _papers(render_bibtex([Bookmark(p, ADDED) for p in first]))
        for before, after in zip(first, again, strict=True):
            assert before == after, before.citation_key


def test_entry_types_keys_and_venues_survive() -> None:
    papers = {p.citation_key: p for p in _papers(THESIS.read_text(encoding="utf-8"))}
    exported = render_bibtex([Bookmark(p, ADDED) for p in papers.values()])
    entries = {e.key: e for e in bibtexparser.parse_string(exported).entries}
    assert set(entries) == set(papers)  # every key as imported, none renamed
    stripe = entries["delmaestro2006stripe"]
    assert stripe.entry_type == "article"
    assert (
        _fields(stripe).items()
        >= {
            "journal": "Phys. Rev. B",
            "volume": "74",
            "number": "2",
            "pages": "024520",
            "publisher": "American Physical Society",
            "year": "2006",
        }.items()
    )
    assert stripe["author"].startswith("Del Maestro, Adrian and")
    grill = entries["grill2020byol"]
    assert grill.entry_type == "inproceedings"
    assert grill["booktitle"] == "Advances in Neural Information Processing Systems"
    assert grill["author"].endswith(" and others")  # the source's list was cut short
    assert grill["OPTnote"] == "Check the camera-ready version"  # unknown fields verbatim
    assert entries["titsias2005thesis"]["school"] == "University of Edinburgh"
    assert entries["sutskever2014tr"]["institution"].startswith("Max Planck")
    assert entries["sutskever2014tr"]["type"] == "Technical Report"
    assert entries["goodfellow2016deep"]["isbn"] == "978-0262035613"
    assert entries["king1963letter"]["author"] == "King, Jr., Martin Luther"
    assert entries["who2020covid"]["author"] == "{World Health Organization}"
    assert entries["who2020covid"]["urldate"] == "2024-01-15"
    # a year-only entry gets no month; "Sept" comes back as the month macro
    assert "month" not in _fields(entries["hinton2012dropout"])
    assert entries["borovitskiy2020matern"].fields_dict["month"].value == "sep"
    # the source's own brace protection, not a whole-title {{…}}
    assert (
        entries["hu2021lora"]["title"] == "{L}o{RA}: Low-Rank Adaptation of Large Language Models"
    )
    assert entries["hinton2012dropout"]["title"].startswith("Improving neural networks")


def test_titles_from_other_sources_protect_only_what_must_keep_its_case() -> None:
    paper = Paper(id="pb:1", title="LoRA and WF-VAE: Scaling GPT-4 Models with Matérn Kernels")
    (entry,) = bibtexparser.parse_string(render_bibtex([Bookmark(paper, ADDED)])).entries
    assert entry["title"] == (
        "{LoRA} and {WF-VAE}: Scaling {GPT-4} Models with Mat{\\'e}rn Kernels"
    )
    (again,) = _papers(render_bibtex([Bookmark(paper, ADDED)]))
    assert again.title == paper.title


def test_an_arxiv_paper_with_a_journal_reference_is_an_article() -> None:
    preprint = Paper(id="arxiv:1", title="T", arxiv_id="2006.07733", categories=("cs.LG",))
    published = dataclasses.replace(preprint, journal_ref="Phys. Rev. B 74, 024520 (2006)")
    text = render_bibtex([Bookmark(preprint, ADDED), Bookmark(published, ADDED)])
    first, second = bibtexparser.parse_string(text).entries
    assert (first.entry_type, second.entry_type) == ("misc", "article")
    assert _fields(first)["archiveprefix"] == "arXiv" and _fields(first)["primaryclass"] == "cs.LG"
    assert second["journal"] == "Phys. Rev. B 74, 024520 (2006)"


@pytest.fixture
def run(locations):
    from click.testing import CliRunner

    from paperbrowse.cli import cli

    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(cli, ["--data-dir", str(locations.data_dir), *args])

    return invoke


def test_add_bibtex_then_export_through_the_library(run, tmp_path: Path) -> None:
    """The issue's walkthrough: ``add bibtex``, put every entry on a list by its key,
    ``export --list … --format bibtex``: ≥ 99 % of keys, types and values come back."""
    result = run("add", "bibtex", str(THESIS))
    assert result.exit_code == 0, result.output
    keys = [e.key for e in bibtexparser.parse_string(THESIS.read_text("utf-8")).entries]
    result = run("list", "add", "Thesis", *keys)
    assert result.exit_code == 0, result.output
    out = tmp_path / "thesis-out.bib"
    result = run("export", "--list", "Thesis", "--format", "bibtex", "-o", str(out))
    assert result.exit_code == 0, result.output
    kept, total, lost = compare(THESIS.read_text("utf-8"), out.read_text("utf-8"))
    assert kept / total >= 0.99, lost
    assert lost == []
    # and the same through CSL-JSON: the keys are the same papers' keys
    csl = tmp_path / "thesis.csl.json"
    assert run("export", "--list", "Thesis", "-o", str(csl)).exit_code == 0
    assert sorted(item["id"] for item in json.loads(csl.read_text("utf-8"))) == sorted(keys)


def test_add_file_reads_every_export_format_back(run, tmp_path: Path) -> None:
    """``add file`` takes .bib, .csl.json, .ris, .json and .csv by their names: an
    export of the thesis list re-imported into a fresh library adds the same papers."""
    assert run("add", "bibtex", str(THESIS)).exit_code == 0
    keys = [e.key for e in bibtexparser.parse_string(THESIS.read_text("utf-8")).entries]
    assert run("list", "add", "Thesis", *keys).exit_code == 0
    for name in ("t.csl.json", "t.ris", "t.json", "t.csv", "t.bib"):
        out = tmp_path / name
        assert run("export", "--list", "Thesis", "-o", str(out)).exit_code == 0
        result = run("add", "file", str(out))
        assert result.exit_code == 0, (name, result.output)
        # everything is known already: nothing is added, nothing fails
        assert "added 0," in result.output and "errors 0" in result.output, (name, result.output)
    odd = tmp_path / "refs.txt"
    odd.write_text("x", encoding="utf-8")
    result = run("add", "file", str(odd))
    assert result.exit_code == 2 and "cannot tell the format of" in result.output


def test_re_importing_an_export_does_not_turn_tags_into_keywords(run, tmp_path: Path) -> None:
    """Tags are written in ``keywords``; reading that export back must not store them
    as the paper's own keywords, or a tag removed later would come back."""
    assert run("add", "bibtex", str(THESIS)).exit_code == 0
    assert run("tag", "vonneumann1928theorie", "x", "café").exit_code == 0
    out = tmp_path / "t.bib"
    assert run("export", "--tag", "x", "-o", str(out)).exit_code == 0
    assert "keywords = {game theory, minimax, caf{\\'e}, x}" in out.read_text("utf-8")
    assert run("add", "file", str(out)).exit_code == 0
    assert run("tag", "vonneumann1928theorie", "--remove", "x").exit_code == 0
    assert run("export", "--tag", "café", "-o", str(out)).exit_code == 0
    text = out.read_text("utf-8")
    assert "keywords = {game theory, minimax, caf{\\'e}}" in text  # the source's, then tags


def test_the_published_date_is_kept_over_the_arxiv_submission_date(run, tmp_path) -> None:
    """refs.bib's Phys. Rev. B article is "Jul 2006"; its arXiv record says 2 March 2006
    (the submission): the journal's date stays, in every export."""
    assert run("add", "bibtex", str(FIXTURES / "refs.bib")).exit_code == 1  # one broken entry
    assert run("add", "jsonl", str(FIXTURES / "arxiv_snapshot.jsonl")).exit_code == 1
    assert run("tag", "delmaestro2006stripe", "cm").exit_code == 0
    out = tmp_path / "t.bib"
    assert run("export", "--tag", "cm", "-o", str(out)).exit_code == 0
    (entry,) = bibtexparser.parse_string(out.read_text("utf-8")).entries
    assert entry.fields_dict["month"].value == "jul" and "day" not in entry.fields_dict
    assert entry["journal"] == "Phys. Rev. B"
    assert entry["eprint"] == "cond-mat/0603029"  # what the arXiv record added
