"""Postings and vocabulary of the index as NumPy arrays, per search.

A term's postings are read over every segment of a reader into one
:class:`TermPostings` (document numbers, weights, positions): straight from
the memory-mapped segment for :class:`~paperbrowse.core.engine.codec.ArrayCodec`
segments (:func:`~paperbrowse.core.engine.records.read_term_arrays`; no
decoding), through Whoosh's matcher for segments of another codec.
:class:`Postings` is one search's view, drawing on a :class:`DecodedCache`
kept per index state; :class:`Vocabulary` finds the indexed words near a
fuzzy or misspelt word. Matching is :mod:`~paperbrowse.core.engine.matching`,
scoring :mod:`~paperbrowse.core.engine.scoring`.
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
from whoosh.query.terms import FuzzyTerm, MultiTerm
from whoosh.reading import TermNotFound
from whoosh.system import pack_ushort

from paperbrowse.core.engine import blockmax
from paperbrowse.core.engine import whoosh_compat as wc
from paperbrowse.core.engine.blockmax import RangeBounds
from paperbrowse.core.engine.codec import BYTE_TO_LENGTH, ArrayCodec
from paperbrowse.core.engine.records import read_term_arrays


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

    #: Answers of :meth:`within` kept (a fuzzy word is expanded for matching,
    #: scoring and highlighting, and again at the next keystroke).
    KEEP_ANSWERS = 256

    def __init__(self) -> None:
        self._lists: OrderedDict[tuple[str, str], list[list[str]]] = OrderedDict()
        self._answers: OrderedDict[tuple, list[bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def within(
        self, reader, fieldname: str, text: str, maxdist: int, prefix: int = 0
    ) -> list[bytes]:
        """The indexed terms of ``fieldname`` (encoded, as Whoosh stores them)
        within ``maxdist`` edits of ``text`` that share its first ``prefix``
        characters, sorted; ``[]`` when the field is not in the schema."""
        if fieldname not in reader.schema:
            return []
        asked = (fieldname, text, maxdist, prefix)
        with self._lock:
            answer = self._answers.get(asked)
            if answer is not None:
                self._answers.move_to_end(asked)
                return list(answer)
        answer = self._within(reader, fieldname, text, maxdist, prefix)
        with self._lock:
            self._answers[asked] = answer
            if len(self._answers) > self.KEEP_ANSWERS:
                self._answers.popitem(last=False)
        return list(answer)

    def _within(self, reader, fieldname: str, text: str, maxdist: int, prefix: int) -> list[bytes]:
        """:meth:`within`, computed."""
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


#: The postings of a term no document holds.
NO_POSTINGS = TermPostings(np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32))


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
        self._per_document: dict[tuple, np.ndarray] = {}

    def per_document(self, key: tuple, compute) -> np.ndarray | None:
        """An array with one value per document (a field's lengths, ...) for
        ``key``, ``compute()`` the first time; kept apart from the postings
        and not counted against :attr:`limit` (a few per field: at a million
        papers each would push out a million postings)."""
        with self._lock:
            got = self._per_document.get(key)
        if got is None:
            got = compute()
            if got is not None:
                with self._lock:
                    got = self._per_document.setdefault(key, got)
        return got

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
    positions, a score array's length, or a kept object's ``size``."""
    return int(kept.size)


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
                return NO_POSTINGS
            text = self.reader.schema[fieldname].to_bytes(text)
        key = (fieldname, text)
        got = self._seen.get(key)
        if got is None and self.kept is not None:
            got = self.kept.get(key)
        if got is None or (positions and got.positions is None and has_positions(self, key)):
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
            top, k1b, per = bm25_terms(searcher, fieldname, text, B, K1)
            scaled = self.scaled_lengths(fieldname, lengths, per)
            tf = term.weights.astype(np.float64)
            # bm25_of's operations, per × length looked up instead of computed
            got = top * tf / (tf + k1b + scaled[term.ids])
            if self.kept is not None:
                self.kept.put(key, got)
        return got

    def scaled_lengths(self, fieldname: str, lengths: np.ndarray, per: float) -> np.ndarray:
        """``per × decoded field length`` of every document (``float64``; the
        product :func:`bm25_of` computes per posting), kept for the index
        state: a term's BM25 then gathers one number per posting."""
        if self.kept is None:
            return per * _LENGTHS[lengths]
        key = ("scaled lengths", fieldname, per)
        return self.kept.per_document(key, lambda: per * _LENGTHS[lengths])

    def bounds(self, fieldname: str, text, lengths: np.ndarray) -> RangeBounds:
        """The term's per-range bounds (:func:`~paperbrowse.core.engine.blockmax.range_bounds`),
        kept with its postings for the index state.

        Args:
            lengths: the field's encoded length byte per document number.
        """
        if not isinstance(text, bytes):
            text = self.reader.schema[fieldname].to_bytes(text)
        key = ("bounds", blockmax.RANGE, fieldname, text)
        got = self.kept.get(key) if self.kept is not None else None
        if got is None:
            term = self.term(fieldname, text)
            got = blockmax.range_bounds(term.ids, term.weights, lengths, self.count, _LENGTHS)
            if self.kept is not None:
                self.kept.put(key, got)
        return got

    def mask(self, ids: np.ndarray) -> np.ndarray:
        """A mask true at the document numbers ``ids``."""
        found = np.zeros(self.count, dtype=bool)
        found[ids] = True
        return found


def bm25_terms(searcher, fieldname: str, btext: bytes, B: float, K1: float) -> tuple:
    """``(top, k1b, per)`` of a term's BM25 with the searcher's current
    statistics: ``idf × (K1 + 1)``, ``K1 × (1 - B)`` and ``K1 × B / average
    field length`` (Whoosh's ``BM25F`` terms, computed as it does)."""
    idf = searcher.idf(fieldname, btext)
    avgfl = searcher.avg_field_length(fieldname) or 1
    return idf * (K1 + 1), K1 * (1 - B), K1 * B / avgfl


def bm25_of(weights: np.ndarray, length: np.ndarray, top: float, k1b: float, per: float):
    """BM25 of postings of term frequencies ``weights`` in fields of decoded
    lengths ``length`` (``float64``), in Whoosh's float64 operations and
    order: ``top × tf / (tf + k1b + per × length)``."""
    tf = weights.astype(np.float64)
    return top * tf / (tf + k1b + per * length)


#: A numeric column's value for "no value" (Whoosh's default, 2**31 - 1 for a
#: signed 32-bit field).
MISSING = 2**31 - 1


def has_positions(postings: Postings, key: tuple) -> bool:
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
        return NO_POSTINGS
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


#: Field length of each length byte (Whoosh's one-byte encoding), for BM25F.
_LENGTHS = np.array(BYTE_TO_LENGTH, dtype=np.float64)
