"""Reading-list export: every format, parsed back; atomic writes."""

from __future__ import annotations

import csv
import io
import json
import os
import re
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import bibtexparser
import pytest
from pylatexenc.latex2text import LatexNodes2Text

from paperbrowse.core import export
from paperbrowse.core.library import Bookmark
from paperbrowse.core.models import DAY, MONTH, YEAR, Name, Paper
from paperbrowse.core.sources.exported import parse_csljson

ADDED = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


@pytest.fixture
def marks() -> list[Bookmark]:
    papers = [
        Paper(
            id="pb:1",
            title="Linear Time GPs for Inferring Latent Trajectories",
            abstract="Hida-Matérn kernels; 5% faster; 0.8 ± 0.1; {braces} & more",
            author_count=4,
            published=date(2023, 6, 8),
        ),
        Paper(
            id="pb:2",
            title="Both Semantics and Reconstruction Matter",
            abstract="Adobe's paper.",
            organisation="Adobe",
            org_handle="adobe",
            published=date(2025, 12, 19),
            upvotes=7,
        ),
        Paper(id="pb:3", title="BYOL for Audio", abstract="Audio BYOL."),
        Paper(id="pb:4", title="BYOL for Audio, again", abstract=""),
        Paper(
            id="arxiv:2006.07733",
            title="Bootstrap your own latent",
            authors=("Jean-Bastien Grill", "Florian Strub"),
            published=date(2020, 6, 13),
            arxiv_id="2006.07733",
            url="https://arxiv.org/abs/2006.07733",
        ),
    ]
    return [Bookmark(p, ADDED) for p in papers]


def test_markdown(marks) -> None:
    text = export.render_markdown(marks)
    assert text.startswith("# Reading list\n")
    assert "## 1. Linear Time GPs for Inferring Latent Trajectories" in text
    assert "*2025 · Adobe · 2025-12-19 · 7 upvotes*" not in text  # no duplicated year
    assert "Adobe · 2025-12-19 · 7 upvotes" in text
    assert "arXiv:2006.07733" in text and "<https://arxiv.org/abs/2006.07733>" in text
    assert text.count("Bookmarked 2026-11-20.") == 5


def test_bibtex_parses_back_with_the_export_keys(marks) -> None:
    text = export.render_bibtex(marks)
    library = bibtexparser.parse_string(text)
    assert library.failed_blocks == []
    keys = [e.key for e in library.entries]
    assert (
        keys
        == export.export_keys(marks)
        == [
            "lineartime2023",
            "adobe2025both",
            "byolaudio",
            "byolaudioa",
            "grill2020bootstrap",
        ]
    )
    grill = library.entries[-1]
    assert grill["author"] == "Grill, Jean-Bastien and Strub, Florian"
    assert grill["eprint"] == "2006.07733" and grill["archivePrefix"] == "arXiv"
    adobe = library.entries[1]
    # a paper without author names: no author, and the organisation is not printed
    assert "author" not in adobe.fields_dict and "institution" not in adobe.fields_dict


def test_bibtex_values_decode_back_to_the_unicode_text(marks) -> None:
    library = bibtexparser.parse_string(export.render_bibtex(marks))
    abstract = library.entries[0]["abstract"]
    assert "\\%" in abstract  # LaTeX-safe in the file
    decoded = LatexNodes2Text().latex_to_text(abstract)
    assert "Hida-Matérn" in decoded and "5% faster" in decoded and "±" in decoded


def test_csv(marks) -> None:
    rows = list(csv.DictReader(io.StringIO(export.render_csv(marks))))
    assert [r["id"] for r in rows] == [bm.paper.id for bm in marks]
    assert rows[1]["organisation"] == "Adobe" and rows[1]["upvotes"] == "7"
    assert rows[4]["authors"] == "Jean-Bastien Grill; Florian Strub"
    assert rows[0]["abstract"].startswith("Hida-Matérn")


