"""What a search returns: hits with highlighted segments, filters, facets and result sets."""

from __future__ import annotations

from dataclasses import dataclass, field

from paperbrowse.core.models.paper import Paper

#: One piece of highlighted text: ``(text, matched)``. A highlighted string is
#: a tuple of segments whose texts, joined, give the original string.
Segment = tuple[str, bool]


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
        body_snippet: when the paper matched the query in its full text
            only (nothing in its title, abstract, authors or organisation),
            the best-matching fragment of that text as highlighted segments;
            else ``()``.
        body_page: the 1-based page of the PDF that :attr:`body_snippet`
            comes from, or ``None``.
    """

    paper: Paper
    rank: int
    score: float
    title: tuple[Segment, ...]
    snippet: tuple[Segment, ...]
    body_snippet: tuple[Segment, ...] = ()
    body_page: int | None = None


@dataclass(frozen=True, slots=True)
class Filters:
    """Restrictions on a query's hits, chosen from the facets.

    Attributes:
        years: inclusive ``(first, last)`` publication years, or ``None``.
        organisation: exact organisation display name, or ``None``.
        ids: only these paper ids (the bookmarked-only filter), or ``None``
            for no restriction; an empty set matches nothing.
        undated: papers without a publication date (the facet's "undated"
            bucket); with :attr:`years` as well, papers in those years *or*
            undated.
    """

    years: tuple[int, int] | None = None
    organisation: str | None = None
    ids: frozenset[str] | None = None
    undated: bool = False

    def __bool__(self) -> bool:
        return (
            self.years is not None
            or self.undated
            or self.organisation is not None
            or self.ids is not None
        )

    def describe(self) -> str:
        """A short description such as ``"2023 · NVIDIA · bookmarked"`` ("" when empty)."""
        parts = []
        when = []
        if self.years:
            first, last = self.years
            when.append(str(first) if first == last else f"{first}–{last}")
        if self.undated:
            when.append("undated")
        if when:
            parts.append(" or ".join(when))
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
        years: ``(year, hits)`` in year order, dated papers only.
        organisations: ``(organisation, hits)``, most hits first, then by name.
        undated: hits without a publication date (the year facet's "undated"
            bucket, chosen with ``Filters(undated=True)``).
    """

    years: tuple[tuple[int, int], ...] = ()
    organisations: tuple[tuple[str, int], ...] = ()
    undated: int = 0


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
        relaxed: the words (of :attr:`ran`, else of :attr:`query`) were run
            with ``OR`` as well, no paper having them all or too few: the hits
            add the papers with most of them (the forgiving search).
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
    relaxed: bool = False

    def __len__(self) -> int:
        return len(self.hits)
