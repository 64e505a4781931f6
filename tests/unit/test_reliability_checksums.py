"""A bit-flipped index segment (issue 15, repro 4): found by the checksums written
at commit, on opening or by ``paperbrowse check``; the index is rebuilt with a
message, the damaged generation removed, nothing imported lost."""

from __future__ import annotations

import os
import random
from pathlib import Path

from click.testing import CliRunner

from paperbrowse.cli import cli
from paperbrowse.core.engine.segments import MANIFEST, read_manifest, verify_manifest
from paperbrowse.core.index import IndexStore
from paperbrowse.core.models import Paper, paper_id_for
from paperbrowse.core.service import check_data, open_index

MINE = Paper(id=paper_id_for("Checksummed tidal locking"), title="Checksummed tidal locking")


def live(locations) -> Path:
    return IndexStore(locations.index_root).read_current()[0]


def flip(folder: Path, keep_time: bool = False) -> Path:
    """Write 4 KB of random bytes into the middle of the largest segment."""
    segment = max(folder.glob("MAIN_*.seg"), key=lambda p: p.stat().st_size)
    info = segment.stat()
    with open(segment, "r+b") as fh:
        fh.seek(info.st_size // 2)
        fh.write(random.Random(7).randbytes(4096))
    if keep_time:  # damage that leaves the file's time alone (a failing disk)
        os.utime(segment, ns=(info.st_atime_ns, info.st_mtime_ns))
    return segment


def test_a_commit_records_every_segment_and_toc(locations, corpus, library):
    library.store_papers([MINE])
    open_index(locations, corpus, library=library)  # catches up: a second commit
    folder = live(locations)
    manifest = read_manifest(folder)
    names = {p.name for p in folder.iterdir() if p.suffix in (".seg", ".toc")}
    assert set(manifest) == names and len(names) >= 3
    assert verify_manifest(folder, full=True) == []


def test_a_flipped_segment_is_found_on_opening_and_rebuilt(locations, corpus, library):
    library.store_papers([MINE])
    open_index(locations, corpus, library=library)
    damaged = live(locations)
    segment = flip(damaged)

    assert verify_manifest(damaged) == [f"{segment.name}: checksum mismatch"]
    opened = open_index(locations, corpus, library=library)

    assert opened.built and "checksum mismatch" in opened.recovered
    assert not damaged.exists()  # the damaged generation is removed
    assert opened.index.search("").total == opened.index.doc_count()
    assert opened.index.search("tidal locking").total == 1


def test_the_cli_search_after_a_flip_gives_a_message_not_a_traceback(locations):
    flip(live(locations))
    result = CliRunner().invoke(cli, ["--data-dir", str(locations.data_dir), "search", ""])
    assert result.exit_code == 0, result.output
    assert "is damaged" in result.output and "rebuilt" in result.output
    assert "Traceback" not in result.output


def test_check_finds_damage_that_kept_the_file_time_and_mends_it(locations, corpus, library):
    library.store_papers([MINE])
    open_index(locations, corpus, library=library)
    damaged = live(locations)
    segment = flip(damaged, keep_time=True)
    assert verify_manifest(damaged) == []  # the quick check cannot see it
    report = check_data(locations, corpus, library)
    assert report.index == [f"{segment.name}: checksum mismatch"] and not report.ok

    result = CliRunner().invoke(cli, ["--data-dir", str(locations.data_dir), "check"])

    assert result.exit_code == 0, result.output
    assert "index: DAMAGED" in result.output and "index: rebuilt" in result.output
    assert not damaged.exists()
    assert check_data(locations, corpus, library).ok


def test_check_says_ok_and_finds_an_index_behind_the_library(locations, corpus, library):
    runner = CliRunner()
    ok = runner.invoke(cli, ["--data-dir", str(locations.data_dir), "check"])
    assert ok.exit_code == 0, ok.output
    assert "library: ok" in ok.output and "index: ok" in ok.output
    assert "counts: ok" in ok.output

    library.store_papers([MINE])  # stored, not indexed (an import killed in between)
    report = check_data(locations, corpus, library)
    assert any("library revision" in p for p in report.counts)
    assert any("not in the index" in p for p in report.counts)
    mended = runner.invoke(cli, ["--data-dir", str(locations.data_dir), "check"])
    assert mended.exit_code == 0, mended.output
    assert "counts: mended" in mended.output
    assert check_data(locations, corpus, library).ok


def test_check_reports_a_damaged_library_page(locations, corpus, library):
    library.store_papers(
        [MINE]
        + [
            Paper(id=paper_id_for(f"Filler {n}"), title=f"Filler {n}", abstract="x" * 2000)
            for n in range(200)
        ]
    )
    path = locations.library_path
    data = bytearray(path.read_bytes())
    page = 4096
    # scribble over an interior page (not the header page)
    data[page * 3 : page * 3 + 512] = random.Random(1).randbytes(512)
    path.write_bytes(bytes(data))
    report = check_data(locations, corpus, None)
    assert report.library and not report.ok


def test_a_generation_without_a_manifest_still_opens(locations, corpus, library):
    folder = live(locations)
    (folder / MANIFEST).unlink()
    assert verify_manifest(folder, full=True) == []
    opened = open_index(locations, corpus, library=library)
    assert not opened.built
