"""The watches in the app (issue 19): the watches dialog (``w``) with the inbox and
each watch's unseen / total counts, a watch's papers in the result list (newest
first, the unseen ones marked ``new``), seen papers (the cursor resting, ``enter``,
``A`` for all; per paper, so across watches), and ``[app] inbox = true`` opening on
the inbox on the day's first start.

The data directory is filled as a user fills it: ``paperbrowse watch add`` twice,
then ``paperbrowse update`` against a local server replaying the recorded responses
of ``tests/fixtures/feed`` (:class:`tests.unit.test_watch_cli.Replay`): watch
``Diffusion`` gets 4 papers (arXiv and Hugging Face), watch ``Video`` 1, and that
one (``arxiv:2603.20002``, "Long Video Diffusion with Memory Tokens") is in both.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date
from http.server import ThreadingHTTPServer

import pytest
from click.testing import CliRunner
from textual.pilot import Pilot
from textual.widgets import OptionList, Static

from paperbrowse.cli import cli
from paperbrowse.config import Config, load_state
from paperbrowse.core.library import Library
from paperbrowse.core.locations import Locations
from paperbrowse.core.service import Corpus, open_index
from paperbrowse.core.watches import WatchStore
from paperbrowse.ui.app import PaperBrowseApp
from paperbrowse.ui.screens import watches_view
from paperbrowse.ui.screens.watches import WatchesScreen
from paperbrowse.ui.widgets import ResultList
from paperbrowse.ui.widgets.hit import UNSEEN_MARK
from tests.ui.test_snapshots import QUERY, show_query, wait_until
from tests.unit.test_watch_cli import Replay

SHARED = "arxiv:2603.20002"
SHARED_TITLE = "Long Video Diffusion with Memory Tokens"
#: Watch Diffusion's papers, newest first (by publication date).
DIFFUSION = [SHARED, "arxiv:2603.10003", "arxiv:2603.10002", "arxiv:2603.10001"]


@pytest.fixture
def seeded(locations: Locations, monkeypatch: pytest.MonkeyPatch) -> Iterator[Locations]:
    """The data directory after ``watch add`` ×2 and ``update`` on recorded responses."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Replay)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setenv("PAPERBROWSE_ARXIV_API_URL", f"{base}/api/query")
    monkeypatch.setenv("PAPERBROWSE_HF_API_URL", f"{base}/api/daily_papers")
    Replay.requests, Replay.down = [], set()
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(cli, ["--data-dir", str(locations.data_dir), *args])
        assert result.exit_code == 0, result.output
        return result.output

    try:
        run("watch", "add", "Diffusion", "diffusion", "--arxiv", "cat:cs.LG AND abs:diffusion")
        run("watch", "add", "Video", "video", "--hf")
        run("update", "--days", "1")
    finally:
        server.shutdown()
        server.server_close()
    yield locations


@pytest.fixture
def store(seeded: Locations) -> WatchStore:
    return WatchStore(Library(seeded.library_path))


