"""Widgets of the main screen: search bar, result list, detail pane."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from rich.table import Table
from rich.text import Text
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from paperbrowse.core.library import Bookmark
from paperbrowse.core.models import Hit, Paper, Segment
from paperbrowse.ui.organise import STATUS_MARKS, STATUS_STYLES, status_label, tag_label
from paperbrowse.ui.render import paper_meta, segments_text

BOOKMARK_MARK = "★ "
#: Lines of abstract snippet shown under each hit in the result list.
SNIPPET_LINES = 2


class SearchBar(Input):
    """The query input, with the query history on the up arrow.

    ``up`` recalls older queries, ``down`` newer ones and then the text being
    typed; ``down`` on that text (an app binding, so focus moves before the
    next key is read) or ``enter`` moves to the results.

    Attributes:
        history: the queries to recall, oldest first (set by the app).
    """

    BINDINGS = [Binding("up", "history_back", "Older query", show=False)]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.history: list[str] = []
        self._position: int | None = None  # index into history while recalling
        self._draft = ""

    @property
    def recalling(self) -> bool:
        """True while the value is a recalled query (``down`` goes newer)."""
        return self._position is not None

    def _recall(self, value: str) -> None:
        self.value = value
        self.cursor_position = len(value)

    def action_history_back(self) -> None:
        """Show the previous (older) query of the history."""
        if not self.history:
            return
        if self._position is None:
            self._draft = self.value
            self._position = len(self.history)
        if self._position > 0:
            self._position -= 1
            self._recall(self.history[self._position])

    def history_forward(self) -> None:
        """Show the next (newer) query, and after the newest the text typed before."""
        if self._position is None:
            return
        self._position += 1
        if self._position >= len(self.history):
            self._position = None
            self._recall(self._draft)
        else:
            self._recall(self.history[self._position])

    def forget_position(self) -> None:
        """Leave history recall (the user edited the recalled query)."""
        self._position = None


def _trim(segments: tuple[Segment, ...], limit: int) -> tuple[Segment, ...]:
    out: list[Segment] = []
    used = 0
    for text, matched in segments:
        if used + len(text) > limit:
            cut = text[: max(0, limit - used)].rsplit(" ", 1)[0]
            out.append((cut + "…", matched))
            break
        out.append((text, matched))
        used += len(text)
    return tuple(out)


def hit_prompt(
    hit: Hit, bookmarked: bool, snippet_chars: int = 160, bookmark: Bookmark | None = None
) -> Text:
    """The prompt of a hit: title, a meta line, and about ``snippet_chars`` of snippet.

    A bookmarked paper starts with :data:`BOOKMARK_MARK` and, given its
    ``bookmark``, its reading-status mark; its tags follow the meta line, dim.
    """
    text = Text()
    if bookmarked:
        text.append(BOOKMARK_MARK, style="bold yellow")
        if bookmark is not None and bookmark.status:
            text.append(
                STATUS_MARKS[bookmark.status] + " ", style=f"bold {STATUS_STYLES[bookmark.status]}"
            )
    text.append_text(segments_text(hit.title, style="bold", match_style="bold reverse"))
    meta = paper_meta(hit.paper)
    tags = " ".join(tag_label(t) for t in bookmark.tags) if bookmarked and bookmark else ""
    if meta or tags:
        text.append("\n")
        text.append(meta, style="italic")
        if tags:
            text.append(("  " if meta else "") + tags, style="dim")
    if hit.snippet:
        text.append("\n")
        text.append_text(
            segments_text(
                _trim(hit.snippet, snippet_chars), style="dim", match_style="bold reverse"
            )
        )
    return text


class ResultList(OptionList):
    """The hits of the current query; each option's id is the paper id.

    Keeps the hits it shows in :attr:`hits`, in order. It holds the pages of
    hits fetched so far, never the whole result set: a further page is
    appended with :meth:`extend_hits`, which builds options for the new hits
    only.
    """

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("g", "first", "First", show=False),
        Binding("G", "last", "Last", show=False),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.hits: list[Hit] = []
        #: True if the last option carries a separator for hits still to come.
        self._open_end = False

    @property
    def snippet_chars(self) -> int:
        """Snippet length that fills about :data:`SNIPPET_LINES` lines of the list."""
        width = self.scrollable_content_region.width or 40
        return max(60, SNIPPET_LINES * (width - 3))

    def show_hits(
        self,
        hits: Sequence[Hit],
        bookmarked: frozenset[str],
        marks: Mapping[str, Bookmark] | None = None,
        highlight: int = 0,
        *,
        more: bool = False,
    ) -> None:
        """Replace the options with ``hits`` and highlight the one at ``highlight``.

        ``marks`` (bookmarks by paper id) adds status marks and tags to the
        bookmarked hits. A separator line follows each hit (separators are
        not options, so option indexes stay equal to hit indexes). ``more``
        says further pages may be appended (:meth:`extend_hits`).
        """
        self.hits = list(hits)
        self._open_end = more and bool(hits)
        self.set_options(self._options_for(self.hits, bookmarked, marks, self._open_end))
        if hits:
            self.highlighted = max(0, min(highlight, len(hits) - 1))

    def extend_hits(
        self,
        hits: Sequence[Hit],
        bookmarked: frozenset[str],
        marks: Mapping[str, Bookmark] | None = None,
        *,
        more: bool = False,
    ) -> bool:
        """Show ``hits``, a longer page of the query listed, by appending options.

        Only the hits past those listed get new options; the highlight and
        the scroll position stay. ``more`` as in :meth:`show_hits`.

        Returns:
            False, changing nothing, if ``hits`` does not start with the hits
            listed (the index changed meanwhile): then call :meth:`show_hits`.
        """
        listed = len(self.hits)
        if len(hits) < listed or any(
            old.paper.id != new.paper.id for old, new in zip(self.hits, hits, strict=False)
        ):
            return False
        tail = list(hits[listed:])
        if not tail:
            return True
        options = self._options_for(tail, bookmarked, marks, more)
        if self.hits and not self._open_end:
            options.insert(0, None)  # a separator after the last hit listed
        self.hits = [*self.hits, *tail]
        self._open_end = more
        self.add_options(options)
        return True

    def _options_for(
        self,
        hits: Sequence[Hit],
        bookmarked: frozenset[str],
        marks: Mapping[str, Bookmark] | None,
        open_end: bool,
    ) -> list[Option | None]:
        """One option per hit and a separator after each but the last; after
        the last too if ``open_end`` (more hits are to come): appending then
        starts with an option, so :class:`OptionList` keeps the heights it
        measured for the options listed instead of measuring them all again.
        (The list leaves a last separator out of its height.)"""
        chars = self.snippet_chars
        marks = marks or {}
        options: list[Option | None] = []
        for hit in hits:
            pid = hit.paper.id
            prompt = hit_prompt(hit, pid in bookmarked, chars, marks.get(pid))
            options.append(Option(prompt, id=pid))
            options.append(None)
        if options and not open_end:
            options.pop()
        return options

    @property
    def current_hit(self) -> Hit | None:
        """The highlighted hit, if any."""
        if self.highlighted is None or not (0 <= self.highlighted < len(self.hits)):
            return None
        return self.hits[self.highlighted]

    def refresh_mark(
        self, paper_id: str, bookmarked: bool, bookmark: Bookmark | None = None
    ) -> None:
        """Redraw one hit's prompt after its bookmark (status, tags) changed."""
        for hit in self.hits:
            if hit.paper.id == paper_id:
                prompt = hit_prompt(hit, bookmarked, self.snippet_chars, bookmark)
                self.replace_option_prompt(paper_id, prompt)
                return


