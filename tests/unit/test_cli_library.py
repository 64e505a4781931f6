"""The library commands: add (every source), tag, note, status, list, bookmarks, export.

The network importers run against a local HTTP server that replays the
recorded responses in ``tests/fixtures`` (pointed at by the
``PAPERBROWSE_ARXIV_URL`` / ``PAPERBROWSE_HF_URL`` variables), so the whole
path (click, httpx, feed parsing, import) is exercised without the internet.
"""

from __future__ import annotations

import functools
import json
import os
import re
import signal
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import bibtexparser
import pytest
from click.testing import CliRunner

from paperbrowse.cli import cli
from paperbrowse.core.library import Library
from paperbrowse.core.locations import Locations

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
REPO = Path(__file__).resolve().parents[2]


class Replay(BaseHTTPRequestHandler):
    """Answers arXiv API and daily-papers requests with the recorded fixtures."""

    requests: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        url = urlparse(self.path)
        params = {k: v[0] for k, v in parse_qs(url.query).items()}
        type(self).requests.append(self.path)
        if url.path == "/api/query":
            if "id_list" in params:
                name = "arxiv_atom_id_list.xml"
            else:
                name = f"arxiv_atom_search_page{1 + int(params.get('start', 0)) // 2}.xml"
            kind = "application/atom+xml"
        elif url.path == "/api/daily_papers" and params.get("date") == "2026-03-23":
            name, kind = "hf_daily_papers_2026-03-23.json", "application/json"
        else:
            self.send_error(404)
            return
        body = (FIXTURES / name).read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", kind)
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
    monkeypatch.setenv("PAPERBROWSE_ARXIV_URL", f"{base}/api/query")
    monkeypatch.setenv("PAPERBROWSE_HF_URL", f"{base}/api/daily_papers")
    Replay.requests = []
    yield Replay
    server.shutdown()
    server.server_close()


@pytest.fixture
def run(locations: Locations):
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(cli, ["--data-dir", str(locations.data_dir), *args], input=input)

    return invoke


def summary_line(result) -> str:
    return result.stdout.strip().splitlines()[-1]


def test_add_arxiv_by_id_twice(run, replay, library):
    first = run("add", "arxiv", "2006.07733", "arXiv:2106.09685v2")
    assert first.exit_code == 0, first.output
    # one of the two (BYOL) is in the bundled corpus: found by title, it gains the arXiv metadata
    assert summary_line(first) == "arXiv: added 1, updated 1, skipped 0, errors 0"
    assert "id_list=2006.07733%2C2106.09685" in replay.requests[0]
    second = run("add", "arxiv", "2006.07733", "2106.09685")
    assert summary_line(second) == "arXiv: added 0, updated 0, skipped 2, errors 0"
    # its acronym finds it first ("bootstrap your own latent" ties exactly with another
    # paper whose title holds the same phrase; the tie goes by index order)
    found = run("search", "byol", "--json")
    hit = json.loads(found.stdout)["hits"][0]
    assert hit["arxiv_id"] == "2006.07733" and hit["categories"][0] == "cs.LG"


def test_add_arxiv_by_query_pages_through_results(run, replay):
    result = run("add", "arxiv", "--query", "id:2006.07733", "--max", "3")
    assert result.exit_code == 0, result.output
    assert summary_line(result) == "arXiv: added 2, updated 1, skipped 0, errors 0"
    assert len(replay.requests) == 2  # two pages, politely spaced


def test_add_arxiv_needs_ids_or_a_query(run):
    assert run("add", "arxiv").exit_code == 2
    bad = run("add", "arxiv", "not-an-id")
    assert bad.exit_code == 2 and "not an arXiv id: 'not-an-id'" in bad.output


def test_add_arxiv_offline_says_so(run, monkeypatch):
    monkeypatch.setenv("PAPERBROWSE_ARXIV_URL", "http://127.0.0.1:9/api/query")
    from paperbrowse.core.sources import arxiv

    # the retries' back-off (2 + 4 + 8 s) without the waiting
    no_wait = functools.partial(arxiv.ArxivClient, sleep=lambda seconds: None)
    monkeypatch.setattr(arxiv, "ArxivClient", no_wait)
    result = run("add", "arxiv", "2006.07733")
    assert result.exit_code == 2
    assert "arXiv" in result.output and "127.0.0.1:9" in result.output


