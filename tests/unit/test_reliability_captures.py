"""A capture cut short (issue 15, repro 5): its complete papers are read, the
broken tail reported by file and line; a cut inside a UTF-8 character likewise."""

from __future__ import annotations

from pathlib import Path

import pytest

from paperbrowse.core.models import Paper
from paperbrowse.core.sources.captures import (
    CaptureError,
    bundled_corpus_dir,
    parse_capture,
    read_capture,
    read_captures,
)
from paperbrowse.core.sources.common import SourceError

LISTING = "000_5a92e8646c0d0fb8.txt"
DAILY = "001_af1a0bc6a79f1219.txt"


def cut(tmp_path: Path, name: str, keep: float, extra: bytes = b"") -> tuple[Path, list[Paper]]:
    source = bundled_corpus_dir() / name
    data = source.read_bytes()
    path = tmp_path / name
    path.write_bytes(data[: int(len(data) * keep)] + extra)
    return path, parse_capture(source)


@pytest.mark.parametrize("name", [DAILY, LISTING])
def test_a_capture_cut_short_keeps_its_complete_papers(tmp_path, name):
    path, whole = cut(tmp_path, name, 0.6)
    lines = path.read_text(encoding="utf-8").splitlines()

    read = read_capture(path)

    assert 0 < len(read.papers) < len(whole)
    # every paper read is one of the whole file's, in order; the last may have a cut abstract
    assert [p.title for p in read.papers[:-1]] == [p.title for p in whole[: len(read.papers) - 1]]
    assert len(read.errors) <= 1
    if read.errors:  # a block cut short, or a last title without its abstract
        (error,) = read.errors
        assert error.path == path and 1 <= error.line <= len(lines)
    if read.errors:
        with pytest.raises(CaptureError):  # the strict parser still refuses it
            parse_capture(path)


def test_a_daily_capture_cut_mid_block_reports_the_block_line(tmp_path):
    path, whole = cut(tmp_path, DAILY, 0.5)
    read = read_capture(path)
    (error,) = read.errors
    assert "incomplete paper block" in error.reason
    last_title_line = read.papers and error.line > 1
    assert last_title_line
    assert [p.title for p in read.papers] == [p.title for p in whole[: len(read.papers)]]


def test_a_file_cut_inside_a_utf8_character(tmp_path):
    source = bundled_corpus_dir() / DAILY
    data = source.read_bytes()
    # between the bytes of the first multi-byte character after the middle
    at = next(i for i in range(len(data) // 2, len(data)) if data[i] >= 0xC2) + 1
    path = tmp_path / DAILY
    path.write_bytes(data[:at])
    line = data[:at].count(b"\n") + 1

    read = read_capture(path)

    assert read.papers
    reasons = {e.line: e.reason for e in read.errors}
    assert line in reasons and "not UTF-8" in reasons[line]


def test_the_importer_yields_the_papers_then_the_errors_by_line(tmp_path):
    path, whole = cut(tmp_path, DAILY, 0.5)
    records = list(read_captures([path]))
    papers = [r for r in records if isinstance(r, Paper)]
    errors = [r for r in records if isinstance(r, SourceError)]
    assert papers and len(errors) == 1
    assert errors[0].source == str(path) and errors[0].location.startswith("line ")
