"""Where the result list gets its hits: pages of an engine query, or a list in memory.

The :class:`~paperbrowse.ui.widgets.ResultList` never holds a whole result set:
it asks a :class:`HitSource` for the total (its virtual height) and for pages
of :data:`PAGE_SIZE` hits as rows come into view. A search's pages come from
the engine through the :class:`~paperbrowse.ui.gateway.EngineGateway`, one
``page`` call each (the query already resolved: no second correction), made in
a thread worker; the bookmarks and similar-papers views list hits already in
memory.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

from paperbrowse.core.models import Hit, Results

if TYPE_CHECKING:
    from paperbrowse.ui.gateway import EngineGateway

#: Hits per page: one engine call fetches, highlights and decodes this many.
#: About ten hits are visible at once, so a page is a few screens.
PAGE_SIZE = 30


class HitSource(Protocol):
    """The hits a result list shows, by page.

    Attributes:
        total: number of hits (every match of a query, not one page's).
        page_size: hits per page; page ``n`` holds hits ``n * page_size`` to
            ``(n + 1) * page_size - 1`` (the last page may be shorter).
    """

    total: int
    page_size: int

    def ready_pages(self) -> Mapping[int, Sequence[Hit]]:
        """Pages at hand without fetching, by page number (the list seeds its pages with them)."""
        ...

    def local_page(self, number: int) -> Sequence[Hit] | None:
        """Page ``number`` if the source keeps it in memory (no work to get it), else ``None``."""
        ...

    def fetch_page(self, number: int) -> Sequence[Hit]:
        """Page ``number``, fetched (blocking: called in a thread worker, never on the UI thread).

        Raises:
            Exception: whatever the engine raised; the list shows it in the rows.
        """
        ...


class ListSource:
    """Hits already in memory: the bookmarks view, similar papers.

    Args:
        hits: the hits in list order (their ``rank`` is not used).

    Attributes:
        hits: the same hits, as a tuple.
    """

    def __init__(self, hits: Sequence[Hit], page_size: int = PAGE_SIZE) -> None:
        self.hits: tuple[Hit, ...] = tuple(hits)
        self.total = len(self.hits)
        self.page_size = page_size

    def ready_pages(self) -> Mapping[int, Sequence[Hit]]:
        """None: every page is :meth:`local_page`."""
        return {}

    def local_page(self, number: int) -> Sequence[Hit]:
        """Hits ``number * page_size`` on, sliced from :attr:`hits`."""
        start = number * self.page_size
        return self.hits[start : start + self.page_size]

    def fetch_page(self, number: int) -> Sequence[Hit]:
        """The same as :meth:`local_page`."""
        return self.local_page(number)


class SearchSource:
    """The pages of one query, as the search bar runs it.

    Page 0 is the search's own answer (``first``, fetched with its facets by
    the main screen); any other page is one :meth:`EngineGateway.page` call with
    ``offset = number * page_size``: hits of the query ``first`` was resolved to
    (a corrected or relaxed query pages on as it ran, without being corrected
    or relaxed again), without facets.

    Args:
        engine: the gateway to the engine.
        first: the answer of the query's first page; its ``offset`` names its page.

    Attributes:
        results: ``first``: query, sort, filters, total, terms to highlight with.
    """

    def __init__(self, engine: EngineGateway, first: Results, page_size: int = PAGE_SIZE) -> None:
        self.engine = engine
        self.results = first
        self.total = first.total
        self.page_size = page_size

    def ready_pages(self) -> Mapping[int, Sequence[Hit]]:
        """The page of ``first`` (page 0 for a new query)."""
        if self.results.offset % self.page_size:
            return {}
        return {self.results.offset // self.page_size: self.results.hits}

    def local_page(self, number: int) -> None:
        """None: pages come from the engine."""
        return None

    def fetch_page(self, number: int) -> Sequence[Hit]:
        """Hits ``number * page_size`` on, from one :meth:`EngineGateway.page` call."""
        return self.engine.page(self.results, number * self.page_size, self.page_size).hits
