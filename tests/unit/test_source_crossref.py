"""Crossref importer: work records → Paper, the polite client, and ``paperbrowse add doi``.

No test touches the network: clients get an ``httpx.MockTransport`` answering
with the hand-built ``tests/fixtures/crossref_work_*.json`` records (the shape
of Crossref's ``GET /works/{doi}``), and a fake clock whose ``sleep`` only
advances time; the real transport is blocked.
"""

from __future__ import annotations

import functools
import json
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from fakes import FakeTime, recording_http

from paperbrowse import __version__
from paperbrowse.cli import cli
from paperbrowse.core.models import DAY, MONTH, YEAR, Name, Paper
from paperbrowse.core.sources import crossref
from paperbrowse.core.sources.common import SourceError, SourceUnavailable
from paperbrowse.core.sources.crossref import (
    CrossrefClient,
    CrossrefUnavailable,
    format_pages,
    jats_to_text,
    parse_doi,
    parse_work,
    work_to_paper,
)
from paperbrowse.core.sources.http import USER_AGENT, user_agent
from paperbrowse.core.sources.request import SourceRequest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def fixture(name: str) -> bytes:
    return (FIXTURES / f"crossref_work_{name}.json").read_bytes()


def message(name: str) -> dict[str, Any]:
    return json.loads(fixture(name))["message"]


ARTICLE_DOI = "10.1103/physrevb.74.024520"
PROCEEDINGS_DOI = "10.1109/cvpr.2016.90"
CHAPTER_DOI = "10.1007/978-3-319-24574-4_28"
POSTED_DOI = "10.5555/pb.preprint.2019"
#: Crossref's answers by lower-case DOI; anything else is a 404.
WORKS = {
    ARTICLE_DOI: fixture("article"),
    PROCEEDINGS_DOI: fixture("proceedings"),
    CHAPTER_DOI: fixture("chapter"),
    POSTED_DOI: fixture("posted"),
}


pytestmark = pytest.mark.usefixtures("no_network")


def crossref_api(request: httpx.Request) -> httpx.Response:
    """Answer like ``api.crossref.org/works/{doi}`` from :data:`WORKS`."""
    prefix = "/works/"
    assert request.url.path.startswith(prefix), request.url
    doi = request.url.path[len(prefix) :].lower()
    if doi in WORKS:
        return httpx.Response(200, content=WORKS[doi], headers={"Content-Type": "application/json"})
    return httpx.Response(404, text="Resource not found.", headers={"Content-Type": "text/plain"})


def make_client(handler=crossref_api, time: FakeTime | None = None, **kwargs):
    time = time or FakeTime()
    http, seen = recording_http(handler)
    client = CrossrefClient(http, sleep=time.sleep, clock=time.clock, **kwargs)
    return client, seen


def work(**fields: Any) -> dict[str, Any]:
    """A minimal Crossref work with ``fields`` set."""
    return {"DOI": "10.5555/test", "type": "journal-article", "title": ["A title"]} | fields


# --- mapping the recorded works ----------------------------------------------------


def test_journal_article_gives_the_full_record() -> None:
    paper = parse_work(fixture("article"), ARTICLE_DOI)
    assert paper == Paper(
        # the journal asserts the arXiv preprint (relation has-preprint): the arXiv id keys it
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
            "order, characterized by an Ising order parameter. We find that the correlation "
            "length of the Ising order can be significantly larger than the CDW correlation "
            "length & quantify these disorder effects."
        ),
        authors=("Adrian Del Maestro", "Bernd Rosenow", "Subir Sachdev"),
        author_count=3,
        # issued is July 2006; published-online agrees and knows the day
        published=date(2006, 7, 25),
        date_parts=DAY,
        arxiv_id="cond-mat/0603029",
        sources=("Crossref",),
        url="https://doi.org/10.1103/physrevb.74.024520",
        doi="10.1103/physrevb.74.024520",
        names=(
            Name(family="Del Maestro", given="Adrian"),
            Name(family="Rosenow", given="Bernd"),
            Name(family="Sachdev", given="Subir"),
        ),
        entry_type="article",
        container="Physical Review B",
        volume="74",
        number="2",
        pages="024520",  # no page range: the article number
        publisher="American Physical Society (APS)",
        issn="1098-0121",
    )
    assert paper.names[0].last == "Del Maestro"  # the particle stays in the family name
    assert paper.venue == "Physical Review B 74(2), 024520"


