"""Matching, phrase checks and BM25F top-k over array postings, with NumPy.

A search needs every matching document once, unscored, for the total, the
filters and the facet counts, then the best page of them by BM25F. Whoosh
does both by walking the query's matcher tree one posting at a time in
Python. Here a term's postings are NumPy arrays over the memory-mapped
segment (:func:`~paperbrowse.core.engine.codec.read_term_arrays`; no decoding), the
query tree becomes operations on boolean masks with one entry per document
number (``&``, ``|``, ``~``: a few microseconds per 100,000 documents),
phrases are checked on the positions of the documents holding every word
with sorted-array searches, and the BM25F scores of the candidates are sums
over each term's postings at once. Any query kind not listed in
:func:`match_set` is left to Whoosh's matcher, for that part of the tree only.

Masks are ``numpy.ndarray`` of ``bool`` with one entry per document number of
the reader (``reader.doc_count_all()``, deleted documents included).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import NamedTuple

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA
from whoosh import query
from whoosh.fields import FieldType
from whoosh.query.ranges import NumericRange
from whoosh.query.terms import FuzzyTerm, MultiTerm
from whoosh.reading import TermNotFound
from whoosh.scoring import BM25F
from whoosh.system import pack_ushort

from paperbrowse.core.engine import whoosh_compat as wc
from paperbrowse.core.engine.codec import BYTE_TO_LENGTH, ArrayCodec, read_term_arrays


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
        self._lists: OrderedDict[tuple[str, str], list[list[str]]] = OrderedDict()
        self._lock = threading.Lock()

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
        with self._lock:
            listed = self._lists.get(key)
            if listed is not None:
                self._lists.move_to_end(key)
        fieldobj = reader.schema[fieldname]
        if listed is None:
            listed = _field_words(reader, fieldname, fieldobj.to_bytes(start))
            with self._lock:
                self._lists[key] = listed
                if len(self._lists) > self.KEEP:
                    self._lists.popitem(last=False)
        close: set[str] = set()
        for words in listed:  # one list per segment: matched apart, never merged
            found = process.extract(
                text, words, scorer=OSA.distance, score_cutoff=maxdist, limit=None
            )
            close.update(word for word, _, _ in found)
        return sorted(fieldobj.to_bytes(word) for word in close)


def _field_words(reader, fieldname: str, prefix: bytes) -> list[list[str]]:
    """The words of ``fieldname`` starting with ``prefix``, a sorted list per
    segment of ``reader`` (a word may be in several)."""
    fieldobj = reader.schema[fieldname]
    utf8 = type(fieldobj).from_bytes is FieldType.from_bytes  # text, not numbers
    listed = []
    for leaf, _ in reader.leaf_readers():
        words = segment_words(leaf, fieldname, prefix) if utf8 else None
        if words is None:
            words = [fieldobj.from_bytes(b) for b in leaf.expand_prefix(fieldname, prefix)]
        listed.append(words)
    return listed


#: NumPy types of the position array of Whoosh's ``OrderedHashReader``
#: (typecodes of Python's ``array``, written big-endian).
_POSITION_TYPES = {"B": "u1", "H": ">u2", "i": ">i4", "I": ">u4", "q": ">i8"}


def segment_words(leaf, fieldname: str, prefix: bytes) -> list[str] | None:
    """The terms of ``fieldname`` that start with ``prefix`` in one segment,
    sorted, as text (for a text field, term bytes are UTF-8): what Whoosh's
    ``leaf.expand_prefix`` lists, read from the segment's memory-mapped term
    dictionary with NumPy instead of a cursor step per term.

    Whoosh's term dictionary (``OrderedHashReader``) holds records of key
    length and value length (``!ii``), key, value, in key order, a key being
    the field's number (2 bytes) then the term, and an array of the records'
    positions. Two binary searches find the prefix's run of positions; the
    key bytes of the run are gathered into one buffer, decoded once and split.

    Returns:
        The words, or ``None`` when the dictionary is not memory-mapped or a
        term does not decode as one line of UTF-8 (the caller then asks
        Whoosh).
    """
    found = wc.terms_index(wc.segment_terms(leaf))
    tindex, fieldmap = found if found is not None else (None, None)
    buf = wc.file_buffer(getattr(tindex, "dbfile", None))
    dtype = _POSITION_TYPES.get(getattr(tindex, "extras", {}).get("indextype"))
    if buf is None or fieldmap is None or dtype is None:
        return None
    if fieldname not in fieldmap:
        return []
    start = pack_ushort(fieldmap[fieldname]) + prefix
    positions = np.frombuffer(buf, dtype=dtype, count=tindex.indexlen, offset=tindex.indexbase)
    lo = _first_key_at_least(tindex, positions, start)
    after = _successor(start)
    hi = len(positions) if after is None else _first_key_at_least(tindex, positions, after, lo)
    if lo >= hi:
        return []
    data = np.frombuffer(buf, dtype=np.uint8)
    at = positions[lo:hi].astype(np.int64)
    keylen = np.frombuffer(data[(at[:, None] + np.arange(4)).ravel()].tobytes(), dtype=">i4")
    lengths = keylen.astype(np.int64) - 2  # the term, without the field's number
    n = len(at)
    total = int(lengths.sum())
    key = np.repeat(np.arange(n), lengths)  # which key each term byte belongs to
    first = np.cumsum(lengths) - lengths  # each term's first byte in the run of term bytes
    within = np.arange(total) - first[key]
    joined = np.full(total + n - 1, 10, dtype=np.uint8)  # terms separated by newlines
    joined[np.arange(total) + key] = data[at[key] + 10 + within]
    try:
        words = joined.tobytes().decode("utf-8").split("\n")
    except UnicodeDecodeError:
        return None
    return words if len(words) == n else None


def _first_key_at_least(tindex, positions: np.ndarray, key: bytes, lo: int = 0) -> int:
    """The index in ``positions`` of the first record whose key is ``>= key``."""
    hi = len(positions)
    key_at = tindex.key_at
    while lo < hi:
        mid = (lo + hi) // 2
        if key_at(int(positions[mid])) < key:
            lo = mid + 1
        else:
            hi = mid
    return lo


def _successor(key: bytes) -> bytes | None:
    """The smallest byte string greater than every string starting with
    ``key`` (``None``: there is none, ``key`` is all ``0xff``)."""
    stripped = key.rstrip(b"\xff")
    if not stripped:
        return None
    return stripped[:-1] + bytes([stripped[-1] + 1])


class TermPostings(NamedTuple):
    """The postings of one term over every segment of a reader.

    Attributes:
        ids: document numbers, ascending, deleted ones included (``int32``, n).
        weights: term frequency of each (``float32``, n).
        positions: word positions of each posting, concatenated in ``ids``
            order (``uint32``; ``counts[i]`` of them for posting ``i``), or
            ``None`` when the field records no positions.
        counts: positions per posting (``int32``, n), or ``None``.
    """

    ids: np.ndarray
    weights: np.ndarray
    positions: np.ndarray | None = None
    counts: np.ndarray | None = None

    @property
    def size(self) -> int:
        """Postings plus positions held (what :class:`DecodedCache` counts)."""
        return len(self.ids) + (0 if self.positions is None else len(self.positions))


_NONE = TermPostings(np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32))


class DecodedCache:
    """Term postings and scores kept between the searches of one index state.

    A term's arrays over several segments are concatenated copies, and its
    BM25 scores a few array operations per posting; typing re-runs the query
    with the same leading words at every keystroke. The postings and scores
    of recently used terms are kept here, least recently used dropped first
    beyond :attr:`limit` entries (postings, positions, scores: 4 to 8 bytes
    each). Safe to share between threads.
    """

    #: Postings, positions and scores kept: 12 million, about 100 MB (a word
    #: in 78% of a million papers: 0.8 million postings, 1.2 million positions).
    LIMIT = 12_000_000

    def __init__(self, limit: int = LIMIT) -> None:
        self.limit = limit
        self._items: OrderedDict[tuple, TermPostings] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: tuple) -> TermPostings | None:
        """The postings of ``(field, text)`` if kept."""
        with self._lock:
            got = self._items.get(key)
            if got is not None:
                self._items.move_to_end(key)
            return got

    def replace(self, key: tuple, postings: TermPostings) -> None:
        """Keep ``postings`` for ``key`` instead of what was kept (the same
        postings, now with their positions)."""
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._size -= _size(old)
        self.put(key, postings)

    def put(self, key: tuple, postings: TermPostings | np.ndarray) -> None:
        """Keep the postings of ``(field, text)``, or a term's scores (an
        array; not one over a quarter of the limit)."""
        size = _size(postings)
        if size > self.limit // 4:
            return  # one term would push out everything else
        with self._lock:
            if key in self._items:
                return
            self._items[key] = postings
            self._size += size
            while self._size > self.limit:
                _, old = self._items.popitem(last=False)
                self._size -= _size(old)


def _size(kept) -> int:
    """What :class:`DecodedCache` counts for a kept item: postings and
    positions, or a score array's length."""
    return kept.size if isinstance(kept, TermPostings) else len(kept)


