"""Issue 16, item 6 in the app: a busy service's retries show in the import label."""

from __future__ import annotations

import functools

import httpx
import pytest
from test_app import run, run_command, wait_for_results, wait_for_toast, wait_until
from textual.widgets import Input, Label

from paperbrowse.core.index import PaperIndex
from paperbrowse.core.library import Library
from paperbrowse.core.locations import Locations
from paperbrowse.core.service import Corpus
from paperbrowse.ui.app import PaperBrowseApp
from paperbrowse.ui.importing import ImportScreen


@pytest.fixture
def app(locations: Locations, corpus: Corpus, library: Library, index: PaperIndex):
    return PaperBrowseApp(locations, corpus, library=library, index=index)


async def test_the_import_label_says_when_it_retries(app, monkeypatch):
    from paperbrowse.core.sources import arxiv

    http = httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(503)))
    shown: list[str] = []

    def sleep(seconds: float) -> None:
        # the notice is on screen before the wait (call_from_thread returns when done)
        shown.append(str(app.query_one("#importing-label", Label).render()))

    made = functools.partial(arxiv.ArxivClient, http, sleep=sleep, retries=2, delay=0.0)
    monkeypatch.setattr(arxiv, "ArxivClient", made)
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        await run_command(pilot, "Import papers")
        await wait_until(pilot, lambda: isinstance(app.screen, ImportScreen), "the dialog")
        app.screen.query_one("#import-text", Input).value = "2006.07733"
        await pilot.press("enter")
        await wait_for_toast(pilot, "Import failed")
    assert shown == [
        "Importing arXiv: arXiv is busy (HTTP 503); retrying in 2 s (retry 1 of 2)…",
        "Importing arXiv: arXiv is busy (HTTP 503); retrying in 4 s (retry 2 of 2)…",
    ]