def test_json(marks) -> None:
    data = json.loads(export.render_json(marks))
    assert [p["id"] for p in data["papers"]] == [bm.paper.id for bm in marks]
    restored = Paper.from_dict(data["papers"][4])
    assert restored == marks[4].paper
    assert data["papers"][0]["added_at"] == ADDED.isoformat()


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("list.md", "md"),
        ("refs.bib", "bibtex"),
        ("t.csv", "csv"),
        ("x.json", "json"),
        ("x.txt", "md"),
        ("refs.ris", "ris"),
        ("refs.csl.json", "csljson"),
        ("REFS.CSL.JSON", "csljson"),
        ("notes.markdown", "md"),
    ],
)
def test_format_from_extension(tmp_path: Path, marks, name: str, fmt: str) -> None:
    written = export.export(marks, tmp_path / name)
    assert written.read_bytes().decode("utf-8") == export.render(marks, fmt)  # RIS keeps CRLF


def test_unknown_format(marks) -> None:
    with pytest.raises(ValueError, match="choose one of md, bibtex, csv, json, csljson, ris"):
        export.render(marks, "docx")


def test_failed_write_leaves_the_old_file(tmp_path: Path, marks, monkeypatch) -> None:
    target = tmp_path / "reading-list.md"
    target.write_text("my precious old list", encoding="utf-8")

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        export.export(marks, target)
    assert target.read_text(encoding="utf-8") == "my precious old list"
    assert [p.name for p in tmp_path.iterdir()] == ["reading-list.md"]  # no temp left behind


def test_missing_folder_is_an_oserror(tmp_path: Path, marks) -> None:
    with pytest.raises(OSError):
        export.export(marks, tmp_path / "no" / "such" / "dir" / "list.md")


# -- organisation data, CSL-JSON and RIS ------------------------------------------


@pytest.fixture
def organised(marks) -> list[Bookmark]:
    """The same papers, the last two tagged, noted, given a status and put on lists."""
    grill = Paper(
        id="arxiv:2006.07733",
        title="Bootstrap your own latent",
        authors=("Jean-Bastien Grill", "Vincent van der Berg", "Zoë Ça", "Plato"),
        published=date(2020, 6, 13),
        arxiv_id="2006.07733",
        url="https://arxiv.org/abs/2006.07733",
        categories=("cs.LG", "stat.ML"),
    )
    journal = Paper(
        id="pb:5c2dd944dde9",
        title="Spin waves in a ferromagnet",
        authors=("Martin Luther King Jr.",),
        published=date(2006, 8, 14),
        doi="10.1103/PhysRevB.74.064411",
    )
    return marks[:4] + [
        Bookmark(
            grill,
            ADDED,
            tags=("gp", "self-supervised"),
            note="Read section 3.\nCompare with SimCLR.",
            status="reading",
            lists=("Journal club", "Thesis"),
        ),
        Bookmark(journal, ADDED, status="to-read"),
    ]


def test_markdown_shows_status_tags_lists_and_note(organised) -> None:
    text = export.render_markdown(organised)
    assert (
        "**Status:** reading · **Tags:** gp, self-supervised · **Lists:** Journal club, Thesis"
        in text
    )
    assert "> **Note:** Read section 3.\n> Compare with SimCLR.\n" in text
    assert "**Status:** to-read\n" in text
    assert text.count("**Status:**") == 2 and text.count("> **Note:**") == 1


def test_csv_and_json_carry_the_organisation(organised) -> None:
    rows = list(csv.DictReader(io.StringIO(export.render_csv(organised))))
    assert rows[4]["tags"] == "gp; self-supervised" and rows[4]["status"] == "reading"
    assert rows[4]["lists"] == "Journal club; Thesis"
    assert rows[4]["note"] == "Read section 3.\nCompare with SimCLR."
    assert rows[5]["doi"] == "10.1103/PhysRevB.74.064411" and rows[5]["tags"] == ""
    assert tuple(rows[0]) == export.CSV_COLUMNS
    data = json.loads(export.render_json(organised))["papers"]
    assert data[4]["tags"] == ["gp", "self-supervised"] and data[4]["lists"] == [
        "Journal club",
        "Thesis",
    ]
    assert data[4]["status"] == "reading" and data[4]["user_note"].startswith("Read section 3.")
    assert (data[0]["tags"], data[0]["status"], data[0]["user_note"]) == ([], None, "")
    assert "note" not in data[4]  # "note" is the BibTeX note field (Paper.note), unset here
    assert Paper.from_dict(data[5]) == organised[5].paper


def test_bibtex_carries_doi_tags_and_note(organised) -> None:
    entries = bibtexparser.parse_string(export.render_bibtex(organised)).entries
    assert entries[4]["keywords"] == "gp, self-supervised"
    assert "Compare with SimCLR." in entries[4]["annote"]
    assert entries[5]["doi"] == "10.1103/PhysRevB.74.064411"