def test_proceedings_paper_with_a_month_only_date() -> None:
    paper = parse_work(fixture("proceedings"), PROCEEDINGS_DOI)
    assert isinstance(paper, Paper)
    assert paper.entry_type == "inproceedings"
    assert paper.title == "Deep Residual Learning for Image Recognition"
    assert paper.authors == ("Kaiming He", "Xiangyu Zhang", "Shaoqing Ren", "Jian Sun")
    assert paper.author_count == 4
    assert (
        paper.container == "2016 IEEE Conference on Computer Vision and Pattern Recognition (CVPR)"
    )
    assert paper.pages == "770–778"  # en dash, as BibTeX's "--" becomes
    assert (paper.publisher, paper.isbn, paper.issn) == ("IEEE", "9781467388511", "1063-6919")
    assert (paper.published, paper.date_parts) == (date(2016, 6, 1), MONTH)
    assert paper.date_list == [2016, 6] and paper.day is None
    assert paper.arxiv_id is None and paper.id.startswith("pb:")
    assert paper.doi == "10.1109/cvpr.2016.90" and paper.abstract == ""


def test_book_chapter_with_editors_series_and_isbn() -> None:
    paper = parse_work(fixture("chapter"), CHAPTER_DOI)
    assert isinstance(paper, Paper)
    assert paper.entry_type == "incollection"
    assert paper.title == "U-Net: Convolutional Networks for Biomedical Image Segmentation"
    assert paper.editors == (
        Name(family="Navab", given="Nassir"),
        Name(family="Hornegger", given="Joachim"),
        Name(family="Wells", given="William M."),
        Name(family="Frangi", given="Alejandro F."),
    )
    assert (
        paper.container
        == "Medical Image Computing and Computer-Assisted Intervention – MICCAI 2015"
    )
    assert paper.series == "Lecture Notes in Computer Science"
    assert paper.pages == "234–241"
    assert paper.publisher == "Springer International Publishing"
    assert paper.address == "Cham"
    assert paper.isbn == "9783319245737"  # ISBN[0]
    assert paper.issn == "0302-9743"
    # issued is the year only; published-online agrees and gives the day
    assert (paper.published, paper.date_parts) == (date(2015, 11, 18), DAY)


def test_year_only_posted_content() -> None:
    paper = parse_work(fixture("posted"), POSTED_DOI)
    assert isinstance(paper, Paper)
    assert paper.entry_type == "misc"
    assert paper.howpublished == "Psychoceramics Preprint Server"
    assert paper.institution is None and paper.container is None
    # tags stripped from the title; the subtitle joined with a colon
    assert paper.title == "Toward a Unified Theory of Cracked Pots: A Preliminary Report"
    # a year only: never a month or a day, although "created" has them
    assert (paper.published, paper.date_parts) == (date(2019, 1, 1), YEAR)
    assert (paper.date_iso, paper.date_text, paper.date_list) == ("2019", "2019", [2019])
    assert paper.month is None and paper.day is None
    # "sequence: first" first; suffix, a lower-case particle, a corporate name
    assert paper.names == (
        Name(family="Carberry", given="Josiah"),
        Name(family="Fuller", given="Henry", suffix="Jr."),
        Name(family="Berg", given="Anna", particle="van der"),
        Name(literal="Psychoceramics Working Group"),
    )
    assert paper.authors == (
        "Josiah Carberry",
        "Henry Fuller Jr.",
        "Anna van der Berg",
        "Psychoceramics Working Group",
    )
    assert paper.author_count == 4
    # is-preprint-of a journal DOI: not an arXiv id, and the DOI stays the preprint's
    assert paper.arxiv_id is None and paper.doi == POSTED_DOI
    assert paper.abstract == (
        "Background Cracked pots are not well understood. "
        "Results We measure 2.5 ± 0.1 cracks per pot <in vitro>."
    )


