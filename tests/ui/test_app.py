"""Drive the paperbrowse Textual app the way a user does, and check what is on screen.

Covers: the start-up listing, searching and highlights, keyboard navigation and focus,
bookmarks (toggle, persistence, the bookmarks view), reading-list export (Markdown,
BibTeX, cancel, nothing to export), the help screen, sort cycling, malformed queries,
the first-run index build, paging (the virtual list fetches the pages it shows), the
command palette and a small 80x24 terminal. ``tests/ui/test_virtual_list.py`` drives the
list over 100,000 synthetic hits.

Every app runs headless over the per-test data directory of ``tests/conftest.py``.
Searches and result pages run in thread workers, so tests poll for the state they
expect with :func:`wait_until` instead of sleeping.
"""

from __future__ import annotations

import io
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import bibtexparser
import pytest
from rich.console import Console
from rich.text import Text
from textual import events
from textual.command import CommandList, CommandPalette
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Input, OptionList, ProgressBar, RadioButton, RadioSet, Static

from paperbrowse.core.index import PaperIndex
from paperbrowse.core.library import Library
from paperbrowse.core.locations import Locations
from paperbrowse.core.models import Filters, Hit, Results
from paperbrowse.core.service import Corpus
from paperbrowse.ui.app import PaperBrowseApp
from paperbrowse.ui.paging import PAGE_SIZE
from paperbrowse.ui.screens import ExportScreen, FilterScreen, HelpScreen
from paperbrowse.ui.widgets import (
    BOOKMARK_MARK,
    PREFETCH_HITS,
    ROWS_PER_HIT,
    DetailPane,
    ResultList,
    SearchBar,
)

SIZE = (120, 40)
TOTAL_PAPERS = 379
QUERY = "latent diffusion"
#: A query whose hits fit in the first page (fewer than PAGE_SIZE).
ONE_PAGE_QUERY = 'title:"latent diffusion"'


# ------------------------------------------------------------------- helpers
async def wait_until(
    pilot: Pilot, condition: Callable[[], bool], what: str, timeout: float = 5.0
) -> None:
    """Let the app run until ``condition()`` holds; fail naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        await pilot.pause(0.05)


async def wait_for_results(
    pilot: Pilot, query: str, *, sort: str | None = None, timeout: float = 5.0
) -> Results:
    """Wait until the app shows the results of ``query`` (in ``sort`` order, if given)."""
    app = pilot.app
    assert isinstance(app, PaperBrowseApp)

    def arrived() -> bool:
        r = app.main.results
        return r is not None and r.query == query and (sort is None or r.sort == sort)

    await wait_until(pilot, arrived, f"the results of {query!r}", timeout)
    assert app.main.results is not None
    return app.main.results


async def type_query(pilot: Pilot, query: str) -> Results:
    """Type ``query`` into the (focused) search bar, key by key, and wait for its results."""
    await pilot.press(*query)
    return await wait_for_results(pilot, query)


async def paste_query(pilot: Pilot, query: str) -> Results:
    """Paste ``query`` into the (focused) search bar and wait for its results.

    A terminal delivers a paste as one ``Paste`` event: one search instead of one per
    key, which keeps the tests that only need some results fast.
    """
    assert isinstance(pilot.app.focused, SearchBar)
    pilot.app.post_message(events.Paste(query))
    return await wait_for_results(pilot, query)


def run(app: PaperBrowseApp, size: tuple[int, int] = SIZE):
    """``app.run_test`` with notifications on (``run_test`` hides toasts by default)."""
    return app.run_test(size=size, notifications=True)


def status(app: PaperBrowseApp) -> str:
    return str(app.query_one("#status", Static).render())


def assert_counts_bookmarks(text: str, count: int) -> None:
    """``text`` says there are ``count`` bookmarked papers (wording may vary)."""
    assert re.search(rf"(?<!\d){count}(?!\d)", text), f"{count} not in {text!r}"
    assert "bookmark" in text.lower() and "paper" in text, text


def detail(app: PaperBrowseApp, part: str) -> str:
    """Plain text of the detail pane's ``#detail-<part>`` Static (title, meta, abstract)."""
    widget = app.query_one(f"#detail-{part}", Static)
    content = widget.content
    if isinstance(content, Text):
        return content.plain
    if isinstance(content, str):
        return content
    # a Rich renderable such as the metadata table: render it as the pane would,
    # without depending on whether the widget has been laid out yet
    console = Console(width=max(widget.size.width, 60), record=True, file=io.StringIO())
    console.print(content)
    return console.export_text()


def rendered_text(widget: Widget) -> str:
    """The text a widget draws on screen, line by line."""
    region = Region(0, 0, widget.size.width, widget.size.height)
    return "\n".join(strip.text for strip in widget.render_lines(region))


def prompt_text(results: ResultList, index: int) -> str:
    """The text hit ``index`` is drawn with in the list, its lines joined by spaces."""
    return " ".join(line for line in results.hit_text(index) if line)


def listed(results: ResultList, count: int | None = None) -> list[Hit]:
    """The hits the list holds from the top, in order, up to ``count``: every hit of a
    list shown from memory (bookmarks, similar papers), the pages fetched from the first
    on for a search."""
    hits: list[Hit] = []
    for index in range(results.total if count is None else min(count, results.total)):
        hit = results.hit_at(index)
        if hit is None:
            break
        hits.append(hit)
    return hits


def shown_search(app: PaperBrowseApp) -> bool:
    """The result list shows the app's search results (not bookmarks or similar papers)."""
    source = app.query_one(ResultList).source
    return getattr(source, "results", None) is app.main.results and app.main.view == "search"


def reversed_words(results: ResultList, index: int) -> set[str]:
    """Lower-cased words drawn in reverse video (the matches) in hit ``index``'s rows on
    screen (the hit must be scrolled into view)."""
    top = index * ROWS_PER_HIT - results.scroll_offset.y
    words: set[str] = set()
    for y in range(top, top + ROWS_PER_HIT - 1):
        for segment in results.render_line(y):
            if segment.style is not None and segment.style.reverse:
                words.update(segment.text.lower().split())
    return words


def toasts(app: PaperBrowseApp) -> list[str]:
    """Texts of the notifications on screen."""
    return [str(toast.render()) for toast in app.screen.query("Toast")]


