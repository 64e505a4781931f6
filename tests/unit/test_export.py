"""Reading-list export: every format, parsed back; atomic writes."""

from __future__ import annotations

import csv
import io
import json
import os
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
    assert grill["eprint"] == "2006.07733" and grill["archiveprefix"] == "arXiv"
    assert grill["year"] == "2020"


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
    ],
)
def test_format_from_extension(tmp_path: Path, marks, name: str, fmt: str) -> None:
    written = export.export(marks, tmp_path / name)
    assert written.read_text(encoding="utf-8") == export.render(marks, fmt)


def test_unknown_format(marks) -> None:
    with pytest.raises(ValueError, match="choose one of md, bibtex, csv, json"):
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
