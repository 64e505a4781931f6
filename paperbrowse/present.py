"""Rich renderables for papers, hits and bookmarks, shared by the CLI and the app.

Rich only: no Textual import, so that the CLI prints its tables without loading
the user interface (a test runs a CLI search and checks ``sys.modules``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.table import Table
from rich.text import Text

from paperbrowse.core.library import Bookmark
from paperbrowse.core.models import Facets, Paper, Results, Segment, papers

MATCH_STYLE = "bold reverse"


def segments_text(
    segments: Iterable[Segment], style: str = "", match_style: str = MATCH_STYLE
) -> Text:
    """Turn highlighted segments into a Rich ``Text`` with the matches styled."""
    text = Text(style=style)
    for part, matched in segments:
        text.append(part, style=match_style if matched else None)
    return text


def paper_meta(paper: Paper) -> str:
    """``2023 · Adobe · 7 upvotes``: year, who and upvotes, where known."""
    parts = [str(paper.year) if paper.year else "", paper.byline]
    if paper.upvotes is not None:
        parts.append(f"{paper.upvotes} upvote{'s' if paper.upvotes != 1 else ''}")
    return " · ".join(p for p in parts if p)


def bookmark_table(marks: Sequence[Bookmark]) -> Table:
    """A table of bookmarks: date added, id, year, title, status, tags and lists."""
    table = Table(title=f"Reading list: {papers(len(marks))}", title_justify="left", expand=True)
    table.add_column("Added", no_wrap=True, style="dim")
    table.add_column("Id", no_wrap=True, style="dim")
    table.add_column("Year", no_wrap=True)
    table.add_column("Title", ratio=3)
    table.add_column("Status", no_wrap=True)
    table.add_column("Tags · lists", ratio=1, style="cyan")
    for bm in marks:
        p = bm.paper
        labels = " ".join([*(f"#{t}" for t in bm.tags), *(f"[{name}]" for name in bm.lists)])
        table.add_row(
            f"{bm.added_at:%Y-%m-%d}",
            p.id,
            str(p.year or ""),
            p.title + (" ✎" if bm.note else ""),
            bm.status or "",
            labels,
        )
    return table


SPARKS = " ▁▂▃▄▅▆▇█"


def sparkline(counts: Sequence[int]) -> str:
    """One block character per count, scaled to the largest (``▁▃█``)."""
    top = max(counts, default=0)
    if not top:
        return " " * len(counts)
    return "".join(SPARKS[max(1, round(n / top * 8))] if n else " " for n in counts)


def facet_table(facets: Facets, organisations: int = 8) -> Table:
    """Hit counts per year (with a bar) and the top ``organisations``."""
    table = Table(title="Facets", title_justify="left", show_header=False, box=None)
    table.add_column("Facet", style="bold")
    table.add_column("Value")
    table.add_column("Hits", justify="right")
    table.add_column("", style="cyan")
    top = max((n for _, n in facets.years), default=1)
    for year, n in facets.years:
        table.add_row("Year", str(year), str(n), "█" * max(1, round(n / top * 20)))
    if facets.undated:
        table.add_row("Year", "undated", str(facets.undated), "")
    for org, n in facets.organisations[:organisations]:
        table.add_row("Organisation", org, str(n), "")
    return table


def hit_table(results: Results) -> Table:
    """A table of hits for the terminal: rank, year, highlighted title, who.

    A hit that matched only in its PDF's full text shows, under its title, the
    page and the body snippet (``p. 3: …``)."""
    title = (
        f"{results.total} hits for {results.query!r}" if results.query else papers(results.total)
    )
    if results.filters:
        title += f" ({results.filters.describe()})"
    table = Table(
        title=title,
        title_justify="left",
        expand=True,
        show_lines=False,
    )
    table.add_column("#", justify="right", style="dim", no_wrap=True)
    table.add_column("Year", no_wrap=True)
    table.add_column("Title", ratio=3)
    table.add_column("Who", ratio=1, style="dim")
    table.add_column("Id", style="dim", no_wrap=True)
    for hit in results.hits:
        title = segments_text(hit.title, match_style="bold yellow")
        if hit.body_snippet:  # matched only in its PDF: where, and what
            title.append(f"\np. {hit.body_page}: ", style="dim")
            title.append_text(
                segments_text(hit.body_snippet, style="dim", match_style="bold yellow")
            )
        table.add_row(
            str(hit.rank + 1),
            str(hit.paper.year or ""),
            title,
            hit.paper.byline,
            hit.paper.id,
        )
    return table
