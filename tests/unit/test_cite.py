"""Formatted citations (``C`` in the app): citeproc-py with paperbrowse's Harvard style.

Real references: a journal article with volume, issue and pages (Phys. Rev. B),
an arXiv-only preprint, a book, a conference paper with editors, a thesis, a
report without authors and with a year only, an undated paper, a corporate author.
"""

from __future__ import annotations

import json
import warnings
from datetime import date
from xml.etree import ElementTree

import pytest

from paperbrowse.core.cite import DEFAULT_STYLE, bundled_style, csl_item, format_citation
from paperbrowse.core.export import for_citeproc, render_csljson
from paperbrowse.core.library import Bookmark
from paperbrowse.core.models import DAY, MONTH, YEAR, Name, Paper

PRB = Paper(
    id="pb:prb",
    title="From stripe to checkerboard order on the square lattice in the presence of "
    "quenched disorder",
    authors=("Adrian Del Maestro", "Bernd Rosenow", "Subir Sachdev"),
    names=(Name("Del Maestro", "Adrian"), Name("Rosenow", "Bernd"), Name("Sachdev", "Subir")),
    published=date(2006, 7, 1),
    date_parts=MONTH,
    entry_type="article",
    container="Physical Review B",
    volume="74",
    number="2",
    pages="024520",
    doi="10.1103/PhysRevB.74.024520",
    citation_key="delmaestro2006stripe",
)
MATERN = Paper(
    id="arxiv:2006.10160",
    title="Matérn Gaussian processes on Riemannian manifolds",
    authors=("Viacheslav Borovitskiy", "Alexander Terenin", "Peter Mostowsky", "Marc Deisenroth"),
    published=date(2020, 6, 17),
    date_parts=DAY,
    arxiv_id="2006.10160",
    url="https://huggingface.co/papers/2006.10160",
)
WHO = Paper(
    id="pb:who",
    title="World health statistics 2020",
    published=date(2020, 1, 1),
    date_parts=YEAR,
    entry_type="techreport",
    institution="World Health Organization",
    address="Geneva",
)


def test_a_journal_article_with_volume_issue_pages_and_doi() -> None:
    assert format_citation(PRB) == (
        "Del Maestro, A., Rosenow, B. and Sachdev, S. (2006) “From stripe to checkerboard "
        "order on the square lattice in the presence of quenched disorder”, Physical Review B, "
        "74(2), p. 024520. Available at: https://doi.org/10.1103/PhysRevB.74.024520."
    )


def test_an_arxiv_only_preprint_cites_its_arxiv_page() -> None:
    assert format_citation(MATERN) == (
        "Borovitskiy, V. et al. (2020) “Matérn Gaussian processes on Riemannian manifolds”, "
        "arXiv [Preprint]. Available at: https://arxiv.org/abs/2006.10160."
    )


def test_no_authors_puts_the_title_first_once() -> None:
    citation = format_citation(WHO)
    assert citation == (
        "World health statistics 2020 (2020). Technical report. Geneva: World Health Organization."
    )
    assert citation.count("World health statistics") == 1
    assert "n.d." not in citation and "no date" not in citation


def test_no_authors_and_no_date() -> None:
    paper = Paper(id="pb:x", title="A note on nothing in particular")
    # the style's own word for a missing date (Cite Them Right: "no date")
    assert format_citation(paper) == "“A note on nothing in particular” (no date)."


def test_a_year_only_date_and_a_corporate_author() -> None:
    paper = Paper(
        id="pb:y",
        title="Global tuberculosis report",
        authors=("World Health Organization",),
        names=(Name(literal="World Health Organization"),),
        published=date(2019, 1, 1),
        date_parts=YEAR,
        entry_type="book",
        publisher="WHO Press",
        address="Geneva",
    )
    item = csl_item(paper)
    assert item["issued"] == {"date-parts": [[2019]]}
    assert item["author"] == [{"literal": "World Health Organization"}]
    assert format_citation(paper) == (
        "World Health Organization (2019) Global tuberculosis report. Geneva: WHO Press."
    )


def test_particles_book_chapter_editors_and_pages() -> None:
    paper = Paper(
        id="pb:z",
        title="Attention is all you need",
        authors=("Ashish Vaswani", "Ludwig van Beethoven"),
        names=(Name("Vaswani", "Ashish"), Name("Beethoven", "Ludwig", particle="van")),
        published=date(2017, 1, 1),
        date_parts=YEAR,
        entry_type="inproceedings",
        container="Advances in Neural Information Processing Systems",
        volume="30",
        pages="5998–6008",
        editors=(Name("Guyon", "Isabelle"),),
    )
    item = csl_item(paper)
    assert item["type"] == "paper-conference"
    assert item["author"][1] == {
        "family": "Beethoven",
        "given": "Ludwig",
        "non-dropping-particle": "van",
    }
    assert format_citation(paper) == (
        "Vaswani, A. and van Beethoven, L. (2017) “Attention is all you need”, in I. Guyon "
        "(ed.) Advances in Neural Information Processing Systems, pp. 5998–6008."
    )


