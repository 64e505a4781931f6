"""Issue 16, items 6 and 7: ``add`` offline fails fast and announces retries;
``export`` says when nothing matched instead of writing "0 papers".

No network: the arXiv client gets an ``httpx.MockTransport``, or a real
transport whose ``socket.getaddrinfo`` fails as an offline machine's does.
"""

from __future__ import annotations

import functools
import socket
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from paperbrowse.cli import cli
from paperbrowse.core.sources import arxiv

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture
def run(locations):
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(cli, ["--data-dir", str(locations.data_dir), *args])

    return invoke


# --- add, offline and busy ----------------------------------------------------------


def test_add_arxiv_offline_fails_at_once(run, monkeypatch):
    """Was 15.5 s of silent retries (2 + 4 + 8 s) of a DNS failure before the message."""
    lookups = []

    def offline(host, *args, **kwargs):
        lookups.append(host)
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", offline)
    monkeypatch.setenv("PAPERBROWSE_ARXIV_URL", "http://nonexistent.invalid/api/query")
    sleeps: list[float] = []
    monkeypatch.setattr(
        arxiv, "ArxivClient", functools.partial(arxiv.ArxivClient, sleep=sleeps.append)
    )
    started = time.monotonic()
    result = run("add", "arxiv", "2006.07733")
    assert time.monotonic() - started < 5
    assert result.exit_code == 2
    assert lookups == ["nonexistent.invalid"] and sleeps == []
    assert "arXiv could not be reached at http://nonexistent.invalid/api/query?" in result.stderr
    assert "the host name nonexistent.invalid could not be resolved" in result.stderr
    assert "Check your internet connection" in result.stderr
    assert "retrying" not in result.stderr


def test_add_arxiv_says_when_it_retries_a_busy_arxiv(run, monkeypatch):
    answers = [
        httpx.Response(503, headers={"Retry-After": "5"}),
        httpx.Response(429),
        httpx.Response(200, content=(FIXTURES / "arxiv_atom_id_list.xml").read_bytes()),
    ]
    http = httpx.Client(transport=httpx.MockTransport(lambda request: answers.pop(0)))
    sleeps: list[float] = []
    made = functools.partial(arxiv.ArxivClient, http, sleep=sleeps.append)
    monkeypatch.setattr(arxiv, "ArxivClient", made)
    result = run("add", "arxiv", "2006.07733", "2106.09685")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[:2] == [
        "arXiv is busy (HTTP 503); retrying in 5 s (retry 1 of 3)…",
        "arXiv is busy (HTTP 429); retrying in 4 s (retry 2 of 3)…",
    ]
    assert sleeps[:2] == [5.0, 4.0]
    assert result.stdout.strip().splitlines()[-1].startswith("arXiv: added ")


# --- export with nothing selected ----------------------------------------------------


def first_id(run, query: str) -> str:
    return run("search", query, "--limit", "1").stdout.split("\t")[0]


def test_export_of_an_empty_library_writes_nothing_and_exits_1(run, tmp_path):
    out = tmp_path / "all.bib"
    result = run("export", "-o", str(out))
    assert result.exit_code == 1
    assert result.stderr.startswith("Nothing to export: no bookmarks yet")
    assert f"{out} was not written" in result.stderr
    assert not out.exists()
    piped = run("export", "--format", "json")
    assert piped.exit_code == 1 and piped.stdout == ""


def test_export_unknown_tag_names_the_closest_tags(run, tmp_path):
    a = first_id(run, "latent diffusion")
    b = first_id(run, "quantization")
    run("tag", a, "diffusion", "thesis")
    run("tag", b, "diffusion")
    out = tmp_path / "x.bib"
    result = run("export", "--tag", "difusion", "-o", str(out))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: no bookmark has the tag 'difusion'",
        "Did you mean 'diffusion'?",
        "Tags: diffusion (2), thesis (1)",
    ]
    assert not out.exists()
    nosuch = run("export", "--tag", "nosuchtag")
    assert nosuch.exit_code == 2 and nosuch.stdout == ""
    assert nosuch.stderr.splitlines()[1] == "Tags: diffusion (2), thesis (1)"  # nothing close


def test_export_unknown_list_names_the_closest_lists(run):
    a = first_id(run, "latent diffusion")
    assert run("list", "add", "Thesis", a).exit_code == 0
    run("list", "create", "Reading group")
    result = run("export", "--list", "thesys")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: no reading list named 'thesys'",
        "Did you mean 'Thesis'?",
        "Reading lists: Thesis (1), Reading group (0)",
    ]


def test_export_of_an_empty_selection_says_why_and_exits_1(run, tmp_path):
    a = first_id(run, "latent diffusion")
    run("tag", a, "diffusion")
    run("status", a, "read")
    run("list", "create", "Empty")
    out = tmp_path / "x.md"
    reading = run("export", "--status", "reading", "-o", str(out))
    assert reading.exit_code == 1
    assert reading.stderr.splitlines() == [
        f"Nothing to export: no bookmark matches --status 'reading'. {out} was not written.",
        "Statuses in use: read (1)",
    ]
    both = run("export", "--tag", "diffusion", "--status", "to-read")
    assert both.exit_code == 1 and both.stdout == ""
    assert both.stderr.splitlines()[1] == (
        "--tag 'diffusion' alone: 1 paper; --status 'to-read' alone: 0 papers"
    )
    empty_list = run("export", "--list", "empty")
    assert empty_list.exit_code == 1
    assert "no bookmark matches --list 'empty'" in empty_list.stderr
    assert not out.exists()
    # a selection that matches still exports
    good = run("export", "--tag", "diffusion", "--status", "read", "-o", str(out))
    assert good.exit_code == 0 and "Wrote 1 paper" in good.stderr and out.exists()
