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

    assert run("watch", "seen", "Diffusion", "arxiv:2603.10001").stdout == "1 paper marked seen\n"
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
    assert again.exit_code == 2 and "there is already a watch named 'a'" in again.stderr
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
        "1 paper marked unseen\n"
    )
    assert json.loads(run("watch", "list", "--json").stdout)[0]["unseen"] == 1


def test_seen_takes_every_id_form_the_other_commands_take(run, locations, corpus, library):
    """A corpus paper (pb: id) that an import told its arXiv id is named by that
    arXiv id in any form, or its citation key; an unknown id gets the resolver's
    message, a paper outside the watch "not in the watch"."""
    from datetime import date

    from paperbrowse.core.ingest import import_records
    from paperbrowse.core.models import Paper
    from paperbrowse.core.service import open_index

    assert run("watch", "add", "lat", "bootstrap latent").exit_code == 0
    index = open_index(locations, corpus, library=library).index
    byol = next(p for p in index.all_papers() if p.title.startswith("Bootstrap your own latent"))
    stripe = Paper(
        id="arxiv:cond-mat/0603029",
        title="From stripe to checkerboard order on the square lattice",
        authors=("Adrian Del Maestro",),
        published=date(2006, 7, 1),
        arxiv_id="cond-mat/0603029",
        citation_key="delmaestro2006stripe",
    )
    byol_arxiv = Paper(
        id="arxiv:2006.07733",
        title=byol.title,
        arxiv_id="2006.07733",
        authors=byol.authors,
        citation_key="grill2020byol",
    )
    import_records([stripe, byol_arxiv], locations=locations, corpus=corpus, library=library)
    assert run("update").exit_code == 0
    store = WatchStore(Library(locations.library_path))
    assert [w.paper.id for w in store.papers("lat")] == [byol.id]  # its pb: id

    for ref in (
        "2006.07733",
        "arxiv:2006.07733",
        "https://arxiv.org/abs/2006.07733v2",
        "Grill2020BYOL",
    ):
        marked = run("watch", "seen", "lat", ref)
        assert marked.exit_code == 0, (ref, marked.output)
        assert marked.stdout == "1 paper marked seen\n", ref
        assert run("watch", "seen", "lat", "--unseen", ref).stdout == "1 paper marked unseen\n"

    unknown = run("watch", "seen", "lat", "2999.99999")
    assert unknown.exit_code == 2
    assert "error: no paper with id, arXiv id, DOI or citation key '2999.99999'" in unknown.stderr
    outside = run("watch", "seen", "lat", "delmaestro2006stripe")
    assert outside.exit_code == 2
    assert "error: not in the watch 'lat': delmaestro2006stripe" in outside.stderr
    assert not store.is_seen(byol.id)  # nothing marked by the failed commands


def test_names_are_echoed_as_stored_and_bad_definitions_refused(run):
    assert run("watch", "add", "diffusion", "diffusion").exit_code == 0
    again = run("watch", "add", "Diffusion", "other")
    assert again.exit_code == 2
    assert again.stderr == "error: there is already a watch named 'diffusion'\n"
    for name in ("a\nb", "a\tb", "bell\x07", "del\x7f", "line\u2028sep"):
        bad = run("watch", "add", name, "x")
        assert bad.exit_code == 2, repr(name)
        assert f"error: watch name {name!r} has a newline or control character" in bad.stderr
    for arxiv, column, what in (
        ("ti:(", 4, "unclosed group '('"),
        ('ti:"latent diffusion', 4, "unclosed quote"),
        ("abs:x)", 6, "')' closes nothing"),
    ):
        bad = run("watch", "add", "t", "x", "--arxiv", arxiv)
        assert bad.exit_code == 2, arxiv
        assert (
            f"error: watch 't': the arXiv query {arxiv!r} does not parse: column {column}: "
            + (what)
            in bad.stderr
        )
    assert [w["name"] for w in json.loads(run("watch", "list", "--json").stdout)] == ["diffusion"]
    removed = run("watch", "rm", "DIFFUSION")
    assert removed.exit_code == 0 and removed.stdout == "Deleted the watch 'diffusion'\n"


def test_empty_list_and_empty_watch_say_what_to_do(run):
    empty = run("watch", "list")
    assert empty.exit_code == 0 and empty.stdout == ""
    assert "No watches yet; make one with 'paperbrowse watch add NAME QUERY'" in empty.stderr
    assert "paperbrowse watch add diffusion 'diffusion' --arxiv" in empty.stderr
    run("watch", "add", "w", "x")
    shown = run("watch", "show", "w")
    assert shown.exit_code == 0 and shown.stdout == ""
    assert shown.stderr == "No papers yet — run 'paperbrowse update'.\n"
    assert run("watch", "seen", "w").stdout == "0 papers marked seen\n"


def test_offline_update_says_which_watches_were_not_updated(run, replay, monkeypatch):
    import socket

    from paperbrowse.core.sources import arxiv

    with socket.socket() as probe:  # a local port nobody listens on: connection refused
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    monkeypatch.setenv("PAPERBROWSE_ARXIV_API_URL", f"http://127.0.0.1:{closed}/api/query")
    monkeypatch.setattr(
        arxiv, "ArxivClient", functools.partial(arxiv.ArxivClient, sleep=lambda seconds: None)
    )
    run("watch", "add", "diffusion", "diffusion", "--arxiv", "abs:diffusion")
    run("watch", "add", "flows", "flow", "--arxiv", "abs:flow", "--hf")
    run("watch", "add", "local", "transformer")
    result = run("update", "--days", "1")
    assert result.exit_code == 1
    assert result.stderr.count("error: arXiv could not be reached at ") == 1
    assert result.stdout.splitlines() == [
        # the daily paper on diffusion came through its local query; arXiv did not
        "diffusion: 1 new, 1 unseen; not finished (arXiv could not be reached)",
        "flows: not updated (arXiv could not be reached)",
        "local: 0 new, 0 unseen",
    ]
