"""Import Hugging Face daily papers (``https://huggingface.co/api/daily_papers?date=YYYY-MM-DD``).

The endpoint answers a JSON list, one item per paper featured that day::

    [
      {
        "paper": {
          "id": "2106.09685",                       # the arXiv id
          "title": "...", "summary": "...",         # the arXiv title and abstract
          "authors": [{"name": "Edward J. Hu", ...}, ...],
          "publishedAt": "2021-06-17T17:37:18.000Z",  # on arXiv
          "upvotes": 42, ...
        },
        "title": "...", "publishedAt": "...",       # when it was featured
        "numComments": 3, "submittedBy": {...},
        "organization": {"name": "microsoft", "fullname": "Microsoft", ...}  # sometimes
      },
      ...
    ]

(see ``tests/fixtures/hf_daily_papers_2026-03-23.json``). Requests go through
:class:`~paperbrowse.core.sources.http.PoliteClient`: rate-limited, retried with
back-off, and :class:`HFUnavailable` when Hugging Face cannot be reached.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import date
from typing import TYPE_CHECKING, Any

from paperbrowse.core.models import Paper, paper_id_for
from paperbrowse.core.sources.common import Record, SourceError, clean_text, normalise_arxiv_id
from paperbrowse.core.sources.http import (
    Politeness,
    RetryNotice,
    ServiceClient,
    ServiceUnavailable,
)

if TYPE_CHECKING:
    import httpx

#: The daily-papers endpoint.
API_URL = "https://huggingface.co/api/daily_papers"


class HFUnavailable(ServiceUnavailable):
    """Hugging Face could not be reached (offline, DNS failure, timeouts, HTTP 429/5xx).

    The message says so, names the URL and says to check the connection.
    """


#: How Hugging Face is asked: 1 s between requests, 3 retries backing off 2, 4, 8 s,
#: 30 s timeout.
POLITENESS = Politeness("Hugging Face", HFUnavailable, delay=1.0)


def paper_url(arxiv_id: str) -> str:
    """The Hugging Face page of a paper: ``https://huggingface.co/papers/<arXiv id>``."""
    return f"https://huggingface.co/papers/{arxiv_id}"


def source_name(day: date) -> str:
    """The source name :meth:`DailyPapersClient.fetch_date` records for ``day``."""
    return f"Hugging Face daily papers {day.isoformat()}"


def _date(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _text(value: Any) -> str:
    return clean_text(value) if isinstance(value, str) else ""


def _item_record(item: Any, number: int, source: str) -> Record:
    location = f"item {number}"
    if not isinstance(item, dict):
        return SourceError(source, location, f"expected an object, found {type(item).__name__}")
    paper = item.get("paper")
    if not isinstance(paper, dict):
        return SourceError(source, location, "no 'paper' object")
    title = _text(paper.get("title")) or _text(item.get("title"))
    if not title:
        return SourceError(source, location, "paper without a title")
    raw_authors = paper.get("authors") or []
    if not isinstance(raw_authors, list):
        return SourceError(source, location, "'authors' is not a list")
    authors = tuple(
        name for a in raw_authors if isinstance(a, dict) and (name := _text(a.get("name")))
    )
    arxiv_id = normalise_arxiv_id(paper.get("id")) if isinstance(paper.get("id"), str) else None
    upvotes = paper.get("upvotes")
    if isinstance(upvotes, bool) or not isinstance(upvotes, int):
        upvotes = None
    org = item.get("organization")
    organisation = org_handle = None
    if isinstance(org, dict):
        org_handle = _text(org.get("name")) or None
        organisation = _text(org.get("fullname")) or org_handle
    return Paper(
        id=paper_id_for(title, arxiv_id),
        title=title,
        abstract=_text(paper.get("summary")) or _text(item.get("summary")),
        authors=authors,
        author_count=len(authors) if authors else None,
        organisation=organisation,
        org_handle=org_handle,
        published=_date(paper.get("publishedAt")),
        upvotes=upvotes,
        arxiv_id=arxiv_id,
        sources=(source,),
        url=paper_url(arxiv_id) if arxiv_id else None,
    )


def parse_daily_papers(data: bytes | str | list[Any], source: str) -> Iterator[Record]:
    """Read a daily-papers answer.

    Args:
        data: the JSON text (bytes or str) or the already decoded list.
        source: name recorded in ``Paper.sources`` and ``SourceError.source``.

    Yields:
        One :class:`Paper` per item, in list order: ``arxiv_id`` from
        ``paper.id``, ``url`` its Hugging Face page, title/abstract/authors from
        ``paper``, ``published`` the date of ``paper.publishedAt`` (its arXiv
        date), ``upvotes``, and ``organisation`` / ``org_handle`` from
        ``organization.fullname`` / ``.name`` when present. A malformed item
        (not an object, no ``paper``, no title) gives a :class:`SourceError`
        located ``"item N"`` (1-based); text that is not a JSON list gives one
        located ``"response"``.
    """
    if isinstance(data, bytes | str):
        try:
            data = json.loads(data)
        except ValueError as exc:
            yield SourceError(source, "response", f"not JSON: {exc}")
            return
    if not isinstance(data, list):
        yield SourceError(source, "response", f"expected a JSON list, found {type(data).__name__}")
        return
    for number, item in enumerate(data, 1):
        yield _item_record(item, number, source)


class DailyPapersClient(ServiceClient):
    """Fetch Hugging Face daily papers, politely.

    Args:
        client: an ``httpx.Client`` (tests pass one on ``httpx.MockTransport``);
            by default one is created, closed by :meth:`close`.
        base_url: the daily-papers endpoint.
        politeness: the :class:`~paperbrowse.core.sources.http.Politeness` to follow
            (:data:`POLITENESS`); ``delay``, ``retries``, ``backoff`` and
            ``timeout``, when given, override its values.
        delay: seconds between consecutive requests.
        retries: retries after a connection error, timeout, HTTP 429 or 5xx (a host
            name that cannot be resolved fails at once: offline).
        backoff: seconds before the first retry, doubled for each further one
            (a ``Retry-After`` header wins).
        timeout: seconds allowed for connecting and for each read.
        sleep: called with the seconds to wait (``time.sleep``).
        clock: monotonic time in seconds, for the rate limit.
        on_retry: called with a :class:`~paperbrowse.core.sources.http.RetryNotice`
            before each wait for a retry (to tell the user), or ``None``.
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
        timeout: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        on_retry: Callable[[RetryNotice], None] | None = None,
    ) -> None:
        self.base_url = base_url
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

    def fetch_date(self, day: date) -> Iterator[Record]:
        """Fetch the papers featured on ``day``.

        Yields:
            Records as :func:`parse_daily_papers` gives them, with source
            :func:`source_name` (``"Hugging Face daily papers 2026-03-23"``);
            an HTTP 4xx answer gives one :class:`SourceError` located
            ``"response"``.

        Raises:
            HFUnavailable: when iterated, if Hugging Face could not be reached
                after the retries.
        """
        source = source_name(day)
        response = self.http.get(self.base_url, {"date": day.isoformat()})
        if not response.is_success:
            reason = f"HTTP {response.status_code} for {response.request.url}"
            yield SourceError(source, "response", reason)
            return
        yield from parse_daily_papers(response.content, source)
