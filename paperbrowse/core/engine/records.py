"""The array postings record of an :class:`~paperbrowse.core.engine.codec.ArrayCodec` segment.

One record per term in the segment's postings file (``.pst``): flat
little-endian arrays of document numbers, weights and values, laid out as
:class:`ArrayPostingsWriter` describes. :func:`write_records` writes the
records of many terms at once (segment writes and merges),
:func:`read_term_arrays` maps one into NumPy without copying, and
:func:`read_values` gives Whoosh's matchers their values.
"""

from __future__ import annotations

import struct
from array import array
from typing import NamedTuple

import numpy as np
from whoosh.codec.base import PostingsWriter
from whoosh.formats import Frequency
from whoosh.system import pack_uint

from paperbrowse.core.engine import whoosh_compat as wc
from paperbrowse.core.engine.whoosh_compat import W3TermInfo

#: First bytes of a term's postings in the ``.pst`` file of an :class:`ArrayCodec` segment.
MAGIC = b"PBA1"
#: magic, postings, weight code, value code, padding, value size (:class:`ArrayPostingsWriter`)
HEADER = struct.Struct("<4sIBBHI")
# weight codes: every weight 1.0 (none stored); integers in 1 or 2 bytes; float32
W_ONE, W_U1, W_U2, W_F4 = range(4)
_WEIGHT_TYPES = {W_U1: "<u1", W_U2: "<u2", W_F4: "<f4"}
# value codes: none; CompactPositions (4 × weight bytes each); Frequency's
# pack_uint(weight); all of one size; each its own size (u4 lengths stored)
V_NONE, V_POSITIONS, V_FREQUENCY, V_FIXED, V_SIZED = range(5)


def _aligned(n: int) -> int:
    return (n + 3) & ~3


class ArrayPostingsWriter(PostingsWriter):
    """Writes each term's postings as flat little-endian arrays.

    At the term's offset in the segment's postings file (``.pst``)::

        header   16 bytes: b"PBA1", n (u4), weight code (u1), value code (u1),
                 2 bytes padding, value size (u4; per posting for V_FIXED)
        ids      n × u4: segment document numbers, ascending
        weights  n × (nothing | u1 | u2 | f4), padded to 4 bytes: term
                 frequencies (Whoosh's weight: frequency × field boost)
        lengths  n × u4, only for value code V_SIZED
        values   the postings' values, concatenated: for CompactPositions,
                 ``weight`` u4 word positions per posting

    Value codes: ``V_NONE`` (Existence), ``V_POSITIONS``, ``V_FREQUENCY``
    (Frequency's value, ``pack_uint(weight)``, is not stored: it is the
    weight), ``V_FIXED``, ``V_SIZED``. The term's statistics (document
    frequency, total weight, min/max length and weight, first and last
    document) go in Whoosh's ``W3TermInfo`` in the term dictionary, with the
    extent of this record, so Whoosh's term lookups, ``doc_frequency`` and
    block-quality scoring work as before.
    """

    def __init__(self, postfile) -> None:
        self._postfile = postfile
        self._terminfo = None
        self._written = False

    def written(self) -> bool:
        return self._written

    def start_postings(self, format_, terminfo) -> None:
        if self._terminfo is not None:
            raise RuntimeError("start_postings called inside a term")
        self._format = format_
        self._terminfo = terminfo
        self._ids = array("I")
        self._weights = array("f")
        self._values: list[bytes] = []
        self._minlength = None
        self._maxlength = 0

    def add_posting(self, id_, weight, vbytes, length=None) -> None:
        self._ids.append(id_)
        self._weights.append(weight)
        self._values.append(vbytes or b"")
        if length:
            if self._minlength is None or length < self._minlength:
                self._minlength = length
            if length > self._maxlength:
                self._maxlength = length

    def finish_postings(self):
        values = self._values
        size = np.fromiter(map(len, values), dtype=np.uint32, count=len(values))
        voff = np.concatenate(([0], np.cumsum(size, dtype=np.int64)))
        blob = np.frombuffer(b"".join(values), dtype=np.uint8)
        (terminfo,) = write_records(
            self._postfile,
            self._format,
            np.array([0, len(self._ids)]),
            np.frombuffer(self._ids, dtype=np.uint32),
            np.frombuffer(self._weights, dtype=np.float32),
            size,
            blob,
            voff,
            (np.array([self._minlength or 0]), np.array([self._maxlength])),
            [self._terminfo],
        )
        self._terminfo = None
        self._written = True
        return terminfo