class Postings:
    """The postings of the terms of one search, each read once.

    ``term(field, text)`` gives a :class:`TermPostings`; ``docs`` and
    ``weights`` its arrays; ``expand(q)`` the terms of a multi-term query
    (fuzzy words through ``vocabulary``, which outlives the search).

    Args:
        reader: a Whoosh reader (its segments' document numbers are offset
            by each segment's base).
        vocabulary: the index state's term lists, for fuzzy words.
        kept: postings kept between searches of the index state.
        columns: per-document values of numeric fields
            (``{"year": int array, ...}``, one per document number; a
            missing value is :data:`MISSING`), with which numeric ranges are
            answered instead of Whoosh's trie terms.
    """

    def __init__(
        self,
        reader,
        vocabulary: Vocabulary | None = None,
        kept: DecodedCache | None = None,
        columns: Mapping[str, np.ndarray] | None = None,
    ) -> None:
        self.reader = reader
        self.count = reader.doc_count_all()
        self.vocabulary = vocabulary if vocabulary is not None else Vocabulary()
        self.kept = kept
        self.columns = columns or {}
        self._seen: dict[tuple, TermPostings] = {}
        self._expanded: dict[object, list] = {}
        #: documents of each phrase of the search, as a mask
        self.phrases: dict[query.Phrase, np.ndarray] = {}

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
                got = sorted(set(wc.multiterm_btexts(q, self.reader)))
            self._expanded[q] = got
        return got

    def term(self, fieldname: str, text, positions: bool = False) -> TermPostings:
        """The postings of ``(fieldname, text)``; ``text`` as typed or encoded.
        Positions are read only when asked for (a phrase), and only for a
        field that records them."""
        if not isinstance(text, bytes):
            if fieldname not in self.reader.schema:
                return _NONE
            text = self.reader.schema[fieldname].to_bytes(text)
        key = (fieldname, text)
        got = self._seen.get(key)
        if got is None and self.kept is not None:
            got = self.kept.get(key)
        if got is None or (positions and got.positions is None and _has_positions(self, key)):
            got = _read(self.reader, fieldname, text, positions)
            if self.kept is not None:
                self.kept.replace(key, got)
        self._seen[key] = got
        return got

    def docs(self, fieldname: str, text) -> np.ndarray:
        return self.term(fieldname, text).ids

    def weights(self, fieldname: str, text) -> np.ndarray:
        return self.term(fieldname, text).weights

    def bm25(self, fieldname: str, text, searcher, lengths: np.ndarray, B: float, K1: float):
        """Each posting's BM25 score for ``(fieldname, text)`` before the
        query's boost (``float64``, in the order of :meth:`docs`): the same
        float64 operations, in the same order, as Whoosh's ``BM25F``. Kept
        with the postings of the index state (:class:`DecodedCache`), so a
        query typed on from the same words scores them once.

        Args:
            lengths: the field's encoded length byte per document number.
        """
        if not isinstance(text, bytes):
            text = self.reader.schema[fieldname].to_bytes(text)
        key = ("bm25", fieldname, text)
        got = self.kept.get(key) if self.kept is not None else None
        if got is None:
            term = self.term(fieldname, text)
            tf = term.weights.astype(np.float64)
            idf = searcher.idf(fieldname, text)
            avgfl = searcher.avg_field_length(fieldname) or 1
            length = _LENGTHS[lengths[term.ids]]
            k1b = K1 * (1 - B)
            per = K1 * B / avgfl
            top = idf * (K1 + 1)
            got = top * tf / (tf + k1b + per * length)
            if self.kept is not None:
                self.kept.put(key, got)
        return got

    def mask(self, ids: np.ndarray) -> np.ndarray:
        """A mask true at the document numbers ``ids``."""
        found = np.zeros(self.count, dtype=bool)
        found[ids] = True
        return found


