"""Polite HTTP for the online importers: rate limiting, retries, a clear offline error.

:class:`PoliteClient` wraps an :class:`httpx.Client` and is shared by the arXiv
(:mod:`~paperbrowse.core.sources.arxiv`), Hugging Face
(:mod:`~paperbrowse.core.sources.hf`) and Crossref
(:mod:`~paperbrowse.core.sources.crossref`) clients, so all behave the same way:

* **Rate limit.** Consecutive requests are at least ``delay`` seconds apart
  (measured from the end of one request to the start of the next).
* **Retries.** A connection error, a timeout or any other transport error,
  and the answers HTTP 429 and 5xx are retried up to ``retries`` times. The
  wait before retry *k* (1, 2, ...) is ``backoff * 2 ** (k - 1)`` seconds
  (2, 4, 8 s with the default ``backoff=2.0``), unless the answer carries a
  ``Retry-After`` header (seconds or an HTTP date), which is then obeyed.
  Before each wait the ``on_retry`` callback (if any) gets a
  :class:`RetryNotice` ("arXiv is busy (HTTP 503); retrying in 4 s (retry 2
  of 3)"), so a command line or an app can say why nothing seems to happen.
* **Offline fails fast.** A host name that cannot be resolved (DNS: the
  machine is offline, or the URL is wrong; see :func:`is_name_resolution_error`)
  is not retried: waiting 2 + 4 + 8 s would not bring the network back, and
  the user would wait 15 s for the same message.
* **Offline.** When the service still cannot be reached after the retries,
  :class:`ServiceUnavailable` (a
  :class:`~paperbrowse.core.sources.common.SourceUnavailable`) is raised; its
  message names the service and URL and tells the user to check the connection.
* Every request carries a ``User-Agent`` naming paperbrowse and its version
  (:data:`USER_AGENT`); :func:`user_agent` adds a ``mailto:`` contact, as
  Crossref's REST API etiquette asks
  (https://github.com/CrossRef/rest-api-doc#etiquette).

Other answers (2xx, and 4xx other than 429) are returned to the caller, which
turns a 4xx into a :class:`~paperbrowse.core.sources.common.SourceError`.

The settings (service name, error class, delay, retries, back-off, timeout,
``User-Agent``) travel together as one :class:`Politeness` policy; each
importer declares its own (``arxiv.POLITENESS``: 3 s between requests, as
arXiv asks; ``hf.POLITENESS`` and ``crossref.POLITENESS``: 1 s) and builds its
:class:`PoliteClient` from it with :meth:`PoliteClient.from_policy`.

``sleep`` and ``clock`` are injectable, so tests run without waiting, and an
``httpx.Client`` built on :class:`httpx.MockTransport` keeps them off the network.
"""

from __future__ import annotations

import email.utils
import re
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from paperbrowse import __version__
from paperbrowse.core.sources.common import SourceUnavailable

if TYPE_CHECKING:  # httpx is imported when a client is made: it pulls in rich and click
    import httpx

#: ``User-Agent`` sent with every request.
USER_AGENT = f"paperbrowse/{__version__} (terminal paper browser)"

_MAILTO = re.compile(r"[^@\s();<>,]+@[^@\s();<>,]+\.[^@\s();<>,]+")


def user_agent(mailto: str | None = None) -> str:
    """The ``User-Agent`` header, with a contact address when one is given.

    Crossref's etiquette asks clients to name themselves and give a
    ``mailto:`` address, in the form ``App/version (comment; mailto:address)``;
    requests that do are served from its "polite" pool.

    Args:
        mailto: an e-mail address such as ``"you@example.org"``, or ``None``
            (or ``""``) for :data:`USER_AGENT` unchanged.

    Returns:
        ``"paperbrowse/1.0.0 (terminal paper browser; mailto:you@example.org)"``.

    Raises:
        ValueError: ``mailto`` does not look like an e-mail address.
    """
    if not mailto:
        return USER_AGENT
    address = mailto.strip().removeprefix("mailto:")
    if not _MAILTO.fullmatch(address):
        raise ValueError(f"{mailto!r} is not an e-mail address")
    return f"paperbrowse/{__version__} (terminal paper browser; mailto:{address})"