@pytest.fixture
def slow_seen(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cursor must rest a minute for a paper to be seen: only keys mark them."""
    monkeypatch.setattr(watches_view, "SEEN_AFTER_SECONDS", 60.0)


def make_app(locations: Locations, corpus: Corpus, config: Config | None = None) -> PaperBrowseApp:
    index = open_index(locations, corpus).index
    return PaperBrowseApp(
        locations, corpus, library=Library(locations.library_path), index=index, config=config
    )


def dialog_lines(app: PaperBrowseApp) -> list[str]:
    """The watches dialog's options as plain text (white space collapsed)."""
    options = app.screen.query_one("#watches-options", OptionList)
    return [" ".join(str(o.prompt).split()) for o in options.options]


async def open_watches(pilot: Pilot) -> list[str]:
    """Press ``w`` and wait for the dialog; its option lines."""
    app = pilot.app
    assert isinstance(app, PaperBrowseApp)
    await pilot.press("w")
    await wait_until(pilot, lambda: isinstance(app.screen, WatchesScreen), "the watches dialog")
    return dialog_lines(app)


async def choose(pilot: Pilot, option_id: str) -> None:
    """Choose ``option_id`` in the open watches dialog; wait for its listing."""
    app = pilot.app
    assert isinstance(app, PaperBrowseApp)
    options = app.screen.query_one("#watches-options", OptionList)
    options.highlighted = options.get_option_index(option_id)
    await pilot.press("enter")
    await wait_until(
        pilot, lambda: app.screen is app.main and app.main.view == "watch", "the watch view"
    )
    await pilot.pause(0.05)


def listed(app: PaperBrowseApp) -> list[tuple[str, bool]]:
    """(paper id, drawn with the unseen mark) of each hit of the result list."""
    result_list = app.main.query_one(ResultList)
    rows = []
    for i in range(result_list.total):
        hit = result_list.hit_at(i)
        assert hit is not None
        rows.append((hit.paper.id, result_list.hit_text(i)[0].startswith(UNSEEN_MARK)))
    return rows


def status(app: PaperBrowseApp) -> str:
    return str(app.main.query_one("#status", Static).render())


async def test_inbox_counts_mark_all_seen_and_seen_across_watches(
    seeded: Locations, store: WatchStore, corpus: Corpus, slow_seen: None
) -> None:
    assert [(w.name, w.unseen, w.total) for w in store.list()] == [
        ("Diffusion", 4, 4),
        ("Video", 1, 1),
    ]
    app = make_app(seeded, corpus)
    async with app.run_test(size=(80, 24)) as pilot:
        await show_query(pilot, QUERY)
        lines = await open_watches(pilot)
        # the shared paper counts once in the inbox
        assert lines == [
            "Inbox 4 unseen",
            "Diffusion 4 unseen of 4",
            "Video 1 unseen of 1",
        ]
        await choose(pilot, "watch:Diffusion")
        assert listed(app) == [(paper_id, True) for paper_id in DIFFUSION]
        assert app.main.query_one(ResultList).border_title == "Watch Diffusion"
        assert "Watch Diffusion: 4 new of 4 papers" in status(app)
        assert "Diffusion 4/4 · Video 1/1" in str(app.main.query_one("#facets", Static).render())
        # the detail pane shows the paper under the cursor, as for a search hit
        assert SHARED_TITLE in str(app.main.query_one("#detail-title", Static).render())

        # the Video watch: its one paper, unseen; A marks it seen
        lines = await open_watches(pilot)
        await choose(pilot, "watch:Video")
        assert listed(app) == [(SHARED, True)]
        await pilot.press("A")
        await wait_until(pilot, lambda: listed(app) == [(SHARED, False)], "the mark cleared")
        assert "Watch Video: 0 new of 1 paper" in status(app)
        assert store.is_seen(SHARED)

        # seen per paper: the shared paper is seen in Diffusion too, and the counts say so
        lines = await open_watches(pilot)
        assert lines == [
            "Inbox 3 unseen",
            "Diffusion 3 unseen of 4",
            "Video 0 unseen of 1",
        ]
        await choose(pilot, "watch:Diffusion")
        assert listed(app) == [(SHARED, False)] + [(p, True) for p in DIFFUSION[1:]]
        await pilot.press("A")
        await wait_until(pilot, lambda: not any(new for _, new in listed(app)), "all seen")
        assert [(w.name, w.unseen) for w in store.list()] == [("Diffusion", 0), ("Video", 0)]
        assert await open_watches(pilot) == [
            "Inbox 0 unseen",
            "Diffusion 0 unseen of 4",
            "Video 0 unseen of 1",
        ]
        await pilot.press("escape")  # closes the dialog
        await wait_until(pilot, lambda: app.screen is app.main, "the dialog closed")
        assert app.main.view == "watch"
        await pilot.press("escape")  # back to the search results
        await wait_until(
            pilot,
            lambda: (
                app.main.view == "search"
                and app.main.query_one(ResultList).border_title == "Results"
            ),
            "the search results",
        )
        assert not app.main.query_one(ResultList).unseen


async def test_the_inbox_lists_each_unseen_paper_once_and_enter_marks_it_seen(
    seeded: Locations, store: WatchStore, corpus: Corpus, slow_seen: None
) -> None:
    app = make_app(seeded, corpus)
    async with app.run_test(size=(80, 24)) as pilot:
        await show_query(pilot, QUERY)
        await open_watches(pilot)
        await choose(pilot, "inbox")
        assert listed(app) == [(paper_id, True) for paper_id in DIFFUSION]
        result_list = app.main.query_one(ResultList)
        # the inbox says which watches hold each paper
        assert "[Diffusion, Video]" in " ".join(result_list.hit_text(0))
        assert result_list.border_title == "Inbox: unseen papers"
        # moving over papers does not mark them; enter (reading one) does, at once
        await pilot.press("j", "j")
        await pilot.pause(0.1)
        assert not any(store.is_seen(p) for p in DIFFUSION)
        await pilot.press("enter")
        await wait_until(pilot, lambda: store.is_seen(DIFFUSION[2]), "the paper read seen")
        assert [store.is_seen(p) for p in DIFFUSION] == [False, False, True, False]
        assert listed(app)[2] == (DIFFUSION[2], False)
        assert "Inbox: 3 new of 4 papers" in status(app)


async def test_the_cursor_resting_on_a_paper_marks_it_seen(
    seeded: Locations, store: WatchStore, corpus: Corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(watches_view, "SEEN_AFTER_SECONDS", 0.2)
    app = make_app(seeded, corpus)
    async with app.run_test(size=(80, 24)) as pilot:
        await show_query(pilot, QUERY)
        await open_watches(pilot)
        await choose(pilot, "watch:Diffusion")
        await wait_until(pilot, lambda: store.is_seen(DIFFUSION[0]), "the first paper seen")
        await wait_until(pilot, lambda: not listed(app)[0][1], "its mark cleared")
        await pilot.pause(0.4)
        assert [store.is_seen(p) for p in DIFFUSION] == [True, False, False, False]
        await pilot.press("j")
        await wait_until(pilot, lambda: store.is_seen(DIFFUSION[1]), "the second paper seen")


async def test_mark_all_seen_outside_a_watch_view_marks_nothing(
    seeded: Locations, store: WatchStore, corpus: Corpus
) -> None:
    app = make_app(seeded, corpus)
    async with app.run_test(size=(80, 24)) as pilot:
        await show_query(pilot, QUERY)
        await pilot.press("A")
        await pilot.pause(0.1)
        assert app.main.view == "search"
        assert [w.unseen for w in store.list()] == [4, 1]
        assert any("w lists the watches" in n.message for n in app._notifications)


async def test_config_inbox_opens_on_the_inbox_once_a_day(
    seeded: Locations, store: WatchStore, corpus: Corpus, slow_seen: None
) -> None:
    config = Config(inbox=True)
    app = make_app(seeded, corpus, config)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(
            pilot, lambda: app.main.view == "watch" and listed(app), "the inbox at start"
        )
        assert app.main.watch_shown is None
        # the list has the focus: j moves the cursor (it is not typed in the search bar)
        assert isinstance(app.focused, ResultList)
        await pilot.press("j")
        await wait_until(
            pilot, lambda: app.main.query_one(ResultList).highlighted == 1, "the cursor moved"
        )
        assert app.main.view == "watch"
        assert [p for p, new in listed(app) if new] == DIFFUSION
        assert "Inbox: 4 new of 4 papers" in status(app)
    assert load_state(seeded.data_dir)["inbox_shown"] == date.today().isoformat()

    # the second start of the day opens on the search, as without the option
    again = make_app(seeded, corpus, config)
    async with again.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: again.main.results is not None, "the first listing")
        await pilot.pause(0.2)
        assert again.main.view == "search"


async def test_config_inbox_without_unseen_papers_opens_on_the_search(
    seeded: Locations, store: WatchStore, corpus: Corpus
) -> None:
    store.mark_all_seen("Diffusion")
    store.mark_all_seen("Video")
    app = make_app(seeded, corpus, Config(inbox=True))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.main.results is not None, "the first listing")
        await pilot.pause(0.2)
        assert app.main.view == "search"
    # not remembered: papers coming later that day still open the inbox
    assert "inbox_shown" not in load_state(seeded.data_dir)


def test_watches_dialog_snapshot(snap_compare, seeded: Locations, corpus: Corpus) -> None:
    """The watches dialog at 80×24: the inbox, then each watch's unseen of total."""
    app = make_app(seeded, corpus)

    async def run_before(pilot: Pilot) -> None:
        await show_query(pilot, QUERY)
        await open_watches(pilot)
        await pilot.pause(0.1)
        app.clear_notifications()
        await pilot.pause(0.1)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


async def test_the_watch_view_names_the_users_keys(
    seeded: Locations, corpus: Corpus, slow_seen: None
) -> None:
    config = Config(keys={"watches": "W", "mark_all_seen": "ctrl+a"})
    app = make_app(seeded, corpus, config)
    async with app.run_test(size=(80, 24)) as pilot:
        await show_query(pilot, QUERY)
        await pilot.press("W")
        await wait_until(pilot, lambda: isinstance(app.screen, WatchesScreen), "the dialog")
        await choose(pilot, "watch:Video")
        assert "ctrl+a: all seen · W: watches" in status(app)
        await pilot.press("ctrl+a")
        await wait_until(pilot, lambda: listed(app) == [(SHARED, False)], "the mark cleared")
