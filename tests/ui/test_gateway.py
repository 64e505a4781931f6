"""The engine gateway (paperbrowse.ui.gateway) in the app: pages of a corrected and
relaxed search are that query's hits (no second correction per page), and the
detail pane's abstract is highlighted off the UI thread."""

from __future__ import annotations

import threading

import pytest
from rich.text import Text
from test_app import paste_query, run, wait_until
from textual.widgets import Static

from paperbrowse.core.forgiving import Forgiving
from paperbrowse.core.index import PaperIndex
from paperbrowse.core.library import Library
from paperbrowse.core.locations import Locations
from paperbrowse.core.models import Filters
from paperbrowse.core.service import Corpus
from paperbrowse.ui.app import PaperBrowseApp
from paperbrowse.ui.gateway import EngineGateway
from paperbrowse.ui.paging import PAGE_SIZE
from paperbrowse.ui.widgets import ResultList

#: Finds nothing as typed: runs as its correction ``diffusion transformer video``,
#: relaxed (two papers have every word), with more hits than four pages.
CORRECTED_RELAXED = "difusion transformer video"


def matched_words(app: PaperBrowseApp) -> list[str]:
    """The highlighted (matched) words of the detail pane's abstract."""
    content = app.query_one("#detail-abstract", Static).content
    assert isinstance(content, Text)
    return [content.plain[s.start : s.end] for s in content.spans if s.style]


async def test_pages_of_a_corrected_relaxed_search_are_its_hits_without_a_second_correction(
    locations: Locations,
    corpus: Corpus,
    library: Library,
    index: PaperIndex,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    whole = index.search(CORRECTED_RELAXED, limit=None, forgiving=True)
    assert whole.ran == "diffusion transformer video" and whole.relaxed
    assert whole.total > 4 * PAGE_SIZE
    app = PaperBrowseApp(locations, corpus, library=library, index=index)
    async with run(app) as pilot:
        first = await paste_query(pilot, CORRECTED_RELAXED)
        assert first.ran == whole.ran and first.total == whole.total

        def no_second_guess(*args, **kwargs):
            raise AssertionError("a page fetch must not correct or loosen the query again")

        monkeypatch.setattr(Forgiving, "correct", no_second_guess)
        monkeypatch.setattr(Forgiving, "loosened", no_second_guess)
        monkeypatch.setattr(Forgiving, "resolve", no_second_guess)
        monkeypatch.setattr(index, "search", no_second_guess)
        results = app.query_one(ResultList)
        await pilot.press("down", "G")  # the last page
        last = whole.total - 1
        await wait_until(pilot, lambda: results.hit_at(last) is not None, "the last page")
        results.highlighted = 2 * PAGE_SIZE + 3  # a page in the middle
        await wait_until(pilot, lambda: results.hit_at(2 * PAGE_SIZE) is not None, "page 2")
        for rank in (last, 2 * PAGE_SIZE, 2 * PAGE_SIZE + 3, 3 * PAGE_SIZE - 1):
            hit = results.hit_at(rank)
            assert hit is not None and hit.rank == rank
            assert hit.paper.id == whole.hits[rank].paper.id
        assert {offset for offset, _ in app.engine.page_calls} >= {
            (last // PAGE_SIZE) * PAGE_SIZE,
            2 * PAGE_SIZE,
        }


async def test_the_detail_pane_is_highlighted_off_the_ui_thread(
    locations: Locations, corpus: Corpus, library: Library, index: PaperIndex
) -> None:
    threads: list[threading.Thread] = []
    highlight = index.highlight

    def recording(*args, **kwargs):
        threads.append(threading.current_thread())
        return highlight(*args, **kwargs)

    index.highlight = recording  # type: ignore[method-assign]
    app = PaperBrowseApp(locations, corpus, library=library, index=index)
    async with run(app) as pilot:
        await paste_query(pilot, "diffusion")
        assert "diffusion" in " ".join(matched_words(app)).lower()  # the first hit at once
        await pilot.press("down", "down", "down")
        hit = app.query_one(ResultList).current_hit
        assert hit is not None and app.main.results is not None
        await wait_until(
            pilot,
            lambda: app.engine.cached_highlight(hit.paper, app.main.results) is not None,
            "the highlighting",
        )
        await wait_until(pilot, lambda: bool(matched_words(app)), "the highlighted abstract")
        assert all("diffus" in w.lower() for w in matched_words(app))
    assert threads and threading.main_thread() not in threads


def test_a_search_waiting_for_the_engine_is_dropped_when_cancelled(index: PaperIndex) -> None:
    engine = EngineGateway(index)
    cancelled = threading.Event()
    answers: list[object] = []
    with engine.lock:  # the engine is busy (a page fetch, say)
        waiter = threading.Thread(
            target=lambda: answers.append(
                engine.search(
                    "diffusion",
                    sort="relevance",
                    limit=5,
                    filters=Filters(),
                    is_cancelled=cancelled.is_set,
                )
            )
        )
        waiter.start()
        waiter.join(0.05)
        assert waiter.is_alive()  # it waits for the engine
        cancelled.set()  # a newer keystroke replaced it
        waiter.join(1)
    assert answers == [None]
    results = engine.search("diffusion", sort="relevance", limit=5, filters=Filters())
    assert results is not None and len(results.hits) == 5
    first = results.hits[0].paper
    assert engine.cached_highlight(first, results) == index.highlight(first.abstract, results)
    assert engine.cached_highlight(results.hits[1].paper, results) is None
    page = engine.page(results, 5, 5)
    assert [h.rank for h in page.hits] == [5, 6, 7, 8, 9]
    assert engine.page_calls == [(5, 5)]
