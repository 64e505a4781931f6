"""Download a paper's PDF from arXiv, politely.

The PDF of arXiv paper ``<id>`` is at ``https://arxiv.org/pdf/<id>`` (the
latest version; arXiv's "Accessing arXiv's content" guidance asks for no
more than one request every 3 seconds, as :data:`arxiv.POLITENESS` does).
The base URL can be changed with the ``PAPERBROWSE_ARXIV_PDF_URL`` variable
(a mirror, or a local server in tests), as the other sources' URLs are.
Requests go through :class:`~paperbrowse.core.sources.http.PoliteClient`:
rate limit, retries with back-off, and a fast, clear offline error
(:class:`~paperbrowse.core.sources.arxiv.ArxivUnavailable`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from paperbrowse.core.models import Paper
from paperbrowse.core.pdfs.errors import NoPdfSource, NotAPdf
from paperbrowse.core.sources import arxiv
from paperbrowse.core.sources.http import RetryNotice, ServiceClient

if TYPE_CHECKING:
    import httpx

#: Where arXiv serves PDFs: ``<PDF_URL>/<arXiv id>``.
PDF_URL = "https://arxiv.org/pdf"
#: Environment variable overriding :data:`PDF_URL`.
PDF_URL_VARIABLE = "PAPERBROWSE_ARXIV_PDF_URL"


class ArxivPdfClient(ServiceClient):
    """Fetches PDFs from arXiv with arXiv's :data:`~paperbrowse.core.sources.arxiv.POLITENESS`.

    Args:
        client: an ``httpx.Client`` (tests: one on ``httpx.MockTransport``).
        base_url: default ``$PAPERBROWSE_ARXIV_PDF_URL`` or :data:`PDF_URL`.
        delay, retries, timeout: override the politeness (``None``: arXiv's).
        sleep, clock, on_retry: as :class:`~paperbrowse.core.sources.http.PoliteClient`.
    """

    def __init__(
        self,
        client: httpx.Client | None = None,
        *,
        base_url: str | None = None,
        delay: float | None = None,
        retries: int | None = None,
        timeout: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        on_retry: Callable[[RetryNotice], None] | None = None,
    ) -> None:
        self.base_url = (base_url or os.environ.get(PDF_URL_VARIABLE) or PDF_URL).rstrip("/")
        self._follow(
            arxiv.POLITENESS,
            client,
            sleep=sleep,
            clock=clock,
            on_retry=on_retry,
            delay=delay,
            retries=retries,
            timeout=timeout,
        )

    def url_for(self, paper: Paper) -> str:
        """The PDF URL of ``paper``.

        Raises:
            NoPdfSource: the paper has no arXiv id.
        """
        if not paper.arxiv_id:
            raise NoPdfSource(
                f"no arXiv id known for {paper.id} ({paper.title[:60]}); attach a file "
                f"with 'paperbrowse attach {paper.id} FILE'"
            )
        return f"{self.base_url}/{paper.arxiv_id}"

    def download(self, paper: Paper) -> tuple[bytes, str]:
        """Download the PDF of ``paper``.

        Returns:
            ``(the PDF's bytes, the URL)``; checked to start with ``%PDF-``
            (the store checks the rest).

        Raises:
            NoPdfSource: no arXiv id, or arXiv answers 404/410 (no PDF for it).
            NotAPdf: arXiv answered with something else (an HTML page).
            ArxivUnavailable: arXiv cannot be reached (offline, busy).
            PdfError: any other HTTP error status (message names it).
        """
        url = self.url_for(paper)
        response = self.http.get(url)
        if response.status_code in (404, 410):
            raise NoPdfSource(f"arXiv has no PDF for {paper.arxiv_id} ({url}: HTTP 404)")
        if response.status_code >= 400:
            raise NoPdfSource(f"arXiv refused {url} (HTTP {response.status_code})")
        data = response.content
        if not data[:1024].lstrip().startswith(b"%PDF-") and b"%PDF-" not in data[:1024]:
            kind = response.headers.get("Content-Type", "unknown type")
            raise NotAPdf(f"{url} did not answer with a PDF ({kind}, {len(data):,} bytes)")
        return data, url
