"""Search quality must not regress on the judged relevance set.

The floors are the figures the engine reached when the set was judged,
rounded down to two decimals; raise them when a change to the engine improves
the figures (``python benchmarks/relevance.py --verbose`` shows them and the
queries that fail).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from judged import (
    KINDS,
    MAX_RELEVANT,
    JudgedQuery,
    JudgedSetError,
    QueryOutcome,
    Report,
    evaluate,
    load_queries,
    resolve_titles,
)

from paperbrowse.core.index import PaperIndex
from paperbrowse.core.locations import Locations
from paperbrowse.core.models import Paper, paper_id_for
from paperbrowse.core.service import Corpus, open_index

#: MRR@10 over the whole judged set must stay at or above this.
MRR_FLOOR = 0.96
#: Mean recall@10 over the whole judged set must stay at or above this.
RECALL_FLOOR = 0.96

REPO = Path(__file__).resolve().parents[2]
MIN_QUERIES = 45


@pytest.fixture(scope="module")
def queries() -> list[JudgedQuery]:
    return load_queries()


@pytest.fixture(scope="module")
def shared_index(built_data_dir: Path, corpus: Corpus) -> PaperIndex:
    """The session's index, opened read-only (searching never writes to it)."""
    opened = open_index(Locations.resolve(built_data_dir), corpus)
    assert not opened.built
    return opened.index


@pytest.fixture(scope="module")
def report(shared_index: PaperIndex, queries: list[JudgedQuery]) -> Report:
    return evaluate(shared_index, queries)


def test_the_judged_set_is_large_and_covers_every_kind(queries: list[JudgedQuery]) -> None:
    assert len(queries) >= MIN_QUERIES
    assert {q.kind for q in queries} == set(KINDS)
    assert all(1 <= len(q.relevant) <= MAX_RELEVANT for q in queries)


def test_every_judged_title_is_in_the_corpus(
    shared_index: PaperIndex, queries: list[JudgedQuery]
) -> None:
    ids = resolve_titles(queries, shared_index.all_papers())
    judged_titles = {t for q in queries for t in q.relevant}
    assert set(ids) == judged_titles
    # The bundled captures carry no arXiv ids, so ids are title hashes.
    assert all(ids[t] == paper_id_for(t) for t in judged_titles)


def test_an_unknown_title_fails_loudly() -> None:
    papers = [Paper(id=paper_id_for("Latent Diffusion"), title="Latent Diffusion")]
    ok = JudgedQuery("ld", "topic", ("latent  diffusion!",), "normalised match")
    assert resolve_titles([ok], papers) == {"latent  diffusion!": paper_id_for("Latent Diffusion")}
    bad = JudgedQuery("ld", "topic", ("Latent Difusion Models",), "typo in the judged set")
    with pytest.raises(JudgedSetError, match="Latent Difusion Models.*closest: Latent Diffusion"):
        resolve_titles([ok, bad], papers)


def test_a_malformed_judged_set_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "queries.toml"
    path.write_text('[[query]]\ntext = "x"\nkind = "nonsense"\nrelevant = ["T"]\nwhy = "w"\n')
    with pytest.raises(JudgedSetError, match="kind 'nonsense'"):
        load_queries(path)
    path.write_text('[[query]]\ntext = "x"\nkind = "topic"\nrelevant = []\nwhy = "w"\n')
    with pytest.raises(JudgedSetError, match="1 to 3 titles"):
        load_queries(path)


def test_metrics() -> None:
    q = JudgedQuery("q", "topic", ("A", "B", "C"), "w")
    outcome = QueryOutcome(q, {"A": 3, "B": None, "C": 12}, total=40, top=())
    assert outcome.reciprocal_rank == pytest.approx(1 / 3)
    assert outcome.recall == pytest.approx(1 / 3)
    assert not outcome.failed and outcome.weak
    assert outcome.describe_rank("C") == "not in top 10 (rank 12)"
    assert outcome.describe_rank("B") == "not in top 10 (not matched; 40 hits)"
    missed = QueryOutcome(q, {"A": 11, "B": None, "C": None}, total=11, top=())
    perfect = QueryOutcome(q, {"A": 1, "B": 2, "C": 10}, total=10, top=())
    assert missed.failed and missed.reciprocal_rank == 0 and missed.recall == 0
    assert not perfect.weak
    figures = Report((outcome, missed, perfect)).overall
    assert figures.queries == 3 and figures.failed == 1
    assert figures.mrr == pytest.approx((1 / 3 + 0 + 1) / 3)
    assert figures.recall == pytest.approx((1 / 3 + 0 + 1) / 3)


def test_mrr_at_10_stays_above_the_floor(report: Report) -> None:
    assert report.overall.mrr >= MRR_FLOOR, _summary(report)


def test_recall_at_10_stays_above_the_floor(report: Report) -> None:
    assert report.overall.recall >= RECALL_FLOOR, _summary(report)


def test_the_benchmark_reports_the_same_figures(
    report: Report, locations: Locations, queries: list[JudgedQuery]
) -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(REPO / "benchmarks" / "relevance.py"),
            "--json",
            "--data-dir",
            str(locations.data_dir),
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    data = json.loads(done.stdout)
    assert data["index"]["built"] is False
    assert data["overall"]["queries"] == len(queries)
    assert data["overall"]["mrr@10"] == round(report.overall.mrr, 4)
    assert data["overall"]["recall@10"] == round(report.overall.recall, 4)
    assert set(data["by_kind"]) == set(KINDS)


def _summary(report: Report) -> str:
    failed = [o.query.text for o in report.outcomes if o.failed]
    return (
        f"MRR@10 {report.overall.mrr:.3f}, recall@10 {report.overall.recall:.3f}; "
        f"{len(failed)} failed queries: {failed}"
    )
