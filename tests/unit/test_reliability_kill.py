"""kill -9 of an importing process: its indexing workers die with it, the import
lock it leaves is taken over, and ``paperbrowse index`` tells the truth and
catches the index up (issue 15, repro 1)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from generated import bench_corpus

from paperbrowse.core.index import IndexStore
from paperbrowse.core.library import Library
from paperbrowse.core.locations import Locations

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/stat").exists() or (os.cpu_count() or 1) < 2,
    reason="needs Linux /proc and two cores (worker processes)",
)

#: Runs the CLI with worker processes from 50 documents on (the default is 5,000).
DRIVER = """
import sys
from paperbrowse.core.engine import writing
writing.PARALLEL_FROM = 50
writing.BATCH = 20
from paperbrowse.cli import main
sys.argv = ["paperbrowse", *sys.argv[1:]]
main()
"""


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("kill") / "big.jsonl"
    bench_corpus().write_jsonl(path, 3000, seed=3)
    return path


def children(pid: int) -> set[int]:
    """Live (not zombie) processes whose parent is ``pid``."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z" and int(fields[1]) == pid:
            found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def cli(data_dir: Path, *args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", DRIVER, "--data-dir", str(data_dir), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        **kw,
    )


def kill_while_workers_run(data_dir: Path, snapshot: Path) -> set[int]:
    """Start an import, kill -9 it while its indexing workers run; return the workers."""
    proc = cli(data_dir, "add", "jsonl", str(snapshot))
    workers: set[int] = set()
    deadline = time.monotonic() + 60
    library_path = data_dir / "library.sqlite3"
    while time.monotonic() < deadline and proc.poll() is None:
        workers = children(proc.pid)
        # workers of the catch-up after the batch was stored (not the first build)
        if workers and library_path.exists() and Library(library_path).revision() > 0:
            break
        time.sleep(0.02)
    assert workers, "the import ended before its workers could be seen"
    time.sleep(0.3)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    return workers


def test_workers_die_with_their_parent_and_the_next_import_goes_on(tmp_path, snapshot):
    data_dir = tmp_path / "data"
    workers = kill_while_workers_run(data_dir, snapshot)

    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(alive(w) for w in workers):
        time.sleep(0.05)
    assert not [w for w in workers if alive(w)], "indexing workers outlived their parent"

    # the index is behind the library: `index` says so and catches up
    library = Library(data_dir / "library.sqlite3")
    stored = library.stored_count()
    assert stored == 3000
    index = cli(data_dir, "index")
    out, err = index.communicate(timeout=120)
    assert index.returncode == 0, err
    assert "up to date" not in out
    assert "index behind the library: catching up" in out + err
    current = IndexStore(Locations.resolve(data_dir).index_root).read_current()
    assert current[1].revision == library.revision()

    # a new import neither waits for the dead one nor fails
    again = cli(data_dir, "add", "jsonl", str(snapshot))
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    assert "skipped 3000" in out + err


def test_a_lock_naming_a_dead_process_is_taken_over(tmp_path, snapshot):
    from paperbrowse.core.ingest import import_lock

    locations = Locations.resolve(tmp_path / "data")
    lock = locations.ensure().data_dir / "import.lock"
    # a process that holds the lock's open file (as an orphan inherited it)
    # while the file names a pid that is gone
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    lock.write_text(str(dead.pid))
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, sys, time\n"
            f"fh = open({str(lock)!r}, 'a+'); fcntl.flock(fh, fcntl.LOCK_EX)\n"
            "print('held', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        messages: list[str] = []
        started = time.monotonic()
        with import_lock(
            locations, on_wait=lambda: messages.append("waiting"), on_takeover=messages.append
        ):
            assert lock.read_text() == str(os.getpid())
        assert time.monotonic() - started < 5
        assert any(str(dead.pid) in m and "no longer running" in m for m in messages)
    finally:
        holder.kill()
        holder.wait()


def test_a_lock_held_by_a_live_process_is_waited_for(tmp_path):
    from paperbrowse.core.ingest import ImportBusy, import_lock

    locations = Locations.resolve(tmp_path / "data")
    lock = locations.ensure().data_dir / "import.lock"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, time\n"
            f"fh = open({str(lock)!r}, 'a+'); fcntl.flock(fh, fcntl.LOCK_EX)\n"
            "fh.seek(0); fh.truncate(); fh.write(str(os.getpid())); fh.flush()\n"
            "print('held', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(ImportBusy), import_lock(locations):
            pass
    finally:
        holder.kill()
        holder.wait()
