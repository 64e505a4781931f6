"""The app under a user configuration file: theme, first sort order and keymap from
the file; a theme chosen with the command palette remembered across starts; a bad
file shown as a warning while the app starts with the defaults."""

from __future__ import annotations

from pathlib import Path

from textual.command import CommandPalette

from paperbrowse.config import load_config, load_state
from paperbrowse.core.index import PaperIndex
from paperbrowse.core.library import Library
from paperbrowse.core.locations import Locations
from paperbrowse.core.service import Corpus
from paperbrowse.ui.app import PaperBrowseApp
from paperbrowse.ui.widgets import ResultList
from tests.ui.test_app import listed, paste_query, run, toasts, wait_for_results, wait_until


def config_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


async def test_config_sets_theme_sort_and_keys(
    tmp_path: Path, locations: Locations, corpus: Corpus, library: Library, index: PaperIndex
) -> None:
    config = load_config(
        config_file(
            tmp_path,
            '[app]\ntheme = "gruvbox"\nsort = "date"\n\n[keys]\ntoggle_bookmark = "x"\n',
        )
    )
    app = PaperBrowseApp(locations, corpus, library=library, index=index, config=config)
    async with run(app) as pilot:
        await wait_for_results(pilot, "", sort="date")
        assert app.theme == "gruvbox"
        assert app.main.sort == "date"
        assert toasts(app) == []  # a good file: no warning
        await paste_query(pilot, "diffusion")
        await wait_for_results(pilot, "diffusion", sort="date")
        first = listed(app.query_one(ResultList), 1)[0].paper
        await pilot.press("down", "b")  # b no longer bookmarks
        assert app.library.ids() == set()
        await pilot.press("x")
        await wait_until(pilot, lambda: first.id in app.library.ids(), "x to bookmark")
        assert app.library.ids() == {first.id}
        # the help and the palette name the user's key
        assert ("x", "Bookmark / un-bookmark (asks if it is organised)") in app.key_help()
        assert ("b", "Bookmark / un-bookmark (asks if it is organised)") not in app.key_help()
        palette = {c.title: c.help for c in app.get_system_commands(app.screen)}
        assert palette["Bookmark selected paper"] == "Bookmark or un-bookmark (x)"


async def test_theme_chosen_in_the_palette_is_remembered(
    tmp_path: Path, locations: Locations, corpus: Corpus, library: Library, index: PaperIndex
) -> None:
    config = load_config(config_file(tmp_path, '[app]\ntheme = "gruvbox"\n'))
    app = PaperBrowseApp(locations, corpus, library=library, index=index, config=config)
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        assert app.theme == "gruvbox"
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
        await pilot.press(*"theme")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_until(
            pilot,
            lambda: (
                isinstance(app.screen, CommandPalette)
                and "theme" in str(app.screen.query_one("Input").placeholder).lower()
            ),
            "the theme picker",
        )
        await pilot.press(*"nord")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.theme == "nord", "the nord theme")
        await wait_until(
            pilot, lambda: load_state(locations.data_dir).get("theme") == "nord", "the state file"
        )

    # the next start: the last choice wins over the config's unchanged theme
    again = PaperBrowseApp(locations, corpus, library=library, index=index, config=config)
    async with run(again) as pilot:
        await wait_for_results(pilot, "")
        assert again.theme == "nord"

    # the config's theme edited: it wins again
    edited = load_config(config_file(tmp_path, '[app]\ntheme = "dracula"\n'))
    third = PaperBrowseApp(locations, corpus, library=library, index=index, config=edited)
    async with run(third) as pilot:
        await wait_for_results(pilot, "")
        assert third.theme == "dracula"


async def test_bad_config_warns_and_the_app_starts_with_defaults(
    tmp_path: Path, locations: Locations, corpus: Corpus, library: Library, index: PaperIndex
) -> None:
    path = config_file(
        tmp_path, '[app]\ntheme = "no-such-theme"\nsort = "date"\n\n[keys]\nbookmark = "x"\n'
    )
    app = PaperBrowseApp(locations, corpus, library=library, index=index, config=load_config(path))
    default_theme = PaperBrowseApp(locations, corpus, library=library, index=index).theme
    async with run(app) as pilot:
        await wait_for_results(pilot, "", sort="date")  # what was good still applies
        assert app.theme == default_theme
        await wait_until(pilot, lambda: any("no-such-theme" in t for t in toasts(app)), "toast")
        shown = " ".join(toasts(app))
        assert str(path) in shown.replace("\n", "")
        assert "line 2" in shown and "unknown theme" in shown
        assert "[keys] bookmark" in shown and "unknown binding id" in shown
