"""The judged relevance set and its metrics, shared by the test and the benchmark.

``queries.toml`` (beside this file) lists queries with the papers a researcher
would expect among the first hits, by exact title. :func:`load_queries` reads
it, :func:`resolve_titles` maps every judged title to the id of a paper in the
index (and fails loudly, naming every unknown title, if one is missing), and
:func:`evaluate` runs each query with the default relevance sort and computes:

* **MRR@10**: the mean over queries of ``1 / rank`` of the first judged paper
  among the top 10 hits (0 when none is there);
* **recall@10**: the mean over queries of the fraction of the judged papers
  found among the top 10 hits.

Both are also broken down by the query's ``kind``. Imported by
``tests/relevance/test_relevance.py`` (pytest puts this folder on
``sys.path``) and by ``benchmarks/relevance.py`` (which adds it itself).
No third-party import beyond paperbrowse, so both stay light.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from paperbrowse.core.engine.query import QueryError
from paperbrowse.core.index import PaperIndex
from paperbrowse.core.models import Paper, normalise_title

QUERIES_FILE = Path(__file__).resolve().with_name("queries.toml")

#: Cut-off of both metrics.
K = 10

#: How deep :func:`evaluate` looks to report the rank of a missed paper.
DIAGNOSTIC_DEPTH = 100

#: Allowed values of a query's ``kind``, in report order.
KINDS = (
    "acronym",
    "name",
    "typo",
    "org",
    "topic",
    "question",
    "accent",
    "variant",
    "syntax",
)

MAX_RELEVANT = 3


class JudgedSetError(ValueError):
    """``queries.toml`` is malformed, or names a paper that is not in the corpus."""


@dataclass(frozen=True)
class JudgedQuery:
    """One judged query.

    Attributes:
        text: the query as typed.
        kind: one of :data:`KINDS`.
        relevant: exact titles of the expected papers.
        why: the justification of the judgment.
    """

    text: str
    kind: str
    relevant: tuple[str, ...]
    why: str


def load_queries(path: Path = QUERIES_FILE) -> list[JudgedQuery]:
    """Read and validate the judged set.

    Raises:
        JudgedSetError: a missing or ill-typed field, an unknown kind, no or
            more than :data:`MAX_RELEVANT` titles, a repeated title or query.
    """
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    entries = data.get("query")
    if not isinstance(entries, list) or not entries:
        raise JudgedSetError(f"{path}: no [[query]] tables")
    queries: list[JudgedQuery] = []
    seen: set[str] = set()
    for number, entry in enumerate(entries, 1):
        where = f"{path.name}: query #{number} ({entry.get('text')!r})"
        unknown = set(entry) - {"text", "kind", "relevant", "why"}
        if unknown:
            raise JudgedSetError(f"{where}: unknown field(s) {sorted(unknown)}")
        text, kind, relevant, why = (entry.get(k) for k in ("text", "kind", "relevant", "why"))
        if not isinstance(text, str) or not text.strip():
            raise JudgedSetError(f"{where}: 'text' must be a non-empty string")
        if text in seen:
            raise JudgedSetError(f"{where}: the same query text appears twice")
        seen.add(text)
        if kind not in KINDS:
            raise JudgedSetError(f"{where}: kind {kind!r} is not one of {', '.join(KINDS)}")
        if (
            not isinstance(relevant, list)
            or not 1 <= len(relevant) <= MAX_RELEVANT
            or not all(isinstance(t, str) and t.strip() for t in relevant)
        ):
            raise JudgedSetError(f"{where}: 'relevant' must list 1 to {MAX_RELEVANT} titles")
        if len({normalise_title(t) for t in relevant}) != len(relevant):
            raise JudgedSetError(f"{where}: a title is listed twice")
        if not isinstance(why, str) or not why.strip():
            raise JudgedSetError(f"{where}: 'why' must say why these papers are relevant")
        queries.append(JudgedQuery(text, kind, tuple(relevant), why))
    return queries


def resolve_titles(queries: Iterable[JudgedQuery], papers: Iterable[Paper]) -> dict[str, str]:
    """Map every judged title to the id of the paper of that title.

    Titles are compared with :func:`normalise_title` (case, accents,
    punctuation and spaces ignored), the key the corpus loader merges on.

    Raises:
        JudgedSetError: naming every judged title that matches no paper, each
            with the closest corpus titles, so a typo in the judged set (or a
            corpus change) cannot silently lower the figures.
    """
    by_key: dict[str, Paper] = {}
    for paper in papers:
        by_key.setdefault(normalise_title(paper.title), paper)
    ids: dict[str, str] = {}
    missing: list[str] = []
    for q in queries:
        for title in q.relevant:
            paper = by_key.get(normalise_title(title))
            if paper is None:
                close = difflib.get_close_matches(
                    title, [p.title for p in by_key.values()], n=2, cutoff=0.5
                )
                hint = f" (closest: {' | '.join(close)})" if close else ""
                missing.append(f"  query {q.text!r}: {title!r}{hint}")
            else:
                ids[title] = paper.id
    if missing:
        raise JudgedSetError(
            f"{len(missing)} judged title(s) are not in the corpus:\n" + "\n".join(missing)
        )
    return ids


@dataclass(frozen=True)
class QueryOutcome:
    """How one judged query fared.

    Attributes:
        query: the judged query.
        ranks: 1-based rank of each judged title in the result list (looked
            up to :data:`DIAGNOSTIC_DEPTH`), ``None`` if not there.
        total: number of papers the query matched.
        top: titles of the first hits (up to :data:`K`).
        error: the query error message if the engine rejected the query.
    """

    query: JudgedQuery
    ranks: dict[str, int | None]
    total: int
    top: tuple[str, ...]
    error: str | None = None

    @property
    def reciprocal_rank(self) -> float:
        found = [r for r in self.ranks.values() if r is not None and r <= K]
        return 1.0 / min(found) if found else 0.0

    @property
    def recall(self) -> float:
        found = [r for r in self.ranks.values() if r is not None and r <= K]
        return len(found) / len(self.ranks)

    @property
    def failed(self) -> bool:
        """No judged paper in the top :data:`K`."""
        return self.reciprocal_rank == 0.0

    @property
    def weak(self) -> bool:
        """Not perfect: the first hit is not judged, or a judged paper is past :data:`K`."""
        return self.reciprocal_rank < 1.0 or self.recall < 1.0

    def describe_rank(self, title: str) -> str:
        rank = self.ranks[title]
        if rank is not None and rank <= K:
            return f"rank {rank}"
        if rank is not None:
            return f"not in top {K} (rank {rank})"
        if self.error is not None:
            return f"not in top {K} (query rejected)"
        if self.total < DIAGNOSTIC_DEPTH:
            return f"not in top {K} (not matched; {self.total} hits)"
        return f"not in top {K} (beyond rank {DIAGNOSTIC_DEPTH})"


@dataclass(frozen=True)
class Figures:
    """Mean metrics over a group of queries."""

    queries: int
    mrr: float
    recall: float
    failed: int

    @classmethod
    def of(cls, outcomes: Sequence[QueryOutcome]) -> Figures:
        n = len(outcomes)
        return cls(
            queries=n,
            mrr=sum(o.reciprocal_rank for o in outcomes) / n if n else 0.0,
            recall=sum(o.recall for o in outcomes) / n if n else 0.0,
            failed=sum(o.failed for o in outcomes),
        )


@dataclass(frozen=True)
class Report:
    """The outcome of every judged query, and the figures."""

    outcomes: tuple[QueryOutcome, ...]

    @property
    def overall(self) -> Figures:
        return Figures.of(self.outcomes)

    @property
    def by_kind(self) -> dict[str, Figures]:
        """Figures per kind, in :data:`KINDS` order, kinds without queries left out."""
        groups = {kind: [o for o in self.outcomes if o.query.kind == kind] for kind in KINDS}
        return {kind: Figures.of(group) for kind, group in groups.items() if group}

    def to_dict(self) -> dict:
        """JSON-ready figures and per-query details."""

        def figures(f: Figures) -> dict:
            return {
                "queries": f.queries,
                f"mrr@{K}": round(f.mrr, 4),
                f"recall@{K}": round(f.recall, 4),
                "failed": f.failed,
            }

        return {
            "k": K,
            "overall": figures(self.overall),
            "by_kind": {kind: figures(f) for kind, f in self.by_kind.items()},
            "queries": [
                {
                    "text": o.query.text,
                    "kind": o.query.kind,
                    "reciprocal_rank": round(o.reciprocal_rank, 4),
                    "recall": round(o.recall, 4),
                    "ranks": o.ranks,
                    "total": o.total,
                    "top": list(o.top[:3]),
                    "error": o.error,
                }
                for o in self.outcomes
            ],
        }


def evaluate(index: PaperIndex, queries: Sequence[JudgedQuery]) -> Report:
    """Run every query as the search bar does (relevance sort, forgiving mode:
    plain-words fallback and spelling correction) and score the hits.

    Raises:
        JudgedSetError: a judged title is not in the index (see
            :func:`resolve_titles`).
    """
    ids = resolve_titles(queries, index.all_papers())
    outcomes = []
    for q in queries:
        try:
            results = index.search(q.text, sort="relevance", limit=DIAGNOSTIC_DEPTH, forgiving=True)
        except QueryError as exc:
            outcomes.append(
                QueryOutcome(q, dict.fromkeys(q.relevant), 0, (), error=str(exc) or "query error")
            )
            continue
        position = {hit.paper.id: rank for rank, hit in enumerate(results.hits, 1)}
        outcomes.append(
            QueryOutcome(
                query=q,
                ranks={title: position.get(ids[title]) for title in q.relevant},
                total=results.total,
                top=tuple(hit.paper.title for hit in results.hits[:K]),
            )
        )
    return Report(tuple(outcomes))