def test_add_hf_day_twice(run, replay):
    first = run("add", "hf", "--date", "2026-03-23")
    assert first.exit_code == 0, first.output
    # BYOL is in the bundled corpus: it gains the day's upvotes and arXiv id
    assert summary_line(first).endswith("added 3, updated 1, skipped 0, errors 0")
    second = run("add", "hf", "--date", "2026-03-23")
    assert summary_line(second).endswith("added 0, updated 0, skipped 4, errors 0")
    assert run("add", "hf", "--date", "23/03/2026").exit_code == 2


def test_add_bibtex_names_the_broken_entry_and_exits_1(run):
    result = run("add", "bibtex", str(FIXTURES / "refs.bib"))
    assert result.exit_code == 1
    assert "refs.bib, line 34, entry broken2019" in result.stderr
    assert summary_line(result) == "refs.bib: added 4, updated 1, skipped 0, errors 1"
    again = run("add", "bibtex", str(FIXTURES / "refs.bib"))
    assert summary_line(again) == "refs.bib: added 0, updated 0, skipped 5, errors 1"


def test_add_jsonl_and_captures(run, corpus, tmp_path):
    result = run("add", "jsonl", str(FIXTURES / "arxiv_snapshot.jsonl"))
    assert "arxiv_snapshot.jsonl, line 5: not JSON" in result.stderr
    assert summary_line(result) == "arxiv_snapshot.jsonl: added 4, updated 1, skipped 0, errors 1"
    capture = tmp_path / "my-capture.txt"
    capture.write_bytes(sorted(corpus.folder.glob("*.txt"))[0].read_bytes())
    first = run("add", "captures", str(capture))
    assert first.exit_code == 0, first.output
    added, updated, skipped = map(
        int, re.findall(r"(?:added|updated|skipped) (\d+)", summary_line(first))
    )
    assert added == 0 and updated > 0  # every paper is bundled; each gains a source name
    again = run("add", "captures", str(capture))
    assert summary_line(again).endswith(f"updated 0, skipped {added + updated + skipped}, errors 0")


def test_missing_file_is_a_usage_error(run, tmp_path):
    result = run("add", "bibtex", str(tmp_path / "nope.bib"))
    assert result.exit_code == 2 and "nope.bib" in result.output


# ------------------------------------------------------------- organise
def first_id(run, query: str) -> str:
    return run("search", query, "--limit", "1").stdout.split("\t")[0]


def test_tag_note_status_list_and_export_a_selection(run, library, tmp_path):
    a = first_id(run, "latent diffusion")
    b = first_id(run, "quantization")
    assert run("tag", a, "diffusion", "Thesis Ch2").stdout.strip() == "diffusion, thesis ch2"
    assert run("tag", b, "diffusion").exit_code == 0
    assert run("note", a, "Read section 3 twice.").exit_code == 0
    assert run("note", a).stdout.strip() == "Read section 3 twice."
    assert run("status", a, "read").exit_code == 0
    assert run("list", "add", "Reading group", a, b).exit_code == 0
    assert run("list").stdout == "Reading group\t2\n"
    assert run("tags").stdout == "diffusion\t2\nthesis ch2\t1\n"

    lines = run("bookmarks", "--status", "read").stdout.splitlines()
    assert len(lines) == 1
    added, paper_id, year, title, status, tags, lists = lines[0].split("\t")
    assert (paper_id, status, tags, lists) == (a, "read", "diffusion,thesis ch2", "Reading group")

    out = tmp_path / "diffusion.bib"
    result = run("export", "--tag", "diffusion", "-o", str(out))
    assert result.exit_code == 0 and "Wrote 2 papers" in result.stderr
    entries = bibtexparser.parse_string(out.read_text()).entries
    assert len(entries) == 2
    only_read = run("export", "--status", "read", "--format", "json")
    assert [p["id"] for p in json.loads(only_read.stdout)["papers"]] == [a]
    assert run("tag", a, "--remove", "thesis ch2").stdout.strip() == "diffusion"
    assert run("note", a, "--clear").exit_code == 0 and run("note", a).stdout.strip() == "(no note)"


