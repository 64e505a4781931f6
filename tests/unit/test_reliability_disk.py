"""A full disk (issue 15, repro 2): one clear message, no traceback, the batch
given up whole, the index's partial files removed, reads still working.

Most tests need no mount: SQLite's own ``PRAGMA max_page_count`` makes it
answer "database or disk is full" exactly as a full disk does, and the index
writer is made to fail with ``ENOSPC`` after writing a partial segment. One
test uses a real 5 MB tmpfs and is skipped where mounting is not permitted.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from paperbrowse.cli import cli
from paperbrowse.core import generations
from paperbrowse.core.index import IndexStore
from paperbrowse.core.library import DiskFull, Library, ReadOnlyLibrary
from paperbrowse.core.models import Paper, paper_id_for
from paperbrowse.core.service import open_index

MARKED = Paper(id=paper_id_for("Bookmarked before the disk filled"), title="Bookmarked first")


def papers(count: int, tag: str = "p", size: int = 3000) -> list[Paper]:
    return [
        Paper(id=paper_id_for(f"{tag} {n}"), title=f"Filler paper {tag} {n}", abstract="z" * size)
        for n in range(count)
    ]


def jsonl(path: Path, count: int, seed: str = "a", size: int = 2000) -> Path:
    """An arXiv JSON Lines file of ``count`` records of about ``size`` bytes."""
    with open(path, "w", encoding="utf-8") as fh:
        for n in range(count):
            record = {
                "id": f"2301.{n:05d}",
                "title": f"Disk filling study {seed} number {n}",
                "authors": "A. Author, B. Author",
                "abstract": f"word{n} {seed} " + "filling " * (size // 8),
                "versions": [{"created": "Mon, 2 Jan 2023 00:00:00 GMT"}],
            }
            fh.write(json.dumps(record) + "\n")
    return path


@contextmanager
def capped(monkeypatch, extra_pages: int):
    """Every library connection may grow the file by ``extra_pages`` pages only:
    SQLite then fails with SQLITE_FULL ("database or disk is full")."""
    original = Library._connect

    @contextmanager
    def connect(self, check_same_thread: bool = True):
        with original(self, check_same_thread) as db:
            pages = db.execute("PRAGMA page_count").fetchone()[0]
            db.execute(f"PRAGMA max_page_count = {pages + extra_pages}")
            yield db

    monkeypatch.setattr(Library, "_connect", connect)
    yield
    monkeypatch.setattr(Library, "_connect", original)


def test_a_full_library_disk_is_one_clear_error_and_stores_nothing(library, monkeypatch):
    library.add(MARKED)
    library.add_tag(MARKED, "kept")
    before = library.revision()
    with capped(monkeypatch, extra_pages=5), pytest.raises(DiskFull) as caught:
        library.store_papers(papers(300))
    error = caught.value
    assert isinstance(error, OSError) and error.errno == errno.ENOSPC
    assert f"the disk holding {library.path.parent} is full" in str(error)
    assert "bytes free" in str(error)
    # the whole batch was rolled back, and everything else still reads
    assert library.revision() == before
    assert library.stored_count() == 0
    assert [bm.tags for bm in library.bookmarks()] == [("kept",)]
    # with room again, the same batch stores
    assert library.store_papers(papers(300)) == before + 1


def test_sqlite_rolling_back_by_itself_is_not_a_second_error(library, monkeypatch):
    """SQLite rolls back the transaction itself on SQLITE_FULL; the library must
    not then fail on its own ROLLBACK ("cannot rollback - no transaction is active")."""

    def full(db, now):
        db.execute("ROLLBACK")  # what SQLite did on its own
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(Library, "_register_imported_keys", staticmethod(full))
    with pytest.raises(DiskFull) as caught:
        library.store_papers(papers(3))
    assert "cannot rollback" not in str(caught.value)
    assert "cannot rollback" not in repr(caught.value.__cause__)
    monkeypatch.undo()
    assert library.stored_count() == 0


def test_a_small_write_on_a_full_disk_is_disk_full_too(library, monkeypatch):
    library.add(MARKED)
    with capped(monkeypatch, extra_pages=0), pytest.raises(DiskFull):
        library.set_note(MARKED, "n" * 20_000)
    assert library.note(MARKED.id) == ""


def test_cli_import_on_a_full_library_disk_says_nothing_was_stored(
    locations, tmp_path, monkeypatch
):
    runner = CliRunner()
    data = str(locations.data_dir)
    source = jsonl(tmp_path / "big.jsonl", 200)
    Library(locations.library_path)  # created while there was room
    with capped(monkeypatch, extra_pages=10):
        result = runner.invoke(cli, ["--data-dir", data, "add", "jsonl", str(source)])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert f"the disk holding {locations.data_dir} is full" in result.output
    assert "nothing of this import was stored" in result.output
    assert Library(locations.library_path).stored_count() == 0
    for command in (["bookmarks"], ["tags"], ["search", "diffusion", "-n", "1"]):
        assert runner.invoke(cli, ["--data-dir", data, *command]).exit_code == 0, command


class _FailingCommit:
    """An index writer that writes part of a segment, then finds the disk full."""

    def __init__(self, writer, folder: Path) -> None:
        self._writer = writer
        self._folder = folder

    def __getattr__(self, name):
        return getattr(self._writer, name)

    def commit(self) -> None:
        (self._folder / "MAIN_partialsegment.seg").write_bytes(b"\0" * 4096)
        (self._folder / "MAIN.tmp").mkdir(exist_ok=True)
        (self._folder / "MAIN.tmp" / "postings").write_bytes(b"\0" * 100)
        raise OSError(errno.ENOSPC, "No space left on device")


def test_a_full_disk_while_indexing_removes_the_partial_segment(
    locations, corpus, library, tmp_path, monkeypatch
):
    store = IndexStore(locations.index_root)
    folder = store.read_current()[0]
    files_before = sorted(p.name for p in folder.iterdir())
    real_open_writer = generations.open_writer
    monkeypatch.setattr(
        generations,
        "open_writer",
        lambda ix, docs: _FailingCommit(real_open_writer(ix, docs), Path(ix.storage.folder)),
    )
    source = jsonl(tmp_path / "some.jsonl", 30)
    runner = CliRunner()
    data = str(locations.data_dir)
    result = runner.invoke(cli, ["--data-dir", data, "add", "jsonl", str(source)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    # the library is the record: the batch is there, and the message says so
    assert "the first 30 records were stored" in result.output
    assert "'paperbrowse index'" in result.output
    assert Library(locations.library_path).stored_count() == 30
    # no partial file left in the live generation, which still opens and searches
    assert sorted(p.name for p in folder.iterdir()) == files_before
    assert store.read_current()[0] == folder
    assert runner.invoke(cli, ["--data-dir", data, "search", "latent", "-n", "1"]).exit_code == 0
    assert runner.invoke(cli, ["--data-dir", data, "bookmarks"]).exit_code == 0
    # with room again, the index catches up
    monkeypatch.setattr(generations, "open_writer", real_open_writer)
    caught_up = runner.invoke(cli, ["--data-dir", data, "index"])
    assert "caught up" in caught_up.output, caught_up.output
    opened = open_index(locations, corpus, library=Library(locations.library_path))
    assert opened.index.get(paper_id_for_record(0)) is not None


def paper_id_for_record(n: int) -> str:
    return f"arxiv:2301.{n:05d}"


def test_no_room_to_create_the_library_is_disk_full(tmp_path, monkeypatch):
    with capped(monkeypatch, extra_pages=2), pytest.raises(DiskFull) as caught:
        Library(tmp_path / "new" / "library.sqlite3")
    assert "is full" in str(caught.value) and "was not changed" in str(caught.value)


def test_a_full_disk_opening_the_library_falls_back_to_read_only(library, monkeypatch):
    """No room for the WAL's files ("disk I/O error" on opening): the library
    opens read-only, reads work, and a write names the full disk."""
    library.add(MARKED)
    real_connect = sqlite3.connect

    class Refusing:
        def __init__(self, db) -> None:
            self._db = db

        def __getattr__(self, name):
            return getattr(self._db, name)

        def execute(self, sql, *args):
            if "journal_mode=WAL" in sql:
                raise sqlite3.OperationalError("disk I/O error")
            return self._db.execute(sql, *args)

    def connect(database, *args, uri=False, **kwargs):
        db = real_connect(database, *args, uri=uri, **kwargs)
        return db if uri else Refusing(db)

    monkeypatch.setattr(sqlite3, "connect", connect)
    opened = Library(library.path)
    assert opened.read_only is not None and "is full" in opened.read_only
    assert [bm.paper.id for bm in opened.bookmarks()] == [MARKED.id]
    with pytest.raises(ReadOnlyLibrary, match="read-only .*is full"):
        opened.add_tag(MARKED, "x")
    assert Library(library.path).bookmark(MARKED.id).tags == ()


TMPFS_SCRIPT = r"""
import sys
from click.testing import CliRunner
from paperbrowse.cli import cli
data, source = sys.argv[1], sys.argv[2]
result = CliRunner().invoke(cli, ["--data-dir", data, "add", "jsonl", source])
print(result.exit_code)
print(result.output)
if result.exception and not isinstance(result.exception, SystemExit):
    import traceback
    traceback.print_exception(result.exception)
