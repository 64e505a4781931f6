"""arXiv importer: Atom parsing on recorded/hand-built feeds, and the polite client.

No test touches the network: clients get an ``httpx.MockTransport`` and a
fake clock whose ``sleep`` only advances time; the real transport is blocked.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest
from fakes import FakeTime, recording_http

from paperbrowse import __version__
from paperbrowse.core.models import Paper
from paperbrowse.core.sources.arxiv import ArxivClient, ArxivUnavailable, parse_atom
from paperbrowse.core.sources.common import SourceError, SourceUnavailable
from paperbrowse.core.sources.http import USER_AGENT, retry_after_seconds

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CHECKERBOARD = (FIXTURES / "arxiv_atom_checkerboard.xml").read_bytes()
ID_LIST = (FIXTURES / "arxiv_atom_id_list.xml").read_bytes()
ERROR = (FIXTURES / "arxiv_atom_error.xml").read_bytes()
PAGE1 = (FIXTURES / "arxiv_atom_search_page1.xml").read_bytes()
PAGE2 = (FIXTURES / "arxiv_atom_search_page2.xml").read_bytes()
SEARCH = "id:2006.07733 OR id:2106.09685 OR id:cond-mat/0603029"


pytestmark = pytest.mark.usefixtures("no_network")


def make_client(handler, time: FakeTime, **kwargs) -> tuple[ArxivClient, list[httpx.Request]]:
    http, seen = recording_http(handler)
    client = ArxivClient(http, sleep=time.sleep, clock=time.clock, **kwargs)
    return client, seen


def atom(body: bytes, status: int = 200, **headers: str) -> httpx.Response:
    return httpx.Response(
        status, content=body, headers={"Content-Type": "application/atom+xml", **headers}
    )


CHECKERBOARD_PAPER = Paper(
    id="arxiv:cond-mat/0603029",
    title=(
        "From stripe to checkerboard order on the square lattice in the presence "
        "of quenched disorder"
    ),
    abstract=(
        "We discuss the effects of quenched disorder on a model of charge density wave "
        "(CDW) ordering on the square lattice. Our model may be applicable to the "
        "cuprate superconductors, where a random electrostatic potential exists in the "
        "CuO2 planes as a result of the presence of charged dopants. We argue that the "
        "presence of a random potential can affect the unidirectionality of the CDW "
        "order, characterized by an Ising order parameter. Coupling to a unidirectional "
        "CDW, the random potential can lead to the formation of domains with 90 degree "
        "relative orientation, thus tending to restore the rotational symmetry of the "
        "underlying lattice. We find that the correlation length of the Ising order can "
        "be significantly larger than the CDW correlation length. For a checkerboard CDW "
        "on the other hand, disorder generates spatial anisotropies on short length "
        "scales and thus some degree of unidirectionality. We quantify these disorder "
        "effects and suggest new techniques for analyzing the local density of states "
        "(LDOS) data measured in scanning tunneling microscopy experiments."
    ),
    authors=("Adrian Del Maestro", "Bernd Rosenow", "Subir Sachdev"),
    author_count=3,
    published=date(2006, 3, 2),
    arxiv_id="cond-mat/0603029",
    sources=("arXiv API",),
    url="https://arxiv.org/abs/cond-mat/0603029",
    doi="10.1103/physrevb.74.024520",
    categories=("cond-mat.str-el", "cond-mat.supr-con"),
    journal_ref="Phys. Rev. B 74, 024520 (2006)",  # arxiv:journal_ref
    comment="10 pages, 11 figures; added reference",  # arxiv:comment
)


# --- parse_atom ---------------------------------------------------------------


def test_recorded_checkerboard_feed_gives_every_field() -> None:
    assert list(parse_atom(CHECKERBOARD)) == [CHECKERBOARD_PAPER]


def test_source_name_is_recorded_and_text_input_accepted() -> None:
    (paper,) = parse_atom(CHECKERBOARD.decode("utf-8"), source="my feed")
    assert paper.sources == ("my feed",)


def test_id_list_feed() -> None:
    byol, lora = parse_atom(ID_LIST)
    assert byol.id == "arxiv:2006.07733"
    assert byol.arxiv_id == "2006.07733"  # the v3 is dropped
    assert byol.title == "Bootstrap your own latent: A new approach to self-supervised Learning"
    assert byol.authors[:5] == (
        "Jean-Bastien Grill",
        "Florian Strub",
        "Florent Altché",
        "Corentin Tallec",
        "Pierre H. Richemond",
    )
    assert byol.authors[-2:] == ("Rémi Munos", "Michal Valko")
    assert byol.author_count == 14
    assert byol.published == date(2020, 6, 13)
    assert byol.categories == ("cs.LG", "cs.CV", "stat.ML")
    assert byol.doi is None
    assert byol.url == "https://arxiv.org/abs/2006.07733"
    assert byol.abstract.startswith(
        "We introduce Bootstrap Your Own Latent (BYOL), a new approach to self-supervised image"
    )
    assert "reaches $74.3%$ top-1" in byol.abstract  # \% decoded, the wrapped lines joined
    assert "\n" not in byol.abstract
    assert lora.id == "arxiv:2106.09685"
    assert lora.title == "LoRA: Low-Rank Adaptation of Large Language Models"
    assert lora.authors == (
        "Edward J. Hu",
        "Yelong Shen",
        "Phillip Wallis",
        "Zeyuan Allen-Zhu",
        "Yuanzhi Li",
        "Shean Wang",
        "Lu Wang",
        "Weizhu Chen",
    )
    assert lora.published == date(2021, 6, 17)
    assert lora.categories == ("cs.CL", "cs.AI", "cs.LG")
    assert lora.abstract.endswith(
        "RoBERTa, DeBERTa, and GPT-2 at https://github.com/microsoft/LoRA."
    )


def test_error_entry_becomes_a_source_error() -> None:
    assert list(parse_atom(ERROR)) == [
        SourceError(
            "arXiv API",
            "entry 1",
            "arXiv reports an error: incorrect id format for 1234.12345 "
            "(http://arxiv.org/api/errors#incorrect_id_format_for_1234.12345)",
        )
    ]


def test_entry_without_title_is_reported_and_the_others_kept() -> None:
    text = CHECKERBOARD.decode()
    entry = text[text.index("  <entry>") : text.index("</entry>") + len("</entry>\n")]
    untitled = entry.replace("cond-mat/0603029v1", "cond-mat/0603030v1")
    start, end = untitled.index("<title>"), untitled.index("</title>") + len("</title>")
    untitled = untitled[:start] + "<title></title>" + untitled[end:]
    feed = text.replace(entry, entry + untitled + entry.replace("0603029", "0603031"))
    records = list(parse_atom(feed))
    assert [type(r) for r in records] == [Paper, SourceError, Paper]
    assert records[1].location == "entry 2"
    assert "without a title" in records[1].reason
    assert "cond-mat/0603030" in records[1].reason
    assert records[2].arxiv_id == "cond-mat/0603031"


@pytest.mark.parametrize(
    "body", [b"Rate exceeded.", b"<html><body>Sign in to the Wi-Fi</body></html>", b""]
)
def test_text_that_is_not_a_feed_is_one_error(body: bytes) -> None:
    (error,) = parse_atom(body)
    assert isinstance(error, SourceError)
    assert (error.source, error.location) == ("arXiv API", "feed")
    assert error.reason.startswith("not an Atom feed")


def test_empty_feed_gives_nothing() -> None:
    text = PAGE2.decode()
    empty = text[: text.index("  <entry>")] + "</feed>\n"
    assert list(parse_atom(empty)) == []


# --- ArxivClient.fetch_ids ------------------------------------------------------


def test_fetch_ids_batches_normalises_and_sends_a_user_agent() -> None:
    time = FakeTime()

    def handler(request: httpx.Request) -> httpx.Response:
        ids = request.url.params["id_list"]
        return atom(ID_LIST if ids == "2006.07733,2106.09685" else CHECKERBOARD)

    client, seen = make_client(handler, time, page_size=2)
    records = list(
        client.fetch_ids(
            [
                "2006.07733",
                "arXiv:2106.09685v2",
                "not an id",
                "https://arxiv.org/abs/cond-mat/0603029v1",
                "2006.07733v1",  # a duplicate
            ]
        )
    )
    assert records[0] == SourceError("arXiv API", "id 'not an id'", "not an arXiv id")
    assert [r.arxiv_id for r in records[1:]] == ["2006.07733", "2106.09685", "cond-mat/0603029"]
    assert records[3] == CHECKERBOARD_PAPER
    assert [dict(r.url.params) for r in seen] == [
        {"id_list": "2006.07733,2106.09685", "start": "0", "max_results": "2"},
        {"id_list": "cond-mat/0603029", "start": "0", "max_results": "1"},
    ]
    assert {(r.url.host, r.url.path) for r in seen} == {("export.arxiv.org", "/api/query")}
    for request in seen:
        assert request.headers["User-Agent"] == USER_AGENT
        assert request.headers["User-Agent"].startswith(f"paperbrowse/{__version__} ")
    assert time.sleeps == [3.0]  # arXiv's 3 s between the two requests


def test_fetch_ids_reports_ids_arxiv_did_not_return() -> None:
    client, seen = make_client(lambda r: atom(ID_LIST), FakeTime())
    records = list(client.fetch_ids(["2006.07733", "2106.09685", "2401.00001"]))
    assert [type(r) for r in records] == [Paper, Paper, SourceError]
    assert records[2] == SourceError("arXiv API", "id 2401.00001", "arXiv returned no entry for it")
    assert len(seen) == 1


def test_fetch_ids_passes_on_arxivs_error_entry() -> None:
    client, seen = make_client(lambda r: atom(ERROR), FakeTime())
    records = list(client.fetch_ids(["1234.12345"]))
    assert len(records) == 1
    assert records[0].location == "entry 1"
    assert "incorrect id format for 1234.12345" in records[0].reason
    assert seen[0].url.params["id_list"] == "1234.12345"


def test_fetch_ids_with_nothing_valid_sends_no_request() -> None:
    client, seen = make_client(lambda r: atom(ID_LIST), FakeTime())
    assert [r.location for r in client.fetch_ids(["nope", ""])] == ["id 'nope'", "id ''"]
    assert seen == []


# --- ArxivClient.search -------------------------------------------------------------


def test_search_pages_until_total_results() -> None:
    time = FakeTime()
    pages = {"0": PAGE1, "2": PAGE2}
    client, seen = make_client(lambda r: atom(pages[r.url.params["start"]]), time, page_size=2)
    records = list(client.search(SEARCH, max_results=50))
    assert [r.arxiv_id for r in records] == ["2006.07733", "2106.09685", "cond-mat/0603029"]
    assert [dict(r.url.params) for r in seen] == [
        {"search_query": SEARCH, "start": "0", "max_results": "2"},
        {"search_query": SEARCH, "start": "2", "max_results": "2"},
    ]  # totalResults is 3: no third request
    assert time.sleeps == [3.0]


def test_search_stops_at_max_results() -> None:
    client, seen = make_client(lambda r: atom(PAGE1), FakeTime(), page_size=100)
    records = list(client.search(SEARCH, max_results=2, sort_by="submittedDate"))
    assert len(records) == 2
    assert len(seen) == 1
    assert seen[0].url.params["max_results"] == "2"
    assert seen[0].url.params["sortBy"] == "submittedDate"


def test_search_stops_at_an_empty_page() -> None:
    text = PAGE2.decode()
    empty = (text[: text.index("  <entry>")] + "</feed>\n").encode()
    pages = {"0": PAGE1, "2": empty}
    client, seen = make_client(
        lambda r: atom(pages[r.url.params["start"]]), FakeTime(), page_size=2
    )
    records = list(client.search(SEARCH, max_results=50))
    assert len(records) == 2
    assert len(seen) == 2


def test_search_numbers_entries_across_pages() -> None:
    broken = PAGE2.replace(b"<title>From stripe", b"<title></title><x>From stripe").replace(
        b"disorder</title>", b"disorder</x>"
    )
    pages = {"0": PAGE1, "2": broken}
    client, _ = make_client(lambda r: atom(pages[r.url.params["start"]]), FakeTime(), page_size=2)
    records = list(client.search(SEARCH))
    assert isinstance(records[2], SourceError)
    assert records[2].location == "entry 3"


# --- retries, rate limit, offline ------------------------------------------------------


def test_retries_503_honouring_retry_after_then_succeeds() -> None:
    time = FakeTime()
    answers = [
        atom(b"busy", 503, **{"Retry-After": "7"}),
        atom(b"busy", 503),
        atom(ID_LIST),
    ]
    client, seen = make_client(lambda r: answers.pop(0), time)
    records = list(client.fetch_ids(["2006.07733", "2106.09685"]))
    assert [r.arxiv_id for r in records] == ["2006.07733", "2106.09685"]
    assert len(seen) == 3
    # Retry-After 7 s is obeyed; then the back-off's second step: 2 s * 2 = 4 s.
    assert time.sleeps == [7.0, 4.0]


def test_retries_429_and_timeouts() -> None:
    time = FakeTime()
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) == 1:
            raise httpx.ReadTimeout("timed out", request=request)
        if len(calls) == 2:
            return atom(b"slow down", 429)
        return atom(CHECKERBOARD)

    client, _ = make_client(handler, time, backoff=1.5)
    assert list(client.fetch_ids(["cond-mat/0603029"])) == [CHECKERBOARD_PAPER]
    assert time.sleeps == [3.0, 3.0]  # back-off 1.5 s and 3 s, but never under the 3 s delay


def test_unreachable_raises_arxiv_unavailable_after_the_retries() -> None:
    time = FakeTime()
    notices = []

    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    client, seen = make_client(handler, time, delay=0.0, on_retry=notices.append)
    with pytest.raises(ArxivUnavailable) as caught:
        list(client.fetch_ids(["2006.07733"]))
    error = caught.value
    assert isinstance(error, SourceUnavailable)
    message = str(error)
    assert message.startswith("arXiv could not be reached at ")
    assert "https://export.arxiv.org/api/query?id_list=2006.07733&start=0&max_results=1" in message
    assert "ConnectError: [Errno 111] Connection refused" in message
    assert "4 attempts" in message
    assert "Check your internet connection" in message
    assert "offline" in message
    assert error.attempts == 4
    assert len(seen) == 4
    assert time.sleeps == [2.0, 4.0, 8.0]
    # each wait was announced first, with its length
    assert [str(n) for n in notices] == [
        f"arXiv could not be reached (ConnectError: [Errno 111] Connection refused); "
        f"retrying in {wait} s (retry {k} of 3)"
        for k, wait in ((1, 2), (2, 4), (3, 8))
    ]


def test_offline_name_resolution_fails_at_once() -> None:
    """Issue 16: a DNS failure (offline) was retried for 15 s before the same message."""
    time = FakeTime()
    notices = []

    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno -3] Temporary failure in name resolution", request=request)

    client, seen = make_client(handler, time, delay=0.0, on_retry=notices.append)
    with pytest.raises(ArxivUnavailable) as caught:
        list(client.fetch_ids(["2006.07733"]))
    message = str(caught.value)
    assert message.startswith("arXiv could not be reached at https://export.arxiv.org/api/query?")
    assert "the host name export.arxiv.org could not be resolved" in message
    assert "Temporary failure in name resolution; 1 attempt)" in message
    assert "Check your internet connection" in message
    assert caught.value.attempts == 1
    assert len(seen) == 1
    assert time.sleeps == [] and notices == []


def test_persistent_503_is_unavailable_too() -> None:
    time = FakeTime()
    client, seen = make_client(lambda r: atom(b"down", 503), time, retries=1)
    with pytest.raises(ArxivUnavailable, match=r"HTTP 503; 2 attempts"):
        list(client.search("ti:checkerboard"))
    assert len(seen) == 2


def test_a_retry_after_too_long_gives_up_at_once() -> None:
    time = FakeTime()
    client, seen = make_client(lambda r: atom(b"", 429, **{"Retry-After": "3600"}), time)
    with pytest.raises(ArxivUnavailable, match="asked to retry after 3600 s"):
        list(client.fetch_ids(["2006.07733"]))
    assert len(seen) == 1
    assert time.sleeps == []


def test_bad_request_is_a_source_error_not_a_retry() -> None:
    time = FakeTime()
    client, seen = make_client(lambda r: atom(ERROR, 400), time)
    records = list(client.search("ti:(", max_results=5))
    assert len(records) == 1 and records[0].location == "entry 1"
    client, seen = make_client(lambda r: httpx.Response(404, text="<html>no</html>"), time)
    (error,) = client.search("ti:x")
    assert error.location == "request"
    assert error.reason.startswith("HTTP 404 for https://export.arxiv.org/api/query?search_query=")
    assert len(seen) == 1


def test_rate_limit_counts_time_already_passed() -> None:
    time = FakeTime()
    client, _ = make_client(lambda r: atom(CHECKERBOARD), time)
    list(client.fetch_ids(["cond-mat/0603029"]))
    time.now += 1.25  # the caller spent 1.25 s on the results
    list(client.fetch_ids(["cond-mat/0603029"]))
    time.now += 10
    list(client.fetch_ids(["cond-mat/0603029"]))
    assert time.sleeps == [1.75]


def test_retry_after_http_date() -> None:
    now = datetime(2026, 3, 23, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("Mon, 23 Mar 2026 12:00:30 GMT", now) == 30.0
    assert retry_after_seconds("Mon, 23 Mar 2026 11:00:00 GMT", now) == 0.0
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


def test_client_options_are_checked_and_default_client_closes() -> None:
    with pytest.raises(ValueError, match="page_size"):
        ArxivClient(page_size=0)
    with pytest.raises(ValueError, match="page_size"):
        ArxivClient(page_size=2001)
    with ArxivClient() as client:  # builds its own httpx.Client, sends nothing
        inner = client.http.client
    assert inner.is_closed


def test_importers_import_no_ui_libraries() -> None:
    # httpx imports rich (for its command line) when rich is installed, so the
    # importers import httpx only when a client is made.
    code = (
        "import sys\n"
        "import paperbrowse.core.sources.arxiv, paperbrowse.core.sources.hf\n"
        "import paperbrowse.core.sources.bibtex, paperbrowse.core.sources.jsonl\n"
        "import paperbrowse.core.sources.http, paperbrowse.core.sources.captures\n"
        "ui = {'textual', 'rich'}\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in ui)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
