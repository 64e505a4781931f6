"""``paperbrowse link``: the command over recorded-shape arXiv answers, and offline.

The arXiv client is given an ``httpx.MockTransport`` (``tests/fakes.py``) and a
sleep that only records; the real transport is blocked or fails its DNS lookup.
"""

from __future__ import annotations

import functools
import socket
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from fakes import FakeTime, recording_http

from paperbrowse.cli import cli
from paperbrowse.core.library import Library
from paperbrowse.core.sources import arxiv

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FEED = (FIXTURES / "arxiv_link_titles.xml").read_bytes()
BYOL = "pb:2aac8423016f"


@pytest.fixture
def run(locations):
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(cli, ["--data-dir", str(locations.data_dir), *args])

    return invoke


@pytest.fixture
def arxiv_answers(monkeypatch):
    """Every request answered with the link feed; returns the requests and the clock."""
    fake = FakeTime()
    http, seen = recording_http(
        lambda request: httpx.Response(
            200, content=FEED, headers={"Content-Type": "application/atom+xml"}
        )
    )
    made = functools.partial(arxiv.ArxivClient, http, sleep=fake.sleep, clock=fake.clock)
    monkeypatch.setattr(arxiv, "ArxivClient", made)
    return seen, fake


@pytest.mark.usefixtures("no_network")
def test_link_then_the_arxiv_id_finds_the_captured_paper(run, arxiv_answers, locations):
    seen, fake = arxiv_answers
    result = run("link", "--limit", "12")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert f"linked {BYOL} → arXiv 2006.07733  Bootstrap your own latent" in out
    assert "1 ambiguous (several arXiv papers have the title; left alone):" in out
    assert "2106.16163, 2107.00421" in out
    assert "9 not found on arXiv:" in out and "… and 4 more" in out
    assert out.strip().splitlines()[-1] == (
        "arXiv link: looked up 12, linked 2, ambiguous 1, not found 9, rejected 0, "
        "failed 0; stored 2"
    )
    assert len(seen) == 2 and fake.sleeps == [3.0]

    tagged = run("tag", "2006.07733", "ssl")
    assert tagged.exit_code == 0, tagged.output
    assert Library(locations.library_path).bookmark(BYOL).tags == ("ssl",)
    shown = run("search", "arxiv:2006.07733", "--limit", "1")
    assert shown.exit_code == 0 and shown.stdout.startswith(BYOL), shown.output

    again = run("link", "--limit", "12")  # resumable: the linked two are skipped
    assert again.exit_code == 0, again.output
    assert "looked up 12" in again.stdout and ", 2 already linked" in again.stdout


@pytest.mark.usefixtures("no_network")
def test_link_dry_run_and_named_ids(run, arxiv_answers, locations):
    result = run("link", "--dry-run", BYOL, "pb:53741b2f31a4")
    assert result.exit_code == 0, result.output
    assert f"would link {BYOL} → arXiv 2006.07733" in result.stdout
    assert "nothing stored (dry run)" in result.stdout
    library = Library(locations.library_path)
    assert library.revision() == 0 and library.stored_count() == 0

    unknown = run("link", "pb:000000000000")
    assert unknown.exit_code == 2 and "pb:000000000000" in unknown.stderr


def test_link_offline_fails_at_once_with_exit_1(run, monkeypatch):
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
    result = run("link")
    assert time.monotonic() - started < 10
    assert result.exit_code == 1, result.output
    assert lookups == ["nonexistent.invalid"] and sleeps == []
    assert "arXiv could not be reached at http://nonexistent.invalid/api/query?" in result.stderr
    assert "Nothing was stored; run 'paperbrowse link' again" in result.stderr


@pytest.mark.usefixtures("no_network")
def test_link_exits_1_when_arxiv_answers_with_an_error(run, monkeypatch, locations):
    error = (FIXTURES / "arxiv_atom_error.xml").read_bytes()
    answers = [httpx.Response(400, content=error), httpx.Response(200, content=FEED)]
    http, _ = recording_http(lambda request: answers.pop())  # the feed, then the error
    made = functools.partial(arxiv.ArxivClient, http, sleep=FakeTime().sleep)
    monkeypatch.setattr(arxiv, "ArxivClient", made)
    result = run("link", "--limit", "20")
    assert result.exit_code == 1, result.output
    assert "10 not looked up (arXiv answered with an error):" in result.stdout
    assert "error: arXiv API, entry 1: arXiv reports an error" in result.stderr
    assert "stored 2" in result.stdout  # the first batch's links are kept
    assert Library(locations.library_path).stored_paper(BYOL).arxiv_id == "2006.07733"
