"""The main screen: the search bar, the result list and the detail pane.

It holds what the user sees and does there: the query, the results (a
:class:`~paperbrowse.ui.paging.HitSource` the result list pages through), the
view (search, bookmarks, similar papers), sort order and filters, and the key
bindings of the key table (:mod:`paperbrowse.ui.keys`). The app
(:class:`~paperbrowse.ui.app.PaperBrowseApp`) keeps the lifecycle: the index,
the library, the configuration, imports, theme and notifications.

The engine is reached only through the app's
:class:`~paperbrowse.ui.gateway.EngineGateway`, in thread workers: the first
page of a search, the similar papers, and the highlighting of the detail
pane's abstract all run off the UI thread.
"""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING

from rich.markup import escape
from textual import events, on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Header, Label, ProgressBar, Static
from textual.worker import get_current_worker

from paperbrowse.core.index import SORTS, IndexDamaged
from paperbrowse.core.library import Bookmark
from paperbrowse.core.models import Filters, Hit, Paper, Results, Segment, papers
from paperbrowse.present import sparkline
from paperbrowse.ui import keys
from paperbrowse.ui.messages import SearchCompleted, SimilarCompleted
from paperbrowse.ui.organise import Narrowing, UndoEntry
from paperbrowse.ui.paging import PAGE_SIZE, HitSource, ListSource, SearchSource
from paperbrowse.ui.pdfs import PdfActions
from paperbrowse.ui.screens.bookmarks_view import BookmarksView
from paperbrowse.ui.screens.organising import OrganiseActions
from paperbrowse.ui.screens.watches_view import WatchesView
from paperbrowse.ui.widgets import DetailPane, ResultList, SearchBar

if TYPE_CHECKING:
    from paperbrowse.config import Config
    from paperbrowse.core.history import QueryHistory
    from paperbrowse.core.index import PaperIndex
    from paperbrowse.core.library import Library
    from paperbrowse.ui.app import PaperBrowseApp
    from paperbrowse.ui.gateway import EngineGateway

SEARCH_PLACEHOLDER = (
    'latent diffusion · "exact phrase" · title:byol · year:[2020 TO 2023] · difusion~ · ? help'
)
SORT_LABELS = {"relevance": "relevance", "date": "newest first", "upvotes": "most upvoted"}
#: Seconds the query must rest, with its results shown, to join the query history.
HISTORY_IDLE_SECONDS = 2.0


class HighlightReady(Message):
    """The detail pane's abstract, highlighted off the UI thread (see
    :meth:`MainScreen.highlight_detail`).

    Attributes:
        paper: the paper whose abstract it is.
        results: the result set whose terms are marked.
        segments: the abstract as ``(text, matched)`` segments.
    """

    def __init__(self, paper: Paper, results: Results, segments: tuple[Segment, ...]) -> None:
        super().__init__()
        self.paper = paper
        self.results = results
        self.segments = segments


_frozen = False


def _freeze_once() -> None:
    """``gc.freeze()`` the first time it is called in this process."""
    global _frozen
    if not _frozen:
        _frozen = True
        gc.freeze()