# --- pieces --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "doi"),
    [
        ("10.1103/PhysRevB.74.024520", "10.1103/physrevb.74.024520"),
        ("doi:10.1103/PhysRevB.74.024520", "10.1103/physrevb.74.024520"),
        ("DOI:10.1103/PHYSREVB.74.024520", "10.1103/physrevb.74.024520"),
        ("https://doi.org/10.1103/PhysRevB.74.024520", "10.1103/physrevb.74.024520"),
        ("http://dx.doi.org/10.1103/PhysRevB.74.024520", "10.1103/physrevb.74.024520"),
        ("  https://doi.org/10.1007/978-3-319-24574-4_28 ", CHAPTER_DOI),
        (
            "https://doi.org/10.1002/%28SICI%291097-0258%2819980815%2917%3A15",
            "10.1002/(sici)1097-0258(19980815)17:15",
        ),
        ("2006.07733", None),
        ("10.1103", None),
        ("https://example.org/10.1/x", None),
        ("", None),
    ],
)
def test_parse_doi_accepts_every_usual_form(text: str, doi: str | None) -> None:
    assert parse_doi(text) == doi


@pytest.mark.parametrize(
    ("page", "pages"),
    [
        ("12426-12437", "12426–12437"),
        ("12426--12437", "12426–12437"),
        ("S1 - S10", "S1–S10"),
        ("e1002", "e1002"),
        ("", None),
        (None, None),
    ],
)
def test_format_pages(page: str | None, pages: str | None) -> None:
    assert format_pages(page) == pages


def test_jats_to_text() -> None:
    assert jats_to_text(None) == ""
    assert (
        jats_to_text(
            "<jats:title>Abstract</jats:title><jats:p>H<jats:sub>2</jats:sub>O &amp; "
            "<jats:italic>ice</jats:italic>.</jats:p><jats:p>Second\n   paragraph.</jats:p>"
        )
        == "H2O & ice. Second paragraph."
    )
    assert jats_to_text("<p>Mat\\'ern kernels</p>") == "Matérn kernels"  # LaTeX decoded


@pytest.mark.parametrize(
    ("kind", "entry_type"),
    [
        ("journal-article", "article"),
        ("proceedings-article", "inproceedings"),
        ("book-chapter", "incollection"),
        ("book", "book"),
        ("monograph", "book"),
        ("edited-book", "book"),
        ("proceedings", "proceedings"),
        ("report", "techreport"),
        ("dissertation", "phdthesis"),
        ("posted-content", "misc"),
        ("dataset", "misc"),
        ("peer-review", "misc"),
        ("a-type-from-the-future", "misc"),
    ],
)
def test_crossref_types_map_to_bibtex_types(kind: str, entry_type: str) -> None:
    assert work_to_paper(work(type=kind)).entry_type == entry_type


def test_masters_dissertation_and_its_school() -> None:
    paper = work_to_paper(
        work(
            type="dissertation",
            degree=["MSc"],
            institution=[{"name": "University of Waterloo", "place": ["Waterloo, Canada"]}],
        )
    )
    assert paper.entry_type == "mastersthesis"
    assert paper.institution == "University of Waterloo"
    phd = work_to_paper(work(type="dissertation", degree=["PhD"]))
    assert phd.entry_type == "phdthesis"


def test_book_container_title_is_its_series() -> None:
    paper = work_to_paper(
        work(
            type="monograph",
            **{
                "container-title": ["Lecture Notes in Physics"],
                "edition-number": "2",
                "publisher-location": "Berlin, Heidelberg",
            },
        )
    )
    assert paper.series == "Lecture Notes in Physics" and paper.container is None
    assert (paper.edition, paper.address) == ("2", "Berlin, Heidelberg")


