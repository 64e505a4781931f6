"""The set of documents a query matches, unscored, with set operations in C.

A search needs every matching document once, unscored, for the total, the
filters and the facet counts. Whoosh's ``Searcher.docs_for_query`` walks the
query's matcher tree one posting at a time in Python: a union of four field
postings for a one-word query means several method calls per posting. Here a
term's postings are decoded a block at a time (Whoosh stores a block of up to
128 document numbers as a pickled array of deltas; ``itertools.accumulate``
undoes the deltas in C) and the query tree becomes operations on Python sets
(union, intersection, difference, also in C). Phrases and any query kind not
listed in :func:`match_set` are left to Whoosh's matcher, for that part of the
tree only.
"""

from __future__ import annotations

import heapq
import threading
from array import array
from collections import OrderedDict
from collections.abc import Callable
from itertools import accumulate
from pickle import loads

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA
from whoosh import query
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.formats import Positions
from whoosh.query.ranges import NumericRange
from whoosh.query.terms import FuzzyTerm, MultiTerm
from whoosh.reading import TermNotFound
from whoosh.scoring import BM25F

from paperbrowse.core.codec import BYTE_TO_LENGTH


class Vocabulary:
    """The terms of the index by field and first letters, for fuzzy words.

    Whoosh finds the terms within an edit distance of a fuzzy word (``vidoe~``,
    and the search bar's spelling suggestions) by computing a Damerau-
    Levenshtein distance in Python for every indexed term that shares the
    word's prefix: 18,000 distances, 0.4 s, for one word at 100,000 papers.
    Here the terms of a ``(field, prefix)`` are listed once per index state
    (kept for the :data:`KEEP` most recent prefixes) and compared in one call
    to rapidfuzz's C++ optimal-string-alignment distance (insertions,
    deletions, substitutions and swaps of two adjacent letters each count one
    edit, as in Whoosh's multi-segment search).
    """

    #: ``(field, prefix)`` term lists kept (a prefix of one letter: about a
    #: twentieth of a field's terms each).
    KEEP = 64

    def __init__(self) -> None:
        self._lists: OrderedDict[tuple[str, str], tuple[list[str], list[bytes]]] = OrderedDict()

    def within(
        self, reader, fieldname: str, text: str, maxdist: int, prefix: int = 0
    ) -> list[bytes]:
        """The indexed terms of ``fieldname`` (encoded, as Whoosh stores them)
        within ``maxdist`` edits of ``text`` that share its first ``prefix``
        characters, sorted; ``[]`` when the field is not in the schema."""
        if fieldname not in reader.schema:
            return []
        start = text[:prefix]
        key = (fieldname, start)
        listed = self._lists.get(key)
        if listed is None:
            fieldobj = reader.schema[fieldname]
            encoded = list(reader.expand_prefix(fieldname, start))
            listed = ([fieldobj.from_bytes(b) for b in encoded], encoded)
            self._lists[key] = listed
            if len(self._lists) > self.KEEP:
                self._lists.popitem(last=False)
        else:
            self._lists.move_to_end(key)
        words, encoded = listed
        close = process.extract(text, words, scorer=OSA.distance, score_cutoff=maxdist, limit=None)
        return sorted(encoded[index] for _, _, index in close)


class DecodedCache:
    """Decoded postings kept between the searches of one index state.

    Typing a query re-runs it at every keystroke with the same leading words
    (``diffusion m``, ``diffusion mo``, ...), and a researcher's queries share
    their field's common words; decoding a common word's postings is most of
    a search's time. The document numbers and term frequencies of recently
    used terms are kept here as arrays (8 bytes a posting), least recently
    used dropped first beyond :attr:`limit` postings. Positions are not kept.
    Safe to share between threads.
    """

    #: Postings kept: 4 million, 32 MB.
    LIMIT = 4_000_000

    def __init__(self, limit: int = LIMIT) -> None:
        self.limit = limit
        self._items: OrderedDict[tuple, tuple[array, array]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: tuple) -> tuple[array, array] | None:
        """``(ids, weights)`` of ``(field, text)`` if kept."""
        with self._lock:
            got = self._items.get(key)
            if got is not None:
                self._items.move_to_end(key)
            return got

    def put(self, key: tuple, ids: list[int], weights: list[float]) -> None:
        """Keep the decoded postings of ``(field, text)``."""
        if len(ids) > self.limit // 4:
            return  # one term would push out everything else
        kept = (array("i", ids), array("f", weights))
        with self._lock:
            if key in self._items:
                return
            self._items[key] = kept
            self._size += len(ids)
            while self._size > self.limit:
                _, (old, _) = self._items.popitem(last=False)
                self._size -= len(old)


