"""Reading-list export: every format, parsed back; atomic writes."""

from __future__ import annotations

import csv
import io
import json
import os
import re
from datetime import UTC, date, datetime
from pathlib import Path

import bibtexparser
import pytest
from pylatexenc.latex2text import LatexNodes2Text

from paperbrowse.core import export
from paperbrowse.core.library import Bookmark
from paperbrowse.core.models import Paper

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


def test_bibtex_parses_back_with_unique_keys(marks) -> None:
    text = export.render_bibtex(marks)
    library = bibtexparser.parse_string(text)
    assert library.failed_blocks == []
    keys = [e.key for e in library.entries]
    assert keys == [
        "lineartime2023",
        "adobe2025both",
        "byolaudio",
        "byolaudioa",
        "grill2020bootstrap",
    ]
    grill = library.entries[-1]
    assert grill["author"] == "Jean-Bastien Grill and Florian Strub"
    assert grill["eprint"] == "2006.07733" and grill["archivePrefix"] == "arXiv"
    assert (grill["year"], grill["month"], grill["date"]) == ("2020", "jun", "2020-06-13")
    assert "\tmonth = jun,\n" in text  # the month macro, not {jun}
    adobe = library.entries[1]
    assert "author" not in adobe.fields_dict
    assert adobe["institution"] == "Adobe" and adobe["key"] == "Adobe"


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
    assert data[4]["status"] == "reading" and data[4]["note"].startswith("Read section 3.")
    assert (data[0]["tags"], data[0]["status"], data[0]["note"]) == ([], None, "")
    assert Paper.from_dict(data[5]) == organised[5].paper


def test_bibtex_carries_doi_tags_and_note(organised) -> None:
    entries = bibtexparser.parse_string(export.render_bibtex(organised)).entries
    assert entries[4]["keywords"] == "gp, self-supervised"
    assert "Compare with SimCLR." in entries[4]["annote"]
    assert entries[5]["doi"] == "10.1103/PhysRevB.74.064411"


def test_bibtex_keys_do_not_change_when_papers_are_added_after(organised) -> None:
    def keys(bookmarks):
        return [e.key for e in bibtexparser.parse_string(export.render_bibtex(bookmarks)).entries]

    before = keys(organised[:3])
    # a later bookmark sharing the base key of an earlier one takes the next suffix
    again = Bookmark(Paper(id="pb:9", title="BYOL for Audio, third"), ADDED)
    after = keys(organised + [again])
    assert after[:3] == before == ["lineartime2023", "adobe2025both", "byolaudio"]
    assert after[3] == "byolaudioa" and after[-1] == "byolaudiob"
    assert len(set(after)) == len(after)


def test_citation_keys_are_unique_when_a_suffixed_key_is_another_papers_base_key() -> None:
    def smith(n: int, title: str) -> Bookmark:
        paper = Paper(id=f"pb:{n}", title=title, authors=("Ada Smith",), published=date(2020, 1, 1))
        return Bookmark(paper, ADDED)

    marks = [
        smith(1, "Attention"),
        smith(2, "Attention"),
        smith(3, "Attentiona"),
        smith(4, "Attention"),
    ]
    keys = export.citation_keys(marks)
    assert keys == [
        "smith2020attention",
        "smith2020attentiona",
        "smith2020attentionaa",  # its base key was taken by the second paper
        "smith2020attentionb",
    ]
    assert export.citation_keys(list(marks)) == keys  # the same papers, the same keys


def test_citation_keys_are_plain_ascii_and_written_as_entry_keys(organised) -> None:
    odd = [
        Paper(id="pb:a", title="Kernels, “best” papers", authors=("José Müller-Šedivý",)),
        Paper(id="pb:b", title="中文标题", authors=("王小明",), published=date(2021, 1, 2)),
        Paper(id="pb:c", title="Of the and", authors=("Barnes and Noble", "X")),
        Paper(id="pb:d", title="Org", organisation="Hugging Face", org_handle="huggingface"),
    ]
    marks = organised + [Bookmark(p, ADDED) for p in odd]
    keys = export.citation_keys(marks)
    assert all(re.fullmatch(r"[a-z0-9]+", key) for key in keys)
    assert len(set(keys)) == len(keys)
    assert keys[-4:] == ["mullersedivykernels", "paper2021", "noblepaper", "huggingfaceorg"]
    entries = bibtexparser.parse_string(export.render_bibtex(marks)).entries
    assert [e.key for e in entries] == keys