async def wait_for_toast(pilot: Pilot, needle: str) -> None:
    app = pilot.app
    assert isinstance(app, PaperBrowseApp)
    await wait_until(
        pilot,
        lambda: any(needle in t for t in toasts(app)),
        f"a notification containing {needle!r} (on screen: {toasts(app)})",
    )


def is_visible(widget: Widget, size: tuple[int, int]) -> bool:
    """Displayed, with a non-empty region that lies inside the terminal."""
    r = widget.region
    width, height = size
    return (
        widget.display
        and r.width > 0
        and r.height > 0
        and r.x >= 0
        and r.y >= 0
        and r.right <= width
        and r.bottom <= height
    )


@pytest.fixture
def app(
    locations: Locations, corpus: Corpus, library: Library, index: PaperIndex
) -> PaperBrowseApp:
    return PaperBrowseApp(locations, corpus, library=library, index=index)


# ------------------------------------------------------------- 1. start-up
async def test_start_lists_every_paper_newest_first(app: PaperBrowseApp, index: PaperIndex) -> None:
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        results = app.query_one(ResultList)

        assert status(app).startswith(f"{TOTAL_PAPERS} papers · sorted by newest first")
        assert app.sub_title == f"{TOTAL_PAPERS} papers"
        # every paper has its rows (the scroll bar's extent), one page is fetched
        assert results.total == TOTAL_PAPERS
        assert results.virtual_size.height == TOTAL_PAPERS * ROWS_PER_HIT - 1
        assert results.held_pages == [0]
        assert results.pages_fetched == []  # the first page came with the search
        assert results.border_subtitle == f"1 of {TOTAL_PAPERS}"

        hits = listed(results)
        assert len(hits) == PAGE_SIZE
        newest = max(p.published for p in index.all_papers() if p.published)
        assert hits[0].paper.published == newest
        dates = [h.paper.published for h in hits if h.paper.published]
        assert dates == sorted(dates, reverse=True)

        first = hits[0].paper
        assert first.title[:20] in rendered_text(results).split("\n")[1]  # under the border
        assert results.highlighted == 0
        assert detail(app, "title") == first.title
        assert first.abstract[:80] in detail(app, "abstract")
        assert first.id in detail(app, "meta")
        assert isinstance(app.focused, SearchBar)
        assert not app.query_one("#building").display


@dataclass(frozen=True)
class SearchCall:
    """One call of :meth:`MainScreen.run_search`, as recorded by :func:`record_searches`."""

    text: str
    sort: str


def record_searches(app: PaperBrowseApp) -> list[SearchCall]:
    """Record every search the app starts (then start it as the app asked)."""
    calls: list[SearchCall] = []
    start = app.main.run_search

    def spy(text: str, sort: str, *args, **kwargs):
        calls.append(SearchCall(text, sort))
        return start(text, sort, *args, **kwargs)

    app.main.run_search = spy  # type: ignore[method-assign]
    return calls