#: A numeric column's value for "no value" (Whoosh's default, 2**31 - 1 for a
#: signed 32-bit field).
MISSING = 2**31 - 1


def _has_positions(postings: Postings, key: tuple) -> bool:
    """True if the field of ``key`` records word positions."""
    schema = postings.reader.schema
    fmt = schema[key[0]].format if key[0] in schema.names() else None
    return bool(fmt and fmt.supports("positions"))


def _read(reader, fieldname: str, text: bytes, positions: bool = False) -> TermPostings:
    """The postings of ``(fieldname, text)`` over every segment of ``reader``
    (their positions too if ``positions``)."""
    parts: list[tuple[int, TermPostings]] = []
    for leaf, base in reader.leaf_readers():
        terms = wc.segment_terms(leaf)
        if isinstance(wc.segment_codec(leaf), ArrayCodec) and terms is not None:
            try:
                terminfo = terms.term_info(fieldname, text)
            except TermNotFound:
                continue
            arrays = read_term_arrays(wc.terms_postfile(terms), terminfo)
            counts = None
            if positions and arrays.positions is not None:
                counts = arrays.weights.astype(np.int32)
            found = arrays.positions if positions else None
            parts.append((base, TermPostings(arrays.ids, arrays.weights, found, counts)))
        else:
            codec = wc.segment_codec(leaf)
            if codec is not None:  # a segment of another codec: Whoosh decodes it
                wc.warn_once(
                    f"a segment written by {type(codec).__name__} has no array postings",
                    "Whoosh's decoding of its postings",
                )
            got = _read_generic(leaf, fieldname, text)
            if got is not None:
                parts.append(
                    (base, got if positions else got._replace(positions=None, counts=None))
                )
    if not parts:
        return _NONE
    if len(parts) == 1:
        base, only = parts[0]
        ids = only.ids.astype(np.int32)  # a copy: views of the map are read-only uint32
        if base:
            ids += base
        return only._replace(ids=ids)
    ids = np.concatenate([p.ids.astype(np.int32) + base for base, p in parts])
    weights = np.concatenate([p.weights for _, p in parts])
    if positions and all(p.positions is not None for _, p in parts):
        positions = np.concatenate([p.positions for _, p in parts])
        counts = np.concatenate([p.counts for _, p in parts])
        return TermPostings(ids, weights, positions, counts)
    return TermPostings(ids, weights)


