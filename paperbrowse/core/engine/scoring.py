"""BM25F top-k over array postings, with NumPy.

The best page of a query's matching documents (:func:`top_scored`): the
BM25F scores of the candidates are sums over each term's postings at once
(:meth:`~paperbrowse.core.engine.postings.Postings.bm25`), equal to Whoosh's.
"""

from __future__ import annotations

import numpy as np
from whoosh import query
from whoosh.query.ranges import NumericRange
from whoosh.query.terms import FuzzyTerm
from whoosh.scoring import BM25F

from paperbrowse.core.engine import blockmax
from paperbrowse.core.engine import whoosh_compat as wc
from paperbrowse.core.engine.matching import evaluate
from paperbrowse.core.engine.postings import _LENGTHS, Postings, bm25_of, bm25_terms

#: Whether :func:`top_scored` prunes with per-range bounds
#: (:mod:`~paperbrowse.core.engine.blockmax`); the result is the same either
#: way (tests/unit/test_topk.py). ``None``: when :func:`prunes_well` says so.
PRUNE: bool | None = None

#: Documents from which :func:`prunes_well` prunes: at 100,000 papers the
#: pruned path is slower (its bounds and rounds cost more than the NumPy
#: pass it saves); at a million, the 25 one-term queries of
#: ``benchmarks/run.py`` spent 7.5–9.4 ms scoring against 8.6–9.9 (at most
#: 12–18 ms against 49–71) and fuzzy 5.0–5.8 against 7.5–7.8 (at most 13–14
#: against 55–62), while two-term ANDs spent more (12–15 against 8.5–9.5).
PRUNE_FROM = 500_000


def prunes_well(q: query.Query, documents: int) -> bool:
    """Whether block-max pruning pays for query ``q`` over ``documents``
    documents (:data:`PRUNE_FROM`): a large index, and a query of one word
    or its alternatives (terms, fuzzy words, ORs) — not an AND, whose
    candidates are few beside its words' postings, nor a phrase."""
    if documents < PRUNE_FROM:
        return False

    def plain(node) -> bool:
        if isinstance(node, (query.And, query.Phrase)):
            return False
        return all(plain(c) for c in node.children())

    return plain(q)


#: :func:`top_scored` looks the candidates up in the postings (a binary search
#: each) rather than scoring every posting when the candidates are fewer than
#: the query's postings divided by this.
SPARSE_BELOW = 8


def _scored_leaves(
    q, postings: Postings, boost: float = 1.0
) -> list[tuple[str | None, object, float, object]] | None:
    """The ``(field, text, boost, within)`` of every term of a tree of Term,
    Phrase, And and Or (sums, as Whoosh scores them), boosts multiplied down
    the tree; ``within`` is ``None`` or a phrase: the term then scores only
    in documents holding the phrase (Whoosh scores a phrase as the sum of its
    words' scores). A fuzzy word is the Or of the indexed words it stands
    for, as in Whoosh; a numeric range (``year:[2020 TO 2022]``), which
    Whoosh scores as a constant ``boost`` for every document in it, is
    ``(None, range query, boost, None)``. ``None`` for any other shape."""
    boost *= q.boost
    if isinstance(q, query.Term):
        return [(q.fieldname, q.text, boost, None)]
    if isinstance(q, FuzzyTerm):
        return [(q.fieldname, btext, boost, None) for btext in postings.expand(q)]
    if isinstance(q, query.Phrase):
        return [(q.fieldname, word, boost, q) for word in q.words]
    if isinstance(q, NumericRange) and q.constantscore:
        return [(None, q, boost, None)]
    plain_or = isinstance(q, query.Or) and not q.minmatch and q.scale is None
    if (isinstance(q, query.And) or plain_or) and type(q) in (query.And, query.Or):
        leaves = []
        for c in q.subqueries:
            got = _scored_leaves(c, postings, boost)
            if got is None:
                return None
            leaves.extend(got)
        return leaves
    return None


def _coordination(q) -> float | None:
    """The ``scale`` of an Or of plain terms and Ors of terms with a
    coordination bonus (the relaxed query of the search bar: a paper
    matching more of its words scores higher), else ``None``."""
    if type(q) is not query.Or or q.scale is None or q.minmatch:
        return None

    def plain(node) -> bool:
        if type(node) is query.Term:
            return True
        return (
            type(node) is query.Or
            and not node.minmatch
            and node.scale is None
            and all(plain(c) for c in node.subqueries)
        )

    return q.scale if all(plain(c) for c in q.subqueries) else None