async def test_the_objects_of_the_opened_app_are_frozen_once(
    app: PaperBrowseApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once its index is open, what the app holds leaves the garbage
    collector's generations (full collections walked it on keystrokes), and
    only once a process: frozen objects are never collected."""
    import gc

    from paperbrowse.ui.screens import main as main_screen

    frozen = []
    monkeypatch.setattr(main_screen, "_frozen", False)
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(gc.get_freeze_count()))
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        assert len(frozen) == 1
        app.screen.index_opened()  # the index opened again (a rebuild)
        await wait_for_results(pilot, "")
        assert len(frozen) == 1


async def test_the_first_listing_a_sort_change_and_a_view_switch_each_search_once(
    locations: Locations, corpus: Corpus, library: Library
) -> None:
    """The app opens the index itself, as ``paperbrowse`` does, and lists every paper;
    each sort change and the return from the bookmarks view run one search."""
    app = PaperBrowseApp(locations, corpus, library=library)
    calls = record_searches(app)
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        assert calls == [SearchCall("", "relevance")]

        await pilot.press("down", "s", "s")  # from the list: s cycles the sort order
        await wait_for_results(pilot, "", sort="upvotes")
        shown = app.main.results
        await pilot.press("B")
        assert app.main.view == "bookmarks"
        await pilot.press("B")  # back to the search: it runs again
        await wait_until(pilot, lambda: app.main.results is not shown, "the search after B")
        assert app.main.view == "search" and app.main.results is not None
        assert app.main.results.query == "" and app.main.results.sort == "upvotes"

        assert [c.sort for c in calls] == ["relevance", "date", "upvotes", "upvotes"]


async def test_typing_in_the_bookmarks_view_searches_once(app: PaperBrowseApp) -> None:
    """Typing leaves the bookmarks view for the search view with one search, that of
    the query typed: no search of the old query on the way."""
    calls = record_searches(app)
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        await pilot.press("down", "B")
        assert app.main.view == "bookmarks"
        await pilot.press("slash")
        await paste_query(pilot, QUERY)
        assert app.main.view == "search"
        assert app.query_one(ResultList).border_title == "Results"
        assert calls == [SearchCall("", "relevance"), SearchCall(QUERY, "relevance")]


async def test_keys_typed_while_a_search_runs_wait_for_it_and_collapse(
    app: PaperBrowseApp, index: PaperIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Typing is not debounced: a key searches at once when no search runs. Keys typed
    while one runs wait for it to end, and then only the latest of them searches: the
    search of "l" (held up here) runs, "a" and "t" come meanwhile, "lat" runs next.
    One search at a time reaches the engine, and the late answer for "l" never
    replaces the results of "lat" (typing order)."""
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        searched: list[str] = []
        running: list[str] = []
        at_once: list[int] = []
        release = threading.Event()
        search = index.search

        def slow_search(text: str, **kwargs) -> Results:
            searched.append(text)
            running.append(text)
            at_once.append(len(running))
            try:
                if text == "l":
                    release.wait(10)
                return search(text, **kwargs)
            finally:
                running.remove(text)

        monkeypatch.setattr(index, "search", slow_search)
        await pilot.press("l")
        await wait_until(pilot, lambda: searched == ["l"], "the search of 'l' to start")
        await pilot.press("a", "t")
        await pilot.pause(0.3)
        assert searched == ["l"]  # "la" and "lat" wait for it; "lat" replaced "la"
        release.set()
        await wait_for_results(pilot, "lat")
        await app.workers.wait_for_complete()
        assert searched == ["l", "lat"]
        assert max(at_once) == 1
        assert app.main.results is not None and app.main.results.query == "lat"
        assert status(app).startswith(f"{app.main.results.total} hits")


# --------------------------------------------------------------- 2. search
async def test_typing_a_query_shows_highlighted_hits(
    app: PaperBrowseApp, index: PaperIndex
) -> None:
    expected = index.search(QUERY)
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        await type_query(pilot, QUERY)
        results = app.query_one(ResultList)

        assert status(app).startswith(f"{expected.total} hits")
        assert "sorted by relevance" in status(app)
        assert expected.total > PAGE_SIZE  # more than a page: the first is held
        assert results.total == expected.total and results.held_pages == [0]
        hits = listed(results)
        assert [h.paper.id for h in hits] == [h.paper.id for h in expected.hits[:PAGE_SIZE]]

        top = hits[0]
        assert "latent" in top.paper.title.lower() and "diffusion" in top.paper.title.lower()
        matched = {text.lower() for text, is_match in top.title if is_match}
        assert {"latent", "diffusion"} <= matched
        unmatched = " ".join(text.lower() for text, is_match in top.title if not is_match)
        assert "latent" not in unmatched.split() and "diffusion" not in unmatched.split()

        # the list draws the matched words in reverse video
        assert {"latent", "diffusion"} <= reversed_words(results, 0)

        # the detail pane shows the whole abstract, with the query terms marked
        assert detail(app, "title") == top.paper.title
        assert detail(app, "abstract") == top.paper.abstract
        abstract = app.query_one("#detail-abstract", Static).content
        assert isinstance(abstract, Text)
        marked = {abstract.plain[s.start : s.end].lower() for s in abstract.spans if s.style}
        assert marked & {"latent", "diffusion"}


async def test_a_query_without_hits_empties_the_list(app: PaperBrowseApp) -> None:
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        await paste_query(pilot, "zzzyqx")
        assert status(app).startswith("0 hits")
        results = app.query_one(ResultList)
        assert results.total == 0 and results.highlighted is None
        inside = rendered_text(results).split("\n")[1:-1]  # within the border
        assert not re.search(r"\w", "".join(inside))
        assert detail(app, "title") == "No paper selected"
        await pilot.press("down", "b")
        assert len(app.library) == 0
        await wait_for_toast(pilot, "No paper selected")


# ----------------------------------------------------------- 3. navigation
async def test_keyboard_navigation_moves_highlight_and_focus(app: PaperBrowseApp) -> None:
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        shown = await paste_query(pilot, ONE_PAGE_QUERY)
        assert 3 <= shown.total < PAGE_SIZE, "the query should fit in one page for G to be exact"
        results = app.query_one(ResultList)
        hits = listed(results)
        assert len(hits) == shown.total

        def at(index: int) -> None:
            assert results.highlighted == index
            assert detail(app, "title") == hits[index].paper.title

        await pilot.press("down")
        assert app.focused is results
        at(0)
        await pilot.press("j")
        at(1)
        await pilot.press("j")
        at(2)
        await pilot.press("k")
        at(1)
        await pilot.press("down")
        at(2)
        await pilot.press("up", "up")
        at(0)
        await pilot.press("G")
        at(len(hits) - 1)
        await pilot.press("g")
        at(0)
        await pilot.press("end")
        at(len(hits) - 1)
        await pilot.press("home")
        at(0)

        # tab cycles search bar -> results -> detail pane -> search bar
        await pilot.press("tab")
        assert isinstance(app.focused, DetailPane)
        await pilot.press("tab")
        assert isinstance(app.focused, SearchBar)
        await pilot.press("tab")
        assert app.focused is results
        await pilot.press("shift+tab")
        assert isinstance(app.focused, SearchBar)
        await pilot.press("shift+tab")
        assert isinstance(app.focused, DetailPane)

        # "/" and esc go back to the search bar without typing into it
        await pilot.press("slash")
        assert isinstance(app.focused, SearchBar)
        assert app.query_one(SearchBar).value == ONE_PAGE_QUERY
        await pilot.press("enter")  # enter in the search bar goes to the results too
        assert app.focused is results
        await pilot.press("j", "enter")  # enter on a result: read it in the detail pane
        assert isinstance(app.focused, DetailPane)
        assert detail(app, "title") == hits[1].paper.title
        await pilot.press("escape")
        assert isinstance(app.focused, SearchBar)
        assert app.query_one(SearchBar).value == ONE_PAGE_QUERY


# ------------------------------------------------------------ 4. bookmarks
async def test_b_toggles_the_bookmark_of_the_highlighted_paper(app: PaperBrowseApp) -> None:
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        await paste_query(pilot, QUERY)
        results = app.query_one(ResultList)
        await pilot.press("down", "j", "b")
        paper = listed(results)[1].paper

        assert paper.id in app.library
        assert len(app.library) == 1
        assert prompt_text(results, 1).startswith(BOOKMARK_MARK + paper.title)
        assert not prompt_text(results, 0).startswith(BOOKMARK_MARK)
        assert detail(app, "title") == BOOKMARK_MARK + paper.title
        await wait_for_toast(pilot, f"Bookmarked {paper.title}")

        await pilot.press("b")
        assert paper.id not in app.library
        assert len(app.library) == 0
        assert prompt_text(results, 1).startswith(paper.title)
        assert detail(app, "title") == paper.title
        await wait_for_toast(pilot, "Removed bookmark")


async def test_bookmarks_persist_and_show_in_the_bookmarks_view(
    locations: Locations, corpus: Corpus, library: Library, index: PaperIndex
) -> None:
    first_app = PaperBrowseApp(locations, corpus, library=library, index=index)
    async with run(first_app) as pilot:
        await wait_for_results(pilot, "")
        await paste_query(pilot, QUERY)
        hits = listed(first_app.query_one(ResultList))
        marked = [hits[0].paper, hits[2].paper]
        await pilot.press("down", "b", "j", "j", "b")
        assert first_app.library.ids() == {p.id for p in marked}

    # a new app, with the library reopened from disk
    app = PaperBrowseApp(locations, corpus, library=Library(locations.library_path), index=index)
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        results = app.query_one(ResultList)
        assert app.main.bookmarked == {p.id for p in marked}

        await pilot.press("down", "B")
        assert app.main.view == "bookmarks"
        assert_counts_bookmarks(status(app), 2)
        assert results.border_title == "Bookmarks"
        assert results.total == 2
        assert [h.paper.id for h in listed(results)] == [p.id for p in marked]  # order added
        assert all(prompt_text(results, i).startswith(BOOKMARK_MARK) for i in range(2))
        assert detail(app, "title") == BOOKMARK_MARK + marked[0].title

        await pilot.press("escape")
        await wait_for_results(pilot, "")
        await wait_until(pilot, lambda: shown_search(app), "the search results")
        assert results.total == TOTAL_PAPERS
        assert app.main.view == "search"
        assert results.border_title == "Results"
        assert status(app).startswith(f"{TOTAL_PAPERS} papers")

        await pilot.press("B")
        assert app.main.view == "bookmarks"
        assert results.total == 2
        await pilot.press("B")
        assert app.main.view == "search"
        await wait_until(pilot, lambda: shown_search(app), "the search results")
        assert results.total == TOTAL_PAPERS
        assert status(app).startswith(f"{TOTAL_PAPERS} papers")


async def test_unbookmarking_in_the_bookmarks_view_updates_the_count(
    app: PaperBrowseApp, index: PaperIndex
) -> None:
    papers = index.search(QUERY).hits
    app.library.add(papers[0].paper)
    app.library.add(papers[1].paper)
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        await pilot.press("down", "B")
        assert_counts_bookmarks(status(app), 2)
        await pilot.press("b")
        assert papers[0].paper.id not in app.library
        assert_counts_bookmarks(status(app), 1)
        assert not prompt_text(app.query_one(ResultList), 0).startswith(BOOKMARK_MARK)


# --------------------------------------------------------------- 5. export
async def open_export(pilot: Pilot) -> ExportScreen:
    await pilot.press("e")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, ExportScreen), "the dialog")
    screen = pilot.app.screen
    assert isinstance(screen, ExportScreen)
    return screen


