"""The pruned and candidate-driven relevance top-k equal the exhaustive one.

:mod:`paperbrowse.core.engine.blockmax` skips the document ranges whose
bound cannot reach the k-th best score, and the candidate-driven path looks
each candidate up in the postings; these tests compare their pages with the
exhaustive path's (every posting scored) on random queries of every class
over the bundled corpus, the ranges made small so that there are many of
them and most are skipped, with filters, and through the whole search.
"""

from __future__ import annotations

import random
from functools import partial

import numpy as np
import pytest

from paperbrowse.core.engine import blockmax, scoring
from paperbrowse.core.engine.matching import match_set
from paperbrowse.core.engine.postings import _LENGTHS, bm25_of, bm25_terms
from paperbrowse.core.index import PaperIndex
from paperbrowse.core.models import Filters


def _words(index: PaperIndex, searcher, rng: random.Random) -> list[str]:
    """Abstract words of the index, frequent and rare, for random queries."""
    reader = searcher.reader()
    frequent = [t.decode() for _, t in reader.most_frequent_terms("abstract", 60)]
    every = [t.decode() for t in reader.lexicon("abstract")]
    alpha = [w for w in every if w.isalpha() and len(w) > 3]
    return frequent + rng.sample(alpha, min(60, len(alpha)))


def _queries(words: list[str], rng: random.Random, n: int) -> list[str]:
    """``n`` queries of each class: one term, two terms, OR, phrase, fuzzy,
    field, numeric range with a term, boosted and grouped."""
    got = []
    for _ in range(n):
        a, b, c = rng.choice(words), rng.choice(words), rng.choice(words)
        got += [
            a,
            f"{a} {b}",
            f"{a} OR {b} OR {c}",
            f'"{a} {b}"',
            f'"{a} {b}" {c}',
            f"{a[:-1]}~",
            f"{a[:2]}{a[3:]}~ {b}",
            f"title:{a} OR {b}",
            f"year:[2022 TO 2024] {a}",
            f"upvotes:>=5 OR {a}",
            f"{a}^2 ({b} OR {c})",
        ]
    return got


@pytest.mark.parametrize("size", [4, 32])
def test_the_pruned_top_is_the_exhaustive_one_on_random_queries(
    index: PaperIndex, monkeypatch: pytest.MonkeyPatch, size: int
) -> None:
    monkeypatch.setattr(blockmax, "RANGE", size)
    rng = random.Random(size)
    coin = np.random.default_rng(size)
    pruned_somewhere = False
    seen = blockmax.pruned_top

    def counting(k, upper, score_ranges, hint):
        nonlocal pruned_somewhere
        scored = 0

        def scoring_ranges(chosen):
            nonlocal scored
            scored += int(chosen.sum())
            return score_ranges(chosen)

        got = seen(k, upper, scoring_ranges, hint)
        pruned_somewhere |= scored < len(upper)
        return got

    monkeypatch.setattr(blockmax, "pruned_top", counting)
    compared = 0
    with index._searcher() as searcher:
        live = np.ones(searcher.reader().doc_count_all(), dtype=bool)
        for text in _queries(_words(index, searcher, rng), rng, 12):
            q = index.parse(text)
            postings = index._postings(searcher)
            matched = match_set(searcher, q, live, postings)
            filtered = matched & (coin.random(len(matched)) < 0.5)  # a filter: half the papers
            for candidates in (matched, filtered):
                total = int(candidates.sum())
                for k in {1, 7, 30, max(total, 1)}:
                    top = partial(scoring.top_scored, searcher, q, candidates, k, postings)
                    exhaustive = top(prune=False, sparse=False)
                    assert exhaustive is not None, text
                    for other in (top(prune=True), top(prune=False, sparse=True)):
                        assert [d for d, _ in other] == [d for d, _ in exhaustive], (text, k)
                        got = [s for _, s in other]
                        assert got == pytest.approx([s for _, s in exhaustive], rel=1e-9, abs=0)
                    compared += bool(exhaustive)
    assert compared > 300
    assert pruned_somewhere  # the bounds did skip ranges: the pruned path was exercised


