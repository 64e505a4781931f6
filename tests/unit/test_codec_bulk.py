"""The bulk segment writing (issue 20) against Whoosh's own encodings and the
per-term writer it replaced: the same bytes in the postings file, the same
term infos, the same hash-table term dictionary."""

from __future__ import annotations

import struct
from io import BytesIO

import numpy as np
import pytest
from whoosh.filedb.filestore import RamStorage
from whoosh.filedb.filetables import OrderedHashReader, OrderedHashWriter
from whoosh.filedb.structfile import StructFile
from whoosh.formats import Existence, Frequency, Positions
from whoosh.util.numeric import length_to_byte

from paperbrowse.core.engine import records
from paperbrowse.core.engine import whoosh_compat as wc
from paperbrowse.core.engine.codec import CompactPositions
from paperbrowse.core.engine.records import (
    _WEIGHT_TYPES,
    HEADER,
    MAGIC,
    V_FIXED,
    V_FREQUENCY,
    V_NONE,
    V_POSITIONS,
    V_SIZED,
    W_F4,
    W_ONE,
    W_U1,
    W_U2,
    length_bytes,
    read_term_arrays,
    read_values,
    terminfo_bytes,
    write_records,
    write_term_records,
)
from paperbrowse.core.engine.whoosh_compat import W3TermInfo


def _reference_records(postfile, fmt, starts, doc, weight, size, blob, voff) -> list:
    """The per-term record writer that :func:`write_term_records` replaced
    (one term at a time, its codes decided in Python): ``[(offset, length)]``."""
    out = []
    for n in range(len(starts) - 1):
        s, e = int(starts[n]), int(starts[n + 1])
        w = weight[s:e]
        sz = size[s:e]
        low, high = float(w.min()), float(w.max())
        whole = bool((w == np.floor(w)).all()) and low >= 0
        if low == high == 1.0:
            wcode, wbytes = W_ONE, b""
        elif whole and high < 256:
            wcode, wbytes = W_U1, w.astype(np.uint8).tobytes()
        elif whole and high < 65536:
            wcode, wbytes = W_U2, w.astype("<u2").tobytes()
        else:
            wcode, wbytes = W_F4, w.astype("<f4").tobytes()
        v0, v1 = int(voff[s]), int(voff[e])
        vsize, sizes, values = 0, b"", b""
        as_frequency = all(
            z == 4 and int.from_bytes(bytes(blob[voff[i] : voff[i] + 4]), "big") == weight[i]
            for i, z in zip(range(s, e), sz, strict=True)
        )
        if v1 == v0:
            vcode = V_NONE
        elif whole and isinstance(fmt, CompactPositions) and (sz == 4 * w).all():
            vcode, values = V_POSITIONS, blob[v0:v1].tobytes()
        elif whole and isinstance(fmt, Frequency) and as_frequency:
            vcode = V_FREQUENCY
        elif sz.min() == sz.max():
            vcode, vsize, values = V_FIXED, int(sz[0]), blob[v0:v1].tobytes()
        else:
            vcode, values = V_SIZED, blob[v0:v1].tobytes()
            sizes = sz.astype("<u4").tobytes()
        start = postfile.tell()
        postfile.write(HEADER.pack(MAGIC, e - s, wcode, vcode, 0, vsize))
        postfile.write(doc[s:e].astype("<u4").tobytes())
        if wbytes:
            postfile.write(wbytes + bytes(-len(wbytes) % 4))
        postfile.write(sizes + values)
        out.append((start, postfile.tell() - start))
    return out


