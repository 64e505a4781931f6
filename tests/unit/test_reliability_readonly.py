"""A read-only data directory (issue 15, repro 6): reads work, and "read-only"
is said only when a command asks to write, naming the directory.

CI runs as root, which ``chmod`` does not stop, so most tests make the
library see an unwritable folder through ``os.access`` (what
:func:`paperbrowse.core.library.writable` asks), and check that the file's
bytes do not change. One test runs the real thing as an unprivileged user
(``setpriv`` when root, or as the current user when not root).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from paperbrowse.cli import cli
from paperbrowse.core import library as library_module
from paperbrowse.core.library import Library, LibraryError, ReadOnlyLibrary
from paperbrowse.core.models import Paper, paper_id_for

MARKED = Paper(id=paper_id_for("A paper read from a read-only library"), title="Read-only reading")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def settle(path: Path) -> None:
    """Fold the WAL into the file and leave no -wal/-shm (as after a clean exit)."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


@pytest.fixture
def unwritable(monkeypatch):
    """Make ``folder`` look unwritable to this process (as chmod 555 does to a user)."""
    folders: list[Path] = []
    real_access = os.access

    def access(path, mode, *args, **kwargs):
        target = Path(path).absolute()
        if mode & os.W_OK and any(target == f or f in target.parents for f in folders):
            return False
        return real_access(path, mode, *args, **kwargs)

    monkeypatch.setattr(library_module.os, "access", access)
    return lambda folder: folders.append(Path(folder).absolute())


@pytest.fixture
def filled(library: Library) -> Library:
    library.add(MARKED)
    library.add_tag(MARKED, "kept")
    library.set_note(MARKED, "my note")
    settle(library.path)
    return library


def test_an_unwritable_folder_opens_the_library_read_only(filled, unwritable):
    unwritable(filled.path.parent)
    before = digest(filled.path)
    opened = Library(filled.path)
    assert opened.read_only is not None and str(filled.path.parent) in opened.read_only
    # every read works, with nothing to say about writing
    [bm] = opened.bookmarks()
    assert bm.tags == ("kept",) and bm.note == "my note"
    assert opened.tags() == [("kept", 1)]
    assert opened.revision() == 0 and len(opened) == 1 and MARKED.id in opened
    assert opened.citation_key(MARKED.id)  # already assigned: read, not written
    # a write names the folder and changes nothing
    for write in (
        lambda: opened.add_tag(MARKED, "new"),
        lambda: opened.set_note(MARKED, "changed"),
        lambda: opened.remove(MARKED.id),
        lambda: opened.store_papers([Paper(id="x:1", title="T")]),
    ):
        with pytest.raises(ReadOnlyLibrary, match="read-only") as caught:
            write()
        assert str(filled.path.parent) in str(caught.value)
    assert digest(filled.path) == before


def test_an_unwritable_file_in_a_writable_folder_is_read_only_too(filled, unwritable):
    unwritable(filled.path)
    opened = Library(filled.path)
    assert opened.read_only is not None
    with pytest.raises(ReadOnlyLibrary):
        opened.add(Paper(id="x:2", title="Another"))


