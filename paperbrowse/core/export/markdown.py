"""Markdown export: a reading list for people (not read back by the importers)."""

from __future__ import annotations

from collections.abc import Sequence

from paperbrowse import __version__
from paperbrowse.core.library import Bookmark
from paperbrowse.core.models import journal_doi, papers


def render_markdown(bookmarks: Sequence[Bookmark]) -> str:
    """A Markdown reading list: a heading, then one section per paper.

    Each section gives the title, a meta line (who, date, upvotes, arXiv id),
    the reading status, tags and lists when set, the link, the abstract, the
    note as a block quote, and the bookmark date. Markdown is for people: it
    is not read back by the importers.
    """
    lines = [
        "# Reading list",
        "",
        f"{papers(len(bookmarks))}, exported by paperbrowse {__version__}.",
        "",
    ]
    for number, bm in enumerate(bookmarks, 1):
        p = bm.paper
        lines.append(f"## {number}. {p.title}")
        lines.append("")
        meta = [x for x in (p.byline, p.venue, p.date_iso) if x]
        if p.upvotes is not None:
            meta.append(f"{p.upvotes} upvotes")
        if p.arxiv_id:
            meta.append(f"arXiv:{p.arxiv_id}")
        if journal_doi(p.doi):
            meta.append(f"doi:{p.doi}")
        if meta:
            lines.append("*" + " · ".join(meta) + "*")
            lines.append("")
        mine = []
        if bm.status:
            mine.append(f"**Status:** {bm.status}")
        if bm.tags:
            mine.append(f"**Tags:** {', '.join(bm.tags)}")
        if bm.lists:
            mine.append(f"**Lists:** {', '.join(bm.lists)}")
        if mine:
            lines.append(" · ".join(mine))
            lines.append("")
        if p.url:
            lines.append(f"<{p.url}>")
            lines.append("")
        if p.abstract:
            lines.append(p.abstract)
            lines.append("")
        if bm.note:
            note_lines = bm.note.splitlines()
            lines.append(f"> **Note:** {note_lines[0]}")
            lines.extend(f"> {line}".rstrip() for line in note_lines[1:])
            lines.append("")
        if bm.added_at is not None:
            lines.append(f"Bookmarked {bm.added_at.date().isoformat()}.")
        lines.append("")
    return "\n".join(lines)
