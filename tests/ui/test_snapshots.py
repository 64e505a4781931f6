"""Snapshot (SVG screenshot) tests of the paperbrowse app's main screens.

Covers: the result list and detail pane for a fixed title query (100x30), the help
screen (100x30), the export dialog on a small 80x24 terminal, the facet filter, and the
bookmarks view of an organised library (lists, tags, statuses, a note), and the question
`b` asks before removing an organised bookmark (80x24).

The baselines live in ``tests/ui/__snapshots__/``. After an intended change to the
look of the app, review the new screenshots and update them with
``pytest tests/ui/test_snapshots.py --snapshot-update``.

To keep the screenshots stable, every ``run_before`` waits until the results of its
query have arrived, leaves no text caret blinking on screen (the focus is moved off
the search bar, and the export path input does not blink), and clears notifications.
Bookmarks are added through the library before the app starts, so no toast is shown;
tests that show a bookmark's date added use :func:`fixed_clock`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input

from paperbrowse.core.index import PaperIndex
from paperbrowse.core.library import Library
from paperbrowse.core.locations import Locations
from paperbrowse.core.service import Corpus
from paperbrowse.ui.app import PaperBrowseApp
from paperbrowse.ui.screens import ConfirmScreen, ExportScreen, FilterScreen, HelpScreen
from paperbrowse.ui.widgets import ResultList, SearchBar

QUERY = 'title:"latent diffusion"'


async def wait_until(pilot: Pilot, condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 5.0
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.05)


async def show_query(pilot: Pilot, query: str) -> None:
    """Paste ``query`` into the search bar, wait for its results, focus the list."""
    app = pilot.app
    assert isinstance(app, PaperBrowseApp)
    await wait_until(pilot, lambda: app.main.results is not None, "the first listing")
    assert isinstance(app.focused, SearchBar)
    app.post_message(events.Paste(query))
    await wait_until(
        pilot,
        lambda: app.main.results is not None and app.main.results.query == query,
        "the results",
    )
    await pilot.press("down")
    assert isinstance(app.focused, ResultList)


@pytest.fixture
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Bookmarks and notes written during the test are dated 14 Mar 2025, shown in UTC."""
    monkeypatch.setattr("paperbrowse.core.library._now", lambda: "2025-03-14T12:00:00+00:00")
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def make_app(
    locations: Locations, corpus: Corpus, library: Library, index: PaperIndex
) -> PaperBrowseApp:
    return PaperBrowseApp(locations, corpus, library=library, index=index)


def test_search_results(snap_compare, locations, corpus, library, index) -> None:
    """A title query: highlighted matches in the list, the first paper in the detail pane."""
    app = make_app(locations, corpus, library, index)

    async def run_before(pilot: Pilot) -> None:
        await show_query(pilot, QUERY)
        app.clear_notifications()

    assert snap_compare(app, terminal_size=(100, 30), run_before=run_before)


def test_help_screen(snap_compare, locations, corpus, library, index) -> None:
    """The key and query-syntax help over the result list."""
    app = make_app(locations, corpus, library, index)

    async def run_before(pilot: Pilot) -> None:
        await show_query(pilot, QUERY)
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), "the help screen")
        app.clear_notifications()

    assert snap_compare(app, terminal_size=(100, 30), run_before=run_before)


def test_export_dialog_small_terminal(
    snap_compare, locations, corpus, library, index, fixed_clock
) -> None:
    """The export dialog at 80x24, with two bookmarked papers."""
    for hit in index.search(QUERY).hits[:2]:
        library.add(hit.paper)
    app = make_app(locations, corpus, library, index)

    async def run_before(pilot: Pilot) -> None:
        await show_query(pilot, QUERY)
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, ExportScreen), "the dialog")
        path = app.screen.query_one("#export-path", Input)
        path.cursor_blink = False  # a steady caret
        path.value = "/home/reader/papers/reading-list.md"  # not the machine's cwd
        path.cursor_position = len(path.value)
        app.clear_notifications()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_filter_screen(snap_compare, locations, corpus, library, index) -> None:
    """The facet filter: hits per year with bars, organisations, bookmarked only."""
    app = make_app(locations, corpus, library, index)

    async def run_before(pilot: Pilot) -> None:
        await show_query(pilot, "diffusion")
        await pilot.press("f")
        await wait_until(pilot, lambda: isinstance(app.screen, FilterScreen), "the filters")
        app.clear_notifications()

    assert snap_compare(app, terminal_size=(100, 30), run_before=run_before)


def test_bookmarks_view_organised(
    snap_compare, locations, corpus, library, index, fixed_clock
) -> None:
    """The bookmarks view: counts per list, tag and status; marks and tags in the rows;
    the highlighted paper's date added, status, tags, lists and note."""
    papers = [hit.paper for hit in index.search(QUERY).hits[:4]]
    for paper in papers:
        library.add(paper)
    for paper in papers[:3]:
        library.add_to_list("Thesis", paper)
    library.add_to_list("Reading group", papers[0])
    library.add_to_list("Reading group", papers[3])
    library.set_tags(papers[0], ["diffusion", "text"])
    library.set_tags(papers[2], ["diffusion"])
    library.set_status(papers[0], "reading")
    library.set_status(papers[1], "to-read")
    library.set_status(papers[2], "read")
    library.set_note(papers[0], "Compare with the discrete diffusion baselines in section 4.")
    app = make_app(locations, corpus, library, index)

    async def run_before(pilot: Pilot) -> None:
        await show_query(pilot, QUERY)
        await pilot.press("B")
        await wait_until(pilot, lambda: app.main.view == "bookmarks", "the bookmarks view")
        app.clear_notifications()

    assert snap_compare(app, terminal_size=(110, 32), run_before=run_before)


def test_confirm_removal_small_terminal(
    snap_compare, locations, corpus, library, index, fixed_clock
) -> None:
    """``b`` on an organised bookmark asks first, at 80x24."""
    paper = index.search(QUERY).hits[0].paper
    library.add(paper)
    library.set_tags(paper, ["diffusion", "text"])
    library.set_status(paper, "read")
    library.add_to_list("Thesis", paper)
    app = make_app(locations, corpus, library, index)

    async def run_before(pilot: Pilot) -> None:
        await show_query(pilot, QUERY)
        await pilot.press("b")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        app.clear_notifications()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
