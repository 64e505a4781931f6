"""arXiv metadata snapshot (JSON Lines): fields, bad lines, streaming, progress, resume."""

from __future__ import annotations

import json
import tracemalloc
from datetime import date
from pathlib import Path

import pytest

from paperbrowse.core.models import Name, Paper
from paperbrowse.core.sources.common import SourceError, SourceUnavailable
from paperbrowse.core.sources.jsonl import file_size, read_jsonl, snapshot_record

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SNAPSHOT = FIXTURES / "arxiv_snapshot.jsonl"
NAME = "arxiv_snapshot.jsonl"


def test_snapshot_fixture() -> None:
    records = list(read_jsonl(SNAPSHOT))
    assert [type(r) for r in records] == [Paper, Paper, Paper, SourceError, Paper, Paper]
    diphoton, sparsity, stripe, bad, byol, lora = records

    assert diphoton == Paper(
        id="arxiv:0704.0001",
        title=(
            "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
        ),
        abstract=diphoton.abstract,
        authors=("C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C. -P. Yuan"),
        author_count=4,
        published=date(2007, 4, 2),  # v1 "Mon, 2 Apr 2007 19:18:42 GMT", not update_date
        arxiv_id="0704.0001",
        sources=(NAME,),
        url="https://arxiv.org/abs/0704.0001",
        doi="10.1103/physrevd.76.013009",
        categories=("hep-ph",),
        # authors_parsed gives the parts: [last, first, suffix]
        names=(
            Name("Balázs", "C."),
            Name("Berger", "E. L."),
            Name("Nadolsky", "P. M."),
            Name("Yuan", "C. -P."),
        ),
        journal_ref="Phys.Rev.D76:013009,2007",
        comment="37 pages, 15 figures; published version",
    )
    assert stripe.names[0] == Name("Del Maestro", "Adrian")  # not family "Maestro"
    assert diphoton.abstract.startswith(
        "A fully differential calculation in perturbative quantum chromodynamics is presented"
    )
    assert diphoton.abstract.endswith("can be obtained with judicious selection of events.")

    assert sparsity.authors == ("Ileana Streinu", "Louis Theran")
    assert sparsity.published == date(2007, 3, 31)
    assert sparsity.categories == ("math.CO", "cs.CG")
    assert sparsity.doi is None
    assert sparsity.abstract.startswith("We describe a new algorithm, the $(k,ℓ)$-pebble game")

    assert stripe.id == "arxiv:cond-mat/0603029"  # old-style id
    assert stripe.url == "https://arxiv.org/abs/cond-mat/0603029"
    assert stripe.authors == ("Adrian Del Maestro", "Bernd Rosenow", "Subir Sachdev")
    assert stripe.published == date(2006, 3, 2)
    assert stripe.categories == ("cond-mat.str-el", "cond-mat.supr-con")
    assert stripe.title == (
        "From stripe to checkerboard order on the square lattice in the presence "
        "of quenched disorder"
    )

    assert bad.source == NAME
    assert bad.location == "line 5"  # line 4 is blank and skipped
    assert bad.reason.startswith("not JSON: Unterminated string")

    assert byol.authors[2] == "Florent Altché"
    assert byol.author_count == 14
    assert byol.published == date(2020, 6, 13)
    assert lora.categories == ("cs.CL", "cs.AI", "cs.LG")
    assert lora.published == date(2021, 6, 17)


def test_authors_string_when_there_is_no_authors_parsed() -> None:
    line = {
        "id": "0704.0001",
        "title": "T",
        "authors": "C. Bal\\'azs, E. L. Berger (ANL), P. M. Nadolsky, and C.-P. Yuan",
    }
    paper = snapshot_record(line, "s.jsonl", 1)
    assert paper.authors == ("C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C.-P. Yuan")
    two = snapshot_record(line | {"authors": "Ileana Streinu and Louis Theran"}, "s", 1)
    assert two.authors == ("Ileana Streinu", "Louis Theran")