class ServiceUnavailable(SourceUnavailable):
    """A web service could not be reached after every retry.

    Attributes:
        service: the service's display name, e.g. ``"arXiv"``.
        url: the URL requested, with its query string.
        reason: the last failure, e.g. ``"HTTP 503"`` or ``"ConnectError: ..."``.
        attempts: how many requests were made.
    """

    def __init__(self, service: str, url: str, reason: str, attempts: int) -> None:
        self.service = service
        self.url = url
        self.reason = reason
        self.attempts = attempts
        tries = "1 attempt" if attempts == 1 else f"{attempts} attempts"
        super().__init__(
            f"{service} could not be reached at {url} ({reason}; {tries}). "
            "Check your internet connection, or try again later; paperbrowse keeps "
            "working offline on the papers it already has."
        )


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Parse a ``Retry-After`` header: delay-seconds or an HTTP date.

    Args:
        value: the header value, e.g. ``"120"`` or ``"Wed, 21 Oct 2026 07:28:00 GMT"``.
        now: the current time for an HTTP date (default: now, UTC).

    Returns:
        Seconds to wait (never negative), or ``None`` when absent or unreadable.
    """
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _describe(exc: Exception) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


#: What the C library's ``getaddrinfo`` says when a name cannot be resolved
#: (glibc, musl, macOS, Windows), lower case: recognised in an error's text
#: when the :class:`socket.gaierror` itself is not in the exception chain.
NAME_RESOLUTION_MESSAGES = (
    "name or service not known",
    "temporary failure in name resolution",
    "nodename nor servname provided",
    "no address associated with hostname",
    "getaddrinfo failed",
    "name does not resolve",
)


def is_name_resolution_error(exc: BaseException) -> bool:
    """True when ``exc`` comes from a host name that could not be resolved (DNS).

    httpx raises :class:`httpx.ConnectError` from httpcore's ``ConnectError``,
    raised in turn from the :class:`socket.gaierror` of ``getaddrinfo``; the
    chain (``__cause__`` / ``__context__``) is searched for that
    ``socket.gaierror``, and failing that the messages are matched against
    :data:`NAME_RESOLUTION_MESSAGES` ("[Errno -2] Name or service not known",
    "[Errno -3] Temporary failure in name resolution").

    Args:
        exc: any exception, typically an ``httpx.ConnectError``.

    Returns:
        ``True`` for a name-resolution failure, ``False`` for anything else
        (connection refused, timeouts, TLS errors ...).
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, socket.gaierror):
            return True
        text = str(current).casefold()
        if any(message in text for message in NAME_RESOLUTION_MESSAGES):
            return True
        current = current.__cause__ or current.__context__
    return False


def _seconds(value: float) -> str:
    """``"4 s"``, ``"0.5 s"``: a wait as the user reads it."""
    return f"{value:.0f} s" if value >= 1 or value == 0 else f"{value:.1f} s"


@dataclass(frozen=True, slots=True)
class RetryNotice:
    """A failed request that is about to be retried, for an ``on_retry`` callback.

    ``str(notice)`` is the sentence to show, e.g. ``"arXiv is busy (HTTP 503);
    retrying in 4 s (retry 2 of 3)"``.

    Attributes:
        service: the service's display name, e.g. ``"arXiv"``.
        url: the URL requested, with its query string.
        reason: what went wrong: ``"HTTP 503"``, ``"ReadTimeout: ..."``,
            ``"ConnectError: [Errno 111] Connection refused"``.
        status: the HTTP status of a busy answer (429 or 5xx), else ``None``.
        retry: which retry comes next, 1-based.
        retries: the most retries that will be made.
        wait: seconds until the retry (back-off, ``Retry-After``, or the rate
            limit, whichever is longest).
    """

    service: str
    url: str
    reason: str
    status: int | None
    retry: int
    retries: int
    wait: float

    def __str__(self) -> str:
        if self.status is not None:
            what = f"is busy ({self.reason})"
        elif "Timeout" in self.reason:
            what = f"did not answer in time ({self.reason})"
        else:
            what = f"could not be reached ({self.reason})"
        return (
            f"{self.service} {what}; retrying in {_seconds(self.wait)} "
            f"(retry {self.retry} of {self.retries})"
        )