@pytest.mark.parametrize(
    ("dates", "published", "parts"),
    [
        ({"issued": {"date-parts": [[2020, 6, 13]]}}, date(2020, 6, 13), DAY),
        ({"issued": {"date-parts": [[2020, 6]]}}, date(2020, 6, 1), MONTH),
        ({"published-print": {"date-parts": [[2018]]}}, date(2018, 1, 1), YEAR),
        # a more precise date of another year or month is not the same date
        (
            {
                "issued": {"date-parts": [[2019]]},
                "published-online": {"date-parts": [[2018, 12, 20]]},
            },
            date(2019, 1, 1),
            YEAR,
        ),
        ({"issued": {"date-parts": [[2020, 2, 30]]}}, date(2020, 2, 1), MONTH),  # no such day
        ({"issued": {"date-parts": [[None]]}}, None, DAY),  # Crossref's "unknown"
        ({}, None, DAY),
    ],
)
def test_dates_keep_only_the_known_parts(dates, published, parts) -> None:
    paper = work_to_paper(work(**dates))
    assert (paper.published, paper.date_parts) == (published, parts)


def test_author_count_only_for_a_complete_list() -> None:
    people = [
        {"given": "Ada", "family": "Lovelace", "sequence": "first"},
        {"name": "et al.", "sequence": "additional"},
    ]
    incomplete = work_to_paper(work(author=people))
    assert incomplete.authors == ("Ada Lovelace",) and incomplete.author_count is None
    assert not incomplete.authors_complete
    nobody = work_to_paper(work())
    assert nobody.authors == () and nobody.author_count is None
    only_given = work_to_paper(work(author=[{"given": "Plato", "sequence": "first"}]))
    assert only_given.names == (Name(literal="Plato"),)


@pytest.mark.parametrize(
    ("fields", "arxiv_id"),
    [
        ({"DOI": "10.48550/arXiv.2006.07733"}, "2006.07733"),
        (
            {"relation": {"has-preprint": [{"id-type": "arxiv", "id": "arXiv:1512.03385v1"}]}},
            "1512.03385",
        ),
        (
            {"relation": {"is-same-as": [{"id-type": "doi", "id": "10.48550/ARXIV.2106.09685"}]}},
            "2106.09685",
        ),
        ({"alternative-id": ["7780459", "arXiv:1512.03385"]}, "1512.03385"),
        # a cited or reviewed paper is another work; a bare number may be the publisher's
        ({"relation": {"references": [{"id-type": "arxiv", "id": "1512.03385"}]}}, None),
        ({"alternative-id": ["1512.03385"]}, None),
        ({"relation": {"is-preprint-of": [{"id-type": "doi", "id": "10.1109/x"}]}}, None),
    ],
)
def test_arxiv_id_from_doi_relation_or_alternative_id(fields, arxiv_id) -> None:
    paper = work_to_paper(work(**fields))
    assert paper.arxiv_id == arxiv_id
    assert paper.id == (f"arxiv:{arxiv_id}" if arxiv_id else paper.id)


def test_unreadable_answers_are_errors_naming_the_doi() -> None:
    bad_json = parse_work(b"<html>Service Unavailable</html>", "10.1/x")
    assert isinstance(bad_json, SourceError)
    assert bad_json.location == "doi 10.1/x" and "not JSON" in bad_json.reason
    failed = parse_work(json.dumps({"status": "failed", "message": []}), "10.1/x")
    assert isinstance(failed, SourceError) and "'failed'" in failed.reason
    untitled = parse_work(json.dumps({"status": "ok", "message": work(title=[])}), "10.1/x")
    assert isinstance(untitled, SourceError) and "no title" in untitled.reason


# --- the client ----------------------------------------------------------------------


def test_fetch_dois_in_order_unknown_ones_reported_the_others_imported() -> None:
    time = FakeTime()
    client, seen = make_client(time=time)
    records = list(
        client.fetch_dois(
            [
                "https://doi.org/10.1103/PhysRevB.74.024520",
                "10.9999/unknown.doi",
                "doi:10.1109/CVPR.2016.90",
                "10.1103/physrevb.74.024520",  # the first again: fetched once
                "not-a-doi",
            ]
        )
    )
    assert [type(r) for r in records] == [Paper, SourceError, Paper, SourceError]
    assert records[0].doi == ARTICLE_DOI and records[2].doi == PROCEEDINGS_DOI
    missing = records[1]
    assert (missing.source, missing.location) == ("Crossref", "doi 10.9999/unknown.doi")
    assert missing.reason.startswith("not found at Crossref")
    assert str(records[3]) == "Crossref, id 'not-a-doi': not a DOI"
    assert [r.url.path for r in seen] == [
        "/works/10.1103/physrevb.74.024520",
        "/works/10.9999/unknown.doi",
        "/works/10.1109/cvpr.2016.90",
    ]
    assert all(str(r.url).startswith("https://api.crossref.org/works/") for r in seen)
    assert time.sleeps == [1.0, 1.0]  # a second between requests


