"""The digest of an update's new papers: plain text for a terminal or a mail, or JSON data."""

from __future__ import annotations

from paperbrowse.core.models import Paper


def digest(new: dict[str, list[Paper]]) -> str:
    """A plain-text digest of new papers grouped by watch, for a terminal or a mail.

    Each watch with papers gets a heading ``== name (N new) ==`` and one
    block per paper: the title, the authors (the first six, then "et al."),
    and the arXiv id with its abstract page (or the paper's URL / DOI).
    Watches without papers are left out; no papers gives ``""``.
    """
    from paperbrowse.core.sources.arxiv import abs_url

    blocks: list[str] = []
    for name, papers in new.items():
        if not papers:
            continue
        lines = [f"== {name} ({len(papers)} new) =="]
        for paper in papers:
            lines.append("")
            lines.append(f"* {paper.title}")
            if paper.authors:
                authors = ", ".join(paper.authors[:6])
                if len(paper.authors) > 6:
                    authors += " et al."
                lines.append(f"  {authors}")
            when = f" ({paper.published.isoformat()})" if paper.published else ""
            if paper.arxiv_id:
                lines.append(f"  arXiv:{paper.arxiv_id}  {abs_url(paper.arxiv_id)}{when}")
            elif paper.url or paper.doi:
                lines.append(f"  {paper.url or 'https://doi.org/' + (paper.doi or '')}{when}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + ("\n" if blocks else "")


def digest_json(new: dict[str, list[Paper]]) -> list[dict]:
    """The digest as JSON-ready data: ``[{"watch": name, "papers": [Paper.to_dict()…]}]``."""
    return [
        {"watch": name, "papers": [paper.to_dict() for paper in papers]}
        for name, papers in new.items()
    ]
