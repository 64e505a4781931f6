"""Organising the library in the app: statuses, narrowing the bookmarks, links, citations,
undo.

Pure helpers (no widgets), so the app, its screens and the tests share them.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from paperbrowse.core.library import STATUSES, Bookmark
from paperbrowse.core.models import Paper, papers

#: Mark shown in the result row and detail pane for each reading status.
STATUS_MARKS: dict[str, str] = {"to-read": "○", "reading": "◐", "read": "●"}
#: Rich style of each status mark.
STATUS_STYLES: dict[str, str] = {"to-read": "cyan", "reading": "yellow", "read": "green"}


def next_status(status: str | None) -> str | None:
    """The status after ``status`` in the cycle to-read → reading → read → none → to-read."""
    cycle: list[str | None] = [*STATUSES, None]
    return cycle[(cycle.index(status) + 1) % len(cycle)] if status in cycle else STATUSES[0]


def status_label(status: str | None) -> str:
    """``"◐ reading"``, or ``"none"``."""
    return f"{STATUS_MARKS[status]} {status}" if status else "none"


def tag_label(tag: str) -> str:
    """How a tag is shown: ``#diffusion``."""
    return f"#{tag}"


def split_tags(text: str) -> list[str]:
    """The comma-separated tags typed in ``text``, blanks dropped (not normalised)."""
    return [part.strip() for part in text.split(",") if part.strip()]


# --------------------------------------------------------------- narrowing
@dataclass(frozen=True, slots=True)
class Narrowing:
    """One list, tag or status the bookmarks view is narrowed to.

    Attributes:
        kind: ``"list"``, ``"tag"`` or ``"status"``.
        value: the list name, tag (normalised) or status.
    """

    kind: str
    value: str

    @classmethod
    def parse(cls, option_id: str) -> Narrowing | None:
        """The narrowing of a picker option id (``list:Thesis``); ``None`` for ``all``."""
        kind, _, value = option_id.partition(":")
        if kind not in ("list", "tag", "status") or not value:
            return None
        return cls(kind, value)

    @property
    def option_id(self) -> str:
        """The id of this narrowing's option in the picker."""
        return f"{self.kind}:{self.value}"

    @property
    def query(self) -> dict[str, str]:
        """Keyword arguments of :meth:`Library.bookmarks` for this narrowing."""
        return {self.kind: self.value}

    @property
    def phrase(self) -> str:
        """``on list Thesis``, ``tagged #diffusion``, ``with status to-read``."""
        if self.kind == "list":
            return f"on list {self.value}"
        if self.kind == "tag":
            return f"tagged {tag_label(self.value)}"
        return f"with status {self.value}"

    def describe(self, count: int) -> str:
        """``3 papers on list Thesis``."""
        return f"{papers(count)} {self.phrase}"

    @property
    def file_stem(self) -> str:
        """A file name stem for exporting this set: ``thesis``, ``tag-diffusion``."""
        slug = re.sub(r"[^\w]+", "-", self.value.casefold()).strip("-") or "papers"
        return slug if self.kind == "list" else f"{self.kind}-{slug}"


# ------------------------------------------------------------------- links
def page_url(paper: Paper) -> str | None:
    """The paper's page: its link, else its arXiv abstract page, else its DOI; ``None``."""
    if paper.url:
        return paper.url
    if paper.arxiv_id:
        return f"https://arxiv.org/abs/{paper.arxiv_id}"
    if paper.doi:
        return f"https://doi.org/{paper.doi}"
    return None


def pdf_url(paper: Paper) -> str | None:
    """The PDF of an arXiv paper; ``None`` for other papers (no PDF link is known)."""
    return f"https://arxiv.org/pdf/{paper.arxiv_id}" if paper.arxiv_id else None


