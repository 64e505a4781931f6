"""Export, then re-import: JSON, CSV, CSL-JSON, RIS (and BibTeX) give back the same papers.

Two identities per format, on the varied reading list of ``test_interop``
(every entry type, particles, corporate authors, partial dates, arXiv-only
papers, papers without authors, extra BibTeX fields):

* library → export → import gives back every field of every paper (JSON,
  CSL-JSON, RIS; CSV all but the split of names, which it holds as display
  strings only);
* import → export → import is the identity (all four formats).
"""

from __future__ import annotations

import json
from dataclasses import fields as dataclass_fields
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from test_interop import reading_list

from paperbrowse.core import export
from paperbrowse.core.library import Bookmark
from paperbrowse.core.models import DAY, MONTH, YEAR, Name, Paper, paper_id_for
from paperbrowse.core.sources.bibtex import read_bibtex
from paperbrowse.core.sources.common import SourceError, SourceUnavailable
from paperbrowse.core.sources.exported import (
    parse_csljson,
    parse_json_export,
    parse_ris,
    read_export,
)

ADDED = datetime(2026, 2, 3, 4, 5, 6, tzinfo=UTC)
ROUND_TRIP_FORMATS = ["json", "csv", "csljson", "ris"]
# What every format must give back exactly.
COMPARED = ("id", "title", "abstract", "authors", "published", "arxiv_id", "doi", "url")
EVERY_FIELD = tuple(f.name for f in dataclass_fields(Paper) if f.name != "sources")
#: CSV holds names as display strings: their split is made again by Name.parse.
CSV_FIELDS = tuple(f for f in EVERY_FIELD if f not in ("names", "editors"))


def _title_id(title: str) -> str:
    return paper_id_for(title)


PAPERS = [bm.paper for bm in reading_list()]


@pytest.fixture
def bookmarks() -> list[Bookmark]:
    return reading_list()


def fields(paper: Paper, names: tuple[str, ...] = COMPARED) -> dict[str, object]:
    return {name: getattr(paper, name) for name in names}


def read_back(tmp_path: Path, marks: list[Bookmark], fmt: str, name: str = "list") -> list[Paper]:
    path = export.export(marks, tmp_path / f"{name}{export.FORMATS[fmt]}")
    records = list(read_export(path))  # the format comes from the file name
    assert [r for r in records if isinstance(r, SourceError)] == []
    assert all(r.sources == (path.name,) for r in records)
    return records


@pytest.mark.parametrize("fmt", ["json", "csljson", "ris"])
def test_library_export_import_keeps_every_field(
    tmp_path: Path, bookmarks: list[Bookmark], fmt: str
) -> None:
    records = read_back(tmp_path, bookmarks, fmt)
    assert len(records) == len(bookmarks)
    for record, bm in zip(records, bookmarks, strict=True):
        assert fields(record, EVERY_FIELD) == fields(bm.paper, EVERY_FIELD), bm.paper.citation_key


def test_csv_export_import_keeps_every_field_but_the_split_of_names(
    tmp_path: Path, bookmarks: list[Bookmark]
) -> None:
    records = read_back(tmp_path, bookmarks, "csv")
    for record, bm in zip(records, bookmarks, strict=True):
        assert fields(record, CSV_FIELDS) == fields(bm.paper, CSV_FIELDS), bm.paper.citation_key
        assert tuple(map(str, record.editors)) == tuple(map(str, bm.paper.editors))
        assert tuple(map(str, record.author_names)) == bm.paper.authors


@pytest.mark.parametrize("fmt", ROUND_TRIP_FORMATS)
def test_import_export_import_is_the_identity(
    tmp_path: Path, bookmarks: list[Bookmark], fmt: str
) -> None:
    first = read_back(tmp_path, bookmarks, fmt, "first")
    again = [
        Bookmark(p, bm.added_at, bm.tags, bm.note, bm.status, bm.lists)
        for p, bm in zip(first, bookmarks, strict=True)
    ]
    second = read_back(tmp_path, again, fmt, "second")
    assert [fields(p, EVERY_FIELD) for p in second] == [fields(p, EVERY_FIELD) for p in first]
    assert export.render(again, fmt) == export.render(
        [
            replace(bm, paper=replace(p, sources=bm.paper.sources))
            for bm, p in zip(again, second, strict=True)
        ],
        fmt,
    )


@pytest.mark.parametrize("fmt", ROUND_TRIP_FORMATS)
def test_partial_dates_come_back_partial(tmp_path: Path, bookmarks, fmt: str) -> None:
    by_key = {p.citation_key: p for p in read_back(tmp_path, bookmarks, fmt)}
    assert by_key["borovitskiy2020matern"].date_parts == YEAR
    assert by_key["borovitskiy2020matern"].date_iso == "2020"
    assert by_key["delmaestro2006stripe"].date_parts == MONTH
    assert by_key["who2020report"].date_parts == DAY
    assert by_key["undated"].published is None


