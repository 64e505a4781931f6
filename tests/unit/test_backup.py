"""Automatic daily library backups, and restoring one (``paperbrowse backup``)."""

from __future__ import annotations

import random
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from paperbrowse.cli import cli
from paperbrowse.core import backup
from paperbrowse.core.library import LIBRARY_SCHEMA_VERSION, Library
from paperbrowse.core.models import Paper, paper_id_for

FIRST = Paper(id=paper_id_for("Backed up paper"), title="Backed up paper")
LATER = Paper(id=paper_id_for("Bookmarked after the backup"), title="Bookmarked later")
DAY = date(2026, 3, 2)


def tags_in(path: Path) -> list[tuple[str, int]]:
    return Library(path, read_only=True).tags()


def test_a_backup_is_a_whole_self_contained_copy(library):
    library.add_tag(FIRST, "one")
    written = backup.backup_now(library.path, today=DAY)
    assert written == library.path.parent / "backups" / "library-2026-03-02.sqlite3"
    assert not Path(f"{written}-wal").exists()
    with sqlite3.connect(written) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert tags_in(written) == [("one", 1)]


def test_at_most_one_a_day_and_the_last_seven_kept(library):
    library.add(FIRST)
    folder = backup.backup_folder(library.path)
    assert backup.backup_if_due(library.path, today=DAY) is not None
    assert backup.backup_if_due(library.path, today=DAY) is None  # one a day
    for n in range(1, 9):
        assert backup.backup_if_due(library.path, today=DAY + timedelta(days=n)) is not None
    days = [b.day for b in backup.list_backups(folder)]
    assert days == [DAY + timedelta(days=n) for n in range(8, 1, -1)]  # newest first, 7 kept


def test_the_library_backs_up_before_its_first_write_of_the_day(tmp_path):
    path = tmp_path / "data" / "library.sqlite3"
    fresh = Library(path, auto_backup=True)
    fresh.add(FIRST)  # a library just created has nothing to back up
    assert backup.list_backups(backup.backup_folder(path)) == []
    fresh.add_tag(FIRST, "before")
    library = Library(path, auto_backup=True)
    assert backup.list_backups(backup.backup_folder(path)) == []  # opening writes nothing
    library.add_tag(LATER, "after")
    library.add_tag(LATER, "again")
    [made] = backup.list_backups(backup.backup_folder(path))
    assert made.day == date.today()
    # the state before the day's first change
    assert tags_in(made.path) == [("before", 1)]


def test_a_backup_that_cannot_be_made_does_not_stop_the_write(tmp_path, monkeypatch):
    path = tmp_path / "library.sqlite3"
    Library(path).add(FIRST)

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(backup, "backup_now", full)
    library = Library(path, auto_backup=True)
    library.add_tag(FIRST, "stored")
    assert library.bookmark(FIRST.id).tags == ("stored",)


def test_restore_puts_the_backup_back_and_keeps_the_current_file(library):
    library.add_tag(FIRST, "old")
    saved = backup.backup_now(library.path, today=DAY)
    library.add_tag(LATER, "new")  # in the WAL, not yet in the file
    safety = backup.restore(library.path, saved, newest_schema=LIBRARY_SCHEMA_VERSION)
    assert not Path(f"{library.path}-wal").exists()  # no stale WAL replayed on the copy
    assert Library(library.path).tags() == [("old", 1)]
    assert safety is not None and "before-restore" in safety.name
    assert sorted(tags_in(safety)) == [("new", 1), ("old", 1)]
    # the safety copy is listed and never pruned, so the restore can be undone
    assert any(b.before_restore for b in backup.list_backups(safety.parent))
    backup.restore(library.path, safety, newest_schema=LIBRARY_SCHEMA_VERSION)
    assert sorted(Library(library.path).tags()) == [("new", 1), ("old", 1)]