def test_update_date_when_versions_are_missing_or_unreadable() -> None:
    base = {"id": "2106.09685", "title": "LoRA", "update_date": "2021-10-19"}
    assert snapshot_record(base, "s", 1).published == date(2021, 10, 19)
    odd = base | {"versions": [{"version": "v1", "created": "sometime"}]}
    assert snapshot_record(odd, "s", 1).published == date(2021, 10, 19)
    assert snapshot_record({"id": "2106.09685", "title": "LoRA"}, "s", 1).published is None


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ({"title": "no id"}, "no 'id'"),
        ({"id": "2106.09685"}, "no 'title' for 2106.09685"),
        ({"id": "2106.09685", "title": "   "}, "no 'title' for 2106.09685"),
        ({"id": "hello", "title": "T"}, "'id' 'hello' is not an arXiv id"),
        ([1, 2], "expected a JSON object, found list"),
    ],
)
def test_bad_lines_are_reported_and_the_rest_imported(
    tmp_path: Path, line: object, reason: str
) -> None:
    good = json.dumps({"id": "0704.0002", "title": "Sparsity-certifying Graph Decompositions"})
    path = tmp_path / "part.jsonl"
    path.write_text(f"{good}\n{json.dumps(line)}\n{good}\n", encoding="utf-8")
    records = list(read_jsonl(path))
    assert records[1] == SourceError("part.jsonl", "line 2", reason)
    assert [r.arxiv_id for r in (records[0], records[2])] == ["0704.0002", "0704.0002"]


def test_a_line_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "bytes.jsonl"
    path.write_bytes(
        b'{"id": "0704.0002", "title": "Caf\xe9"}\r\n{"id": "0704.0001", "title": "ok"}\r\n'
    )
    first, second = read_jsonl(path)
    assert first.location == "line 1" and first.reason.startswith("not UTF-8 text")
    assert second.title == "ok"  # CRLF line ends are fine


def test_progress_reports_bytes_up_to_the_file_size() -> None:
    calls: list[int] = []
    records = list(read_jsonl(SNAPSHOT, progress=calls.append, progress_step=1))
    size = file_size(SNAPSHOT)
    assert size == SNAPSHOT.stat().st_size
    lines = SNAPSHOT.read_bytes().splitlines(keepends=True)
    assert calls == [sum(len(x) for x in lines[: k + 1]) for k in range(len(lines))]
    assert calls[-1] == size
    assert len(records) == 6


def test_progress_is_throttled_by_step() -> None:
    calls: list[int] = []
    list(read_jsonl(SNAPSHOT, progress=calls.append))  # default step: 1 MiB
    assert calls == [file_size(SNAPSHOT)]  # only the final report for a small file


def test_records_are_yielded_while_reading(tmp_path: Path) -> None:
    path = tmp_path / "lazy.jsonl"
    path.write_text(SNAPSHOT.read_text(encoding="utf-8"), encoding="utf-8")
    calls: list[int] = []
    stream = read_jsonl(path, progress=calls.append, progress_step=1)
    first = next(stream)
    assert first.arxiv_id == "0704.0001"
    assert calls == [len(SNAPSHOT.read_bytes().splitlines(keepends=True)[0])]  # one line read


def test_resume_with_skip(tmp_path: Path) -> None:
    everything = list(read_jsonl(SNAPSHOT))
    for done in range(len(everything) + 1):
        assert list(read_jsonl(SNAPSHOT, skip=done)) == everything[done:]
    with pytest.raises(ValueError):
        read_jsonl(SNAPSHOT, skip=-1)


def test_streams_in_constant_memory(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    abstract = " ".join(["a" * 10_000] * 4)  # long words: few allocations to trace
    with path.open("w", encoding="utf-8") as out:
        for n in range(200):
            record = {"id": f"2101.{n:05d}", "title": f"Paper {n}", "abstract": abstract}
            out.write(json.dumps(record) + "\n")
    assert path.stat().st_size > 8_000_000
    tracemalloc.start()
    count = 0
    for record in read_jsonl(path):
        count += isinstance(record, Paper)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == 200
    assert peak < 1_000_000  # a few lines at a time, never the 8 MB file


def test_missing_file_raises_when_called(tmp_path: Path) -> None:
    missing = tmp_path / "nope.jsonl"
    with pytest.raises(SourceUnavailable, match=r"cannot read the snapshot file .*nope\.jsonl"):
        read_jsonl(missing)  # not only when iterated
    with pytest.raises(SourceUnavailable, match="nope.jsonl"):
        file_size(missing)