def _coordinated(scores, docs, leaves, postings: Postings, candidates, scale: float):
    """Whoosh's ``CoordMatcher`` ("SQR", from Apple's V-Twin) over ``scores``
    of ``docs``: ``(score + (matching - 1) / (terms - scale)²) × (terms - 1)
    / terms``, ``matching`` being the query terms a paper holds and
    ``terms`` those the index holds, in the same float64 operations.
    (Whoosh counts the terms per segment; this counts them over the index,
    the same for an index of one segment.)"""
    present = [(field, text) for field, text, _, _ in leaves if len(postings.docs(field, text))]
    termcount = len(present)
    if termcount == 0 or termcount == scale:
        return np.zeros(len(scores))
    matching = np.zeros(postings.count, dtype=np.int64)
    for field, text in present:
        ids = postings.docs(field, text)
        matching[ids[candidates[ids]]] += 1
    return (scores + (matching[docs] - 1) / (termcount - scale) ** 2) * (
        (termcount - 1) / termcount
    )


def _field_lengths(reader, field: str) -> np.ndarray | None:
    """The encoded length byte of ``field`` per document number (``uint8``),
    or ``None`` when a segment's reader cannot give them whole."""
    parts = []
    for leaf, _base in reader.leaf_readers():
        perdoc = wc.segment_per_doc(leaf)
        if not hasattr(perdoc, "length_bytes"):
            return None
        raw = perdoc.length_bytes(field)
        # no length column: no document of the segment has the field
        parts.append(bytes(leaf.doc_count_all()) if raw is None else raw)
    return np.frombuffer(b"".join(parts), dtype=np.uint8)


def _kept_lengths(postings: Postings, field: str) -> np.ndarray | None:
    """:func:`_field_lengths` of the postings' reader, kept with the index
    state's postings (a byte per document and field: read once, not at every
    search)."""
    if postings.kept is None:
        return _field_lengths(postings.reader, field)
    key = ("lengths", field)
    return postings.kept.per_document(key, lambda: _field_lengths(postings.reader, field))


