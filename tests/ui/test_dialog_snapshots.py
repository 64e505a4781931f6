"""Snapshot tests of every dialog at 80×24 (the smallest terminal paperbrowse supports
whole) and 160×45: export, import, filter, tags, note, reading lists, confirm removal,
help (issue 16: each dialog readable at 80×24, its keys said on screen).

Baselines in ``tests/ui/__snapshots__/test_dialog_snapshots/``; after an intended
change, look at the new screenshots and update them with ``--snapshot-update``.
Carets do not blink and paths are fixed, so the screenshots are stable.
"""

from __future__ import annotations

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from paperbrowse.ui.app import PaperBrowseApp
from tests.ui.test_snapshots import QUERY, show_query, wait_until

SIZES = [(80, 24), (160, 45)]
#: dialog name → the key that opens it from the result list
DIALOGS = {
    "export": "e",
    "import": "i",
    "filter": "f",
    "tags": "t",
    "note": "n",
    "lists": "l",
    "confirm": "b",
    "help": "question_mark",
}


def _steady(app: PaperBrowseApp) -> None:
    """No blinking caret; fixed paths instead of the machine's working directory."""
    for field in app.screen.query(Input):
        field.cursor_blink = False
        if field.id == "export-path":
            field.value = "/home/reader/papers/reading-list.md"
            field.cursor_position = len(field.value)
    for area in app.screen.query(TextArea):
        area.cursor_blink = False


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("dialog", list(DIALOGS))
def test_dialog(
    snap_compare, locations, corpus, library, index, monkeypatch, dialog: str, size
) -> None:
    # bookmarks dated 14 Mar 2025 (the detail pane behind the dialog shows the date)
    monkeypatch.setattr("paperbrowse.core.library._now", lambda: "2025-03-14T12:00:00+00:00")
    hits = index.search(QUERY).hits
    for hit in hits[:2]:
        library.add(hit.paper)
    first = hits[0].paper
    library.set_tags(first, ["diffusion", "text"])
    library.set_status(first, "read")
    library.add_to_list("Thesis", first)
    library.add_to_list("Reading group", hits[1].paper)
    app = PaperBrowseApp(locations, corpus, library=library, index=index)

    async def run_before(pilot: Pilot) -> None:
        await show_query(pilot, QUERY)
        await pilot.press(DIALOGS[dialog])
        await wait_until(pilot, lambda: len(app.screen_stack) == 2, f"the {dialog} dialog")
        await pilot.pause(0.1)
        _steady(app)
        app.clear_notifications()
        await pilot.pause(0.1)

    assert snap_compare(app, terminal_size=size, run_before=run_before)
