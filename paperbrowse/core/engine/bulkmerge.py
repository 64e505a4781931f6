"""Merging segments' postings a chunk of terms at a time, with NumPy (issue 20).

:func:`~paperbrowse.core.engine.merging.merge_segments` moved postings a term
at a time: a term dictionary entry decoded into a ``W3TermInfo``, a record
mapped with :func:`~paperbrowse.core.engine.records.read_term_arrays`, a
``heapq`` merge of the segments' term streams — about 30 µs of Python per
term and segment, most of a build's final merge (31 s for 77,000 papers).
:func:`merge_postings` does the same work on arrays:

1. each segment's term dictionary (Whoosh's ``OrderedHashReader``) is read
   through its array of key positions: key lengths, field numbers and the
   ``W3TermInfo`` bytes (:data:`~paperbrowse.core.engine.records.TERMINFO_DTYPE`)
   of a window of terms gathered at once (:class:`_Dictionary`);
2. the terms of all segments are merged in key order a chunk at a time
   (:data:`CHUNK_TERMS` terms, at most about
   :data:`~paperbrowse.core.engine.merging.MERGE_CHUNK` postings), so memory
   does not grow with the segments;
3. a chunk's records (:class:`~paperbrowse.core.engine.records.ArrayPostingsWriter`'s
   layout) are decoded with index arithmetic — headers, document numbers,
   weights and positions of every term at once — renumbered to the merged
   segment (deleted documents dropped), put in term then segment order with
   one stable sort, and written with the field writer's ``write_terms``.

The merged segment is the one the term-at-a-time merge writes, byte for
byte (``tests/unit/test_bulk_merge.py``). Segments this path does not know
(inlined term infos, records whose values are not the field format's usual
ones, term files not memory-mapped) make :func:`dictionaries` return
``None`` before anything is written, and the caller merges term by term.
"""

from __future__ import annotations

from bisect import bisect_right

import numpy as np
from whoosh.formats import Existence, Frequency

from paperbrowse.core.engine import whoosh_compat as wc
from paperbrowse.core.engine.codec import BYTE_TO_LENGTH, CompactPositions
from paperbrowse.core.engine.records import (
    _HEADER_DTYPE,
    _WEIGHT_TYPES,
    HEADER,
    MAGIC,
    TERMINFO_DTYPE,
    V_FREQUENCY,
    V_NONE,
    V_POSITIONS,
    _runs,
)

#: Terms read from the segments' dictionaries at a time, all segments
#: together (each buffers its share, at least :data:`MIN_BUFFER`): about 100
#: bytes a term, so a merge of many segments (a worker's ~200 at a million
#: papers) holds about as much as a merge of a few. With buffers topped up
#: (:meth:`_Dictionary.fill`), a million-paper build (`benchmarks/build_phases.py`)
#: took 402 s with a worker's peak at 439 MB at ``1 << 16``, 415 s and 396 MB
#: at ``1 << 15`` (602 s and 388 MB before the top-up).
CHUNK_TERMS = 1 << 15
MIN_BUFFER = 64
#: Terms whose dictionary entries and record headers are checked at a time
#: before a merge starts.
CHECK_TERMS = 1 << 16
#: Kinds of field format this merge moves: word positions, a frequency, nothing.
_POSITIONS, _FREQUENCY, _NONE = range(3)
#: The value code a record of each kind of field has (ArrayPostingsWriter's rules).
_VCODE = {_POSITIONS: V_POSITIONS, _FREQUENCY: V_FREQUENCY, _NONE: V_NONE}
_LENGTH_OF_BYTE = np.array(BYTE_TO_LENGTH, dtype=np.int64)


def _kind(fmt) -> int | None:
    """The kind of a field's Whoosh format this merge moves, or ``None``."""
    if isinstance(fmt, CompactPositions):
        return _POSITIONS
    if isinstance(fmt, Frequency):
        return _FREQUENCY
    if isinstance(fmt, Existence):
        return _NONE
    return None


def _kinds(schema, names: list[str]) -> np.ndarray:
    """The :func:`_kind` of each of ``names`` (``-1``: none, or not in ``schema``)."""
    kinds = [_kind(schema[f].format) if f in schema else None for f in names]
    return np.array([-1 if k is None else k for k in kinds], dtype=np.int64)


