"""The detail pane: the selected paper's metadata, PDF, abstract and bookmark."""

from __future__ import annotations

from datetime import datetime

from rich.table import Table
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from paperbrowse.core.library import Bookmark
from paperbrowse.core.models import Paper, Segment
from paperbrowse.core.pdfs import PdfInfo
from paperbrowse.present import segments_text
from paperbrowse.ui.organise import STATUS_STYLES, status_label, tag_label
from paperbrowse.ui.widgets.hit import BOOKMARK_MARK


class DetailPane(VerticalScroll):
    """The selected paper: title, metadata, its PDF (a line such as "PDF: 8 pages,
    0.5 MB" or "PDF: missing (PATH)", shown only when it has one), the user's
    own organisation of it (when bookmarked: date added, status, tags, lists
    and note) and the abstract with matches highlighted."""

    def compose(self):
        yield Static(id="detail-title")
        yield Static(id="detail-meta")
        yield Static(id="detail-pdf")
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
        *,
        loading: bool = False,
        citation_key: str | None = None,
        pdf: PdfInfo | None = None,
        body: tuple[Segment, ...] = (),
        body_page: int | None = None,
    ) -> None:
        """Show ``paper`` (or, when ``None``, an empty-state hint; "Loading…" if
        ``loading``: the hit under the cursor is being fetched). ``citation_key``
        is the key the library keeps for it (else the paper's own is shown);
        ``pdf`` its attached PDF (``None``: no PDF, no line); ``body`` the
        snippet of its PDF's text on page ``body_page`` that matched the query,
        when nothing else of the paper did (:attr:`Hit.body_snippet`)."""
        title_w = self.query_one("#detail-title", Static)
        meta_w = self.query_one("#detail-meta", Static)
        library_w = self.query_one("#detail-library", Static)
        note_w = self.query_one("#detail-note", Static)
        abstract_w = self.query_one("#detail-abstract", Static)
        pdf_w = self.query_one("#detail-pdf", Static)
        pdf_w.display = paper is not None and (pdf is not None or bool(body))
        if pdf_w.display:
            line = self._pdf_line(pdf) if pdf is not None else Text()
            if body:  # why this paper is a hit: the words on that page of its PDF
                line.append("\n" if line.plain else "")
                line.append(f"Matched on p. {body_page}: ", style="bold")
                # the page's line breaks are the PDF's layout, not the text's
                flowed = tuple((part.replace("\n", " "), matched) for part, matched in body)
                line.append_text(segments_text(flowed, style="italic"))
            pdf_w.update(line)
        mine = bookmark if bookmarked else None
        library_w.display = note_w.display = mine is not None
        if paper is None:
            title_w.update(Text("Loading…" if loading else "No paper selected", style="dim"))
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
        meta_w.update(self._grid(self._meta_rows(paper, citation_key)))
        if mine is not None:
            library_w.update(self._grid(self._library_rows(mine)))
            note_w.update(self._note(mine))
        else:
            library_w.update("")
            note_w.update("")
        abstract_w.update(segments_text(abstract or ((paper.abstract or "(no abstract)", False),)))
        self.scroll_home(animate=False)

    def show_abstract(self, paper: Paper, abstract: tuple[Segment, ...]) -> None:
        """Show ``paper``'s abstract as ``abstract`` (its matches highlighted, arrived
        after :meth:`show`), keeping the scroll position."""
        self.query_one("#detail-abstract", Static).update(
            segments_text(abstract or ((paper.abstract or "(no abstract)", False),))
        )

    @staticmethod
    def _pdf_line(pdf: PdfInfo) -> Text:
        """``PDF: 8 pages, 0.5 MB (copied)``; a missing file in the warning colour."""
        if pdf.missing:
            return Text(pdf.describe(), style="bold yellow")
        line = Text(pdf.describe(), style="bold")
        line.append(f" ({pdf.kind})", style="dim")
        return line

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
    def _meta_rows(paper: Paper, citation_key: str | None = None) -> list[tuple[str, str | Text]]:
        """Who, what kind, where, when, and the identifiers: only what is known
        (the date with only its known parts, see :attr:`Paper.date_text`)."""
        rows: list[tuple[str, str | Text]] = []
        if paper.authors:
            extra = (paper.author_count or 0) - len(paper.authors)
            more = f" and {extra} more" if extra > 0 else ""
            rows.append(("Authors", ", ".join(paper.authors) + more))
        elif paper.author_count:
            rows.append(("Authors", f"{paper.author_count} (names not listed in the source)"))
        if paper.editors:
            rows.append(("Editors", ", ".join(map(str, paper.editors))))
        if paper.organisation:
            handle = (
                f" ({paper.org_handle})"
                if paper.org_handle and paper.org_handle != paper.organisation
                else ""
            )
            rows.append(("Organisation", paper.organisation + handle))
        if paper.entry_type:
            rows.append(("Type", entry_type_label(paper.entry_type)))
        if paper.venue:
            rows.append(("Venue", paper.venue))
        if paper.journal_ref and paper.container:
            rows.append(("Journal ref", paper.journal_ref))
        publisher = ", ".join(x for x in (paper.publisher, paper.address) if x)
        if publisher:
            rows.append(("Publisher", publisher))
        if paper.institution:
            rows.append(("Institution", paper.institution))
        rows.append(("Date", paper.date_text or Text("unknown", style="dim")))
        if paper.upvotes is not None:
            rows.append(("Upvotes", str(paper.upvotes)))
        if paper.doi:
            rows.append(("DOI", paper.doi))
        if paper.arxiv_id:
            rows.append(("arXiv", paper.arxiv_id))
        if paper.isbn:
            rows.append(("ISBN", paper.isbn))
        key = citation_key or paper.citation_key
        if key:
            rows.append(("Key", key))
        if paper.url:
            rows.append(("Link", paper.url))
        rows.append(("Source", ", ".join(paper.sources) or "unknown"))
        rows.append(("Id", paper.id))
        return rows


#: Words for the BibTeX entry types (and biblatex's), for the detail pane.
ENTRY_TYPE_WORDS = {
    "article": "journal article",
    "inproceedings": "conference paper",
    "conference": "conference paper",
    "incollection": "chapter in a book",
    "inbook": "part of a book",
    "book": "book",
    "booklet": "booklet",
    "proceedings": "proceedings",
    "techreport": "technical report",
    "report": "report",
    "phdthesis": "PhD thesis",
    "mastersthesis": "master's thesis",
    "thesis": "thesis",
    "manual": "manual",
    "unpublished": "unpublished",
    "misc": "other",
    "online": "online resource",
}


def entry_type_label(entry_type: str) -> str:
    """``conference paper (@inproceedings)``: the kind of work, with its BibTeX type."""
    word = ENTRY_TYPE_WORDS.get(entry_type.lower())
    return f"{word} (@{entry_type})" if word else f"@{entry_type}"


def local_date(moment: datetime) -> str:
    """``12 Mar 2025``: the day of ``moment`` in the local time zone."""
    return moment.astimezone().strftime("%d %b %Y")