@dataclass(frozen=True, slots=True)
class Politeness:
    """How politely one web service is asked: one policy per importer.

    Attributes:
        service: display name used in messages, e.g. ``"arXiv"``.
        unavailable: the :class:`ServiceUnavailable` subclass raised when the
            service cannot be reached.
        delay: minimum seconds between the end of a request and the start of
            the next one.
        retries: how many times a failed request is retried (so at most
            ``retries + 1`` requests).
        backoff: seconds before the first retry; doubled for each further retry.
        timeout: seconds allowed for connecting and for each read.
        max_retry_after: longest ``Retry-After`` in seconds that is waited out.
        user_agent: the ``User-Agent`` header (:func:`user_agent`).

    Raises:
        ValueError: (on construction) a negative ``delay``, ``backoff`` or
            ``retries``, or a ``timeout`` that is not positive.
    """

    service: str
    unavailable: type[ServiceUnavailable] = ServiceUnavailable
    delay: float = 3.0
    retries: int = 3
    backoff: float = 2.0
    timeout: float = 30.0
    max_retry_after: float = 300.0
    user_agent: str = USER_AGENT

    def __post_init__(self) -> None:
        if self.delay < 0 or self.backoff < 0 or self.retries < 0 or self.timeout <= 0:
            raise ValueError("delay, backoff and retries must be >= 0 and timeout > 0")

    def with_overrides(self, **overrides: Any) -> Politeness:
        """This policy with the given attributes replaced; ``None`` values are ignored.

        ``ARXIV.with_overrides(delay=0.0, retries=None)`` keeps arXiv's retries
        and sets no delay, so a client's ``delay=None`` default means "the
        service's own".

        Raises:
            ValueError: an out-of-range value (see the class).
            TypeError: an unknown attribute name.
        """
        given = {name: value for name, value in overrides.items() if value is not None}
        return replace(self, **given) if given else self


