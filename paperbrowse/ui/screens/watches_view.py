"""The main screen's watch view: the papers of one watch, or of the inbox (every
unseen paper of every watch, once each), listed in the result list newest first.

A mixin of :class:`~paperbrowse.ui.screens.main.MainScreen`, as
:mod:`~paperbrowse.ui.screens.bookmarks_view` is: ``w`` opens the watches dialog
(:class:`~paperbrowse.ui.screens.watches.WatchesScreen`); choosing the inbox or a
watch sets the screen's ``view`` to ``"watch"``; ``esc`` goes back to the search
results. The data is :class:`~paperbrowse.core.watches.WatchStore`'s.

**When a paper counts as seen.** As in a mail reader's preview pane: when the
detail pane has shown it, in a watch view, for :data:`SEEN_AFTER_SECONDS` (the
cursor rests on it: its abstract was read), or at once when it is opened with
``enter``. Moving through the list with ``j``/``k`` does not mark the papers
passed over, so skimming the titles loses nothing; ``A`` marks every paper of
the watch shown (of the inbox: every paper listed) seen, for the papers a
glance at the titles settled. Seen is per paper: a paper seen in one watch is
seen in every watch holding it (the inbox counts it once). Seen papers stay
listed, without the ``new`` mark, until the view is opened again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.markup import escape

from paperbrowse.config import inbox_due, remember_inbox_shown
from paperbrowse.core.models import Hit, Paper, papers
from paperbrowse.ui.keys import effective_keys, show_keys
from paperbrowse.ui.paging import ListSource
from paperbrowse.ui.widgets import ResultList

if TYPE_CHECKING:
    from paperbrowse.core.watches import WatchStore

#: Seconds the cursor must rest on a paper of a watch view for it to count as seen.
SEEN_AFTER_SECONDS = 2.0
#: Characters of the abstract a watch view's hit shows as its snippet.
SNIPPET_CHARS = 300


class WatchesView:
    """The watch view of the main screen (a mixin: see the module).

    Attributes (set on first use):
        watch_shown: the watch listed, or ``None`` for the inbox.
    """

    if TYPE_CHECKING:  # provided by MainScreen
        app: Any
        library: Any
        config: Any
        view: str
        bookmarked: frozenset[str]
        query_one: Any
        notify: Any
        set_timer: Any
        set_focus: Any
        call_after_refresh: Any
        _reload_marks: Any
        _show_source: Any
        _update_status: Any

    watch_shown: str | None = None
    _watch_papers: tuple[str, ...] = ()
    _seen_timer: Any = None

    # ------------------------------------------------------------ the store
    @property
    def watches(self) -> WatchStore:
        """The watches of the app's library (a store is cheap: it holds no connection;
        the module is imported on first use, not at the app's start)."""
        from paperbrowse.core.watches import WatchStore

        return WatchStore(self.library)

    def _inbox_count(self) -> int:
        return len(self.watches.inbox())

    # ------------------------------------------------------------ the dialog
    def action_watches(self) -> None:
        """Open the watches dialog: the inbox and each watch with its counts."""
        from paperbrowse.ui.screens.watches import INBOX, WatchesScreen, watch_option_id

        def chosen(choice: str | None) -> None:
            if choice is None:
                return
            self.show_watch(None if choice == INBOX else choice.removeprefix("watch:"))

        active = None
        if self.view == "watch":
            active = INBOX if self.watch_shown is None else watch_option_id(self.watch_shown)
        store = self.watches
        self.app.push_screen(WatchesScreen(store.list(), len(store.inbox()), active), chosen)

    def show_watch(self, name: str | None) -> None:
        """List the papers of watch ``name`` (``None``: the inbox) in the result list."""
        self.watch_shown = name
        if self.view == "watch":
            self._show_watch()
        else:
            self.view = "watch"  # the screen's view watcher calls _show_watch

    def _open_inbox_if_due(self) -> None:
        """``[app] inbox = true``: on the first start of a day with unseen papers,
        open on the inbox (:func:`~paperbrowse.config.inbox_due`)."""
        data_dir = self.app.locations.data_dir
        try:
            if not inbox_due(data_dir, self.config) or not self._inbox_count():
                return
        except Exception as exc:  # the inbox is a convenience: the search opens instead
            self.notify(f"Cannot read the watches: {exc}", severity="warning")
            return
        # after the refresh: the screen's own start (focusing the search bar) comes first
        self.call_after_refresh(self.show_watch, None)

    # ------------------------------------------------------------ the listing
    def _show_watch(self) -> None:
        """List the papers of :attr:`watch_shown` (or the inbox), newest first, the
        unseen ones marked, the cursor on the first; focus the list."""
        from paperbrowse.core.watches import WatchError

        store = self.watches
        name = self.watch_shown
        try:
            if name is None:
                listed = [(paper, False, names) for paper, names in store.inbox()]
            else:
                listed = [(wp.paper, wp.seen, ()) for wp in store.papers(name)]
        except WatchError as exc:  # removed in a shell since the dialog opened
            self.notify(str(exc), severity="warning")
            self.watch_shown = None
            listed = [(paper, False, names) for paper, names in store.inbox()]
        if self.watch_shown is None and self.config.inbox:
            try:
                remember_inbox_shown(self.app.locations.data_dir)
            except OSError as exc:
                self.notify(f"Cannot remember that the inbox was shown: {exc}", severity="warning")
        hits = [_hit(paper, rank, names) for rank, (paper, _seen, names) in enumerate(listed)]
        self._watch_papers = tuple(paper.id for paper, _seen, _names in listed)
        self._reload_marks()
        self._show_source(ListSource(hits))
        result_list = self.query_one(ResultList)
        result_list.set_unseen(frozenset(paper.id for paper, seen, _names in listed if not seen))
        result_list.border_title = escape(self._watch_title())
        self.set_focus(result_list)  # at once: keys typed next (j, A) go to the list
        self._update_status()
        self._rest_on(result_list.current_hit)

    def _watch_title(self) -> str:
        return "Inbox: unseen papers" if self.watch_shown is None else f"Watch {self.watch_shown}"

    def _watch_status(self) -> str:
        """The status line of the watch view."""
        result_list = self.query_one(ResultList)
        unseen = len(result_list.unseen)
        what = "Inbox" if self.watch_shown is None else f"Watch [b]{escape(self.watch_shown)}[/]"
        counts = f"[b]{unseen}[/] new of {papers(len(self._watch_papers))}"
        # the user's keys ([keys] in the config file), as the help shows them
        shown = effective_keys(self.config.keys)
        all_seen = escape(show_keys(shown.get("mark_all_seen", "")))
        watches = escape(show_keys(shown.get("watches", "")))
        hints = f"{all_seen}: all seen · {watches}: watches · esc: back"
        return f"{what}: {counts}  [dim]· {hints}[/]"

    def _watch_summary(self) -> str:
        """The facet line of the watch view: unseen / total per watch."""
        try:
            watches = self.watches.list()
        except Exception:  # the status line still says what is listed
            return ""
        parts = [
            f"{escape(w.name)} [green]{w.unseen}[/]/{w.total}"
            if w.unseen
            else f"{escape(w.name)} 0/{w.total}"
            for w in watches
        ]
        return "Unseen/total: " + " · ".join(parts) if parts else ""

    # ------------------------------------------------------------ seen
    def on_result_list_highlighted(self, event: ResultList.Highlighted) -> None:
        """The cursor moved: in a watch view, the paper it rests on becomes seen
        after :data:`SEEN_AFTER_SECONDS`."""
        if self.view == "watch" and event.index == event.result_list.highlighted:
            self._rest_on(event.hit)

    def on_result_list_selected(self, event: ResultList.Selected) -> None:
        """``enter`` on a paper of a watch view: it is seen at once."""
        if self.view == "watch" and event.hit is not None:
            self._mark_seen([event.hit.paper.id])

    def _rest_on(self, hit: Hit | None) -> None:
        if self._seen_timer is not None:
            self._seen_timer.stop()
            self._seen_timer = None
        if hit is None or hit.paper.id not in self.query_one(ResultList).unseen:
            return
        paper_id = hit.paper.id

        def rested() -> None:
            self._seen_timer = None
            current = self.query_one(ResultList).current_hit
            if self.view == "watch" and current is not None and current.paper.id == paper_id:
                self._mark_seen([paper_id])

        self._seen_timer = self.set_timer(SEEN_AFTER_SECONDS, rested)

    def _mark_seen(self, paper_ids: list[str]) -> int:
        """Mark ``paper_ids`` seen (in every watch), redraw the marks and counts.
        Returns how many were unseen."""
        result_list = self.query_one(ResultList)
        wanted = [p for p in paper_ids if p in result_list.unseen]
        if not wanted:
            return 0
        try:
            self.watches.mark_seen(wanted)
        except Exception as exc:  # a read-only library, a full disk: say so, mark nothing
            self.notify(f"Cannot mark papers seen: {exc}", severity="error")
            return 0
        result_list.set_unseen(result_list.unseen - frozenset(wanted))
        self._update_status()
        return len(wanted)

    def action_mark_all_seen(self) -> None:
        """Mark every paper of the watch shown (of the inbox: every paper listed) seen."""
        if self.view != "watch":
            self.notify(
                "A marks the papers of a watch seen: w lists the watches.", severity="warning"
            )
            return
        name = self.watch_shown
        count = self._mark_seen(list(self._watch_papers))
        where = "the inbox" if name is None else f"watch {name}"
        self.notify(f"Marked {papers(count)} seen in {where}", timeout=2)


def _hit(paper: Paper, rank: int, watch_names: tuple[str, ...]) -> Hit:
    """A watch view's hit: the title, and the abstract's start as the snippet
    (in the inbox, after the names of the watches holding the paper)."""
    snippet = paper.abstract[:SNIPPET_CHARS]
    if watch_names:
        snippet = f"[{', '.join(watch_names)}] {snippet}"
    return Hit(paper, rank, 0.0, ((paper.title, False),), ((snippet, False),) if snippet else ())
