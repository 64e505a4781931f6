"""``update_watches``: polling arXiv and Hugging Face for the watches, on recorded responses.

The recorded answers (``tests/fixtures/feed``) are served through an
``httpx.MockTransport`` (``fakes.recording_http``); the clock only moves when
the polite client sleeps. Two watches share papers: ``gen`` polls arXiv
(``cat:cs.LG AND abs:diffusion``, three papers over two pages), ``daily``
polls the Hugging Face daily papers of 2026-03-20 (two papers, one of them on
the arXiv pages), 2026-03-21 (none) and 2026-03-22 (one); both have the local
query ``diffusion``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from fakes import FakeTime, recording_http

from paperbrowse.core.sources.arxiv import ArxivClient
from paperbrowse.core.sources.hf import DailyPapersClient
from paperbrowse.core.watches import WatchStore, update_watches

FEED = Path(__file__).resolve().parents[1] / "fixtures" / "feed"
NOW = datetime(2026, 3, 22, 12, 0, tzinfo=UTC)
LATER = datetime(2026, 3, 23, 9, 30, tzinfo=UTC)
WINDOW = "submittedDate:[202603151200 TO 202603221200]"

pytestmark = pytest.mark.usefixtures("no_network")


def params(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(str(request.url)).query).items()}


class Stub:
    """The two services' recorded answers; ``fail`` maps a predicate on the
    request to an answer to give instead (an outage, an error page)."""

    def __init__(self) -> None:
        self.fail: list = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        p = params(request)
        for test, answer in self.fail:
            if test(request, p):
                return answer(request)
        if request.url.path == "/api/query":
            if WINDOW not in p["search_query"]:
                return xml("arxiv_watch_empty.xml")
            return xml(f"arxiv_watch_page{1 + int(p['start']) // 2}.xml")
        if request.url.path == "/api/daily_papers":
            path = FEED / f"hf_daily_{p['date']}.json"
            # a day nothing was featured (a weekend, or not yet) is an empty list
            return httpx.Response(200, content=path.read_bytes() if path.exists() else b"[]")
        return httpx.Response(404)


def xml(name: str, status: int = 200) -> httpx.Response:
    return httpx.Response(status, content=(FEED / name).read_bytes())


@pytest.fixture
def stub() -> Stub:
    return Stub()


@pytest.fixture
def net(stub):
    """``(arxiv client, hf client, requests seen)`` on the stub, no waiting, no retries."""
    http, seen = recording_http(stub)
    clock = FakeTime()
    arxiv = ArxivClient(
        http,
        base_url="https://export.arxiv.org/api/query",
        page_size=2,
        retries=0,
        sleep=clock.sleep,
        clock=clock.clock,
    )
    hf = DailyPapersClient(
        http,
        base_url="https://huggingface.co/api/daily_papers",
        retries=0,
        sleep=clock.sleep,
        clock=clock.clock,
    )
    return arxiv, hf, seen


@pytest.fixture
def store(library) -> WatchStore:
    watches = WatchStore(library)
    watches.add("gen", "diffusion", arxiv_query="cat:cs.LG AND abs:diffusion")
    watches.add("daily", "diffusion", hf=True)
    return watches


def update(store, locations, corpus, net, now=NOW, **kw):
    arxiv, hf, _seen = net
    return update_watches(
        store, locations=locations, corpus=corpus, arxiv=arxiv, hf=hf, now=now, max_days=3, **kw
    )


def ids(store: WatchStore, name: str) -> list[str]:
    return [w.paper.id for w in store.papers(name)]


def test_two_watches_share_papers_and_seen_is_once_per_paper(store, locations, corpus, net):
    report = update(store, locations, corpus, net)
    assert report.ok, (report.unreachable, report.errors)
    # gen: its three arXiv papers, and the HF paper about diffusion (stored since it was made)
    assert ids(store, "gen") == [
        "arxiv:2603.20002",  # published 2026-03-22
        "arxiv:2603.10003",  # 2026-03-21 08:05
        "arxiv:2603.10002",
        "arxiv:2603.10001",
    ]
    # daily: the matching daily papers (not the RL one), and gen's papers through the local query
    assert sorted(ids(store, "daily")) == sorted(ids(store, "gen"))
    assert "arxiv:2603.20001" not in ids(store, "daily")
    vias = {w.paper.id: w.via for w in store.papers("daily")}
    assert vias["arxiv:2603.10002"] == "hf" and vias["arxiv:2603.10001"] == "local"
    assert {p.id for p in report.new["gen"]} == set(ids(store, "gen"))
    assert store.unseen_counts() == {"daily": 4, "gen": 4}
    # the papers are in the library and the index, once each
    stored = store.library.stored_paper("arxiv:2603.10002")
    assert stored is not None and "Hugging Face daily papers 2026-03-20" in stored.sources
    assert "arXiv API" in stored.sources

    assert store.mark_seen(["arxiv:2603.10002"]) == 1
    assert store.unseen_counts() == {"daily": 3, "gen": 3}  # seen in both
    seen = {w.paper.id: w.seen for w in store.papers("daily")}
    assert seen["arxiv:2603.10002"] and not seen["arxiv:2603.10001"]
    assert store.mark_all_seen("gen") == 3
    assert store.unseen_counts() == {"daily": 0, "gen": 0}
    assert store.papers("daily", unseen_only=True) == []


def test_a_second_update_adds_nothing(store, locations, corpus, net):
    first = update(store, locations, corpus, net)
    assert first.count == 8
    revision = store.library.revision()
    _arxiv, _hf, seen = net
    seen.clear()
    second = update(store, locations, corpus, net, now=LATER)
    assert second.ok and second.count == 0 and second.imported == 0
    assert store.library.revision() == revision
    asked = [params(r) for r in seen]
    # arXiv: the range from the end of the last one (less 4 days: papers submitted then
    # may not have been announced yet), with nothing new in it
    arxiv = [p["search_query"] for p in asked if "search_query" in p]
    assert arxiv == [
        "(cat:cs.LG AND abs:diffusion) AND submittedDate:[202603181200 TO 202603230930]"
    ]
    # HF: the 22nd again (it was "today", its list could grow), then the 23rd;
    # the 20th and the empty 21st are done
    days = [p["date"] for p in asked if "date" in p]
    assert days == ["2026-03-22", "2026-03-23"]
    assert [w.updated_at is not None for w in store.list()] == [True, True]


def test_second_run_on_the_same_day_fetches_only_today(store, locations, corpus, net):
    update(store, locations, corpus, net)
    _arxiv, _hf, seen = net
    seen.clear()
    again = update(store, locations, corpus, net, now=NOW.replace(hour=18))
    assert again.count == 0
    assert [params(r)["date"] for r in seen if "date" in params(r)] == ["2026-03-22"]


def test_a_day_without_papers_is_done_and_not_asked_again(store, locations, corpus, net, stub):
    # only the HF watch, on the 21st (no papers) as "yesterday"
    report = update(store, locations, corpus, net, names=["daily"])
    assert report.ok
    state = store._state("daily")
    assert state["hf_until"] == "2026-03-21"  # the empty day counts as fetched
    _arxiv, _hf, seen = net
    seen.clear()
    update(store, locations, corpus, net, names=["daily"], now=NOW.replace(hour=20))
    assert "2026-03-21" not in [params(r).get("date") for r in seen]


def test_an_interrupted_update_resumes_at_the_page_it_stopped(store, locations, corpus, net, stub):
    outage = (
        lambda request, p: request.url.path == "/api/query" and p["start"] == "2",
        lambda request: httpx.Response(503),
    )
    stub.fail.append(outage)
    first = update(store, locations, corpus, net, names=["gen"])
    assert not first.ok
    assert len(first.unreachable) == 1 and "arXiv could not be reached" in first.unreachable[0]
    # the first page is stored and recorded, the cursor after it
    assert {p.id for p in first.new["gen"]} == {"arxiv:2603.10001", "arxiv:2603.10002"}
    state = store._state("gen")
    assert (state["arxiv_start"], state["arxiv_until"]) == (2, None)
    assert store.get("gen").updated_at is None

    stub.fail.remove(outage)
    _arxiv, _hf, seen = net
    seen.clear()
    second = update(store, locations, corpus, net, names=["gen"], now=LATER)
    assert second.ok
    asked = [params(r) for r in seen]
    # the same range (not up to the new now), from entry 2 on: page 1 is not fetched again
    assert [(p["start"], WINDOW in p["search_query"]) for p in asked] == [("2", True)]
    assert [p.id for p in second.new["gen"]] == ["arxiv:2603.10003"]
    assert store._state("gen")["arxiv_until"] == "202603221200"
    assert store.get("gen").total == 3


def test_an_interrupted_import_is_fetched_again_and_recorded_once(
    store, locations, corpus, net, monkeypatch
):
    # the page is stored, then the update dies before recording it (kill, Ctrl-C)
    from paperbrowse.core import watches

    real = watches.WatchStore.record_found
    calls = []

    def dying(self, watch_id, papers, via, cursor):
        papers = list(papers)
        if papers and not calls:
            calls.append(1)
            raise KeyboardInterrupt
        return real(self, watch_id, papers, via, cursor)

    monkeypatch.setattr(watches.WatchStore, "record_found", dying)
    with pytest.raises(KeyboardInterrupt):
        update(store, locations, corpus, net, names=["gen"])
    assert store.get("gen").total == 0
    assert store.library.stored_paper("arxiv:2603.10001") is not None  # imported already
    report = update(store, locations, corpus, net, names=["gen"])
    assert report.ok and sorted(ids(store, "gen")) == [
        "arxiv:2603.10001",
        "arxiv:2603.10002",
        "arxiv:2603.10003",
    ]
    assert report.imported == 1  # the first page was imported by the interrupted run


def test_an_error_page_from_arxiv_is_reported_and_retried_next_time(
    store, locations, corpus, net, stub
):
    error = (
        lambda request, p: request.url.path == "/api/query",
        lambda request: xml("arxiv_watch_error.xml", status=400),
    )
    stub.fail.append(error)
    report = update(store, locations, corpus, net, names=["gen"])
    assert report.unreachable == [] and not report.ok
    assert len(report.errors) == 1
    assert "watch 'gen'" in report.errors[0]
    assert "arXiv reports an error: max_results must be less than 30000" in report.errors[0]
    assert store.get("gen").total == 0
    state = store._state("gen")
    assert (state["arxiv_window_from"], state["arxiv_start"]) == ("202603151200", 0)

    stub.fail.remove(error)
    again = update(store, locations, corpus, net, names=["gen"], now=LATER)
    assert again.ok and store.get("gen").total == 3


def test_offline_names_the_service_and_keeps_the_rest(store, locations, corpus, net, stub):
    def no_dns(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno -2] Name or service not known", request=request)

    stub.fail.append((lambda request, p: request.url.host == "huggingface.co", no_dns))
    report = update(store, locations, corpus, net)
    assert len(report.unreachable) == 1
    assert report.unreachable[0].startswith("Hugging Face could not be reached")
    _arxiv, _hf, seen = net
    # asked once: not for every day, nor again for the second watch
    assert sum(r.url.host == "huggingface.co" for r in seen) == 1
    assert store.get("gen").total == 3 and store.get("gen").updated_at is not None
    # daily still gets gen's papers through its local query; it is not marked updated
    assert store.get("daily").total == 3 and store.get("daily").updated_at is None
    assert store._state("daily")["hf_until"] is None


def test_hugging_face_days_are_bounded(store, locations, corpus, net):
    store.add("old", "", hf=True)
    with store._writing() as db:
        db.execute("UPDATE watches SET hf_until = '2026-03-01' WHERE name = 'old'")
    report = update(store, locations, corpus, net, names=["old"])
    assert report.notices == [
        "watch 'old': Hugging Face daily papers from 2026-03-02 to 2026-03-19 skipped "
        "(at most 3 days per update)"
    ]
    # an empty local query matches every paper of the days fetched
    assert sorted(ids(store, "old")) == [
        "arxiv:2603.10002",
        "arxiv:2603.20001",
        "arxiv:2603.20002",
    ]


def test_the_arxiv_cap_leaves_the_rest_for_the_next_run(store, locations, corpus, net):
    report = update(store, locations, corpus, net, names=["gen"], max_arxiv=2)
    assert report.ok and len(report.new["gen"]) == 2
    assert "stopped after 2 arXiv entries" in report.notices[0]
    assert store.get("gen").updated_at is None
    update(store, locations, corpus, net, names=["gen"])
    assert store.get("gen").total == 3


def without_entries(name: str) -> bytes:
    """A recorded page with its entries cut out (``totalResults`` kept)."""
    text = (FEED / name).read_text()
    return (text[: text.index("  <entry>")] + "</feed>\n").encode()


def test_an_empty_page_in_the_middle_is_asked_again_next_time(store, locations, corpus, net, stub):
    # arXiv is known to answer an empty page now and then, totalResults still saying 3
    empty = (
        lambda request, p: request.url.path == "/api/query" and p["start"] == "2",
        lambda request: httpx.Response(200, content=without_entries("arxiv_watch_page2.xml")),
    )
    stub.fail.append(empty)
    report = update(store, locations, corpus, net, names=["gen"])
    assert report.errors == [
        "watch 'gen': arXiv answered no entries from entry 3 of 3; "
        "the next 'paperbrowse update' asks again from there"
    ]
    assert store._state("gen")["arxiv_start"] == 2 and store._state("gen")["arxiv_until"] is None
    stub.fail.remove(empty)
    assert update(store, locations, corpus, net, names=["gen"]).ok
    assert store.get("gen").total == 3


def test_the_local_query_runs_in_chunks_with_the_same_result(
    store, locations, corpus, net, monkeypatch
):
    from paperbrowse.core import watches

    monkeypatch.setattr(watches, "LOCAL_CHUNK", 1)
    update(store, locations, corpus, net)
    assert sorted(ids(store, "daily")) == sorted(ids(store, "gen"))
    assert len(ids(store, "gen")) == 4
    assert store._state("gen")["local_revision"] == store.library.revision()


def test_offline_arxiv_is_asked_once_and_every_watch_needing_it_is_unfinished(
    store, locations, corpus, net, stub
):
    def no_dns(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno -2] Name or service not known", request=request)

    store.add("gen2", "diffusion", arxiv_query="abs:flow")
    stub.fail.append((lambda request, p: request.url.host == "export.arxiv.org", no_dns))
    before = {name: store._state(name) for name in ("gen", "gen2")}
    report = update(store, locations, corpus, net)
    assert not report.ok and len(report.unreachable) == 1
    _arxiv, _hf, seen = net
    assert sum(r.url.host == "export.arxiv.org" for r in seen) == 1  # not again for gen2
    assert report.unfinished == {
        "gen": ["arXiv could not be reached"],
        "gen2": ["arXiv could not be reached"],
    }
    for name in ("gen", "gen2"):
        state = store._state(name)
        # the range is fixed when it starts (the next run asks for the same one)
        for cursor in ("arxiv_until", "arxiv_start", "updated_at"):
            assert state[cursor] == before[name][cursor], (name, cursor)
    assert "daily" not in report.unfinished and store.get("daily").updated_at is not None


def test_the_arxiv_cap_leaves_the_watch_unfinished(store, locations, corpus, net):
    report = update(store, locations, corpus, net, names=["gen"], max_arxiv=2)
    assert report.unfinished == {"gen": ["more arXiv entries wait for the next run"]}
    assert update(store, locations, corpus, net, names=["gen"]).unfinished == {}
