"""Matching: every document a query matches, as a NumPy mask.

A search needs every matching document once, unscored, for the total, the
filters and the facet counts, then the best page of them by BM25F
(:mod:`~paperbrowse.core.engine.scoring`). Whoosh does both by walking the
query's matcher tree one posting at a time in Python. Here a term's postings
are NumPy arrays (:mod:`~paperbrowse.core.engine.postings`), the query tree
becomes operations on boolean masks with one entry per document number
(``&``, ``|``, ``~``: a few microseconds per 100,000 documents), and phrases
are checked on the positions of the documents holding every word with
sorted-array searches. Any query kind not listed in :func:`match_set` is left
to Whoosh's matcher, for that part of the tree only.

Masks are ``numpy.ndarray`` of ``bool`` with one entry per document number of
the reader (``reader.doc_count_all()``, deleted documents included).
"""

from __future__ import annotations

import numpy as np
from whoosh import query
from whoosh.query.ranges import NumericRange
from whoosh.query.terms import MultiTerm

from paperbrowse.core.engine import whoosh_compat as wc
from paperbrowse.core.engine.postings import MISSING, Postings, TermPostings


def match_set(searcher, q: query.Query, live: np.ndarray, postings: Postings) -> np.ndarray:
    """Every document matching ``q`` (a Whoosh query), as a mask.

    Args:
        searcher: a Whoosh ``Searcher``.
        q: the parsed query.
        live: the documents not deleted (a mask); the result holds no others.
        postings: the search's postings (read once, reused across calls).

    Scores are not computed; boosts are irrelevant here. Term, And, Or,
    AndNot, AndMaybe, Require, Not, DisjunctionMax, Every, NullQuery,
    Phrase, numeric ranges and every multi-term query (prefix, wildcard,
    fuzzy, variations, term range) are mask operations; anything else
    (spans) is Whoosh's ``docs_for_query`` on that subquery.
    """
    return evaluate(searcher, postings, q, live) & live


def evaluate(searcher, postings: Postings, q, live: np.ndarray) -> np.ndarray:
    """The mask of the documents matching ``q`` (any Whoosh query node), ``live``
    ones only where a negation needs it: :func:`match_set`'s recursion, also
    what :func:`~paperbrowse.core.engine.scoring.top_scored` checks phrases with."""
    if isinstance(q, query.Term):
        return postings.mask(postings.docs(q.fieldname, q.text))
    if isinstance(q, query.Every):
        return live.copy()
    if q is query.NullQuery or isinstance(q, type(query.NullQuery)):
        return np.zeros(postings.count, dtype=bool)
    if isinstance(q, query.Not):
        return live & ~evaluate(searcher, postings, q.query, live)
    if isinstance(q, query.And):
        positive = [c for c in q.subqueries if not isinstance(c, query.Not)]
        negative = [c.query for c in q.subqueries if isinstance(c, query.Not)]
        found = None
        for c in positive:
            got = evaluate(searcher, postings, c, live)
            found = got if found is None else np.logical_and(found, got, out=found)
        if found is None:
            found = live.copy()
        for c in negative:
            found &= ~evaluate(searcher, postings, c, live)
        return found
    if isinstance(q, (query.Or, query.DisjunctionMax)) and not getattr(q, "minmatch", 0):
        found = np.zeros(postings.count, dtype=bool)
        for c in q.subqueries:
            if type(c) is query.Term:  # a word's documents set straight in the union
                found[postings.docs(c.fieldname, c.text)] = True
            else:
                found |= evaluate(searcher, postings, c, live)
        return found
    if isinstance(q, query.AndNot):
        return evaluate(searcher, postings, q.a, live) & ~evaluate(searcher, postings, q.b, live)
    if isinstance(q, query.AndMaybe):
        return evaluate(searcher, postings, q.a, live)
    if isinstance(q, query.Require):
        return evaluate(searcher, postings, q.a, live) & evaluate(searcher, postings, q.b, live)
    if isinstance(q, query.Phrase):
        if q not in postings.phrases:  # matched once a search, scored from it too
            postings.phrases[q] = _kept_phrase(postings, q)
        found = postings.phrases[q]
        if found is not None:
            return found.copy()
    if isinstance(q, NumericRange):
        column = postings.columns.get(q.fieldname)
        if column is not None and len(column) == postings.count:
            return _in_range(column, q)
        return evaluate(searcher, postings, wc.numeric_range_query(q, postings.reader), live)
    if isinstance(q, MultiTerm):
        found = np.zeros(postings.count, dtype=bool)
        for btext in postings.expand(q):
            found[postings.docs(q.field(), btext)] = True
        return found
    return postings.mask(np.fromiter(searcher.docs_for_query(q), dtype=np.int64))


def _in_range(column: np.ndarray, q: NumericRange) -> np.ndarray:
    """The documents whose value in ``column`` is within ``q``'s bounds (a
    missing value never is), as Whoosh's range over the field's terms."""
    found = column != MISSING
    if q.start is not None:
        found &= (column > q.start) if q.startexcl else (column >= q.start)
    if q.end is not None:
        found &= (column < q.end) if q.endexcl else (column <= q.end)
    return found


#: The largest table of ``(candidate, position)`` flags (bytes) a phrase is
#: checked with; beyond it, or for a slop over :data:`DENSE_SLOP`, the keys
#: are compared by binary search.
DENSE_LIMIT = 1 << 26