def _terms(rng, fmt, terms: int, unit: int = 1):
    """Random postings of ``terms`` terms in ``fmt``'s value layout:
    ``(starts, doc, weight, size, blob, voff)``; other formats' values
    are ``unit`` bytes long or a multiple of it."""
    counts = rng.integers(1, 30, terms)
    starts = np.concatenate(([0], np.cumsum(counts)))
    doc = np.concatenate([np.sort(rng.choice(5000, c, replace=False)) for c in counts])
    doc = doc.astype(np.uint32)
    kind = rng.integers(0, 4, terms)  # per term: ones, small, large, fractional weights
    weight = np.concatenate(
        [
            np.ones(c)
            if k == 0
            else rng.integers(1, 9, c)
            if k == 1
            else rng.integers(200, 70000, c)
            if k == 2
            else rng.random(c) * 3
            for c, k in zip(counts, kind, strict=True)
        ]
    ).astype(np.float32)
    values = []
    for i, w in enumerate(weight.tolist()):
        if isinstance(fmt, CompactPositions):
            n = int(w) if w == int(w) and w < 40 else 2
            values.append(np.sort(rng.choice(900, n, replace=False)).astype("<u4").tobytes())
        elif isinstance(fmt, Frequency):
            values.append(struct.pack(">I", int(w)) if i % 7 else b"xyzw")
        elif isinstance(fmt, Existence):
            values.append(b"")
        else:
            n = unit * (1 + i % 3 * (i % 2))
            values.append(bytes(rng.integers(0, 256, n).astype(np.uint8)))
    size = np.array([len(v) for v in values], dtype=np.uint32)
    voff = np.concatenate(([0], np.cumsum(size, dtype=np.int64)))
    blob = np.frombuffer(b"".join(values), dtype=np.uint8)
    return starts, doc, weight, size, blob, voff


@pytest.mark.parametrize(
    ("fmt", "unit", "chunk"),
    [
        (CompactPositions(), 1, None),
        (CompactPositions(), 1, 1000),  # records written a few at a time, some alone
        (Frequency(), 1, None),
        (Existence(), 1, None),
        (Positions(), 1, None),  # values of any size: joined a term at a time
        (Positions(), 4, None),  # whole words of any count: placed with NumPy
        (Positions(), 4, 300),
    ],
)
def test_records_are_the_per_term_writers_bytes(fmt, unit, chunk, monkeypatch) -> None:
    if chunk:
        monkeypatch.setattr(records, "WRITE_CHUNK", chunk)
    rng = np.random.default_rng(7)
    starts, doc, weight, size, blob, voff = _terms(rng, fmt, 300, unit)
    expected = BytesIO()
    ref = StructFile(expected)
    ref.write(b"pad")  # records start at any offset
    extents = _reference_records(ref, fmt, starts, doc, weight, size, blob, voff)
    got = BytesIO()
    out = StructFile(got)
    out.write(b"pad")
    lengths = (np.zeros(300, dtype=np.int64), np.full(300, 12))
    stats = write_term_records(out, fmt, starts, doc, weight, size, blob, voff, lengths)
    assert got.getvalue() == expected.getvalue()
    assert list(zip(stats.offset.tolist(), stats.length.tolist(), strict=True)) == extents
    codes = {HEADER.unpack_from(got.getvalue(), o)[3] for o, _ in extents}
    assert len(codes) >= 2 or codes == {V_NONE}  # the random terms take several value codes
    # and each record reads back as its postings
    buf = got.getvalue()
    again = StructFile(BytesIO())
    again.write(b"pad")
    infos = write_records(again, fmt, starts, doc, weight, size, blob, voff, lengths)
    for n, info in enumerate(infos):
        s, e = int(starts[n]), int(starts[n + 1])
        arrays = read_term_arrays(StructFile(BytesIO(buf)), info)
        assert arrays.ids.tolist() == doc[s:e].tolist()
        assert arrays.weights.tolist() == weight[s:e].tolist()
        _, count, wcode, vcode, _, vsize = HEADER.unpack_from(buf, info.extent()[0])
        values = read_values(
            buf, info.extent()[0], count, wcode, vcode, vsize, arrays.weights.tolist()
        )
        if vcode != V_NONE:
            assert values == [blob[voff[i] : voff[i + 1]].tobytes() for i in range(s, e)]
        assert wcode in _WEIGHT_TYPES or wcode == W_ONE