def write_records(postfile, fmt, starts, doc, weight, size, blob, voff, lengths, infos=None):
    """Write the postings records (see :class:`ArrayPostingsWriter`) of
    consecutive terms of one field at the end of ``postfile``.

    Args:
        postfile: the segment's postings file (Whoosh ``StructFile``).
        fmt: the field's Whoosh format (how its values relate to weights).
        starts: term ``n``'s postings are ``starts[n]:starts[n + 1]`` of the arrays.
        doc: segment document numbers (``uint32``), ascending within a term.
        weight: the postings' weights (``float32``).
        size: each posting's value size in bytes; posting ``i``'s value is
            ``blob[voff[i]:voff[i + 1]]`` (``blob``: ``uint8``).
        lengths: ``(shortest, longest)`` field length of each term's
            documents, in tokens (0: none).
        infos: ``W3TermInfo`` objects to fill, one a term (new ones if ``None``).

    Returns:
        The terms' ``W3TermInfo``, statistics and record extent set.

    Raises:
        ValueError: a term without postings.
    """
    first = starts[:-1]
    if (np.diff(starts) <= 0).any():
        raise ValueError("a term without postings")
    sums = np.add.reduceat(weight, first, dtype=np.float64)
    highs = np.maximum.reduceat(weight, first)
    lows = np.minimum.reduceat(weight, first)
    integral = ~np.logical_or.reduceat(weight != np.floor(weight), first) & (lows >= 0)
    as_positions = np.logical_and.reduceat(size == 4 * weight, first)
    sizes_lo = np.minimum.reduceat(size, first)
    sizes_hi = np.maximum.reduceat(size, first)
    from paperbrowse.core.engine.codec import CompactPositions  # the codec builds on records

    positions_format = isinstance(fmt, CompactPositions)
    frequency_format = isinstance(fmt, Frequency)
    four = size == 4
    if frequency_format and four.any():  # its value: pack_uint(frequency), big-endian
        at = voff[:-1][four]
        value = blob[at].astype(np.uint32) << 24
        for shift, step in ((16, 1), (8, 2), (0, 3)):
            value |= blob[at + step].astype(np.uint32) << shift
        same = np.zeros(len(doc), dtype=bool)
        same[four] = value == weight[four]
        as_frequency = np.logical_and.reduceat(same, first)
    else:
        as_frequency = np.zeros(len(first), dtype=bool)
    shortest, longest = lengths
    doc_bytes = doc.astype("<u4")
    out = []
    for n in range(len(first)):
        s, e = int(starts[n]), int(starts[n + 1])
        low, high = float(lows[n]), float(highs[n])
        whole = bool(integral[n])
        if low == high == 1.0:
            wcode, wbytes = W_ONE, b""
        elif whole and high < 256:
            wcode, wbytes = W_U1, weight[s:e].astype(np.uint8).tobytes()
        elif whole and high < 65536:
            wcode, wbytes = W_U2, weight[s:e].astype("<u2").tobytes()
        else:
            wcode, wbytes = W_F4, weight[s:e].astype("<f4").tobytes()
        v0, v1 = int(voff[s]), int(voff[e])
        vsize, sizes, values = 0, b"", b""
        if v1 == v0:
            vcode = V_NONE
        elif whole and positions_format and as_positions[n]:
            vcode, values = V_POSITIONS, blob[v0:v1].tobytes()
        elif whole and frequency_format and as_frequency[n]:
            vcode = V_FREQUENCY
        elif sizes_lo[n] == sizes_hi[n]:
            vcode, vsize, values = V_FIXED, int(sizes_lo[n]), blob[v0:v1].tobytes()
        else:
            vcode, values = V_SIZED, blob[v0:v1].tobytes()
            sizes = size[s:e].astype("<u4").tobytes()
        start = postfile.tell()
        postfile.write(HEADER.pack(MAGIC, e - s, wcode, vcode, 0, vsize))
        postfile.write(doc_bytes[s:e].tobytes())
        if wbytes:
            postfile.write(wbytes + bytes(_aligned(len(wbytes)) - len(wbytes)))
        if sizes:
            postfile.write(sizes)
        if values:
            postfile.write(values)
        info = W3TermInfo() if infos is None else infos[n]
        wc.set_term_stats(
            info,
            weight=float(sums[n]),
            df=e - s,
            minlength=int(shortest[n]) or None,
            maxlength=int(longest[n]),
            maxweight=high,
            minid=int(doc[s]),
            maxid=int(doc[e - 1]),
        )
        info.set_extent(start, postfile.tell() - start)
        out.append(info)
    return out