def test_user_agent_carries_the_mailto_contact() -> None:
    client, seen = make_client(mailto="reader@example.org")
    list(client.fetch_dois([ARTICLE_DOI]))
    assert seen[0].headers["User-Agent"] == (
        f"paperbrowse/{__version__} (terminal paper browser; mailto:reader@example.org)"
    )
    anonymous, seen = make_client()
    list(anonymous.fetch_dois([ARTICLE_DOI]))
    assert seen[0].headers["User-Agent"] == USER_AGENT
    with pytest.raises(ValueError, match="not an e-mail address"):
        user_agent("reader at example dot org")


def test_odd_doi_characters_are_percent_encoded_in_the_path() -> None:
    client, seen = make_client()
    doi = "10.1002/(sici)1097-4571(199806)49:8<693::aid-asi4>3.0.co;2-0"
    (record,) = client.fetch_dois([doi])
    assert isinstance(record, SourceError) and record.location == f"doi {doi}"
    raw = seen[0].url.raw_path.decode()
    assert raw.startswith("/works/10.1002/") and "%3C" in raw and "%3B" in raw and "<" not in raw


def test_arxiv_doi_not_at_crossref_says_where_to_look() -> None:
    client, _ = make_client()
    (record,) = client.fetch_dois(["https://doi.org/10.48550/arXiv.2006.07733"])
    assert isinstance(record, SourceError)
    assert "DataCite" in record.reason and "paperbrowse add arxiv 2006.07733" in record.reason


def test_other_client_errors_name_the_status() -> None:
    client, _ = make_client(lambda request: httpx.Response(400, text="Bad DOI syntax"))
    (record,) = client.fetch_dois(["10.1/x"])
    assert isinstance(record, SourceError)
    assert record.reason == "Crossref answered HTTP 400: Bad DOI syntax"


def test_busy_crossref_is_retried_honouring_retry_after() -> None:
    answers = iter(
        [
            httpx.Response(429, headers={"Retry-After": "7"}),
            httpx.Response(503),
            httpx.Response(200, content=fixture("article")),
        ]
    )
    time = FakeTime()
    client, seen = make_client(lambda request: next(answers), time)
    (paper,) = client.fetch_dois([ARTICLE_DOI])
    assert isinstance(paper, Paper) and paper.doi == ARTICLE_DOI
    assert len(seen) == 3
    assert time.sleeps == [7.0, 4.0]  # Retry-After wins; then the second back-off step


def test_unreachable_crossref_raises_naming_the_service() -> None:
    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    client, seen = make_client(refused, retries=2)
    with pytest.raises(CrossrefUnavailable) as caught:
        list(client.fetch_dois([ARTICLE_DOI]))
    assert isinstance(caught.value, SourceUnavailable)
    message = str(caught.value)
    assert message.startswith("Crossref could not be reached at https://api.crossref.org/works/")
    assert "3 attempts" in message and "internet connection" in message
    assert len(seen) == 3


def test_offline_crossref_fails_at_once_and_busy_crossref_is_announced() -> None:
    def offline(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno -2] Name or service not known", request=request)

    notices = []
    client, seen = make_client(offline, retries=2, on_retry=notices.append)
    with pytest.raises(CrossrefUnavailable, match="api.crossref.org could not be resolved"):
        list(client.fetch_dois([ARTICLE_DOI]))
    assert len(seen) == 1 and notices == []

    answers = iter([httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(404)])
    client, seen = make_client(lambda request: next(answers), on_retry=notices.append)
    list(client.fetch_dois([ARTICLE_DOI]))
    assert [str(n) for n in notices] == [
        "Crossref is busy (HTTP 429); retrying in 7 s (retry 1 of 3)"
    ]


