"""Exports read by the tools researchers feed them to: citeproc-py, rispy, pybtex, bibtexparser.

A varied reading list (every entry type, surname particles, corporate
authors, year-only and year-month dates, arXiv-only papers, papers without
authors) is exported in each format and handed to the pure-Python consumers;
the tests assert what they read and print (family names, venue, year), not
only that they accept the files. pandoc and biber are exercised by
``benchmarks/interop.py``.
"""

from __future__ import annotations

import json
import warnings
from datetime import UTC, date, datetime
from pathlib import Path

import bibtexparser
import citeproc
import pytest
import rispy
from bibtexparser.middlewares import SeparateCoAuthors, SplitNameParts
from citeproc import (
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    formatter,
)
from citeproc.source.json import CiteProcJSON
from pybtex.database import parse_string as pybtex_parse

from paperbrowse.core import export
from paperbrowse.core.library import Bookmark
from paperbrowse.core.models import MONTH, YEAR, Name, Paper, paper_id_for

ADDED = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
HARVARD = Path(citeproc.STYLES_PATH) / "harvard-cite-them-right.csl"


def _paper(title: str, arxiv_id: str | None = None, **fields) -> Paper:
    names = fields.get("names", ())
    if names and "authors" not in fields:
        fields["authors"] = tuple(map(str, names))
    if "authors" in fields and "author_count" not in fields and fields.get("names"):
        fields["author_count"] = len(fields["authors"])
    return Paper(id=paper_id_for(title, arxiv_id), title=title, arxiv_id=arxiv_id, **fields)


