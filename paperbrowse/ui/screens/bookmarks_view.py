"""The main screen's bookmarks view: listing the bookmarks, narrowed to a reading
list, tag or status, and its facet line of counts.

A mixin of :class:`~paperbrowse.ui.screens.main.MainScreen` (kept apart so that
no file grows past a few hundred lines): it uses the screen's state
(``marks``, ``narrowing``, ``view``...) and its app's library.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.markup import escape

from paperbrowse.core.library import STATUSES, Bookmark
from paperbrowse.core.models import Hit, papers
from paperbrowse.ui.organise import STATUS_MARKS, Narrowing, tag_label
from paperbrowse.ui.paging import ListSource
from paperbrowse.ui.widgets import ResultList


class BookmarksView:
    """The bookmarks view of the main screen (a mixin: see the module)."""

    if TYPE_CHECKING:  # provided by MainScreen
        app: Any
        library: Any
        marks: dict[str, Bookmark]
        view: str
        narrowing: Narrowing | None
        _listed_marks: list[Bookmark]
        query_one: Any
        notify: Any
        _reload_marks: Any
        _show_source: Any
        _update_status: Any

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

    def action_narrow_bookmarks(self) -> None:
        """Pick a reading list, tag or status to narrow the bookmarks view to."""
        if self.view != "bookmarks":
            self.view = "bookmarks"

        from paperbrowse.ui.screens import BookmarkFilterScreen

        def chosen(choice: str | None) -> None:
            if choice is not None:
                self.narrow_bookmarks(Narrowing.parse(choice))

        self._reload_marks()
        self.app.push_screen(
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
