"""Import papers from the arXiv API (``https://export.arxiv.org/api/query``).

The API answers every query with an Atom 1.0 feed (see the arXiv API User's
Manual, https://info.arxiv.org/help/api/user-manual.html): one ``<entry>`` per
paper with ``<id>`` (``http://arxiv.org/abs/2006.07733v3``), ``<title>`` and
``<summary>`` (hard-wrapped), ``<author><name>``, ``<published>``,
``<arxiv:doi>``, ``<arxiv:primary_category term=...>`` and ``<category
term=...>``; the feed carries ``<opensearch:totalResults>`` for paging. A bad
request is answered with an entry titled ``Error`` whose id is
``http://arxiv.org/api/errors#...`` and whose summary says what is wrong.

We use httpx + feedparser rather than the ``arxiv`` package because we already
need httpx for Hugging Face and want our own rate limiting, retries and offline
error (:class:`~paperbrowse.core.sources.http.PoliteClient`), testable with
``httpx.MockTransport``.

Records follow :mod:`~paperbrowse.core.sources.common`: a
:class:`~paperbrowse.core.models.Paper` per good entry, a
:class:`~paperbrowse.core.sources.common.SourceError` per bad one, and
:class:`ArxivUnavailable` only when arXiv cannot be reached at all.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

import feedparser

from paperbrowse.core.models import Paper, paper_id_for
from paperbrowse.core.sources.common import (
    Record,
    SourceError,
    clean_text,
    normalise_arxiv_id,
    normalise_doi,
)
from paperbrowse.core.sources.http import (
    Politeness,
    RetryNotice,
    ServiceClient,
    ServiceUnavailable,
)

if TYPE_CHECKING:
    import httpx

#: The arXiv API query endpoint.
API_URL = "https://export.arxiv.org/api/query"
#: Default name of this source in ``Paper.sources`` and ``SourceError.source``.
SOURCE = "arXiv API"
#: The most results arXiv returns for one request.
MAX_PAGE_SIZE = 2000


class ArxivUnavailable(ServiceUnavailable):
    """arXiv could not be reached (offline, DNS failure, timeouts, HTTP 429/5xx).

    The message says so, names the URL and says to check the connection.
    """


#: How arXiv is asked: 3 s between requests (arXiv API terms of use), 3 retries
#: backing off 2, 4, 8 s, 30 s timeout.
POLITENESS = Politeness("arXiv", ArxivUnavailable, delay=3.0)


def abs_url(arxiv_id: str) -> str:
    """The abstract page of a paper: ``https://arxiv.org/abs/<id>`` (no version)."""
    return f"https://arxiv.org/abs/{arxiv_id}"


_QUERY_SPECIALS = re.compile(r"[^\w\s]+|_+")


def title_query(titles: Sequence[str]) -> str:
    """An arXiv ``search_query`` for entries whose title holds any of ``titles``.

    Each title becomes a quoted phrase in the title field (``ti:"..."``,
    arXiv API User's Manual §5.1: ``%22`` groups words into a phrase), the
    phrases joined with ``OR``. Punctuation is replaced by spaces and the
    words lower-cased (arXiv's search ignores both), so a title's own quotes,
    colons, parentheses or ``AND``/``OR`` cannot change the query's meaning.

    Args:
        titles: titles as displayed (Unicode); empty ones are left out.

    Returns:
        ``'ti:"bootstrap your own latent" OR ti:"the multiberts"'``;
        ``""`` when no title has a word.
    """
    phrases = []
    for title in titles:
        words = _QUERY_SPECIALS.sub(" ", title).lower().split()
        if words:
            phrases.append(f'ti:"{" ".join(words)}"')
    return " OR ".join(dict.fromkeys(phrases))


def _published(entry: Any) -> date | None:
    text = entry.get("published") or ""
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def _categories(entry: Any) -> tuple[str, ...]:
    terms: list[str] = []
    primary = entry.get("arxiv_primary_category")
    if isinstance(primary, dict) and primary.get("term"):
        terms.append(primary["term"])
    terms += [tag.get("term") for tag in entry.get("tags", []) if tag.get("term")]
    return tuple(dict.fromkeys(terms))


