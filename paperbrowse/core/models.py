"""Plain data records shared by every layer: papers, hits and result sets.

All records are frozen dataclasses, so they can be handed from a worker thread
to the UI thread without copying or locking.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

#: One piece of highlighted text: ``(text, matched)``. A highlighted string is
#: a tuple of segments whose texts, joined, give the original string.
Segment = tuple[str, bool]

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalise_title(title: str) -> str:
    """Return the duplicate-detection key of a title.

    Case, accents, punctuation and white space are ignored, so
    ``"Bootstrap your own latent: A new approach"`` and
    ``"Bootstrap Your Own Latent — a new approach"`` give the same key.

    Args:
        title: the title as displayed (already LaTeX-decoded).

    Returns:
        A lower-case string of letters and digits only.
    """
    decomposed = unicodedata.normalize("NFKD", title)
    no_accents = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub("", no_accents.casefold())


def papers(count: int) -> str:
    """``"1 paper"``, ``"2 papers"``: a count of papers in words."""
    return f"{count} paper" if count == 1 else f"{count} papers"


def paper_id_for(title: str, arxiv_id: str | None = None) -> str:
    """Return the stable id of a paper.

    Papers with an arXiv id are ``arxiv:<id>``; others are keyed by a hash of
    their normalised title (``pb:<12 hex digits>``), so the id survives index
    rebuilds and bookmarks keep pointing at the same paper.
    """
    if arxiv_id:
        return f"arxiv:{arxiv_id}"
    digest = hashlib.sha1(normalise_title(title).encode("utf-8")).hexdigest()
    return f"pb:{digest[:12]}"


@dataclass(frozen=True, slots=True)
class Paper:
    """One research paper.

    Attributes:
        id: stable identifier, see :func:`paper_id_for`.
        title: title in Unicode (LaTeX fragments already decoded).
        abstract: abstract in Unicode; may be empty.
        authors: author names in order; empty when the source lists only a count.
        author_count: number of authors when known (the daily-papers layout
            gives ``• N authors`` without names), else ``None``.
        organisation: display name of the submitting organisation, if any.
        org_handle: the organisation's Hugging Face handle, if any.
        published: publication or listing date, if known.
        upvotes: Hugging Face upvotes, if the source shows them.
        arxiv_id: arXiv identifier such as ``2006.07733`` (no version), if known.
        sources: names of the inputs the paper was read from (capture file
            names), in the order they were read.
        url: a link to the paper's page, if known.
        doi: Digital Object Identifier such as ``10.1103/PhysRevB.74.064411``.
        categories: subject categories, primary first (arXiv's ``cs.LG``...).
    """

    id: str
    title: str
    abstract: str = ""
    authors: tuple[str, ...] = ()
    author_count: int | None = None
    organisation: str | None = None
    org_handle: str | None = None
    published: date | None = None
    upvotes: int | None = None
    arxiv_id: str | None = None
    sources: tuple[str, ...] = ()
    url: str | None = None
    doi: str | None = None
    categories: tuple[str, ...] = ()

    @property
    def year(self) -> int | None:
        """Year of :attr:`published`, or ``None``."""
        return self.published.year if self.published else None

    @property
    def byline(self) -> str:
        """A short "who" line: authors, else organisation, else author count."""
        if self.authors:
            if len(self.authors) <= 3:
                return ", ".join(self.authors)
            return f"{self.authors[0]} et al."
        if self.organisation:
            return self.organisation
        if self.author_count:
            noun = "author" if self.author_count == 1 else "authors"
            return f"{self.author_count} {noun}"
        return ""

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (dates as ISO 8601 strings, tuples as lists)."""
        return {
            "id": self.id,
            "title": self.title,
            "abstract": self.abstract,
            "authors": list(self.authors),
            "author_count": self.author_count,
            "organisation": self.organisation,
            "org_handle": self.org_handle,
            "published": self.published.isoformat() if self.published else None,
            "year": self.year,
            "upvotes": self.upvotes,
            "arxiv_id": self.arxiv_id,
            "sources": list(self.sources),
            "url": self.url,
            "doi": self.doi,
            "categories": list(self.categories),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Paper:
        """Inverse of :meth:`to_dict`; unknown keys are ignored.

        Raises:
            KeyError: if ``id`` or ``title`` is missing.
            ValueError: if ``published`` is not an ISO 8601 date.
        """
        published = data.get("published")
        return cls(
            id=data["id"],
            title=data["title"],
            abstract=data.get("abstract") or "",
            authors=tuple(data.get("authors") or ()),
            author_count=data.get("author_count"),
            organisation=data.get("organisation"),
            org_handle=data.get("org_handle"),
            published=date.fromisoformat(published) if published else None,
            upvotes=data.get("upvotes"),
            arxiv_id=data.get("arxiv_id"),
            sources=tuple(data.get("sources") or ()),
            url=data.get("url"),
            doi=data.get("doi"),
            categories=tuple(data.get("categories") or ()),
        )

    def merged_with(self, other: Paper) -> Paper:
        """Merge two records of the same paper, keeping the richest metadata.

        The longer abstract wins; missing fields are filled from ``other``;
        upvotes take the larger count (a later capture has seen more votes);
        sources are united in order.
        """
        abstract = self.abstract if len(self.abstract) >= len(other.abstract) else other.abstract
        title = self.title if len(self.title) >= len(other.title) else other.title
        if self.upvotes is None or other.upvotes is None:
            upvotes = self.upvotes if other.upvotes is None else other.upvotes
        else:
            upvotes = max(self.upvotes, other.upvotes)
        sources = tuple(dict.fromkeys(self.sources + other.sources))
        return replace(
            self,
            title=title,
            abstract=abstract,
            authors=self.authors or other.authors,
            author_count=self.author_count or other.author_count,
            organisation=self.organisation or other.organisation,
            org_handle=self.org_handle or other.org_handle,
            published=self.published or other.published,
            upvotes=upvotes,
            arxiv_id=self.arxiv_id or other.arxiv_id,
            sources=sources,
            url=self.url or other.url,
            doi=self.doi or other.doi,
            categories=self.categories or other.categories,
        )


@dataclass(frozen=True, slots=True)
class Hit:
    """One search hit: a paper plus how it matched.

    Attributes:
        paper: the matching paper.
        rank: 0-based position in the result list.
        score: BM25F score (0.0 for sorted or empty-query listings).
        title: the title as highlighted segments.
        snippet: the best-matching fragment of the abstract as highlighted
            segments (the abstract's opening when nothing in it matched).
    """

    paper: Paper
    rank: int
    score: float
    title: tuple[Segment, ...]
    snippet: tuple[Segment, ...]


@dataclass(frozen=True, slots=True)
class Filters:
    """Restrictions on a query's hits, chosen from the facets.

    Attributes:
        years: inclusive ``(first, last)`` publication years, or ``None``.
        organisation: exact organisation display name, or ``None``.
        ids: only these paper ids (the bookmarked-only filter), or ``None``
            for no restriction; an empty set matches nothing.
    """

    years: tuple[int, int] | None = None
    organisation: str | None = None
    ids: frozenset[str] | None = None

    def __bool__(self) -> bool:
        return self.years is not None or self.organisation is not None or self.ids is not None

    def describe(self) -> str:
        """A short description such as ``"2023 · NVIDIA · bookmarked"`` ("" when empty)."""
        parts = []
        if self.years:
            first, last = self.years
            parts.append(str(first) if first == last else f"{first}–{last}")
        if self.organisation:
            parts.append(self.organisation)
        if self.ids is not None:
            parts.append("bookmarked")
        return " · ".join(parts)


@dataclass(frozen=True, slots=True)
class Facets:
    """Hit counts of one query by facet value, over every hit (not one page).

    A facet's counts ignore that facet's own filter, so choosing a year keeps
    the other years visible (and choosable) with their counts.

    Attributes:
        years: ``(year, hits)`` in year order; papers without a date are left out.
        organisations: ``(organisation, hits)``, most hits first, then by name.
    """

    years: tuple[tuple[int, int], ...] = ()
    organisations: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True, slots=True)
class Results:
    """The answer to one query.

    Attributes:
        query: the query text as typed.
        hits: the hits of the requested page, best first.
        total: number of matching documents (may exceed ``len(hits)``).
        sort: the sort order used (``relevance``, ``date`` or ``upvotes``).
        terms: analysed query terms per field (``{"abstract": {"diffus"}}``),
            used to highlight any text of a hit later, e.g. the full abstract.
        elapsed: search time in seconds.
        ran: the query text that was actually run, when it differs from
            ``query``: the plain words of a malformed query, or a spelling
            correction of a query that found nothing. ``None`` otherwise.
        notice: what the user should be told about how the query ran
            ("searched for the plain words instead"), or ``""``.
        suggestion: a spelling correction of the query ("did you mean"),
            offered when the query found few hits and the correction finds
            more; ``None`` otherwise.
        filters: the filters applied.
        facets: hit counts per year and organisation, when asked for.
        offset: the rank of the first hit of :attr:`hits` (0: the first page).
    """

    query: str
    hits: tuple[Hit, ...]
    total: int
    sort: str = "relevance"
    terms: dict[str, frozenset[str]] = field(default_factory=dict)
    elapsed: float = 0.0
    ran: str | None = None
    notice: str = ""
    suggestion: str | None = None
    filters: Filters = field(default_factory=Filters)
    facets: Facets | None = None
    offset: int = 0

    def __len__(self) -> int:
        return len(self.hits)


def same_work(a: Paper, b: Paper, matched_on: str = "title_key") -> bool:
    """True unless identifiers of ``a`` and ``b`` contradict a match on ``matched_on``.

    ``matched_on`` is ``"id"``, ``"arxiv"``, ``"doi"`` or ``"title_key"``.
    """
    if matched_on in ("id", "arxiv"):
        return True
    if a.arxiv_id and b.arxiv_id and a.arxiv_id != b.arxiv_id:
        return False
    doi_differs = bool(a.doi and b.doi and a.doi.lower() != b.doi.lower())
    return not (matched_on == "title_key" and doi_differs)
