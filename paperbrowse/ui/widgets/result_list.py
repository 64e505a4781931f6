"""The (virtual) result list: hits drawn line by line, fetched a page at a time."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

from rich.segment import Segment as RichSegment
from rich.text import Text
from textual import events, on
from textual.binding import Binding
from textual.cache import LRUCache
from textual.content import Content
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.style import Style as VisualStyle
from textual.visual import Visual
from textual.worker import Worker

from paperbrowse.core.library import Bookmark
from paperbrowse.core.models import Hit
from paperbrowse.ui.paging import PAGE_SIZE, HitSource, ListSource
from paperbrowse.ui.widgets.hit import HIT_LINES, hit_lines

#: Rows per hit in the result list: its lines and a separator.
ROWS_PER_HIT = HIT_LINES + 1
#: Pages of hits a result list keeps at most (8 × 30 = 240 hits); more only while
#: more pages are on screen or wanted at once (a very tall terminal).
MAX_PAGES = 8
#: Pages within this many hits of the screen or the cursor are fetched ahead.
PREFETCH_HITS = 10


class PageArrived(Message, bubble=False):
    """A page of hits fetched for a :class:`ResultList` (posted by its worker to itself).

    Attributes:
        source: the source the page was fetched from; the list ignores the
            page if it shows another source by now (stale: the query, sort
            or filters changed meanwhile).
        number: the page number.
        hits: the page's hits (empty when ``error`` is set).
        error: what went wrong, or ``None``.
    """

    def __init__(
        self, source: HitSource, number: int, hits: tuple[Hit, ...], error: str | None = None
    ) -> None:
        super().__init__()
        self.source = source
        self.number = number
        self.hits = hits
        self.error = error


class ResultList(ScrollView, can_focus=True):
    """A virtual list of hits: every hit of the query has its rows, few are built.

    A Line-API widget. Hit ``i`` (0-based, in list order) takes rows
    ``i * ROWS_PER_HIT`` to ``i * ROWS_PER_HIT + HIT_LINES - 1`` of the
    virtual height, followed by a separator row; the virtual height is
    ``total × ROWS_PER_HIT − 1`` rows, so the scroll bar stands for the whole
    result set, and :meth:`render_line` draws only the rows on screen.

    Hits come from a :class:`~paperbrowse.ui.paging.HitSource` by pages of
    ``source.page_size`` hits (:data:`~paperbrowse.ui.paging.PAGE_SIZE`, 30):
    an engine query's pages for a search, an in-memory list for the
    bookmarks and similar papers. A page is fetched in a thread worker when
    the cursor reaches it or its rows come on screen, or when it comes
    within :data:`PREFETCH_HITS` hits of the screen or the cursor in the
    direction they move; one page at a time, the most needed first (the
    cursor's, then those on screen, then the one ahead). A jump (``G``,
    ``g``, the scroll bar) fetches just the page it lands on. Rows of hits
    not held show a dim placeholder. A page that arrives for a source no
    longer shown (the query, sort or filters changed meanwhile) is dropped.

    Bound: the list keeps at most :data:`MAX_PAGES` pages (8 × 30 = 240
    hits; more only while more pages are on screen or wanted at once, on a
    very tall terminal); after each page arrives, the pages farthest from
    those wanted are dropped, and fetched again if needed. Each hit's lines
    are rendered once per width and style (normal, cursor, hover) and kept
    in an LRU cache of as many entries.

    Posts :class:`ResultList.Highlighted` when the cursor moves (and again
    when the hit under it arrives), :class:`ResultList.Selected` on ``enter``
    or a click.

    Attributes:
        source: what the list shows (``None`` before the first listing).
        highlighted: the cursor: the index of the highlighted hit, or ``None``
            when the list is empty.
        pages_fetched: the page numbers fetched for the current source, in
            the order their fetches started (for tests and benchmarks).
        drawn: what the last frame drew: ``(source, cursor, held)``, ``held``
            being whether the hit under the cursor was drawn, not a
            placeholder (a benchmark waits on it).
        shown_at: :func:`time.perf_counter` seconds when the current source
            was first drawn (a benchmark times keystrokes with it).
    """

    BINDINGS = [
        Binding("up", "cursor_up", "Up", show=False),
        Binding("down", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("home", "first", "First", show=False),
        Binding("g", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
        Binding("G", "last", "Last", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("enter", "select", "Select", show=False),
    ]

    COMPONENT_CLASSES = {"result-list--cursor", "result-list--hover", "result-list--separator"}

    DEFAULT_CSS = """
    ResultList {
        overflow-x: hidden;
        overflow-y: auto;
        padding: 0 1;
        color: $foreground;
        background: $surface;
        & > .result-list--cursor {
            color: $foreground;
            background: $block-cursor-blurred-background;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus {
            background-tint: $foreground 5%;
            & > .result-list--cursor {
                color: $block-cursor-foreground;
                background: $block-cursor-background;
                text-style: $block-cursor-text-style;
            }
        }
        & > .result-list--hover {
            background: $block-hover-background;
        }
        & > .result-list--separator {
            color: $foreground 15%;
        }
    }
    """

    highlighted: reactive[int | None] = reactive(None, repaint=False, init=False)

    class HitMessage(Message):
        """About hit ``index`` of the list.

        Attributes:
            result_list: the list.
            index: the hit's index in the list.
            hit: that hit, or ``None`` while its page is being fetched.
        """

        def __init__(self, result_list: ResultList, index: int, hit: Hit | None) -> None:
            super().__init__()
            self.result_list = result_list
            self.index = index
            self.hit = hit

        @property
        def control(self) -> ResultList:
            """The list (for ``@on(ResultList.Highlighted, "#results")``)."""
            return self.result_list

    class Highlighted(HitMessage):
        """The cursor moved to hit ``index``, or the hit under it arrived."""

    class Selected(HitMessage):
        """The user chose hit ``index`` (``enter``, or a click)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.source: HitSource | None = None
        self.drawn: tuple[HitSource | None, int | None, bool] = (None, None, False)
        self.shown_at = 0.0
        self.pages_fetched: list[int] = []
        self._pages: dict[int, tuple[Hit, ...]] = {}
        self._failed: dict[int, str] = {}
        self._loading: int | None = None
        self._worker: Worker | None = None
        self._bookmarked: frozenset[str] = frozenset()
        self._marks: dict[str, Bookmark] = {}
        #: paper ids drawn with the unseen mark (a watch's papers; see :meth:`set_unseen`)
        self._unseen: frozenset[str] = frozenset()
        self._hover: int | None = None
        #: the direction the cursor or the window last moved: 1 down, -1 up, 0 (a jump)
        self._heading = 0
        #: drawn lines by (hit index, width, style)
        self._lines: LRUCache[tuple[int, int, VisualStyle], list[Strip]] = LRUCache(
            MAX_PAGES * PAGE_SIZE
        )

    # ------------------------------------------------------------- contents
    @property
    def total(self) -> int:
        """Number of hits listed (every hit of the source, not only those held)."""
        return self.source.total if self.source is not None else 0

    @property
    def held_pages(self) -> list[int]:
        """Numbers of the fetched pages the list keeps, in order (at most :data:`MAX_PAGES`)."""
        return sorted(self._pages)

    def show(
        self,
        source: HitSource,
        bookmarked: frozenset[str],
        marks: Mapping[str, Bookmark] | None = None,
        highlight: int = 0,
    ) -> None:
        """List the hits of ``source``, the cursor on hit ``highlight`` (clamped).

        Whatever was listed before is forgotten, and any page still being
        fetched for it is dropped on arrival. ``bookmarked`` (paper ids) and
        ``marks`` (bookmarks by paper id) add the bookmark, status marks and
        tags to the rows. With ``highlight`` 0 the list scrolls to the top;
        otherwise it scrolls as little as keeps the cursor on screen. Posts
        no :class:`Highlighted`: the caller shows the detail of
        :attr:`current_hit` itself.
        """
        if self._worker is not None:
            self._worker.cancel()  # its page is dropped on arrival (another source)
        self._worker = None
        self._loading = None
        self.source = source
        self.pages_fetched = []
        self._pages = {number: tuple(hits) for number, hits in source.ready_pages().items()}
        self._failed = {}
        self._lines.clear()
        self._bookmarked = frozenset(bookmarked)
        self._marks = dict(marks or {})
        self._unseen = frozenset()
        self._hover = None
        self._heading = 0
        self._update_virtual_size()
        cursor = max(0, min(highlight, source.total - 1)) if source.total else None
        self.set_reactive(ResultList.highlighted, cursor)
        if not cursor:
            self.scroll_to(y=0, animate=False)
        self._scroll_to_cursor()
        self._update_position()
        self.refresh()
        self._want_pages()

    def show_hits(
        self,
        hits: Sequence[Hit],
        bookmarked: frozenset[str],
        marks: Mapping[str, Bookmark] | None = None,
        highlight: int = 0,
    ) -> None:
        """List ``hits`` (held in memory: a :class:`~paperbrowse.ui.paging.ListSource`);
        the rest as :meth:`show`."""
        self.show(ListSource(hits), bookmarked, marks, highlight)

    def hit_at(self, index: int) -> Hit | None:
        """Hit ``index`` of the list, or ``None`` if its page is not held (or out of range)."""
        source = self.source
        if source is None or not 0 <= index < source.total:
            return None
        number, offset = divmod(index, source.page_size)
        page = self._pages.get(number)
        if page is None:
            page = source.local_page(number)
        if page is None or offset >= len(page):
            return None
        return page[offset]

    @property
    def current_hit(self) -> Hit | None:
        """The highlighted hit, if any (``None`` too while its page is being fetched)."""
        return None if self.highlighted is None else self.hit_at(self.highlighted)

    def hit_text(self, index: int) -> list[str]:
        """The plain text of the lines hit ``index`` is drawn with, at the list's width."""
        width = self.scrollable_content_region.width or 80
        strips = self._hit_strips(index, width, self.get_visual_style())
        return [strip.text.rstrip() for strip in strips]

    def refresh_mark(
        self, paper_id: str, bookmarked: bool, bookmark: Bookmark | None = None
    ) -> None:
        """Redraw the hits of ``paper_id`` after its bookmark (status, tags) changed."""
        if bookmarked:
            self._bookmarked = self._bookmarked | {paper_id}
            if bookmark is not None:
                self._marks[paper_id] = bookmark
        else:
            self._bookmarked = self._bookmarked - {paper_id}
            self._marks.pop(paper_id, None)
        self._lines.clear()  # a few visible hits are rendered again
        self.refresh()

    @property
    def unseen(self) -> frozenset[str]:
        """The paper ids drawn with the unseen mark (empty after :meth:`show`)."""
        return self._unseen

    def set_unseen(self, paper_ids: frozenset[str]) -> None:
        """Draw the hits of ``paper_ids`` with the unseen mark
        (:data:`~paperbrowse.ui.widgets.hit.UNSEEN_MARK`), the others without:
        a watch's papers not seen yet. :meth:`show` clears it."""
        if paper_ids == self._unseen:
            return
        self._unseen = frozenset(paper_ids)
        self._lines.clear()
        self.refresh()

    # --------------------------------------------------------------- paging
    def _visible_hits(self) -> range:
        """Indexes of the hits with rows on screen (empty when nothing is listed)."""
        top = self.scroll_offset.y
        height = max(1, self.scrollable_content_region.height)
        first = top // ROWS_PER_HIT
        last = (top + height - 1) // ROWS_PER_HIT
        return range(min(first, self.total), min(last + 1, self.total))

    def _wanted_pages(self) -> list[int]:
        """Pages to hold, most needed first: the cursor's, those on screen, then the
        pages within :data:`PREFETCH_HITS` hits of the screen and of the cursor in the
        direction the list last moved (none after a jump to the first or last hit)."""
        source = self.source
        if source is None or not source.total:
            return []
        size, last = source.page_size, source.total - 1
        wanted: list[int] = []

        def want(index: int) -> None:
            number = max(0, min(index, last)) // size
            if number not in wanted:
                wanted.append(number)

        cursor = self.highlighted
        if cursor is not None:
            want(cursor)
        visible = self._visible_hits()
        heading = self._heading
        if visible:
            for index in range(visible.start, visible.stop, size):
                want(index)
            want(visible.stop - 1)
            if heading > 0:
                want(visible.stop - 1 + PREFETCH_HITS)
            elif heading < 0:
                want(visible.start - PREFETCH_HITS)
        if cursor is not None and heading:
            want(cursor + heading * PREFETCH_HITS)
        return wanted

    def _want_pages(self) -> None:
        """Start fetching the most needed page not held, unless a fetch is under way."""
        source = self.source
        if source is None or self._loading is not None:
            return
        for number in self._wanted_pages():
            if number in self._pages or number in self._failed:
                continue
            if source.local_page(number) is not None:
                continue
            self._fetch(number)
            return

    def _fetch(self, number: int) -> None:
        source = self.source
        assert source is not None
        self._loading = number
        self.pages_fetched.append(number)

        def fetch() -> None:
            try:
                hits, error = tuple(source.fetch_page(number)), None
            except Exception as exc:  # shown in the page's rows
                hits, error = (), str(exc) or repr(exc)
            self.post_message(PageArrived(source, number, hits, error))

        self._worker = self.run_worker(
            fetch, name=f"page {number}", group="result-pages", thread=True, exit_on_error=False
        )

    @on(PageArrived)
    def _page_arrived(self, message: PageArrived) -> None:
        message.stop()
        if message.source is not self.source:
            return  # stale: fetched for a query, sort or filter no longer shown
        number = message.number
        if number == self._loading:
            self._loading = None
            self._worker = None
        if message.error is not None:
            self._failed[number] = message.error
        else:
            self._pages[number] = message.hits
            self._drop_far_pages()
        self.refresh()
        cursor = self.highlighted
        size = self.source.page_size
        if cursor is not None and cursor // size == number:
            self.post_message(self.Highlighted(self, cursor, self.hit_at(cursor)))
        self._want_pages()

    def _drop_far_pages(self) -> None:
        """Keep at most :data:`MAX_PAGES` pages (or those wanted, if more): drop the
        pages farthest from any wanted page."""
        wanted = self._wanted_pages()
        bound = max(MAX_PAGES, len(wanted))
        while len(self._pages) > bound:
            far = [n for n in self._pages if n not in wanted]
            if not far:
                return
            victim = max(far, key=lambda n: min((abs(n - w) for w in wanted), default=n))
            del self._pages[victim]

    # ------------------------------------------------------------ rendering
    def _update_virtual_size(self) -> None:
        width = self.scrollable_content_region.width
        size = Size(width, max(0, self.total * ROWS_PER_HIT - 1))
        if size != self.virtual_size:
            self.virtual_size = size
            self._scroll_update(size)

    def on_resize(self, event: events.Resize) -> None:
        self._update_virtual_size()
        self._want_pages()

    def _strips(self, lines: list[Text], width: int, style: VisualStyle) -> list[Strip]:
        """Lines of Rich text (each at most ``width`` cells) as strips of ``width`` cells
        on ``style``, drawn the way Textual draws a widget's content (so ``dim`` and
        theme colours look as elsewhere in the app)."""
        text = Text("\n").join(lines)
        content = Content.from_rich_text(text, self.app.console)
        strips = Visual.to_strips(self, content, width, len(lines), style, pad=True)
        blank = Strip.blank(width, style.rich_style)
        return (strips + [blank] * len(lines))[: len(lines)]

    def _hit_strips(self, index: int, width: int, style: VisualStyle) -> list[Strip]:
        """The :data:`HIT_LINES` strips of hit ``index``, ``width`` cells each, drawn
        on ``style`` (kept per hit, width and style; a placeholder while its page
        is not held)."""
        key = (index, width, style)
        strips = self._lines.get(key)
        if strips is not None:
            return strips
        hit = self.hit_at(index)
        if hit is None:
            return self._strips(self._placeholder(index, width), width, style)
        paper_id = hit.paper.id
        lines = hit_lines(
            hit,
            paper_id in self._bookmarked,
            self._marks.get(paper_id),
            width,
            self.app.console,
            unseen=paper_id in self._unseen,
        )
        strips = self._strips(lines, width, style)
        self._lines[key] = strips
        return strips

    def _placeholder(self, index: int, width: int) -> list[Text]:
        """The lines of a hit whose page is not held: being fetched, failed, or gone."""
        assert self.source is not None
        number = index // self.source.page_size
        if number in self._failed:
            label = f"Cannot load hit {index + 1:,}: {self._failed[number]}"
        elif number in self._pages:
            label = f"Hit {index + 1:,} is gone from the index: search again"
        else:
            label = f"Loading hit {index + 1:,}…"
        text = Text(label, style="dim italic")
        text.truncate(width, overflow="ellipsis")
        return [text] + [Text() for _ in range(HIT_LINES - 1)]

    def render_lines(self, crop: Region) -> list[Strip]:
        """The rows in ``crop`` (of the screen), drawn by :meth:`render_line`."""
        if self.drawn[0] is not self.source:
            self.shown_at = time.perf_counter()
        self.drawn = (self.source, self.highlighted, self.current_hit is not None)
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        """Row ``y`` of the screen: a line of the hit there, its separator, or blank."""
        width = self.scrollable_content_region.width
        row = self.scroll_offset.y + y
        index, line = divmod(row, ROWS_PER_HIT)
        if self.source is None or width <= 0 or row >= self.total * ROWS_PER_HIT - 1:
            # below the last hit (which has no separator)
            return Strip.blank(width, self.get_visual_style().rich_style)
        if line == HIT_LINES:
            rule = self.get_visual_style("result-list--separator").rich_style
            return Strip([RichSegment("─" * width, rule)], width)
        if index == self.highlighted:
            style = self.get_visual_style("result-list--cursor")
        elif index == self._hover:
            style = self.get_visual_style("result-list--hover")
        else:
            style = self.get_visual_style()
        return self._hit_strips(index, width, style)[line]

    def _refresh_hit(self, index: int | None) -> None:
        if index is not None:
            self.refresh_lines(index * ROWS_PER_HIT, HIT_LINES)

    def _update_position(self) -> None:
        """The border's subtitle: where the cursor is in the list (``12 of 100,000``)."""
        cursor = self.highlighted
        self.border_subtitle = f"{cursor + 1:,} of {self.total:,}" if cursor is not None else ""

    # --------------------------------------------------------------- cursor
    def validate_highlighted(self, index: int | None) -> int | None:
        if index is None or not self.total:
            return None
        return max(0, min(index, self.total - 1))

    def watch_highlighted(self, old: int | None, new: int | None) -> None:
        self._refresh_hit(old)
        self._refresh_hit(new)
        self._update_position()
        if new is None:
            return
        self._scroll_to_cursor()
        self._want_pages()
        self.post_message(self.Highlighted(self, new, self.hit_at(new)))

    def _scroll_to_cursor(self) -> None:
        cursor = self.highlighted
        if cursor is None or not self.is_mounted:
            return
        width = max(1, self.scrollable_content_region.width)
        self.scroll_to_region(
            Region(0, cursor * ROWS_PER_HIT, width, HIT_LINES),
            animate=False,
            force=True,
            immediate=True,
        )

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if round(new) != round(old):
            self._heading = 1 if new > old else -1
        self._want_pages()  # the wheel, the scroll bar or the cursor brought other rows on screen

    def _move(self, delta: int) -> None:
        if not self.total:
            return
        self._heading = 1 if delta > 0 else -1
        cursor = self.highlighted
        self.highlighted = 0 if cursor is None else cursor + delta

    def action_cursor_up(self) -> None:
        """Highlight the previous hit."""
        self._move(-1)

    def action_cursor_down(self) -> None:
        """Highlight the next hit."""
        self._move(1)

    def action_first(self) -> None:
        """Highlight the first hit (only its page is fetched, if not held)."""
        self._heading = 0
        self.highlighted = 0

    def action_last(self) -> None:
        """Highlight the last hit (only its page is fetched)."""
        self._heading = 0
        self.highlighted = self.total - 1

    def _page_hits(self) -> int:
        return max(1, self.scrollable_content_region.height // ROWS_PER_HIT)

    def action_page_up(self) -> None:
        """Move the cursor up by a screenful of hits."""
        self._move(-self._page_hits())

    def action_page_down(self) -> None:
        """Move the cursor down by a screenful of hits."""
        self._move(self._page_hits())

    def action_select(self) -> None:
        """Choose the highlighted hit: posts :class:`ResultList.Selected`."""
        cursor = self.highlighted
        if cursor is not None:
            self.post_message(self.Selected(self, cursor, self.hit_at(cursor)))

    # ---------------------------------------------------------------- mouse
    def _hit_under(self, event: events.MouseEvent) -> int | None:
        offset = event.get_content_offset(self)
        if offset is None:
            return None
        index = (offset.y + self.scroll_offset.y) // ROWS_PER_HIT
        return index if 0 <= index < self.total else None

    def on_click(self, event: events.Click) -> None:
        index = self._hit_under(event)
        if index is not None:
            self.highlighted = index
            self.action_select()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        index = self._hit_under(event)
        if index != self._hover:
            old, self._hover = self._hover, index
            self._refresh_hit(old)
            self._refresh_hit(index)

    def on_leave(self, event: events.Leave) -> None:
        old, self._hover = self._hover, None
        self._refresh_hit(old)
