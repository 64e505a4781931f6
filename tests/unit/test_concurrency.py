"""Several processes on one data directory: two app instances and imports.

Each "app instance" is a separate Python process that opens the index the way
the app does (``open_index`` with the library, then ``PaperIndex.search`` at
each keystroke); each import is ``paperbrowse add``, a process of its own. No
threads stand in for processes here: Whoosh's writer lock, our ``flock`` locks
and SQLite's transactions are exercised between real processes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from paperbrowse.core.library import Library
from paperbrowse.core.locations import Locations
from paperbrowse.core.service import open_index

REPO = Path(__file__).resolve().parents[2]

# An app instance: opens the index as the app does, then searches until told
# to stop, printing what each search saw and how long it took (seconds).
READER = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from paperbrowse.core.library import Library
    from paperbrowse.core.locations import Locations
    from paperbrowse.core.service import Corpus, open_index

    locations = Locations.resolve(sys.argv[1])
    stop = Path(sys.argv[2])
    started = time.perf_counter()
    index = open_index(locations, Corpus.bundled(), library=Library(locations.library_path)).index
    print(json.dumps({"open": time.perf_counter() - started}), flush=True)
    while True:
        last = stop.exists()  # one more search after the stop file appears
        started = time.perf_counter()
        total = index.search("quasar spectroscopy", limit=5).total
        print(json.dumps({"total": total, "seconds": time.perf_counter() - started}), flush=True)
        if last:
            break
        time.sleep(0.05)
    """
)

# A writer that holds the index's writer lock (as a long merge at the end of
# an import batch does) after storing papers the index does not hold yet.
HOLDER = textwrap.dedent(
    """
    import sys, time
    from paperbrowse.core.index import IndexStore
    from paperbrowse.core.library import Library
    from paperbrowse.core.locations import Locations
    from paperbrowse.core.models import Paper, paper_id_for

    locations = Locations.resolve(sys.argv[1])
    titles = [f"Held back paper {n} on quasar spectroscopy" for n in range(3)]
    Library(locations.library_path).store_papers(
        Paper(id=paper_id_for(t), title=t, abstract="Dust.") for t in titles
    )
    with IndexStore(locations.index_root)._build_lock():
        print("held", flush=True)
        time.sleep(60)
    """
)


def python(script: str, *args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", script, *args],
        env={**os.environ, "PYTHONPATH": str(REPO)},
        text=True,
        **kw,
    )


def paperbrowse(locations: Locations, *args: str, **kw) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO), "PAPERBROWSE_DATA_DIR": str(locations.data_dir)}
    return subprocess.Popen([sys.executable, "-m", "paperbrowse", *args], env=env, text=True, **kw)


def snapshot(path: Path, count: int, start: int = 0) -> Path:
    """``count`` records in the arXiv metadata snapshot's JSON Lines format."""
    with path.open("w") as fh:
        for n in range(start, start + count):
            record = {
                "id": f"2402.{n:05d}",
                "title": f"Concurrent import paper {n} on quasar spectroscopy",
                "abstract": "Spectra of distant quasars. " * 30,
                "authors": "A. One and B. Two",
                "categories": "astro-ph.GA",
                "update_date": "2024-02-03",
            }
            fh.write(json.dumps(record) + "\n")
    return path


def lines(proc: subprocess.Popen) -> list[dict]:
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    return [json.loads(line) for line in out.splitlines()]


def test_an_app_opening_while_a_writer_holds_the_index_does_not_wait(locations, corpus, library):
    """The library is ahead of the index and another process holds the writer
    lock: the app opens the live generation at once instead of catching up
    behind that writer (which could be a merge of minutes at 1M papers)."""
    holder = python(HOLDER, str(locations.data_dir), stdout=subprocess.PIPE)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        started = time.perf_counter()
        index = open_index(locations, corpus, library=library).index
        assert time.perf_counter() - started < 5, "open_index waited for the writer"
        assert index.stamp.revision < library.revision()  # not caught up: it did not wait
        assert index.search("held back quasar").total == 0
    finally:
        holder.kill()
        holder.wait(timeout=30)
    # the writer is gone without catching up: the next open does it
    index = open_index(locations, corpus, library=library).index
    assert index.search('"held back paper"').total == 3


