"""The key table (paperbrowse.ui.keys): the bindings, the help rows and the palette
commands made from it, and the user's [keys] overrides shown in the help and palette."""

from __future__ import annotations

from paperbrowse.ui import keys
from paperbrowse.ui.screens.main import MainScreen


def test_main_screen_bindings_are_the_table_in_order() -> None:
    ids = [b.id for b in MainScreen.BINDINGS]
    assert ids == [k.id for k in keys.KEYS if k.action]
    assert len(set(ids)) == len(ids)
    assert set(ids) == keys.binding_ids()
    slash = MainScreen.BINDINGS[0]
    assert (slash.key, slash.action, slash.priority, slash.show) == ("slash", "slash", True, True)
    shown = [b.id for b in MainScreen.BINDINGS if b.show]
    # footer order: an 80-column footer cuts the last
    assert shown[:4] == ["focus_search", "toggle_bookmark", "undo", "bookmarks_view"]


def test_every_action_and_row_resolves() -> None:
    for key in keys.KEYS:
        for action in {key.action, key.palette_action} - {""}:
            assert hasattr(MainScreen, f"action_{action}"), action
    assert set(keys.HELP_ORDER) <= set(keys.BY_ID)
    assert set(keys.PALETTE_ORDER) <= set(keys.BY_ID)
    assert all(keys.BY_ID[i].palette for i in keys.PALETTE_ORDER)
    assert all(keys.BY_ID[i].help for i in keys.HELP_ORDER)


def test_help_rows_show_default_and_overridden_keys() -> None:
    rows = dict(keys.help_rows())
    assert rows["/"] == "Go to the search bar"
    assert rows["u  ctrl+z"].startswith("Undo")
    assert rows["f  x (in the bookmarks)"].startswith("Narrow")
    assert rows["q  ctrl+q"] == "Quit"
    changed = dict(keys.help_rows({"undo": "z", "filter": "ctrl+f", "toggle_bookmark": "f2,f3"}))
    assert "z  ctrl+z" in changed and "u  ctrl+z" not in changed
    assert "ctrl+f  x (in the bookmarks)" in changed
    assert changed["f2  f3"].startswith("Bookmark")
    assert changed["ctrl+f"].startswith("Filter by year")
    # as App.set_keymap does, a key taken by an override leaves the binding that had it
    taken = keys.help_rows({"toggle_bookmark": "x"})
    assert ("x", "Bookmark / un-bookmark (asks if it is organised)") in taken
    assert ("—", "Clear the filter") in taken
    assert ("f  — (in the bookmarks)", "Narrow to a list, tag or status / show all") in taken


def test_palette_commands_name_the_keys() -> None:
    commands = {title: (text, action) for title, text, action in keys.palette_commands()}
    assert commands["Search"] == ("Go to the search bar (/)", "focus_search")
    assert commands["Keys and query syntax"] == ("Help (?)", "help")
    assert commands["Narrow bookmarks"] == (
        "To a list, tag or status (f in bookmarks)",
        "narrow_bookmarks",
    )
    changed = {t: text for t, text, _ in keys.palette_commands({"export": "ctrl+e"})}
    assert changed["Export reading list"].endswith("(ctrl+e)")