class Postings:
    """Decoded postings of the terms of one search, each decoded once.

    ``docs(field, text)`` gives the document numbers (over every segment of
    ``reader``, deleted ones included) whose ``field`` holds the term;
    ``weights(field, text)`` the term frequency of each, in the same order;
    ``expand(q)`` the terms of a multi-term query (fuzzy words through
    ``vocabulary``, which outlives the search).
    """

    def __init__(
        self, reader, vocabulary: Vocabulary | None = None, kept: DecodedCache | None = None
    ) -> None:
        self.reader = reader
        self.vocabulary = vocabulary if vocabulary is not None else Vocabulary()
        self.kept = kept
        self._seen: dict[tuple, tuple[list[int], list[float]]] = {}
        self._expanded: dict[object, list] = {}
        self._positions: dict[tuple, Callable[[int], list[int]]] = {}
        #: documents of each phrase of the search (``None``: left to Whoosh)
        self.phrases: dict[query.Phrase, set[int] | None] = {}

    def expand(self, q: MultiTerm) -> list:
        """The indexed terms (encoded) a prefix, wildcard, fuzzy or other
        multi-term query stands for; for a field not in the schema, none."""
        got = self._expanded.get(q)
        if got is None:
            if isinstance(q, FuzzyTerm):
                got = self.vocabulary.within(
                    self.reader, q.fieldname, q.text, q.maxdist, q.prefixlength
                )
            elif q.field() not in self.reader.schema:
                got = []
            else:
                got = sorted(set(q._btexts(self.reader)))
            self._expanded[q] = got
        return got

    def docs(self, fieldname: str, text) -> list[int]:
        return self._get(fieldname, text)[0]

    def weights(self, fieldname: str, text) -> list[float]:
        return self._get(fieldname, text)[1]

    def positions(self, fieldname: str, text):
        """A function ``docnum -> [position, ...]`` (word positions counted
        from 0) for the documents holding the term, or ``None`` when the
        field does not record positions."""
        key = (fieldname, text)
        got = self._positions.get(key)
        if got is None:
            ids, _, values = self._get(fieldname, text, values=True)
            fmt = self.reader.schema[fieldname].format
            if values is None or not fmt.supports("positions"):
                return None
            index = dict(zip(ids, range(len(ids)), strict=True))
            if type(fmt) is Positions:
                # Whoosh's encoding: a 4-byte count, then a protocol-2 pickle
                # of the position deltas without its closing STOP opcode
                def got(d, values=values, index=index):
                    return list(accumulate(loads(values[index[d]][4:] + b".")))
            else:

                def got(d, values=values, index=index, decode=fmt.decode_positions):
                    return decode(values[index[d]])

            self._positions[key] = got
        return got

    def _get(self, fieldname: str, text, values: bool = False) -> tuple:
        """``(ids, weights, values)``; ``values`` is ``False`` (not decoded)
        when taken from the shared cache, unless ``values`` is asked for."""
        key = (fieldname, text)
        got = self._seen.get(key)
        if got is None or (values and got[2] is False):
            kept = self.kept.get(key) if self.kept is not None and not values else None
            if kept is not None:
                got = (kept[0], kept[1], False)
            else:
                got = _decode(self.reader, fieldname, text)
                if self.kept is not None:
                    self.kept.put(key, got[0], got[1])
            self._seen[key] = got
        return got


def _decode(reader, fieldname: str, text) -> tuple[list[int], list[float], list | None]:
    """Whoosh keeps a block of up to 128 postings as a pickled tuple of delta-
    encoded document numbers, weights and values (positions); a block is
    unpickled whole and its deltas undone with ``itertools.accumulate``. The
    values (encoded positions, one ``bytes`` per posting) are kept for phrase
    checks; ``None`` if a segment stores none."""
    ids: list[int] = []
    weights: list[float] = []
    values: list | None = []
    for leaf, base in reader.leaf_readers():
        try:
            m = leaf.postings(fieldname, text)
        except TermNotFound:
            continue
        if not isinstance(m, W3LeafMatcher):  # another codec: the generic way
            while m.is_active():
                ids.append(m.id() + base)
                weights.append(m.weight())
                if values is not None:
                    values.append(m.value())
                m.next()
            continue
        while m.is_active():  # one posting block per turn
            if m._data is None:
                m._read_data()
            block = accumulate(m._data[0], initial=base)
            next(block)  # the base itself
            ids.extend(block)
            if values is not None:
                v = m._data[2]
                if isinstance(v, tuple):
                    values.extend(v)
                else:  # fixed-size or no values: no positions
                    values = None
            w = m._data[1]
            if w is None or isinstance(w, float):  # every weight 1.0 / the same
                weights.extend([1.0 if w is None else w] * m._blocklength)
            else:
                weights.extend(w)
            m._next_block()
    return ids, weights, values