def test_unknown_paper_list_and_bad_tag(run):
    unknown = run("tag", "pb:000000000000", "x")
    assert unknown.exit_code == 2
    assert "no paper with id, arXiv id, DOI or citation key 'pb:000000000000'" in unknown.stderr
    assert run("export", "--list", "Nope").exit_code == 2
    a = first_id(run, "latent diffusion")
    bad = run("tag", a, "a,b")
    assert bad.exit_code == 2 and "cannot contain" in bad.output


def import_snapshot(run) -> None:
    """Import the arXiv snapshot fixture (it has one broken line on purpose: exit status 1)."""
    result = run("add", "jsonl", str(FIXTURES / "arxiv_snapshot.jsonl"))
    assert "added 4, updated 1" in summary_line(result), result.output


def test_the_readme_example_works_with_a_bare_arxiv_id(run):
    """BYOL is in the bundled corpus under a pb: id; the snapshot import tells its arXiv id."""
    import_snapshot(run)
    result = run("tag", "2006.07733", "thesis")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "thesis"
    lines = run("bookmarks").stdout.splitlines()
    assert len(lines) == 1
    paper_id, title = lines[0].split("\t")[1], lines[0].split("\t")[3]
    assert paper_id.startswith("pb:") and title.startswith("Bootstrap your own latent")
    # every other form names the same paper
    for ref in ("2006.07733v2", "arXiv:2006.07733", "https://arxiv.org/pdf/2006.07733v1.pdf"):
        assert run("tag", ref).stdout.strip() == "thesis", ref
    assert run("status", "https://arxiv.org/abs/2006.07733", "reading").exit_code == 0
    assert run("note", "arxiv:2006.07733", "BYOL.").exit_code == 0
    assert run("note", paper_id).stdout.strip() == "BYOL."
    # a DOI from the snapshot, in another case and as a URL
    assert run("tag", "https://doi.org/10.1103/PHYSREVD.76.013009", "hep").exit_code == 0
    assert run("tag", "doi:10.1103/physrevd.76.013009").stdout.strip() == "hep"


def test_a_command_with_several_ids_does_the_ones_it_can(run):
    import_snapshot(run)
    result = run("list", "add", "Group", "2006.07733", "nosuchpaper2020", "0704.0001", "2999.99999")
    assert result.exit_code == 1
    assert "no paper with id, arXiv id, DOI or citation key 'nosuchpaper2020'" in result.stderr
    assert "paperbrowse add arxiv 2999.99999" in result.stderr
    assert run("list").stdout == "Group\t2\n"
    removed = run("list", "remove", "Group", "0704.0001", "pb:000000000000")
    assert removed.exit_code == 1 and "'pb:000000000000'" in removed.stderr
    assert run("list").stdout == "Group\t1\n"


def test_key_prints_and_renames_and_keys_name_papers(run, tmp_path):
    import_snapshot(run)
    shown = run("key", "2006.07733")
    assert shown.exit_code == 0 and shown.stdout == "grill2020bootstrap\n"
    assert run("key", "2006.07733").stdout == "grill2020bootstrap\n"  # stored, not recomputed
    assert run("key", "grill2020bootstrap", "grill2020byol").stdout == "grill2020byol\n"
    assert run("tag", "grill2020byol", "ssl").stdout.strip() == "ssl"
    other = first_id(run, "latent diffusion")
    clash = run("key", other, "GRILL2020BYOL")
    assert clash.exit_code == 2 and "already used by" in clash.output
    bad = run("key", other, "has space")
    assert bad.exit_code == 2 and "not a usable citation key" in bad.output
    near = run("tag", "grill2020byl", "x")
    assert near.exit_code == 2 and "grill2020byol" in near.stderr  # the closest key
    # the export uses the stored key
    out = tmp_path / "ssl.bib"
    assert run("export", "--tag", "ssl", "-o", str(out)).exit_code == 0
    assert [e.key for e in bibtexparser.parse_string(out.read_text()).entries] == ["grill2020byol"]
    # similar takes any id form
    similar = run("similar", "grill2020byol", "-n", "2")
    assert similar.exit_code == 0 and len(similar.stdout.splitlines()) == 2