def _entry_record(entry: Any, number: int, source: str) -> Record:
    location = f"entry {number}"
    entry_id = (entry.get("id") or "").strip()
    title = clean_text(entry.get("title"))
    if "/api/errors" in entry_id or (title == "Error" and not normalise_arxiv_id(entry_id)):
        message = clean_text(entry.get("summary")) or "unspecified error"
        return SourceError(source, location, f"arXiv reports an error: {message} ({entry_id})")
    if not title:
        return SourceError(source, location, f"entry without a title ({entry_id or 'no id'})")
    arxiv_id = normalise_arxiv_id(entry_id)
    if arxiv_id is None:
        return SourceError(source, location, f"no arXiv id in <id> {entry_id!r}")
    authors = tuple(
        name for a in entry.get("authors", []) if (name := clean_text(a.get("name", "")))
    )
    return Paper(
        id=paper_id_for(title, arxiv_id),
        title=title,
        abstract=clean_text(entry.get("summary")),
        authors=authors,
        author_count=len(authors) if authors else None,
        published=_published(entry),
        arxiv_id=arxiv_id,
        sources=(source,),
        url=abs_url(arxiv_id),
        doi=normalise_doi(entry.get("arxiv_doi")),
        categories=_categories(entry),
        journal_ref=clean_text(entry.get("arxiv_journal_ref")) or None,
        comment=clean_text(entry.get("arxiv_comment")) or None,
    )


def _parse_feed(
    text: str | bytes, source: str, first_entry: int = 1
) -> tuple[list[Record], int | None]:
    """Parse one feed: its records, and ``opensearch:totalResults`` if given."""
    feed = feedparser.parse(text)
    if not feed.entries and (feed.bozo or not feed.get("version")):
        # arXiv's throttling answer is plain text ("Rate exceeded."); a captive
        # portal answers HTML: neither is a feed.
        reason = feed.get("bozo_exception") or "no feed found"
        start = text[:60] if isinstance(text, str) else text[:60].decode("utf-8", "replace")
        return [SourceError(source, "feed", f"not an Atom feed ({reason}): {start!r}")], None
    records = [
        _entry_record(entry, number, source)
        for number, entry in enumerate(feed.entries, first_entry)
    ]
    try:
        total: int | None = int(feed.feed.get("opensearch_totalresults", ""))
    except ValueError:
        total = None
    return records, total


def parse_atom(text: str | bytes, source: str = SOURCE) -> Iterator[Record]:
    """Read an arXiv API Atom feed.

    Args:
        text: the feed as received (bytes are decoded by the XML declaration).
        source: name recorded in ``Paper.sources`` and ``SourceError.source``.

    Yields:
        One :class:`Paper` per ``<entry>``, in feed order: ``arxiv_id`` without
        version (old-style ids such as ``cond-mat/0603029`` too), ``id`` from
        :func:`paper_id_for`, title and abstract with white space collapsed and
        LaTeX fragments decoded, ``authors`` in order with ``author_count``,
        ``published`` = the date of ``<published>`` (UTC, the first version),
        ``doi`` normalised, ``categories`` primary first, ``url`` the abstract
        page. A :class:`SourceError` located ``"entry N"`` (1-based) for
        arXiv's ``Error`` entries, entries without a title or without an arXiv
        id; one located ``"feed"`` if the text is not a feed at all.
    """
    records, _total = _parse_feed(text, source)
    yield from records