def _read_generic(leaf, fieldname: str, btext: bytes) -> TermPostings | None:
    """A segment of another codec (Whoosh's own): through its matcher."""
    try:
        m = leaf.postings(fieldname, btext)
    except TermNotFound:
        return None
    fmt = leaf.schema[fieldname].format
    with_positions = fmt.supports("positions")
    ids: list[int] = []
    weights: list[float] = []
    positions: list[int] = []
    counts: list[int] = []
    while m.is_active():
        ids.append(m.id())
        weights.append(m.weight())
        if with_positions:
            got = m.value_as("positions")
            positions.extend(got)
            counts.append(len(got))
        m.next()
    return TermPostings(
        np.asarray(ids, dtype=np.int32),
        np.asarray(weights, dtype=np.float32),
        np.asarray(positions, dtype=np.uint32) if with_positions else None,
        np.asarray(counts, dtype=np.int32) if with_positions else None,
    )


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
    return _eval(searcher, postings, q, live) & live


def _eval(searcher, postings: Postings, q, live: np.ndarray) -> np.ndarray:
    if isinstance(q, query.Term):
        return postings.mask(postings.docs(q.fieldname, q.text))
    if isinstance(q, query.Every):
        return live.copy()
    if q is query.NullQuery or isinstance(q, type(query.NullQuery)):
        return np.zeros(postings.count, dtype=bool)
    if isinstance(q, query.Not):
        return live & ~_eval(searcher, postings, q.query, live)
    if isinstance(q, query.And):
        positive = [c for c in q.subqueries if not isinstance(c, query.Not)]
        negative = [c.query for c in q.subqueries if isinstance(c, query.Not)]
        found = None
        for c in positive:
            got = _eval(searcher, postings, c, live)
            found = got if found is None else np.logical_and(found, got, out=found)
        if found is None:
            found = live.copy()
        for c in negative:
            found &= ~_eval(searcher, postings, c, live)
        return found
    if isinstance(q, (query.Or, query.DisjunctionMax)) and not getattr(q, "minmatch", 0):
        found = np.zeros(postings.count, dtype=bool)
        for c in q.subqueries:
            found |= _eval(searcher, postings, c, live)
        return found
    if isinstance(q, query.AndNot):
        return _eval(searcher, postings, q.a, live) & ~_eval(searcher, postings, q.b, live)
    if isinstance(q, query.AndMaybe):
        return _eval(searcher, postings, q.a, live)
    if isinstance(q, query.Require):
        return _eval(searcher, postings, q.a, live) & _eval(searcher, postings, q.b, live)
    if isinstance(q, query.Phrase):
        if q not in postings.phrases:  # matched once a search, scored from it too
            postings.phrases[q] = _phrase(postings, q)
        found = postings.phrases[q]
        if found is not None:
            return found.copy()
    if isinstance(q, NumericRange):
        column = postings.columns.get(q.fieldname)
        if column is not None and len(column) == postings.count:
            return _in_range(column, q)
        return _eval(searcher, postings, wc.numeric_range_query(q, postings.reader), live)
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