def reading_list() -> list[Bookmark]:
    """A reading list with every entry type and the quirks references have.

    Keys (in order): delmaestro2006stripe (article, particle kept in the
    family name, year-month), borovitskiy2020matern (inproceedings, year
    only, editors), vanderberg2019handbook (incollection, lower-case
    particle), king1963letter (inbook, suffix), knuth1984texbook (book,
    edition, ISBN, extra fields), editors2015volume (an edited book without
    authors), icml2020 (proceedings), who2020report (techreport, corporate
    author), fontaine2018thesis (phdthesis), muller2021masters
    (mastersthesis), python2023reference (manual, corporate author),
    plato2024dialogue (unpublished), grill2020bootstrap (an arXiv preprint,
    names not split by the source), dowling2023linear (arXiv with a journal
    reference, no type), hfdaily2025 (online), adobe2025both (a Hugging Face
    capture: an organisation and a count of authors, no names), and
    undated (no authors, no date, no type).
    """
    papers = [
        _paper(
            "From stripe to checkerboard order on the square lattice",
            "cond-mat/0603029",
            names=(
                Name(family="Del Maestro", given="Adrian"),
                Name(family="Rosenow", given="Bernd"),
                Name(family="Sachdev", given="Subir"),
            ),
            published=date(2006, 7, 1),
            date_parts=MONTH,
            entry_type="article",
            citation_key="delmaestro2006stripe",
            container="Physical Review B",
            volume="74",
            number="2",
            pages="024520",
            doi="10.1103/PhysRevB.74.024520",
            url="https://doi.org/10.1103/PhysRevB.74.024520",
            latex=(("title", "From stripe to checkerboard order on the square lattice"),),
        ),
        _paper(
            "Matérn Gaussian processes on Riemannian manifolds",
            names=(
                Name(family="Borovitskiy", given="Viacheslav"),
                Name(family="Terenin", given="Alexander"),
                Name(family="Mostowsky", given="Peter"),
                Name(family="Deisenroth", given="Marc Peter"),
            ),
            published=date(2020, 1, 1),
            date_parts=YEAR,
            entry_type="inproceedings",
            citation_key="borovitskiy2020matern",
            editors=(
                Name(family="Larochelle", given="H."),
                Name(family="Ranzato", given="M."),
            ),
            container="Advances in Neural Information Processing Systems",
            volume="33",
            pages="12426–12437",
            publisher="Curran Associates, Inc.",
        ),
        _paper(
            "Spectral methods for small things",
            names=(
                Name(family="Berg", particle="van der", given="Vincent"),
                Name(family="Smith", given="Ada"),
            ),
            published=date(2019, 1, 1),
            date_parts=YEAR,
            entry_type="incollection",
            citation_key="vanderberg2019handbook",
            editors=(Name(family="Beethoven", particle="van", given="Ludwig"),),
            container="Handbook of Small Things",
            series="Lecture Notes in Physics",
            volume="12",
            pages="45–67",
            publisher="Springer",
            address="Berlin",
        ),
        _paper(
            "Letter from Birmingham Jail",
            names=(Name(family="King", given="Martin Luther", suffix="Jr."),),
            published=date(1963, 1, 1),
            date_parts=YEAR,
            entry_type="inbook",
            citation_key="king1963letter",
            container="Why We Can't Wait",
            pages="77–100",
            publisher="Harper & Row",
            address="New York",
            extra=(("chapter", "5"),),
        ),
        _paper(
            "The TeXbook",
            names=(Name(family="Knuth", given="Donald E."),),
            published=date(1984, 1, 1),
            date_parts=YEAR,
            entry_type="book",
            citation_key="knuth1984texbook",
            publisher="Addison-Wesley",
            address="Reading, MA",
            edition="2",
            isbn="978-0-201-13447-6",
            extra=(("language", "english"), ("mrclass", "68N15")),
        ),
        _paper(
            "Collected essays on kernels",
            published=date(2015, 1, 1),
            date_parts=YEAR,
            entry_type="book",
            citation_key="editors2015volume",
            editors=(
                Name(family="Schölkopf", given="Bernhard"),
                Name(family="Smola", given="Alexander J."),
            ),
            publisher="MIT Press",
        ),
        _paper(
            "Proceedings of the 37th International Conference on Machine Learning",
            published=date(2020, 7, 1),
            date_parts=MONTH,
            entry_type="proceedings",
            citation_key="icml2020",
            editors=(
                Name(family="Daumé", given="Hal", suffix="III"),
                Name(family="Singh", given="Aarti"),
            ),
            series="Proceedings of Machine Learning Research",
            volume="119",
            publisher="PMLR",
        ),
        _paper(
            "World report on hearing",
            names=(Name(literal="World Health Organization"),),
            published=date(2021, 3, 3),
            entry_type="techreport",
            citation_key="who2020report",
            institution="World Health Organization",
            number="WHO/2021.1",
            address="Geneva",
            issn="0028-0836",
        ),
        _paper(
            "Des fables et des graphes",
            names=(Name(family="Fontaine", particle="de La", given="Jean"),),
            published=date(2018, 9, 1),
            date_parts=MONTH,
            entry_type="phdthesis",
            citation_key="fontaine2018thesis",
            institution="Université Paris Cité",
            address="Paris",
        ),
        _paper(
            "Sparse variational inference",
            names=(Name(family="Müller-Šedivý", given="José"),),
            published=date(2021, 1, 1),
            date_parts=YEAR,
            entry_type="mastersthesis",
            citation_key="muller2021masters",
            institution="ETH Zürich",
        ),
        _paper(
            "The Python Language Reference",
            names=(Name(literal="Python Software Foundation"),),
            published=date(2023, 10, 2),
            entry_type="manual",
            citation_key="python2023reference",
            edition="3.12",
            url="https://docs.python.org/3.12/reference/",
        ),
        _paper(
            "A dialogue on forms",
            names=(Name(literal="Plato"),),
            published=date(2024, 1, 1),
            date_parts=YEAR,
            entry_type="unpublished",
            citation_key="plato2024dialogue",
            note="Manuscript in preparation",
        ),
        _paper(
            "Bootstrap your own latent: a new approach to self-supervised learning",
            "2006.07733",
            authors=("Jean-Bastien Grill", "Bernardo Ávila Pires", "Adrian Del Maestro"),
            author_count=3,
            published=date(2020, 6, 13),
            citation_key="grill2020bootstrap",
            url="https://arxiv.org/abs/2006.07733",
            doi="10.48550/arXiv.2006.07733",
            categories=("cs.LG", "stat.ML"),
            comment="Accepted at NeurIPS 2020",
        ),
        _paper(
            "Linear time GPs for inferring latent trajectories",
            "2306.01802",
            authors=("Matthew Dowling", "Piotr Sokół", "Il Memming Park"),
            author_count=3,
            published=date(2023, 6, 8),
            citation_key="dowling2023linear",
            journal_ref="Phys. Rev. Lett. 130, 123401 (2023)",
            categories=("stat.ML",),
        ),
        _paper(
            "Daily Papers",
            published=date(2025, 3, 1),
            date_parts=MONTH,
            entry_type="online",
            citation_key="hfdaily2025",
            url="https://huggingface.co/papers",
            howpublished="Hugging Face website",
            organisation="Hugging Face",
            org_handle="huggingface",
        ),
        _paper(
            "Both semantics and reconstruction matter",
            "2512.12345",
            author_count=12,
            organisation="Adobe",
            org_handle="adobe",
            upvotes=7,
            published=date(2025, 12, 19),
            citation_key="adobe2025both",
            url="https://huggingface.co/papers/2512.12345",
        ),
        _paper("An undated note", citation_key="undated"),
    ]
    marks = [Bookmark(p, ADDED) for p in papers]
    marks[0] = Bookmark(
        papers[0],
        ADDED,
        tags=("physics", "stripes"),
        note="Compare with the checkerboard case.\nSee Fig. 3.",
        status="reading",
        lists=("Thesis",),
    )
    marks[12] = Bookmark(papers[12], ADDED, tags=("ssl",), status="to-read", lists=("Club",))
    return marks


