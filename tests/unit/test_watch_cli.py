"""``paperbrowse watch …`` and ``paperbrowse update`` end to end, on recorded responses.

A local HTTP server replays ``tests/fixtures/feed`` (arXiv: the three papers
of ``arxiv_watch_all.xml`` for any range; Hugging Face: the papers of
``hf_daily_2026-03-22.json`` for any day), reached through the
``PAPERBROWSE_ARXIV_API_URL`` / ``PAPERBROWSE_HF_API_URL`` aliases or the
configuration file, so click, httpx, parsing, import and the watch store all run.
"""

from __future__ import annotations

import functools
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from click.testing import CliRunner

from paperbrowse.cli import cli
from paperbrowse.core.library import Library
from paperbrowse.core.locations import Locations
from paperbrowse.core.watches import WatchStore

FEED = Path(__file__).resolve().parents[1] / "fixtures" / "feed"


class Replay(BaseHTTPRequestHandler):
    requests: list[dict[str, str]] = []
    down: set[str] = set()  # paths answered 503 (an outage)

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        url = urlparse(self.path)
        type(self).requests.append(
            {"path": url.path, **{k: v[0] for k, v in parse_qs(url.query).items()}}
        )
        if url.path in type(self).down:
            self.send_error(503)
            return
        if url.path == "/api/query":
            name = "arxiv_watch_all.xml"
        elif url.path == "/api/daily_papers":
            name = "hf_daily_2026-03-22.json"
        else:
            self.send_error(404)
            return
        body = (FEED / name).read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def replay(monkeypatch):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Replay)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.delenv("PAPERBROWSE_ARXIV_URL", raising=False)
    monkeypatch.delenv("PAPERBROWSE_HF_URL", raising=False)
    monkeypatch.setenv("PAPERBROWSE_ARXIV_API_URL", f"{base}/api/query")
    monkeypatch.setenv("PAPERBROWSE_HF_API_URL", f"{base}/api/daily_papers")
    Replay.requests = []
    Replay.down = set()
    Replay.base = base
    yield Replay
    server.shutdown()
    server.server_close()


@pytest.fixture
def run(locations: Locations):
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(cli, ["--data-dir", str(locations.data_dir), *args])

    return invoke


def test_the_daily_workflow(run, replay, locations):
    made = run(
        "watch", "add", "Diffusion", "diffusion", "--arxiv", "cat:cs.LG AND abs:diffusion", "--hf"
    )
    assert made.exit_code == 0, made.output
    assert made.stdout.startswith('Watching Diffusion  "diffusion"  arXiv: cat:cs.LG')
    assert run("watch", "add", "rl", "reinforcement").exit_code == 0

    first = run("update", "--print", "--days", "1")
    assert first.exit_code == 0, first.output
    digest = first.stdout
    assert digest.startswith("== Diffusion (4 new) ==\n")
    assert "* Sparse Attention Diffusion Transformers\n  Ines Okafor, Chen Wei, Paul Gaspard\n" in (
        digest
    )
    assert "  arXiv:2603.10002  https://arxiv.org/abs/2603.10002 (2026-03-18)" in digest
    assert "== rl" not in digest  # nothing new there: left out
    assert "Diffusion: 4 new, 4 unseen" in first.stderr
    paths = [r["path"] for r in replay.requests]
    assert paths == ["/api/query", "/api/daily_papers"]
    q = replay.requests[0]
    assert q["search_query"].startswith("(cat:cs.LG AND abs:diffusion) AND submittedDate:[")
    assert (q["sortBy"], q["sortOrder"]) == ("submittedDate", "ascending")

    listed = json.loads(run("watch", "list", "--json").stdout)
    assert [(w["name"], w["unseen"], w["total"]) for w in listed] == [
        ("Diffusion", 4, 4),
        ("rl", 0, 0),
    ]
    shown = run("watch", "show", "diffusion")  # names are case-insensitive
    lines = shown.stdout.splitlines()
    assert lines[0] == "* arxiv:2603.20002\t2026-03-22\tLong Video Diffusion with Memory Tokens"
    assert len(lines) == 4 and all(line.startswith("* ") for line in lines)

    assert run("watch", "seen", "Diffusion", "arxiv:2603.10001").stdout == "1 papers marked seen\n"
    shown = run("watch", "show", "Diffusion").stdout
    assert "  arxiv:2603.10001\t2026-03-16" in shown
    new = run("watch", "show", "Diffusion", "--new")
    assert new.stdout.startswith("== Diffusion (3 new) ==") and "2603.10001" not in new.stdout
    assert run("watch", "seen", "Diffusion").stdout == "3 papers marked seen\n"

    replay.requests = []
    second = run("update", "--print", "--days", "1")
    assert second.exit_code == 0, second.output
    assert second.stdout == ""  # nothing new: nothing for cron to mail
    assert "Diffusion: 0 new, 0 unseen" in second.stderr
    assert len(replay.requests) == 2  # asked again, added nothing
    store = WatchStore(Library(locations.library_path))
    assert store.get("Diffusion").total == 4