def test_a_ranges_bound_holds_every_posting_of_the_range(
    index: PaperIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(blockmax, "RANGE", 8)
    with index._searcher() as searcher:
        postings = index._postings(searcher)
        reader = searcher.reader()
        w = searcher.weighting
        for field in ("title", "abstract"):
            lengths = scoring._field_lengths(reader, field)
            for _, text in reader.most_frequent_terms(field, 20):
                term = postings.term(field, text)
                bounds = postings.bounds(field, text, lengths)
                top, k1b, per = bm25_terms(searcher, field, text, w.B, w.K1)
                upper = blockmax.bound(bounds, 3.0, top, k1b, per)
                exact = 3.0 * bm25_of(term.weights, _LENGTHS[lengths[term.ids]], top, k1b, per)
                at = term.ids // 8
                assert (exact <= upper[at]).all()
                # the bound is reached in a range: it is the score of a posting there
                assert np.isclose(exact, upper[at]).any()
                assert (upper[np.setdiff1d(np.arange(len(upper)), at)] == 0).all()


def test_the_rounds_stop_where_no_range_can_reach_the_kth_best() -> None:
    rng = np.random.default_rng(7)
    n, per_range, k = 400, 10, 15
    exact = rng.exponential(1.0, size=(n, per_range))
    upper = exact.max(axis=1) * rng.uniform(1.0, 1.3, size=n)
    scored = np.zeros(n, dtype=bool)

    def score_ranges(chosen):
        assert not (scored & chosen).any()  # a range is scored once
        scored[chosen] = True
        at = np.flatnonzero(chosen)
        return (at[:, None] * per_range + np.arange(per_range)).ravel(), exact[at].ravel()

    docs, scores = blockmax.pruned_top(k, upper, score_ranges, np.full(n, per_range))
    best = np.lexsort((docs, -scores))[:k]
    flat = exact.ravel()
    truth = np.lexsort((np.arange(len(flat)), -flat))[:k]
    assert docs[best].tolist() == truth.tolist()
    kth = flat[truth[-1]]
    assert scored.sum() < n / 2  # most ranges were skipped
    assert (upper[~scored] < kth * (1 + 1e-6)).all()  # and none that could reach it


@pytest.mark.parametrize("sort", ["relevance", "date"])
@pytest.mark.parametrize(
    "text", ["diffusion", "language model", '"language model"', "vidoe~", "agent OR video"]
)
def test_searches_answer_the_same_whichever_path_scores(
    index: PaperIndex, monkeypatch: pytest.MonkeyPatch, text: str, sort: str
) -> None:
    monkeypatch.setattr(blockmax, "RANGE", 4)
    answers = []
    # every posting scored; pruned; each candidate looked up (always, below 0)
    for prune, sparse_below in ((False, 10**9), (True, 10**9), (False, 0)):
        monkeypatch.setattr(scoring, "PRUNE", prune)
        monkeypatch.setattr(scoring, "SPARSE_BELOW", sparse_below)
        got = []
        for filters in (Filters(), Filters(years=(2024, 2025)), Filters(undated=True)):
            r = index.search(text, sort=sort, limit=30, filters=filters, facets=True)
            got.append((r.total, [(h.paper.id, h.score) for h in r.hits], r.facets))
        answers.append(got)
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0][0] > 0


def test_pruning_is_chosen_for_one_word_queries_of_a_large_index() -> None:
    from whoosh import query

    word = query.Or([query.Term("title", "space"), query.Term("abstract", "space")])
    fuzzy = query.Or([query.FuzzyTerm("abstract", "moel")])
    both = query.And([word, query.Or([query.Term("abstract", "model")])])
    phrase = query.Or([query.Phrase("abstract", ["topic", "model"])])
    large = scoring.PRUNE_FROM
    assert scoring.prunes_well(word, large) and scoring.prunes_well(fuzzy, large)
    assert not scoring.prunes_well(word, large - 1)  # small: the NumPy pass is faster
    assert not scoring.prunes_well(both, large) and not scoring.prunes_well(phrase, large)
