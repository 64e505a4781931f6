"""Hugging Face daily papers: parsing the JSON list, and the polite client (no network)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import httpx
import pytest
from fakes import FakeTime, recording_http

from paperbrowse import __version__
from paperbrowse.core.models import Paper
from paperbrowse.core.sources.common import SourceError, SourceUnavailable
from paperbrowse.core.sources.hf import DailyPapersClient, HFUnavailable, parse_daily_papers

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DAILY = (FIXTURES / "hf_daily_papers_2026-03-23.json").read_bytes()
DAY = date(2026, 3, 23)
SOURCE = "Hugging Face daily papers 2026-03-23"


pytestmark = pytest.mark.usefixtures("no_network")


def make_client(handler, time: FakeTime, **kwargs) -> tuple[DailyPapersClient, list[httpx.Request]]:
    http, seen = recording_http(handler)
    return DailyPapersClient(http, sleep=time.sleep, clock=time.clock, **kwargs), seen


def test_daily_papers_fixture_fields() -> None:
    records = list(parse_daily_papers(DAILY, SOURCE))
    assert all(isinstance(r, Paper) for r in records)
    lora, dora, qlora, byol = records
    assert lora == Paper(
        id="arxiv:2106.09685",
        title="LoRA: Low-Rank Adaptation of Large Language Models",
        abstract=lora.abstract,
        authors=(
            "Edward J. Hu",
            "Yelong Shen",
            "Phillip Wallis",
            "Zeyuan Allen-Zhu",
            "Yuanzhi Li",
            "Shean Wang",
            "Lu Wang",
            "Weizhu Chen",
        ),
        author_count=8,
        organisation="Microsoft",
        org_handle="microsoft",
        published=date(2021, 6, 17),
        upvotes=42,
        arxiv_id="2106.09685",
        sources=(SOURCE,),
        url="https://huggingface.co/papers/2106.09685",
    )
    assert lora.abstract.startswith("An important paradigm of natural language processing")
    assert (dora.organisation, dora.org_handle, dora.upvotes) == ("NVIDIA", "nvidia", 17)
    assert dora.published == date(2024, 2, 14)
    assert dora.author_count == 7
    # arXiv's own abstract keeps a literal \ours macro: unknown macros stay visible
    assert "By employing \\ours, we enhance" in dora.abstract
    assert (qlora.organisation, qlora.org_handle) == (None, None)
    assert qlora.id == "arxiv:2305.14314"
    assert qlora.authors == ("Tim Dettmers", "Artidoro Pagnoni", "Ari Holtzman", "Luke Zettlemoyer")
    assert qlora.upvotes == 9
    assert byol.authors[2] == "Florent Altché"
    assert byol.url == "https://huggingface.co/papers/2006.07733"
    assert byol.published == date(2020, 6, 13)


def test_accepts_text_and_decoded_list() -> None:
    as_text = list(parse_daily_papers(DAILY.decode(), SOURCE))
    as_list = list(parse_daily_papers(json.loads(DAILY), SOURCE))
    assert as_text == as_list == list(parse_daily_papers(DAILY, SOURCE))


def test_malformed_items_are_reported_and_the_others_kept() -> None:
    items = json.loads(DAILY)
    items[1] = {"paper": {"id": "2402.09353", "summary": "no title"}}
    items[2] = "not an item"
    items.append({"title": "no paper object"})
    records = list(parse_daily_papers(items, SOURCE))
    assert [type(r) for r in records] == [Paper, SourceError, SourceError, Paper, SourceError]
    assert records[1] == SourceError(SOURCE, "item 2", "paper without a title")
    assert records[2] == SourceError(SOURCE, "item 3", "expected an object, found str")
    assert records[4] == SourceError(SOURCE, "item 5", "no 'paper' object")
    assert records[3].arxiv_id == "2006.07733"


def test_odd_values_are_dropped_not_fatal() -> None:
    item = json.loads(DAILY)[0]
    item["paper"]["upvotes"] = "many"
    item["paper"]["publishedAt"] = "yesterday"
    item["paper"]["id"] = "not-an-arxiv-id"
    item["organization"] = {"name": "acme"}
    (paper,) = parse_daily_papers([item], SOURCE)
    assert paper.upvotes is None
    assert paper.published is None
    assert paper.arxiv_id is None and paper.url is None
    assert paper.id.startswith("pb:")
    assert (paper.organisation, paper.org_handle) == ("acme", "acme")


@pytest.mark.parametrize(
    ("data", "reason"),
    [(b"<html>", "not JSON"), (b'{"error": "Invalid date"}', "expected a JSON list, found dict")],
)
def test_an_answer_that_is_not_a_list_is_one_error(data: bytes, reason: str) -> None:
    (error,) = parse_daily_papers(data, SOURCE)
    assert (error.source, error.location) == (SOURCE, "response")
    assert error.reason.startswith(reason)


def test_fetch_date_request_and_records() -> None:
    time = FakeTime()
    client, seen = make_client(lambda r: httpx.Response(200, content=DAILY), time)
    records = list(client.fetch_date(DAY))
    assert [r.arxiv_id for r in records] == ["2106.09685", "2402.09353", "2305.14314", "2006.07733"]
    assert records[0].sources == (SOURCE,)
    (request,) = seen
    assert str(request.url) == "https://huggingface.co/api/daily_papers?date=2026-03-23"
    assert request.headers["User-Agent"].startswith(f"paperbrowse/{__version__} ")
    list(client.fetch_date(date(2026, 3, 24)))
    assert time.sleeps == [1.0]  # the default delay between two requests


def test_fetch_date_retries_503_then_succeeds() -> None:
    time = FakeTime()
    answers = [
        httpx.Response(503, headers={"Retry-After": "5"}),
        httpx.Response(200, content=DAILY),
    ]
    notices = []
    client, seen = make_client(lambda r: answers.pop(0), time, on_retry=notices.append)
    assert len(list(client.fetch_date(DAY))) == 4
    assert len(seen) == 2
    assert time.sleeps == [5.0]
    assert [str(n) for n in notices] == [
        "Hugging Face is busy (HTTP 503); retrying in 5 s (retry 1 of 3)"
    ]
    assert notices[0].url == "https://huggingface.co/api/daily_papers?date=2026-03-23"


def test_offline_hf_fails_at_once() -> None:
    time = FakeTime()

    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno -2] Name or service not known", request=request)

    client, seen = make_client(handler, time)
    with pytest.raises(HFUnavailable, match="huggingface.co could not be resolved"):
        list(client.fetch_date(DAY))
    assert len(seen) == 1 and time.sleeps == []


def test_offline_raises_hf_unavailable() -> None:
    time = FakeTime()

    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 101] Network is unreachable", request=request)

    client, seen = make_client(handler, time, retries=2)
    with pytest.raises(HFUnavailable) as caught:
        list(client.fetch_date(DAY))
    assert isinstance(caught.value, SourceUnavailable)
    message = str(caught.value)
    assert message.startswith(
        "Hugging Face could not be reached at https://huggingface.co/api/daily_papers?date=2026-03-23"
    )
    assert "Network is unreachable" in message
    assert "Check your internet connection" in message
    assert len(seen) == 3
    assert time.sleeps == [2.0, 4.0]


def test_client_error_is_a_source_error() -> None:
    client, seen = make_client(lambda r: httpx.Response(400, json={"error": "bad"}), FakeTime())
    (error,) = client.fetch_date(date(1999, 1, 1))
    assert error == SourceError(
        "Hugging Face daily papers 1999-01-01",
        "response",
        "HTTP 400 for https://huggingface.co/api/daily_papers?date=1999-01-01",
    )
    assert len(seen) == 1