def test_export_keys_keep_each_papers_own_key_and_make_the_others_unique() -> None:
    def paper(n: int, key: str | None = None) -> Bookmark:
        p = Paper(
            id=f"pb:{n}",
            title="Attention",
            authors=("Ada Smith",),
            published=date(2020, 1, 1),
            citation_key=key,
        )
        return Bookmark(p, ADDED)

    marks = [paper(1), paper(2, "smith2020attention"), paper(3), paper(4, "mine")]
    # the second paper owns the bare key: the generated ones go round it
    assert export.export_keys(marks) == [
        "smith2020attentiona",
        "smith2020attention",
        "smith2020attentionb",
        "mine",
    ]


def test_every_format_uses_the_same_keys(organised) -> None:
    keys = export.export_keys(organised)
    assert len(set(keys)) == len(keys)
    assert [
        e.key for e in bibtexparser.parse_string(export.render_bibtex(organised)).entries
    ] == keys
    assert [i["id"] for i in json.loads(export.render_csljson(organised))] == keys
    records = ris_records(export.render_ris(organised))
    assert [dict_of_lists(r)["ID"] for r in records] == [[k] for k in keys]


@pytest.mark.parametrize(
    ("name", "ris"),
    [
        (Name(family="Grill", given="Jean-Bastien"), "Grill, Jean-Bastien"),
        (Name(family="Berg", particle="van der", given="Vincent"), "van der Berg, Vincent"),
        (Name(family="Del Maestro", given="Adrian"), "Del Maestro, Adrian"),
        (Name(family="King", given="Martin Luther", suffix="Jr."), "King, Martin Luther, Jr."),
        (Name(family="Gogh", particle="van"), "van Gogh"),
        (Name(literal="World Health Organization"), "World Health Organization"),
        (Name(family="Álvarez", given="José María"), "Álvarez, José María"),
    ],
)
def test_ris_names(name: Name, ris: str) -> None:
    assert export.ris_name(name) == ris
    back = export.read_ris_name(ris)
    assert str(back) == str(name)
    if name.given or name.literal:  # "van Gogh" alone reads back as a literal name
        assert back == name


def test_csl_names() -> None:
    assert export.csl_name(Name(family="Berg", particle="van der", given="Vincent")) == {
        "family": "Berg",
        "given": "Vincent",
        "non-dropping-particle": "van der",
    }
    assert export.csl_name(Name(literal="World Health Organization")) == {
        "literal": "World Health Organization"
    }
    assert export.csl_name(Name(family="King", given="M. L.", suffix="Jr.")) == {
        "family": "King",
        "given": "M. L.",
        "suffix": "Jr.",
    }


@pytest.mark.parametrize(
    ("pages", "split"),
    [
        ("12426–12437", ("12426", "12437")),
        ("12--20", ("12", "20")),
        ("e1234", ("e1234", None)),
        ("024520", ("024520", None)),
    ],
)
def test_split_pages(pages: str, split) -> None:
    assert export.split_pages(pages) == split


# Every variable of the CSL 1.0.2 data schema that render_csljson may write.
CSL_VARIABLES = {
    *("id", "citation-key", "type", "title", "author", "editor", "issued", "abstract"),
    *("DOI", "URL", "number", "issue", "publisher", "publisher-place", "container-title"),
    *("volume", "page", "edition", "collection-title", "ISBN", "ISSN", "genre", "note"),
    *("categories", "keyword", "annote", "custom"),
}
CSL_NAME_PARTS = {"family", "given", "non-dropping-particle", "suffix", "literal"}