def test_a_thesis_names_its_kind_and_school() -> None:
    paper = Paper(
        id="pb:t",
        title="Quantum fluids in nanopores",
        authors=("Adrian Del Maestro",),
        names=(Name("Del Maestro", "Adrian"),),
        published=date(2008, 1, 1),
        date_parts=YEAR,
        entry_type="phdthesis",
        institution="University of Vermont",
    )
    assert format_citation(paper) == (
        "Del Maestro, A. (2008) Quantum fluids in nanopores. PhD thesis. University of Vermont."
    )


@pytest.mark.parametrize("paper", [PRB, MATERN, WHO])
def test_items_use_csl_variables_only(paper: Paper) -> None:
    """citeproc-py warns about every variable it does not know: none may be written."""
    from citeproc.source.json import CiteProcJSON

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        CiteProcJSON([csl_item(paper)])


def test_the_csl_item() -> None:
    item = csl_item(PRB)
    assert item == {
        "id": "delmaestro2006stripe",
        "type": "article-journal",
        "title": PRB.title,
        "author": [
            {"family": "Del Maestro", "given": "Adrian"},
            {"family": "Rosenow", "given": "Bernd"},
            {"family": "Sachdev", "given": "Subir"},
        ],
        "issued": {"date-parts": [[2006, 7]]},
        "container-title": "Physical Review B",
        "volume": "74",
        "issue": "2",
        "page": "024520",
        "DOI": "10.1103/PhysRevB.74.024520",
    }
    arxiv = csl_item(MATERN)
    assert arxiv["type"] == "article" and arxiv["container-title"] == "arXiv"
    assert arxiv["number"] == "arXiv:2006.10160" and "publisher" not in arxiv
    # cited at the arXiv page, not the paper's own (Hugging Face) link
    assert arxiv["URL"] == "https://arxiv.org/abs/2006.10160"


def test_the_styles() -> None:
    """paperbrowse's style ships in the package and is CSL; another style can be given."""
    root = ElementTree.parse(DEFAULT_STYLE).getroot()
    assert root.tag == "{http://purl.org/net/xbiblio/csl}style"
    original = bundled_style()
    assert original.name == "harvard-cite-them-right.csl"
    # the same entry as paperbrowse's style for a paper with authors
    assert format_citation(PRB, original) == format_citation(PRB)
    with pytest.raises(FileNotFoundError):
        format_citation(PRB, DEFAULT_STYLE.with_name("missing.csl"))


MISC = Paper(
    id="pb:misc",
    title="Sketch of the analytical engine invented by Charles Babbage",
    authors=("Ada Lovelace",),
    names=(Name("Lovelace", "Ada"),),
    published=date(1843, 1, 1),
    date_parts=YEAR,
    entry_type="misc",
    howpublished="Scientific Memoirs",
    note="Translated from the French",
    url="https://example.org/sketch",
)


def _cite_exported(paper: Paper) -> str:
    """``paper`` exported as CSL-JSON, read back as JSON and formatted by citeproc-py."""
    from citeproc import (
        Citation,
        CitationItem,
        CitationStylesBibliography,
        CitationStylesStyle,
        formatter,
    )
    from citeproc.source.json import CiteProcJSON

    (item,) = for_citeproc(json.loads(render_csljson([Bookmark(paper, None)])))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bibliography = CitationStylesBibliography(
            CitationStylesStyle(str(DEFAULT_STYLE), validate=False),
            CiteProcJSON([item]),
            formatter.plain,
        )
        bibliography.register(Citation([CitationItem(item["id"])]))
        return " ".join(str(bibliography.bibliography()[0]).split())


@pytest.mark.parametrize(
    ("paper", "expected"),
    [
        (
            PRB,
            "Del Maestro, A., Rosenow, B. and Sachdev, S. (2006) “From stripe to checkerboard "
            "order on the square lattice in the presence of quenched disorder”, Physical Review "
            "B, 74(2), p. 024520. Available at: https://doi.org/10.1103/PhysRevB.74.024520.",
        ),
        (
            MISC,
            "Lovelace, A. (1843) “Sketch of the analytical engine invented by Charles Babbage”. "
            "Available at: https://example.org/sketch.",
        ),
    ],
    ids=["journal-article", "year-only-misc"],
)
def test_a_citation_agrees_with_the_csljson_export(paper: Paper, expected: str) -> None:
    """``C`` and a CSL-JSON export formatted by another citeproc user give the same entry."""
    item = csl_item(paper)
    exported = json.loads(render_csljson([Bookmark(paper, None)]))[0]
    assert item == {k: v for k, v in exported.items() if k in item}
    assert set(exported) - set(item) <= {"citation-key", "custom"}
    assert format_citation(paper) == _cite_exported(paper) == expected
