"""Export, then re-import: JSON, CSV, CSL-JSON, RIS and BibTeX give back the same papers."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from paperbrowse.core import export
from paperbrowse.core.library import Bookmark
from paperbrowse.core.models import Paper, paper_id_for
from paperbrowse.core.sources.bibtex import read_bibtex
from paperbrowse.core.sources.common import SourceError, SourceUnavailable
from paperbrowse.core.sources.exported import (
    parse_csljson,
    parse_ris,
    read_export,
)

ADDED = datetime(2026, 2, 3, 4, 5, 6, tzinfo=UTC)
ROUND_TRIP_FORMATS = ["json", "csv", "csljson", "ris"]
# What every format must give back exactly (dates are exported to the day everywhere).
COMPARED = ("id", "title", "abstract", "authors", "published", "arxiv_id", "doi", "url")


def _title_id(title: str) -> str:
    return paper_id_for(title)


PAPERS = [
    Paper(
        id=paper_id_for("Bootstrap your own latent", "2006.07733"),
        title="Bootstrap your own latent: a new approach to self-supervised learning",
        abstract="BYOL reaches 74.3% top-1 accuracy & beats SimCLR; no {negative} pairs.",
        authors=(
            "Jean-Bastien Grill",
            "Florian Strub",
            "Florent Altché",
            "Corentin Tallec",
            "Vincent van der Berg",
            "Bernardo Ávila Pires",
            "Zoë Ça",
            "Michal Valko",
        ),
        published=date(2020, 6, 13),
        arxiv_id="2006.07733",
        url="https://arxiv.org/abs/2006.07733",
        doi="10.48550/arXiv.2006.07733",
        categories=("cs.LG", "stat.ML"),
    ),
    Paper(
        id=_title_id("Both Semantics and Reconstruction Matter"),
        title="Both Semantics and Reconstruction Matter",
        abstract="Adobe's tokenizer; 2× faster at 1024² pixels.",
        organisation="Adobe",
        org_handle="adobe",
        published=date(2025, 12, 19),
        upvotes=7,
    ),
    Paper(
        id=_title_id("Hida-Matérn kernels"),
        title="Linear Time GPs: Hida-Matérn kernels, 100% & $\\mathcal{O}(n)$ #1",
        abstract='Costs O(n) ~ 5% of \\cite{x}; "quoted", comma, semicolon; 0.8 ± 0.1 _under_.',
        authors=("Matthew Dowling", "Piotr Sokół", "Il Memming Park"),
        author_count=3,
        published=date(2023, 6, 8),
    ),
    Paper(
        id=_title_id("Spin waves in a ferromagnet"),
        title="Spin waves in a ferromagnet",
        abstract="",
        authors=("Jean de La Fontaine", "Martin Luther King Jr.", "Plato", "van Gogh"),
        published=date(2006, 8, 14),
        doi="10.1103/PhysRevB.74.064411",
        url="https://doi.org/10.1103/PhysRevB.74.064411",
    ),
    Paper(id=_title_id("An undated note"), title="An undated note", abstract="Only a title."),
    # an arXiv link without an arXiv id: paperbrowse's files must not invent the id
    Paper(
        id=_title_id("Linked, not numbered"),
        title="Linked, not numbered",
        url="https://arxiv.org/abs/2101.00001",
        published=date(2021, 1, 1),
    ),
]


@pytest.fixture
def bookmarks() -> list[Bookmark]:
    first, *rest = PAPERS
    return [
        Bookmark(
            first,
            ADDED,
            tags=("self-supervised", "vision"),
            note="Line one.\n\nA second paragraph, with a comma; and a semicolon.",
            status="reading",
            lists=("Journal club",),
        ),
        *(Bookmark(p, ADDED) for p in rest),
    ]


def fields(paper: Paper, names: tuple[str, ...] = COMPARED) -> dict[str, object]:
    return {name: getattr(paper, name) for name in names}


@pytest.mark.parametrize("fmt", ROUND_TRIP_FORMATS)
def test_export_then_import_gives_the_same_papers(
    tmp_path: Path, bookmarks: list[Bookmark], fmt: str
) -> None:
    path = export.export(bookmarks, tmp_path / f"reading-list{export.FORMATS[fmt]}")
    records = list(read_export(path))  # the format comes from the file name
    assert [r for r in records if isinstance(r, SourceError)] == []
    assert [fields(r) for r in records] == [fields(bm.paper) for bm in bookmarks]
    assert all(r.sources == (path.name,) for r in records)


def test_bibtex_export_then_import_gives_the_same_papers(
    tmp_path: Path, bookmarks: list[Bookmark]
) -> None:
    path = export.export(bookmarks, tmp_path / "reading-list.bib")
    records = list(read_bibtex(path))
    assert [r for r in records if isinstance(r, SourceError)] == []
    assert [fields(r) for r in records] == [fields(bm.paper) for bm in bookmarks]
    extra = ("organisation", "upvotes")
    assert [fields(r, extra) for r in records] == [fields(bm.paper, extra) for bm in bookmarks]
    assert records[0].categories == ("cs.LG",)  # primaryClass: the first category only
    assert all(r.sources == (path.name,) for r in records)
    # ids the title and arXiv id would not give are written out: here the third
    # paper's (made from an earlier title) and the last's (an arXiv link, no arXiv id)
    text = path.read_text(encoding="utf-8")
    assert text.count("paperbrowse-id = ") == 2
    assert f"paperbrowse-id = {{{PAPERS[5].id}}}" in text


@pytest.mark.parametrize("fmt", ["json", "csljson"])
def test_richer_formats_keep_organisation_and_counts(
    tmp_path: Path, bookmarks: list[Bookmark], fmt: str
) -> None:
    path = export.export(bookmarks, tmp_path / "out.data", fmt)
    records = list(read_export(path, fmt))
    extra = ("organisation", "org_handle", "upvotes", "author_count", "categories")
    assert [fields(r, extra) for r in records] == [fields(bm.paper, extra) for bm in bookmarks]


@pytest.mark.parametrize("fmt", ["csv", "ris"])
def test_organisation_only_paper_keeps_no_authors(
    tmp_path: Path, bookmarks: list[Bookmark], fmt: str
) -> None:
    path = export.export(bookmarks, tmp_path / f"x{export.FORMATS[fmt]}")
    adobe = list(read_export(path))[1]
    assert (adobe.authors, adobe.organisation) == ((), "Adobe")


# -- broken records are reported with their location, the rest imported ------------


def test_broken_json_items(tmp_path: Path) -> None:
    good = PAPERS[0].to_dict()
    path = tmp_path / "papers.json"
    items = [good, {"id": "pb:x"}, {"title": "Bad date", "published": "13/06/2020"}, [1, 2]]
    path.write_text(json.dumps({"papers": items}), encoding="utf-8")
    records = list(read_export(path))
    assert fields(records[0]) == fields(PAPERS[0])
    assert [(r.source, r.location) for r in records[1:]] == [
        ("papers.json", "item 2"),
        ("papers.json", "item 3"),
        ("papers.json", "item 4"),
    ]
    assert records[1].reason == "no title"
    assert "published" in records[2].reason and "13/06/2020" in records[2].reason
    assert "found list" in records[3].reason


def test_json_that_does_not_parse(tmp_path: Path) -> None:
    path = tmp_path / "papers.json"
    path.write_text('{"papers": [\n  {"title": "x"},\n  {"title" "y"}\n]}', encoding="utf-8")
    (error,) = read_export(path)
    assert isinstance(error, SourceError)
    assert error.location == "line 3, column 12" and "delimiter" in error.reason


def test_broken_csv_rows(tmp_path: Path, bookmarks: list[Bookmark]) -> None:
    text = export.render_csv(bookmarks[:1])  # its note spans three lines: rows are lines 2-4
    header = text.splitlines()[0]
    broken = (
        "pb:000000000001,,,,,,,,,,,,,,,\n"  # line 5: no title
        "pb:000000000002,Too many,,,,,,,,,,,,,,,extra\n"  # line 6
        "pb:000000000003,Bad date,,,2020-13-01,,,,,,,,,,,\n"  # line 7
    )
    good = export.render_csv(bookmarks[3:4]).split("\n", 1)[1]  # line 8
    path = tmp_path / "list.csv"
    path.write_text(text + broken + good, encoding="utf-8")
    records = list(read_export(path))
    assert text.count("\n") == 4 and header.startswith("id,title,")
    assert fields(records[0]) == fields(bookmarks[0].paper)
    assert [(r.location, r.reason.split(":")[0]) for r in records[1:4]] == [
        ("line 5", "no title"),
        ("line 6", "1 more fields than the header has"),
        ("line 7", "published"),
    ]
    assert fields(records[4]) == fields(bookmarks[3].paper)


def test_csv_without_title_column(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("name,year\nA,2020\n", encoding="utf-8")
    assert list(read_export(path)) == [
        SourceError("x.csv", "line 1", "the header row has no 'title' column")
    ]


def test_broken_csl_items(bookmarks: list[Bookmark]) -> None:
    items = json.loads(export.render_csljson(bookmarks[:2]))
    items.insert(1, {"id": "bad1", "type": "article", "title": "T", "issued": {"date-parts": "x"}})
    items.insert(2, {"id": "bad2", "type": "article", "author": [{"family": "Only"}]})
    items.insert(3, {"id": "bad3", "title": "T", "author": [{}]})
    records = list(parse_csljson(json.dumps(items), "refs.csl.json"))
    assert fields(records[0]) == fields(bookmarks[0].paper)
    assert fields(records[4]) == fields(bookmarks[1].paper)
    errors = records[1:4]
    assert [e.location for e in errors] == ["item 2 (bad1)", "item 3 (bad2)", "item 4 (bad3)"]
    assert "issued" in errors[0].reason and errors[1].reason == "no title"
    assert "author" in errors[2].reason


def test_broken_ris_records(bookmarks: list[Bookmark]) -> None:
    good = export.render_ris(bookmarks[1:2]).replace("\r\n", "\n")
    text = (
        "TY  - JOUR\nTI  - Never closed\nAU  - Doe, Jane\n"  # lines 1-3: no ER before next TY
        "TY  - JOUR\nAU  - Doe, Jane\nER  - \n"  # lines 4-6: no title
        "\n"
        "TY  - JOUR\nTI  - Bad date\nDA  - 2020/14/01/\nER  - \n"  # lines 8-11
        "stray words\n"  # line 12
        + good  # from line 13
        + "TY  - GEN\nTI  - Cut off at the end\n"
    )
    records = list(parse_ris(text, "refs.ris"))
    errors = [r for r in records if isinstance(r, SourceError)]
    assert [(e.location, e.reason) for e in errors] == [
        ("line 1", "record has no ER line before next TY"),
        ("line 4", "record has no title (TI)"),
        ("line 8", "DA: month must be in 1..12"),
        ("line 12", "text outside a record: 'stray words'"),
        (f"line {13 + good.count(chr(10))}", "record has no ER line (file ends)"),
    ]
    (adobe,) = [r for r in records if isinstance(r, Paper)]
    assert fields(adobe) == fields(bookmarks[1].paper)


# -- files from other tools ----------------------------------------------------------------


def test_foreign_ris_with_year_only_and_old_tags() -> None:
    text = (
        "\ufeffTY  - JOUR\r\nT1  - A paper from elsewhere\r\nA1  - Smith, John\r\n"
        "A1  - de la Cruz, María, III\r\nY1  - 2019\r\nN2  - An abstract\r\ncontinued.\r\n"
        "UR  - https://arxiv.org/abs/1901.00001v2\r\nDO  - doi:10.1000/XYZ\r\n"
        "ID  - 17\r\nER  - \r\n"
    )
    (paper,) = parse_ris(text, "zotero.ris")
    assert paper.title == "A paper from elsewhere"
    assert paper.authors == ("John Smith", "María de la Cruz III")
    assert paper.published == date(2019, 1, 1)  # year only: the first day of the year
    assert paper.abstract == "An abstract\ncontinued."
    assert paper.arxiv_id == "1901.00001" and paper.doi == "10.1000/XYZ"
    assert paper.id == "arxiv:1901.00001"  # "17" is not a paperbrowse id


def test_foreign_csljson() -> None:
    items = [
        {
            "id": "smith2019",
            "type": "article-journal",
            "title": "Elsewhere",
            "author": [
                {"family": "Beethoven", "given": "Ludwig", "dropping-particle": "van"},
                {"literal": "The Consortium"},
            ],
            "issued": {"date-parts": [["2019", "5"]]},
            "URL": "https://arxiv.org/pdf/1905.01234v3.pdf",
        },
        {"id": 2, "type": "article", "title": "EDTF date", "issued": "2021-03-04"},
    ]
    first, second = parse_csljson(json.dumps(items), "zotero.json")
    assert first.authors == ("Ludwig van Beethoven", "The Consortium")
    assert first.published == date(2019, 5, 1)
    assert first.arxiv_id == "1905.01234" and first.id == "arxiv:1905.01234"
    assert second.published == date(2021, 3, 4)
    assert second.id == paper_id_for("EDTF date")


# -- what read_export refuses -----------------------------------------------------------


def test_read_export_refusals(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="read_bibtex"):
        read_export(tmp_path / "refs.bib")
    with pytest.raises(ValueError, match="md exports are for people"):
        read_export(tmp_path / "list.md")
    with pytest.raises(ValueError, match="cannot tell the format of notes.txt"):
        read_export(tmp_path / "notes.txt")
    with pytest.raises(SourceUnavailable, match="missing.ris"):
        read_export(tmp_path / "missing.ris")
    latin1 = tmp_path / "old.csv"
    latin1.write_bytes("title\nMatérn\n".encode("latin-1"))
    with pytest.raises(SourceUnavailable, match=r"old\.csv is not UTF-8 text \(line 2\)"):
        read_export(latin1)