async def bookmark_top_hits(pilot: Pilot, count: int) -> list[str]:
    """Search, bookmark the first ``count`` hits with b, return their titles."""
    app = pilot.app
    assert isinstance(app, PaperBrowseApp)
    await paste_query(pilot, QUERY)
    await pilot.press("down")
    for _ in range(count):
        await pilot.press("b", "j")
    return [h.paper.title for h in listed(app.query_one(ResultList), count)]


async def test_export_markdown_by_default(app: PaperBrowseApp, tmp_path: Path) -> None:
    target = tmp_path / "out" / "reading-list.md"
    target.parent.mkdir()
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        titles = await bookmark_top_hits(pilot, 2)
        dialog = await open_export(pilot)

        heading = str(dialog.query_one("#export-title", Static).render())
        assert "Export" in heading and re.search(r"\b2 (bookmarked )?papers\b", heading), heading
        path_input = dialog.query_one("#export-path", Input)
        # the focus starts on the formats; enter there exports
        assert dialog.focused is dialog.query_one("#export-format", RadioSet)
        assert path_input.value.endswith("reading-list.md")
        pressed = dialog.query_one("#export-format", RadioSet).pressed_button
        assert pressed is not None and pressed.name == "md"

        path_input.value = str(target)
        await pilot.press("enter")
        await wait_until(pilot, target.exists, f"{target} to be written")
        assert not isinstance(app.screen, ExportScreen)
        await wait_for_toast(pilot, f"Wrote 2 papers to {target}")

    text = target.read_text(encoding="utf-8")
    for title in titles:
        assert title in text
    assert text.index(titles[0]) < text.index(titles[1])


async def test_export_bibtex_chosen_with_the_keyboard(app: PaperBrowseApp, tmp_path: Path) -> None:
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        [title] = await bookmark_top_hits(pilot, 1)
        paper = app.library.bookmarks()[0].paper
        dialog = await open_export(pilot)
        path_input = dialog.query_one("#export-path", Input)
        path_input.value = str(tmp_path / "papers.md")

        # the focus starts on the formats (a grid: Markdown BibTeX CSV / JSON CSL-JSON
        # RIS): the arrows choose at once, tab goes to the path, enter exports
        radio = dialog.query_one("#export-format", RadioSet)
        assert dialog.focused is radio
        await pilot.press("down")
        await wait_until(pilot, lambda: dialog.fmt == "json", "JSON (a row down) to be chosen")
        await pilot.press("up", "right")
        await wait_until(pilot, lambda: dialog.fmt == "bibtex", "BibTeX to be chosen")
        assert radio.pressed_button is not None and radio.pressed_button.name == "bibtex"
        assert path_input.value == str(tmp_path / "papers.bib")  # the extension follows
        await pilot.press("tab")
        assert dialog.focused is path_input
        await pilot.press("enter")

        target = tmp_path / "papers.bib"
        await wait_until(pilot, target.exists, f"{target} to be written")
        assert app.main.export_format == "bibtex"

        # the next export dialog remembers the format
        dialog = await open_export(pilot)
        assert dialog.query_one("#export-path", Input).value.endswith(".bib")
        await pilot.press("escape")

    parsed = bibtexparser.parse_string(target.read_text(encoding="utf-8"))
    assert not parsed.failed_blocks
    [entry] = parsed.entries
    assert entry.entry_type == "misc"
    assert entry["title"].strip("{}") == title
    assert paper.abstract[:40] in entry["abstract"] or not paper.abstract
    if paper.year:
        assert entry["year"] == str(paper.year)


async def test_export_format_chosen_with_the_mouse(app: PaperBrowseApp, tmp_path: Path) -> None:
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        [title] = await bookmark_top_hits(pilot, 1)
        dialog = await open_export(pilot)
        dialog.query_one("#export-path", Input).value = str(tmp_path / "list.md")
        [json_button] = [b for b in dialog.query(RadioButton) if b.name == "json"]
        await pilot.click(json_button)
        await wait_until(pilot, lambda: dialog.fmt == "json", "JSON to be chosen")
        await pilot.click("#export-ok")
        target = tmp_path / "list.json"
        await wait_until(pilot, target.exists, f"{target} to be written")
    assert title in target.read_text(encoding="utf-8")