KEYS = [bm.paper.citation_key for bm in reading_list()]


@pytest.fixture(scope="module")
def marks() -> list[Bookmark]:
    return reading_list()


# -- CSL-JSON through citeproc-py -------------------------------------------------------


def citeproc_render(items: list[dict]) -> tuple[dict[str, str], list[str], list[str]]:
    """Render every item with the bundled Harvard style.

    Returns:
        ({key: bibliography entry}, [citation per key], [warning messages]).
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        source = CiteProcJSON(export.for_citeproc(items))
        style = CitationStylesStyle(str(HARVARD), validate=False)
        bibliography = CitationStylesBibliography(style, source, formatter.plain)
        citations = [Citation([CitationItem(item["id"])]) for item in items]
        for citation in citations:
            bibliography.register(citation)
        cited = [str(bibliography.cite(c, lambda item: None)) for c in citations]
        entries = [str(entry) for entry in bibliography.bibliography()]
    by_key = {}
    for entry in entries:
        for item in items:
            if item["title"][:20].lower() in entry.lower():
                by_key.setdefault(item["id"], entry)
    return by_key, cited, [str(w.message) for w in caught]


def test_csljson_renders_through_citeproc_without_warnings(marks) -> None:
    items = json.loads(export.render_csljson(marks))
    entries, cited, caught = citeproc_render(items)
    assert caught == []
    assert set(entries) == set(KEYS)  # every item made a bibliography entry
    text = dict(zip(KEYS, cited, strict=True))
    assert text["delmaestro2006stripe"] == "(Del Maestro, Rosenow and Sachdev, 2006)"
    assert text["vanderberg2019handbook"] == "(van der Berg and Smith, 2019)"
    assert text["who2020report"] == "(World Health Organization, 2021)"
    assert text["king1963letter"] == "(King, 1963)"
    # no author names: the citation leads with the title, never "Adobe" or "12 authors"
    assert text["adobe2025both"] == "(“Both semantics and reconstruction matter”, 2025)"
    assert "Adobe" not in entries["adobe2025both"] and "upvote" not in entries["adobe2025both"]
    assert text["undated"] == "(“An undated note”, no date)"

    stripe = entries["delmaestro2006stripe"]
    assert stripe.startswith("Del Maestro, A., Rosenow, B. and Sachdev, S. (2006)")
    assert "Physical Review B" in stripe and "74(2)" in stripe
    matern = entries["borovitskiy2020matern"]
    assert "(2020)" in matern and "Advances in Neural Information Processing Systems" in matern
    assert "12426–12437" in matern and "Curran Associates" in matern
    assert "van der Berg, V." in entries["vanderberg2019handbook"]
    assert "Handbook of Small Things" in entries["vanderberg2019handbook"]
    assert "King, M.L., Jr." in entries["king1963letter"] or "King Jr." in entries["king1963letter"]
    assert (
        "2nd ed." in entries["knuth1984texbook"] and "Addison-Wesley" in entries["knuth1984texbook"]
    )
    assert "Université Paris Cité" in entries["fontaine2018thesis"]
    assert "PhD thesis" in entries["fontaine2018thesis"]
    # names given as one string are split by rule of thumb: "Del" is a particle
    assert text["grill2020bootstrap"] == "(Grill, Pires and Del Maestro, 2020)"
    grill = entries["grill2020bootstrap"]
    assert "Del Maestro, A." in grill and "arXiv" in grill
    # paperbrowse's own data is never printed
    for entry in entries.values():
        assert "paperbrowse" not in entry and "pb:" not in entry and "Compare with" not in entry


def test_csljson_dates_carry_only_the_known_parts(marks) -> None:
    items = {i["id"]: i for i in json.loads(export.render_csljson(marks))}
    assert items["borovitskiy2020matern"]["issued"] == {"date-parts": [[2020]]}
    assert items["delmaestro2006stripe"]["issued"] == {"date-parts": [[2006, 7]]}
    assert items["who2020report"]["issued"] == {"date-parts": [[2021, 3, 3]]}
    assert "issued" not in items["undated"]


def test_csljson_types(marks) -> None:
    types = {i["id"]: i["type"] for i in json.loads(export.render_csljson(marks))}
    assert types == {
        "delmaestro2006stripe": "article-journal",
        "borovitskiy2020matern": "paper-conference",
        "vanderberg2019handbook": "chapter",
        "king1963letter": "chapter",
        "knuth1984texbook": "book",
        "editors2015volume": "book",
        "icml2020": "book",
        "who2020report": "report",
        "fontaine2018thesis": "thesis",
        "muller2021masters": "thesis",
        "python2023reference": "report",
        "plato2024dialogue": "manuscript",
        "grill2020bootstrap": "article",
        "dowling2023linear": "article-journal",
        "hfdaily2025": "webpage",
        "adobe2025both": "article",
        "undated": "article",
    }


# -- RIS through rispy --------------------------------------------------------------------


def test_ris_reads_through_rispy(marks) -> None:
    entries = {e["id"]: e for e in rispy.loads(export.render_ris(marks))}
    assert list(entries) == KEYS  # ID is the citation key
    stripe = entries["delmaestro2006stripe"]
    assert stripe["type_of_reference"] == "JOUR"
    assert stripe["authors"] == ["Del Maestro, Adrian", "Rosenow, Bernd", "Sachdev, Subir"]
    assert stripe["journal_name"] == "Physical Review B"
    assert (stripe["volume"], stripe["number"], stripe["start_page"]) == ("74", "2", "024520")
    assert stripe["year"] == "2006" and stripe["date"] == "2006/07//"
    # rispy reads each continuation line of a list tag (N1) as one more item
    assert "\n".join(stripe["notes"]) == "Compare with the checkerboard case.\nSee Fig. 3."
    assert stripe["keywords"] == ["physics", "stripes"]
    matern = entries["borovitskiy2020matern"]
    assert matern["type_of_reference"] == "CPAPER"
    assert matern["secondary_title"] == "Advances in Neural Information Processing Systems"
    assert (matern["start_page"], matern["end_page"]) == ("12426", "12437")
    assert matern["year"] == "2020" and "date" not in matern  # year only: PY, no DA
    assert matern["secondary_authors"] == ["Larochelle, H.", "Ranzato, M."]
    assert entries["vanderberg2019handbook"]["authors"][0] == "van der Berg, Vincent"
    assert entries["king1963letter"]["authors"] == ["King, Martin Luther, Jr."]
    assert entries["who2020report"]["authors"] == ["World Health Organization"]
    types = {key: e["type_of_reference"] for key, e in entries.items()}
    assert types == {
        "delmaestro2006stripe": "JOUR",
        "borovitskiy2020matern": "CPAPER",
        "vanderberg2019handbook": "CHAP",
        "king1963letter": "CHAP",
        "knuth1984texbook": "BOOK",
        "editors2015volume": "EDBOOK",
        "icml2020": "CONF",
        "who2020report": "RPRT",
        "fontaine2018thesis": "THES",
        "muller2021masters": "THES",
        "python2023reference": "RPRT",
        "plato2024dialogue": "UNPB",
        "grill2020bootstrap": "UNPB",
        "dowling2023linear": "JOUR",
        "hfdaily2025": "ELEC",
        "adobe2025both": "UNPB",
        "undated": "GEN",
    }
    assert entries["fontaine2018thesis"]["publisher"] == "Université Paris Cité"
    assert entries["fontaine2018thesis"]["type_of_work"] == "PhD thesis"
    assert entries["knuth1984texbook"]["issn"] == "978-0-201-13447-6"  # SN: the ISBN
    assert entries["dowling2023linear"]["journal_name"].startswith("Phys. Rev. Lett.")
    adobe = entries["adobe2025both"]
    assert "authors" not in adobe and "author_address" not in adobe
    assert adobe["accession_number"] == "arXiv:2512.12345"
    private = json.loads(adobe["custom8"].removeprefix(export.RIS_PRIVATE_PREFIX))
    assert private["organisation"] == "Adobe" and private["author-count"] == 12
    assert private["upvotes"] == 7
    assert all("author_address" not in e for e in entries.values())


# -- BibTeX through pybtex and bibtexparser ----------------------------------------------


def test_bibtex_names_and_types_through_pybtex(marks) -> None:
    data = pybtex_parse(export.render_bibtex(marks), "bibtex")
    assert list(data.entries) == KEYS
    stripe = data.entries["delmaestro2006stripe"]
    assert stripe.type == "article"
    first = stripe.persons["author"][0]
    assert first.last_names == ["Del", "Maestro"] and first.first_names == ["Adrian"]
    berg = data.entries["vanderberg2019handbook"].persons["author"][0]
    assert (berg.prelast_names, berg.last_names) == (["van", "der"], ["Berg"])
    who = data.entries["who2020report"].persons["author"]
    assert len(who) == 1 and who[0].last_names == ["{World Health Organization}"]
    king = data.entries["king1963letter"].persons["author"][0]
    assert king.lineage_names == ["Jr."]
    assert {key: e.type for key, e in data.entries.items()} == {
        "delmaestro2006stripe": "article",
        "borovitskiy2020matern": "inproceedings",
        "vanderberg2019handbook": "incollection",
        "king1963letter": "inbook",
        "knuth1984texbook": "book",
        "editors2015volume": "book",
        "icml2020": "proceedings",
        "who2020report": "techreport",
        "fontaine2018thesis": "phdthesis",
        "muller2021masters": "mastersthesis",
        "python2023reference": "manual",
        "plato2024dialogue": "unpublished",
        "grill2020bootstrap": "misc",
        "dowling2023linear": "article",
        "hfdaily2025": "online",
        "adobe2025both": "misc",
        "undated": "misc",
    }
    adobe = data.entries["adobe2025both"]
    assert "author" not in adobe.persons
    assert "Adobe" not in " ".join(adobe.fields.values())  # not printed as note/institution
    grill = data.entries["grill2020bootstrap"]
    assert grill.fields["eprint"] == "2006.07733" and grill.fields["archivePrefix"] == "arXiv"
    assert "month" not in data.entries["borovitskiy2020matern"].fields  # year only


def test_bibtex_names_through_bibtexparser(marks) -> None:
    library = bibtexparser.parse_string(
        export.render_bibtex(marks), append_middleware=[SeparateCoAuthors(), SplitNameParts()]
    )
    assert library.failed_blocks == []
    entries = {e.key: e for e in library.entries}
    first = entries["delmaestro2006stripe"]["author"][0]
    assert (first.first, first.von, first.last) == (["Adrian"], [], ["Del", "Maestro"])
    berg = entries["vanderberg2019handbook"]["author"][0]
    assert (berg.von, berg.last) == (["van", "der"], ["Berg"])
    (who,) = entries["who2020report"]["author"]
    assert who.last == ["{World Health Organization}"]
    assert entries["borovitskiy2020matern"]["booktitle"].startswith("Advances in Neural")
    assert entries["delmaestro2006stripe"]["journal"] == "Physical Review B"
