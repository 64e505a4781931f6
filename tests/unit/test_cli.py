"""The command line: search, index, bookmarks, export, exit codes."""

from __future__ import annotations

import csv
import io
import json
import tomllib
from pathlib import Path

import bibtexparser
import pytest
from click.testing import CliRunner

from paperbrowse import __version__
from paperbrowse.cli import cli
from paperbrowse.core.library import Library
from paperbrowse.core.locations import Locations


@pytest.fixture
def run(locations: Locations):
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(cli, ["--data-dir", str(locations.data_dir), *args])

    return invoke


def test_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0 and __version__ in result.output


def test_version_agrees_with_pyproject() -> None:
    """``paperbrowse.__version__`` is a literal (cheaper at start than reading the
    installed metadata): it must name the release ``pyproject.toml`` declares."""
    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    with pyproject.open("rb") as fh:
        declared = tomllib.load(fh)["project"]["version"]
    assert __version__ == declared


def test_help_lists_commands() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for command in ("search", "index", "bookmarks", "export"):
        assert command in result.output


def test_search_json(run) -> None:
    result = run("search", 'title:"latent diffusion"', "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["total"] == 18 and len(data["hits"]) == 18
    assert all("latent diffusion" in h["title"].lower() for h in data["hits"])
    assert data["hits"][0]["rank"] == 1 and data["hits"][0]["score"] > 0


def test_search_plain_when_piped(run) -> None:
    result = run("search", "latent", "diffusion", "--limit", "3")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    paper_id, year, title = lines[0].split("\t")
    assert paper_id.startswith("pb:") and "Diffusion" in title


def test_search_sort_and_limit(run) -> None:
    result = run("search", "", "--sort", "upvotes", "--limit", "2", "--json")
    hits = json.loads(result.stdout)["hits"]
    assert [h["upvotes"] for h in hits] == [13, 7]


@pytest.mark.parametrize("bad", ["year:[", "(latent OR", "latent AND"])
def test_bad_query_exits_2_with_a_message(run, bad: str) -> None:
    result = run("search", bad)
    assert result.exit_code == 2
    assert "error: query" in result.stderr and repr(bad) in result.stderr
    assert "Traceback" not in result.output


def test_bad_sort_is_a_usage_error(run) -> None:
    result = run("search", "x", "--sort", "citations")
    assert result.exit_code == 2 and "citations" in result.output


def test_index_up_to_date_then_rebuild(run) -> None:
    result = run("index")
    assert result.exit_code == 0 and "index up to date: 379 papers" in result.stdout
    result = run("index", "--rebuild")
    assert result.exit_code == 0 and "index rebuilt: 379 papers" in result.stdout
    assert "Indexed 379 papers (447 entries)" in result.stderr


def test_first_run_builds_in_a_fresh_data_dir(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--data-dir", str(tmp_path / "fresh"), "search", "matern"])
    assert result.exit_code == 0, result.output
    assert "Linear Time GPs" in result.stdout


def test_bookmarks_and_export(run, locations: Locations, index, tmp_path: Path) -> None:
    assert "No bookmarks yet" in run("bookmarks").stderr
    library = Library(locations.library_path)
    for hit in index.search("organisation:adobe OR matern").hits:
        library.add(hit.paper)
    listed = run("bookmarks").stdout.splitlines()
    assert len(listed) == 2 and any("Both Semantics" in line for line in listed)

    markdown = run("export")
    assert markdown.exit_code == 0 and markdown.stdout.startswith("# Reading list")

    out = tmp_path / "refs.bib"
    result = run("export", "-o", str(out))
    assert result.exit_code == 0 and f"Wrote 2 papers to {out}" in result.stderr
    assert len(bibtexparser.parse_file(str(out)).entries) == 2

    as_csv = run("export", "--format", "csv").stdout
    assert len(list(csv.DictReader(io.StringIO(as_csv)))) == 2
    as_json = json.loads(run("export", "-f", "json").stdout)
    assert len(as_json["papers"]) == 2
    assert len(json.loads(run("bookmarks", "--json").stdout)["papers"]) == 2


def test_export_to_unwritable_place_is_a_clear_error(run, locations, index, tmp_path) -> None:
    Library(locations.library_path).add(index.search("matern").hits[0].paper)
    result = run("export", "-o", str(tmp_path / "missing" / "dir" / "x.md"))
    assert result.exit_code == 1
    assert "cannot write" in result.output and "Traceback" not in result.output


def test_data_dir_from_environment(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PAPERBROWSE_DATA_DIR", str(tmp_path / "envdata"))
    result = CliRunner().invoke(cli, ["index"])
    assert result.exit_code == 0
    assert (tmp_path / "envdata" / "index" / "CURRENT").is_file()


def test_search_runs_the_correction_of_a_misspelt_query(run) -> None:
    result = run("search", "wavlet video autoencoder", "--limit", "3")
    assert result.exit_code == 0, result.output
    assert "WF-VAE" in result.stdout.splitlines()[0]
    assert "searched for 'wavelet video autoencoder' instead" in result.stderr
    data = json.loads(run("search", "wavlet video autoencoder", "--json").stdout)
    assert data["ran"] == "wavelet video autoencoder" and data["notice"]
    assert data["hits"][0]["title"].startswith("WF-VAE")


def test_search_lists_papers_with_some_of_the_words(run) -> None:
    result = run("search", "smooth nowcasting")
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 6  # as the app shows
    assert "no paper has every word; 6 papers with some of them" in result.stderr
    data = json.loads(run("search", "smooth nowcasting", "--json").stdout)
    assert data["total"] == 6 and data["relaxed"] is True and data["ran"] is None
    assert data["suggestion"] is None


def test_strict_search_runs_the_query_as_typed(run) -> None:
    result = run("search", "--strict", "wavlet video autoencoder")
    assert result.exit_code == 0 and result.stdout == ""
    assert "Did you mean: paperbrowse search 'wavelet video autoencoder'" in result.stderr
    assert run("search", "--strict", "smooth nowcasting").stdout == ""
    data = json.loads(run("search", "--strict", "smooth nowcasting", "--json").stdout)
    assert data["total"] == 0 and data["relaxed"] is False and data["ran"] is None
    assert run("search", "--strict", "year:[").exit_code == 2


def test_a_query_with_syntax_finding_nothing_is_offered_a_looser_form(run) -> None:
    result = run("search", "smooth AND nowcasting")
    assert result.exit_code == 0 and result.stdout == ""
    assert "Did you mean: paperbrowse search 'smooth OR nowcasting'" in result.stderr
    result = run("search", '"smooth nowcasting"', "--json")
    assert json.loads(result.stdout)["suggestion"] == "smooth nowcasting"


def test_a_query_that_finds_what_it_names_is_not_corrected(run) -> None:
    for query in ("organisation:adobe", "rose"):
        result = run("search", query)
        assert result.exit_code == 0 and len(result.stdout.splitlines()) == 1
        assert "Did you mean" not in result.stderr and "instead" not in result.stderr


@pytest.mark.parametrize("org", ["adobe", "Adobe", "ADOBE", "nyu-visionx", "VISIONx @ NYU"])
def test_org_filter_takes_any_case_and_the_hugging_face_handle(run, org: str) -> None:
    data = json.loads(run("search", "", "--org", org, "--json").stdout)
    assert data["total"] == 1
    handle = data["hits"][0]["org_handle"]
    assert org.casefold() in (handle, data["hits"][0]["organisation"].casefold())
    assert json.loads(run("search", "", "--org", "nyu", "--json").stdout)["total"] == 0


def test_an_unknown_org_says_so_and_names_the_closest(run) -> None:
    result = run("search", "latent", "--org", "adobee")
    assert result.exit_code == 0 and result.stdout == ""
    assert "no paper is from an organisation named 'adobee'; closest: Adobe" in result.stderr
    # a known organisation whose papers the query does not find: no such line
    known = run("search", "zebrafish", "--org", "adobe")
    assert "no paper is from" not in known.stderr
