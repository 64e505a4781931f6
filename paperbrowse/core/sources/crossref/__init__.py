"""Import papers by DOI from Crossref's REST API (``https://api.crossref.org/works/{doi}``).

Crossref answers ``GET /works/{doi}`` with JSON ``{"status": "ok",
"message-type": "work", "message": {...}}``, the work's metadata record (field
names as in Crossref's REST API documentation,
https://api.crossref.org/swagger-ui/index.html and
https://github.com/CrossRef/rest-api-doc/blob/master/api_format.md), and an
unknown DOI with HTTP 404 and the plain-text body ``Resource not found.``
(also a DOI registered with another agency: arXiv's ``10.48550/arXiv.*`` DOIs
are DataCite's).

:func:`work_to_paper` maps a work to the full :class:`~paperbrowse.core.models.Paper`
record: ``type`` → ``entry_type`` (:data:`ENTRY_TYPES`), ``title`` (+
``subtitle``), ``author``/``editor`` → :class:`~paperbrowse.core.models.Name`,
``container-title``, ``volume``, ``issue``, ``page`` (or ``article-number``),
``publisher``, ``publisher-location``, ``ISBN``, ``ISSN``, ``edition-number``,
``institution``, the first of ``issued``/``published``/``published-print``/
``published-online``/``posted``/``approved`` with only its known date parts,
``abstract`` (JATS XML reduced to text), ``URL``, ``DOI``, and an arXiv id
from an arXiv DOI, a same-work ``relation`` or an ``arXiv:`` ``alternative-id``.

:class:`CrossrefClient` fetches one DOI per request through the shared
:class:`~paperbrowse.core.sources.http.PoliteClient` (rate limit, retries with
back-off honouring ``Retry-After``, a clear offline error), with a
``User-Agent`` carrying a ``mailto:`` contact when one is configured, as
Crossref's etiquette asks. Records follow
:mod:`~paperbrowse.core.sources.common`: a ``Paper`` per DOI found, a
:class:`~paperbrowse.core.sources.common.SourceError` per DOI that is not, and
:class:`CrossrefUnavailable` only when Crossref cannot be reached at all.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote

from paperbrowse.core.sources.common import Record, SourceError, normalise_doi
from paperbrowse.core.sources.crossref.works import (
    ENTRY_TYPES,
    SOURCE,
    arxiv_of_doi,
    format_pages,
    jats_to_text,
    parse_work,
    work_to_paper,
)
from paperbrowse.core.sources.http import (
    Politeness,
    RetryNotice,
    ServiceClient,
    ServiceUnavailable,
    user_agent,
)

if TYPE_CHECKING:
    import httpx


#: Crossref's works endpoint; a work is at ``{API_URL}/{doi}``.
API_URL = "https://api.crossref.org/works"


class CrossrefUnavailable(ServiceUnavailable):
    """Crossref could not be reached (offline, DNS failure, timeouts, HTTP 429/5xx).

    The message says so, names the URL and says to check the connection.
    """


#: How Crossref is asked: 1 s between requests (well inside its public rate limit),
#: 3 retries backing off 2, 4, 8 s, 30 s timeout; :func:`~paperbrowse.core.sources.http.user_agent`
#: adds the ``mailto:`` contact its etiquette asks for.
POLITENESS = Politeness("Crossref", CrossrefUnavailable, delay=1.0)


def parse_doi(text: str | None) -> str | None:
    """The DOI in ``text``, lower case, or ``None`` when it is not a DOI.

    Accepts what :func:`~paperbrowse.core.sources.common.normalise_doi` does
    (``10.1103/PhysRevB.74.024520``, ``doi:…``, ``https://doi.org/…``,
    ``http://dx.doi.org/…``, any case) and percent-encoded resolver URLs
    (``https://doi.org/10.1002/%28SICI%29…``).
    """
    if not text:
        return None
    value = text.strip()
    if "%" in value:
        value = unquote(value)
    doi = normalise_doi(value)
    if doi is None or "/" not in doi or any(ch.isspace() for ch in doi):
        return None
    return doi


class CrossrefClient(ServiceClient):
    """Fetch works by DOI from Crossref's REST API, politely.

    Args:
        client: an ``httpx.Client`` (tests pass one on ``httpx.MockTransport``);
            by default one is created, closed by :meth:`close`.
        base_url: the works endpoint (:data:`API_URL`); a DOI is appended.
        mailto: a contact e-mail address for the ``User-Agent`` (Crossref's
            etiquette: such requests go to its "polite" pool), or ``None``.
        politeness: the :class:`~paperbrowse.core.sources.http.Politeness` to follow
            (:data:`POLITENESS`); ``delay``, ``retries``, ``backoff`` and
            ``timeout``, when given, override its values.
        delay: seconds between consecutive requests (1 s, well inside
            Crossref's public rate limit).
        retries: retries after a connection error, timeout, HTTP 429 or 5xx (a host
            name that cannot be resolved fails at once: offline).
        backoff: seconds before the first retry, doubled for each further one
            (a ``Retry-After`` header wins).
        timeout: seconds allowed for connecting and for each read.
        sleep: called with the seconds to wait (``time.sleep``).
        clock: monotonic time in seconds, for the rate limit.
        on_retry: called with a :class:`~paperbrowse.core.sources.http.RetryNotice`
            before each wait for a retry (to tell the user), or ``None``.
        source: name recorded in ``Paper.sources`` / ``SourceError.source``.

    Raises:
        ValueError: ``mailto`` is not an e-mail address, or a negative
            delay/backoff/retries.
    """

    def __init__(
        self,
        client: httpx.Client | None = None,
        *,
        base_url: str = API_URL,
        mailto: str | None = None,
        politeness: Politeness = POLITENESS,
        delay: float | None = None,
        retries: int | None = None,
        backoff: float | None = None,
        timeout: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        source: str = SOURCE,
        on_retry: Callable[[RetryNotice], None] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
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
            user_agent=user_agent(mailto) if mailto else None,
        )

    def work_url(self, doi: str) -> str:
        """The URL of one work: ``{base_url}/{doi}``, the DOI percent-encoded but its ``/``."""
        return f"{self.base_url}/{quote(doi, safe='/')}"

    def fetch(self, doi: str) -> Record:
        """Fetch one work.

        Args:
            doi: a DOI as :func:`parse_doi` returns it.

        Returns:
            The :class:`Paper`, or a :class:`SourceError` located ``"doi
            <doi>"``: ``not found at Crossref`` for HTTP 404 (with a hint for
            arXiv's DataCite DOIs), the status and body start for other 4xx,
            or what :func:`parse_work` reports.

        Raises:
            CrossrefUnavailable: Crossref could not be reached after the retries.
        """
        response = self.http.get(self.work_url(doi))
        location = f"doi {doi}"
        if response.status_code == 404:
            reason = "not found at Crossref (no such DOI, or one registered elsewhere)"
            if arxiv_id := arxiv_of_doi(doi):
                reason = (
                    "not found at Crossref: arXiv DOIs are registered with DataCite; "
                    f"use `paperbrowse add arxiv {arxiv_id}`"
                )
            return SourceError(self.source, location, reason)
        if not response.is_success:
            start = " ".join(response.text[:80].split())
            detail = f": {start}" if start else ""
            return SourceError(
                self.source, location, f"Crossref answered HTTP {response.status_code}{detail}"
            )
        return parse_work(response.content, doi, self.source)

    def fetch_dois(self, dois: Sequence[str]) -> Iterator[Record]:
        """Fetch works by DOI, one request each, in the order given.

        Args:
            dois: DOIs in any form :func:`parse_doi` accepts; duplicates (in
                any form or case) are fetched once.

        Yields:
            One record per distinct DOI: the :class:`Paper`, or a
            :class:`SourceError` (see :meth:`fetch`); text that is not a DOI
            gives one located ``"id '<text>'"``.

        Raises:
            CrossrefUnavailable: while iterating, when Crossref could not be
                reached after the retries (earlier DOIs have been yielded).
        """
        seen: set[str] = set()
        for raw in dois:
            doi = parse_doi(raw)
            if doi is None:
                yield SourceError(self.source, f"id {raw!r}", "not a DOI")
            elif doi not in seen:
                seen.add(doi)
                yield self.fetch(doi)


__all__ = [
    "API_URL",
    "ENTRY_TYPES",
    "POLITENESS",
    "SOURCE",
    "CrossrefClient",
    "CrossrefUnavailable",
    "format_pages",
    "jats_to_text",
    "parse_doi",
    "parse_work",
    "work_to_paper",
]