def test_csljson(organised) -> None:
    items = json.loads(export.render_csljson(organised))
    assert [i["id"] for i in items] == export.export_keys(organised)
    assert all(set(i) <= CSL_VARIABLES for i in items)
    assert all(set(n) <= CSL_NAME_PARTS for i in items for n in i.get("author", []))
    linear, adobe, _, _, grill, journal = items
    assert linear["type"] == "article" and "author" not in linear
    assert linear["issued"] == {"date-parts": [[2023, 6, 8]]}
    assert linear["custom"] == {
        "paperbrowse-id": "pb:1",
        "version": export.PRIVATE_VERSION,
        "author-count": 4,
        "added": ADDED.isoformat(),
    }
    # no author names: no author (not the organisation), which stays private
    assert "author" not in adobe
    assert adobe["custom"]["organisation"] == "Adobe" and adobe["custom"]["upvotes"] == 7
    assert grill["author"] == [
        {"family": "Grill", "given": "Jean-Bastien"},
        {"family": "Berg", "given": "Vincent", "non-dropping-particle": "van der"},
        {"family": "Ça", "given": "Zoë"},
        {"literal": "Plato"},
    ]
    assert grill["custom"]["names"] == {"authors": []}  # the split above was a guess
    assert grill["number"] == "arXiv:2006.07733" and grill["container-title"] == "arXiv"
    assert "publisher" not in grill
    assert grill["custom"]["synthesised"] == ["container-title", "number"]
    assert grill["URL"] == "https://arxiv.org/abs/2006.07733"
    assert grill["categories"] == ["cs.LG", "stat.ML"]
    assert grill["keyword"] == "gp, self-supervised"
    assert grill["annote"] == "Read section 3.\nCompare with SimCLR."
    assert "note" not in grill  # the user's note is never the printed note
    assert grill["custom"]["status"] == "reading"
    assert grill["custom"]["lists"] == ["Journal club", "Thesis"]
    assert journal["type"] == "article-journal"
    assert journal["DOI"] == "10.1103/PhysRevB.74.064411"
    assert journal["author"] == [{"family": "King", "given": "Martin Luther", "suffix": "Jr."}]
    assert "publisher" not in journal and "annote" not in journal


def test_csljson_cites_arxiv_papers_at_their_arxiv_page_and_names_report_kinds() -> None:
    hf = Paper(
        id="arxiv:2512.12345",
        title="Both semantics and reconstruction matter",
        arxiv_id="2512.12345",
        url="https://huggingface.co/papers/2512.12345",
    )
    report = Paper(id="pb:r", title="World health statistics", entry_type="techreport")
    typed = replace(report, id="pb:t", extra=(("type", "Working paper"),))
    items = json.loads(export.render_csljson([Bookmark(p, None) for p in (hf, report, typed)]))
    cited, untyped, working = items
    assert cited["URL"] == "https://arxiv.org/abs/2512.12345"
    assert cited["custom"]["fields"]["url"] == "https://huggingface.co/papers/2512.12345"
    assert "URL" in cited["custom"]["synthesised"]
    assert untyped["genre"] == "Technical report" and untyped["custom"]["synthesised"] == ["genre"]
    assert working["genre"] == "Working paper"
    # read back: the paper's own link, not the page made for citations
    back = list(parse_csljson(json.dumps(items), "x.csl.json"))
    assert [p.url for p in back] == [hf.url, None, None]


def test_csljson_for_citeproc_keeps_only_what_citeproc_knows(organised) -> None:
    items = json.loads(export.render_csljson(organised))
    cleaned = export.for_citeproc(items)
    assert all(not {"custom", "citation-key", "categories"} & set(i) for i in cleaned)
    assert cleaned[4]["author"] == items[4]["author"] and cleaned[4]["id"] == items[4]["id"]
    assert cleaned[4]["keyword"] == items[4]["keyword"]


RIS_LINE = re.compile(r"^[A-Z][A-Z0-9]  - ")


def ris_records(text: str) -> list[list[tuple[str, str]]]:
    records, current = [], []
    for line in text.split("\r\n"):
        if RIS_LINE.match(line):
            current.append((line[:2], line[6:]))
            if line[:2] == "ER":
                records.append(current)
                current = []
        elif current:
            tag, value = current[-1]
            current[-1] = (tag, f"{value}\n{line}")
        else:
            assert line == "", f"text outside a record: {line!r}"
    assert current == []
    return records