def test_bibtex_export_reimports_into_a_fresh_data_dir(run, tmp_path):
    """The issue's round trip: export a tag to BibTeX, import it elsewhere, same records."""
    a = first_id(run, "latent diffusion")
    b = first_id(run, "quantization")
    run("tag", a, "mine")
    run("tag", b, "mine")
    out = tmp_path / "mine.bib"
    run("export", "--tag", "mine", "-o", str(out))
    fresh = tmp_path / "fresh"
    runner = CliRunner()
    result = runner.invoke(cli, ["--data-dir", str(fresh), "add", "bibtex", str(out)])
    assert result.exit_code == 0, result.output
    # both papers are in the bundled corpus, so the import finds them by title
    assert summary_line(result) == "mine.bib: added 0, updated 2, skipped 0, errors 0"


# -------------------------------------------------- interrupt and resume
def test_ctrl_c_then_resume_with_skip(locations, tmp_path):
    snapshot = tmp_path / "snapshot.jsonl"
    with snapshot.open("w") as fh:
        for n in range(6000):
            record = {
                "id": f"2401.{n:05d}",
                "title": f"Resumable import paper {n}",
                "abstract": "Galaxies. " * 40,
                "authors": "A. One and B. Two",
                "categories": "astro-ph.GA",
                "update_date": "2024-01-02",
            }
            fh.write(json.dumps(record) + "\n")
    env = {**os.environ, "PYTHONPATH": str(REPO), "PAPERBROWSE_DATA_DIR": str(locations.data_dir)}
    command = [sys.executable, "-m", "paperbrowse", "add", "jsonl", str(snapshot)]
    proc = subprocess.Popen(
        [*command, "--batch", "500"], env=env, stderr=subprocess.PIPE, text=True
    )
    library = Library(locations.library_path)
    while library.stored_count() < 1000:  # two batches stored
        assert proc.poll() is None, proc.stderr.read()
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    skip = int(err.split("Resume with --skip ")[1].split(".")[0])
    assert skip == library.stored_count() and skip % 500 == 0 and skip >= 1000

    done = subprocess.run(
        [*command, "--skip", str(skip)], env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    assert f"added {6000 - skip}," in done.stdout
    assert library.stored_count() == 6000


def _readme_block(heading_text: str) -> list[list[str]]:
    """The commands of the README's ```sh block after ``heading_text``, split as a shell
    would (comments dropped)."""
    import shlex

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text("utf-8")
    start = readme.index(heading_text)
    opening = readme.index("```sh\n", start) + 6
    block = readme[opening : readme.index("\n```", opening)]
    return [shlex.split(line, comments=True) for line in block.splitlines() if line.strip()]


def test_the_readme_organise_examples_work_with_bare_arxiv_ids(run, replay, tmp_path):
    """After the README's `add arxiv 2006.07733 2106.09685`, its organise block runs
    as written: bare arXiv ids, an arXiv: id with a version, a pb: id, a key."""
    assert run("add", "arxiv", "2006.07733", "2106.09685").exit_code == 0
    commands = _readme_block("Organise the bookmarks from the app")
    assert commands[0][:3] == ["paperbrowse", "tag", "2006.07733"]
    for argv in commands:
        if "-o" in argv:
            argv = [*argv[: argv.index("-o") + 1], str(tmp_path / "thesis.bib")]
        result = run(*argv[1:])
        assert result.exit_code == 0, (argv, result.output)
    marks = {m["id"]: m for m in json.loads(run("bookmarks", "--json").stdout)["papers"]}
    byol = next(m for m in marks.values() if m.get("arxiv_id") == "2006.07733")
    assert byol["status"] == "read" and set(byol["tags"]) == {"self-supervised", "thesis"}
    assert "Thesis" in byol["lists"]
    entries = bibtexparser.parse_string((tmp_path / "thesis.bib").read_text("utf-8")).entries
    assert len(entries) == 3 and all(e.key for e in entries)