def test_citation_key_suffixes_go_past_z() -> None:
    same = [Bookmark(Paper(id=f"pb:{n}", title="BYOL for audio"), ADDED) for n in range(29)]
    keys = export.citation_keys(same)
    assert keys[:3] == ["byolaudio", "byolaudioa", "byolaudiob"]
    assert keys[26:] == ["byolaudioz", "byolaudioaa", "byolaudioab"]
    assert len(set(keys)) == 29


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("Jean-Bastien Grill", ("Jean-Bastien", "", "Grill", "")),
        ("Vincent van der Berg", ("Vincent", "van der", "Berg", "")),
        ("Jean de La Fontaine", ("Jean", "de La", "Fontaine", "")),
        ("van Gogh", ("", "van", "Gogh", "")),
        ("Martin Luther King Jr.", ("Martin Luther", "", "King", "Jr.")),
        ("José María Álvarez", ("José María", "", "Álvarez", "")),
        ("Plato", None),
        ("Grill, Jean-Bastien", None),
        ("Two  spaces", None),
    ],
)
def test_split_name(name: str, parts) -> None:
    split = export.split_name(name)
    if parts is None:
        assert split is None
    else:
        assert (split.given, split.particle, split.family, split.suffix) == parts
        assert str(split) == name


# Every variable of the CSL 1.0.2 data schema that render_csljson may write.
CSL_VARIABLES = {
    "id",
    "citation-key",
    "type",
    "title",
    "author",
    "issued",
    "abstract",
    "DOI",
    "URL",
    "number",
    "publisher",
    "categories",
    "keyword",
    "annote",
    "custom",
}
CSL_NAME_PARTS = {"family", "given", "non-dropping-particle", "suffix", "literal"}


def test_csljson(organised) -> None:
    items = json.loads(export.render_csljson(organised))
    assert [i["id"] for i in items] == export.citation_keys(organised)
    assert all(set(i) <= CSL_VARIABLES for i in items)
    assert all(set(n) <= CSL_NAME_PARTS for i in items for n in i.get("author", []))
    linear, adobe, _, _, grill, journal = items
    assert linear["type"] == "article" and "author" not in linear
    assert linear["issued"] == {"date-parts": [[2023, 6, 8]]}
    assert linear["custom"] == {
        "paperbrowse-id": "pb:1",
        "author-count": 4,
        "added": ADDED.isoformat(),
    }
    assert adobe["author"] == [{"literal": "Adobe"}]
    assert adobe["custom"]["organisation"] == "Adobe" and adobe["custom"]["upvotes"] == 7
    assert grill["author"] == [
        {"family": "Grill", "given": "Jean-Bastien"},
        {"family": "Berg", "given": "Vincent", "non-dropping-particle": "van der"},
        {"family": "Ça", "given": "Zoë"},
        {"literal": "Plato"},
    ]
    assert grill["number"] == "arXiv:2006.07733" and grill["publisher"] == "arXiv"
    assert grill["URL"] == "https://arxiv.org/abs/2006.07733"
    assert grill["categories"] == ["cs.LG", "stat.ML"]
    assert grill["keyword"] == "gp, self-supervised"
    assert grill["annote"] == "Read section 3.\nCompare with SimCLR."
    assert grill["custom"]["status"] == "reading"
    assert grill["custom"]["lists"] == ["Journal club", "Thesis"]
    assert journal["type"] == "article-journal"
    assert journal["DOI"] == "10.1103/PhysRevB.74.064411"
    assert journal["author"] == [{"family": "King", "given": "Martin Luther", "suffix": "Jr."}]
    assert "publisher" not in journal and "annote" not in journal


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
    assert linear["TY"] == ["UNPB"] and linear["ID"] == ["pb:1"] and "AU" not in linear
    assert linear["PY"] == ["2023"] and linear["DA"] == ["2023/06/08/"]
    assert adobe["AU"] == ["Adobe"] and adobe["AD"] == ["Adobe"]
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
    assert journal["TY"] == ["JOUR"] and journal["DO"] == ["10.1103/PhysRevB.74.064411"]
    assert journal["AU"] == ["King, Martin Luther, Jr."]


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
