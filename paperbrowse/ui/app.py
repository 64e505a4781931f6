"""The paperbrowse Textual app.

Built from injected objects (:class:`PaperBrowseApp` takes the locations, the
corpus, and optionally an opened index and a library), so tests run it over a
data folder in ``tmp_path``. All index work happens in thread workers; the UI
never waits on Whoosh.

Start-up cost: only what the first screen needs is imported here. The modal
screens (:mod:`paperbrowse.ui.screens`, :mod:`paperbrowse.ui.importing`), the
exporter (BibTeX and LaTeX libraries), the importers and :mod:`webbrowser`
are imported where they are first used.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from rich.markup import escape
from textual import events, on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.containers import Horizontal, Vertical
from textual.notifications import Notify, SeverityLevel
from textual.reactive import reactive
from textual.screen import ModalScreen, Screen
from textual.timer import Timer
from textual.widgets import Footer, Header, Label, ProgressBar, Static
from textual.worker import get_current_worker

from paperbrowse.config import Config, remember_theme, remembered_theme
from paperbrowse.core.history import QueryHistory
from paperbrowse.core.index import SORTS, WRITER_BUSY, IndexDamaged, PaperIndex
from paperbrowse.core.library import STATUSES, Bookmark, Library, LibraryError
from paperbrowse.core.locations import Locations
from paperbrowse.core.models import Filters, Hit, Paper, Results, papers
from paperbrowse.core.service import Corpus, open_index
from paperbrowse.present import sparkline
from paperbrowse.ui import keys
from paperbrowse.ui.messages import (
    IndexFailed,
    IndexProgress,
    IndexReady,
    SearchCompleted,
    SimilarCompleted,
)
from paperbrowse.ui.organise import (
    STATUS_MARKS,
    Narrowing,
    UndoEntry,
    bibtex_entry,
    graphical_browser_available,
    next_status,
    organisation_summary,
    page_url,
    pdf_url,
    plain_citation,
    removal_question,
    status_label,
    tag_label,
)
from paperbrowse.ui.paging import PAGE_SIZE, HitSource, ListSource, SearchSource
from paperbrowse.ui.widgets import DetailPane, ResultList, SearchBar

if TYPE_CHECKING:
    from paperbrowse.core.sources.request import SourceRequest
    from paperbrowse.ui.importing import ImportFinished, ImportProgress

#: Seconds a search waiting for the one under way checks, between looks, whether
#: a newer keystroke has replaced it. Typing is not debounced: a keystroke
#: searches at once when no search is running; keystrokes typed while one runs
#: wait for it to end, and of those only the latest searches (see
#: :meth:`PaperBrowseApp.run_search`).
WAIT_POLL_SECONDS = 0.005

SEARCH_PLACEHOLDER = (
    'latent diffusion · "exact phrase" · title:byol · year:[2020 TO 2023] · difusion~ · ? help'
)
SORT_LABELS = {"relevance": "relevance", "date": "newest first", "upvotes": "most upvoted"}
#: How many destructive actions ``u`` (``ctrl+z``) can take back, latest first.
UNDO_DEPTH = 50
#: Most toasts on screen at once: a new one takes the place of the oldest.
MAX_TOASTS = 3
#: Longest time, in seconds, a routine (``information``) toast stays on screen;
#: warnings and errors keep the time they ask for.
INFO_TOAST_SECONDS = 4.0
#: Seconds the query must rest, with its results shown, to join the query history.
HISTORY_IDLE_SECONDS = 2.0


#: A terminal this short or shorter has no room for toasts beside a dialog.
SMALL_TERMINAL_ROWS = 30


class PaperBrowseApp(App[None]):
    """Search, read and bookmark papers.

    Args:
        locations: where the index and library live.
        corpus: the captures the index reflects (built on first run).
        library: the bookmarks store; opened from ``locations`` if omitted.
        index: an already opened index; opened (or built) in a worker if omitted.
        config: the user's configuration (:mod:`paperbrowse.config`): first sort
            order, theme, keymap; the defaults if omitted.
    """

    TITLE = "paperbrowse"
    CSS_PATH = "app.tcss"

    #: Made from the key table, :data:`paperbrowse.ui.keys.KEYS` (ids, keys, labels,
    #: footer order); the help screen and the palette are made from it too.
    BINDINGS = keys.bindings()

    #: ``search``, ``bookmarks`` or ``similar``. Not watched at start (``init=False``):
    #: the first listing is started once, when the index is open.
    view: reactive[str] = reactive("search", init=False)
    sort: reactive[str] = reactive("relevance")

    def __init__(
        self,
        locations: Locations,
        corpus: Corpus,
        *,
        library: Library | None = None,
        index: PaperIndex | None = None,
        config: Config | None = None,
    ) -> None:
        super().__init__()
        self.config = config or Config()
        #: The theme last applied or remembered (see :meth:`_remember_theme`).
        self._theme_kept: str | None = None
        self.locations = locations
        self.corpus = corpus
        self.library = library or Library(locations.ensure().library_path, auto_backup=True)
        self.index = index
        self.results: Results | None = None
        #: The bookmarks by paper id, oldest first (refreshed on every listing).
        self.marks: dict[str, Bookmark] = {}
        self.bookmarked: frozenset[str] = frozenset()
        #: paper id -> the citation key the library keeps, read with the bookmarks
        #: (the detail pane shows it on every cursor move: no query per move)
        self.keys: dict[str, str] = {}
        self._reload_marks()
        #: The list, tag or status the bookmarks view is narrowed to (None: all).
        self.narrowing: Narrowing | None = None
        self.export_format = "md"
        #: What the export dialog offers first: ``bookmarks`` or ``results``.
        self.export_scope = "bookmarks"
        self.filters = Filters()
        self.history = QueryHistory(locations.history_path)
        self.similar_to: Paper | None = None
        #: Held while a search runs in the engine: one search at a time.
        self._engine_busy = threading.Lock()
        #: The bookmarks the bookmarks view lists (narrowed), in order.
        self._listed_marks: list[Bookmark] = []
        #: Destructive actions that ``u`` can take back, the latest last.
        self.undo_stack: list[UndoEntry] = []
        #: Adds the query to the history when it rests (see :meth:`_remember_when_idle`).
        self._history_timer: Timer | None = None

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
        self._apply_config()
        self._fit_footer(self.size.width)
        self.query_one("#importing").display = False
        self.query_one("#results").border_title = "Results"
        self.query_one("#detail").border_title = "Paper"
        self.query_one(DetailPane).show(None)
        self.query_one(SearchBar).history = self.history.entries
        if self.index is None:
            self.query_one("#main").display = False
            self.load_index()
        else:
            self.query_one("#building").display = False
            self._index_opened()
        self.query_one(SearchBar).focus()

    # ------------------------------------------------------------------ config
    def _apply_config(self) -> None:
        """Apply the user's configuration: the first sort order, the keymap (by binding
        id, through :meth:`App.set_keymap`) and the theme: the one last chosen in the
        app (``<data dir>/state.json``) while the config's ``theme`` is unchanged, else
        the config's. The file's problems show as one warning notification."""
        config = self.config = self.config.checked(self.available_themes, keys.binding_ids())
        self.sort = config.sort
        if config.keys:
            self.set_keymap(dict(config.keys))
        chosen = remembered_theme(self.locations.data_dir, config.theme)
        theme = chosen if chosen in self.available_themes else config.theme
        if theme:
            self.theme = theme
        self._theme_kept = self.theme
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        if config.problems:
            self.notify(
                "\n".join(config.problems),
                title="Configuration file",
                severity="warning",
                timeout=20,
                markup=False,
            )

    def _remember_theme(self, theme) -> None:
        """A theme was chosen (the palette's "Theme" command): keep it in the state file
        so that the next start uses it (see :func:`paperbrowse.config.remembered_theme`)."""
        if theme.name == self._theme_kept:
            return
        self._theme_kept = theme.name
        try:
            remember_theme(self.locations.ensure().data_dir, theme.name, self.config.theme)
        except OSError as exc:
            self.notify(f"Cannot remember the theme: {exc}", severity="warning")

    # ------------------------------------------------------------------ toasts
    NOTIFICATION_TIMEOUT = 3

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """As :meth:`App.notify`; a routine (``information``) toast stays at most
        :data:`INFO_TOAST_SECONDS` (3 s by default), so toasts do not cover the
        abstract for long."""
        if severity == "information":
            timeout = min(timeout or self.NOTIFICATION_TIMEOUT, INFO_TOAST_SECONDS)
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    def on_notify(self, event: Notify) -> None:
        """Before a toast is shown (Textual's own handler adds it next), drop the
        oldest so that at most :data:`MAX_TOASTS` are on screen."""
        shown = list(self._notifications)
        for old in shown[: max(0, len(shown) - MAX_TOASTS + 1)]:
            self._unnotify(old, refresh=False)

    # ------------------------------------------------------------------ index
    @work(thread=True, exclusive=True, group="index", exit_on_error=False)
    def load_index(self) -> None:
        """Open the index, building it first if it is missing or stale."""
        worker = get_current_worker()
        try:
            opened = open_index(
                self.locations,
                self.corpus,
                library=self.library,
                progress=lambda done, total: self.post_message(IndexProgress(done, total)),
                is_cancelled=lambda: worker.is_cancelled,
                on_wait=lambda: self.call_from_thread(
                    self.notify, WRITER_BUSY, title="Index busy", timeout=10
                ),
            )
        except Exception as exc:  # shown to the user; the app stays usable for bookmarks
            self.post_message(IndexFailed(str(exc)))
            return
        self.post_message(
            IndexReady(
                opened.index,
                opened.built,
                [str(e) for e in opened.capture_errors],
                recovered=opened.recovered,
            )
        )

    def on_index_progress(self, message: IndexProgress) -> None:
        self.query_one("#building-progress", ProgressBar).update(
            total=message.total, progress=message.done
        )

    def on_index_ready(self, message: IndexReady) -> None:
        self.index = message.index
        self.query_one("#building").display = False
        self.query_one("#main").display = True
        if message.recovered:
            self.notify(
                f"{message.recovered}. It was rebuilt from the captures and your imported "
                "papers; bookmarks are untouched.",
                title="Index repaired",
                severity="warning",
                timeout=15,
            )
        for warning in message.warnings:
            self.notify(warning, title="Capture skipped", severity="warning", timeout=10)
        if message.built:
            stamp = message.index.stamp
            self.notify(
                f"Indexed {papers(stamp.docs)} in {stamp.seconds:.1f} s", title="Index ready"
            )
        self._index_opened()

    def on_index_failed(self, message: IndexFailed) -> None:
        self.query_one("#building-label", Label).update(f"Cannot open the index: {message.error}")
        self.notify(message.error, title="Index error", severity="error", timeout=30)

    def _index_opened(self) -> None:
        assert self.index is not None
        self.sub_title = papers(self.index.doc_count())
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
            self.set_reactive(PaperBrowseApp.view, "search")
            self.similar_to = None
        self.run_search(event.value, self.sort)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def run_search(self, text: str, sort: str) -> None:
        """Search for the first page (:data:`PAGE_SIZE` hits and the facets) off the
        UI thread; posts :class:`SearchCompleted`. The result list fetches
        further pages itself, as they come on screen.

        One search runs in the engine at a time. A search starts at once when
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
        while not self._engine_busy.acquire(timeout=WAIT_POLL_SECONDS):
            if worker.is_cancelled:
                return  # a newer search replaced this one before it ran
        try:
            if worker.is_cancelled:
                return
            results = self.index.search(
                text,
                sort=sort,
                limit=PAGE_SIZE,
                filters=self.filters,
                forgiving=True,
                facets=True,
            )
        except IndexDamaged as exc:  # bytes damaged on disk: say how to mend it
            self.post_message(SearchCompleted(text, sort, None, str(exc)))
            return
        except Exception as exc:  # never fail silently: the user sees what went wrong
            self.post_message(SearchCompleted(text, sort, None, f"search failed: {exc!r}"))
            return
        finally:
            self._engine_busy.release()
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
        self._show_source(SearchSource(self.index, results))
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

    def _bookmark_summary(self) -> str:
        """The bookmarks view's facet line: counts per list, tag and status."""
        active = self.narrowing

        def item(kind: str, value: str, label: str, count: int) -> str:
            text = f"{escape(label)} {count}"
            return f"[b reverse]{text}[/]" if active == Narrowing(kind, value) else text

        all_text = f"All {len(self.marks)}"
        parts = [f"[b]{all_text}[/]" if active is None else all_text]
        # statuses (three at most) before lists and tags: a long line is cut at the end
        counts = self._status_counts()
        if any(counts.values()):
            parts.append(
                ", ".join(
                    item("status", s, f"{STATUS_MARKS[s]} {s}", counts[s])
                    for s in STATUSES
                    if counts[s]
                )
            )
        lists = self.library.lists()
        if lists:
            parts.append("Lists: " + ", ".join(item("list", n, n, c) for n, c in lists))
        tags = self.library.tags()
        if tags:
            parts.append("Tags: " + ", ".join(item("tag", t, tag_label(t), c) for t, c in tags))
        return " · ".join(parts)

    def _status_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(STATUSES, 0)
        for bm in self.marks.values():
            if bm.status:
                counts[bm.status] += 1
        return counts

    def _reload_marks(self) -> None:
        """Read the bookmarks (with their tags, status, lists, note) from the library."""
        self.marks = {bm.paper.id: bm for bm in self.library.bookmarks()}
        self.bookmarked = frozenset(self.marks)
        self.keys = {paper_id: key for key, paper_id in self.library.citation_keys()}

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
        abstract = ()
        if self.index is not None and self.results is not None and self.view != "bookmarks":
            abstract = self.index.highlight(paper.abstract, self.results)
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
        )

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
        self.screen.set_focus(self.query_one(ResultList))

    def remember_query(self) -> None:
        """Add the search bar's query to the history (the user acted on its results)."""
        bar = self.query_one(SearchBar)
        try:
            if self.history.add(bar.value):
                bar.history = self.history.entries
        except OSError as exc:  # the history is a convenience: say so, go on
            self.notify(f"Cannot save the query history: {exc}", severity="warning")

    # ---------------------------------------------------------------- actions
    def push_screen(self, screen, *args, **kwargs):  # type: ignore[override]
        """Open a screen; a dialog on a small terminal first clears the toasts, which
        would cover its last lines (the keys it takes) at 80×24."""
        if isinstance(screen, ModalScreen) and self.size.height <= SMALL_TERMINAL_ROWS:
            self.clear_notifications()
        return super().push_screen(screen, *args, **kwargs)

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

        if self.screen is not self.screen_stack[0] or isinstance(self.focused, Input | TextArea):
            raise SkipAction()
        self.action_focus_search()

    def action_focus_search(self) -> None:
        """Move the focus to the search bar (synchronously, see :meth:`action_focus_results`)."""
        self.screen.set_focus(self.query_one(SearchBar))

    def action_escape(self) -> None:
        if self.view == "bookmarks":
            self.action_toggle_bookmarks_view()
        elif self.view == "similar":
            self.view = "search"
        elif self.focused is not self.query_one(SearchBar):
            self.action_focus_search()

    def action_toggle_bookmark(self) -> None:
        """Bookmark the selected paper, or remove its bookmark.

        A bookmark the user organised (tags, a reading status, lists or a note:
        :meth:`Library.organised`) is removed only after a yes in a
        :class:`~paperbrowse.ui.screens.ConfirmScreen`; a plain one at once.
        Either removal can be undone with ``u`` (:meth:`action_undo`).
        """
        hit = self.query_one(ResultList).current_hit
        if hit is None:
            self.notify("No paper selected.", severity="warning")
            return
        self.remember_query()
        paper = hit.paper
        bookmark = self.library.bookmark(paper.id)
        if bookmark is None:
            self.library.add(paper)
            self._mark_changed(paper.id)
            self.notify(f"Bookmarked {paper.title}", timeout=3)
            return
        if not self.library.organised(paper.id):
            self._remove_bookmark(paper)
            return

        from paperbrowse.ui.screens import ConfirmScreen

        def answered(yes: bool | None) -> None:
            if yes:
                self._remove_bookmark(paper)
            else:
                self.notify(f"Kept the bookmark of {paper.title}", timeout=3)

        question = ConfirmScreen(
            removal_question(bookmark), yes="remove the bookmark", no="keep it"
        )
        self.push_screen(question, answered)

    def _remove_bookmark(self, paper: Paper) -> None:
        """Remove the bookmark of ``paper`` (as :meth:`Library.remove`), keeping it for undo."""
        removed = self.library.remove(paper.id)
        if removed is None:  # removed meanwhile (by the CLI): nothing to take back
            self._mark_changed(paper.id)
            return
        lost = organisation_summary(removed)
        what = f"the bookmark of “{paper.title}”" + (f" with its {lost}" if lost else "")
        self.push_undo(UndoEntry(paper.id, what, lambda: self.library.restore(removed)))
        self._mark_changed(paper.id)
        self.notify(f"Removed bookmark: {paper.title} · u undoes", timeout=5)

    def _mark_changed(self, paper_id: str) -> None:
        """Redraw the bookmark mark of ``paper_id`` where it is listed (the bookmarks
        view keeps an un-bookmarked paper listed, unmarked, until it is left)."""
        self._reload_marks()
        result_list = self.query_one(ResultList)
        result_list.refresh_mark(paper_id, paper_id in self.bookmarked, self.marks.get(paper_id))
        self._show_detail(result_list.current_hit)
        if self.view == "bookmarks":
            self._update_status()

    # ------------------------------------------------------------------- undo
    def push_undo(self, entry: UndoEntry) -> None:
        """Remember a destructive action for :meth:`action_undo` (the latest
        :data:`UNDO_DEPTH` are kept)."""
        self.undo_stack.append(entry)
        del self.undo_stack[:-UNDO_DEPTH]
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """``undo`` is enabled (and shown in the footer) only when there is something to undo."""
        if action == "undo":
            return bool(self.undo_stack)
        return True

    def action_undo(self) -> None:
        """Take back the last destructive action: a bookmark removed (with its
        tags, status and lists), tags or a list membership taken away, a
        status or note cleared."""
        if not self.undo_stack:
            self.action_nothing_to_undo()
            return
        entry = self.undo_stack.pop()
        self.refresh_bindings()
        try:
            entry.restore()
        except (ValueError, OSError, LibraryError) as exc:
            self.notify(
                f"Cannot restore {entry.what}: {exc}",
                title="Undo failed",
                severity="error",
                timeout=10,
            )
            return
        self._library_changed(entry.paper_id)
        more = f" ({len(self.undo_stack)} more to undo)" if self.undo_stack else ""
        self.notify(f"Restored {entry.what}{more}", title="Undone", timeout=5)

    def action_nothing_to_undo(self) -> None:
        self.notify("Nothing to undo.", timeout=2)

    def action_toggle_bookmarks_view(self) -> None:
        """Switch between the search results and the bookmarks."""
        self.view = "bookmarks" if self.view != "bookmarks" else "search"

    def watch_view(self, view: str) -> None:
        if view == "bookmarks":
            self._show_bookmarks()
            self.query_one(ResultList).focus()
        elif view == "search":
            self.similar_to = None
            self.run_search(self.query_one(SearchBar).value, self.sort)

    def _show_bookmarks(self, keep: str | None = None) -> None:
        """List the bookmarks (narrowed by :attr:`narrowing`), oldest first.

        Args:
            keep: a paper id to keep highlighted if it is still listed; else
                the highlight stays at the same row (the next paper, when the
                highlighted one left the narrowed set). Without ``keep`` the
                first bookmark is highlighted.
        """
        result_list = self.query_one(ResultList)
        row = (result_list.highlighted or 0) if keep is not None else 0
        self._reload_marks()
        if self.narrowing is None:
            marks = list(self.marks.values())
        else:
            try:
                marks = self.library.bookmarks(**self.narrowing.query)
            except ValueError:  # a tag or status that cannot exist: show everything
                self.narrowing = None
                marks = list(self.marks.values())
        hits = [
            Hit(
                bm.paper,
                rank,
                0.0,
                ((bm.paper.title, False),),
                ((bm.paper.abstract[:300], False),) if bm.paper.abstract else (),
            )
            for rank, bm in enumerate(marks)
        ]
        ids = [bm.paper.id for bm in marks]
        self._listed_marks = list(marks)
        self._show_source(ListSource(hits), ids.index(keep) if keep in ids else row)
        self._update_status()

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
        assert self.index is not None
        try:
            results = self.index.similar(paper.id, limit=PAGE_SIZE, filters=self.filters)
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
        self.screen.set_focus(self.query_one(ResultList))

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

        self.push_screen(FilterScreen(r.facets, self.filters, self.library.ids()), chosen)

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

    def action_narrow_bookmarks(self) -> None:
        """Pick a reading list, tag or status to narrow the bookmarks view to."""
        if self.view != "bookmarks":
            self.view = "bookmarks"

        from paperbrowse.ui.screens import BookmarkFilterScreen

        def chosen(choice: str | None) -> None:
            if choice is not None:
                self.narrow_bookmarks(Narrowing.parse(choice))

        self._reload_marks()
        self.push_screen(
            BookmarkFilterScreen(
                len(self.marks),
                self.library.lists(),
                self.library.tags(),
                self._status_counts(),
                self.narrowing,
            ),
            chosen,
        )

    def narrow_bookmarks(self, narrowing: Narrowing | None) -> None:
        """Show only the bookmarks of ``narrowing`` (``None``: all of them)."""
        self.narrowing = narrowing
        if self.view == "bookmarks":
            self._show_bookmarks()
        else:
            self.view = "bookmarks"
        shown = self.query_one(ResultList).total
        what = narrowing.describe(shown) if narrowing else f"all {papers(shown)}"
        self.notify(f"Bookmarks: {what}", timeout=2)

    def action_accept_suggestion(self) -> None:
        """Replace the query with the offered spelling correction."""
        r = self.results
        if r is None or not r.suggestion:
            self.notify("No correction to accept.", severity="warning")
            return
        bar = self.query_one(SearchBar)
        bar.value = r.suggestion
        bar.cursor_position = len(r.suggestion)

    # ---------------------------------------------------------- organising
    def _selected_paper(self) -> Paper | None:
        """The highlighted paper (the user acts on it), or None with a warning."""
        hit = self.query_one(ResultList).current_hit
        if hit is None:
            self.notify("No paper selected.", severity="warning")
            return None
        self.remember_query()
        return hit.paper

    def _library_changed(self, paper_id: str) -> None:
        """Redraw what shows the organisation of ``paper_id`` after it changed."""
        if self.view == "bookmarks":
            self._show_bookmarks(keep=paper_id)
            return
        self._reload_marks()
        result_list = self.query_one(ResultList)
        result_list.refresh_mark(paper_id, paper_id in self.bookmarked, self.marks.get(paper_id))
        self._show_detail(result_list.current_hit)

    def action_edit_tags(self) -> None:
        """Edit the tags of the selected paper (bookmarking it)."""
        paper = self._selected_paper()
        if paper is None:
            return
        from paperbrowse.ui.screens import TagsScreen

        current = self.library.bookmark(paper.id)

        def done(tags: tuple[str, ...] | None) -> None:
            if tags is None:
                return
            was_marked = paper.id in self.library
            if not tags and not was_marked:
                self.notify("No tags given: nothing changed.", timeout=3)
                return
            old = current.tags if current else ()
            try:
                stored = self.library.set_tags(paper, tags)
            except ValueError as exc:
                self.notify(str(exc), title="Tags not saved", severity="error")
                return
            taken = [t for t in old if t not in stored]
            if taken:
                self.push_undo(
                    UndoEntry(
                        paper.id,
                        f"the tags {' '.join(map(tag_label, taken))} of “{paper.title}”",
                        lambda: self.library.set_tags(paper, old),
                    )
                )
            self._library_changed(paper.id)
            shown = " ".join(tag_label(t) for t in stored) or "none"
            extra = " (bookmarked)" if not was_marked else ""
            self.notify(f"Tags of “{paper.title}”: {shown}{extra}", timeout=3)

        known = self.library.tags()
        self.push_screen(TagsScreen(paper, current.tags if current else (), known), done)

    def action_edit_note(self) -> None:
        """Write the note on the selected paper (bookmarking it)."""
        paper = self._selected_paper()
        if paper is None:
            return
        from paperbrowse.ui.screens import NoteScreen

        old = self.library.note(paper.id)  # notes outlive bookmarks: offer it again

        def done(text: str | None) -> None:
            if text is None:
                return
            was_marked = paper.id in self.library
            if text.strip() == old.strip() and (was_marked or not old):
                self.notify("Note unchanged.", timeout=2)
                return
            self.library.set_note(paper, text)
            if was_marked and old.strip():
                self.push_undo(
                    UndoEntry(
                        paper.id,
                        f"the note on “{paper.title}”",
                        lambda: self.library.set_note(paper, old),
                    )
                )
            if not was_marked and not text.strip():
                # deleting an old note of an unbookmarked paper: do not bookmark it
                self.library.remove(paper.id)
            self._library_changed(paper.id)
            verb = "saved" if text.strip() else "deleted"
            extra = " (bookmarked)" if not was_marked and text.strip() else ""
            self.notify(f"Note {verb}: “{paper.title}”{extra}", timeout=3)

        self.push_screen(NoteScreen(paper, old), done)

    def action_cycle_status(self) -> None:
        """Cycle the reading status: to-read → reading → read → none (bookmarking)."""
        paper = self._selected_paper()
        if paper is None:
            return
        current = self.library.bookmark(paper.id)
        new = next_status(current.status if current else None)
        self.library.set_status(paper, new)
        if current is not None and current.status and new is None:
            old = current.status
            self.push_undo(
                UndoEntry(
                    paper.id,
                    f"status ‘{old}’ of “{paper.title}”",
                    lambda: self.library.set_status(paper, old),
                )
            )
        self._library_changed(paper.id)
        extra = " (bookmarked)" if current is None else ""
        what = f"Status: {status_label(new)}" if new else "Status cleared"
        self.notify(f"{what} · “{paper.title}”{extra}", timeout=3)

    def action_edit_lists(self) -> None:
        """Put the selected paper on reading lists or take it off, create lists."""
        paper = self._selected_paper()
        if paper is None:
            return

        from paperbrowse.ui.screens import ListsScreen

        before = self.library.bookmark(paper.id)

        def done(changed: bool | None) -> None:
            if not changed:
                return
            after = self.library.bookmark(paper.id)
            kept = {name.casefold() for name in after.lists} if after else set()
            taken = [n for n in (before.lists if before else ()) if n.casefold() not in kept]
            if taken:

                def put_back() -> None:
                    for name in taken:
                        self.library.add_to_list(name, paper)

                self.push_undo(
                    UndoEntry(paper.id, f"“{paper.title}” on {', '.join(taken)}", put_back)
                )
            self._library_changed(paper.id)

        self.push_screen(ListsScreen(self.library, paper), done)

    def action_open_page(self) -> None:
        """Open the selected paper's page in the web browser."""
        paper = self._selected_paper()
        if paper is None:
            return
        url = page_url(paper)
        if url is None:
            self.notify("No link is known for this paper.", severity="warning")
            return
        self.notify(f"Opening {url}", timeout=3)
        self.open_in_browser(url)

    def action_open_pdf(self) -> None:
        """Open the selected paper's PDF (arXiv papers) in the web browser."""
        paper = self._selected_paper()
        if paper is None:
            return
        url = pdf_url(paper)
        if url is None:
            self.notify("No PDF is known for this paper (not on arXiv).", severity="warning")
            return
        self.notify(f"Opening the PDF {url}", timeout=3)
        self.open_in_browser(url)

    def open_in_browser(self, url: str) -> None:
        """Open ``url`` in a graphical browser, or copy it when there is none.

        Without a display (an SSH session, a Linux console) Python's
        :mod:`webbrowser` falls back to a text browser (lynx, w3m) in this very
        terminal, on top of the app; the link goes to the clipboard instead
        (OSC 52 reaches the user's own terminal, even over SSH).
        """
        if not graphical_browser_available():
            self.copy_to_clipboard(url)
            self.notify(
                f"No graphical browser here (no DISPLAY): copied the link {url}",
                title="Link copied",
                timeout=8,
            )
            return
        self._open_in_browser(url)

    @work(thread=True, group="browser", exit_on_error=False)
    def _open_in_browser(self, url: str) -> None:
        """Open ``url`` with :func:`webbrowser.open` off the UI thread (it may block)."""
        import webbrowser

        try:
            opened = webbrowser.open(url)
            problem = "no web browser was found"
        except Exception as exc:  # reported to the user, the app goes on
            opened, problem = False, str(exc)
        if not opened:
            self.call_from_thread(
                self.notify, f"Cannot open {url}: {problem}", severity="error", timeout=8
            )

    def action_copy_bibtex(self) -> None:
        """Copy the BibTeX entry of the selected paper to the clipboard."""
        paper = self._selected_paper()
        if paper is None:
            return
        # the library's key: assigned now if the paper has none, and kept for good
        key = self.keys[paper.id] = self.library.citation_key(paper)
        entry = bibtex_entry(paper, self.library.bookmark(paper.id), key)
        self.copy_to_clipboard(entry)
        key = entry.partition("{")[2].partition(",")[0]
        self.notify(f"Copied BibTeX entry for “{paper.title}” ({key})", timeout=3)

    def action_copy_citation(self) -> None:
        """Copy a plain-text citation of the selected paper to the clipboard."""
        paper = self._selected_paper()
        if paper is None:
            return
        try:
            citation = plain_citation(paper)
        except Exception as exc:  # citeproc-py failing on odd data: say so, go on
            self.notify(f"Cannot format a citation: {exc!r}", severity="error", timeout=8)
            return
        self.copy_to_clipboard(citation)
        self.notify(f"Copied citation: {citation}", timeout=3)

    # ----------------------------------------------------------------- import
    def action_import_papers(self) -> None:
        """Ask what to import (arXiv, HF daily, BibTeX, JSON Lines, captures), then import it."""
        if self.index is None:
            self.notify("The index is still being built.", severity="warning")
            return

        from paperbrowse.ui.importing import ImportScreen

        def chosen(request: SourceRequest | None) -> None:
            if request is not None:
                self.query_one("#importing-label", Label).update(
                    f"Importing {escape(request.label)}…"
                )
                self.query_one("#importing-progress", ProgressBar).update(total=None)
                self.query_one("#importing").display = True
                self.run_import(request)

        self.push_screen(ImportScreen(Path.cwd()), chosen)

    @work(thread=True, exclusive=True, group="import", exit_on_error=False)
    def run_import(self, request: SourceRequest) -> None:
        """Import off the UI thread; posts :class:`ImportProgress` and :class:`ImportFinished`.

        Uses the same core call as ``paperbrowse add``; searches keep running
        while it works (Whoosh readers never wait for the writer).
        """
        from paperbrowse.core.ingest import ImportInterrupted, import_records
        from paperbrowse.ui.importing import ImportFinished, ImportProgress

        label = request.label
        try:
            summary = import_records(
                request.records(
                    # "arXiv is busy (HTTP 503); retrying in 4 s (retry 2 of 3)" in the label
                    on_retry=lambda notice: self.call_from_thread(
                        lambda: self.query_one("#importing-label", Label).update(
                            f"Importing {escape(label)}: {escape(str(notice))}…"
                        )
                    )
                ),
                locations=self.locations,
                corpus=self.corpus,
                library=self.library,
                progress=lambda s: self.post_message(ImportProgress(label, s)),
                on_wait=lambda: self.post_message(ImportProgress(label, None)),
                on_takeover=lambda message: self.call_from_thread(
                    self.notify, message, title="Import", severity="warning", timeout=15
                ),
            )
        except ImportInterrupted as stop:
            self.post_message(ImportFinished(label, stop.summary, "interrupted"))
            return
        except Exception as exc:  # offline, unreadable file, full disk: the user sees why
            self.post_message(ImportFinished(label, None, str(exc)))
            return
        self.post_message(ImportFinished(label, summary))

    def on_import_progress(self, message: ImportProgress) -> None:
        text = (
            f"Importing {escape(message.label)}: {message.summary}"
            if message.summary is not None
            else "Another import is running in this data directory; waiting for it…"
        )
        self.query_one("#importing-label", Label).update(text)

    def on_import_finished(self, message: ImportFinished) -> None:
        self.query_one("#importing").display = False
        summary = message.summary
        if summary is None:
            self.notify(
                f"{message.label}: {message.error}",
                title="Import failed",
                severity="error",
                timeout=15,
            )
            return
        lines = [f"{message.label}: {summary}"]
        lines += [f"• {error}" for error in summary.errors[:5]]
        if len(summary.errors) > 5:
            lines.append(f"… and {len(summary.errors) - 5} more (paperbrowse add lists them all)")
        self.notify(
            "\n".join(lines),
            title="Import interrupted" if message.error else "Import finished",
            severity="warning" if summary.errors or message.error else "information",
            timeout=15,
        )
        if self.index is not None:
            self.sub_title = papers(self.index.doc_count())
        if self.view == "search":
            self.run_search(self.query_one(SearchBar).value, self.sort)

    def action_help(self) -> None:
        """Show every key binding and the query syntax."""
        from paperbrowse.ui.screens import HelpScreen

        self.push_screen(HelpScreen(self.key_help()))

    def key_help(self) -> list[tuple[str, str]]:
        """``(keys, description)`` for every key, for the help screen (from the key
        table, :mod:`paperbrowse.ui.keys`, with the user's ``[keys]`` overrides)."""
        return keys.help_rows(self.config.keys)

    def action_export(self) -> None:
        """Ask what, where and in which format to export, then write it.

        What: the reading list (in the bookmarks view narrowed to a list, tag
        or status, only that set, and the dialog says so) or, in the search
        and similar-papers views, the current results (the first
        :data:`~paperbrowse.ui.screens.RESULTS_EXPORT_CAP`, in the order shown).
        """
        from paperbrowse.ui.screens import RESULTS_EXPORT_CAP, ExportChoice, ExportScreen

        narrowing = self.narrowing if self.view == "bookmarks" else None
        query = narrowing.query if narrowing else {}
        count = len(self.library.bookmarks(**query)) if narrowing else len(self.library)
        results = self.results.total if self.view != "bookmarks" and self.results else None
        if count == 0 and not results:
            if narrowing is not None:
                self.notify(f"No bookmarks {narrowing.phrase} to export.", severity="warning")
                return
            self.notify("No bookmarks to export yet: press b on a paper first.", severity="warning")
            return
        listed = self.results

        def done(choice: ExportChoice | None) -> None:
            if choice is None:
                return
            from paperbrowse.core import export as exporter

            self.export_format = choice.fmt
            self.export_scope = choice.scope
            try:
                if choice.scope == "results" and listed is not None:
                    marks = self._result_marks(listed, RESULTS_EXPORT_CAP)
                    what = papers(len(marks))
                    if listed.total > len(marks):
                        what += f" (the first of {listed.total:,} results)"
                    title = "Results exported"
                else:
                    marks = self.library.bookmarks(**query)
                    what = narrowing.describe(len(marks)) if narrowing else papers(len(marks))
                    title = "Reading list exported"
                written = exporter.export(marks, choice.path, choice.fmt)
            except (OSError, ValueError) as exc:
                self.notify(
                    f"Cannot write {choice.path}: {getattr(exc, 'strerror', None) or exc}",
                    title="Export failed",
                    severity="error",
                    timeout=10,
                )
                return
            self.notify(f"Wrote {what} to {written}", title=title, timeout=8)

        screen = ExportScreen(
            count,
            Path.cwd(),
            self.export_format,
            what=narrowing.describe(count) if narrowing else None,
            stem=narrowing.file_stem if narrowing else "reading-list",
            results=results,
            scope=self.export_scope,
        )
        self.push_screen(screen, done)

    def _result_marks(self, results: Results, cap: int) -> list[Bookmark]:
        """The first ``cap`` papers of ``results`` as the exporter takes them: a
        bookmarked paper with its tags, status, lists and note, any other one
        bare (dated now)."""

        if self.view == "search" and self.index is not None and results.total > len(results.hits):
            results = self.index.search(
                results.query,
                sort=results.sort,
                limit=cap,
                filters=results.filters,
                forgiving=True,
            )
        self._reload_marks()
        # a paper not bookmarked has no date added: the exports write none
        return [
            self.marks.get(hit.paper.id) or Bookmark(hit.paper, None) for hit in results.hits[:cap]
        ]

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for title, help_text, action in keys.palette_commands(self.config.keys):
            yield SystemCommand(title, help_text, getattr(self, f"action_{action}"))


def run_app(locations: Locations, corpus: Corpus, config: Config | None = None) -> None:
    """Open the library and run the app until the user quits (``config``: see
    :class:`PaperBrowseApp`).

    Raises:
        click.ClickException: the data directory or library cannot be opened.
    """
    import click

    from paperbrowse.core.library import LibraryError

    try:
        library = Library(locations.ensure().library_path, auto_backup=True)
    except (LibraryError, OSError) as exc:
        raise click.ClickException(str(exc)) from exc
    PaperBrowseApp(locations, corpus, library=library, config=config).run()