def test_two_app_instances_search_while_an_import_runs_and_a_second_import_waits(
    tmp_path, locations, corpus
):
    first = snapshot(tmp_path / "first.jsonl", 3000)
    second = snapshot(tmp_path / "second.jsonl", 200, start=3000)
    stop = tmp_path / "stop"
    library = Library(locations.library_path)

    importer = paperbrowse(
        locations, "add", "jsonl", str(first), "--batch", "250",
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while library.stored_count() < 250:  # the first batch is stored: the import holds its lock
        assert importer.poll() is None, importer.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.02)
    apps = [python(READER, str(locations.data_dir), str(stop), stdout=subprocess.PIPE,
                   stderr=subprocess.PIPE) for _ in range(2)]  # fmt: skip
    waiting = paperbrowse(
        locations, "add", "jsonl", str(second), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    out, err = importer.communicate(timeout=300)
    assert importer.returncode == 0, err
    assert "added 3000, updated 0" in out
    out2, err2 = waiting.communicate(timeout=300)
    assert waiting.returncode == 0, err2
    assert "Another import is running in this data directory; waiting for it" in err2
    assert "added 200, updated 0" in out2
    stop.touch()

    for app in apps:
        seen = lines(app)
        assert seen[0]["open"] < 5, "the app's start waited for the import"
        totals = [s["total"] for s in seen[1:]]
        assert totals == sorted(totals), "each search sees at least what the one before saw"
        assert len(set(totals)) >= 3, f"batches became visible one by one: {sorted(set(totals))}"
        assert totals[-1] == 3200
        assert max(s["seconds"] for s in seen[1:]) < 5, "no search waited for a writer"
    assert library.stored_count() == 3200
    index = open_index(locations, corpus, library=library).index
    assert index.search("concurrent import quasar").total == 3200


def test_readers_never_see_a_half_written_import(tmp_path, locations):
    """A paper is in an app's results whole or not at all: every hit an app
    instance lists during the import (small batches, so merges run too) has
    its stored title and abstract, and no search fails on a segment that a
    merge has just replaced."""
    stop = tmp_path / "stop"
    importer = paperbrowse(
        locations, "add", "jsonl", str(snapshot(tmp_path / "s.jsonl", 1500)), "--batch", "100",
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    check = textwrap.dedent(
        """
        import sys, time
        from pathlib import Path
        from paperbrowse.core.library import Library
        from paperbrowse.core.locations import Locations
        from paperbrowse.core.service import Corpus, open_index

        locations = Locations.resolve(sys.argv[1])
        library = Library(locations.library_path)
        index = open_index(locations, Corpus.bundled(), library=library).index
        while not Path(sys.argv[2]).exists():
            for hit in index.search('"concurrent import paper"', sort="date", limit=50).hits:
                p = hit.paper
                assert p.title.startswith("Concurrent import paper"), p
                assert p.abstract.startswith("Spectra of distant quasars."), p
            time.sleep(0.02)
        print("ok")
        """
    )
    reader = python(check, str(locations.data_dir), str(stop), stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE)  # fmt: skip
    importer.communicate(timeout=300)
    assert importer.returncode == 0
    stop.touch()
    out, err = reader.communicate(timeout=60)
    assert reader.returncode == 0 and out.strip() == "ok", err


def test_a_rebuild_says_it_waits_for_the_writer_then_builds(locations):
    holder = python(HOLDER, str(locations.data_dir), stdout=subprocess.PIPE)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        rebuild = paperbrowse(
            locations, "index", "--rebuild", stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        assert rebuild.stderr is not None
        said = rebuild.stderr.readline()
        assert "Another process is writing the search index" in said
        assert "waiting for it" in said
        time.sleep(0.5)
        assert rebuild.poll() is None, "the rebuild waits while the writer holds the lock"
    finally:
        holder.kill()
        holder.wait(timeout=30)
    out, err = rebuild.communicate(timeout=120)
    assert rebuild.returncode == 0, err
    assert "Indexed 382 papers" in err  # the bundled 379 and the 3 the writer stored