def test_ris(organised) -> None:
    text = export.render_ris(organised)
    assert "\n" not in text.replace("\r\n", "")  # CRLF line ends only
    records = ris_records(text)
    assert len(records) == 6
    assert all(r[0][0] == "TY" and r[-1] == ("ER", "") for r in records)
    assert text.count("ER  - \r\n") == 6
    linear, adobe, _, _, grill, journal = (dict_of_lists(r) for r in records)
    assert linear["TY"] == ["GEN"] and linear["ID"] == ["lineartime2023"] and "AU" not in linear
    assert linear["PY"] == ["2023"] and linear["DA"] == ["2023/06/08/"]
    # no author names: no AU, and the organisation is not the authors' address (AD)
    assert "AU" not in adobe and "AD" not in adobe
    private = json.loads(adobe["C8"][0].removeprefix(export.RIS_PRIVATE_PREFIX))
    assert private["organisation"] == "Adobe" and private["paperbrowse-id"] == "pb:2"
    assert grill["TY"] == ["UNPB"]  # an arXiv preprint
    assert grill["AU"] == [
        "Grill, Jean-Bastien",
        "van der Berg, Vincent",
        "Ça, Zoë",
        "Plato",
    ]
    assert grill["DB"] == ["arXiv"] and grill["AN"] == ["arXiv:2006.07733"]
    assert grill["KW"] == ["gp", "self-supervised"]
    assert grill["N1"] == ["Read section 3.\nCompare with SimCLR."]
    assert grill["UR"] == ["https://arxiv.org/abs/2006.07733"]
    private = json.loads(grill["C8"][0].removeprefix(export.RIS_PRIVATE_PREFIX))
    assert private["status"] == "reading" and private["lists"] == ["Journal club", "Thesis"]
    assert journal["TY"] == ["JOUR"] and journal["DO"] == ["10.1103/PhysRevB.74.064411"]
    assert journal["AU"] == ["King, Martin Luther, Jr."]


def test_ris_dates_have_only_the_known_parts() -> None:
    def tags(parts: int) -> dict[str, list[str]]:
        p = Paper(id="pb:x", title="T", published=date(2020, 6, 1), date_parts=parts)
        return dict_of_lists(export.ris_record(Bookmark(p, ADDED), "k"))

    assert tags(YEAR)["PY"] == ["2020"] and "DA" not in tags(YEAR)
    assert tags(MONTH)["DA"] == ["2020/06//"]
    assert tags(DAY)["DA"] == ["2020/06/01/"]


def dict_of_lists(record: list[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for tag, value in record:
        out.setdefault(tag, []).append(value)
    return out


@pytest.mark.parametrize(
    ("alias", "name"),
    [("csl", "csljson"), ("CSL-JSON", "csljson"), ("csljson", "csljson"), ("RIS", "ris")],
)
def test_format_aliases(alias: str, name: str) -> None:
    assert export.normalise_format(alias) == name
    assert set(export.FORMAT_LABELS) == set(export.FORMATS)


def test_markdown_and_csv_show_the_venue() -> None:
    paper = Paper(
        id="pb:v",
        title="From stripe to checkerboard order",
        authors=("Adrian Del Maestro",),
        published=date(2006, 7, 1),
        date_parts=MONTH,
        entry_type="article",
        citation_key="delmaestro2006stripe",
        container="Physical Review B",
        volume="74",
        number="2",
        pages="024520",
        doi="10.1103/PhysRevB.74.024520",
        note="Erratum in 75, 1",
    )
    mark = Bookmark(paper, ADDED, note="my note")
    text = export.render_markdown([mark])
    assert (
        "*Adrian Del Maestro · Physical Review B 74(2), 024520 · 2006-07"
        " · doi:10.1103/PhysRevB.74.024520*" in text
    )
    (row,) = csv.DictReader(io.StringIO(export.render_csv([mark])))
    assert (row["entry_type"], row["citation_key"]) == ("article", "delmaestro2006stripe")
    assert (row["container"], row["volume"], row["number"], row["pages"]) == (
        "Physical Review B",
        "74",
        "2",
        "024520",
    )
    assert row["published"] == "2006-07" and row["year"] == "2006"  # no invented day
    assert (row["note"], row["bibtex_note"]) == ("my note", "Erratum in 75, 1")


def test_export_keys_are_distinct_ignoring_case() -> None:
    # BibTeX (and biber) compare keys ignoring case: Smith2020 and smith2020 clash
    one = Paper("pb:1", "Alpha", "", ("Ann Smith",), citation_key="Smith2020")
    two = Paper("pb:2", "Beta", "", ("Bob Smith",), citation_key="smith2020")
    three = Paper("pb:3", "Gamma", "", ("Cy Smith",), published=date(2020, 1, 1), date_parts=YEAR)
    keys = export.export_keys([Bookmark(p, datetime.now(UTC)) for p in (one, two, three)])
    assert keys[0] == "Smith2020"
    assert len({k.lower() for k in keys}) == 3