def test_bibtex_export_then_import_keeps_the_bibliographic_record(
    tmp_path: Path, bookmarks: list[Bookmark]
) -> None:
    """The BibTeX export is the lead's (export.bibtex); checked here on the same list."""
    path = export.export(bookmarks, tmp_path / "reading-list.bib")
    records = list(read_bibtex(path))
    assert [r for r in records if isinstance(r, SourceError)] == []
    compared = (
        *("title", "abstract", "authors", "published", "date_parts", "arxiv_id", "doi"),
        *("citation_key", "volume", "number", "pages", "publisher", "edition", "series"),
        *("isbn", "issn", "address", "note", "institution", "howpublished", "editors"),
    )
    assert [fields(r, compared) for r in records] == [
        fields(bm.paper, compared) for bm in bookmarks
    ]
    # BibTeX has no journal_ref: an arXiv paper's journal reference is written as its journal
    by_key = {r.citation_key: r for r in records}
    assert by_key["dowling2023linear"].container == "Phys. Rev. Lett. 130, 123401 (2023)"
    assert [r.container for r in records if r.citation_key != "dowling2023linear"] == [
        bm.paper.container for bm in bookmarks if bm.paper.citation_key != "dowling2023linear"
    ]


def test_private_data_is_kept_out_of_printed_fields(bookmarks: list[Bookmark]) -> None:
    adobe = next(bm for bm in bookmarks if bm.paper.citation_key == "adobe2025both")
    item = export.csl_item(adobe, "adobe2025both")
    assert "author" not in item and "note" not in item
    assert item["container-title"] == "arXiv"  # a preprint, not its organisation
    assert item["custom"]["organisation"] == "Adobe" and item["custom"]["author-count"] == 12
    ris = dict(export.ris_record(adobe, "adobe2025both"))
    assert "AU" not in ris and "AD" not in ris and "N1" not in ris
    assert ris["ID"] == "adobe2025both"


# -- older paperbrowse files ----------------------------------------------------------


def test_old_json_export_note_is_the_users_note() -> None:
    old = {
        "id": "pb:000000000001",
        "title": "Old",
        "published": "2020-06-13",
        "added_at": ADDED.isoformat(),
        "tags": [],
        "note": "my own note",
    }
    (paper,) = parse_json_export(json.dumps({"papers": [old]}), "old.json")
    assert paper.note is None and paper.published == date(2020, 6, 13)
    new = dict(old, note="In press", user_note="my own note")
    (paper,) = parse_json_export(json.dumps({"papers": [new]}), "new.json")
    assert paper.note == "In press"


def test_old_ris_export_with_pb_id_and_organisation() -> None:
    text = (
        "TY  - UNPB\r\nID  - pb:0123456789ab\r\nTI  - Old export\r\nAU  - Adobe\r\n"
        "PY  - 2025\r\nDA  - 2025/12/19/\r\nAD  - Adobe\r\nER  - \r\n"
    )
    (paper,) = parse_ris(text, "old.ris")
    assert paper.id == "pb:0123456789ab" and paper.citation_key is None
    assert (paper.authors, paper.organisation) == ((), "Adobe")


def test_foreign_ris_address_is_not_an_organisation() -> None:
    text = "TY  - JOUR\nTI  - T\nAU  - Doe, Jane\nAD  - MIT, Cambridge\nER  - \n"
    (paper,) = parse_ris(text, "x.ris")
    assert paper.organisation is None and paper.entry_type == "article"


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
    text = export.render_csv(bookmarks[:1])  # its note spans two lines: rows are lines 2-3
    header = text.splitlines()[0]
    commas = "," * (len(export.CSV_COLUMNS) - 2)
    published = export.CSV_COLUMNS.index("published")
    bad_date = ["pb:000000000003", "Bad date"] + [""] * (len(export.CSV_COLUMNS) - 2)
    bad_date[published] = "2020-13-01"
    bad_count = ["pb:000000000004", "Bad count"] + [""] * (len(export.CSV_COLUMNS) - 2)
    bad_count[export.CSV_COLUMNS.index("upvotes")] = "x"
    broken = (
        f"pb:000000000001,{commas}\n"  # line 4: no title
        f"pb:000000000002,Too many{commas},extra\n"  # line 5
        + ",".join(bad_date)  # line 6
        + "\n"
        + ",".join(bad_count)  # line 7
        + "\n"
    )
    good = export.render_csv(bookmarks[3:4]).split("\n", 1)[1]  # line 8
    path = tmp_path / "list.csv"
    path.write_text(text + broken + good, encoding="utf-8")
    records = list(read_export(path))
    assert text.count("\n") == 3 and header.startswith("id,title,")
    assert fields(records[0]) == fields(bookmarks[0].paper)
    assert [(r.location, r.reason.split(":")[0]) for r in records[1:5]] == [
        ("line 4", "no title"),
        ("line 5", "1 more fields than the header has"),
        ("line 6", "published"),
        ("line 7", "upvotes"),
    ]
    assert fields(records[5], CSV_FIELDS) == fields(bookmarks[3].paper, CSV_FIELDS)


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


@pytest.mark.parametrize("fmt", ROUND_TRIP_FORMATS)
def test_names_the_format_cannot_split_come_back(tmp_path: Path, fmt: str) -> None:
    names = (
        Name(literal="Barnes, Noble and Co."),
        Name(family="Gogh", particle="van"),
        Name(family="Maestro", particle="Del", given="Adrian"),
    )
    paper = Paper(
        id="pb:0123456789ab",
        title="Names",
        authors=tuple(map(str, names)),
        names=names,
        author_count=3,
        editors=(Name(family="Beethoven", particle="van", given="Ludwig"),),
        citation_key="names",
    )
    (back,) = read_back(tmp_path, [Bookmark(paper, ADDED)], fmt)
    assert back.authors == paper.authors
    if fmt != "csv":  # CSV holds display names only
        assert (back.names, back.editors) == (paper.names, paper.editors)