def match_set(searcher, q: query.Query, live, postings: Postings | None = None) -> set[int]:
    """Every document number matching ``q`` (a Whoosh query), as a set.

    Args:
        searcher: a Whoosh ``Searcher``.
        q: the parsed query.
        live: the documents not deleted (a set); the result holds no others.
        postings: decoded postings to reuse (and fill) across calls for the
            same search.

    Scores are not computed; boosts are irrelevant here. Term, And, Or,
    AndNot, AndMaybe, Require, Not, DisjunctionMax, Every, NullQuery,
    numeric ranges and every multi-term query (prefix, wildcard, fuzzy,
    variations, term range) are set operations; anything else (phrases,
    spans) is Whoosh's ``docs_for_query`` on that subquery.
    """
    postings = postings or Postings(searcher.reader())
    found = _eval(searcher, postings, q, live)
    return found & live if len(found) else found


def _eval(searcher, postings: Postings, q, live) -> set[int]:
    reader = postings.reader
    if isinstance(q, query.Term):
        return set(postings.docs(q.fieldname, q.text))
    if isinstance(q, query.Every):
        return set(live)
    if q is query.NullQuery or isinstance(q, type(query.NullQuery)):
        return set()
    if isinstance(q, query.Not):
        return set(live) - _eval(searcher, postings, q.query, live)
    if isinstance(q, query.And):
        positive = [c for c in q.subqueries if not isinstance(c, query.Not)]
        negative = [c.query for c in q.subqueries if isinstance(c, query.Not)]
        if positive:
            sets = sorted((_eval(searcher, postings, c, live) for c in positive), key=len)
            found = sets[0].intersection(*sets[1:])
        else:
            found = set(live)
        for c in negative:
            if not found:
                break
            found -= _eval(searcher, postings, c, live)
        return found
    if isinstance(q, (query.Or, query.DisjunctionMax)) and not getattr(q, "minmatch", 0):
        found: set[int] = set()
        for c in q.subqueries:
            found |= _eval(searcher, postings, c, live)
        return found
    if isinstance(q, query.AndNot):
        return _eval(searcher, postings, q.a, live) - _eval(searcher, postings, q.b, live)
    if isinstance(q, query.AndMaybe):
        return _eval(searcher, postings, q.a, live)
    if isinstance(q, query.Require):
        return _eval(searcher, postings, q.a, live) & _eval(searcher, postings, q.b, live)
    if isinstance(q, query.Phrase):
        if q not in postings.phrases:  # matched once a search, scored from it too
            postings.phrases[q] = _phrase(postings, q)
        found = postings.phrases[q]
        if found is not None:
            return set(found)
    if isinstance(q, NumericRange):
        return _eval(searcher, postings, q._compile_query(reader), live)
    if isinstance(q, MultiTerm):
        found = set()
        for btext in postings.expand(q):
            found.update(postings.docs(q.field(), btext))
        return found
    return set(searcher.docs_for_query(q))


_NEXT = (1).__add__


def _phrase(postings: Postings, q: query.Phrase) -> set[int] | None:
    """The documents holding the words of phrase ``q`` in order, each within
    ``q.slop`` words after the previous one (Whoosh's ``SpanNear2`` with
    ``mindist=1``, what its ``Phrase`` runs; slop 1: adjacent words), deleted
    ones included; ``None`` when the field records no positions.

    The documents holding every word come from the decoded postings (a set
    intersection in C); positions are decoded only for those.
    """
    reader = postings.reader
    field, words = q.fieldname, q.words
    if field not in reader.schema or not words:
        return set()
    if any((field, w) not in reader for w in words):
        return set()
    docs = set(postings.docs(field, words[0])).intersection(
        *(postings.docs(field, w) for w in words[1:])
    )
    if not docs:
        return set()
    positions = [postings.positions(field, w) for w in words]
    if any(p is None for p in positions):
        return None
    slop = q.slop
    first, rest = positions[0], positions[1:]
    found = set()
    for d in docs:
        ends = first(d)
        for word_positions in rest:
            if slop == 1:  # the next word right after: shift and intersect, in C
                ends = set(map(_NEXT, ends)).intersection(word_positions(d))
            else:
                ends = [p for p in word_positions(d) if any(1 <= p - e <= slop for e in ends)]
            if not ends:
                break
        else:
            found.add(d)
    return found


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