class TermArrays(NamedTuple):
    """The postings of one term in one segment, as NumPy arrays over the
    segment's memory map (read-only views; no copy for a compound segment).

    Attributes:
        ids: segment document numbers, ascending (``uint32``, n).
        weights: term frequency of each posting (``float32``, n).
        positions: for a CompactPositions field, every posting's word
            positions concatenated (``uint32``, sum of the frequencies),
            else ``None``.
    """

    ids: np.ndarray
    weights: np.ndarray
    positions: np.ndarray | None


def buffer_of(dbfile):
    """The memory map under a postings file (a :class:`MappedFile`), or ``None``."""
    return wc.file_buffer(dbfile)


def read_term_arrays(dbfile, terminfo) -> TermArrays:
    """Read the postings of a term from an :class:`ArrayCodec` postings file.

    Args:
        dbfile: the segment's postings file (Whoosh ``StructFile``).
        terminfo: the term's ``W3TermInfo`` (from the term dictionary).

    Raises:
        ValueError: the record at the term's offset is not an array postings
            record (the segment is damaged).
    """
    if terminfo.is_inlined():  # not written by ArrayPostingsWriter, but valid Whoosh
        ids, weights, values = terminfo.inlined_postings()
        return TermArrays(
            np.asarray(ids, dtype=np.uint32), np.asarray(weights, dtype=np.float32), None
        )
    offset, length = terminfo.extent()
    buf = buffer_of(dbfile)
    if buf is None:
        buf, offset = dbfile.get(offset, length), 0
    magic, n, wcode, vcode, _, vsize = HEADER.unpack_from(buf, offset)
    if magic != MAGIC:
        raise ValueError(f"no postings record at offset {offset} of the postings file")
    at = offset + HEADER.size
    ids = np.frombuffer(buf, dtype="<u4", count=n, offset=at)
    at += 4 * n
    if wcode == W_ONE:
        weights = np.ones(n, dtype=np.float32)
    else:
        kind = np.dtype(_WEIGHT_TYPES[wcode])
        raw = np.frombuffer(buf, dtype=kind, count=n, offset=at)
        weights = raw if wcode == W_F4 else raw.astype(np.float32)
        at += _aligned(kind.itemsize * n)
    positions = None
    if vcode == V_POSITIONS:
        total = int(weights.sum(dtype=np.float64))
        positions = np.frombuffer(buf, dtype="<u4", count=total, offset=at)
    return TermArrays(ids, weights, positions)


def read_values(buf, offset: int, n: int, wcode: int, vcode: int, vsize: int, weights):
    """The postings' values as a list of ``bytes`` (for Whoosh's matchers)."""
    at = offset + HEADER.size + 4 * n
    if wcode != W_ONE:
        at += _aligned(np.dtype(_WEIGHT_TYPES[wcode]).itemsize * n)
    if vcode == V_NONE:
        return [b""] * n  # ListMatcher gives "" (str) for no values; Whoosh's pool wants bytes
    if vcode == V_FREQUENCY:
        return [pack_uint(int(w)) for w in weights]
    if vcode == V_FIXED:
        sizes = [vsize] * n
    elif vcode == V_POSITIONS:
        sizes = [4 * int(w) for w in weights]
    else:
        sizes = np.frombuffer(buf, dtype="<u4", count=n, offset=at).tolist()
        at += 4 * n
    values = []
    for size in sizes:
        values.append(bytes(buf[at : at + size]))
        at += size
    return values


def field_runs(keys):
    """``(fieldname, start, end)`` of each run of ``keys`` (sorted
    ``(fieldname, btext)``) with one field name."""
    n = 0
    while n < len(keys):
        fieldname = keys[n][0]
        end = n
        while end < len(keys) and keys[end][0] == fieldname:
            end += 1
        yield fieldname, n, end
        n = end
