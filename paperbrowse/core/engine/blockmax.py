"""Block-max pruning of the relevance top-k over ranges of document numbers.

The exhaustive top-k (:func:`~paperbrowse.core.engine.scoring.top_scored`)
computes a BM25F score for every posting of every query term: for a word in
most papers, a NumPy pass over nearly every document per field. Here the
document numbers are cut into ranges of :data:`RANGE` documents, the same
ranges for every term, and each term keeps, per range, the largest term
frequency and the shortest field length (encoded length byte) of its
postings there (:class:`RangeBounds`, computed once per term and index state
in one pass over its postings, and kept with them). BM25 grows with the
frequency and falls with the length, so ``boost × bm25(idf, max tf, min
length)`` with the current collection statistics bounds every posting's
contribution in the range, and the sum over the query's terms bounds the
score of every document of the range; the bounds never go stale when
segments are added, since idf and the average length are applied at query
time.

:func:`pruned_top` scores exactly (the same float64 operations in the same
order as the exhaustive path) only the ranges whose bound can still reach
the ``k``-th best score: ranges in falling order of their bounds, until the
next range's bound is below the ``k``-th best exact score found so far (at
most the true ``k``-th best, being the ``k``-th best of fewer documents).
Since a range holds every posting of its documents for every term, a
document of a scored range has its whole exact score; a document in a
skipped range scores below the threshold, so it cannot be in the top ``k``
(ties included). The result therefore equals the exhaustive top-k, ids,
order and scores (``tests/unit/test_topk.py`` compares them on random
queries).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

#: Documents per range. The bound of a range combines the largest frequency
#: and the shortest field of different papers, so it is tight only for few
#: papers (at 100,000 papers a common word's top 30 could skip 87% of ranges
#: of 32, none of 512); a term's bounds are 3 numbers a range.
RANGE = 32

#: Relative slack added to every bound, covering float64 rounding of the sums.
_SLACK = 1e-9


class RangeBounds(NamedTuple):
    """One term's postings cut at the document ranges of :data:`RANGE`.

    Attributes:
        edges: index in the term's postings of each range's first posting, and
            the postings' count last (``int64``, ranges + 1).
        max_tf: the largest term frequency in each range (``float64``; 0: none).
        min_length: the shortest field length of the postings in each range,
            decoded from the length byte (``float64``; meaningless where
            ``max_tf`` is 0).
    """

    edges: np.ndarray
    max_tf: np.ndarray
    min_length: np.ndarray

    @property
    def size(self) -> int:
        """Entries held (what :class:`~paperbrowse.core.engine.postings.DecodedCache` counts)."""
        return 3 * len(self.max_tf)


def range_bounds(
    ids: np.ndarray, weights: np.ndarray, length_bytes: np.ndarray, count: int, decode: np.ndarray
) -> RangeBounds:
    """The :class:`RangeBounds` of a term (one pass over its postings).

    Args:
        ids: the term's document numbers, ascending (``int32``, n).
        weights: its term frequencies (``float32``, n).
        length_bytes: the field's encoded length per document number (``uint8``).
        count: documents of the reader (ranges: ``ceil(count / RANGE)``).
        decode: field length of each length byte (``float64``, 256; increasing).
    """
    ranges = max(1, -(-count // RANGE))
    edges = np.searchsorted(ids, np.arange(ranges + 1, dtype=np.int64) * RANGE).astype(np.int64)
    edges[-1] = len(ids)
    max_tf = np.zeros(ranges)
    min_length = np.zeros(ranges)
    full = edges[:-1] < edges[1:]
    if len(ids):
        starts = edges[:-1][full]
        max_tf[full] = np.maximum.reduceat(weights, starts)
        # the shortest of the term's own fields: a tighter bound than the range's
        # shortest field (at 100,000 papers, 13% of ranges scored against 24%)
        min_length[full] = decode[np.minimum.reduceat(length_bytes[ids], starts)]
    return RangeBounds(edges, max_tf, min_length)


def bound(bounds: RangeBounds, boost: float, top: float, k1b: float, per: float) -> np.ndarray:
    """Per range, the most ``boost × bm25`` any posting of the term there can
    score (0 for a range without postings), ``top`` being ``idf × (K1 + 1)``,
    ``k1b`` ``K1 × (1 - B)`` and ``per`` ``K1 × B / average field length``."""
    tf = bounds.max_tf
    got = boost * (top * tf / (tf + k1b + per * bounds.min_length))
    got[tf == 0] = 0.0
    return got


def slices(edges: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """The posting indices of the ranges ``chosen`` (a mask over ranges),
    ascending: the concatenated ``arange(edges[j], edges[j + 1])``."""
    starts, ends = edges[:-1][chosen], edges[1:][chosen]
    sizes = ends - starts
    total = int(sizes.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    shift = np.repeat(starts - (np.cumsum(sizes) - sizes), sizes)
    return shift + np.arange(total, dtype=np.int64)


def pruned_top(k: int, upper: np.ndarray, score_ranges, hint: np.ndarray) -> tuple:
    """The ``k`` best documents, exact, scoring as few ranges as the bounds allow.

    Ranges are scored in falling order of their bound, in rounds of doubling
    size (the first holding at least ``k`` matches); after each round the
    ``k``-th best exact score so far is the threshold, and the search stops
    at the first range whose bound is below it: every later range's bound is
    too, so none of its documents can be in the top ``k``.

    Args:
        k: how many (> 0).
        upper: per range, an upper bound of the score of its every document
            (``float64``).
        score_ranges: ``f(mask over ranges) -> (docs, scores)``, the exact
            scores of the scored documents of those ranges.
        hint: per range, about how many documents may score there (the
            query's postings), for the size of the first round.

    Returns:
        ``(docs, scores)`` holding every scored document at least as good as
        the ``k``-th best, with others (the caller orders and cuts them as
        the exhaustive path does).
    """
    upper = upper * (1 + _SLACK) + _SLACK
    n = len(upper)
    order = np.argsort(-upper)  # ties in any order: a bound only decides what is scored
    reach = np.cumsum(hint[order])
    batch = max(int(np.searchsorted(reach, 4 * k)) + 1, n // 32, 8)
    threshold = -np.inf
    docs = np.zeros(0, dtype=np.int64)
    scores = np.zeros(0)
    at = 0
    while at < n and upper[order[at]] >= threshold:
        take = order[at : at + batch]
        take = take[upper[take] >= threshold]
        chosen = np.zeros(n, dtype=bool)
        chosen[take] = True
        more_docs, more_scores = score_ranges(chosen)
        docs = np.concatenate([docs, more_docs])
        scores = np.concatenate([scores, more_scores])
        if len(scores) >= k:
            threshold = np.partition(scores, len(scores) - k)[len(scores) - k]
            keep = scores >= threshold
            docs, scores = docs[keep], scores[keep]
        at += batch
        batch *= 4
    return docs, scores
