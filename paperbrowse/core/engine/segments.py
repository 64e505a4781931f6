"""Writing one segment: postings gathered in flat arrays, written term by term.

Whoosh's ``SegmentWriter`` puts every posting into a ``PostingPool``: a
Python tuple per posting (about 180 bytes), sorted in runs of ``limitmb``
that are pickled to temporary files and merged back one posting at a time,
then handed one by one to the field writer. With a paperbrowse document's
~340 postings that was a third of the build. :class:`ArraySegmentWriter`
gathers the postings of its documents in a :class:`MemoryPool` instead (16
bytes a posting plus its positions, in ``array`` buffers), orders them with
one NumPy sort at the end and writes each term's record at once
(:meth:`MemoryPool.write`, through :func:`~paperbrowse.core.engine.codec.write_term`'s
format). The pool lives in memory: a writer whose pool passes its budget
(:attr:`MemoryPool.memory`) spills its postings to a sorted run on disk
(:meth:`ArraySegmentWriter.spill_postings`, :mod:`~paperbrowse.core.engine.runs`)
and goes on, the runs merged when the segment is written (or, the older
way, is finished as a segment and a new one started); an indexing worker
(:func:`~paperbrowse.core.engine.writing._work`) does this, so memory stays
bounded.

The text fields do not go through Whoosh's ``add_document`` at all
(:data:`ARRAY_BUILD`, issue 20): :class:`TokenTerms` turns each text into
token ids, and a batch of documents becomes postings (term, document,
frequency, positions) with NumPy sorts, added to the pool as arrays
(:meth:`MemoryPool.add_arrays`); ``tests/unit/test_array_build.py`` checks
that the index is the one the per-posting path writes.
"""

from __future__ import annotations

import itertools
import os
import re
import struct
import weakref
from array import array

import numpy as np
from whoosh.analysis import IDTokenizer
from whoosh.fields import ID, KEYWORD, NUMERIC, UnknownFieldError, to_sortable
from whoosh.formats import Existence
from whoosh.util.numeric import length_to_byte
from whoosh.writing import IndexingError

from paperbrowse.core.engine import whoosh_compat as wc
from paperbrowse.core.engine.analysis import token_analysis
from paperbrowse.core.engine.codec import BYTE_TO_LENGTH, CompactPositions, MemoFrequency, TokenMemo
from paperbrowse.core.engine.records import field_runs
from paperbrowse.core.engine.whoosh_compat import HookedSegmentWriter

#: Bytes a posting costs in the pool, besides its value (term id, document, weight, value size).
POSTING_BYTES = 16
#: Bytes a distinct term costs in the pool (its key tuple, bytes and dict entry).
TERM_BYTES = 200


