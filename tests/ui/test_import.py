"""Importing from the app: the dialog (i or the command palette), the worker, the result."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from test_app import (
    listed,
    paste_query,
    run,
    run_command,
    wait_for_results,
    wait_for_toast,
    wait_until,
)
from textual.widgets import Input, Label, RadioSet

from paperbrowse.core.index import PaperIndex
from paperbrowse.core.library import Library
from paperbrowse.core.locations import Locations
from paperbrowse.core.service import Corpus
from paperbrowse.ui.app import PaperBrowseApp
from paperbrowse.ui.importing import ImportScreen
from paperbrowse.ui.widgets import ResultList

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture
def app(locations: Locations, corpus: Corpus, library: Library, index: PaperIndex):
    return PaperBrowseApp(locations, corpus, library=library, index=index)


async def open_dialog(pilot, app) -> ImportScreen:
    await pilot.press("i")  # from the result list: i opens the dialog
    await wait_until(pilot, lambda: isinstance(app.screen, ImportScreen), "the import dialog")
    return app.screen


async def test_import_bibtex_from_the_dialog(app, library, monkeypatch):
    monkeypatch.chdir(FIXTURES)
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        app.screen.set_focus(app.query_one(ResultList))
        screen = await open_dialog(pilot, app)
        await pilot.click("#kind-bibtex")
        assert screen.kind == "bibtex"
        screen.query_one("#import-text", Input).value = "nope.bib"
        await pilot.press("enter")
        error = str(screen.query_one("#import-error", Label).render())
        assert "no such file" in error and "nope.bib" in error  # the dialog stays open
        assert app.screen is screen
        screen.query_one("#import-text", Input).value = "refs.bib"
        await pilot.press("enter")
        await wait_for_toast(pilot, "refs.bib: added 4, updated 1, skipped 0, errors 1")
        await wait_for_toast(pilot, "line 34, entry broken2019")
        assert library.stored_count() == 5
        await pilot.press("slash")
        await paste_query(pilot, "Matérn")
        await wait_until(
            pilot,
            lambda: any("Mat" in h.paper.title for h in listed(app.query_one(ResultList))),
            "the imported paper among the hits",
        )


async def test_import_from_the_palette_and_offline_error(app, monkeypatch):
    monkeypatch.setenv("PAPERBROWSE_ARXIV_URL", "http://127.0.0.1:9/api/query")
    from paperbrowse.core.sources import arxiv

    # the retries' back-off (2 + 4 + 8 s) without the waiting
    no_wait = functools.partial(arxiv.ArxivClient, sleep=lambda seconds: None)
    monkeypatch.setattr(arxiv, "ArxivClient", no_wait)
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        await run_command(pilot, "Import papers")
        await wait_until(pilot, lambda: isinstance(app.screen, ImportScreen), "the dialog")
        assert app.screen.query_one(RadioSet).pressed_button.name == "arxiv"
        app.screen.query_one("#import-text", Input).value = "2006.07733"
        await pilot.press("enter")
        await wait_for_toast(pilot, "Import failed")
        await wait_for_toast(pilot, "127.0.0.1:9")
        assert not app.query_one("#importing").display
