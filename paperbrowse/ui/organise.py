"""Organising the library in the app: statuses, narrowing the bookmarks, links, citations.

Pure helpers (no widgets), so the app, its screens and the tests share them.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
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
def bibtex_entry(paper: Paper, marks: list[Bookmark]) -> str:
    """The BibTeX entry of ``paper``, as the reading-list export writes it.

    A bookmarked paper gets its tags and note (as the export does) and the
    citation key it has in a full export of ``marks`` (the bookmarks, oldest
    first), so a copied entry and an exported file agree.
    """
    # imported here: the exporter loads the BibTeX and LaTeX libraries, which
    # the app's start does not need
    from paperbrowse.core import export as exporter

    ids = [m.paper.id for m in marks]
    if paper.id in ids:
        at = ids.index(paper.id)
        bm, key = marks[at], exporter.citation_keys(marks)[at]
    else:
        bm, key = Bookmark(paper, datetime.now(UTC)), None
    return exporter.render_bibtex_entry(bm, key).strip() + "\n"


def _authors(paper: Paper) -> str:
    names = list(paper.authors)
    if len(names) > 3:
        return f"{names[0]} et al."
    if len(names) > 1:
        return ", ".join(names[:-1]) + " and " + names[-1]
    if names:
        return names[0]
    return paper.organisation or ""


def plain_citation(paper: Paper) -> str:
    """``Authors (Year). Title. arXiv:ID`` (the DOI or link stands in for the arXiv id)."""
    year = f"({paper.year})" if paper.year else "(n.d.)"
    who = _authors(paper)
    title = paper.title.rstrip(".")
    parts = [f"{who} {year}." if who else f"{year}.", f"{title}."]
    if paper.arxiv_id:
        parts.append(f"arXiv:{paper.arxiv_id}")
    elif paper.doi:
        parts.append(f"doi:{paper.doi}")
    elif paper.url:
        parts.append(paper.url)
    return " ".join(parts)


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