# --- the request and the command line ------------------------------------------------


def test_source_request_for_dois() -> None:
    request = SourceRequest.from_text(
        "doi", " 10.1103/PhysRevB.74.024520  doi:10.1103/physrevb.74.024520 "
    )
    assert request.ids == ("10.1103/PhysRevB.74.024520", "doi:10.1103/physrevb.74.024520")
    assert request.label == "Crossref"
    assert request.size() == (1, "records")  # the same DOI twice is one record
    with pytest.raises(ValueError, match="not a DOI: 'PhysRevB'"):
        SourceRequest.from_text("doi", "10.1103/x PhysRevB")
    with pytest.raises(ValueError, match="say what to import"):
        SourceRequest.from_text("doi", "  ")


@pytest.fixture
def fake_crossref(monkeypatch: pytest.MonkeyPatch) -> list[httpx.Request]:
    """Every CrossrefClient made by the CLI talks to :func:`crossref_api`, without waiting."""
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return crossref_api(request)

    http = httpx.Client(transport=httpx.MockTransport(record))
    made = functools.partial(crossref.CrossrefClient, http, sleep=lambda seconds: None)
    monkeypatch.setattr(crossref, "CrossrefClient", made)
    return seen


@pytest.fixture
def run(locations):
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(cli, ["--data-dir", str(locations.data_dir), *args])

    return invoke


def test_cli_add_doi_imports_reports_unknown_and_exits_1(run, fake_crossref, monkeypatch):
    monkeypatch.setenv("PAPERBROWSE_MAILTO", "reader@example.org")
    result = run(
        "add",
        "doi",
        "https://doi.org/10.1103/PhysRevB.74.024520",
        "10.9999/UNKNOWN",
        "DOI:10.1007/978-3-319-24574-4_28",
    )
    assert result.exit_code == 1, result.output
    assert result.stdout.strip().splitlines()[-1] == (
        "Crossref: added 2, updated 0, skipped 0, errors 1"
    )
    assert "error: Crossref, doi 10.9999/unknown: not found at Crossref" in result.stderr
    assert all("mailto:reader@example.org" in r.headers["User-Agent"] for r in fake_crossref)
    found = run("search", "checkerboard quenched disorder", "--json")
    hit = json.loads(found.stdout)["hits"][0]
    assert hit["doi"] == ARTICLE_DOI and hit["arxiv_id"] == "cond-mat/0603029"
    assert hit["authors"][0] == "Adrian Del Maestro"
    again = run("add", "doi", "10.1103/PhysRevB.74.024520")
    assert again.exit_code == 0, again.output
    assert again.stdout.strip().splitlines()[-1] == (
        "Crossref: added 0, updated 0, skipped 1, errors 0"
    )


def test_cli_add_doi_refuses_what_is_not_a_doi(run, fake_crossref):
    result = run("add", "doi", "10.1103/PhysRevB.74.024520", "PhysRevB.74.024520")
    assert result.exit_code == 2
    assert "not a DOI: 'PhysRevB.74.024520'" in result.output
    assert fake_crossref == []  # nothing fetched
    assert run("add", "doi").exit_code == 2


def test_cli_add_doi_offline_says_so(run, monkeypatch):
    def offline(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    monkeypatch.setenv("PAPERBROWSE_CROSSREF_URL", "http://127.0.0.1:9/works")
    http = httpx.Client(transport=httpx.MockTransport(offline))
    made = functools.partial(crossref.CrossrefClient, http, sleep=lambda seconds: None)
    monkeypatch.setattr(crossref, "CrossrefClient", made)
    result = run("add", "doi", "10.1103/PhysRevB.74.024520")
    assert result.exit_code == 2
    assert "Crossref could not be reached at http://127.0.0.1:9/works/" in result.stderr


def test_cli_add_doi_bad_mailto_says_so(run, fake_crossref, monkeypatch):
    monkeypatch.setenv("PAPERBROWSE_MAILTO", "not an address")
    result = run("add", "doi", "10.1103/PhysRevB.74.024520")
    assert result.exit_code == 2
    assert "PAPERBROWSE_MAILTO" in result.stderr and "not an e-mail address" in result.stderr
