"""read_captures: captures from any path as an importer record stream."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from paperbrowse.core.models import Paper
from paperbrowse.core.sources.captures import (
    bundled_corpus_dir,
    corpus_files,
    parse_capture,
    read_captures,
)
from paperbrowse.core.sources.common import SourceError

DAILY = "001_af1a0bc6a79f1219.txt"


def test_reads_captures_in_the_order_given_without_merging(tmp_path: Path) -> None:
    files = corpus_files(bundled_corpus_dir())
    copies = []
    for source in reversed(files):  # any folder, any order
        copies.append(tmp_path / source.name)
        shutil.copy(source, copies[-1])
    records = list(read_captures(str(p) for p in copies))
    assert all(isinstance(r, Paper) for r in records)
    assert len(records) == 447  # every entry: duplicates are not merged here
    expected = [paper for path in copies for paper in parse_capture(path)]
    assert records == expected
    assert records[0].sources == (files[-1].name,)


def test_a_broken_capture_is_one_error_and_the_others_still_read(tmp_path: Path) -> None:
    good = tmp_path / DAILY
    shutil.copy(bundled_corpus_dir() / DAILY, good)
    lines = good.read_text(encoding="utf-8").splitlines()
    assert lines[18] == "Mar 23"
    lines[18] = "someday"
    broken = tmp_path / "broken.txt"
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")
    missing = tmp_path / "missing.txt"

    records = list(read_captures([broken, missing, good]))
    assert records[0] == SourceError(
        str(broken), "line 19", "expected a date such as 'Mar 23' or 'Oct 4, 2023', found 'someday'"
    )
    assert records[1].source == str(missing)
    assert records[1].location == "file"
    assert records[1].reason.startswith("cannot read: No such file or directory")
    papers = records[2:]
    assert all(isinstance(p, Paper) for p in papers)
    assert papers[0].title == "End-to-End Training for Unified Tokenization and Latent Denoising"
    assert papers[0].published == date(2026, 3, 23)
    assert papers[0].author_count == 8


def test_no_paths_no_records() -> None:
    assert list(read_captures([])) == []