class ArxivClient(ServiceClient):
    """Fetch papers from the arXiv API, politely.

    Args:
        client: an ``httpx.Client`` (tests pass one on ``httpx.MockTransport``);
            by default one is created, closed by :meth:`close`.
        base_url: the query endpoint.
        politeness: the :class:`~paperbrowse.core.sources.http.Politeness` to follow
            (:data:`POLITENESS`); ``delay``, ``retries``, ``backoff`` and
            ``timeout``, when given, override its values.
        delay: seconds between consecutive requests; arXiv asks for 3 s.
        retries: retries after a connection error, timeout, HTTP 429 or 5xx (a host
            name that cannot be resolved fails at once: offline).
        backoff: seconds before the first retry, doubled for each further one
            (a ``Retry-After`` header wins).
        page_size: ids per ``id_list`` request, results per ``search`` page
            (1 to 2000).
        timeout: seconds allowed for connecting and for each read.
        sleep: called with the seconds to wait (``time.sleep``).
        clock: monotonic time in seconds, for the rate limit.
        on_retry: called with a :class:`~paperbrowse.core.sources.http.RetryNotice`
            before each wait for a retry (to tell the user), or ``None``.
        source: name recorded in ``Paper.sources`` / ``SourceError.source``.

    Raises:
        ValueError: ``page_size`` outside 1..2000, or a negative delay/retries.
    """

    def __init__(
        self,
        client: httpx.Client | None = None,
        *,
        base_url: str = API_URL,
        politeness: Politeness = POLITENESS,
        delay: float | None = None,
        retries: int | None = None,
        backoff: float | None = None,
        page_size: int = 100,
        timeout: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        source: str = SOURCE,
        on_retry: Callable[[RetryNotice], None] | None = None,
    ) -> None:
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}, not {page_size}")
        self.base_url = base_url
        self.page_size = page_size
        self.source = source
        self._follow(
            politeness,
            client,
            sleep=sleep,
            clock=clock,
            on_retry=on_retry,
            delay=delay,
            retries=retries,
            backoff=backoff,
            timeout=timeout,
        )

    def _query(self, params: dict[str, Any], first_entry: int) -> tuple[list[Record], int | None]:
        response = self.http.get(self.base_url, params)
        records, total = _parse_feed(response.content, self.source, first_entry)
        if response.is_success:
            return records, total
        # arXiv answers a bad request (HTTP 400) with an Error entry; keep it if present.
        errors = [r for r in records if isinstance(r, SourceError) and r.location != "feed"]
        reason = f"HTTP {response.status_code} for {response.request.url}"
        return errors or [SourceError(self.source, "request", reason)], None

    def fetch_ids(self, ids: Sequence[str]) -> Iterator[Record]:
        """Fetch papers by arXiv id, ``page_size`` ids per request (``id_list``).

        Args:
            ids: any form :func:`normalise_arxiv_id` accepts (``2006.07733``,
                ``arXiv:2006.07733v2``, ``https://arxiv.org/abs/...``,
                ``cond-mat/0603029``); duplicates are fetched once.

        Yields:
            Records as :func:`parse_atom` gives them, in id order within a
            batch. An id that is not an arXiv id gives a :class:`SourceError`
            located ``"id '<text>'"`` as soon as it is met (before the papers
            of its batch). An id arXiv returns no entry for gives one located
            ``"id <id>"``; so does every id of a batch that arXiv rejected as
            a whole with an ``Error`` entry (reported first, ``"entry N"``).

        Raises:
            ArxivUnavailable: while iterating, when arXiv could not be reached
                after the retries (the papers of earlier batches have been
                yielded by then).
        """
        wanted: list[str] = []
        seen: set[str] = set()
        for raw in ids:
            arxiv_id = normalise_arxiv_id(raw)
            if arxiv_id is None:
                yield SourceError(self.source, f"id {raw!r}", "not an arXiv id")
            elif arxiv_id not in seen:
                seen.add(arxiv_id)
                wanted.append(arxiv_id)
        for start in range(0, len(wanted), self.page_size):
            batch = wanted[start : start + self.page_size]
            params = {"id_list": ",".join(batch), "start": 0, "max_results": len(batch)}
            records, _total = self._query(params, start + 1)
            yield from records
            found = {r.arxiv_id for r in records if isinstance(r, Paper)}
            rejected = any(isinstance(r, SourceError) for r in records)
            if rejected and len(batch) == 1:
                continue  # the error already names the one id
            reason = (
                "not fetched: arXiv rejected the request (see the error above)"
                if rejected
                else "arXiv returned no entry for it"
            )
            for arxiv_id in batch:
                if arxiv_id not in found:
                    yield SourceError(self.source, f"id {arxiv_id}", reason)

    def search_titles(self, titles: Sequence[str], per_title: int = 5) -> tuple[list[Record], bool]:
        """Look several titles up in one request (:func:`title_query`).

        Args:
            titles: titles as displayed; duplicates and empty ones are dropped.
            per_title: entries asked for per title (``max_results`` is
                ``per_title * len(titles)``, at most 2000): room for the
                other papers whose titles hold a title's words as a phrase.

        Returns:
            ``(records, complete)``: the records as :func:`parse_atom` gives
            them (a :class:`SourceError` for an error answer), and whether
            they are every entry arXiv matched (``opensearch:totalResults``
            not above what was asked for). When not complete, a title
            without an entry among them may still have one on arXiv.

        Raises:
            ArxivUnavailable: arXiv could not be reached after the retries.
            ValueError: ``per_title`` below 1.
        """
        if per_title < 1:
            raise ValueError(f"per_title must be at least 1, not {per_title}")
        query = title_query(titles)
        if not query:
            return [], True
        phrases = query.count(" OR ") + 1
        wanted = min(MAX_PAGE_SIZE, per_title * phrases)
        params = {"search_query": query, "start": 0, "max_results": wanted}
        records, total = self._query(params, 1)
        return records, total is not None and total <= wanted

    def search_page(
        self,
        query: str,
        start: int = 0,
        *,
        sort_by: str | None = None,
        sort_order: str | None = None,
    ) -> tuple[list[Record], int | None]:
        """One page of an arXiv search: ``page_size`` entries from ``start`` on.

        For callers that keep their own cursor between pages (``paperbrowse
        update`` commits one per page).

        Args:
            query: arXiv query syntax, as for :meth:`search`.
            start: 0-based index of the first entry wanted.
            sort_by, sort_order: as for :meth:`search`.

        Returns:
            ``(records, total)``: the page's records (entries numbered from
            ``start + 1``) and ``opensearch:totalResults``; ``total`` is
            ``None`` when the answer is an error (then the records are the
            :class:`SourceError` saying why) or not a feed.

        Raises:
            ArxivUnavailable: arXiv could not be reached after the retries.
        """
        params: dict[str, Any] = {
            "search_query": query,
            "start": start,
            "max_results": self.page_size,
        }
        if sort_by:
            params["sortBy"] = sort_by
        if sort_order:
            params["sortOrder"] = sort_order
        return self._query(params, start + 1)

    def search(
        self,
        query: str,
        max_results: int = 100,
        *,
        sort_by: str | None = None,
        sort_order: str | None = None,
    ) -> Iterator[Record]:
        """Run an arXiv search (``search_query``), fetching page after page.

        Args:
            query: arXiv query syntax, e.g. ``'ti:"latent diffusion" AND cat:cs.CV'``.
            max_results: the most entries to return over all pages.
            sort_by: ``relevance``, ``lastUpdatedDate`` or ``submittedDate``
                (arXiv's default: relevance).
            sort_order: ``ascending`` or ``descending``.

        Yields:
            Records as :func:`parse_atom` gives them, entries numbered across
            pages. Paging (``start``, ``max_results=page_size``) stops at
            ``max_results``, at ``opensearch:totalResults``, or at an empty page.

        Raises:
            ArxivUnavailable: while iterating, when arXiv could not be reached
                after the retries (earlier pages have been yielded by then).
        """
        start = 0
        total: int | None = None
        while start < max_results and (total is None or start < total):
            params: dict[str, Any] = {
                "search_query": query,
                "start": start,
                "max_results": min(self.page_size, max_results - start),
            }
            if sort_by:
                params["sortBy"] = sort_by
            if sort_order:
                params["sortOrder"] = sort_order
            records, page_total = self._query(params, start + 1)
            yield from records
            if page_total is None or not records:
                return  # an error answer, not a feed, or an empty page
            total = page_total
            start += len(records)
