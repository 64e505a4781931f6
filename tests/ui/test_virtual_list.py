"""The result list over 100,000 hits: it pages, and never holds or builds a row per hit.

The app runs over :class:`StubIndex`, an engine stand-in that answers every query with
``TOTAL`` synthetic hits (hit ``i`` is titled ``Synthetic paper i+1``) and records
every page asked for. A list that built its rows from every hit, or fetched every page
up to the cursor, fails these tests: ``G`` must fetch the last page only, paging must
fetch the pages passed on the way only, and the list must hold at most ``MAX_PAGES``
pages. Page answers that arrive after the query, sort or filter changed are dropped.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest
from test_app import detail, rendered_text, run, status, wait_until
from textual import events
from textual.pilot import Pilot

from paperbrowse.core.library import Library
from paperbrowse.core.locations import Locations
from paperbrowse.core.models import Facets, Filters, Hit, Paper, Results
from paperbrowse.core.service import Corpus
from paperbrowse.ui.app import PaperBrowseApp
from paperbrowse.ui.paging import PAGE_SIZE
from paperbrowse.ui.widgets import MAX_PAGES, PREFETCH_HITS, ROWS_PER_HIT, ResultList

TOTAL = 100_000
LAST_PAGE = (TOTAL - 1) // PAGE_SIZE


def title(rank: int, sort: str = "date") -> str:
    """The title of synthetic hit ``rank`` in ``sort`` order."""
    return f"Synthetic paper {rank + 1}" + ("" if sort == "date" else f" by {sort}")


@dataclass(frozen=True)
class Call:
    """One ``search`` call the stub answered."""

    text: str
    sort: str
    offset: int
    limit: int | None


class StubIndex:
    """Enough of :class:`~paperbrowse.core.index.PaperIndex` for the app: every query
    finds ``TOTAL`` papers; a hit's title says its rank (and the sort order if not
    newest first). ``gates`` holds some offsets' answers back until set."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.gates: dict[int, threading.Event] = {}

    def doc_count(self) -> int:
        return TOTAL

    def search(
        self,
        text: str,
        *,
        sort: str = "relevance",
        limit: int | None = 500,
        offset: int = 0,
        filters: Filters | None = None,
        forgiving: bool = False,
        facets: bool = False,
    ) -> Results:
        if not text.strip() and sort == "relevance":
            sort = "date"
        self.calls.append(Call(text, sort, offset, limit))
        gate = self.gates.get(offset)
        if gate is not None:
            assert gate.wait(10), "a gate was never opened"
        end = TOTAL if limit is None else min(TOTAL, offset + limit)
        hits = tuple(
            Hit(
                Paper(f"pb:{rank:012d}", title(rank, sort), f"Abstract number {rank + 1}."),
                rank,
                0.0,
                ((title(rank, sort), False),),
                ((f"Abstract number {rank + 1}.", False),),
            )
            for rank in range(offset, end)
        )
        return Results(
            text,
            hits,
            TOTAL,
            sort,
            offset=offset,
            filters=filters or Filters(),
            facets=Facets(years=((2024, TOTAL),)) if facets else None,
        )

    def page(self, first: Results, offset: int, limit: int) -> Results:
        """As :meth:`PaperIndex.page`: the same query, sort and filters at ``offset``."""
        return self.search(
            first.query, sort=first.sort, limit=limit, offset=offset, filters=first.filters
        )

    def highlight(self, text: str, results: Results, field: str = "abstract"):
        return ((text, False),)

    def offsets(self) -> list[int]:
        """The offsets of the pages asked for, in order (the first listing's included)."""
        return [c.offset for c in self.calls]


@pytest.fixture
def stub() -> StubIndex:
    return StubIndex()


@pytest.fixture
def app(locations: Locations, corpus: Corpus, library: Library, stub: StubIndex):
    return PaperBrowseApp(locations, corpus, library=library, index=stub)  # type: ignore[arg-type]


def on_screen(results: ResultList) -> str:
    """The list's text as drawn, inside its border, lines joined by spaces."""
    return " ".join(" ".join(rendered_text(results).split("\n")[1:-1]).split())