def _phrase(postings: Postings, q: query.Phrase) -> np.ndarray | None:
    """The documents holding the words of phrase ``q`` in order, each within
    ``q.slop`` words after the previous one (Whoosh's ``SpanNear2`` with
    ``mindist=1``, what its ``Phrase`` runs; slop 1: adjacent words), deleted
    ones included, as a mask; ``None`` when the field records no positions.

    The documents holding every word come from the postings (a mask
    intersection); positions are then compared only in those, as sorted
    ``document << 32 | position`` keys: the keys of each next word that
    follow one of the previous word's keys by 1 to ``slop``.
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
    ends = _keys(terms[0], docs)
    for t in terms[1:]:
        keys = _keys(t, docs)
        if slop == 1:
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
    return postings.mask((ends >> 32).astype(np.int64))


def _keys(t: TermPostings, docs: np.ndarray) -> np.ndarray:
    """Sorted ``document << 32 | position`` keys of ``t``'s positions in ``docs``."""
    doc_of = np.repeat(t.ids, t.counts)
    inside = docs[doc_of]
    return (doc_of[inside].astype(np.int64) << 32) | t.positions[inside].astype(np.int64)


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


def top_scored(
    searcher, q: query.Query, candidates: np.ndarray, k: int, postings: Postings
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
    reader = postings.reader
    if len(leaves) == 1 and leaves[0][0] is None:  # a range alone: every candidate ties
        return [(int(d), leaves[0][2]) for d in np.flatnonzero(candidates)[:k]]
    lengths: dict[str, np.ndarray] = {}
    for field, _, _, _ in leaves:
        if field is not None and field not in lengths:
            got = _field_lengths(reader, field)
            if got is None:
                return None
            lengths[field] = got
    B, K1 = weighting.B, weighting.K1
    live = np.ones(postings.count, dtype=bool)
    scores = np.zeros(postings.count)
    touched = np.zeros(postings.count, dtype=bool)
    phrases: dict[int, np.ndarray] = {}
    for field, text, boost, within in leaves:
        if field is None:  # a numeric range: a constant for the candidates in it
            inside = _eval(searcher, postings, text, live) & candidates
            scores[inside] += boost
            touched |= inside
            continue
        allowed = candidates
        if within is not None:
            allowed = phrases.get(id(within))
            if allowed is None:
                allowed = phrases[id(within)] = _eval(searcher, postings, within, live) & candidates
        term = postings.term(field, text)
        if not len(term.ids):
            continue
        part = postings.bm25(field, text, searcher, lengths[field], B, K1)
        chosen = allowed[term.ids]
        if chosen.all():  # a word's own postings, unfiltered: no copies
            ids = term.ids
        else:
            ids, part = term.ids[chosen], part[chosen]
            if not len(ids):
                continue
        # a term's postings hold each document once: plain indexed adds
        scores[ids] += boost * part
        touched[ids] = True
    docs = np.flatnonzero(touched)
    got = scores[docs]
    if scale is not None:
        got = _coordinated(got, docs, leaves, postings, candidates, scale)
    if len(docs) > k:  # everything scoring at least the k-th best, ties included
        kth = np.partition(got, len(got) - k)[len(got) - k]
        keep = got >= kth
        docs, got = docs[keep], got[keep]
    best = np.lexsort((docs, -got))[:k]  # highest score, then lowest docnum
    return [(int(docs[i]), float(got[i])) for i in best]


#: ``BYTE_TO_LENGTH`` as an array, for looking up many encoded lengths at once.
_LENGTHS = np.array(BYTE_TO_LENGTH, dtype=np.float64)