def test_update_json_and_an_unreachable_service(run, replay, monkeypatch):
    run("watch", "add", "d", "diffusion", "--arxiv", "abs:diffusion", "--hf")
    replay.down = {"/api/daily_papers"}
    from paperbrowse.core.sources import hf

    # the retries' back-off (2 + 4 + 8 s) without the waiting
    no_wait = functools.partial(hf.DailyPapersClient, sleep=lambda seconds: None)
    monkeypatch.setattr(hf, "DailyPapersClient", no_wait)
    result = run("update", "--json", "--days", "1")
    assert result.exit_code == 1
    assert "error: Hugging Face could not be reached at " + replay.base in result.stderr
    data = json.loads(result.stdout)
    assert data[0]["watch"] == "d"
    assert sorted(p["arxiv_id"] for p in data[0]["papers"]) == [
        "2603.10001",
        "2603.10002",
        "2603.10003",
    ]


def test_the_config_file_sets_the_urls(run, replay, monkeypatch, tmp_path):
    monkeypatch.delenv("PAPERBROWSE_ARXIV_API_URL")
    monkeypatch.delenv("PAPERBROWSE_HF_API_URL")
    config = tmp_path / "config.toml"
    config.write_text(
        f'[sources]\narxiv_url = "{replay.base}/api/query"\n'
        f'hf_url = "{replay.base}/api/daily_papers"\n'
    )
    monkeypatch.setenv("PAPERBROWSE_CONFIG", str(config))
    run("watch", "add", "d", "diffusion", "--arxiv", "abs:diffusion")
    result = run("update")
    assert result.exit_code == 0, result.output
    assert result.stdout == "d: 3 new, 3 unseen\n"
    assert [r["path"] for r in replay.requests] == ["/api/query"]


def test_watch_usage_errors(run):
    assert run("watch", "add", "a", "diffusion").exit_code == 0
    again = run("watch", "add", "A", "other")
    assert again.exit_code == 2 and "there is already a watch named 'A'" in again.stderr
    bad = run("watch", "add", "b", 'title:"unclosed')
    assert bad.exit_code == 2 and "does not parse" in bad.stderr
    missing = run("watch", "show", "nope")
    assert missing.exit_code == 2 and "no watch named 'nope'; the watches are: a" in missing.stderr
    assert run("watch", "seen", "a", "arxiv:1234.5678").exit_code == 2
    assert run("watch", "rm", "a").exit_code == 0
    assert run("watch", "rm", "a").exit_code == 2
    assert run("update").exit_code == 2  # no watches


def test_the_api_url_aliases_and_their_precedence(monkeypatch):
    from paperbrowse.config import Config, apply_sources
    from paperbrowse.core.sources.request import ARXIV_URL_VARIABLE, HF_URL_VARIABLE, service_url

    for name in (
        "PAPERBROWSE_ARXIV_URL",
        "PAPERBROWSE_ARXIV_API_URL",
        "PAPERBROWSE_HF_URL",
        "PAPERBROWSE_HF_API_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    assert service_url(ARXIV_URL_VARIABLE, "default") == "default"
    monkeypatch.setenv("PAPERBROWSE_ARXIV_API_URL", "http://mirror/api/query")
    assert service_url(ARXIV_URL_VARIABLE, "default") == "http://mirror/api/query"
    monkeypatch.setenv("PAPERBROWSE_ARXIV_URL", "http://short/api/query")
    assert service_url(ARXIV_URL_VARIABLE, "default") == "http://short/api/query"

    # the configuration file fills in only what the environment does not set, aliases included
    environ = {"PAPERBROWSE_HF_API_URL": "http://env-hf/"}
    config = Config(sources={"arxiv_url": "http://conf-arxiv/", "hf_url": "http://conf-hf/"})
    apply_sources(config, environ)
    assert environ == {
        "PAPERBROWSE_HF_API_URL": "http://env-hf/",
        "PAPERBROWSE_ARXIV_URL": "http://conf-arxiv/",
    }
    monkeypatch.delenv("PAPERBROWSE_ARXIV_URL")
    monkeypatch.setenv("PAPERBROWSE_HF_API_URL", "http://env-hf/")
    assert service_url(HF_URL_VARIABLE, "default") == "http://env-hf/"


def test_show_json_mark_seen_and_unseen(run, replay):
    run("watch", "add", "d", "diffusion", "--arxiv", "abs:diffusion")
    assert run("update").exit_code == 0
    shown = json.loads(run("watch", "show", "d", "--json").stdout)
    assert shown["watch"] == "d" and len(shown["papers"]) == 3
    first = shown["papers"][0]
    assert (first["id"], first["seen"], first["via"]) == ("arxiv:2603.10003", False, "arxiv")
    digest = run("watch", "show", "d", "--new", "--mark-seen").stdout
    assert digest.startswith("== d (3 new) ==")
    assert run("watch", "show", "d", "--new").stdout == ""  # all seen now
    assert run("watch", "seen", "d", "--unseen", "arxiv:2603.10001").stdout == (
        "1 papers marked unseen\n"
    )
    assert json.loads(run("watch", "list", "--json").stdout)[0]["unseen"] == 1