# --------------------------------------------------------------- citations
def bibtex_entry(paper: Paper, bookmark: Bookmark | None, key: str) -> str:
    """The BibTeX entry of ``paper`` with citation key ``key``, as the export writes it.

    A bookmarked paper (``bookmark``) gets its tags and note, as the export
    gives them; ``key`` is the one the library keeps for the paper
    (:meth:`~paperbrowse.core.library.Library.citation_key`), so a copied
    entry and an exported file agree.
    """
    # imported here: the exporter loads the BibTeX and LaTeX libraries, which
    # the app's start does not need
    from paperbrowse.core import export as exporter

    bm = bookmark if bookmark is not None else Bookmark(paper, datetime.now(UTC))
    return exporter.render_bibtex_entry(bm, key).strip() + "\n"


def plain_citation(paper: Paper) -> str:
    """The reference-list entry of ``paper`` in plain text, as ``C`` copies it.

    Made by citeproc-py with paperbrowse's Harvard style (Cite Them Right), see
    :func:`paperbrowse.core.cite.format_citation`; a paper without authors
    starts with its title.
    """
    # imported here: citeproc-py (and its lxml) is not needed to start the app
    from paperbrowse.core.cite import format_citation

    return format_citation(paper)


# ------------------------------------------------------------------ undo
@dataclass(frozen=True, slots=True)
class UndoEntry:
    """One destructive action the user can take back with ``u`` (or ``ctrl+z``).

    Attributes:
        paper_id: the paper whose organisation changed.
        what: what was lost, for the message (``the bookmark of “BYOL…”``).
        restore: puts it back in the library (called once, on the UI thread).
    """

    paper_id: str
    what: str
    restore: Callable[[], object]


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def organisation_summary(bookmark: Bookmark) -> str:
    """What un-bookmarking takes away: ``2 tags, status ‘read’ and 1 list``; ``""`` if nothing.

    The note is not in it (notes outlive their bookmarks, see
    :meth:`~paperbrowse.core.library.Library.remove`).
    """
    parts = []
    if bookmark.tags:
        parts.append(_count(len(bookmark.tags), "tag"))
    if bookmark.status:
        parts.append(f"status ‘{bookmark.status}’")
    if bookmark.lists:
        parts.append(_count(len(bookmark.lists), "list"))
    if len(parts) > 1:
        return ", ".join(parts[:-1]) + " and " + parts[-1]
    return parts[0] if parts else ""


def removal_question(bookmark: Bookmark, title_limit: int = 60) -> str:
    """The question ``b`` asks before removing an organised bookmark.

    ``Remove the bookmark of “Title”? Its 2 tags, status ‘read’ and 1 list go
    with it (its note stays).``
    """
    title = bookmark.paper.title
    if len(title) > title_limit:
        title = title[: title_limit - 1].rstrip() + "…"
    text = f"Remove the bookmark of “{title}”?"
    lost = organisation_summary(bookmark)
    if lost:
        text += f" Its {lost} go{'es' if _singular(bookmark) else ''} with it"
        text += " (its note stays)." if bookmark.note else "."
    elif bookmark.note:
        text += " Its note stays."
    return text


def _singular(bookmark: Bookmark) -> bool:
    """True when the summary names one thing (``1 tag``, ``status ‘read’``): "goes"."""
    kinds = [bool(bookmark.tags), bool(bookmark.status), bool(bookmark.lists)]
    return sum(kinds) == 1 and len(bookmark.tags) <= 1 and len(bookmark.lists) <= 1


def graphical_browser_available(environ: Mapping[str, str] | None = None) -> bool:
    """True if :func:`webbrowser.open` would start a graphical browser.

    True on macOS and Windows, when ``$BROWSER`` names the user's choice, or
    when an X11 or Wayland display is set; False otherwise (SSH, a console),
    where :mod:`webbrowser` would run a text browser inside the terminal.
    """
    env = os.environ if environ is None else environ
    if sys.platform in ("darwin", "win32") or env.get("BROWSER"):
        return True
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))