def test_restore_refuses_a_damaged_backup_and_changes_nothing(library, tmp_path):
    library.add_tag(FIRST, "kept")
    bad = tmp_path / "library-2026-03-01.sqlite3"
    bad.write_bytes(b"SQLite format 3\0" + random.Random(3).randbytes(8192))
    with pytest.raises(backup.BackupError):
        backup.restore(library.path, bad, newest_schema=LIBRARY_SCHEMA_VERSION)
    assert Library(library.path).tags() == [("kept", 1)]


def test_restore_refuses_while_another_process_has_the_library_open(library):
    library.add_tag(FIRST, "kept")
    saved = backup.backup_now(library.path, today=DAY)
    other = sqlite3.connect(library.path)
    other.execute("SELECT COUNT(*) FROM bookmarks").fetchone()
    try:
        with pytest.raises(backup.BackupError, match="in use"):
            backup.restore(library.path, saved, newest_schema=LIBRARY_SCHEMA_VERSION)
    finally:
        other.close()
    assert Library(library.path).tags() == [("kept", 1)]


def test_find_backup_by_date_newest_or_file(library):
    library.add(FIRST)
    folder = backup.backup_folder(library.path)
    first = backup.backup_now(library.path, today=DAY)
    second = backup.backup_now(library.path, today=DAY + timedelta(days=1))
    assert backup.find_backup(folder, None) == second
    assert backup.find_backup(folder, "2026-03-02") == first
    assert backup.find_backup(folder, str(first)) == first
    with pytest.raises(backup.BackupError, match="2026-03-03"):
        backup.find_backup(folder, "2026-01-01")


def test_cli_backup_now_list_restore(locations):
    runner = CliRunner()
    data = str(locations.data_dir)
    Library(locations.library_path).add_tag(FIRST, "old")
    made = runner.invoke(cli, ["--data-dir", data, "backup", "now"])
    assert made.exit_code == 0 and "Backed up the library to" in made.output
    listed = runner.invoke(cli, ["--data-dir", data, "backup", "list"])
    assert date.today().isoformat() in listed.output
    runner.invoke(cli, ["--data-dir", data, "tag", FIRST.id, "new"])
    restored = runner.invoke(cli, ["--data-dir", data, "backup", "restore", "-y"])
    assert restored.exit_code == 0, restored.output
    assert "before-restore" in restored.output
    assert Library(locations.library_path).tags() == [("old", 1)]
    found = runner.invoke(cli, ["--data-dir", data, "search", "Backed", "-n", "1"])
    assert found.exit_code == 0


def test_check_names_the_backup_to_restore_a_damaged_library_from(locations):
    library = Library(locations.library_path)
    library.store_papers(
        [
            Paper(id=paper_id_for(f"Filler {n}"), title=f"Filler {n}", abstract="x" * 2000)
            for n in range(200)
        ]
    )
    saved = backup.backup_now(locations.library_path, today=DAY)
    sqlite3.connect(locations.library_path).execute("PRAGMA wal_checkpoint(TRUNCATE)").close()
    data = bytearray(locations.library_path.read_bytes())
    data[4096 * 3 : 4096 * 3 + 512] = random.Random(1).randbytes(512)
    locations.library_path.write_bytes(bytes(data))
    result = CliRunner().invoke(cli, ["--data-dir", str(locations.data_dir), "check"])
    assert result.exit_code == 1
    assert "library: DAMAGED" in result.output
    assert "paperbrowse backup restore 2026-03-02" in result.output
    assert str(saved) in result.output


def test_check_says_when_there_is_no_backup(locations):
    Library(locations.library_path).add(FIRST)
    path = locations.library_path
    sqlite3.connect(path).execute("PRAGMA wal_checkpoint(TRUNCATE)").close()
    path.write_bytes(path.read_bytes()[:4096] + random.Random(2).randbytes(8192))
    result = CliRunner().invoke(cli, ["--data-dir", str(locations.data_dir), "check"])
    assert result.exit_code == 1
    assert "no backup to restore from" in result.output
    assert "Traceback" not in result.output