#: Adjacent words (slop 1, a typed phrase) are matched by merging the sorted
#: keys (:func:`_adjacent`), not with the table of flags or binary search.
MERGE_ADJACENT = True

#: The largest slop checked with the table of flags (one look-up per word
#: position and allowed gap).
DENSE_SLOP = 8


def _kept_phrase(postings: Postings, q: query.Phrase) -> np.ndarray | None:
    """:func:`_phrase`, its documents kept with the index state's postings
    (a page further down, or the same words typed again, reads no positions)."""
    kept = postings.kept
    key = ("phrase", q.fieldname, tuple(q.words), q.slop)
    ids = kept.get(key) if kept is not None else None
    if ids is not None:
        return postings.mask(ids)
    found = _phrase(postings, q)
    if found is not None and kept is not None:
        kept.put(key, np.flatnonzero(found).astype(np.int32))
    return found


def _phrase(postings: Postings, q: query.Phrase) -> np.ndarray | None:
    """The documents holding the words of phrase ``q`` in order, each within
    ``q.slop`` words after the previous one (Whoosh's ``SpanNear2`` with
    ``mindist=1``, what its ``Phrase`` runs; slop 1: adjacent words), deleted
    ones included, as a mask; ``None`` when the field records no positions.

    The documents holding every word come from the postings (a mask
    intersection); positions are then gathered only in those (the
    candidates), as sorted keys ``candidate × width + slop + position``
    (``width`` leaves a gap of more than ``slop`` between candidates): a
    next word's key is kept when one of the previous word's keys lies 1 to
    ``slop`` before it, looked up in a table of flags, one per possible key
    (or by binary search when that table would be large).
    """
    reader = postings.reader
    field, words = q.fieldname, q.words
    if field not in reader.schema or not words:
        return np.zeros(postings.count, dtype=bool)
    terms = [postings.term(field, w, positions=True) for w in words]
    if any(not len(t.ids) for t in terms):
        return np.zeros(postings.count, dtype=bool)
    docs = postings.mask(terms[0].ids)
    for t in terms[1:]:
        docs &= postings.mask(t.ids)
    if not docs.any():
        return docs
    if any(t.positions is None for t in terms):
        return None
    slop = q.slop
    # each word holds each candidate once, in ascending order: a posting's
    # rank among those gathered is its candidate's
    parts = [_gathered(t, docs) for t in terms]
    if any(not len(found) for found, _ in parts):  # postings without positions
        return np.zeros(postings.count, dtype=bool)
    candidates = np.flatnonzero(docs)
    width = max(int(found.max()) for found, _ in parts) + 1 + slop
    dense = slop <= DENSE_SLOP and len(candidates) * width + slop <= DENSE_LIMIT
    kind = np.int32 if dense else np.int64  # a table's keys fit 32 bits: half the bytes
    starts = np.arange(len(candidates), dtype=kind) * kind(width) + kind(slop)

    def keys_of(found: np.ndarray, lens: np.ndarray) -> np.ndarray:
        keys = np.repeat(starts, lens)
        return np.add(keys, found, out=keys, casting="unsafe")

    ends = keys_of(*parts[0])
    for found, lens in parts[1:]:
        keys = keys_of(found, lens)
        if slop == 1 and MERGE_ADJACENT:
            ends = _adjacent(ends, keys)
        elif dense:
            table = np.zeros(len(candidates) * width + slop, dtype=bool)
            table[ends] = True
            near = table[keys - 1]
            for gap in range(2, slop + 1):
                near |= table[keys - gap]
            ends = keys[near]
        elif slop == 1:
            at = np.searchsorted(ends, keys - 1)
            at[at == len(ends)] = 0
            ends = keys[ends[at] == keys - 1] if len(ends) else keys[:0]
        else:
            # the nearest earlier key of the previous word, within slop
            at = np.searchsorted(ends, keys, side="left") - 1
            ok = at >= 0
            gap = keys - ends[np.maximum(at, 0)]
            ends = keys[ok & (gap >= 1) & (gap <= slop)]
        if not len(ends):
            return np.zeros(postings.count, dtype=bool)
    return postings.mask(candidates[ends // width])


def _adjacent(ends: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """The keys of ``keys`` that are one more than a key of ``ends`` (both
    ascending, without repeats), ascending: the two runs ``ends + 1`` and
    ``keys`` laid end to end and sorted with NumPy's stable sort (Timsort,
    which finds the two runs and merges them in one linear pass); a key of
    both is then one value twice, side by side."""
    both = np.concatenate((ends + 1, keys))
    both.sort(kind="stable")
    same = both[1:] == both[:-1]
    return both[1:][same]


def _gathered(t: TermPostings, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The positions of ``t``'s postings in ``docs`` (``uint32``, posting after
    posting, as stored) and how many each posting has (``int64``).

    Only those postings' runs of the position array are read (a word found
    in most papers has a million positions at 300,000 papers; the documents
    holding every word of a phrase are often far fewer), found from the
    running sum of the counts."""
    chosen = np.flatnonzero(docs[t.ids])
    counts = t.counts
    if len(chosen) == len(t.ids):  # every posting: the positions as they lie
        return t.positions, counts.astype(np.int64)
    lens = counts[chosen].astype(np.int64)
    firsts = np.cumsum(counts, dtype=np.int64)[chosen] - lens  # each run's first
    before = np.cumsum(lens) - lens  # where each run goes among those gathered
    at = np.repeat(firsts - before, lens) + np.arange(int(lens.sum()), dtype=np.int64)
    return t.positions[at], lens