def _gather(u8: np.ndarray, at: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The bytes ``u8[at[i] : at[i] + lengths[i]]`` of every ``i``, end to end."""
    return u8[_runs(at, np.asarray(lengths, dtype=np.int64))]


class TermBuffer:
    """A source of terms in key order, read a buffer at a time: what
    :func:`merge_postings` merges (a segment's :class:`_Dictionary`, or a
    :class:`~paperbrowse.core.engine.runs.Run`).

    Attributes:
        size: terms the source has.
        keys: the buffered terms' merge keys (:meth:`fill`), from term
            number :attr:`at` on (``at + len(keys)`` is :attr:`next`).
        next: the first term not yet buffered.
        buffer: terms buffered at a time (:func:`merge_postings` sets its share).
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.keys: list[bytes] = []
        self.at = 0
        self.next = 0
        self.buffer = CHUNK_TERMS

    def fill(self) -> None:
        """Top the buffer up to :attr:`buffer` terms when it holds fewer than
        half that many (and the source has more).

        Topped up, not only refilled once empty: a round of
        :func:`merge_postings` writes the keys up to the smallest last key
        of the buffers, so a buffer nearly used up held every segment's
        round to a few terms — with n segments about n times as many rounds,
        each touching every segment (a worker's final merge of ~200
        segments at a million papers: 280 of a 600 s build)."""
        if len(self.keys) * 2 >= self.buffer or self.next >= self.size:
            return
        a, b = self.next, min(self.next + self.buffer - len(self.keys), self.size)
        self.keys = self.keys + self._read_keys(a, b)
        self.next = b

    def _read_keys(self, a: int, b: int) -> list[bytes]:
        """The merge keys of terms ``a:b`` (and whatever else the source buffers with them)."""
        raise NotImplementedError

    def df(self, t: int) -> np.ndarray:
        """Postings of each of the next ``t`` buffered terms (``int64``)."""
        raise NotImplementedError

    def consume(self, t: int) -> None:
        """Drop the next ``t`` buffered terms (written)."""
        self.keys = self.keys[t:]
        self.at += t

    def ends_segment(self) -> bool:
        """True if the buffer holds the source's last term."""
        return self.next >= self.size


class _Dictionary(TermBuffer):
    """One segment's term dictionary and postings file, as arrays, and a
    buffer of its next terms (:meth:`fill`).

    Attributes:
        rank: field number → the field's rank among the merge's sorted field
            names (``-1``: a field the schema does not have).
        keys: the buffered terms' merge keys (:meth:`fill`), from term
            number :attr:`at` on; ``keypos``, ``keylen``, ``fieldid``,
            ``info``, ``header``, ``kind``: theirs, from the buffer's first
            term (entry position in the terms file, key length, field number
            in this segment, ``W3TermInfo`` as :data:`TERMINFO_DTYPE`,
            record header, field kind).
    """

    def __init__(self, reader, schema, names: list[str]) -> None:
        terms = wc.segment_terms(reader)
        index = wc.terms_index(terms) if terms is not None else None
        if index is None:
            raise _Unsupported("no term dictionary")
        tindex, fieldmap = index
        buf = wc.file_buffer(tindex.dbfile)
        post = wc.file_buffer(wc.terms_postfile(terms))
        if buf is None or post is None:
            raise _Unsupported("term or postings file not memory-mapped")
        indextype = tindex.extras.get("indextype")
        if indextype not in ("B", "H", "i", "I", "q", "Q"):
            raise _Unsupported(f"key index of type {indextype!r}")
        self.u8 = np.frombuffer(buf, dtype=np.uint8)
        self.post = np.frombuffer(post, dtype=np.uint8)
        # the key positions, read a window at a time (nothing a term is held
        # for the whole segment: a worker merges ~120 segments at 2.7M papers)
        self._index = np.frombuffer(
            buf, dtype=">" + indextype, count=tindex.indexlen, offset=tindex.indexbase
        )
        rank = {name: r for r, name in enumerate(names)}
        self.rank = np.full(max(fieldmap.values(), default=-1) + 1, -1, dtype=np.int64)
        for fieldname, number in fieldmap.items():
            self.rank[number] = rank.get(fieldname, -1)
        self.kinds = _kinds(schema, names + [""])
        super().__init__(len(self._index))
        n = self.size
        last_rank = -1
        for a in range(0, n, CHECK_TERMS):  # check every record before writing any
            self._load(a, min(a + CHECK_TERMS, n))
            ranks = self.rank[self.fieldid]
            if (ranks < 0).any() or ranks[0] < last_rank or (np.diff(ranks) < 0).any():
                raise _Unsupported("fields numbered out of name order, or not in the schema")
            last_rank = int(ranks[-1])
        # let the last block checked go (a block a segment, kept for each of
        # ~120 segments, was most of a worker's 5.7 GB at 2.7M papers)
        self.keypos = self.keylen = self.fieldid = np.zeros(0, dtype=np.int64)
        self.info = self.header = self.kind = None
        self._base = 0  # term number of the buffer's first row (of its arrays)
        self._views: dict[int, np.ndarray] = {}  # the postings file as words, by alignment

    def _load(self, a: int, b: int) -> None:
        """Read the keys' places, term infos and record headers of terms
        ``a:b`` (:attr:`keypos`, :attr:`keylen`, :attr:`fieldid`, :attr:`info`,
        :attr:`header`, :attr:`kind`), checked."""
        keypos = self._index[a:b].astype(np.int64)
        lens = _gather(self.u8, keypos, np.full(b - a, 8)).view(">i4").reshape(b - a, 2)
        keylen = lens[:, 0].astype(np.int64)
        if (lens[:, 1] != TERMINFO_DTYPE.itemsize).any() or (keylen < 2).any():
            raise _Unsupported("inlined postings or a key without a field")
        fieldid = _gather(self.u8, keypos + 8, np.full(b - a, 2)).view(">u2").astype(np.int64)
        if (fieldid >= len(self.rank)).any():
            raise ValueError("a term of a field the segment does not list (damaged segment)")
        self.keypos, self.keylen, self.fieldid = keypos, keylen, fieldid
        info = _gather(self.u8, keypos + 8 + keylen, np.full(b - a, TERMINFO_DTYPE.itemsize)).view(
            TERMINFO_DTYPE
        )
        if info["inlined"].any():
            raise _Unsupported("inlined postings")
        offset = info["offset"].astype(np.int64)
        if (offset < 0).any() or (offset + HEADER.size > len(self.post)).any():
            raise ValueError("a term's postings lie outside the postings file (damaged segment)")
        header = _gather(self.post, offset, np.full(b - a, HEADER.size)).view(_HEADER_DTYPE)
        if (header["magic"] != MAGIC).any():
            raise ValueError("no postings record at a term's offset (damaged segment)")
        kind = self.kinds[self.rank[fieldid]]
        expected = np.array([_VCODE[k] for k in range(3)])[np.maximum(kind, 0)]
        if ((kind < 0) | (header["vcode"] != expected)).any():
            raise _Unsupported("a record this merge does not move")
        self.info, self.header, self.kind = info, header, kind

    def words(self, at: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """The little-endian ``uint32`` words ``counts[i]`` of them from byte
        ``at[i]`` of the postings file, for every ``i``, end to end."""
        at = np.asarray(at, dtype=np.int64)
        counts = np.asarray(counts, dtype=np.int64)
        if not len(at):
            return np.zeros(0, dtype="<u4")
        r = int(at[0]) % 4
        if (at % 4 != r).any():  # records not all at one word alignment: bytes
            return _gather(self.post, at, 4 * counts).view("<u4")
        view = self._views.get(r)
        if view is None:
            view = self._views[r] = np.frombuffer(
                self.post.data, dtype="<u4", offset=r, count=(len(self.post) - r) // 4
            )
        return view[_runs((at - r) // 4, counts)]

    def _read_keys(self, a: int, b: int) -> list[bytes]:
        """Terms ``a:b``'s merge keys; their rows (:data:`_ROWS`) read and
        put after the rows of the terms still buffered."""
        r = self.at - self._base
        kept = [getattr(self, name)[r:] for name in _ROWS] if self.keys else None
        self._load(a, b)
        u8 = self.u8
        rank = self.rank[self.fieldid].astype(">u2").tobytes()
        start = (self.keypos + 10).tolist()
        end = (self.keypos + 8 + self.keylen).tolist()
        if kept is not None:  # the rows not yet written, then the ones just read
            for name, rows in zip(_ROWS, kept, strict=True):
                setattr(self, name, np.concatenate((rows, getattr(self, name))))
        self._base = self.at
        # the field's rank (2 bytes, big-endian) and the term's bytes: keys
        # that order as Whoosh's (fieldname, btext) tuples
        return [
            rank[2 * i : 2 * i + 2] + u8[s:e].tobytes()
            for i, (s, e) in enumerate(zip(start, end, strict=True))
        ]

    def rows(self, t: int) -> slice:
        """The buffer rows (of ``info``, ``header``, ``kind``) of the next ``t`` terms."""
        r = self.at - self._base
        return slice(r, r + t)

    def df(self, t: int) -> np.ndarray:
        """Postings of each of the next ``t`` buffered terms (``int64``)."""
        return self.info["df"][self.rows(t)].astype(np.int64)


#: The per-term arrays :meth:`_Dictionary._load` reads, one row a buffered term.
_ROWS = ("keypos", "keylen", "fieldid", "info", "header", "kind")


class _Unsupported(Exception):
    """A segment this merge does not move (the caller merges term by term)."""


def dictionaries(readers, schema, release=None) -> list[_Dictionary] | None:
    """Each segment reader's :class:`_Dictionary`, or ``None`` when one of
    them cannot be merged here (nothing has been written yet).

    ``release(reader)``, if given, is called after each reader's dictionary
    is checked (the check reads every record header: every page of the
    postings file), to let go of the pages read.

    Raises:
        ValueError: a segment's dictionary points outside its postings file.
    """
    names = sorted(schema.names())
    dicts = []
    try:
        for reader in readers:
            dicts.append(_Dictionary(reader, schema, names))
            if release is not None:
                release(reader)
    except _Unsupported:
        return None
    return dicts


def merge_postings(
    schema, fieldwriter, dicts: list[TermBuffer], maps, chunk: int, flushed=None, write=None
):
    """Write the postings of every term of the segments of ``dicts`` with
    ``fieldwriter`` (an :class:`~paperbrowse.core.engine.codec.ArrayFieldWriter`),
    terms in key order, each term's postings in segment then document order.

    Args:
        schema: the merged segment's Whoosh schema.
        dicts: each segment's :class:`_Dictionary`, in document order.
        maps: each segment's old → new document numbers (``int64``; ``-1``:
            deleted).
        chunk: postings written at a time, about (memory bound).
        flushed: called after each chunk is written.
        write: writes a chunk (``_write_chunk``'s arguments; default
            ``_write_chunk``: the segments' records decoded), for term
            buffers of another kind (:class:`~paperbrowse.core.engine.runs.Run`).
    """
    write = write or _write_chunk
    names = sorted(schema.names())
    for d in dicts:
        d.buffer = max(MIN_BUFFER, CHUNK_TERMS // max(1, len(dicts)))
    while True:
        for d in dicts:
            d.fill()
        live = [k for k, d in enumerate(dicts) if d.keys]
        if not live:
            return
        # every key up to the smallest last key of a buffer that does not end its segment
        open_ends = [dicts[k].keys[-1] for k in live if not dicts[k].ends_segment()]
        bound = min(open_ends) if open_ends else None
        take = {k: _upto(dicts[k].keys, bound) for k in live}
        union = sorted(set().union(*(dicts[k].keys[: take[k]] for k in live)))
        gids = _numbered(union, dicts, take)
        df = np.zeros(len(union), dtype=np.int64)
        for k, ids in gids.items():
            np.add.at(df, ids, dicts[k].df(take[k]))
        # written in pieces of at most ``chunk`` postings (at least one term)
        cum = np.cumsum(df)
        done = dict.fromkeys(gids, 0)  # each segment's keys written so far
        s = 0
        while s < len(union):
            before = int(cum[s - 1]) if s else 0
            e = max(int(np.searchsorted(cum, before + chunk, side="right")), s + 1)
            counts = {k: int(np.searchsorted(ids, e)) - done[k] for k, ids in gids.items()}
            piece = {k: gids[k][done[k] : done[k] + t] - s for k, t in counts.items() if t}
            write(schema, names, fieldwriter, dicts, maps, counts, union[s:e], piece)
            for k, t in counts.items():
                dicts[k].consume(t)
                done[k] += t
            if flushed is not None:
                flushed()
            s = e


def _numbered(union: list[bytes], dicts, take) -> dict[int, np.ndarray]:
    """Each segment's taken keys as numbers in ``union`` (sorted keys)."""
    gid = {key: n for n, key in enumerate(union)}
    return {
        k: np.fromiter(map(gid.__getitem__, dicts[k].keys[:t]), np.int64, t)
        for k, t in take.items()
        if t
    }


def _upto(keys: list[bytes], bound: bytes | None) -> int:
    return len(keys) if bound is None else bisect_right(keys, bound)


def _write_chunk(schema, names, fieldwriter, dicts, maps, take, union, gids):
    """Decode, renumber, order and write the postings of the terms ``union``
    (``take[k]``: how many of them segment ``k``'s buffer holds, first)."""
    parts = []  # per segment: (term ids per posting, new docs, weights, positions, counts)
    shortest = np.full(len(union), np.iinfo(np.int64).max, dtype=np.int64)
    longest = np.zeros(len(union), dtype=np.int64)
    for k, d in enumerate(dicts):
        t = take.get(k, 0)
        if not t:
            continue
        rows = d.rows(t)
        terms = gids[k]
        header = d.header[rows]
        info = d.info[rows]
        n = header["n"].astype(np.int64)
        offset = info["offset"].astype(np.int64)
        ids = d.words(offset + HEADER.size, n)
        weights = np.ones(int(n.sum()), dtype=np.float32)
        first = np.cumsum(n) - n  # each term's first posting here
        wcode = header["wcode"]
        wbytes = np.zeros(t, dtype=np.int64)
        for code, kind in _WEIGHT_TYPES.items():
            mine = wcode == code
            if not mine.any():
                continue
            width = np.dtype(kind).itemsize
            raw = _gather(d.post, offset[mine] + HEADER.size + 4 * n[mine], width * n[mine])
            weights[_runs(first[mine], n[mine])] = raw.view(kind).astype(np.float32)
            wbytes[mine] = (width * n[mine] + 3) & ~3
        positional = d.kind[rows] == _POSITIONS
        freq = np.add.reduceat(weights, first, dtype=np.float64) if t else np.zeros(0)
        words = np.where(positional, freq, 0).astype(np.int64)
        positions = d.words(offset + HEADER.size + 4 * n + wbytes, words)
        new = maps[k][ids.astype(np.int64)]
        keep = new >= 0
        term_of = np.repeat(terms, n)
        posting_words = np.where(np.repeat(positional, n), weights, 0).astype(np.int64)
        if not keep.all():
            positions = positions[np.repeat(keep, posting_words)]
            posting_words = posting_words[keep]
            new, weights, term_of = new[keep], weights[keep], term_of[keep]
            kept = np.bincount(np.repeat(np.arange(t), n)[keep], minlength=t)
        else:
            kept = n
        present = kept > 0
        low = _LENGTH_OF_BYTE[info["minlength"]]
        high = _LENGTH_OF_BYTE[info["maxlength"]]
        with_low = present & (info["minlength"] > 0)
        np.minimum.at(shortest, terms[with_low], low[with_low])
        np.maximum.at(longest, terms[present], high[present])
        parts.append((term_of, new, weights, positions, posting_words))
    term_of = np.concatenate([p[0] for p in parts])
    order = np.argsort(term_of, kind="stable")
    doc = np.concatenate([p[1] for p in parts])[order].astype(np.uint32)
    weight = np.concatenate([p[2] for p in parts])[order]
    words = np.concatenate([p[4] for p in parts])
    word_at = np.cumsum(words) - words
    positions = np.concatenate([p[3] for p in parts])
    term_of = term_of[order]
    counts = np.bincount(term_of, minlength=len(union))
    alive = counts > 0
    # kinds per posting: positions (4 bytes a word), a frequency (4 bytes), nothing
    rank = np.array([int.from_bytes(key[:2], "big") for key in union], dtype=np.int64)
    kinds = _kinds(schema, names)[rank]
    posting_kind = kinds[term_of]
    size = np.where(
        posting_kind == _POSITIONS, 4 * words[order], np.where(posting_kind == _FREQUENCY, 4, 0)
    ).astype(np.uint32)
    value_words = (size // 4).astype(np.int64)
    blob = np.empty(int(value_words.sum()), dtype="<u4")
    at = np.cumsum(value_words) - value_words
    is_pos = posting_kind == _POSITIONS
    if is_pos.any():
        blob[_runs(at[is_pos], value_words[is_pos])] = positions[
            _runs(word_at[order][is_pos], value_words[is_pos])
        ]
    is_freq = posting_kind == _FREQUENCY
    if is_freq.any():  # Frequency's value: pack_uint(frequency), big-endian
        blob[at[is_freq]] = weight[is_freq].astype(">u4").view("<u4")
    voff = np.concatenate(([0], np.cumsum(size, dtype=np.int64)))
    keep_terms = np.flatnonzero(alive)
    starts_out = np.concatenate(([0], np.cumsum(counts[keep_terms])))
    keys = [(names[rank[n]], union[n][2:]) for n in keep_terms.tolist()]
    low = shortest[keep_terms]
    low[low == np.iinfo(np.int64).max] = 0
    fieldwriter.write_terms(
        schema,
        keys,
        starts_out,
        doc,
        weight,
        size,
        blob.view(np.uint8),
        voff,
        (low, longest[keep_terms]),
    )