async def test_escape_cancels_the_export(app: PaperBrowseApp, tmp_path: Path) -> None:
    target = tmp_path / "never.md"
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        await bookmark_top_hits(pilot, 1)
        dialog = await open_export(pilot)
        dialog.query_one("#export-path", Input).value = str(target)
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, ExportScreen), "dialog closed")

        dialog = await open_export(pilot)
        dialog.query_one("#export-path", Input).value = str(target)
        await pilot.click("#export-cancel")
        await wait_until(pilot, lambda: not isinstance(app.screen, ExportScreen), "dialog closed")
        await pilot.pause(0.1)
        assert not any("exported" in t for t in toasts(app))
    assert not target.exists()
    assert list(tmp_path.glob("*.md")) == []


async def test_export_with_an_empty_path_keeps_the_dialog_open(
    app: PaperBrowseApp, tmp_path: Path
) -> None:
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        await bookmark_top_hits(pilot, 1)
        dialog = await open_export(pilot)
        dialog.query_one("#export-path", Input).value = "   "
        await pilot.press("enter")
        await wait_for_toast(pilot, "Give a file name")
        assert app.screen is dialog


async def test_export_without_bookmarks_only_warns(app: PaperBrowseApp) -> None:
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        await pilot.press("down", "B")  # the bookmarks view: no results to offer instead
        await wait_until(pilot, lambda: app.main.view == "bookmarks", "the bookmarks view")
        await pilot.press("e")
        await wait_for_toast(pilot, "No bookmarks to export yet")
        assert len(app.screen_stack) == 1
        assert len(app.screen.query("Toast.-warning")) == 1


# ----------------------------------------------------------------- 6. help
async def test_question_mark_shows_keys_and_query_syntax(app: PaperBrowseApp) -> None:
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        await pilot.press("down", "question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), "the help screen")
        keys = rendered_text(app.screen.query_one("#help-keys"))
        syntax = rendered_text(app.screen.query_one("#help-syntax"))
        for needle in ("Bookmark", "Export", "Cycle sort", "ctrl+p", "Quit"):
            assert needle in keys
        for needle in ("year:[2020 TO 2023]", 'title:"latent diffusion"', "difusion~"):
            assert needle in syntax

        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, HelpScreen), "help closed")
        assert app.is_running
        assert app.focused is app.query_one(ResultList)

        # "?" closes it too; "b" under the help must not bookmark the hidden paper
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), "the help screen")
        await pilot.press("b")
        assert len(app.library) == 0
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: not isinstance(app.screen, HelpScreen), "help closed")


# ----------------------------------------------------------------- 7. sort
async def test_s_cycles_the_sort_order(app: PaperBrowseApp, index: PaperIndex) -> None:
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        await paste_query(pilot, QUERY)
        results = app.query_one(ResultList)
        await pilot.press("down")

        await pilot.press("s")
        await wait_for_results(pilot, QUERY, sort="date")
        assert "sorted by newest first" in status(app)
        dates = [h.paper.published for h in listed(results) if h.paper.published]
        assert dates == sorted(dates, reverse=True)
        await wait_for_toast(pilot, "Sorted by newest first")

        await pilot.press("s")
        await wait_for_results(pilot, QUERY, sort="upvotes")
        assert "sorted by most upvoted" in status(app)
        upvotes = [h.paper.upvotes for h in listed(results) if h.paper.upvotes is not None]
        assert upvotes == sorted(upvotes, reverse=True)
        assert listed(results)[0].paper.upvotes == max(upvotes)

        await pilot.press("s")
        await wait_for_results(pilot, QUERY, sort="relevance")
        assert "sorted by relevance" in status(app)
        ranked = index.search(QUERY, limit=PAGE_SIZE).hits
        assert [h.paper.id for h in listed(results)] == [h.paper.id for h in ranked]


# -------------------------------------------------------- 8. query problems
async def test_a_malformed_query_falls_back_to_its_plain_words_and_says_so(
    app: PaperBrowseApp, index: PaperIndex
) -> None:
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        await pilot.press(*"year:[")
        results = await wait_for_results(pilot, "year:[")
        assert results.ran == "year"
        assert "unclosed range '['" in status(app) and "column 6" in status(app)
        assert "plain words" in status(app)
        assert app.query_one("#status").has_class("notice")
        assert results.total == index.search("year").total > 0
        assert app.is_running

        await pilot.press(*"2023 TO 2024]")
        fixed = "year:[2023 TO 2024]"
        results = await wait_for_results(pilot, fixed)
        expected = index.search(fixed).total
        assert expected > 0
        assert status(app).startswith(f"{expected} hits")
        assert not app.query_one("#status").has_class("notice")
        assert all(h.paper.year in (2023, 2024) for h in results.hits)
        assert all(h.paper.year in (2023, 2024) for h in listed(app.query_one(ResultList)))


# ---------------------------------------------------------- 9. first run
async def test_first_run_builds_the_index_with_a_progress_bar(
    tmp_path: Path, corpus: Corpus
) -> None:
    fresh = Locations.resolve(tmp_path / "fresh")
    app = PaperBrowseApp(fresh, corpus)
    async with run(app) as pilot:
        assert app.query_one("#building").display
        assert is_visible(app.query_one("#building-progress", ProgressBar), SIZE)
        assert not app.query_one("#main").display
        assert app.index is None

        await wait_for_results(pilot, "", timeout=30)
        assert not app.query_one("#building").display
        assert app.query_one("#main").display
        progress = app.query_one("#building-progress", ProgressBar)
        assert progress.total == TOTAL_PAPERS and progress.progress == TOTAL_PAPERS
        assert status(app).startswith(f"{TOTAL_PAPERS} papers")
        assert app.query_one(ResultList).total == TOTAL_PAPERS
        assert len(listed(app.query_one(ResultList))) == PAGE_SIZE
        await wait_for_toast(pilot, f"Indexed {TOTAL_PAPERS} papers")

        await paste_query(pilot, QUERY)
        assert "hits" in status(app)
    assert any(fresh.index_root.iterdir())