class DetailPane(VerticalScroll):
    """The selected paper: title, metadata, the user's own organisation of it
    (when bookmarked: date added, status, tags, lists and note) and the
    abstract with matches highlighted."""

    def compose(self):
        yield Static(id="detail-title")
        yield Static(id="detail-meta")
        yield Static(id="detail-library")
        yield Static(id="detail-note")
        yield Static(id="detail-abstract")

    def show(
        self,
        paper: Paper | None,
        title: tuple[Segment, ...] = (),
        abstract: tuple[Segment, ...] = (),
        bookmarked: bool = False,
        bookmark: Bookmark | None = None,
    ) -> None:
        """Show ``paper`` (or an empty-state hint when ``None``)."""
        title_w = self.query_one("#detail-title", Static)
        meta_w = self.query_one("#detail-meta", Static)
        library_w = self.query_one("#detail-library", Static)
        note_w = self.query_one("#detail-note", Static)
        abstract_w = self.query_one("#detail-abstract", Static)
        mine = bookmark if bookmarked else None
        library_w.display = note_w.display = mine is not None
        if paper is None:
            title_w.update(Text("No paper selected", style="dim"))
            meta_w.update("")
            library_w.update("")
            note_w.update("")
            abstract_w.update("")
            return
        heading = Text()
        if bookmarked:
            heading.append(BOOKMARK_MARK, style="bold yellow")
        heading.append_text(segments_text(title or ((paper.title, False),), style="bold"))
        title_w.update(heading)
        meta_w.update(self._grid(self._meta_rows(paper, bookmarked)))
        if mine is not None:
            library_w.update(self._grid(self._library_rows(mine)))
            note_w.update(self._note(mine))
        else:
            library_w.update("")
            note_w.update("")
        abstract_w.update(segments_text(abstract or ((paper.abstract or "(no abstract)", False),)))
        self.scroll_home(animate=False)

    @staticmethod
    def _grid(rows: list[tuple[str, str | Text]]) -> Table:
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(overflow="fold")
        for label, value in rows:
            grid.add_row(label, value)
        return grid

    @staticmethod
    def _library_rows(bookmark: Bookmark) -> list[tuple[str, str | Text]]:
        """Date added, status, tags and lists, with the key that changes each."""

        def unset(key: str) -> Text:
            return Text(f"none ({key})", style="dim")

        status = bookmark.status
        return [
            ("Bookmarked", local_date(bookmark.added_at)),
            (
                "Status",
                Text(status_label(status), style=STATUS_STYLES[status]) if status else unset("r"),
            ),
            ("Tags", " ".join(tag_label(t) for t in bookmark.tags) or unset("t")),
            ("Lists", ", ".join(bookmark.lists) or unset("l")),
        ]

    @staticmethod
    def _note(bookmark: Bookmark) -> Text:
        if not bookmark.note:
            return Text("No note yet: n writes one", style="dim")
        text = Text("Note", style="bold")
        if bookmark.note_updated_at is not None:
            text.append(f" · {local_date(bookmark.note_updated_at)}", style="dim")
        text.append("\n")
        text.append(bookmark.note)
        return text

    @staticmethod
    def _meta_rows(paper: Paper, bookmarked: bool) -> list[tuple[str, str | Text]]:
        rows: list[tuple[str, str | Text]] = []
        if paper.authors:
            rows.append(("Authors", ", ".join(paper.authors)))
        elif paper.author_count:
            rows.append(("Authors", f"{paper.author_count} (names not listed in the source)"))
        if paper.organisation:
            handle = (
                f" ({paper.org_handle})"
                if paper.org_handle and paper.org_handle != paper.organisation
                else ""
            )
            rows.append(("Organisation", paper.organisation + handle))
        rows.append(
            ("Date", paper.published.strftime("%d %b %Y") if paper.published else "unknown")
        )
        if paper.upvotes is not None:
            rows.append(("Upvotes", str(paper.upvotes)))
        if paper.arxiv_id:
            rows.append(("arXiv", paper.arxiv_id))
        if paper.url:
            rows.append(("Link", paper.url))
        rows.append(("Source", ", ".join(paper.sources) or "unknown"))
        rows.append(("Id", paper.id))
        return rows


def local_date(moment: datetime) -> str:
    """``12 Mar 2025``: the day of ``moment`` in the local time zone."""
    return moment.astimezone().strftime("%d %b %Y")
