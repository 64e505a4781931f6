"""Issue 16 polish: keys typed in a burst, keyboard-only dialogs, exporting the current
results, the bookmarks count after un-bookmarking, toasts and the query history.

A terminal (or ``tmux send-keys``) delivers keys typed together as events queued at
once; :func:`burst` posts them the same way, without the pauses ``pilot.press`` makes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual import events
from textual.widgets import Input, RadioSet

from paperbrowse.core.index import PaperIndex
from paperbrowse.core.library import Library
from paperbrowse.core.locations import Locations
from paperbrowse.core.service import Corpus
from paperbrowse.ui.app import MAX_TOASTS, PaperBrowseApp
from paperbrowse.ui.importing import ImportScreen
from paperbrowse.ui.screens import ExportScreen
from paperbrowse.ui.screens.main import HISTORY_IDLE_SECONDS
from paperbrowse.ui.widgets import ResultList, SearchBar
from tests.ui.test_app import (
    paste_query,
    run,
    status,
    toasts,
    wait_for_results,
    wait_until,
)

CHARS = {"slash": "/", "space": " "}


@pytest.fixture
def app(
    locations: Locations, corpus: Corpus, library: Library, index: PaperIndex
) -> PaperBrowseApp:
    return PaperBrowseApp(locations, corpus, library=library, index=index)


def burst(app: PaperBrowseApp, *keys: str) -> None:
    """Queue ``keys`` all at once, as a terminal does with a paste or send-keys."""
    for key in keys:
        char = CHARS.get(key, key if len(key) == 1 else None)
        app.post_message(events.Key(key, char))


async def test_keys_sent_together_after_slash_reach_the_search_bar(app: PaperBrowseApp) -> None:
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        await paste_query(pilot, "diffusion")
        await pilot.press("down")
        assert isinstance(app.focused, ResultList)
        burst(app, "slash", "ctrl+u", *"numbats")
        await wait_for_results(pilot, "numbats")
        assert app.query_one(SearchBar).value == "numbats"
        assert isinstance(app.focused, SearchBar)
        assert len(app.screen_stack) == 1  # n, u, m, b, t, s were not taken as commands
        assert not app.library.ids()


async def test_editing_keys_in_a_burst_apply_in_order(app: PaperBrowseApp) -> None:
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        burst(app, *"graph", "backspace", "backspace", *"ph", "ctrl+u", *"flow")
        await wait_for_results(pilot, "flow")
        assert app.query_one(SearchBar).value == "flow"


async def test_slash_in_a_text_field_is_typed(app: PaperBrowseApp) -> None:
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        burst(app, *"a", "slash", "b")
        await wait_for_results(pilot, "a/b")


async def test_export_the_current_results(
    app: PaperBrowseApp, index: PaperIndex, tmp_path: Path
) -> None:
    target = tmp_path / "hits.json"
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        results = await paste_query(pilot, "diffusion")
        await pilot.press("down", "e")  # no bookmarks: the results are offered
        await wait_until(pilot, lambda: isinstance(app.screen, ExportScreen), "the dialog")
        dialog = app.screen
        assert isinstance(dialog, ExportScreen)
        assert dialog.scope == "results"
        assert dialog.query_one("#export-path", Input).value.endswith("search-results.md")
        await pilot.press("down")  # the format grid: a row down from Markdown is JSON
        await wait_until(pilot, lambda: dialog.fmt == "json", "JSON")
        dialog.query_one("#export-path", Input).value = str(target)
        await pilot.press("enter")
        await wait_until(pilot, target.exists, "the file")
    written = json.loads(target.read_text(encoding="utf-8"))["papers"]
    ids = [hit.paper.id for hit in index.search("diffusion", limit=None, forgiving=True).hits]
    assert len(written) == results.total == len(ids) > 30  # beyond the first page
    assert [p["id"] for p in written] == ids
    # none of them is bookmarked: no date added is invented
    assert {p["added_at"] for p in written} == {None}


async def test_export_scope_switches_between_bookmarks_and_results(
    app: PaperBrowseApp, index: PaperIndex
) -> None:
    app.library.add(index.search("diffusion").hits[0].paper)
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        await paste_query(pilot, "diffusion")
        await pilot.press("down", "e")
        await wait_until(pilot, lambda: isinstance(app.screen, ExportScreen), "the dialog")
        dialog = app.screen
        assert isinstance(dialog, ExportScreen) and dialog.scope == "bookmarks"
        await pilot.press("shift+tab")
        assert dialog.focused is dialog.query_one("#export-scope", RadioSet)
        await pilot.press("right")
        await wait_until(pilot, lambda: dialog.scope == "results", "results chosen")
        assert dialog.query_one("#export-path", Input).value.endswith("search-results.md")
        await pilot.press("escape")
        await wait_until(pilot, lambda: len(app.screen_stack) == 1, "the dialog closed")


async def test_import_dialog_by_keyboard_keeps_the_text(app: PaperBrowseApp) -> None:
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        await pilot.press("down", "i")
        await wait_until(pilot, lambda: isinstance(app.screen, ImportScreen), "the dialog")
        dialog = app.screen
        assert isinstance(dialog, ImportScreen)
        field = dialog.query_one("#import-text", Input)
        assert dialog.focused is field
        await pilot.press(*"10.1103/x")
        await pilot.press("tab")  # to the sources
        assert dialog.focused is dialog.query_one("#import-kind", RadioSet)
        await pilot.press("down", "right")  # arXiv → Captures → DOI
        await wait_until(pilot, lambda: dialog.kind == "doi", "DOI chosen")
        assert field.value == "10.1103/x"
        await pilot.press("shift+tab")
        assert dialog.focused is field
        await pilot.press(*"yz")
        assert field.value == "10.1103/xyz"  # not selected and replaced on focus
        await pilot.press("escape")
        await wait_until(pilot, lambda: len(app.screen_stack) == 1, "the dialog closed")


async def test_unbookmarking_in_the_bookmarks_view_says_what_is_listed(
    app: PaperBrowseApp, index: PaperIndex
) -> None:
    for hit in index.search("diffusion").hits[:3]:
        app.library.add(hit.paper)
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        await pilot.press("down", "B")
        await wait_until(pilot, lambda: app.main.view == "bookmarks", "the bookmarks view")
        await pilot.press("b")
        await wait_until(pilot, lambda: len(app.library) == 2, "the removal")
        listing = app.query_one(ResultList)
        assert listing.total == 3
        assert "3 listed, 1 un-bookmarked" in status(app)
        assert "1 un-bookmarked" in str(listing.border_title)


async def test_at_most_three_toasts_and_short_routine_ones(app: PaperBrowseApp) -> None:
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        for n in range(6):
            app.notify(f"message {n}", timeout=30)
        await pilot.pause(0.2)
        shown = toasts(app)
        assert len(shown) == MAX_TOASTS
        assert any("message 5" in t for t in shown) and not any("message 0" in t for t in shown)
        assert all(n.timeout <= 4 for n in app._notifications)


async def test_a_query_left_resting_joins_the_history(app: PaperBrowseApp) -> None:
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        await paste_query(pilot, "numbats")
        assert "numbats" not in app.history.entries
        await pilot.pause(HISTORY_IDLE_SECONDS + 0.5)
        assert app.history.entries[-1] == "numbats"
        burst(app, *"xy")  # typing on: the unfinished query is not kept before it rests
        await wait_for_results(pilot, "numbatsxy")
        assert "numbatsx" not in app.history.entries


async def test_arrows_sent_together_move_as_many_choices(app: PaperBrowseApp, index) -> None:
    """``tmux send-keys Right Right`` in the export dialog moves two formats, not one
    (the second arrow counts from the first one's choice, not from the button state
    that follows only once its change message is handled)."""
    app.library.add(index.search("diffusion").hits[0].paper)
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        await pilot.press("down", "e")
        await wait_until(pilot, lambda: isinstance(app.screen, ExportScreen), "the dialog")
        dialog = app.screen
        path = dialog.query_one("#export-path", Input)
        assert path.value.endswith(".md")
        burst(app, "right", "right")
        await wait_until(pilot, lambda: path.value.endswith(".csv"), "two formats on: CSV")
        burst(app, "left", "right", "right")
        await wait_until(pilot, lambda: path.value.endswith(".json"), "JSON")
        await pilot.pause(0.2)
        assert path.value.endswith(".json") and not path.value.endswith(".csl.json")


async def test_a_dialog_at_80x24_is_not_covered_by_toasts(app: PaperBrowseApp, index) -> None:
    """After ``t`` and ``r`` (each says something in a toast), ``b`` asks to confirm:
    at 80×24 the toasts would cover the dialog's key line, so they are cleared."""
    app.library.add_tag(index.search("diffusion").hits[0].paper, "ssl")
    async with run(app, size=(80, 24)) as pilot:
        await wait_for_results(pilot, "")
        await paste_query(pilot, "diffusion")
        await pilot.press("down")
        app.notify("one"), app.notify("two")
        await pilot.pause()
        assert toasts(app)
        await pilot.press("b")
        await wait_until(pilot, lambda: len(app.screen_stack) == 2, "the confirm dialog")
        await pilot.pause()
        assert toasts(app) == []