class MemoryPool:
    """The postings of the documents a writer has added, in flat arrays.

    Takes Whoosh's pool items (``add((fieldname, btext, docnum, weight,
    value))``, as ``SegmentWriter.add_document`` and ``add_reader`` make
    them) in any term order; a term's postings must come in ascending
    document order, as a writer numbers its documents.
    """

    def __init__(self) -> None:
        self._ids: dict[tuple[str, bytes], int] = {}
        self._term = array("I")
        self._doc = array("I")
        self._weight = array("f")
        self._size = array("I")
        self._blob = bytearray()
        self.fieldnames: set[str] = set()
        #: postings spilled from memory (:meth:`spill`), earliest documents first
        self.runs: list = []

    @property
    def memory(self) -> int:
        """Estimated bytes held (:data:`POSTING_BYTES` a posting, values,
        :data:`TERM_BYTES` a term)."""
        return POSTING_BYTES * len(self._doc) + len(self._blob) + TERM_BYTES * len(self._ids)

    def __len__(self) -> int:
        """Postings held."""
        return len(self._doc)

    def add(self, item) -> None:
        fieldname, btext, docnum, weight, vbytes = item
        key = (fieldname, btext)
        tid = self._ids.get(key)
        if tid is None:
            tid = self._ids[key] = len(self._ids)
            self.fieldnames.add(fieldname)
        self._term.append(tid)
        self._doc.append(docnum)
        self._weight.append(weight)
        if vbytes:
            self._size.append(len(vbytes))
            self._blob += vbytes
        else:
            self._size.append(0)

    def add_arrays(
        self, fieldname: str, btexts: list[bytes], term, doc, weight, size, blob
    ) -> None:
        """Add many postings of field ``fieldname`` at once (no call per posting).

        Args:
            btexts: the term (UTF-8) of each term number.
            term: each posting's term number (an index into ``btexts``).
            doc: each posting's document number; a term's postings in
                ascending document order, after any it already has here.
            weight: each posting's weight (stored as ``float32``).
            size: bytes of each posting's value.
            blob: the values laid end to end, in posting order (``bytes``-like).
        """
        if not len(term):
            return
        self.add_ids(fieldname, self.term_ids(fieldname, btexts)[term], doc, weight, size, blob)

    def term_ids(self, fieldname: str, btexts: list[bytes]) -> np.ndarray:
        """The pool's numbers (``uint32``) of the terms ``btexts`` (UTF-8) of
        field ``fieldname``, numbered here if new; valid for the pool's life."""
        ids = self._ids
        pool_id = np.empty(len(btexts), dtype=np.uint32)
        for n, btext in enumerate(btexts):
            key = (fieldname, btext)
            tid = ids.get(key)
            if tid is None:
                tid = ids[key] = len(ids)
            pool_id[n] = tid
        self.fieldnames.add(fieldname)
        return pool_id

    def add_ids(self, fieldname: str, term, doc, weight, size, blob) -> None:
        """:meth:`add_arrays` with each posting's term as the pool's number
        (:meth:`term_ids`) of a term of field ``fieldname``."""
        self.fieldnames.add(fieldname)
        self._term.frombytes(np.asarray(term, dtype=np.uint32).tobytes())
        self._doc.frombytes(np.asarray(doc, dtype=np.uint32).tobytes())
        self._weight.frombytes(np.asarray(weight, dtype=np.float32).tobytes())
        self._size.frombytes(np.asarray(size, dtype=np.uint32).tobytes())
        self._blob += blob

    def iter_postings(self):
        """Every posting as Whoosh's ``(fieldname, btext, docnum, weight,
        value)``, in term then document order (for Whoosh's own callers).

        Raises:
            ValueError: the pool spilled runs (:meth:`write` merges those).
        """
        if self.runs:
            raise ValueError("a pool that spilled runs is written by MemoryPool.write")
        keys, order, starts, _ = self._sorted()
        doc, weight, size = self._doc, self._weight, self._size
        offsets = np.concatenate(([0], np.cumsum(np.frombuffer(size, np.uint32), dtype=np.int64)))
        blob = bytes(self._blob)
        for n, (fieldname, btext) in enumerate(keys):
            for i in order[starts[n] : starts[n + 1]].tolist():
                value = blob[offsets[i] : offsets[i + 1]]
                yield fieldname, btext, doc[i], weight[i], value

    def cleanup(self) -> None:
        """Drop everything, spilled runs and their files too."""
        for run in self.runs:
            run.close()
        self.__init__()

    def spill(self, names: list[str], path: str | None) -> None:
        """Write the postings held as a sorted run
        (:class:`~paperbrowse.core.engine.runs.Run`) to file ``path``
        (``None``: kept in memory) and hold none: the pool's memory is
        free for more documents, and :meth:`write` merges the runs.

        Args:
            names: the schema's field names, sorted (their ranks order the run's keys).

        Raises:
            OSError: the run cannot be written (the postings are still held).
        """
        from paperbrowse.core.engine.runs import Run, merge_key

        if not self._ids:
            return
        keys, order, starts, _ = self._sorted()
        rank = {name: r for r, name in enumerate(names)}
        merge_keys = [merge_key(rank[fieldname], btext) for fieldname, btext in keys]
        size_all = np.frombuffer(self._size, dtype=np.uint32)
        blob_all = np.frombuffer(self._blob, dtype=np.uint8)
        size, _, values = values_in_order(blob_all, size_all, order)
        run = Run.write(
            path,
            merge_keys,
            starts,
            np.frombuffer(self._doc, dtype=np.uint32)[order],
            np.frombuffer(self._weight, dtype=np.float32)[order],
            size,
            values,
        )
        self.runs.append(run)
        self._ids = {}
        self._release()

    def _release(self) -> None:
        """Free the posting buffers (the term ids stay, for ``memory``)."""
        self._term, self._doc, self._weight, self._size = (array(t) for t in "IIfI")
        self._blob = bytearray()

    def _sorted(self):
        """``(keys in order, posting order, term starts in it, term ids in key order)``."""
        keys = sorted(self._ids)
        ids = np.fromiter((self._ids[k] for k in keys), dtype=np.int64, count=len(keys))
        rank = np.empty(len(keys), dtype=np.int32)
        rank[ids] = np.arange(len(keys), dtype=np.int32)
        by_term = rank[np.frombuffer(self._term, dtype=np.uint32)]
        counts = np.bincount(by_term, minlength=len(keys))
        # a stable order (a term's postings stay in document order) from one
        # sort of (term rank, posting number) keys: NumPy sorts int64 keys with
        # SIMD, about 4 times faster than a stable argsort of the ranks
        order = by_term.astype(np.int64)
        del by_term
        order <<= 32
        for i in range(0, len(order), WRITE_POSTINGS):  # no whole-length arange
            order[i : i + WRITE_POSTINGS] |= np.arange(i, min(i + WRITE_POSTINGS, len(order)))
        order.sort()
        order &= 0xFFFFFFFF
        order = order.astype(np.int32)
        starts = np.concatenate(([0], np.cumsum(counts)))
        return keys, order, starts, ids

    def write(self, schema, perdoc, fieldwriter) -> None:
        """Write every term's record with ``fieldwriter`` (an
        :class:`~paperbrowse.core.engine.codec.ArrayFieldWriter`), fields and terms
        in order, each term's postings in document order.

        Args:
            schema: the writer's Whoosh schema.
            perdoc: the segment's per-document reader (its field lengths give
                each term's shortest and longest document).
            fieldwriter: the segment's field writer.

        Raises:
            ValueError: a term's postings were not added in document order.
        """
        if self.runs:
            self._write_runs(schema, perdoc, fieldwriter)
            return
        if not self._ids:
            return
        keys, order, starts, _ = self._sorted()
        doc_all = np.frombuffer(self._doc, dtype=np.uint32)
        weight_all = np.frombuffer(self._weight, dtype=np.float32)
        size_all = np.frombuffer(self._size, dtype=np.uint32)
        blob_all = np.frombuffer(self._blob, dtype=np.uint8)
        # where each value starts in the pool's blob
        offsets = np.cumsum(size_all, dtype=np.uint32 if len(blob_all) < 2**32 else np.int64)
        offsets -= size_all
        # terms a write at a time, about WRITE_POSTINGS postings each (a term
        # with more alone): only one chunk's sorted copies exist at once
        marks = np.arange(WRITE_POSTINGS, int(starts[-1]), WRITE_POSTINGS)
        ends = np.unique(np.append(np.searchsorted(starts, marks), len(keys)))
        a = 0
        for b in ends.tolist():
            if b <= a:
                continue
            s, e = int(starts[a]), int(starts[b])
            chosen = order[s:e]
            doc = doc_all[chosen]
            bounds = starts[a : b + 1] - s
            later = np.ones(len(doc), dtype=bool)  # postings after the first of their term
            later[bounds[:-1]] = False
            if (later[1:] & (doc[1:] <= doc[:-1])).any():
                raise ValueError("a term's postings were not added in document order")
            del later
            weight = weight_all[chosen]
            size, voff, blob = values_in_order(blob_all, size_all, chosen, offsets)
            del chosen
            lengths = _length_bounds(perdoc, keys[a:b], doc, bounds)
            fieldwriter.write_terms(
                schema, keys[a:b], bounds, doc, weight, size, blob, voff, lengths
            )
            a = b
        self._release()

    def _write_runs(self, schema, perdoc, fieldwriter) -> None:
        """:meth:`write` for a pool that spilled: what it holds made the last
        run (in memory), then every run merged
        (:func:`~paperbrowse.core.engine.runs.write_runs`); the runs'
        files are deleted once written."""
        from paperbrowse.core.engine.runs import write_runs

        self.spill(sorted(schema.names()), None)
        try:
            write_runs(schema, perdoc, fieldwriter, self.runs)
        finally:
            for run in self.runs:
                run.close()
            self.runs = []


#: Postings :meth:`MemoryPool.write` sorts and writes at a time (bounds the
#: sorted copies of the pool: about 40 bytes a posting, besides values).
WRITE_POSTINGS = 1 << 20


#: Postings whose values are gathered at a time (bounds the index arrays: 8 bytes a word).
GATHER_CHUNK = 1 << 20


def values_in_order(blob: np.ndarray, size_all: np.ndarray, order: np.ndarray, offsets=None):
    """The values of the postings ``order`` picks, in that order.

    Args:
        blob: every posting's value laid end to end (``uint8``).
        size_all: bytes of each posting's value.
        order: posting numbers (indexes into ``size_all``).
        offsets: where each posting's value starts in ``blob``, if known
            (else their sizes' running sum).

    Returns:
        ``(size, voff, values)``: the picked postings' sizes, where each of
        their values starts among theirs (``len(order) + 1``, ``int64``),
        and those values laid end to end (``uint8``, :func:`_gather`).
    """
    if offsets is None:
        offsets = np.cumsum(size_all, dtype=np.int64) - size_all
    size = size_all[order]
    voff = np.concatenate(([0], np.cumsum(size, dtype=np.int64)))
    if not len(blob):
        return size, voff, np.zeros(0, dtype=np.uint8)
    return size, voff, _gather(blob, offsets[order].astype(np.int64, copy=False), size, voff)


