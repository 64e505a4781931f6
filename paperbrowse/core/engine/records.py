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


class TermStats(NamedTuple):
    """What Whoosh's term info records of each term of :func:`write_term_records`
    (one entry a term; NumPy arrays).

    Attributes:
        weight: total weight (``float64``); df: postings (``int64``);
        shortest, longest: field length bounds in tokens (0: none);
        maxweight: highest weight (``float32``); minid, maxid: first and last
        document number; offset, length: the record's extent in the postings
        file, in bytes.
    """

    weight: np.ndarray
    df: np.ndarray
    shortest: np.ndarray
    longest: np.ndarray
    maxweight: np.ndarray
    minid: np.ndarray
    maxid: np.ndarray
    offset: np.ndarray
    length: np.ndarray


#: Bytes of records made and written to the postings file at a time.
WRITE_CHUNK = 4 << 20


def write_term_records(postfile, fmt, starts, doc, weight, size, blob, voff, lengths) -> TermStats:
    """Write the postings records (see :class:`ArrayPostingsWriter`) of
    consecutive terms of one field at the end of ``postfile``, and return
    their statistics (:class:`TermStats`).

    The codes and sizes of every record are worked out with NumPy, and the
    records are joined from slices of the arrays (no file call a term).

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

    Raises:
        ValueError: a term without postings.
    """
    starts = np.asarray(starts, dtype=np.int64)
    first = starts[:-1]
    counts = np.diff(starts)
    if (counts <= 0).any():
        raise ValueError("a term without postings")
    weight = np.asarray(weight, dtype=np.float32)
    size = np.asarray(size)
    voff = np.asarray(voff, dtype=np.int64)
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
    # weight code: every weight 1.0; whole and < 256; whole and < 65536; float32
    wcode = np.full(len(first), W_F4, dtype=np.uint8)
    wcode[integral & (highs < 65536)] = W_U2
    wcode[integral & (highs < 256)] = W_U1
    wcode[(lows == 1.0) & (highs == 1.0)] = W_ONE
    wwidth = np.array([0, 1, 2, 4], dtype=np.int64)[wcode]
    # value code, in the order of precedence of the per-term rules
    vbytes = voff[starts[1:]] - voff[first]
    vcode = np.full(len(first), V_SIZED, dtype=np.uint8)
    vcode[sizes_lo == sizes_hi] = V_FIXED
    if frequency_format:
        vcode[integral & as_frequency] = V_FREQUENCY
    if positions_format:
        vcode[integral & as_positions] = V_POSITIONS
    vcode[vbytes == 0] = V_NONE
    vsize = np.where(vcode == V_FIXED, sizes_lo, 0).astype(np.int64)
    stored_values = (vcode != V_NONE) & (vcode != V_FREQUENCY)
    wlen = wwidth * counts
    wpad = ((wlen + 3) & ~3) - wlen
    slen = np.where(vcode == V_SIZED, 4 * counts, 0)
    vlen = np.where(stored_values, vbytes, 0)
    rec = HEADER.size + 4 * counts + wlen + wpad + slen + vlen
    base = postfile.tell()
    offset = base + np.concatenate(([0], np.cumsum(rec)[:-1]))
    header = np.zeros(len(first), dtype=_HEADER_DTYPE)
    header["magic"] = MAGIC
    header["n"] = counts
    header["wcode"] = wcode
    header["vcode"] = vcode
    header["vsize"] = vsize
    doc = np.asarray(doc, dtype="<u4")
    blob = np.asarray(blob, dtype=np.uint8)
    # terms a write at a time (bounds the buffers and index arrays)
    marks = np.arange(1, int(rec.sum()) // WRITE_CHUNK + 2) * WRITE_CHUNK
    ends = np.searchsorted(np.cumsum(rec), marks)
    ends = np.unique(np.minimum(np.append(ends, len(first)), len(first)))
    layout = (starts, counts, header, wcode, wlen + wpad, slen, vlen, vcode, voff)
    # every part of every record whole 4-byte words: placed with NumPy
    whole_words = not (size % 4).any() and not len(blob) % 4
    place = _place_records if whole_words else _join_records
    a = 0
    for b in ends.tolist():
        if b > a:
            postfile.write(place(a, b, layout, doc, weight, size, blob))
        a = b
    shortest, longest = lengths
    return TermStats(
        weight=sums,
        df=counts,
        shortest=np.asarray(shortest, dtype=np.int64),
        longest=np.asarray(longest, dtype=np.int64),
        maxweight=highs,
        minid=np.asarray(doc[first], dtype=np.int64),
        maxid=np.asarray(doc[starts[1:] - 1], dtype=np.int64),
        offset=offset,
        length=rec,
    )


def _join_records(a: int, b: int, layout, doc, weight, size, blob) -> bytes:
    """The records of terms ``a:b`` (:func:`write_term_records`), joined
    from slices of the arrays a term at a time (values of any size)."""
    starts, counts, header, wcode, wsec, slen, vlen, vcode, voff = layout
    parts: list = []
    header_bytes = _byte_view(header[a:b])
    doc_bytes = _byte_view(doc)
    blob_bytes = _byte_view(blob)
    hsize = HEADER.size
    rows = zip(
        starts[a:b].tolist(),
        starts[a + 1 : b + 1].tolist(),
        wcode[a:b].tolist(),
        wsec[a:b].tolist(),
        vcode[a:b].tolist(),
        voff[starts[a:b]].tolist(),
        voff[starts[a + 1 : b + 1]].tolist(),
        strict=True,
    )
    for n, (s, e, code, section, vc, v0, v1) in enumerate(rows):
        parts.append(header_bytes[n * hsize : (n + 1) * hsize])
        parts.append(doc_bytes[4 * s : 4 * e])
        if code != W_ONE:
            raw = weight[s:e].astype(_WEIGHT_TYPES[code]).tobytes()
            parts.append(raw + bytes(section - len(raw)))
        if vc == V_SIZED:
            parts.append(size[s:e].astype("<u4").tobytes())
        if vc != V_NONE and vc != V_FREQUENCY:
            parts.append(blob_bytes[v0:v1])
    return b"".join(parts)


def _runs(at: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """``at[i], at[i] + 1, …, at[i] + lengths[i] - 1`` for each ``i``, end to end (``int64``)."""
    total = int(lengths.sum())
    before = np.cumsum(lengths) - lengths
    return np.repeat(np.asarray(at, dtype=np.int64) - before, lengths) + np.arange(total)


def _place_records(a: int, b: int, layout, doc, weight, size, blob) -> bytes:
    """The records of terms ``a:b`` (:func:`write_term_records`) when every
    value is whole 4-byte words: each part placed in one buffer of words
    with NumPy, the same bytes as :func:`_join_records`."""
    starts, counts, header, wcode, wsec, slen, vlen, vcode, voff = layout
    s0, e0 = int(starts[a]), int(starts[b])
    cnt = counts[a:b]
    words = (HEADER.size + 4 * cnt + wsec[a:b] + slen[a:b] + vlen[a:b]) // 4
    at = np.cumsum(words) - words  # each record's first word in the buffer
    out = np.zeros(int(words.sum()), dtype="<u4")
    out[_runs(at, np.full(b - a, 4))] = header[a:b].view("<u4")
    at = at + 4
    out[_runs(at, cnt)] = doc[s0:e0]
    at = at + cnt
    codes = wcode[a:b]
    for code, kind in _WEIGHT_TYPES.items():
        mine = codes == code
        if not mine.any():
            continue
        width = np.dtype(kind).itemsize
        values = np.concatenate([weight[s:e] for s, e in _spans(starts, a, mine)])
        view = out.view(kind)  # the weights section in units of this width
        view[_runs(at[mine] * (4 // width), cnt[mine])] = values.astype(kind)
    at = at + wsec[a:b] // 4
    sized = vcode[a:b] == V_SIZED
    if sized.any():
        values = np.concatenate([size[s:e] for s, e in _spans(starts, a, sized)])
        out[_runs(at[sized], cnt[sized])] = values
    at = at + slen[a:b] // 4
    stored = vlen[a:b] // 4
    if stored.any():
        words32 = blob.view("<u4")
        first_word = voff[starts[a:b]] // 4
        out[_runs(at, stored)] = words32[_runs(first_word, stored)]
    return out.tobytes()


def _spans(starts, a: int, mask) -> list[tuple[int, int]]:
    """``(start, end)`` of the postings of the terms ``a + i`` where ``mask[i]``."""
    chosen = np.flatnonzero(mask) + a
    return list(zip(starts[chosen].tolist(), starts[chosen + 1].tolist(), strict=True))


def _byte_view(a: np.ndarray) -> memoryview:
    """The bytes of array ``a`` as a flat ``memoryview`` (no copy when contiguous)."""
    return memoryview(np.ascontiguousarray(a)).cast("B")


#: :data:`HEADER` as a NumPy record (little-endian, unpadded: 16 bytes).
_HEADER_DTYPE = np.dtype(
    [
        ("magic", "S4"),
        ("n", "<u4"),
        ("wcode", "u1"),
        ("vcode", "u1"),
        ("pad", "<u2"),
        ("vsize", "<u4"),
    ]
)
#: Whoosh's ``W3TermInfo.to_bytes`` of a term whose postings are not inlined:
#: its ``"!BfIBBfII"`` statistics, then ``pack_long(offset)`` and
#: ``pack_int(length)`` (big-endian, unpadded: 35 bytes).
TERMINFO_DTYPE = np.dtype(
    [
        ("inlined", "u1"),
        ("weight", ">f4"),
        ("df", ">u4"),
        ("minlength", "u1"),
        ("maxlength", "u1"),
        ("maxweight", ">f4"),
        ("minid", ">u4"),
        ("maxid", ">u4"),
        ("offset", ">i8"),
        ("length", ">i4"),
    ]
)
#: Whoosh's length byte limits: ``length_to_byte`` gives 255 from here on.
_LENGTH_255 = 106374


def length_bytes(lengths) -> np.ndarray:
    """Whoosh's ``length_to_byte`` of each length (tokens) of an array, as ``uint8``."""
    from whoosh.util.numeric import byte_to_length

    table = np.array([byte_to_length(b) for b in range(256)], dtype=np.int64)
    lengths = np.asarray(lengths, dtype=np.int64)
    got = np.minimum(np.searchsorted(table, lengths, side="left"), 255)
    return np.where(lengths >= _LENGTH_255, 255, got).astype(np.uint8)


def terminfo_bytes(stats: TermStats) -> np.ndarray:
    """Each term's ``W3TermInfo.to_bytes()`` (postings not inlined), as an
    array of :data:`TERMINFO_DTYPE` records; ``tests/unit/test_codec_bulk.py``
    checks it against Whoosh's own encoding."""
    out = np.zeros(len(stats.df), dtype=TERMINFO_DTYPE)
    out["weight"] = stats.weight
    out["df"] = stats.df
    out["minlength"] = np.where(stats.shortest > 0, length_bytes(stats.shortest), 0)
    out["maxlength"] = length_bytes(stats.longest)
    out["maxweight"] = stats.maxweight
    out["minid"] = stats.minid
    out["maxid"] = stats.maxid
    out["offset"] = stats.offset
    out["length"] = stats.length
    return out


def write_records(postfile, fmt, starts, doc, weight, size, blob, voff, lengths, infos=None):
    """Write the postings records of consecutive terms of one field at the
    end of ``postfile`` (:func:`write_term_records`, which says what the
    arguments hold) and return each term's ``W3TermInfo`` (statistics and
    record extent set; ``infos``: the objects to fill, new ones if ``None``).

    Raises:
        ValueError: a term without postings.
    """
    stats = write_term_records(postfile, fmt, starts, doc, weight, size, blob, voff, lengths)
    out = []
    for n in range(len(stats.df)):
        info = W3TermInfo() if infos is None else infos[n]
        wc.set_term_stats(
            info,
            weight=float(stats.weight[n]),
            df=int(stats.df[n]),
            minlength=int(stats.shortest[n]) or None,
            maxlength=int(stats.longest[n]),
            maxweight=float(stats.maxweight[n]),
            minid=int(stats.minid[n]),
            maxid=int(stats.maxid[n]),
        )
        info.set_extent(int(stats.offset[n]), int(stats.length[n]))
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