async def started(pilot: Pilot) -> ResultList:
    app = pilot.app
    assert isinstance(app, PaperBrowseApp)
    await wait_until(pilot, lambda: app.main.results is not None, "the first listing")
    return app.query_one(ResultList)


async def test_the_list_is_as_tall_as_every_hit_and_holds_one_page(
    app: PaperBrowseApp, stub: StubIndex
) -> None:
    async with run(app) as pilot:
        results = await started(pilot)
        assert stub.offsets() == [0]
        assert stub.calls[0].limit == PAGE_SIZE
        assert status(app).startswith(f"{TOTAL} papers · sorted by newest first")
        assert results.total == TOTAL
        assert results.virtual_size.height == TOTAL * ROWS_PER_HIT - 1  # the scroll bar's extent
        assert results.max_scroll_y > 0
        assert results.held_pages == [0]
        assert "Synthetic paper 1 " in on_screen(results) + " "
        assert "Synthetic paper 8 " not in on_screen(results)  # below the window: not drawn
        assert results.border_subtitle == "1 of 100,000"
        assert detail(app, "title") == "Synthetic paper 1"


async def test_G_fetches_only_the_last_page_and_shows_the_last_hit(
    app: PaperBrowseApp, stub: StubIndex
) -> None:
    async with run(app) as pilot:
        results = await started(pilot)
        await pilot.press("down", "G")
        assert results.highlighted == TOTAL - 1
        last = title(TOTAL - 1)
        await wait_until(pilot, lambda: last in on_screen(results), "the last hit on screen")
        assert stub.offsets() == [0, LAST_PAGE * PAGE_SIZE]  # no page in between
        assert results.held_pages == [0, LAST_PAGE]
        assert results.scroll_offset.y == results.max_scroll_y
        assert detail(app, "title") == last
        assert results.border_subtitle == "100,000 of 100,000"

        await pilot.press("g")  # the first page is still held
        assert "Synthetic paper 1 " in on_screen(results) + " "
        assert detail(app, "title") == title(0)
        assert stub.offsets() == [0, LAST_PAGE * PAGE_SIZE]


async def test_a_hit_not_fetched_yet_shows_a_placeholder_then_arrives(
    app: PaperBrowseApp, stub: StubIndex
) -> None:
    gate = stub.gates[LAST_PAGE * PAGE_SIZE] = threading.Event()
    async with run(app) as pilot:
        results = await started(pilot)
        await pilot.press("down", "end")
        await wait_until(pilot, lambda: LAST_PAGE in results.pages_fetched, "the fetch")
        await pilot.pause(0.1)
        assert "Loading hit 100,000…" in on_screen(results)
        assert detail(app, "title") == "Loading…"
        gate.set()
        await wait_until(pilot, lambda: title(TOTAL - 1) in on_screen(results), "the hit")
        assert "Loading" not in on_screen(results)
        assert detail(app, "title") == title(TOTAL - 1)  # the detail follows the arrival


async def test_moving_and_paging_fetch_pages_on_demand_and_keep_a_bounded_number(
    app: PaperBrowseApp, stub: StubIndex
) -> None:
    async with run(app) as pilot:
        results = await started(pilot)
        await pilot.press("down")
        for _ in range(PAGE_SIZE - PREFETCH_HITS - 1):  # j through the first page
            await pilot.press("j")
        assert stub.offsets() == [0]
        await pilot.press("j")  # the next page is near: fetched ahead
        await wait_until(pilot, lambda: 1 in results.held_pages, "the second page")
        assert stub.offsets() == [0, PAGE_SIZE]

        steps = 120  # pagedown 120 times, about 800 hits
        for _ in range(steps):
            await pilot.press("pagedown")
            assert len(results.held_pages) <= MAX_PAGES
        cursor = results.highlighted
        assert cursor is not None and cursor > 600
        await wait_until(pilot, lambda: results.current_hit is not None, "the cursor's page")
        await app.workers.wait_for_complete()
        assert detail(app, "title") == title(cursor)
        assert title(cursor) in on_screen(results)
        assert len(results.held_pages) <= MAX_PAGES
        assert cursor // PAGE_SIZE in results.held_pages
        # pages are fetched once each (none is dropped and wanted again when moving one
        # way), none beyond the cursor's neighbourhood
        offsets = stub.offsets()
        assert len(offsets) == len(set(offsets))
        assert len(offsets) <= cursor // PAGE_SIZE + 2
        assert max(offsets) <= (cursor + PREFETCH_HITS) // PAGE_SIZE * PAGE_SIZE
        assert all(offset % PAGE_SIZE == 0 for offset in offsets)
        assert all(c.limit == PAGE_SIZE for c in stub.calls)
        assert all(h is None or h.rank == i for i, h in enumerate(map(results.hit_at, range(60))))