def _gather(blob: np.ndarray, offsets: np.ndarray, size: np.ndarray, voff: np.ndarray):
    """The values of postings ``i`` (``blob[offsets[i]:offsets[i] + size[i]]``)
    laid end to end (posting ``i`` at ``voff[i]``), as ``uint8``.

    Gathered in 4-byte words when every value is whole words (positions,
    frequencies), a chunk of :data:`GATHER_CHUNK` postings at a time, so the
    index arrays stay a small multiple of one chunk's values."""
    unit = 4 if not (offsets % 4).any() and not (size % 4).any() else 1
    source = blob.view(np.uint32) if unit == 4 else blob
    out = np.empty(int(voff[-1]) // unit, dtype=source.dtype)
    words, starts, ends = size // unit, offsets // unit, voff // unit
    for i in range(0, len(size), GATHER_CHUNK):
        j = min(i + GATHER_CHUNK, len(size))
        lo, hi = int(ends[i]), int(ends[j])
        index = np.repeat(starts[i:j] - ends[i:j], words[i:j]) + np.arange(lo, hi)
        out[lo:hi] = source[index]
    return out.view(np.uint8)


def _length_bounds(perdoc, keys, doc, starts) -> tuple[np.ndarray, np.ndarray]:
    """The shortest (0: none) and longest field length, in tokens, of each
    term's documents (what Whoosh's term info records), for every term."""
    table = np.array((*BYTE_TO_LENGTH, 0), dtype=np.int64)  # 256: no length
    shortest = np.zeros(len(keys), dtype=np.int64)
    longest = np.zeros(len(keys), dtype=np.int64)
    for fieldname, n, end in field_runs(keys):
        raw = perdoc.length_bytes(fieldname) if hasattr(perdoc, "length_bytes") else None
        if raw is not None:
            s, e = starts[n], starts[end]
            got = np.frombuffer(raw, dtype=np.uint8)[doc[s:e]].astype(np.int64)
            bounds = starts[n:end] - s
            longest[n:end] = table[np.maximum.reduceat(got, bounds)]
            shortest[n:end] = table[np.minimum.reduceat(np.where(got > 0, got, 256), bounds)]
    return shortest, longest


# ------------------------------------------------------------ array analysis

#: Build segments through :class:`TokenTerms` and :meth:`MemoryPool.add_arrays`
#: (no Python call per posting). ``False``: Whoosh's ``add_document`` path,
#: one :meth:`MemoryPool.add` per posting (the equality tests compare the two).
ARRAY_BUILD = True
#: Documents whose token ids a writer holds before turning them into postings.
PENDING_DOCS = 512
#: Give the per-document writer the stored fields, lengths and columns of
#: :data:`PENDING_DOCS` documents at a time (:class:`PerDocBuffer`).
#: ``False``: a document at a time, as Whoosh does (the equality tests compare).
PERDOC_BATCH = True
#: Field values whose index items a writer memoises (``ArraySegmentWriter._index``).
INDEX_CACHE = 50_000
#: Tokenizer expressions with groups → the same expression without them (it
#: matches the same text; ``findall`` then gives whole matches): Whoosh's
#: default ``RegexTokenizer`` (the ``spell`` field's).
_UNGROUPED = {r"[\w\*]+(\.?[\w\*]+)*": r"[\w\*]+(?:\.?[\w\*]+)*"}
#: Tokenizer expressions none of whose matches holds a white-space character
#: (``str.isspace``; ``tests/unit/test_analysis_token.py`` tries every code
#: point): a text's matches are those of its white-space-separated chunks,
#: one after another, so :class:`TokenTerms` memoises the chunks
#: (``str.split``, 3× faster than the expression) and analyses each chunk's
#: matches once. Whoosh's default ``RegexTokenizer`` (the ``spell`` field's).
_CHUNKED = frozenset({r"[\w\*]+(\.?[\w\*]+)*"})


class TokenTerms:
    """Index-mode analysis of one analyzer to arrays of ids, memoised per token.

    The array form of :class:`~paperbrowse.core.engine.codec.TokenMemo` (the
    same conditions: a ``RegexTokenizer`` first, filters that act on one
    token at a time): each distinct token gets an id, and for each token id
    the memo keeps its span (positions it takes), and its terms (term ids)
    with their positions relative to the token, in the analyzer's order, in
    flat arrays. A text is then a list of token ids (:meth:`token_ids`), and
    a batch of texts becomes postings with NumPy (:meth:`postings`). With a
    tokenizer expression of :data:`_CHUNKED`, a memoised token is a
    white-space-separated chunk of the text, which may hold several matches.

    Args:
        analyzer: the field's analyzer (:meth:`usable` must be true).
        limit: distinct tokens kept; a memo that holds more is replaced by a
            new one (:func:`token_terms`) once its pending ids are postings.
    """

    def __init__(self, analyzer, limit: int = 200_000) -> None:
        self.analyzer = analyzer
        self.limit = limit
        #: its key in :data:`_TERMS` (set by :func:`token_terms`)
        self.key: object = ("id", id(self))
        self._analyse = token_analysis(analyzer) or self._chain
        expression = analyzer.items[0].expression
        chunked = expression.pattern in _CHUNKED and expression.flags == re.UNICODE
        if expression.groups and expression.pattern in _UNGROUPED:
            # the same matches; findall then gives the whole matches, not the groups
            expression = re.compile(_UNGROUPED[expression.pattern], expression.flags)
        self._finditer = expression.finditer
        self._findall = expression.findall if expression.groups == 0 else None
        #: a chunk's matches (:data:`_CHUNKED`), or ``None``: a token is a match
        self._matches = None
        if expression.pattern == r"\S+" and expression.flags == re.UNICODE:
            # the same tokens: both split at the code points str.isspace() finds
            # (tests/unit/test_analysis_token.py tries every code point), 3× faster
            self._findall = str.split
        elif chunked and self._findall is not None:
            self._matches = self._findall
            self._findall = str.split
        self.clear()

    def clear(self) -> None:
        """Forget every token and term (their ids become invalid)."""
        self.token_id: dict[str, int] = {}
        # int64 arrays (read by NumPy in place, no copy of the whole memo a batch)
        self.span = array("q")  # per token id: positions the token takes
        self.count = array("q")  # per token id: terms it gives
        self.counts: list[int] = []  # the same, as a list (read per token: faster)
        self.first = array("q")  # per token id: where its terms start in the flat arrays
        self.flat_term = array("q")
        self.flat_pos = array("q")
        self.term_id: dict[str, int] = {}
        self.terms: list[str] = []

    def full(self) -> bool:
        """Whether the memo holds :attr:`limit` tokens or more."""
        return len(self.token_id) >= self.limit

    def _chain(self, token: str) -> list[tuple[int, str]]:
        """What the analyzer's chain gives ``token`` (the analyzers
        :func:`~paperbrowse.core.engine.analysis.token_analysis` does not know)."""
        return [(t.pos, t.text) for t in self.analyzer(token, mode="index", positions=True)]

    def _spanned(self, token: str) -> tuple[int, list[tuple[int, str]]]:
        """``(positions token takes, its terms)``; with :attr:`_matches`, the
        token is a chunk: its matches' terms, each match's positions after
        those the matches before it took (as the tokenizer numbers them)."""
        if self._matches is None:
            got = self._analyse(token)
            return (max(p for p, _ in got) + 1 if got else 0), got
        terms: list[tuple[int, str]] = []
        base = 0
        for match in self._matches(token):
            got = self._analyse(match)
            if got:
                terms += [(base + p, text) for p, text in got]
                base += max(p for p, _ in got) + 1
        return base, terms

    def _add(self, token: str) -> int:
        span, got = self._spanned(token)
        tid = len(self.span)
        self.token_id[token] = tid
        self.span.append(span)
        self.count.append(len(got))
        self.counts.append(len(got))
        self.first.append(len(self.flat_term))
        term_id, terms = self.term_id, self.terms
        for pos, text in got:
            n = term_id.get(text)
            if n is None:
                n = term_id[text] = len(terms)
                terms.append(text)
            self.flat_term.append(n)
            self.flat_pos.append(pos)
        return tid

    def token_ids(self, text: str) -> tuple[list[int], int]:
        """``(token ids of text, terms it gives)``: the second is the field's
        length in tokens, as Whoosh counts it (the sum of the frequencies)."""
        words = self._findall(text) if self._findall else [m[0] for m in self._finditer(text)]
        ids = list(map(self.token_id.get, words))
        counts = self.counts
        try:
            return ids, sum(map(counts.__getitem__, ids))
        except TypeError:  # a new token (None): analysed now, once
            get, add, find = self.token_id.get, self._add, ids.index
            n = find(None)  # the new tokens found at C speed, not a loop over all
            while True:
                i = get(words[n])  # a token new twice in this text is known now
                ids[n] = add(words[n]) if i is None else i
                try:
                    n = find(None, n + 1)
                except ValueError:
                    break
            return ids, sum(map(counts.__getitem__, ids))

    def postings(self, docs: list[int], tokens: list[list[int]]):
        """The postings of texts ``tokens[i]`` (token ids, :meth:`token_ids`)
        of documents ``docs[i]`` (ascending).

        Returns:
            ``(term, doc, freq, positions)``: per posting, in term then
            document order, its term id (``int64``), document number and
            frequency (``int64``); and every posting's positions laid end to
            end in that order (``uint32``, a posting's in the order the
            analyzer gives them, as :class:`~paperbrowse.core.engine.codec.TokenMemo`).
        """
        lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
        total = int(lengths.sum())
        tok = np.fromiter(itertools.chain.from_iterable(tokens), dtype=np.int64, count=total)
        span = np.frombuffer(self.span, dtype=np.int64)[tok]
        count = np.frombuffer(self.count, dtype=np.int64)[tok]
        # each token's first position: its span's running sum, from 0 in each text
        before_token = np.cumsum(span) - span
        text_first = np.cumsum(lengths) - lengths  # index of each text's first token
        base = before_token - np.repeat(np.append(before_token, 0)[text_first], lengths)
        # one entry per term of each token
        n = int(count.sum())
        before = np.cumsum(count) - count
        at = np.repeat(np.frombuffer(self.first, dtype=np.int64)[tok] - before, count)
        at += np.arange(n, dtype=np.int64)
        term = np.frombuffer(self.flat_term, dtype=np.int64)[at]
        pos = np.frombuffer(self.flat_pos, dtype=np.int64)[at] + np.repeat(base, count)
        doc = np.repeat(np.repeat(np.asarray(docs, dtype=np.int64), lengths), count)
        key = (term << 32) | doc
        order = np.argsort(key, kind="stable")  # a posting's positions stay in text order
        key = key[order]
        positions = pos[order].astype(np.uint32)
        if not n:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty, positions
        new = np.empty(n, dtype=bool)
        new[0] = True
        np.not_equal(key[1:], key[:-1], out=new[1:])
        firsts = np.flatnonzero(new)
        freq = np.diff(np.append(firsts, n))
        unique = key[firsts]
        return unique >> 32, unique & 0xFFFFFFFF, freq, positions


#: One :class:`TokenTerms` per analyzer object (by id), shared by the writers
#: of a process (a worker's successive segments learn each token once).
_TERMS: dict[object, TokenTerms] = {}
#: id(analyzer) → (a weak reference to it, its key in :data:`_TERMS`).
_KEYS: dict[int, tuple] = {}


def _analyzer_key(analyzer) -> object:
    """What :data:`_TERMS` knows ``analyzer`` by: a canonical description of
    it (:func:`_canonical`: its filters' classes and settings, sets sorted),
    so that equal analyzers share a memo. Each Whoosh writer unpickles the
    index's schema afresh (new analyzer objects; an unpickled set of stop
    words even iterates in another order), so a worker keyed by object
    forgot every token at each segment it started: ~45 times in a
    million-paper build, each relearning up to :attr:`TokenTerms.limit`
    tokens, the old memos left for the garbage collector. An analyzer that
    cannot be described is known by its identity."""
    try:
        return repr(_canonical(analyzer))
    except (TypeError, RecursionError):
        return ("id", id(analyzer))


def _canonical(obj, depth: int = 0):
    """A plain, order-independent description of an analyzer's object graph
    (classes by name, attributes, sets sorted, expressions by pattern,
    functions by name). Raises ``TypeError`` for anything else."""
    import re

    if depth > 12:
        raise TypeError("nested too deeply")
    if obj is None or isinstance(obj, (bool, int, float, str, bytes)):
        return obj
    down = depth + 1
    if isinstance(obj, (set, frozenset)):
        return ("set", tuple(sorted((_canonical(x, down) for x in obj), key=repr)))
    if isinstance(obj, (list, tuple)):
        return (type(obj).__name__, tuple(_canonical(x, down) for x in obj))
    if isinstance(obj, dict):
        items = ((_canonical(k, down), _canonical(v, down)) for k, v in obj.items())
        return ("dict", tuple(sorted(items, key=repr)))
    if isinstance(obj, re.Pattern):
        return ("re", obj.pattern, obj.flags)
    if callable(obj) and hasattr(obj, "__qualname__") and not hasattr(obj, "__dict__"):
        return ("function", getattr(obj, "__module__", None), obj.__qualname__)
    if callable(obj) and type(obj).__name__ in ("function", "_lru_cache_wrapper"):
        return ("function", getattr(obj, "__module__", None), obj.__qualname__)
    if hasattr(obj, "__dict__"):
        cls = type(obj)
        return (cls.__module__, cls.__qualname__, _canonical(vars(obj), down))
    raise TypeError(f"cannot describe {type(obj).__name__}")


def token_terms(analyzer) -> TokenTerms:
    """The current :class:`TokenTerms` of ``analyzer`` and of every analyzer
    equal to it (:func:`_analyzer_key`), made at the first call and again
    after a writer found the last one :meth:`~TokenTerms.full` (a writer
    with token ids of the old one pending keeps it, so its ids stay valid)."""
    known = _KEYS.get(id(analyzer))
    if known is None or known[0]() is not analyzer:
        key = _analyzer_key(analyzer)
        _KEYS[id(analyzer)] = (weakref.ref(analyzer), key)
        weakref.finalize(analyzer, _forget, id(analyzer), key)
    else:
        key = known[1]
    memo = _TERMS.get(key)
    if memo is None:
        memo = _TERMS[key] = TokenTerms(analyzer)
        memo.key = key
    return memo


def _forget(ident: int, key: object) -> None:
    """An analyzer was collected: drop its :data:`_KEYS` entry (and its memo,
    if it was known by its identity)."""
    _KEYS.pop(ident, None)
    if isinstance(key, tuple):
        _TERMS.pop(key, None)


def forget_token_memos() -> None:
    """Drop every analyzer's :class:`TokenTerms` (a worker whose documents
    are all added: its two largest memos held 60–80 MB at a million papers,
    kept through its final merge — though its peak moved only 391 → 388 MB:
    the merge's own arrays set it). Writers with token ids pending keep
    theirs; the next document starts new ones."""
    _TERMS.clear()


def _retire(memo: TokenTerms) -> None:
    """The next document of ``memo``'s analyzers starts a new memo."""
    if _TERMS.get(memo.key) is memo:
        del _TERMS[memo.key]


def field_shifts(field) -> range:
    """The shifts of a ``NUMERIC`` field's trie terms (``NUMERIC.index``'s)."""
    return range(0, field.bits, field.shift_step)


def index_items(field, value) -> list[tuple[bytes, int, float, bytes]]:
    """``list(field.index(value))`` (Whoosh's ``(term bytes, frequency,
    weight, value)`` items), without Whoosh's per-item work where that is
    plain: an ``int`` of an integer ``NUMERIC`` field (its trie terms, each
    ``sortable_to_bytes(sortable, shift)`` as ``NUMERIC.to_bytes`` makes
    them, from one ``prepare_number``/``to_sortable``), a ``str`` of
    an ``ID`` field with Whoosh's ``IDTokenizer`` and ``Existence`` format.

    Raises:
        ValueError: as ``field.index`` (a number out of the field's range).
    """
    kind, fieldtype = type(value), type(field)
    if kind is int and fieldtype is NUMERIC and field.numtype is int and field.shift_step:
        if not field.decimal_places:
            x = to_sortable(int, field.bits, field.signed, field.prepare_number(value))
            to_bytes = field.sortable_to_bytes
            return [(to_bytes(x, shift), 1, 1.0, b"") for shift in field_shifts(field)]
    elif (
        kind is str
        and fieldtype is ID
        and type(field.analyzer) is IDTokenizer
        and type(field.format) is Existence
    ):
        return [(value.encode("utf-8"), 1, field.format.field_boost, b"")]
    return list(field.index(value))


class PerDocBuffer:
    """The stored fields, field lengths and column values of documents a
    writer has added but not yet given to its per-document writer (Whoosh's
    ``W3PerDocWriter``), written a column at a time by :meth:`flush`: the
    bytes Whoosh's ``start_doc``/``add_field``/``add_column_value``/
    ``finish_doc`` write a document at a time (``tests/unit/test_perdoc_batch.py``
    compares every file of the segment), without their ~9 calls a document.

    Args:
        perdocwriter: the segment's ``W3PerDocWriter``.
        pack: a document's stored fields (name → value) → the stored
            column's value (:func:`~paperbrowse.core.engine.whoosh_compat.stored_packer`).
    """

    def __init__(self, perdocwriter, pack) -> None:
        self.perdocwriter = perdocwriter
        self.pack = pack
        self.first = 0  # the first buffered document's number
        self.count = 0
        self.stored: list[bytes] = []
        #: column name → (column type, buffer rows that have a value, their values)
        self.columns: dict[str, tuple] = {}
        #: field name → tokens the buffered documents have in it
        self.totals: dict[str, int] = {}

    def add(self, docnum: int, stored: dict, values: list[tuple], lengths: list[tuple]) -> None:
        """Buffer document ``docnum`` (the next one): its ``stored`` fields,
        ``values`` ``(column name, column type, value)`` in Whoosh's order
        (fields by name; a field's length column, then its own column), and
        ``lengths`` ``(field name, tokens)``."""
        if not self.count:
            self.first = docnum
        row = self.count
        self.stored.append(self.pack(stored) if stored else b"")
        columns = self.columns
        for name, coltype, value in values:
            got = columns.get(name)
            if got is None:
                # created when Whoosh would: at the first document with a value
                wc.column_writer(self.perdocwriter, name, coltype)
                got = columns[name] = (coltype, [], [])
            got[1].append(row)
            got[2].append(value)
        totals = self.totals
        for fieldname, length in lengths:
            totals[fieldname] = totals.get(fieldname, 0) + length
        self.count += 1

    def flush(self) -> None:
        """Write the buffered documents' values to the per-document writer."""
        n = self.count
        if not n:
            return
        pdw, first = self.perdocwriter, self.first
        for name, (coltype, rows, values) in self.columns.items():
            writer = wc.column_writer(pdw, name, coltype)
            if wc.is_plain_column(coltype, varbytes=True):
                full = _laid_out(rows, values, b"")
                wc.append_varbytes(writer, first, b"".join(full), list(map(len, full)))
            elif wc.is_plain_column(coltype):
                typecode, default = wc.numeric_typecode(coltype)
                full = _laid_out(rows, values, default)  # Whoosh writes no trailing default
                if full:
                    packed = struct.pack(f"!{len(full)}{typecode}", *full)
                    wc.append_numbers(writer, first, packed, len(full))
            else:  # another column type: its own writer, a value at a time
                for row, value in zip(rows, values, strict=True):
                    writer.add(first + row, value)
        stored = _laid_out(range(n), self.stored, b"")
        if stored:
            writer = wc.stored_column_writer(pdw)
            wc.append_varbytes(writer, first, b"".join(stored), list(map(len, stored)))
        for fieldname, total in self.totals.items():
            wc.add_field_lengths(pdw, fieldname, total)
        wc.skip_docs(pdw, n)
        self.count = 0
        self.stored = []
        self.columns = {}
        self.totals = {}


def _laid_out(rows, values: list, empty) -> list:
    """``values`` at their ``rows`` (ascending) of a list of ``empty``, up
    to the last row whose value is not ``empty`` (a column writer leaves
    trailing empty values to its ``finish``)."""
    full = [empty] * ((rows[-1] + 1) if len(rows) else 0)
    for row, value in zip(rows, values, strict=True):
        full[row] = value
    last = len(full)
    while last and full[last - 1] == empty:
        last -= 1
    return full[:last]


class ArraySegmentWriter(HookedSegmentWriter):
    """Whoosh's ``SegmentWriter`` with a :class:`MemoryPool` for its postings,
    written by :meth:`MemoryPool.write` (needs :class:`~paperbrowse.core.engine.codec.ArrayCodec`).

    With :data:`ARRAY_BUILD`, :meth:`add_document` analyses the fields whose
    format is token-local (``CompactPositions``/``MemoFrequency`` with
    ``token_local``, a text value, no boost keys) to token ids
    (:class:`TokenTerms`) and keeps them pending; every :data:`PENDING_DOCS`
    documents, and before the segment is written or a reader's documents are
    added, the pending documents become postings with NumPy
    (:meth:`TokenTerms.postings`) and enter the pool as arrays
    (:meth:`MemoryPool.add_arrays`). Other fields go Whoosh's way
    (``Field.index``, one :meth:`MemoryPool.add` per posting). The stored
    fields, lengths and columns are written per document as Whoosh does.

    Raises:
        whoosh.index.LockError: another writer holds the index's lock (unless made by
            :func:`~paperbrowse.core.engine.whoosh_compat.unlocked_writer`).
    """

    def __init__(self, ix, **kwargs) -> None:
        super().__init__(ix, **kwargs)
        self.pool = MemoryPool()
        self.array_build = ARRAY_BUILD
        #: fieldname → (memo, positions format?, field boost, docs, token ids)
        self.pending: dict[str, tuple] = {}
        self.pending_docs = 0
        #: (fieldname, value) → the field's index items, for :meth:`_index`
        self.index_cache: dict[tuple, tuple] = {}
        #: (fieldname, value) → its postings, for :meth:`_plain`
        self.plain_cache: dict[tuple, tuple] = {}
        #: fieldname → (plain terms, documents, terms per document, weights,
        #: value sizes, values) pending (:meth:`_plain`)
        self.pending_plain: dict[str, tuple] = {}
        #: fieldname → ({term bytes: number}, term bytes by number), for :meth:`_plain`
        #: (numbered here: a term enters the pool with its first posting)
        self.plain_terms: dict[str, tuple[dict[bytes, int], list[bytes]]] = {}
        #: fieldname (or ("plain", fieldname)) → (the owner of its term
        #: numbers, the pool's number of each, -1: none yet), for :meth:`_pool_ids`
        self._pool_terms: dict = {}
        #: fieldname → its :meth:`_plan`
        self._plans: dict[str, tuple] = {}
        #: id(field) → whether its values go :class:`TokenTerms`' way (:meth:`_array_memo`)
        self._array_fields: dict[int, bool] = {}
        #: per-document values not yet written (:class:`PerDocBuffer`), or
        #: ``None``: written a document at a time (:meth:`_perdoc_buffer`)
        self.perdoc_buffer: PerDocBuffer | None = None
        self._buffering: bool | None = None

    def plan_commit(self, segments: list) -> list:
        """The segments to list in a new table of contents: ``segments``
        after the tiered merges they call for
        (:func:`~paperbrowse.core.engine.merging.merge_tiers`)."""
        from paperbrowse.core.engine.merging import merge_tiers  # merging builds on this module

        return merge_tiers(self, segments)

    def _array_memo(self, field, value) -> TokenTerms | None:
        """The :class:`TokenTerms` that indexes ``value`` of ``field``, or
        ``None`` when the field goes Whoosh's way."""
        if not isinstance(value, str):
            return None
        usable = self._array_fields.get(id(field))
        if usable is None:
            fmt = field.format
            usable = self._array_fields[id(field)] = bool(
                isinstance(fmt, (CompactPositions, MemoFrequency))
                and getattr(fmt, "token_local", False)
                and not field.vector
                and not field.separate_spelling()
                and TokenMemo.usable(field.analyzer)
            )
        return token_terms(field.analyzer) if usable else None

    def _index(self, fieldname: str, field, value):
        """``field.index(value)`` as a tuple, memoised for numbers and the
        values of ``ID``/``KEYWORD`` fields (dates, years, sources repeat)."""
        if not isinstance(field, (NUMERIC, ID, KEYWORD)) or not isinstance(value, (int, str)):
            return field.index(value)
        cache = self.index_cache
        key = (fieldname, value)
        got = cache.get(key)
        if got is None:
            if len(cache) >= INDEX_CACHE:
                cache.clear()
            got = cache[key] = tuple(field.index(value))
        return got

    def _plain(self, fieldname: str, field, value):
        """The postings one value of a ``NUMERIC``/``ID``/``KEYWORD`` field
        gives, memoised (dates, years, sources repeat): ``(term numbers in
        the field's :attr:`plain_terms`, weights, value sizes, values laid
        end to end)``; ``None`` when the field or value goes Whoosh's way."""
        kind = type(value)
        if kind is not int and kind is not str:  # not bool: True would find 1's
            return None
        key = (fieldname, value)
        got = self.plain_cache.get(key)
        if got is not None:
            return got
        if (
            not isinstance(field, (NUMERIC, ID, KEYWORD))
            or field.scorable  # a field length; none of the schema's is
            or field.vector
            or field.separate_spelling()
        ):
            return None
        numbers, texts = self.plain_terms.setdefault(fieldname, ({}, []))
        items = index_items(field, value)
        tids = []
        for tbytes, _, _, _ in items:
            n = numbers.get(tbytes)
            if n is None:
                n = numbers[tbytes] = len(texts)
                texts.append(tbytes)
            tids.append(n)
        weights = [item[2] for item in items]
        sizes = [len(item[3]) if item[3] else 0 for item in items]
        blob = b"".join(item[3] for item in items if item[3])
        if len(self.plain_cache) >= INDEX_CACHE:
            self.plain_cache.clear()
        got = self.plain_cache[key] = (tids, weights, sizes, blob)
        return got

    def _post(self, fieldname: str, field, value, docnum: int) -> int:
        """Add the postings of a field Whoosh's way (``Field.index``, one
        :meth:`MemoryPool.add` each), after the field's pending ones; returns
        the field's length (the sum of the frequencies)."""
        if fieldname in self.pending or fieldname in self.pending_plain:
            self.flush_pending()  # this field's earlier documents first
        add_post = self.pool.add
        length = 0
        for tbytes, freq, weight, vbytes in self._index(fieldname, field, value):
            length += freq
            add_post((fieldname, tbytes, docnum, weight, vbytes))
        if field.separate_spelling():
            spellfield = field.spelling_fieldname(fieldname)
            for word in field.spellable_words(value):
                add_post((spellfield, word.encode("utf-8"), 0, 1, None))
        return length

    def add_field(self, fieldname: str, fieldtype, **kwargs) -> None:
        """Add a field to the schema (Whoosh's), forgetting the fields' plans."""
        self.flush_pending()
        self._plans.clear()
        self._buffering = None
        super().add_field(fieldname, fieldtype, **kwargs)

    def remove_field(self, fieldname: str, **kwargs) -> None:
        """Remove a field from the schema (Whoosh's), forgetting the fields' plans."""
        self.flush_pending()
        self._plans.clear()
        self._buffering = None
        super().remove_field(fieldname, **kwargs)

    def _plan(self, fieldname: str) -> tuple:
        """``(field, indexed, stored, scorable, vector format, column type,
        length column name)`` of a field of the schema, memoised for
        :meth:`add_document`."""
        field = self.schema[fieldname]
        plan = (
            field,
            field.indexed,
            field.stored,
            field.scorable,
            field.vector,
            field.column_type,
            wc.length_column_name(fieldname),
        )
        self._plans[fieldname] = plan
        return plan

    def _perdoc_buffer(self) -> PerDocBuffer | None:
        """The :class:`PerDocBuffer` of this segment, or ``None`` when its
        documents go to the per-document writer one at a time: a schema with
        term vectors or glob fields, or a per-document writer that is not
        Whoosh 2.7's (:data:`PERDOC_BATCH` off too)."""
        if self._buffering is None:
            schema = self.schema
            pack = wc.stored_packer(self.perdocwriter) if PERDOC_BATCH else None
            self._buffering = bool(
                pack is not None
                and not wc.has_dynamic_fields(schema)
                and not any(schema[name].vector for name in schema.names())
            )
            if self._buffering:
                self.perdoc_buffer = PerDocBuffer(self.perdocwriter, pack)
        return self.perdoc_buffer if self._buffering else None

    def add_document(self, **fields) -> None:
        """Add one document (field name → value, as Whoosh's ``add_document``).

        Raises:
            IndexingError: the writer is closed.
            UnknownFieldError: a field is not in the schema.
        """
        if not self.array_build:
            super().add_document(**fields)
            return
        if self.is_closed:
            raise IndexingError("This writer is closed")
        fieldnames = sorted(fields)
        plans = list(map(self._plans.get, fieldnames))
        if None in plans:  # a field first seen, a bad one, or boosts
            schema = self.schema
            for name in fieldnames:
                if not name.startswith("_") and name not in schema:
                    raise UnknownFieldError(f"No field named {name!r} in {schema}")
            if any(name.startswith("_") for name in fieldnames):  # boosts, custom stored values
                self.flush_pending()
                super().add_document(**fields)
                return
            plans = [self._plan(name) for name in fieldnames]
        docnum = self.docnum
        perdocwriter = self.perdocwriter
        # this document's token ids and plain postings, pending once it is added
        texts: list[tuple] = []
        plains: list[tuple] = []
        buffer = self._perdoc_buffer()
        if buffer is not None:
            # its stored fields, (column, type, value)s and (field, length)s
            stored_values: dict = {}
            values: list[tuple] = []
            lengths: list[tuple] = []
        else:
            perdocwriter.start_doc(docnum)
        try:
            for fieldname, (field, indexed, stored, scorable, vformat, column, lenname) in zip(
                fieldnames, plans, strict=True
            ):
                value = fields[fieldname]
                if value is None:
                    continue
                length = 0
                if indexed:
                    memo = self._array_memo(field, value)
                    if memo is not None:
                        ids, length = memo.token_ids(value)
                        texts.append((fieldname, field, memo, ids))
                    else:
                        plain = self._plain(fieldname, field, value)
                        if plain is not None:
                            plains.append((fieldname, plain))
                        else:
                            length = self._post(fieldname, field, value, docnum)
                    if not scorable:
                        length = 0
                if buffer is not None:  # no vectors (PerDocBuffer's condition)
                    if stored:
                        stored_values[fieldname] = value
                    if length:
                        values.append((lenname, wc.LENGTHS_COLUMN, length_to_byte(length)))
                        lengths.append((fieldname, length))
                    if column:
                        values.append((fieldname, column, field.to_column_value(value)))
                    continue
                if vformat:
                    vitems = vformat.word_values(value, field.analyzer, mode="index")
                    vitems = sorted((text, weight, vbytes) for text, _, weight, vbytes in vitems)
                    perdocwriter.add_vector_items(fieldname, field, vitems)
                perdocwriter.add_field(fieldname, field, value if stored else None, length)
                if column:
                    perdocwriter.add_column_value(fieldname, column, field.to_column_value(value))
        except Exception:
            if buffer is None:
                perdocwriter.cancel_doc()
            raise
        if buffer is not None:
            buffer.add(docnum, stored_values, values, lengths)
        else:
            perdocwriter.finish_doc()
        wc.mark_added(self)
        self.docnum += 1
        pending = self.pending
        for fieldname, field, memo, ids in texts:
            entry = pending.get(fieldname)
            if entry is not None and entry[0] is not memo:  # a full memo replaced
                self.flush_pending()
                entry = None
            if entry is None:
                fmt = field.format
                entry = pending[fieldname] = (
                    memo,
                    isinstance(fmt, CompactPositions),
                    fmt.field_boost,
                    [],
                    [],
                )
            entry[3].append(docnum)
            entry[4].append(ids)
        pending_plain = self.pending_plain
        for fieldname, (tids, weights, sizes, blob) in plains:
            entry = pending_plain.get(fieldname)
            if entry is None:
                entry = pending_plain[fieldname] = ([], [], [], [], [], bytearray())
            entry[0].extend(tids)
            entry[1].append(docnum)
            entry[2].append(len(tids))
            entry[3].extend(weights)
            entry[4].extend(sizes)
            entry[5].extend(blob)
        self.pending_docs += 1
        if self.pending_docs >= PENDING_DOCS:
            self.flush_pending()

    def flush_pending(self) -> None:
        """Turn the pending documents' token ids (:meth:`TokenTerms.postings`)
        and plain postings (:meth:`_plain`) into postings in the pool
        (:meth:`MemoryPool.add_arrays`)."""
        pending, self.pending = self.pending, {}
        plain, self.pending_plain = self.pending_plain, {}
        self.pending_docs = 0
        if self.perdoc_buffer is not None:
            self.perdoc_buffer.flush()  # the documents' stored fields, lengths, columns
        for fieldname in sorted(pending):
            memo, positional, boost, docs, tokens = pending[fieldname]
            term, doc, freq, positions = memo.postings(docs, tokens)
            if not len(term):
                continue
            term = self._pool_ids(fieldname, memo, memo.terms, term)
            weight = freq * boost
            if positional:
                size = freq * 4
                blob = positions.astype("<u4", copy=False).tobytes()
            else:
                size = np.full(len(freq), 4, dtype=np.int64)
                blob = freq.astype(">u4").tobytes()  # Whoosh's pack_uint
            self.pool.add_ids(fieldname, term, doc, weight, size, blob)
            if memo.full():
                _retire(memo)  # the next document starts a new memo
        for fieldname in sorted(plain):
            tids, docs, counts, weights, sizes, blob = plain[fieldname]
            if not tids:
                continue
            texts = self.plain_terms[fieldname][1]
            term = self._pool_ids(("plain", fieldname), texts, texts, np.array(tids))
            doc = np.repeat(np.array(docs, dtype=np.int64), counts)
            self.pool.add_ids(fieldname, term, doc, weights, sizes, blob)

    def _pool_ids(self, key, owner, names: list, term: np.ndarray) -> np.ndarray:
        """The pool's term numbers of terms ``term`` (numbers in ``names``, a
        :class:`TokenTerms`' ``terms`` or a field's :attr:`plain_terms`, owned
        by ``owner``; ``key``: the field's) for :meth:`MemoryPool.add_ids`,
        each term looked up in the pool once per segment."""
        fieldname = key[1] if isinstance(key, tuple) else key
        known = self._pool_terms.get(key)
        if known is None or known[0] is not owner:
            known = self._pool_terms[key] = (owner, np.zeros(0, dtype=np.int64))
        table = known[1]
        if len(table) < len(names):
            grown = np.full(max(len(names), 2 * len(table)), -1, dtype=np.int64)
            grown[: len(table)] = table
            table = grown
            self._pool_terms[key] = (owner, table)
        ids = table[term]
        missing = ids < 0
        if missing.any():
            new = np.unique(term[missing]).tolist()
            btexts = [names[n] for n in new]
            if btexts and isinstance(btexts[0], str):
                btexts = [text.encode("utf-8") for text in btexts]
            table[new] = self.pool.term_ids(fieldname, btexts)
            ids = table[term]
        return ids

    def spill_postings(self) -> None:
        """Move the postings in memory to a sorted run on disk
        (:meth:`MemoryPool.spill`, a file named after the segment in the
        index's folder; in memory for storage without one): the segment
        goes on taking documents, and its one write of postings
        (:meth:`flush_postings`) merges the runs.

        Raises:
            OSError: the run cannot be written.
        """
        self.flush_pending()
        folder = getattr(self.storage, "folder", None)
        path = None
        if folder:
            name = f"{self.get_segment().segment_id()}.run{len(self.pool.runs)}"
            path = os.path.join(folder, name)
        self.pool.spill(sorted(self.schema.names()), path)
        # the pool numbers its terms afresh; the plain fields' numbers start
        # again too (ids, DOIs: new with each document, they would pile up)
        self._pool_terms = {}
        self.plain_terms = {}
        self.plain_cache = {}

    def add_reader(self, reader) -> None:
        """Add a reader's documents (Whoosh's ``add_reader``), after the
        pending documents' postings."""
        self.flush_pending()
        super().add_reader(reader)

    def flush_postings(self) -> None:
        """Write the pool's postings (:meth:`MemoryPool.write`) and close the
        segment's per-document and field writers."""
        self.flush_pending()
        self.perdocwriter.close()
        perdoc = self.per_document_reader()
        try:
            self.pool.write(self.schema, perdoc, self.fieldwriter)
        finally:
            perdoc.close()
        self.fieldwriter.close()


# ------------------------------------------------------------------ checksums

#: The checksum manifest of a generation folder (JSON, written at each commit).
MANIFEST = "CHECKSUMS.json"
#: Files a manifest covers: Whoosh's segment files and tables of contents,
#: immutable once committed (the tables file has a CRC-32 of its own).
CHECKED_SUFFIXES = (".seg", ".toc")
#: Bytes read at a time when computing a checksum.
_CHUNK = 1 << 20


def file_crc32(path) -> int:
    """CRC-32 (``zlib.crc32``, as the tables file uses) of a file's bytes.

    Raises:
        OSError: the file cannot be read.
    """
    import zlib

    checksum = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            checksum = zlib.crc32(chunk, checksum)
    return checksum


def _checked_files(folder) -> list:
    from pathlib import Path

    return sorted(p for p in Path(folder).iterdir() if p.suffix in CHECKED_SUFFIXES and p.is_file())


def read_manifest(folder) -> dict[str, dict] | None:
    """The manifest of ``folder``: ``{file name: {"size", "mtime_ns", "crc32"}}``,
    or ``None`` when there is none (a generation of an older version) or it
    cannot be read."""
    import json
    from pathlib import Path

    try:
        data = json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))
        files = data["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return files if isinstance(files, dict) else None


def write_manifest(folder) -> dict[str, dict]:
    """Record the size, modification time (ns) and CRC-32 of every segment and
    table-of-contents file of a generation in its :data:`MANIFEST`, atomically.

    Called after each commit (build and catch-up). A file already recorded
    with the same size and time is not read again (segment files never change
    once written), so a commit of a few papers to a large index reads only
    its new files.

    Returns:
        The manifest written.

    Raises:
        OSError: a file cannot be read, or the manifest cannot be written.
    """
    from pathlib import Path

    from paperbrowse.core.atomic import write_json_atomic

    old = read_manifest(folder) or {}
    files: dict[str, dict] = {}
    for path in _checked_files(folder):
        info = path.stat()
        known = old.get(path.name)
        if (
            isinstance(known, dict)
            and known.get("size") == info.st_size
            and known.get("mtime_ns") == info.st_mtime_ns
            and isinstance(known.get("crc32"), int)
        ):
            files[path.name] = known
            continue
        files[path.name] = {
            "size": info.st_size,
            "mtime_ns": info.st_mtime_ns,
            "crc32": file_crc32(path),
        }
    write_json_atomic(Path(folder) / MANIFEST, {"version": 1, "files": files})
    return files


def verify_manifest(folder, *, full: bool = False) -> list[str]:
    """Check a generation's files against its manifest.

    The quick check (``full=False``, run each time a process opens the
    index): one ``stat`` per recorded file; a file whose size or modification
    time differs from the record has been written since its commit, and its
    CRC-32 is compared. The full check (``full=True``, ``paperbrowse check``)
    compares every file's CRC-32, so it also finds damage that kept the
    file's time (a failing disk). A recorded file that no longer exists is
    not a problem here (a commit merged it away before the manifest was
    rewritten; a missing segment the current table of contents needs is
    found by Whoosh when it opens the index).

    Returns:
        One problem per damaged file (``"MAIN_x.seg: checksum mismatch"``);
        empty when all is well or the folder has no manifest.
    """
    from pathlib import Path

    manifest = read_manifest(folder)
    if not manifest:
        return []
    problems = []
    for name, record in manifest.items():
        path = Path(folder) / name
        try:
            info = path.stat()
        except FileNotFoundError:
            continue
        except OSError as exc:
            problems.append(f"{name}: cannot be read ({exc.strerror or exc})")
            continue
        if not isinstance(record, dict):
            continue
        same = record.get("size") == info.st_size and record.get("mtime_ns") == info.st_mtime_ns
        if same and not full:
            continue
        if record.get("size") != info.st_size:
            problems.append(f"{name}: {info.st_size} bytes, {record.get('size')} written")
            continue
        try:
            if file_crc32(path) != record.get("crc32"):
                problems.append(f"{name}: checksum mismatch")
        except OSError as exc:
            problems.append(f"{name}: cannot be read ({exc.strerror or exc})")
    return problems