def top_scored(
    searcher, q: query.Query, candidates, k: int, postings: Postings
) -> list[tuple[int, float]] | None:
    """The ``k`` best of ``candidates`` for ``q`` by Whoosh's BM25F, best first.

    For a query of terms, phrases, fuzzy words and numeric ranges joined by
    AND and OR (what the search bar's input parses to) a matching document's
    Whoosh score is the sum, over the terms it holds, of ``boost × bm25(idf,
    tf, field length)`` (a phrase's words count where the phrase occurs; a
    range adds a constant); that sum is computed here from the decoded
    postings, with NumPy over each term's postings at once, instead of
    Whoosh's matcher tree (several Python calls per posting).
    Ties go to the lower document number, as in Whoosh.

    Args:
        searcher: a Whoosh ``Searcher`` using BM25F (Whoosh's default).
        q: the parsed query.
        candidates: the document numbers that match ``q`` and pass the filters
            (a set); only these are scored.
        k: how many to return.
        postings: the search's decoded postings.

    Returns:
        ``[(docnum, score), ...]``, or ``None`` when the query has another
        shape or a segment was written without
        :class:`~paperbrowse.core.codec.PaperCodec` (the caller then asks Whoosh).
    """
    weighting = searcher.weighting
    if not isinstance(weighting, BM25F) or weighting._field_B or k <= 0:
        return None
    leaves = _scored_leaves(q, postings)
    if leaves is None:
        return None
    if not leaves:  # fuzzy words standing for no indexed word
        return []
    reader = postings.reader
    if len(leaves) == 1 and leaves[0][0] is None:  # a range alone: every candidate ties
        return [(d, leaves[0][2]) for d in heapq.nsmallest(k, candidates)]
    lengths: dict[str, bytes] = {}
    for field, _, _, _ in leaves:
        if field is not None and field not in lengths:
            parts = []
            for leaf, _base in reader.leaf_readers():
                perdoc = getattr(leaf, "_perdoc", None)
                if not hasattr(perdoc, "length_bytes"):
                    return None
                raw = perdoc.length_bytes(field)
                # no length column: no document of the segment has the field
                parts.append(bytes(leaf.doc_count_all()) if raw is None else raw)
            lengths[field] = b"".join(parts)
    B, K1 = weighting.B, weighting.K1
    count = reader.doc_count_all()
    scores = np.zeros(count)
    touched = np.zeros(count, dtype=bool)
    in_candidates = _mask(candidates, count)
    phrases: dict[int, np.ndarray] = {}
    for field, text, boost, within in leaves:
        if field is None:  # a numeric range: a constant for the candidates in it
            inside = _ids(_eval(searcher, postings, text, candidates) & candidates)
            scores[inside] += boost
            touched[inside] = True
            continue
        allowed = in_candidates
        if within is not None:
            allowed = phrases.get(id(within))
            if allowed is None:
                found = _eval(searcher, postings, within, candidates) & candidates
                allowed = phrases[id(within)] = _mask(found, count)
        ids = _as_numpy(postings.docs(field, text), np.int32)
        if not len(ids):
            continue
        chosen = allowed[ids]
        ids = ids[chosen]
        tf = _as_numpy(postings.weights(field, text), np.float32)[chosen].astype(np.float64)
        idf = searcher.idf(field, text)
        avgfl = searcher.avg_field_length(field) or 1
        length = _LENGTHS[np.frombuffer(lengths[field], dtype=np.uint8)[ids]]
        k1b = K1 * (1 - B)
        per = K1 * B / avgfl
        top = idf * (K1 + 1)
        # the same float64 operations, in the same order, as Whoosh's BM25F
        # (a term's postings hold each document once: plain indexed adds)
        scores[ids] += boost * (top * tf / (tf + k1b + per * length))
        touched[ids] = True
    docs = np.flatnonzero(touched)
    got = scores[docs]
    if len(docs) > k:  # everything scoring at least the k-th best, ties included
        kth = np.partition(got, len(got) - k)[len(got) - k]
        keep = got >= kth
        docs, got = docs[keep], got[keep]
    best = np.lexsort((docs, -got))[:k]  # highest score, then lowest docnum
    return [(int(docs[i]), float(got[i])) for i in best]


#: ``BYTE_TO_LENGTH`` as an array, for looking up many encoded lengths at once.
_LENGTHS = np.array(BYTE_TO_LENGTH, dtype=np.float64)


def _as_numpy(values, dtype) -> np.ndarray:
    """Decoded postings (a ``list`` or an ``array.array``) as a NumPy array."""
    if isinstance(values, array):
        return np.frombuffer(values, dtype=np.int32 if values.typecode == "i" else np.float32)
    return np.asarray(values, dtype=dtype)


def _ids(docs: set[int]) -> np.ndarray:
    return np.fromiter(docs, dtype=np.int64, count=len(docs))


def _mask(docs: set[int], count: int) -> np.ndarray:
    """A boolean array over the ``count`` documents, true for ``docs``."""
    mask = np.zeros(count, dtype=bool)
    mask[_ids(docs)] = True
    return mask
