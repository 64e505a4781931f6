"""The polite HTTP client: name-resolution errors fail fast, retries are announced.

No test touches the network: requests go to an ``httpx.MockTransport``, or, to
check the real exception chain httpx builds, to a real transport whose
``socket.getaddrinfo`` is replaced by one that fails as an offline machine's does.
"""

from __future__ import annotations

import socket
import time as real_time

import httpx
import pytest
from fakes import FakeTime, recording_http

from paperbrowse.core.sources.http import (
    PoliteClient,
    Politeness,
    RetryNotice,
    ServiceUnavailable,
    is_name_resolution_error,
)

URL = "https://api.example.org/things"


def polite(handler, time: FakeTime, **kwargs) -> tuple[PoliteClient, list[httpx.Request]]:
    http, seen = recording_http(handler)
    client = PoliteClient(http, service="Example", sleep=time.sleep, clock=time.clock, **kwargs)
    return client, seen


def offline_resolver(*args: object, **kwargs: object):
    raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")


# --- recognising a name-resolution failure ------------------------------------------


def test_a_gaierror_anywhere_in_the_chain_is_a_name_resolution_error() -> None:
    try:
        try:
            raise socket.gaierror(-2, "Name or service not known")
        except socket.gaierror as low:
            raise httpx.ConnectError("connection failed") from low
    except httpx.ConnectError as exc:
        assert is_name_resolution_error(exc)


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("[Errno -2] Name or service not known", True),  # glibc, unknown host
        ("[Errno -3] Temporary failure in name resolution", True),  # glibc, offline
        ("[Errno 8] nodename nor servname provided, or not known", True),  # macOS
        ("[Errno 11001] getaddrinfo failed", True),  # Windows
        ("[Errno 111] Connection refused", False),
        ("[Errno 101] Network is unreachable", False),
        ("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed", False),
    ],
)
def test_name_resolution_messages(message: str, expected: bool) -> None:
    assert is_name_resolution_error(httpx.ConnectError(message)) is expected


def test_a_timeout_is_not_a_name_resolution_error() -> None:
    assert not is_name_resolution_error(httpx.ReadTimeout("timed out"))


# --- failing fast ------------------------------------------------------------------------


def test_a_real_transport_with_an_offline_resolver_fails_at_once(monkeypatch) -> None:
    """The real chain: httpx.ConnectError <- httpcore.ConnectError <- socket.gaierror."""
    calls: list[tuple] = []

    def resolver(*args: object, **kwargs: object):
        calls.append(args)
        offline_resolver()

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    time = FakeTime()
    notices: list[RetryNotice] = []
    client = PoliteClient(
        httpx.Client(trust_env=False),
        service="arXiv",
        sleep=time.sleep,
        clock=time.clock,
        on_retry=notices.append,
    )
    started = real_time.monotonic()
    with client, pytest.raises(ServiceUnavailable) as caught:
        client.get("http://export.arxiv.org/api/query", {"id_list": "2006.07733"})
    assert real_time.monotonic() - started < 2.0
    error = caught.value
    assert error.attempts == 1 and len(calls) == 1
    assert time.sleeps == [] and notices == []
    assert error.reason.startswith("the host name export.arxiv.org could not be resolved")
    assert "Temporary failure in name resolution" in error.reason
    assert str(error).startswith(
        "arXiv could not be reached at http://export.arxiv.org/api/query?id_list=2006.07733 ("
    )
    assert "Check your internet connection" in str(error)
    assert isinstance(error.__cause__, httpx.ConnectError)


def test_a_refused_connection_is_still_retried() -> None:
    time = FakeTime()

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    client, seen = polite(refuse, time, retries=2, delay=0.0)
    with pytest.raises(ServiceUnavailable, match="Connection refused; 3 attempts"):
        client.get(URL)
    assert len(seen) == 3 and time.sleeps == [2.0, 4.0]


# --- announcing retries --------------------------------------------------------------


