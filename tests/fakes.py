"""Fakes shared by the tests of the online importers: a clock and a recording network.

Imported by basename (``from fakes import FakeTime, recording_http``): pytest puts
``tests/`` on ``sys.path`` for ``tests/conftest.py``. The ``no_network`` fixture
that blocks the real transport is in ``tests/conftest.py``.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx

Handler = Callable[[httpx.Request], httpx.Response]


class FakeTime:
    """A monotonic clock that only ``sleep`` moves; records every sleep.

    Give ``sleep=time.sleep, clock=time.clock`` to a polite client; ``sleeps``
    lists the seconds it waited, in order, and ``now`` may be moved by hand
    (time the caller spends between requests).
    """

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def recording_http(handler: Handler) -> tuple[httpx.Client, list[httpx.Request]]:
    """An ``httpx.Client`` on an ``httpx.MockTransport`` answering with ``handler``.

    Returns:
        The client, and the list every request it sends is appended to.
    """
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    return httpx.Client(transport=httpx.MockTransport(record)), seen