def top_scored(
    searcher,
    q: query.Query,
    candidates: np.ndarray,
    k: int,
    postings: Postings,
    prune: bool | None = None,
    sparse: bool | None = None,
) -> list[tuple[int, float]] | None:
    """The ``k`` best of ``candidates`` for ``q`` by Whoosh's BM25F, best first.

    For a query of terms, phrases, fuzzy words and numeric ranges joined by
    AND and OR (what the search bar's input parses to) a matching document's
    Whoosh score is the sum, over the terms it holds, of ``boost × bm25(idf,
    tf, field length)`` (a phrase's words count where the phrase occurs; a
    range adds a constant); that sum is computed here with NumPy over each
    term's postings at once, instead of Whoosh's matcher tree (several
    Python calls per posting). Ties go to the lower document number, as in
    Whoosh.

    Args:
        searcher: a Whoosh ``Searcher`` using BM25F (Whoosh's default).
        q: the parsed query.
        candidates: a mask of the documents that match ``q`` and pass the
            filters; only these are scored.
        k: how many to return.
        postings: the search's postings.
        prune: score only the document ranges whose BM25 bounds can reach
            the ``k``-th best (:mod:`~paperbrowse.core.engine.blockmax`; the
            same result); ``None``: :data:`PRUNE`, else :func:`prunes_well`.
        sparse: score by looking each candidate up in the postings instead
            of scoring every posting (the same result); ``None``: when the
            candidates are fewer than the query's postings over
            :data:`SPARSE_BELOW`.

    Returns:
        ``[(docnum, score), ...]``, or ``None`` when the query has another
        shape or a segment's reader cannot give its field lengths whole (the
        caller then asks Whoosh).
    """
    weighting = searcher.weighting
    if not isinstance(weighting, BM25F) or wc.bm25f_field_b(weighting) or k <= 0:
        return None
    scale = _coordination(q)
    if scale is None:
        leaves = _scored_leaves(q, postings)
    else:  # the children of a coordinated Or, scored as an Or, then coordinated
        leaves = []
        for c in q.subqueries:
            got = _scored_leaves(c, postings, q.boost)
            if got is None:
                return None
            leaves.extend(got)
    if leaves is None:
        return None
    if not leaves:  # fuzzy words standing for no indexed word
        return []
    if len(leaves) == 1 and leaves[0][0] is None:  # a range alone: every candidate ties
        return [(int(d), leaves[0][2]) for d in np.flatnonzero(candidates)[:k]]
    lengths: dict[str, np.ndarray] = {}
    for field, _, _, _ in leaves:
        if field is not None and field not in lengths:
            got = _kept_lengths(postings, field)
            if got is None:
                return None
            lengths[field] = got
    B, K1 = weighting.B, weighting.K1
    live = np.ones(postings.count, dtype=bool)
    phrases: dict[int, np.ndarray] = {}

    def allowed_for(within) -> np.ndarray:
        """The candidates a leaf scores in: those holding its phrase, if any."""
        if within is None:
            return candidates
        allowed = phrases.get(id(within))
        if allowed is None:
            allowed = evaluate(searcher, postings, within, live) & candidates
            phrases[id(within)] = allowed
        return allowed

    if prune is None:
        prune = PRUNE if PRUNE is not None else prunes_well(q, postings.count)
    if scale is None and prune:
        found = _pruned(searcher, leaves, candidates, k, postings, lengths, B, K1, allowed_for)
        if found is not None:
            return _best(*found, k)
    if sparse is None:  # few candidates for the postings: look each one up
        held = sum(len(postings.docs(f, t)) for f, t, _, _ in leaves if f is not None)
        sparse = np.count_nonzero(candidates) * SPARSE_BELOW < held
    if sparse:
        docs, got = _by_candidates(searcher, leaves, candidates, postings, lengths, B, K1)
        if scale is not None:
            got = _coordinated(got, docs, leaves, postings, candidates, scale)
        return _best(docs, got, k)
    # Every candidate matches q, so holds a posting of some leaf: each one gets a
    # score, and what other documents get is never read. A word's postings are
    # therefore added whole (no look-up of the candidates per posting); only
    # a phrase's words are kept to the documents holding the phrase.
    scores = np.zeros(postings.count)
    for field, text, boost, within in leaves:
        if field is None:  # a numeric range: a constant for the candidates in it
            scores[evaluate(searcher, postings, text, live) & candidates] += boost
            continue
        term = postings.term(field, text)
        if not len(term.ids):
            continue
        part = postings.bm25(field, text, searcher, lengths[field], B, K1)
        ids = term.ids
        if within is not None:
            chosen = allowed_for(within)[ids]
            ids, part = ids[chosen], part[chosen]
        # a term's postings hold each document once: plain indexed adds
        scores[ids] += boost * part
    docs = np.flatnonzero(candidates)
    got = scores[docs]
    if scale is not None:
        got = _coordinated(got, docs, leaves, postings, candidates, scale)
    return _best(docs, got, k)


def _by_candidates(searcher, leaves, candidates, postings: Postings, lengths, B, K1):
    """The exhaustive loop of :func:`top_scored` driven by the candidates
    instead of the postings: each candidate is looked up in each term's
    postings (a binary search), and only the postings found are scored, with
    the same float64 operations in the same order. For a query whose
    matches are few beside its words' postings (an AND of common words, a
    phrase, a narrow filter). Returns ``(docs, scores)`` of the scored
    candidates, ascending."""
    docs = np.flatnonzero(candidates)
    scores = np.zeros(len(docs))
    touched = np.zeros(len(docs), dtype=bool)
    live = np.ones(postings.count, dtype=bool)
    phrases: dict[int, np.ndarray] = {}
    for field, text, boost, within in leaves:
        if field is None:  # a numeric range: a constant for the candidates in it
            inside = evaluate(searcher, postings, text, live)[docs]
            scores[inside] += boost
            touched |= inside
            continue
        btext = text if isinstance(text, bytes) else postings.reader.schema[field].to_bytes(text)
        term = postings.term(field, btext)
        if not len(term.ids):
            continue
        if within is None:
            at = np.searchsorted(term.ids, docs)
            at[at == len(term.ids)] = 0
            found = np.flatnonzero(term.ids[at] == docs)
            at = at[found]
        else:  # only where the phrase is: those candidates alone are looked up
            if id(within) not in phrases:
                inside = evaluate(searcher, postings, within, live)[docs]
                phrases[id(within)] = np.flatnonzero(inside)
            asked = phrases[id(within)]
            at = np.searchsorted(term.ids, docs[asked])
            at[at == len(term.ids)] = 0
            here = term.ids[at] == docs[asked]
            found, at = asked[here], at[here]
        if not len(found):
            continue
        top, k1b, per = bm25_terms(searcher, field, btext, B, K1)
        scaled = postings.scaled_lengths(field, lengths[field], per)  # per × length
        tf = term.weights[at].astype(np.float64)
        part = top * tf / (tf + k1b + scaled[term.ids[at]])  # bm25_of's operations
        scores[found] += boost * part
        touched[found] = True
    return docs[touched], scores[touched]