class PoliteClient:
    """GET requests with a rate limit, retries with back-off, and an offline error.

    Args:
        client: an ``httpx.Client`` to send requests with (tests pass one built on
            ``httpx.MockTransport``); by default one is created and closed by
            :meth:`close`.
        service: display name used in error messages, e.g. ``"arXiv"``.
        unavailable: the :class:`ServiceUnavailable` subclass to raise.
        delay: minimum seconds between the end of a request and the start of
            the next one.
        retries: how many times a failed request is retried (so at most
            ``retries + 1`` requests).
        backoff: seconds before the first retry; doubled for each further retry.
        timeout: seconds allowed for connecting and for each read.
        max_retry_after: longest ``Retry-After`` in seconds that is waited out;
            a longer one gives up at once with ``unavailable``.
        sleep: called with a number of seconds to wait (``time.sleep``).
        clock: monotonic time in seconds (``time.monotonic``).
        user_agent: the ``User-Agent`` header (:data:`USER_AGENT`; see
            :func:`user_agent`).
        on_retry: called with a :class:`RetryNotice` before each wait for a
            retry (in the thread that called :meth:`get`); ``None`` for none.

    Raises:
        ValueError: a negative ``delay``, ``backoff`` or ``retries``, or a
            ``timeout`` that is not positive.
    """

    def __init__(
        self,
        client: httpx.Client | None = None,
        *,
        service: str,
        unavailable: type[ServiceUnavailable] = ServiceUnavailable,
        delay: float = 3.0,
        retries: int = 3,
        backoff: float = 2.0,
        timeout: float = 30.0,
        max_retry_after: float = 300.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        user_agent: str = USER_AGENT,
        on_retry: Callable[[RetryNotice], None] | None = None,
    ) -> None:
        import httpx

        if delay < 0 or backoff < 0 or retries < 0 or timeout <= 0:
            raise ValueError("delay, backoff and retries must be >= 0 and timeout > 0")
        self._owns_client = client is None
        self.client = client if client is not None else httpx.Client(follow_redirects=True)
        self.service = service
        self.unavailable = unavailable
        self.delay = delay
        self.retries = retries
        self.backoff = backoff
        self.timeout = timeout
        self.max_retry_after = max_retry_after
        self.sleep = sleep
        self.clock = clock
        self.user_agent = user_agent
        self.on_retry = on_retry
        self._last_end: float | None = None

    @classmethod
    def from_policy(
        cls,
        policy: Politeness,
        client: httpx.Client | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        on_retry: Callable[[RetryNotice], None] | None = None,
    ) -> PoliteClient:
        """A client that follows ``policy``; ``client``, ``sleep``, ``clock`` and
        ``on_retry`` as for the constructor."""
        return cls(
            client,
            service=policy.service,
            unavailable=policy.unavailable,
            delay=policy.delay,
            retries=policy.retries,
            backoff=policy.backoff,
            timeout=policy.timeout,
            max_retry_after=policy.max_retry_after,
            sleep=sleep,
            clock=clock,
            user_agent=policy.user_agent,
            on_retry=on_retry,
        )

    @property
    def policy(self) -> Politeness:
        """The :class:`Politeness` this client follows (from its attributes)."""
        return Politeness(
            service=self.service,
            unavailable=self.unavailable,
            delay=self.delay,
            retries=self.retries,
            backoff=self.backoff,
            timeout=self.timeout,
            max_retry_after=self.max_retry_after,
            user_agent=self.user_agent,
        )

    def get(self, url: str, params: Mapping[str, Any] | None = None) -> httpx.Response:
        """GET ``url`` with ``params``, politely.

        Returns:
            The first answer that is neither HTTP 429 nor 5xx (its body read).

        Raises:
            ServiceUnavailable: (the ``unavailable`` subclass) no such answer
                after ``retries + 1`` attempts, the service asked to wait
                longer than ``max_retry_after`` seconds, or at once (no retry)
                when the host name cannot be resolved.
        """
        import httpx

        full_url = str(httpx.URL(url, params=params or {}))
        backoff_wait = 0.0
        attempt = 0
        while True:
            attempt += 1
            self._pause(backoff_wait)
            retry_after: float | None = None
            status: int | None = None
            try:
                response = self.client.get(
                    url,
                    params=params,
                    headers={"User-Agent": self.user_agent},
                    timeout=self.timeout,
                )
            except httpx.TransportError as exc:
                reason = _describe(exc)
                if isinstance(exc, httpx.ConnectError) and is_name_resolution_error(exc):
                    host = httpx.URL(url).host or url
                    raise self.unavailable(
                        self.service,
                        full_url,
                        f"the host name {host} could not be resolved: {exc}",
                        attempt,
                    ) from exc
            else:
                if response.status_code != 429 and response.status_code < 500:
                    return response
                status = response.status_code
                reason = f"HTTP {status}"
                retry_after = retry_after_seconds(response.headers.get("Retry-After"))
            finally:
                self._last_end = self.clock()
            if attempt > self.retries:
                raise self.unavailable(self.service, full_url, reason, attempt)
            if retry_after is not None and retry_after > self.max_retry_after:
                raise self.unavailable(
                    self.service,
                    full_url,
                    f"{reason}, asked to retry after {retry_after:.0f} s",
                    attempt,
                )
            backoff_wait = (
                retry_after if retry_after is not None else self.backoff * 2 ** (attempt - 1)
            )
            if self.on_retry is not None:
                notice = RetryNotice(
                    service=self.service,
                    url=full_url,
                    reason=reason,
                    status=status,
                    retry=attempt,
                    retries=self.retries,
                    wait=self._wait_needed(backoff_wait),
                )
                self.on_retry(notice)

    def _wait_needed(self, at_least: float) -> float:
        """Seconds until ``delay`` has passed since the last request, and at least ``at_least``."""
        wait = at_least
        if self._last_end is not None:
            wait = max(wait, self.delay - (self.clock() - self._last_end))
        return max(wait, 0.0)

    def _pause(self, at_least: float) -> None:
        """Sleep until ``delay`` has passed since the last request, and at least ``at_least``."""
        wait = self._wait_needed(at_least)
        if wait > 0:
            self.sleep(wait)

    def close(self) -> None:
        """Close the ``httpx.Client`` if this object created it."""
        if self._owns_client:
            self.client.close()

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class ServiceClient:
    """Base of the web importers' clients (arXiv, Hugging Face, Crossref).

    Holds the client's :class:`Politeness` (its service's defaults with the
    constructor's overrides) and the :class:`PoliteClient` that follows it,
    and closes that with the client (``with ArxivClient() as client: …``).
    """

    politeness: Politeness
    http: PoliteClient

    def _follow(
        self,
        politeness: Politeness,
        client: httpx.Client | None,
        *,
        sleep: Callable[[float], None],
        clock: Callable[[], float],
        on_retry: Callable[[RetryNotice], None] | None,
        **overrides: Any,
    ) -> None:
        """Set :attr:`politeness` (``overrides`` as :meth:`Politeness.with_overrides`
        takes them, ``None`` keeping the default) and :attr:`http`."""
        self.politeness = politeness.with_overrides(**overrides)
        self.http = PoliteClient.from_policy(
            self.politeness, client, sleep=sleep, clock=clock, on_retry=on_retry
        )

    def close(self) -> None:
        """Close the HTTP client if this object created it."""
        self.http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
