"""The main screen's organising actions: bookmark, undo, tags, notes, reading
status, reading lists, links, citations and export.

A mixin of :class:`~paperbrowse.ui.screens.main.MainScreen` (kept apart so that
no file grows past a few hundred lines): it uses the screen's state
(``results``, ``marks``, ``view``, ``narrowing``...) and its app's library.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import work

from paperbrowse.core.library import Bookmark, LibraryError
from paperbrowse.core.models import Paper, Results, papers
from paperbrowse.ui.organise import (
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
from paperbrowse.ui.widgets import ResultList

#: How many destructive actions ``u`` (``ctrl+z``) can take back, latest first.
UNDO_DEPTH = 50


class OrganiseActions:
    """The organising actions of the main screen (a mixin: see the module)."""

    if TYPE_CHECKING:  # provided by MainScreen
        app: Any
        library: Any
        engine: Any
        results: Results | None
        marks: dict[str, Bookmark]
        bookmarked: frozenset[str]
        keys: dict[str, str]
        view: str
        narrowing: Any
        export_format: str
        export_scope: str
        undo_stack: list[UndoEntry]
        query_one: Any
        notify: Any
        refresh_bindings: Any
        remember_query: Any
        _reload_marks: Any
        _show_detail: Any
        _show_bookmarks: Any
        _update_status: Any

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
        self.app.push_screen(question, answered)

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
        self.app.push_screen(TagsScreen(paper, current.tags if current else (), known), done)

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

        self.app.push_screen(NoteScreen(paper, old), done)

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

        self.app.push_screen(ListsScreen(self.library, paper), done)

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
            self.app.copy_to_clipboard(url)
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
            self.app.call_from_thread(
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
        self.app.copy_to_clipboard(entry)
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
        self.app.copy_to_clipboard(citation)
        self.notify(f"Copied citation: {citation}", timeout=3)

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
        # the search or similar papers' results (not while a watch's papers are listed)
        listed_results = self.view in ("search", "similar") and self.results
        results = self.results.total if listed_results and self.results else None
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
        self.app.push_screen(screen, done)

    def _result_marks(self, results: Results, cap: int) -> list[Bookmark]:
        """The first ``cap`` papers of ``results`` as the exporter takes them: a
        bookmarked paper with its tags, status, lists and note, any other one
        bare (dated now). A search's further hits are those of the query it was
        resolved to (:meth:`EngineGateway.page`), in the order the list shows them."""
        if self.view == "search" and self.index is not None and results.total > len(results.hits):
            results = self.engine.page(results, 0, cap)
        self._reload_marks()
        # a paper not bookmarked has no date added: the exports write none
        return [
            self.marks.get(hit.paper.id) or Bookmark(hit.paper, None) for hit in results.hits[:cap]
        ]
