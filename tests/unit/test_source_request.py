"""SourceRequest: what the app's import dialog and `paperbrowse add` ask for."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from paperbrowse.core.models import Paper
from paperbrowse.core.sources.request import SourceRequest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_arxiv_ids_or_a_query():
    by_id = SourceRequest.from_text("arxiv", " 2006.07733  arXiv:2106.09685v2 ")
    assert by_id.ids == ("2006.07733", "arXiv:2106.09685v2") and by_id.query is None
    assert by_id.size() == (2, "records")
    by_query = SourceRequest.from_text("arxiv", "cat:cs.LG AND ti:latent")
    assert by_query.query == "cat:cs.LG AND ti:latent" and not by_query.ids


def test_days_and_files(tmp_path):
    assert SourceRequest.from_text("hf", "2026-03-23").day == date(2026, 3, 23)
    assert SourceRequest.from_text("hf", "").day == date.today()
    with pytest.raises(ValueError, match="not a date"):
        SourceRequest.from_text("hf", "23/03/2026")
    request = SourceRequest.from_text("bibtex", "refs.bib", cwd=FIXTURES)
    assert request.paths == (FIXTURES / "refs.bib",) and request.label == "refs.bib"
    with pytest.raises(ValueError, match="no such file: .*nope.bib"):
        SourceRequest.from_text("bibtex", "nope.bib", cwd=tmp_path)
    with pytest.raises(ValueError, match="say what to import"):
        SourceRequest.from_text("jsonl", "  ")
    with pytest.raises(ValueError, match="unknown source"):
        SourceRequest.from_text("zotero", "x")


def test_file_requests_yield_the_importers_records():
    jsonl = SourceRequest.from_text("jsonl", "arxiv_snapshot.jsonl", cwd=FIXTURES)
    seen: list[int] = []
    records = list(jsonl.records(seen.append))
    assert sum(isinstance(r, Paper) for r in records) == 5 and len(records) == 6
    assert seen[-1] == jsonl.size()[0]  # progress in bytes ends at the file size
    skipped = SourceRequest("jsonl", paths=jsonl.paths, skip=2)
    assert len(list(skipped.records())) == 4