def _best(docs: np.ndarray, got: np.ndarray, k: int) -> list[tuple[int, float]]:
    """The ``k`` best of ``docs`` scoring ``got``: highest score, then lowest
    document number."""
    if len(docs) > k:  # everything scoring at least the k-th best, ties included
        kth = np.partition(got, len(got) - k)[len(got) - k]
        keep = got >= kth
        docs, got = docs[keep], got[keep]
    best = np.lexsort((docs, -got))[:k]  # highest score, then lowest docnum
    return [(int(docs[i]), float(got[i])) for i in best]


def _pruned(searcher, leaves, candidates, k, postings: Postings, lengths, B, K1, allowed_for):
    """The exhaustive loop of :func:`top_scored` (without coordination) run
    only over the document ranges that can hold the top ``k``
    (:func:`~paperbrowse.core.engine.blockmax.pruned_top`): ``(docs, scores)``
    holding every document scoring at least the ``k``-th best, each with its
    exact score; ``None`` when a negative boost or idf would make the bounds
    unsound (the caller then scores every posting)."""
    count = postings.count
    size = blockmax.RANGE
    ranges = max(1, -(-count // size))
    upper = np.zeros(ranges)
    plan = []  # per leaf: None (a numeric range) or (term, bounds, top, k1b, per)
    for field, text, boost, _ in leaves:
        if boost < 0:
            return None
        if field is None:
            upper += boost
            plan.append(None)
            continue
        btext = text if isinstance(text, bytes) else postings.reader.schema[field].to_bytes(text)
        term = postings.term(field, btext)
        if not len(term.ids):
            plan.append((term, None, 0.0, 0.0, 0.0))
            continue
        top, k1b, per = bm25_terms(searcher, field, btext, B, K1)
        if top < 0:
            return None
        bounds = postings.bounds(field, btext, lengths[field])
        upper += blockmax.bound(bounds, boost, top, k1b, per)
        plan.append((term, bounds, top, k1b, per))
    # postings per range, for the size of the first round (a range leaf: every document)
    hint = np.zeros(ranges, dtype=np.int64)
    for planned in plan:
        if planned is None:
            hint += size
        elif planned[1] is not None:
            hint += np.diff(planned[1].edges)
    live = np.ones(count, dtype=bool)
    inside_of: dict[int, np.ndarray] = {}

    # the ranges of a round are new ones: one score per document for every round
    scores = np.zeros(count)
    touched = np.zeros(count, dtype=bool)
    doc_edges = np.minimum(np.arange(ranges + 1, dtype=np.int64) * size, count)

    def score_ranges(chosen: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # the exhaustive loop over the postings of the chosen ranges only
        for i, ((field, text, boost, within), planned) in enumerate(zip(leaves, plan, strict=True)):
            if planned is None:  # a numeric range: its candidates in the chosen ranges
                if i not in inside_of:
                    inside = evaluate(searcher, postings, text, live) & candidates
                    inside_of[i] = np.flatnonzero(inside)
                ids = inside_of[i][chosen[inside_of[i] // size]]
                scores[ids] += boost
                touched[ids] = True
                continue
            term, bounds, top, k1b, per = planned
            if bounds is None:
                continue
            at = blockmax.slices(bounds.edges, chosen)
            ids = term.ids[at]
            keep = allowed_for(within)[ids]
            if not keep.all():
                ids, at = ids[keep], at[keep]
            if not len(ids):
                continue
            part = bm25_of(term.weights[at], _LENGTHS[lengths[field][ids]], top, k1b, per)
            # a term's postings hold each document once: plain indexed adds
            scores[ids] += boost * part
            touched[ids] = True
        docs = blockmax.slices(doc_edges, chosen)
        docs = docs[touched[docs]]
        return docs, scores[docs]

    return blockmax.pruned_top(k, upper, score_ranges, hint)


#: ``BYTE_TO_LENGTH`` as an array, for looking up many encoded lengths at once.