async def test_first_run_says_it_waits_for_another_writer(tmp_path: Path, corpus: Corpus) -> None:
    """Another process holds the index's writer lock (here another store's
    ``flock``, which conflicts as a process's would): the app says it waits,
    then builds once the lock is free."""
    import threading

    from paperbrowse.core.index import IndexStore

    fresh = Locations.resolve(tmp_path / "fresh").ensure()
    held, release = threading.Event(), threading.Event()

    def writer() -> None:
        with IndexStore(fresh.index_root)._build_lock():
            held.set()
            release.wait(30)

    thread = threading.Thread(target=writer)
    thread.start()
    assert held.wait(10)
    try:
        app = PaperBrowseApp(fresh, corpus)
        async with run(app) as pilot:
            await wait_for_toast(pilot, "Another process is writing the search index")
            assert app.query_one("#building").display and app.index is None
            release.set()
            await wait_for_results(pilot, "", timeout=30)
            assert status(app).startswith(f"{TOTAL_PAPERS} papers")
    finally:
        release.set()
        thread.join()


# --------------------------------------------------------------- 10. paging
def cursor_on_screen(results: ResultList) -> bool:
    """The highlighted hit's lines lie within the list's window."""
    assert results.highlighted is not None
    top = results.highlighted * ROWS_PER_HIT
    window = results.scroll_offset.y
    height = results.scrollable_content_region.height
    return window <= top and top + ROWS_PER_HIT - 1 <= window + height