def test_read_only_uses_immutable_when_the_wal_cannot_be_opened(filled, monkeypatch, unwritable):
    """``mode=ro`` needs the WAL's -shm; where it cannot be made, ``immutable=1``."""
    unwritable(filled.path.parent)
    real_connect = sqlite3.connect

    def connect(database, *args, uri=False, **kwargs):
        if uri and "immutable=1" not in str(database):
            raise sqlite3.OperationalError("unable to open database file")
        return real_connect(database, *args, uri=uri, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", connect)
    opened = Library(filled.path)
    assert "immutable=1" in opened.connect_uri()[0]
    assert [bm.paper.id for bm in opened.bookmarks()] == [MARKED.id]


def test_a_missing_library_in_an_unwritable_folder_is_a_clear_error(tmp_path, unwritable):
    unwritable(tmp_path)
    with pytest.raises(LibraryError, match="cannot be written"):
        Library(tmp_path / "library.sqlite3")


def test_an_old_layout_read_only_cannot_be_migrated_and_says_so(filled, unwritable):
    with sqlite3.connect(filled.path) as db:
        db.execute("PRAGMA user_version = 3")
    settle(filled.path)
    unwritable(filled.path.parent)
    with pytest.raises(LibraryError, match="must be upgraded .* read-only"):
        Library(filled.path)


def test_cli_reads_work_and_writes_say_read_only(locations, unwritable):
    runner = CliRunner()
    data = str(locations.data_dir)
    library = Library(locations.library_path)
    library.add(MARKED)
    library.add_tag(MARKED, "kept")
    settle(locations.library_path)
    before = digest(locations.library_path)
    unwritable(locations.data_dir)
    for command in (["bookmarks"], ["tags"], ["search", "latent", "-n", "2"], ["check"]):
        result = runner.invoke(cli, ["--data-dir", data, *command])
        assert result.exit_code == 0, (command, result.output)
        assert "read-only" not in result.output, command
    for command in (["tag", MARKED.id, "more"], ["status", MARKED.id, "read"]):
        result = runner.invoke(cli, ["--data-dir", data, *command])
        assert result.exit_code == 1, (command, result.output)
        assert "Traceback" not in result.output
        assert "read-only" in result.output and data in result.output, result.output
    bib = Path(__file__).parents[1] / "fixtures" / "refs.bib"
    result = runner.invoke(cli, ["--data-dir", data, "add", "bibtex", str(bib)])
    assert result.exit_code == 1 and "read-only" in result.output, result.output
    assert digest(locations.library_path) == before
    assert not (locations.data_dir / "backups").exists()  # no backup attempted either


SCRIPT = r"""
import sys
from click.testing import CliRunner
from paperbrowse.cli import cli
data = sys.argv[1]
runner = CliRunner()
COMMANDS = (
    ["bookmarks"], ["tags"], ["search", "latent", "-n", "1"], ["check"], ["tag", sys.argv[2], "x"]
)
for command in COMMANDS:
    result = runner.invoke(cli, ["--data-dir", data, *command])
    print("RESULT", command[0], result.exit_code, result.output.replace("\n", " "))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        print("EXCEPTION", repr(result.exception))
"""


def _unprivileged() -> list[str] | None:
    """The command prefix that runs as a user chmod applies to, or None."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    return [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]


def test_a_really_read_only_directory(built_data_dir: Path):
    """chmod a-w on the data directory, run as a user it applies to."""
    prefix = _unprivileged()
    if prefix is None:
        pytest.skip("root without setpriv: chmod cannot stop this process")
    # outside pytest's private (0700) temporary folder, which the other user cannot enter
    base = Path(tempfile.mkdtemp(prefix="pb-readonly-"))
    data = base / "data"
    shutil.copytree(built_data_dir, data)
    library = Library(data / "library.sqlite3")
    library.add(MARKED)
    library.add_tag(MARKED, "kept")
    del library
    settle(data / "library.sqlite3")
    try:
        for path in [base, *base.rglob("*")]:
            mode = stat.S_IMODE(path.stat().st_mode) | 0o444
            if path.is_dir():
                mode |= 0o111
            path.chmod(mode & ~0o222)
        repo = Path(__file__).parents[2]
        done = subprocess.run(
            [*prefix, sys.executable, "-c", SCRIPT, str(data), MARKED.id],
            capture_output=True,
            text=True,
            check=False,
            cwd="/",
            env={**os.environ, "PYTHONPATH": str(repo), "HOME": str(base)},
        )
        if "Permission denied" in done.stderr and "RESULT" not in done.stdout:
            pytest.skip(f"the unprivileged user cannot run the tests' Python: {done.stderr[-200:]}")
        lines = {
            line.split()[1]: line for line in done.stdout.splitlines() if line.startswith("RESULT")
        }
        assert "EXCEPTION" not in done.stdout, done.stdout + done.stderr
        for command in ("bookmarks", "tags", "search", "check"):
            assert lines[command].split()[2] == "0", done.stdout + done.stderr
            assert "read-only" not in lines[command]
        # check reads a WAL library whose folder cannot be written (no -shm can be made)
        assert "library: ok" in lines["check"] and "DAMAGED" not in lines["check"]
        assert lines["tag"].split()[2] == "1"
        assert "read-only" in lines["tag"] and str(data) in lines["tag"]
    finally:
        for path in [base, *base.rglob("*")]:
            path.chmod(stat.S_IMODE(path.stat().st_mode) | 0o200)
        shutil.rmtree(base, ignore_errors=True)