def test_term_infos_are_whooshs_to_bytes() -> None:
    rng = np.random.default_rng(3)
    terms = 2000
    starts, doc, weight, size, blob, voff = _terms(rng, Frequency(), terms)
    shortest = rng.integers(0, 200_000, terms) * rng.integers(0, 2, terms)
    longest = np.maximum(shortest, rng.integers(0, 200_000, terms))
    longest[:5] = [0, 1, 106373, 106374, 10**7]
    out = StructFile(BytesIO())
    stats = write_term_records(
        out, Frequency(), starts, doc, weight, size, blob, voff, (shortest, longest)
    )
    got = terminfo_bytes(stats)
    infos = write_records(
        StructFile(BytesIO()),
        Frequency(),
        starts,
        doc,
        weight,
        size,
        blob,
        voff,
        (shortest, longest),
    )
    assert [r.tobytes() for r in got] == [info.to_bytes() for info in infos]
    assert all(isinstance(info, W3TermInfo) for info in infos)


def test_length_bytes_are_whooshs_length_to_byte() -> None:
    lengths = np.arange(0, 250_000)
    assert length_bytes(lengths).tolist() == [length_to_byte(n) for n in lengths.tolist()]


def _hash_file(entries, bulk: bool, arrays: bool = True) -> bytes:
    storage = RamStorage()
    writer = OrderedHashWriter(storage.create_file("t"))
    if bulk and arrays:  # else Whoosh's own buckets (lists of tuples)
        wc.fast_hash_tables(writer)
    writer.extras["fieldmap"] = {"title": 0}
    for keys, values in entries:
        if bulk:
            wc.add_hash_entries(writer, keys, values)
        else:
            for key, value in zip(keys, values, strict=True):
                writer.add(key, value)
    writer.close()
    return storage.open_file("t").read()


def test_hash_entries_are_whooshs_hash_writers_bytes() -> None:
    rng = np.random.default_rng(5)
    words = sorted(
        {bytes(rng.integers(97, 123, rng.integers(1, 12)).astype(np.uint8)) for _ in range(70_000)}
    )
    cut = len(words) // 3
    values = [bytes(rng.integers(0, 256, 35).astype(np.uint8)) for _ in words]
    entries = [(words[:cut], values[:cut]), ([], []), (words[cut:], values[cut:])]
    bulk = _hash_file(entries, bulk=True)
    assert bulk == _hash_file(entries, bulk=False)
    assert _hash_file(entries, bulk=True, arrays=False) == bulk
    storage = RamStorage()
    with storage.create_file("t") as fh:
        fh.write(bulk)
    reader = OrderedHashReader.open(storage, "t")
    assert reader[words[1234]] == values[1234]
    assert reader.closest_key(words[cut] + b"\0") == words[cut + 1]


def test_hash_entries_must_ascend() -> None:
    writer = OrderedHashWriter(RamStorage().create_file("t"))
    wc.add_hash_entries(writer, [b"b", b"c"], [b"1", b"2"])
    with pytest.raises(ValueError, match="Keys must increase"):
        wc.add_hash_entries(writer, [b"d", b"d"], [b"1", b"2"])
    with pytest.raises(ValueError, match="Keys must increase"):
        wc.add_hash_entries(writer, [b"a"], [b"1"])
    with pytest.raises(ValueError, match="Keys must increase"):
        writer.add(b"c", b"3")  # Whoosh's own check still sees the last key


def test_value_codes_cover_every_kind() -> None:
    seen = set()
    for fmt, unit in (
        (CompactPositions(), 1),
        (Frequency(), 1),
        (Existence(), 1),
        (Positions(), 4),
    ):
        starts, doc, weight, size, blob, voff = _terms(np.random.default_rng(11), fmt, 200, unit)
        buf = BytesIO()
        zeros = np.zeros(200, dtype=np.int64)
        stats = write_term_records(
            StructFile(buf), fmt, starts, doc, weight, size, blob, voff, (zeros, zeros)
        )
        seen |= {HEADER.unpack_from(buf.getvalue(), o)[3] for o in stats.offset.tolist()}
    assert seen >= {V_NONE, V_POSITIONS, V_FREQUENCY, V_FIXED, V_SIZED}