"""


@pytest.fixture
def tmpfs(tmp_path: Path):
    """A 5 MB tmpfs, or a skip where mounting is not permitted."""
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=5m", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.decode().strip()})")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.mark.skipif(shutil.which("mount") is None, reason="no mount command")
def test_a_real_full_disk(tmpfs: Path, built_data_dir: Path, tmp_path: Path):
    data = tmpfs / "data"
    shutil.copytree(built_data_dir, data)
    source = jsonl(tmp_path / "big.jsonl", 1500, size=2000)
    runner = CliRunner()
    done = subprocess.run(
        [sys.executable, "-c", TMPFS_SCRIPT, str(data), str(source)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])},
    )
    output = done.stdout + done.stderr
    assert "Traceback" not in output, output
    assert output.startswith("1\n"), output
    assert f"the disk holding {data} is full" in output
    assert "bytes free" in output
    folder = IndexStore(data / "index").read_current()[0]
    from paperbrowse.core.engine.segments import read_manifest

    listed = set(read_manifest(folder) or {})
    segments = {p.name for p in folder.iterdir() if p.suffix in (".seg", ".toc", ".pst", ".trm")}
    assert segments <= listed, segments - listed  # no partial segment left behind
    assert not (folder / "MAIN.tmp").exists()
    for command in (["bookmarks"], ["tags"], ["search", "disk", "-n", "1"]):
        result = runner.invoke(cli, ["--data-dir", str(data), *command])
        assert result.exit_code == 0, (command, result.output)
