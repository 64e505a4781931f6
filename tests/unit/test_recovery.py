"""Faults: a damaged or old index, a full disk, a kill during a build. Each gives a
clear message and a usable index; the library (bookmarks, imported papers) is untouched."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from paperbrowse.cli import cli
from paperbrowse.core.index import IndexStore
from paperbrowse.core.library import Library
from paperbrowse.core.models import Paper, paper_id_for
from paperbrowse.core.service import open_index

REPO = Path(__file__).resolve().parents[2]
MINE = Paper(
    id=paper_id_for("My imported paper on tidal locking"),
    title="My imported paper on tidal locking",
)


def live_folder(locations) -> Path:
    return IndexStore(locations.index_root).read_current()[0]


def damage(folder: Path, how: str) -> None:
    segment = max(
        (p for p in folder.iterdir() if p.suffix == ".seg"), key=lambda p: p.stat().st_size
    )
    if how == "truncate":
        with open(segment, "r+b") as fh:
            fh.truncate(segment.stat().st_size // 3)
    elif how == "remove":
        segment.unlink()
    elif how == "garbage":
        segment.write_bytes(os.urandom(segment.stat().st_size))


@pytest.mark.parametrize("how", ["truncate", "remove", "garbage"])
def test_a_damaged_index_is_rebuilt_with_a_message(how, locations, corpus, library):
    library.store_papers([MINE])
    marked = open_index(locations, corpus, library=library).index.search("diffusion").hits[0].paper
    library.add(marked)
    damage(live_folder(locations), how)

    opened = open_index(locations, corpus, library=library)

    assert opened.built and "is damaged" in opened.recovered
    assert opened.index.search("tidal locking").total == 1  # imported papers come back
    assert library.ids() == {marked.id}


def test_the_cli_says_the_index_was_damaged_and_goes_on(locations, library):
    damage(live_folder(locations), "truncate")
    result = CliRunner().invoke(
        cli, ["--data-dir", str(locations.data_dir), "search", "diffusion", "-n", "1"]
    )
    assert result.exit_code == 0, result.output
    assert "is damaged" in result.stderr and "rebuilt it" in result.stderr
    assert "Diffusion" in result.stdout


def test_an_index_of_an_older_schema_is_rebuilt(locations, corpus, library):
    store = IndexStore(locations.index_root)
    current = json.loads(store.current_file.read_text())
    current["stamp"]["schema"] = 1
    store.current_file.write_text(json.dumps(current))
    opened = open_index(locations, corpus, library=library)
    assert opened.built and opened.recovered is None


def test_a_full_disk_during_a_build_keeps_the_old_index(locations, corpus, library, monkeypatch):
    before = live_folder(locations)
    from whoosh.filedb import structfile

    real_write = structfile.StructFile.write
    written = [0]

    def write(self, data):
        written[0] += len(data)
        if written[0] > 200_000:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(self, data)

    monkeypatch.setattr(structfile.StructFile, "write", write)
    with pytest.raises(OSError, match="No space left"):
        open_index(locations, corpus, library=library, rebuild=True)
    monkeypatch.undo()
    assert live_folder(locations) == before
    assert sorted(p.name for p in locations.index_root.glob("gen-*")) == [before.name]
    assert open_index(locations, corpus, library=library).index.search("diffusion").total > 0


def test_the_cli_reports_a_full_disk_without_a_traceback(locations, monkeypatch):
    from paperbrowse.core.generations import IndexStore

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(IndexStore, "build", full)
    result = CliRunner().invoke(cli, ["--data-dir", str(locations.data_dir), "index", "--rebuild"])
    assert result.exit_code == 1
    assert "No space left on device" in result.output and "Traceback" not in result.output


BUILD = (
    "import sys; from paperbrowse.core.locations import Locations;"
    "from paperbrowse.core.library import Library;"
    "from paperbrowse.core.service import Corpus, open_index;"
    "loc = Locations.resolve(sys.argv[1]);"
    "print('go', flush=True);"
    "open_index(loc, Corpus.bundled(), library=Library(loc.library_path), rebuild=True)"
)


@pytest.mark.parametrize("delay", [0.05, 0.4, 0.9, 1.6])
def test_kill_9_during_a_build_leaves_a_usable_index(delay, locations, corpus, library):
    library.store_papers([MINE])
    open_index(locations, corpus, library=library)
    proc = subprocess.Popen(
        [sys.executable, "-c", BUILD, str(locations.data_dir)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert proc.stdout is not None
    proc.stdout.readline()
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)

    opened = open_index(locations, corpus, library=library)
    assert opened.recovered is None, "the old or the new generation is live, whole"
    assert opened.index.search("tidal locking").total == 1
    assert opened.index.doc_count() == 380
    assert Library(locations.library_path).stored_count() == 1