class MainScreen(BookmarksView, WatchesView, PdfActions, OrganiseActions, Screen[None]):
    """Search, list and read papers: the app's first (default) screen.

    Args:
        sort: the first sort order (the configuration's).

    Attributes:
        results: the results listed (search or similar papers), or ``None``.
        marks: the bookmarks by paper id, oldest first (refreshed on every listing).
        bookmarked: the ids of :attr:`marks`.
        keys: paper id -> the citation key the library keeps, read with the
            bookmarks (the detail pane shows it on every cursor move: no query
            per move).
        filters: the filters the search applies.
        narrowing: the list, tag or status the bookmarks view is narrowed to.
        pdfs: paper id -> its recorded PDF (:class:`~paperbrowse.core.library.Attachment`),
            read with the bookmarks; the detail pane's PDF line comes from it
            (see :class:`~paperbrowse.ui.pdfs.PdfActions`).
    """

    #: Made from the key table, :data:`paperbrowse.ui.keys.KEYS` (ids, keys, labels,
    #: footer order); the help screen and the palette are made from it too.
    BINDINGS = keys.bindings()

    #: ``search``, ``bookmarks``, ``similar`` or ``watch`` (a watch's papers or the
    #: inbox). Not watched at start (``init=False``): the first listing is started
    #: once, when the index is open.
    view: reactive[str] = reactive("search", init=False)
    sort: reactive[str] = reactive("relevance")

    def __init__(self, sort: str = "relevance") -> None:
        super().__init__()
        self.set_reactive(MainScreen.sort, sort)
        self.results: Results | None = None
        self.marks: dict[str, Bookmark] = {}
        self.bookmarked: frozenset[str] = frozenset()
        self.keys: dict[str, str] = {}
        self.pdfs = {}
        self.narrowing: Narrowing | None = None
        self.export_format = "md"
        #: What the export dialog offers first: ``bookmarks`` or ``results``.
        self.export_scope = "bookmarks"
        self.filters = Filters()
        self.similar_to: Paper | None = None
        #: The bookmarks the bookmarks view lists (narrowed), in order.
        self._listed_marks: list[Bookmark] = []
        #: Destructive actions that ``u`` can take back, the latest last.
        self.undo_stack: list[UndoEntry] = []
        #: Adds the query to the history when it rests (see :meth:`_remember_when_idle`).
        self._history_timer: Timer | None = None

    # ---------------------------------------------------- the app's lifecycle
    @property
    def paperbrowse(self) -> PaperBrowseApp:
        """The app (typed)."""
        return self.app  # type: ignore[return-value]

    @property
    def library(self) -> Library:
        """The app's bookmarks store."""
        return self.paperbrowse.library

    @property
    def index(self) -> PaperIndex | None:
        """The app's index, ``None`` while it opens (use :attr:`engine` to search)."""
        return self.paperbrowse.index

    @property
    def engine(self) -> EngineGateway:
        """The app's one door into the engine."""
        return self.paperbrowse.engine

    @property
    def history(self) -> QueryHistory:
        """The app's query history."""
        return self.paperbrowse.history

    @property
    def config(self) -> Config:
        """The app's configuration."""
        return self.paperbrowse.config

    # ----------------------------------------------------------------- layout
    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="search-row"):
            yield Label("Search", id="search-label")
            yield SearchBar(placeholder=SEARCH_PLACEHOLDER, id="search")
        yield Static("", id="status")
        yield Static("", id="facets")
        with Vertical(id="building"):
            yield Label("Building the search index from the bundled corpus…", id="building-label")
            yield ProgressBar(id="building-progress", show_eta=False)
        with Horizontal(id="main"):
            yield ResultList(id="results")
            yield DetailPane(id="detail")
        with Horizontal(id="importing"):
            yield Label("", id="importing-label")
            yield ProgressBar(id="importing-progress", show_eta=False, show_percentage=False)
        yield Footer()

    def on_resize(self, event: events.Resize) -> None:
        self._fit_footer(event.size.width)

    def _fit_footer(self, width: int) -> None:
        """Below 100 columns the footer leaves out ``^p palette`` (the help lists it),
        so that the main keys show whole at 80 columns."""
        self.query_one(Footer).show_command_palette = width >= 100

    def on_mount(self) -> None:
        self._fit_footer(self.app.size.width)
        self._reload_marks()
        self.query_one("#importing").display = False
        self.query_one("#results").border_title = "Results"
        self.query_one("#detail").border_title = "Paper"
        self.query_one(DetailPane).show(None)
        self.query_one(SearchBar).history = self.history.entries
        if self.index is None:
            self.query_one("#main").display = False
        else:
            self.query_one("#building").display = False
            self.index_opened()
        self.query_one(SearchBar).focus()

    def index_opened(self) -> None:
        """The index is open (the app opened or built it): show the first listing.

        The objects alive now (the app's widgets, the open index's readers and
        tables) are moved out of the garbage collector's generations
        (``gc.freeze``): they live as long as the app, and each full
        collection walked them all — at a million papers, pauses of 27–62 ms
        that landed on keystrokes (key → results drawn p95 73–197 ms). Once
        per process (:func:`_freeze_once`): what is frozen is never collected,
        so an index reopened later, or the apps of a test run, are not."""
        assert self.index is not None
        _freeze_once()
        self.query_one("#building").display = False
        self.query_one("#main").display = True
        self.app.sub_title = papers(self.index.doc_count())
        self.run_search(self.query_one(SearchBar).value, self.sort)
        self._open_inbox_if_due()

    def search_again(self) -> None:
        """Run the search bar's query again (papers were imported), in the search view."""
        if self.view == "search":
            self.run_search(self.query_one(SearchBar).value, self.sort)

    # ----------------------------------------------------------------- search
    @on(SearchBar.Changed, "#search")
    def _query_changed(self, event: SearchBar.Changed) -> None:
        bar = self.query_one(SearchBar)
        if bar.recalling and event.value not in bar.history:
            bar.forget_position()  # the user is editing a recalled query
        if self.view != "search":
            # back to the search view without the view watcher's own search: the
            # search of the query typed follows
            self.set_reactive(MainScreen.view, "search")
            self.similar_to = None
        self.run_search(event.value, self.sort)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def run_search(self, text: str, sort: str) -> None:
        """Search for the first page (:data:`PAGE_SIZE` hits and the facets) off the
        UI thread; posts :class:`SearchCompleted`. The result list fetches
        further pages itself, as they come on screen.

        One search runs in the engine at a time (the :class:`EngineGateway`'s lock;
        the gateway also highlights the first hit's abstract for the detail
        pane). A search starts at once when
        none is running; otherwise it waits for the one running to end (whose
        answer, for an older query, is then dropped). Exclusive in its group:
        starting a search cancels the one before, which then posts nothing
        and, if still waiting, never searches. So a keystroke searches without
        delay, and a burst of keystrokes typed faster than the engine answers
        runs the search under way and then the latest query only.

        Args:
            text: the query.
            sort: one of :data:`~paperbrowse.core.index.SORTS`.
        """
        if self.index is None:
            return
        worker = get_current_worker()
        try:
            results = self.engine.search(
                text,
                sort=sort,
                limit=PAGE_SIZE,
                filters=self.filters,
                facets=True,
                is_cancelled=lambda: worker.is_cancelled,
            )
        except IndexDamaged as exc:  # bytes damaged on disk: say how to mend it
            self.post_message(SearchCompleted(text, sort, None, str(exc)))
            return
        except Exception as exc:  # never fail silently: the user sees what went wrong
            self.post_message(SearchCompleted(text, sort, None, f"search failed: {exc!r}"))
            return
        if results is None:
            return  # a newer search replaced this one before it ran
        if worker.is_cancelled:
            return  # a newer search (or similar-papers list) has started: its results count
        self.post_message(SearchCompleted(text, sort, results))

    def on_search_completed(self, message: SearchCompleted) -> None:
        if message.query != self.query_one(SearchBar).value or message.sort != self.sort:
            return  # a newer query is on its way: keep results in typing order
        if self.view != "search":
            return
        status = self.query_one("#status", Static)
        if message.error is not None:
            status.update(f"[b red]Search problem[/] {message.error}")
            status.add_class("error")
            return
        status.remove_class("error")
        results = message.results
        assert results is not None
        self.results = results
        self._reload_marks()
        assert self.index is not None
        self._show_source(SearchSource(self.engine, results))
        self._update_status()
        self._remember_when_idle(message.query)

    def _remember_when_idle(self, query: str) -> None:
        """Add ``query`` to the history if it rests :data:`HISTORY_IDLE_SECONDS`
        with its results shown (the user read them); a newer keystroke's
        results start the wait again."""
        if self._history_timer is not None:
            self._history_timer.stop()
            self._history_timer = None
        if not query.strip() or self.query_one(SearchBar).recalling:
            return

        def rested() -> None:
            self._history_timer = None
            bar = self.query_one(SearchBar)
            if self.view == "search" and bar.value == query and not bar.recalling:
                self.remember_query()

        self._history_timer = self.set_timer(HISTORY_IDLE_SECONDS, rested)

    def _update_status(self) -> None:
        status = self.query_one("#status", Static)
        status.remove_class("notice")
        self._update_facets()
        if self.view == "watch":
            status.update(self._watch_status())
            return
        if self.view == "bookmarks":
            hints = "f: narrow · x: all · e: export · B or esc: back"
            if self.narrowing is None:
                what = f"[b]{papers(len(self.bookmarked))}[/]"
            else:
                count = sum(bm.paper.id in self.bookmarked for bm in self._listed_marks)
                what = f"[b]{escape(self.narrowing.describe(count))}[/] of {len(self.bookmarked)}"
            # an un-bookmarked paper stays listed (unmarked) until the view is left: say
            # so, so that the list's "3 of 3" and the count of bookmarks agree
            gone = sum(bm.paper.id not in self.bookmarked for bm in self._listed_marks)
            if gone:
                what += f" · {len(self._listed_marks)} listed, {gone} un-bookmarked (u undoes)"
            title = "Bookmarks" if self.narrowing is None else f"Bookmarks {self.narrowing.phrase}"
            if gone:
                title += f" · {gone} un-bookmarked"
            self.query_one(ResultList).border_title = escape(title)
            status.update(f"Bookmarks: {what}  [dim]· {hints}[/]")
            return
        if self.results is None:
            status.update("")
            return
        r = self.results
        if self.view == "similar" and self.similar_to is not None:
            title = escape(self.similar_to.title)
            status.update(f"[b]{papers(r.total)}[/] like “{title}”  [dim]· esc: back[/]")
            return
        noun = "hit" if r.total == 1 else "hits"
        what = f"[b]{r.total}[/] {noun}" if r.query.strip() else f"[b]{papers(r.total)}[/]"
        text = f"{what} · sorted by {SORT_LABELS[r.sort]}"
        if r.notice:
            text += f" · [b]{escape(r.notice)}[/]"
            status.add_class("notice")
        if r.suggestion:
            text += f" · Did you mean [b]{escape(r.suggestion)}[/]? [dim]ctrl+y[/]"
            status.add_class("notice")
        status.update(text + "  [dim]? keys[/]")

    def _update_facets(self) -> None:
        """The facet line: hits per year as a sparkline, top organisations, filters."""
        line = self.query_one("#facets", Static)
        if self.view == "bookmarks":
            line.update(self._bookmark_summary())
            return
        if self.view == "watch":
            line.update(self._watch_summary())
            return
        r = self.results
        if self.view != "search" or r is None or r.facets is None:
            line.update("")
            return
        parts = []
        years = r.facets.years
        if years:
            bars = sparkline([n for _, n in years])
            span = f"{years[0][0]}–{years[-1][0]}" if len(years) > 1 else str(years[0][0])
            parts.append(f"Years {span} [cyan]{bars}[/]")
        if r.facets.undated:
            parts.append(f"undated {r.facets.undated}")
        if r.facets.organisations:
            orgs = ", ".join(f"{escape(o)} {n}" for o, n in r.facets.organisations[:3])
            parts.append(f"Orgs {orgs}")
        if self.filters:
            parts.append(f"[b]Filter: {escape(self.filters.describe())}[/] [dim](x clears)[/]")
        parts.append("[dim]f filter[/]")
        line.update(" · ".join(parts))

    def _reload_marks(self) -> None:
        """Read the bookmarks (with their tags, status, lists, note) from the library."""
        self.marks = {bm.paper.id: bm for bm in self.library.bookmarks()}
        self.bookmarked = frozenset(self.marks)
        self.keys = {paper_id: key for key, paper_id in self.library.citation_keys()}
        self.reload_pdfs()

    def _show_source(self, source: HitSource, highlight: int = 0) -> None:
        """List ``source`` in the result list, the cursor on hit ``highlight``."""
        result_list = self.query_one(ResultList)
        result_list.show(source, self.bookmarked, self.marks, highlight)
        result_list.border_title = "Bookmarks" if self.view == "bookmarks" else "Results"
        if self.view == "bookmarks" and self.narrowing is not None:
            result_list.border_title = f"Bookmarks {self.narrowing.phrase}"
        self._show_detail(result_list.current_hit)

    # ----------------------------------------------------------------- detail
    @on(ResultList.Highlighted, "#results")
    def _highlighted(self, event: ResultList.Highlighted) -> None:
        if not event.result_list.is_attached:
            return  # the app is closing (quit as the first listing arrived): no screen left
        if event.index == event.result_list.highlighted:  # else the cursor moved on since
            self._show_detail(event.hit)

    def _show_detail(self, hit: Hit | None) -> None:
        pane = self.query_one(DetailPane)
        if hit is None:
            # no paper, or the page under the cursor is still being fetched
            pane.show(None, loading=self.query_one(ResultList).total > 0)
            return
        paper = hit.paper
        abstract: tuple[Segment, ...] = ()
        results = self.results
        if self.index is not None and results is not None and self.view in ("search", "similar"):
            # highlighted off the UI thread; shown plain until then (or at once if done)
            abstract = self.engine.cached_highlight(paper, results) or ()
            if not abstract:
                self.highlight_detail(paper, results)
        mark = self.marks.get(paper.id)
        pane.show(
            paper,
            hit.title,
            abstract,
            bookmarked=paper.id in self.bookmarked,
            bookmark=mark,
            # the key the library keeps (assigned once, never changed; a
            # bookmark has one), else the key the paper's source gave, if any
            citation_key=self.keys.get(paper.id) or paper.citation_key,
            pdf=self.pdf_info(paper.id),
            body=hit.body_snippet,
            body_page=hit.body_page,
        )

    @work(thread=True, exclusive=True, group="highlight", exit_on_error=False)
    def highlight_detail(self, paper: Paper, results: Results) -> None:
        """Highlight ``paper``'s abstract with the terms of ``results`` off the UI
        thread (:meth:`EngineGateway.highlight`); posts :class:`HighlightReady`.
        Exclusive: a cursor moving on cancels the highlighting of the paper it left."""
        if get_current_worker().is_cancelled:
            return
        try:
            segments = self.engine.highlight(paper, results)
        except Exception:  # the abstract stays shown plain
            return
        self.post_message(HighlightReady(paper, results, segments))

    def on_highlight_ready(self, message: HighlightReady) -> None:
        hit = self.query_one(ResultList).current_hit
        if hit is None or hit.paper.id != message.paper.id or message.results is not self.results:
            return  # the cursor moved on, or the results changed, meanwhile
        self.query_one(DetailPane).show_abstract(message.paper, message.segments)

    @on(ResultList.Selected, "#results")
    def _selected(self, event: ResultList.Selected) -> None:
        self.query_one(DetailPane).focus()

    @on(SearchBar.Submitted, "#search")
    def action_focus_results(self) -> None:
        """Move the focus to the result list (or, while recalling the query
        history in the search bar, show the next newer query).

        ``Screen.set_focus`` rather than ``Widget.focus`` (which defers with
        ``call_later``): keys typed right after ``down`` must reach the list,
        not the search bar.
        """
        bar = self.query_one(SearchBar)
        if bar.recalling and self.focused is bar:
            bar.history_forward()
            return
        self.remember_query()
        self.set_focus(self.query_one(ResultList))

    def remember_query(self) -> None:
        """Add the search bar's query to the history (the user acted on its results)."""
        bar = self.query_one(SearchBar)
        try:
            if self.history.add(bar.value):
                bar.history = self.history.entries
        except OSError as exc:  # the history is a convenience: say so, go on
            self.notify(f"Cannot save the query history: {exc}", severity="warning")

    def action_slash(self) -> None:
        """``/``: go to the search bar (:meth:`action_focus_search`).

        Bound with priority, so the focus moves as the app reads the key, before
        the keys typed right after it are handed to the focused widget. Where
        ``/`` is text (an input, the note, a dialog or the command palette) the
        binding steps aside (:class:`~textual.actions.SkipAction`) and the key
        is typed.
        """
        from textual.actions import SkipAction
        from textual.widgets import Input, TextArea

        if self.app.screen is not self or isinstance(self.focused, Input | TextArea):
            raise SkipAction()
        self.action_focus_search()

    def action_focus_search(self) -> None:
        """Move the focus to the search bar (synchronously, see :meth:`action_focus_results`)."""
        self.set_focus(self.query_one(SearchBar))

    def action_escape(self) -> None:
        if self.view == "bookmarks":
            self.action_toggle_bookmarks_view()
        elif self.view in ("similar", "watch"):
            self.view = "search"
        elif self.focused is not self.query_one(SearchBar):
            self.action_focus_search()

    def action_toggle_bookmarks_view(self) -> None:
        """Switch between the search results and the bookmarks."""
        self.view = "bookmarks" if self.view != "bookmarks" else "search"

    def watch_view(self, view: str) -> None:
        if view == "bookmarks":
            self._show_bookmarks()
            self.query_one(ResultList).focus()
        elif view == "watch":
            self._show_watch()
        elif view == "search":
            self.similar_to = None
            self.run_search(self.query_one(SearchBar).value, self.sort)

    def action_cycle_sort(self) -> None:
        """Cycle the sort order: relevance → newest first → most upvoted."""
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self.notify(f"Sorted by {SORT_LABELS[self.sort]}", timeout=2)
        if self.view == "search":
            self.run_search(self.query_one(SearchBar).value, self.sort)

    # ------------------------------------------------------------ discovery
    def action_similar(self) -> None:
        """List the papers most like the selected one (more-like-this)."""
        hit = self.query_one(ResultList).current_hit
        if hit is None or self.index is None:
            self.notify("No paper selected.", severity="warning")
            return
        self.remember_query()
        self.similar_to = hit.paper
        self.view = "similar"
        self.query_one("#status", Static).update(
            f"Finding papers like “{escape(hit.paper.title)}”…"
        )
        self.run_similar(hit.paper)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def run_similar(self, paper: Paper) -> None:
        """Find the papers most similar to ``paper`` off the UI thread."""
        try:
            results = self.engine.similar(paper, limit=PAGE_SIZE, filters=self.filters)
        except Exception as exc:  # shown to the user
            self.post_message(SimilarCompleted(paper, None, str(exc)))
            return
        self.post_message(SimilarCompleted(paper, results))

    def on_similar_completed(self, message: SimilarCompleted) -> None:
        if self.view != "similar" or self.similar_to != message.paper:
            return
        if message.results is None:
            self.notify(f"Cannot find similar papers: {message.error}", severity="error")
            return
        self.results = message.results
        self._reload_marks()
        self._show_source(ListSource(message.results.hits))
        self.query_one(ResultList).border_title = "Similar papers"
        self._update_status()
        self.set_focus(self.query_one(ResultList))

    def action_filter(self) -> None:
        """Narrow the results by year, organisation or bookmarks (the facets);
        in the bookmarks view, narrow the bookmarks to a list, tag or status."""
        if self.view == "bookmarks":
            self.action_narrow_bookmarks()
            return
        r = self.results
        if self.view != "search" or r is None or r.facets is None:
            self.notify("Filters apply to search results.", severity="warning")
            return

        from paperbrowse.ui.screens import FilterScreen

        def chosen(filters: Filters | None) -> None:
            if filters is not None:
                self.set_filters(filters)

        self.app.push_screen(FilterScreen(r.facets, self.filters, self.library.ids()), chosen)

    def set_filters(self, filters: Filters) -> None:
        """Apply ``filters`` and search again."""
        self.filters = filters
        if self.view == "search":
            self.run_search(self.query_one(SearchBar).value, self.sort)
        self.notify(f"Filter: {filters.describe()}" if filters else "No filter", timeout=2)

    def action_clear_filters(self) -> None:
        """Remove every filter (in the bookmarks view: show all bookmarks again)."""
        if self.view == "bookmarks":
            if self.narrowing is not None:
                self.narrow_bookmarks(None)
            return
        if self.filters:
            self.set_filters(Filters())

    def action_accept_suggestion(self) -> None:
        """Replace the query with the offered spelling correction."""
        r = self.results
        if r is None or not r.suggestion:
            self.notify("No correction to accept.", severity="warning")
            return
        bar = self.query_one(SearchBar)
        bar.value = r.suggestion
        bar.cursor_position = len(r.suggestion)

    async def action_quit(self) -> None:
        """Quit the app."""
        await self.app.action_quit()

    def action_help(self) -> None:
        """Show every key binding and the query syntax (the app's help screen)."""
        self.paperbrowse.action_help()

    def action_import_papers(self) -> None:
        """Ask what to import, then import it (the app's import worker)."""
        self.paperbrowse.action_import_papers()
