"""Bookmarks in SQLite: persistence, toggling, concurrency, damaged files."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest

from paperbrowse.core.library import LIBRARY_SCHEMA_VERSION, Library, LibraryError
from paperbrowse.core.models import Paper


def paper(n: int) -> Paper:
    return Paper(id=f"pb:{n:012d}", title=f"Paper number {n}", abstract="An abstract.")


def test_bookmarks_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "library.sqlite3"
    first = Library(path)
    assert first.add(paper(1)) is True
    assert first.add(paper(1)) is False  # already there: kept once, time unchanged
    first.add(paper(2))
    again = Library(path)
    assert [b.paper.id for b in again.bookmarks()] == [paper(1).id, paper(2).id]
    assert again.bookmarks()[0].paper == paper(1)
    assert paper(2).id in again and paper(3).id not in again
    assert len(again) == 2


def test_added_at_is_recorded_in_utc(tmp_path: Path) -> None:
    library = Library(tmp_path / "l.sqlite3")
    before = datetime.now(UTC).replace(microsecond=0)
    library.add(paper(1))
    added = library.bookmarks()[0].added_at
    assert added.tzinfo is not None and before <= added <= datetime.now(UTC)


def test_toggle_and_remove(tmp_path: Path) -> None:
    library = Library(tmp_path / "l.sqlite3")
    assert library.toggle(paper(1)) is True
    assert library.ids() == frozenset({paper(1).id})
    assert library.toggle(paper(1)) is False
    assert library.ids() == frozenset()
    library.add(paper(2))
    assert library.remove(paper(2).id) is True
    assert library.remove(paper(2).id) is False


def test_schema_version_is_set(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "l.sqlite3"
    Library(path)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == LIBRARY_SCHEMA_VERSION


def test_threads_with_separate_instances(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite3"
    Library(path)

    def work(n: int) -> bool:
        return Library(path).toggle(paper(n))

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert all(pool.map(work, range(80)))
    assert len(Library(path)) == 80


def test_two_processes_at_once(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite3"
    Library(path)
    script = (
        "import sys\n"
        "from paperbrowse.core.library import Library\n"
        "from paperbrowse.core.models import Paper\n"
        "lib = Library(sys.argv[1])\n"
        "start = int(sys.argv[2])\n"
        "for n in range(start, start + 40):\n"
        "    lib.add(Paper(id=f'pb:{n:012d}', title=f'P{n}'))\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", script, str(path), str(start)])
        for start in (0, 1000)
    ]
    for n in range(2000, 2040):
        Library(path).add(paper(n))
    assert [p.wait(timeout=60) for p in procs] == [0, 0]
    assert len(Library(path)) == 120


def test_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "library.sqlite3"
    path.write_text("this is not sqlite " * 100)
    with pytest.raises(LibraryError, match="library.sqlite3"):
        Library(path)
    assert path.read_text().startswith("this is not sqlite")  # left as it was


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "l.sqlite3"
    Library(path).add(paper(1))
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version={LIBRARY_SCHEMA_VERSION + 1}")
    with pytest.raises(LibraryError, match="newer paperbrowse"):
        Library(path)


def test_paper_json_round_trip() -> None:
    from datetime import date

    p = Paper(
        id="arxiv:2006.07733",
        title="Bootstrap your own latent",
        authors=("Jean-Bastien Grill", "Florian Strub"),
        published=date(2020, 6, 13),
        upvotes=3,
        arxiv_id="2006.07733",
        sources=("a.txt",),
    )
    assert Paper.from_dict(json.loads(json.dumps(p.to_dict()))) == p