async def test_end_fetches_only_the_last_page(app: PaperBrowseApp, index: PaperIndex) -> None:
    last = TOTAL_PAPERS - 1
    expected = index.search("", sort="date", limit=1, offset=last).hits[0].paper
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        results = app.query_one(ResultList)
        await pilot.press("down", "end")
        assert results.highlighted == last
        assert cursor_on_screen(results)
        await wait_until(pilot, lambda: results.current_hit is not None, "the last page")
        assert results.pages_fetched == [last // PAGE_SIZE]  # nothing in between
        assert results.held_pages == [0, last // PAGE_SIZE]
        assert results.current_hit.paper.id == expected.id
        await wait_until(pilot, lambda: detail(app, "title") == expected.title, "its detail")
        assert expected.title[:30] in " ".join(rendered_text(results).split())
        assert results.border_subtitle == f"{TOTAL_PAPERS} of {TOTAL_PAPERS}"
        assert status(app).startswith(f"{TOTAL_PAPERS} papers · sorted by newest first")

        await pilot.press("home")  # the first page was kept: nothing to fetch
        assert results.highlighted == 0 and cursor_on_screen(results)
        assert detail(app, "title") == results.hit_at(0).paper.title
        assert results.pages_fetched == [last // PAGE_SIZE]


async def test_the_next_page_is_fetched_before_the_cursor_reaches_it(
    app: PaperBrowseApp,
) -> None:
    """Moving down through the list fetches the next page ahead of the cursor, once the
    cursor is within :data:`PREFETCH_HITS` hits of it."""
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        results = app.query_one(ResultList)
        await pilot.press("down")
        for _ in range(PAGE_SIZE - PREFETCH_HITS - 1):
            await pilot.press("j")
        assert results.pages_fetched == []
        await pilot.press("j")
        assert results.highlighted == PAGE_SIZE - PREFETCH_HITS
        assert results.pages_fetched == [1]
        await wait_until(pilot, lambda: 1 in results.held_pages, "the second page")
        assert results.highlighted == PAGE_SIZE - PREFETCH_HITS
        assert cursor_on_screen(results)


async def test_paging_down_through_every_hit_shows_one_ordered_list(
    app: PaperBrowseApp,
) -> None:
    """pagedown to the end: the pages fetched on the way continue each other (every
    paper once, newest first), the cursor stays on screen and at most MAX_PAGES pages are
    held at any time."""
    from paperbrowse.ui.widgets import MAX_PAGES

    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        results = app.query_one(ResultList)
        seen: dict[int, Hit] = {}
        await pilot.press("down")
        while True:
            await wait_until(pilot, lambda: results.current_hit is not None, "the cursor's hit")
            assert cursor_on_screen(results)
            assert detail(app, "title") == results.current_hit.paper.title
            assert len(results.held_pages) <= MAX_PAGES
            for number in results.held_pages:
                for i in range(number * PAGE_SIZE, min(TOTAL_PAPERS, (number + 1) * PAGE_SIZE)):
                    hit = results.hit_at(i)
                    assert hit is not None and hit.rank == i
                    assert seen.setdefault(i, hit).paper.id == hit.paper.id
            if results.highlighted == TOTAL_PAPERS - 1:
                break
            await pilot.press("pagedown")
        await app.workers.wait_for_complete()
        assert sorted(seen) == list(range(TOTAL_PAPERS))
        assert len({h.paper.id for h in seen.values()}) == TOTAL_PAPERS
        dates = [seen[i].paper.published for i in range(TOTAL_PAPERS) if seen[i].paper.published]
        assert dates == sorted(dates, reverse=True)  # one ordered list, page after page
        assert len(results.held_pages) <= MAX_PAGES < -(-TOTAL_PAPERS // PAGE_SIZE)
        assert 0 not in results.held_pages  # far from the cursor: dropped

        await pilot.press("pageup")
        assert results.highlighted < TOTAL_PAPERS - 1 and cursor_on_screen(results)


async def test_a_click_selects_the_hit_under_the_mouse(app: PaperBrowseApp) -> None:
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        results = app.query_one(ResultList)
        third = results.hit_at(2).paper
        # the list's border takes the first row: the third hit's second line
        await pilot.click(results, offset=(6, 1 + 2 * ROWS_PER_HIT + 1))
        assert results.highlighted == 2
        assert detail(app, "title") == third.title
        assert isinstance(app.focused, DetailPane)  # as enter does


# ------------------------------------------------------- 11. command palette
async def run_command(pilot: Pilot, name: str) -> None:
    app = pilot.app
    await pilot.press("ctrl+p")
    await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
    palette = app.screen
    app.post_message(events.Paste(name))  # pasted: one command search, not one per key

    def offered() -> bool:
        commands = palette.query_one(CommandList)
        if commands.option_count == 0 or commands.highlighted != 0:
            return False
        return name in str(commands.get_option_at_index(0).prompt)

    await wait_until(pilot, offered, f"the palette to offer {name!r}")
    await pilot.press("enter")
    await wait_until(pilot, lambda: app.screen is not palette, "the palette to close")


async def test_command_palette_shows_bookmarks(app: PaperBrowseApp, index: PaperIndex) -> None:
    paper = index.search(QUERY).hits[0].paper
    app.library.add(paper)
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        await run_command(pilot, "Show bookmarks")
        await wait_until(pilot, lambda: app.main.view == "bookmarks", "the bookmarks view")
        assert_counts_bookmarks(status(app), 1)
        assert [h.paper.id for h in listed(app.query_one(ResultList))] == [paper.id]


async def test_command_palette_exports(app: PaperBrowseApp, index: PaperIndex) -> None:
    app.library.add(index.search(QUERY).hits[0].paper)
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        await pilot.press("down")
        await run_command(pilot, "Export reading list")
        await wait_until(pilot, lambda: isinstance(app.screen, ExportScreen), "the dialog")
        await pilot.press("escape")
        await wait_until(pilot, lambda: len(app.screen_stack) == 1, "the dialog to close")


# ------------------------------------------------------- 12. small terminal
async def test_small_terminal_shows_every_pane(app: PaperBrowseApp) -> None:
    small = (80, 24)
    async with run(app, small) as pilot:
        await wait_for_results(pilot, "")
        for selector in ("#search", "#status", "#results", "#detail", "#detail-title"):
            assert is_visible(app.query_one(selector), small), selector
        assert app.query_one("#results").region.height >= 10
        assert app.query_one("#detail").region.width >= 30

        results = await type_query(pilot, QUERY)
        assert status(app).startswith(f"{results.total} hits")
        await pilot.press("down", "j")
        assert detail(app, "title") == app.query_one(ResultList).hit_at(1).paper.title
        assert is_visible(app.query_one("#detail-title"), small)


# ------------------------------------------------------- 13. issue 3: discovery
async def test_a_misspelled_query_shows_the_correction_and_ctrl_y_accepts_it(
    app: PaperBrowseApp, index: PaperIndex
) -> None:
    calls = record_searches(app)
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        results = await paste_query(pilot, "difusion modle")
        # nothing matches as typed, so the correction ran, and the status says so
        assert results.ran == "diffusion model"
        assert results.total == index.search("diffusion model").total > 10
        assert "showing 'diffusion model'" in status(app)
        top = app.query_one(ResultList).hit_at(0).paper
        assert "diffusion" in (top.title + top.abstract).lower()

        # a query with a few hits gets the correction offered, not forced
        few = "smoth OR nowcasting"  # one hit, for nowcasting
        app.query_one(SearchBar).value = ""
        offered = await paste_query(pilot, few)
        assert offered.total == 1 and offered.suggestion == "smooth OR nowcasting"
        assert "Did you mean" in status(app) and "smooth OR nowcasting" in status(app)
        await pilot.press("ctrl+y")
        accepted = await wait_for_results(pilot, "smooth OR nowcasting")
        assert app.query_one(SearchBar).value == "smooth OR nowcasting"
        assert accepted.total > offered.total and accepted.suggestion is None
        assert calls[-1] == SearchCall("smooth OR nowcasting", "relevance")
        await pilot.press("ctrl+y")
        await wait_for_toast(pilot, "No correction")


async def test_m_lists_similar_papers_and_esc_returns(
    app: PaperBrowseApp, index: PaperIndex
) -> None:
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        await paste_query(pilot, 'title:"latent diffusion"')
        await pilot.press("down")
        paper = app.query_one(ResultList).current_hit.paper
        await pilot.press("m")
        await wait_until(
            pilot,
            lambda: (
                app.main.view == "similar"
                and app.main.results is not None
                and app.main.results.query == paper.id
            ),
            "the similar papers",
        )
        hits = listed(app.query_one(ResultList))
        expected = index.similar(paper.id, limit=PAGE_SIZE)
        assert [h.paper.id for h in hits] == [h.paper.id for h in expected.hits]
        assert paper.id not in {h.paper.id for h in hits}
        diffusion = sum(
            "diffusion" in (h.paper.title + h.paper.abstract).lower() for h in hits[:10]
        )
        assert diffusion >= 7, [h.paper.title for h in hits[:10]]
        assert "like" in status(app) and paper.title[:20] in status(app)
        assert app.query_one(ResultList).border_title == "Similar papers"
        assert isinstance(app.focused, ResultList)
        await pilot.press("j")
        assert detail(app, "title") == hits[1].paper.title

        await pilot.press("escape")
        await wait_for_results(pilot, 'title:"latent diffusion"')
        assert app.main.view == "search"
        assert status(app).endswith("? keys") and "hits" in status(app)


async def test_f_filters_by_year_with_counts_that_match_the_core(
    app: PaperBrowseApp, index: PaperIndex
) -> None:
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        results = await paste_query(pilot, "diffusion")
        facets = results.facets
        assert facets is not None and facets.years
        core = index.search("diffusion", facets=True).facets
        assert facets == core
        facet_line = rendered_text(app.query_one("#facets"))
        assert "Years" in facet_line and "f filter" in facet_line

        year, count = max(facets.years, key=lambda item: item[1])
        await pilot.press("down", "f")
        await wait_until(pilot, lambda: isinstance(app.screen, FilterScreen), "the filter screen")
        options = app.screen.query_one("#filter-options", OptionList)
        labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert any(
            label.strip().startswith(f"{year}") and f" {count} " in label for label in labels
        )
        options.highlighted = options.get_option_index(f"year:{year}")
        await pilot.press("enter")
        await wait_until(
            pilot,
            lambda: app.main.results is not None and app.main.results.filters.years == (year, year),
            "the filtered results",
        )
        assert app.main.results.total == count
        assert all(h.paper.year == year for h in listed(app.query_one(ResultList)))
        assert "Filter: " + str(year) in rendered_text(app.query_one("#facets"))
        # the year facet still offers the other years, with the same counts
        assert app.main.results.facets.years == facets.years

        await pilot.press("x")
        await wait_until(
            pilot,
            lambda: app.main.results is not None and not app.main.results.filters,
            "no filter",
        )
        assert app.main.results.total == results.total


def test_the_year_facet_counts_undated_papers(index: PaperIndex) -> None:
    """The "undated" bucket: counted by the engine, chosen with Filters(undated=True)."""
    for text in ("", "diffusion"):
        results = index.search(text, facets=True, limit=None)
        facets = results.facets
        assert facets is not None
        undated = sum(h.paper.published is None for h in results.hits)
        assert undated > 0  # the bundled captures list many papers without a date
        assert facets.undated == undated
        assert sum(n for _, n in facets.years) + facets.undated == results.total

        chosen = index.search(text, filters=Filters(undated=True), facets=True, limit=None)
        assert chosen.total == undated
        assert all(h.paper.published is None for h in chosen.hits)
        # the year facet ignores its own filter: every year stays choosable
        assert chosen.facets.years == facets.years

    year, count = max(facets.years, key=lambda item: item[1])
    both = index.search("diffusion", filters=Filters(years=(year, year), undated=True))
    assert both.total == count + facets.undated  # a year or undated
    assert Filters(years=(year, year), undated=True).describe() == f"{year} or undated"
    assert Filters(undated=True).describe() == "undated" and Filters(undated=True)


def test_saved_tables_keep_the_undated_count(index: PaperIndex) -> None:
    """The tables file saves the whole index's undated count; a file saved before
    there was one is read, and that count computed again (not taken as 0)."""
    import json

    from paperbrowse.core.engine.tables import Tables

    whole = index.search("", facets=True, limit=1).facets
    folder = Path(index._ix.storage.folder)
    [saved] = folder.glob("tables-*.bin")
    data = saved.read_bytes()
    start = len(Tables.MAGIC)
    end = data.index(b"\n", start)
    header = json.loads(data[start:end])
    assert header["facets"]["undated"] == whole.undated > 0
    key = (str(folder), int(saved.stem.removeprefix("tables-")), header["docs"])
    assert Tables.load(key, folder).facets() == whole

    del header["facets"]["undated"]  # as saved by paperbrowse 1.0
    old = json.dumps(header).encode()
    saved.write_bytes(data[:start] + old + data[end:])
    loaded = Tables.load(key, folder)
    assert loaded is not None and "facets" not in loaded.cache
    assert loaded.facets() == whole


async def test_f_filters_to_the_undated_papers(app: PaperBrowseApp, index: PaperIndex) -> None:
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        results = await paste_query(pilot, "diffusion")
        undated = results.facets.undated
        assert undated == index.search("diffusion", facets=True).facets.undated > 0
        assert f"undated {undated}" in rendered_text(app.query_one("#facets"))

        await pilot.press("down", "f")
        await wait_until(pilot, lambda: isinstance(app.screen, FilterScreen), "the filter screen")
        options = app.screen.query_one("#filter-options", OptionList)
        option = options.get_option("undated")
        assert str(option.prompt).split() == ["undated", str(undated), "no", "publication", "date"]
        options.highlighted = options.get_option_index("undated")
        await pilot.press("enter")
        await wait_until(
            pilot,
            lambda: app.main.results is not None and app.main.results.filters.undated,
            "the undated papers",
        )
        assert app.main.results.total == undated
        assert all(h.paper.published is None for h in listed(app.query_one(ResultList)))
        assert "Filter: undated" in rendered_text(app.query_one("#facets"))
        assert "Date" in detail(app, "meta") and "unknown" in detail(app, "meta")

        # choosing it again turns it off; a year replaces it
        await pilot.press("f")
        await wait_until(pilot, lambda: isinstance(app.screen, FilterScreen), "the filter screen")
        assert str(app.screen.query_one(OptionList).get_option("undated").prompt).startswith("●")
        year = results.facets.years[-1][0]
        assert app.screen.toggled(f"year:{year}") == Filters(years=(year, year))
        assert app.screen.toggled("undated") == Filters()
        await pilot.press("escape")


async def test_bookmarked_only_filter(app: PaperBrowseApp, index: PaperIndex) -> None:
    marked = index.search("diffusion").hits[3].paper
    app.library.add(marked)
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        await paste_query(pilot, "diffusion")
        await pilot.press("down", "f")
        await wait_until(pilot, lambda: isinstance(app.screen, FilterScreen), "the filter screen")
        options = app.screen.query_one("#filter-options", OptionList)
        options.highlighted = options.get_option_index("bookmarked")
        await pilot.press("enter")
        await wait_until(
            pilot,
            lambda: app.main.results is not None and app.main.results.filters.ids is not None,
            "the bookmarked-only results",
        )
        assert [h.paper.id for h in listed(app.query_one(ResultList))] == [marked.id]


async def test_up_arrow_recalls_earlier_queries_across_restarts(
    locations: Locations, corpus: Corpus, library: Library, index: PaperIndex
) -> None:
    first = PaperBrowseApp(locations, corpus, library=library, index=index)
    async with run(first) as pilot:
        await wait_for_results(pilot, "")
        for query in ("latent diffusion", "byol"):
            await paste_query(pilot, query)
            await pilot.press("enter")  # acting on the results records the query
            await pilot.press("slash")
            first.query_one(SearchBar).value = ""
    assert first.history.entries == ["latent diffusion", "byol"]

    second = PaperBrowseApp(locations, corpus, library=library, index=index)
    async with run(second) as pilot:
        await wait_for_results(pilot, "")
        bar = second.query_one(SearchBar)
        await pilot.press(*"mat")
        await pilot.press("up")
        assert bar.value == "byol"
        await pilot.press("up")
        assert bar.value == "latent diffusion"
        await pilot.press("up")  # the oldest stays
        assert bar.value == "latent diffusion"
        await pilot.press("down")
        assert bar.value == "byol"
        assert isinstance(second.focused, SearchBar)
        await pilot.press("down")
        assert bar.value == "mat"  # back to what was being typed
        await pilot.press("down")
        assert isinstance(second.focused, ResultList)