def test_each_retry_is_announced_before_its_wait() -> None:
    time = FakeTime()
    events: list[str] = []
    answers = [
        httpx.Response(503, headers={"Retry-After": "7"}),
        "timeout",
        httpx.Response(429),
        httpx.Response(200, text="ok"),
    ]

    def handler(request: httpx.Request) -> httpx.Response:
        answer = answers.pop(0)
        if answer == "timeout":
            raise httpx.ReadTimeout("timed out", request=request)
        return answer

    def on_retry(notice: RetryNotice) -> None:
        events.append(f"notice {notice.wait:g}")

    def sleep(seconds: float) -> None:
        events.append(f"sleep {seconds:g}")
        time.sleep(seconds)

    client, seen = polite(handler, time, delay=1.0, on_retry=on_retry)
    client.sleep = sleep
    assert client.get(URL, {"q": "x"}).text == "ok"
    assert len(seen) == 4
    # Retry-After 7 s; then the back-off's 2nd and 3rd steps (4 s, 8 s)
    assert events == ["notice 7", "sleep 7", "notice 4", "sleep 4", "notice 8", "sleep 8"]


def test_retry_notice_fields_and_wording() -> None:
    time = FakeTime()
    notices: list[RetryNotice] = []
    answers = [httpx.Response(503), httpx.Response(200)]
    client, _ = polite(lambda r: answers.pop(0), time, on_retry=notices.append, delay=3.0)
    client.get(URL, {"q": "x"})
    (notice,) = notices
    assert notice == RetryNotice(
        service="Example",
        url=f"{URL}?q=x",
        reason="HTTP 503",
        status=503,
        retry=1,
        retries=3,
        wait=3.0,  # the 2 s back-off, but never under the 3 s rate limit
    )
    assert str(notice) == "Example is busy (HTTP 503); retrying in 3 s (retry 1 of 3)"
    timeout = RetryNotice("arXiv", URL, "ReadTimeout: timed out", None, 2, 3, 0.5)
    assert str(timeout) == (
        "arXiv did not answer in time (ReadTimeout: timed out); retrying in 0.5 s (retry 2 of 3)"
    )


def test_no_notice_when_the_first_answer_is_good_or_a_client_error() -> None:
    time = FakeTime()
    notices: list[RetryNotice] = []
    client, seen = polite(lambda r: httpx.Response(404), time, on_retry=notices.append)
    assert client.get(URL).status_code == 404
    assert notices == [] and len(seen) == 1


# --- the politeness policy -------------------------------------------------------------


def test_a_policy_override_of_none_keeps_the_policy_value() -> None:
    base = Politeness("Example", delay=1.5, retries=4)
    changed = base.with_overrides(delay=0.0, retries=None, timeout=None)
    assert (changed.delay, changed.retries, changed.timeout) == (0.0, 4, 30.0)
    assert base.with_overrides(delay=None) is base
    with pytest.raises(ValueError):
        base.with_overrides(retries=-1)
    with pytest.raises(ValueError):
        Politeness("Example", timeout=0)


def test_a_client_from_a_policy_follows_it() -> None:
    class ExampleDown(ServiceUnavailable):
        pass

    time = FakeTime()
    policy = Politeness("Example", ExampleDown, delay=0.0, retries=2, backoff=1.0)
    http, seen = recording_http(lambda request: httpx.Response(503))
    client = PoliteClient.from_policy(policy, http, sleep=time.sleep, clock=time.clock)
    assert client.policy == policy
    with pytest.raises(ExampleDown, match="Example could not be reached"):
        client.get(URL)
    assert len(seen) == 3 and time.sleeps == [1.0, 2.0]


def test_each_importer_keeps_its_own_politeness_and_its_overrides() -> None:
    from paperbrowse.core.sources import arxiv, crossref, hf

    with arxiv.ArxivClient() as a, hf.DailyPapersClient() as h:
        assert a.http.policy == arxiv.POLITENESS and a.http.delay == 3.0
        assert a.http.unavailable is arxiv.ArxivUnavailable
        assert h.http.policy == hf.POLITENESS and h.http.delay == 1.0
    with crossref.CrossrefClient(mailto="me@example.org", retries=0, timeout=5.0) as c:
        assert c.http.service == "Crossref" and c.http.delay == 1.0
        assert (c.http.retries, c.http.timeout) == (0, 5.0)
        assert c.http.user_agent.endswith("mailto:me@example.org)")
    with pytest.raises(ValueError):
        hf.DailyPapersClient(delay=-1)