async def test_the_mouse_wheel_scrolls_and_the_rows_shown_are_fetched(
    app: PaperBrowseApp, stub: StubIndex
) -> None:
    async with run(app) as pilot:
        results = await started(pilot)
        for _ in range(60):  # the wheel moves the window, not the cursor
            await pilot._post_mouse_events([events.MouseScrollDown], results, offset=(5, 5))
        assert results.scroll_offset.y > 0 and results.highlighted == 0
        top = results.scroll_offset.y // ROWS_PER_HIT
        await wait_until(
            pilot, lambda: title(top) in on_screen(results), f"hit {top} on screen after the wheel"
        )
        assert detail(app, "title") == title(0)

        results.scroll_to(y=50_000 * ROWS_PER_HIT, animate=False)  # as dragging the scroll bar
        await wait_until(pilot, lambda: title(50_000) in on_screen(results), "hit 50,001")
        assert 50_000 // PAGE_SIZE in results.held_pages
        assert len(stub.offsets()) <= 4  # the first page, the wheel's, the jump's (and ahead)


async def test_a_page_for_an_older_query_or_sort_is_dropped(
    app: PaperBrowseApp, stub: StubIndex
) -> None:
    """G asks for the last page; while it is in the engine the sort changes (a new
    query with its own first page). The engine gateway serialises engine access:
    the new search waits for the page fetch. The late page belongs to the old
    order: it is never shown in the new listing."""
    gate = stub.gates[LAST_PAGE * PAGE_SIZE] = threading.Event()
    async with run(app) as pilot:
        results = await started(pilot)
        old = results.source
        await pilot.press("down", "G")
        await wait_until(pilot, lambda: LAST_PAGE in results.pages_fetched, "the fetch")
        await pilot.press("s", "s")  # newest first (again), then most upvoted
        await pilot.pause(0.2)
        # one engine call at a time: the resort waits for the page fetch in the engine
        assert app.main.results is not None and app.main.results.sort == "date"
        assert [c.offset for c in stub.calls][-1] == LAST_PAGE * PAGE_SIZE
        gate.set()  # the old order's last page arrives now, then the resort runs
        await wait_until(
            pilot,
            lambda: app.main.results is not None and app.main.results.sort == "upvotes",
            "the resort",
        )
        assert results.source is not old
        assert results.highlighted == 0
        await app.workers.wait_for_complete()
        await pilot.pause(0.1)
        assert results.held_pages == [0]
        assert results.hit_at(TOTAL - 1) is None
        assert title(0, "upvotes") in on_screen(results)
        assert results.hit_at(0).paper.title == title(0, "upvotes")

        await pilot.press("G")  # the new order's last page is fetched for it
        last = title(TOTAL - 1, "upvotes")
        await wait_until(pilot, lambda: last in on_screen(results), "the new last hit")
        assert detail(app, "title") == last


async def test_typing_pages_the_new_query_from_its_start(
    app: PaperBrowseApp, stub: StubIndex
) -> None:
    async with run(app) as pilot:
        results = await started(pilot)
        await pilot.press("down", "G")
        await wait_until(pilot, lambda: results.current_hit is not None, "the last page")
        await pilot.press("slash", "x")
        await wait_until(
            pilot,
            lambda: app.main.results is not None and app.main.results.query == "x",
            "the query",
        )
        assert results.highlighted == 0 and results.scroll_offset.y == 0
        assert results.held_pages == [0]
        assert [c.text for c in stub.calls] == ["", "", "x"]
        assert detail(app, "title") == title(0, "relevance")
