"""The one door into Whoosh's private names.

The engine reads and writes Whoosh's segments below its public API: a
segment's term dictionary and postings file, a column's raw bytes, a term
info's statistics, a ``ListMatcher``'s cursor, the steps of a
``SegmentWriter``'s commit. Every such name of whoosh-reloaded (the version
pinned in ``pyproject.toml``) is reached here, through a small named function
or, for the two writer steps the engine replaces, through
:class:`HookedSegmentWriter`; no other module of paperbrowse names one
(``tests/unit/test_whoosh_contract.py`` checks both: that each name in
:data:`PRIVATE_NAMES` exists in the installed Whoosh, and that no other module
uses a private Whoosh name).

Where the engine has a fast path that needs a private name and a slow,
public one to fall back on (reading a term's postings as arrays, a numeric
column in bulk, the term dictionary's keys), the accessor returns ``None``
when the name is missing and logs a warning once per name (logger
``paperbrowse.core.engine.whoosh_compat``), so a Whoosh upgrade that breaks a
fast path is seen instead of making searches silently slower.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
from array import array
from collections.abc import Callable
from typing import Any

from whoosh.codec.whoosh3 import (
    LENGTHS_COLUMN,
    W3Codec,
    W3FieldWriter,
    W3PerDocReader,
    W3TermInfo,
    W3TermsReader,
    _lenfield,
)
from whoosh.filedb.compound import CompoundStorage
from whoosh.filedb.filestore import OverlayStorage
from whoosh.reading import SegmentReader
from whoosh.writing import SegmentWriter

__all__ = [
    "LENGTHS_COLUMN",
    "PRIVATE_NAMES",
    "HookedSegmentWriter",
    "W3Codec",
    "W3FieldWriter",
    "W3PerDocReader",
    "W3TermInfo",
    "W3TermsReader",
]

log = logging.getLogger(__name__)

#: Each private Whoosh name used here, as ``(dotted owner, name)``: the owner
#: is a module or class of whoosh-reloaded that has (for a module) or sets on
#: its instances (for a class) the name. The contract test checks each.
PRIVATE_NAMES: tuple[tuple[str, str], ...] = (
    ("whoosh.codec.whoosh3", "_lenfield"),
    ("whoosh.codec.whoosh3.W3PerDocReader", "_cached_reader"),
    ("whoosh.codec.whoosh3.W3PerDocReader", "_doccount"),
    ("whoosh.codec.whoosh3.W3TermInfo", "_weight"),
    ("whoosh.codec.whoosh3.W3TermInfo", "_df"),
    ("whoosh.codec.whoosh3.W3TermInfo", "_minlength"),
    ("whoosh.codec.whoosh3.W3TermInfo", "_maxlength"),
    ("whoosh.codec.whoosh3.W3TermInfo", "_maxweight"),
    ("whoosh.codec.whoosh3.W3TermInfo", "_minid"),
    ("whoosh.codec.whoosh3.W3TermInfo", "_maxid"),
    ("whoosh.codec.whoosh3.W3PerDocWriter", "_colwriters"),
    ("whoosh.codec.whoosh3.W3PerDocWriter", "_create_column"),
    ("whoosh.codec.whoosh3.W3PerDocWriter", "_get_column"),
    ("whoosh.codec.whoosh3.W3PerDocWriter", "_has_column"),
    ("whoosh.codec.whoosh3.W3PerDocWriter", "_docnum"),
    ("whoosh.codec.whoosh3.W3PerDocWriter", "_fieldlengths"),
    ("whoosh.columns.VarBytesColumn.Writer", "_lengths"),
    ("whoosh.columns.VarBytesColumn.Writer", "_offsets"),
    ("whoosh.columns.VarBytesColumn.Writer", "_offset_base"),
    ("whoosh.columns.VarBytesColumn.Reader", "_lengths"),
    ("whoosh.columns.VarBytesColumn.Reader", "_offsets"),
    ("whoosh.columns.VarBytesColumn.Reader", "_dbfile"),
    ("whoosh.columns.VarBytesColumn.Reader", "_basepos"),
    ("whoosh.columns.VarBytesColumn.Writer", "_dbfile"),
    ("whoosh.columns.VarBytesColumn.Writer", "_count"),
    ("whoosh.columns.NumericColumn.Writer", "_dbfile"),
    ("whoosh.columns.NumericColumn.Writer", "_count"),
    ("whoosh.columns.CompressedBytesColumn.Writer", "_compress"),
    ("whoosh.columns.CompressedBytesColumn.Writer", "_level"),
    ("whoosh.columns.NumericColumn", "_typecode"),
    ("whoosh.columns.NumericColumn", "_default"),
    ("whoosh.filedb.filetables.HashWriter", "_write_hashes"),
    ("whoosh.codec.whoosh3.W3FieldWriter", "_postfile"),
    ("whoosh.codec.whoosh3.W3FieldWriter", "_format"),
    ("whoosh.codec.whoosh3.W3FieldWriter", "_fieldid"),
    ("whoosh.codec.whoosh3.W3FieldWriter", "_tindex"),
    ("whoosh.codec.whoosh3.W3TermsReader", "_postfile"),
    ("whoosh.codec.whoosh3.W3TermsReader", "_tindex"),
    ("whoosh.codec.whoosh3.W3TermsReader", "_fieldmap"),
    ("whoosh.columns.FixedBytesColumn.Reader", "_dbfile"),
    ("whoosh.columns.FixedBytesColumn.Reader", "_basepos"),
    ("whoosh.columns.FixedBytesColumn.Reader", "_count"),
    ("whoosh.columns.NumericColumn.Reader", "_typecode"),
    ("whoosh.columns.WrappedColumnReader", "_child"),
    ("whoosh.columns.WrappedColumnWriter", "_child"),
    ("whoosh.fields.Schema", "_dyn_fields"),
    ("whoosh.columns.NumericColumn.Reader", "_default"),
    ("whoosh.filedb.compound.CompoundStorage", "_source"),
    ("whoosh.filedb.structfile.BufferFile", "_buf"),
    ("whoosh.filedb.structfile.BufferFile", "_name"),
    ("whoosh.matching.ListMatcher", "_ids"),
    ("whoosh.matching.ListMatcher", "_weights"),
    ("whoosh.matching.ListMatcher", "_all_weights"),
    ("whoosh.matching.ListMatcher", "_values"),
    ("whoosh.matching.ListMatcher", "_i"),
    ("whoosh.matching.ListMatcher", "_format"),
    ("whoosh.matching.ListMatcher", "_scorer"),
    ("whoosh.matching.ListMatcher", "_term"),
    ("whoosh.matching.ListMatcher", "_terminfo"),
    ("whoosh.query.MultiTerm", "_btexts"),
    ("whoosh.query.NumericRange", "_compile_query"),
    ("whoosh.reading.SegmentReader", "_terms"),
    ("whoosh.reading.SegmentReader", "_codec"),
    ("whoosh.reading.SegmentReader", "_storage"),
    ("whoosh.reading.SegmentReader", "_perdoc"),
    ("whoosh.searching.Searcher", "_ix"),
    ("whoosh.scoring.BM25F", "_field_B"),
    ("whoosh.writing.SegmentWriter", "_lk"),
    ("whoosh.writing.SegmentWriter", "_added"),
    ("whoosh.writing.SegmentWriter", "_assemble_segment"),
    ("whoosh.writing.SegmentWriter", "_close_segment"),
    ("whoosh.writing.SegmentWriter", "_commit_toc"),
    ("whoosh.writing.SegmentWriter", "_finalize_segment"),
    ("whoosh.writing.SegmentWriter", "_finish"),
    ("whoosh.writing.SegmentWriter", "_flush_segment"),
    ("whoosh.writing.SegmentWriter", "_merge_segments"),
)

_warned: set[str] = set()


def warn_once(missing: str, slow: str) -> None:
    """Log a warning, once per ``missing`` in the process, that what one of the
    engine's fast paths needs is missing (``missing``: e.g. "Whoosh's
    SegmentReader has no _terms") and that it falls back to ``slow``."""
    if missing in _warned:
        return
    _warned.add(missing)
    log.warning(
        "paperbrowse's fast path is not available (%s): it falls back to %s, which is much "
        "slower (paperbrowse is tested with the whoosh-reloaded version pinned in pyproject.toml)",
        missing,
        slow,
    )


# ----------------------------------------------------------------- reading


def segment_terms(leaf: Any) -> Any | None:
    """The term dictionary (``W3TermsReader``) of segment reader ``leaf``;
    ``None`` for a reader that is not a ``SegmentReader`` (an empty index's), or
    (logged once) when Whoosh's ``SegmentReader`` has no ``_terms``."""
    if not isinstance(leaf, SegmentReader):
        return None
    try:
        return leaf._terms
    except AttributeError:
        warn_once("Whoosh's SegmentReader has no _terms", "Whoosh's matchers")
        return None


def segment_codec(leaf: Any) -> Any | None:
    """The codec that wrote segment reader ``leaf``'s segment; ``None`` for a
    reader that is not a ``SegmentReader`` or (logged once) when the name is gone."""
    if not isinstance(leaf, SegmentReader):
        return None
    try:
        return leaf._codec
    except AttributeError:
        warn_once("Whoosh's SegmentReader has no _codec", "Whoosh's matchers")
        return None


def segment_per_doc(leaf: Any) -> Any | None:
    """The per-document reader (stored fields, lengths, columns) of segment
    reader ``leaf``; ``None`` for a reader that is not a ``SegmentReader`` or
    (logged once) when the name is gone."""
    if not isinstance(leaf, SegmentReader):
        return None
    try:
        return leaf._perdoc
    except AttributeError:
        warn_once("Whoosh's SegmentReader has no _perdoc", "Whoosh's scoring")
        return None


def searcher_index(searcher: Any) -> Any:
    """The index (``whoosh.index.Index``) that ``searcher`` was opened from."""
    return searcher._ix


def segment_map(leaf: Any) -> Any | None:
    """The memory map under segment reader ``leaf``'s compound file, or
    ``None`` (a segment not in a compound file, or not memory-mapped)."""
    storage = getattr(leaf, "_storage", None)
    return compound_map(getattr(storage, "a", None))


def compound_map(storage: Any) -> Any | None:
    """The memory map (``mmap.mmap`` or a buffer) under ``storage`` when it is
    a memory-mapped ``CompoundStorage`` (or an ``OverlayStorage`` over one),
    else ``None``."""
    if isinstance(storage, OverlayStorage):
        storage = storage.a
    if not isinstance(storage, CompoundStorage):
        return None
    return getattr(storage, "_source", None)


def terms_postfile(terms: Any) -> Any:
    """The postings file of term dictionary ``terms`` (a ``W3TermsReader``)."""
    return terms._postfile


def terms_index(terms: Any) -> tuple[Any, dict[str, int]] | None:
    """``(hash reader, field name → field number)`` of term dictionary
    ``terms``; ``None`` (logged once) when Whoosh no longer has them."""
    tindex = getattr(terms, "_tindex", None)
    fieldmap = getattr(terms, "_fieldmap", None)
    if tindex is None or fieldmap is None:
        if terms is not None:
            warn_once(
                "Whoosh's W3TermsReader has no _tindex or _fieldmap", "Whoosh's term iterator"
            )
        return None
    return tindex, fieldmap


def file_buffer(dbfile: Any) -> Any | None:
    """The buffer a Whoosh ``BufferFile`` reads from (the memory map of a
    compound segment), or ``None`` for a file on disk."""
    return getattr(dbfile, "_buf", None)


def init_buffer_file(dbfile: Any, buf: Any, name: str | None) -> None:
    """Set the buffer and name of ``dbfile``, a ``BufferFile`` subclass whose
    ``__init__`` does not call ``BufferFile``'s (which copies the buffer)."""
    dbfile._buf = buf
    dbfile._name = name


def column_bytes(reader: Any) -> bytes:
    """The stored bytes of a fixed-size column ``reader`` (``FixedBytesColumn``
    reader: one slot per document up to the last one written)."""
    return reader._dbfile.get(reader._basepos, reader._count)


def numeric_column_parts(raw: Any) -> tuple[Any, int, int, str, int] | None:
    """``(file, offset, stored count, array typecode, default)`` of a Whoosh
    2.7 ``NumericColumn`` reader opened with ``translate=False``; ``None``
    (logged once) for another reader."""
    try:
        return raw._dbfile, raw._basepos, raw._count, raw._typecode, raw._default
    except AttributeError:
        warn_once(
            "Whoosh's NumericColumn reader has no _dbfile, _basepos or _count",
            "reading numbers one by one",
        )
        return None


def per_doc_length_column(perdoc: Any, fieldname: str) -> Any | None:
    """The length column reader of ``fieldname`` in a ``W3PerDocReader``
    (``None`` when the field has no lengths)."""
    return perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)


def per_doc_count(perdoc: Any) -> int:
    """Documents (deleted included) of a ``W3PerDocReader``'s segment."""
    return perdoc._doccount


def set_term_stats(
    info: Any,
    *,
    weight: float,
    df: int,
    minlength: int | None,
    maxlength: int,
    maxweight: float,
    minid: int,
    maxid: int,
) -> None:
    """Set the statistics of a ``W3TermInfo`` for postings written whole:
    total weight, document frequency, shortest and longest field length (in
    tokens; ``None`` for unknown), highest weight, first and last document number."""
    info._weight = weight
    info._df = df
    info._minlength = minlength
    info._maxlength = maxlength
    info._maxweight = maxweight
    info._minid, info._maxid = minid, maxid


# ----------------------------------------------------------------- matching


def matcher_terminfo(matcher: Any) -> Any | None:
    """The term info a ``ListMatcher`` was made with, or ``None``."""
    return matcher._terminfo


def matcher_cursor(matcher: Any) -> tuple[list[int], int]:
    """``(document numbers, current index)`` of a ``ListMatcher``."""
    return matcher._ids, matcher._i


def set_matcher_cursor(matcher: Any, i: int) -> None:
    """Move a ``ListMatcher`` to index ``i`` of its document numbers."""
    matcher._i = i


def matcher_args(matcher: Any) -> tuple:
    """The arguments that make a copy of ``ListMatcher`` ``matcher`` at its
    current position: ``(ids, weights, values, format, scorer, position,
    all_weights, term, terminfo)``, ``ListMatcher.__init__``'s order."""
    m = matcher
    return (
        m._ids,
        m._weights,
        m._values,
        m._format,
        m._scorer,
        m._i,
        m._all_weights,
        m._term,
        m._terminfo,
    )


def multiterm_btexts(q: Any, reader: Any):
    """The encoded terms of ``reader`` that multi-term query ``q`` (prefix,
    wildcard, regex, range) stands for, as Whoosh expands them."""
    return q._btexts(reader)


def numeric_range_query(q: Any, reader: Any) -> Any:
    """The query over encoded terms that ``NumericRange`` ``q`` compiles to."""
    return q._compile_query(reader)


def bm25f_field_b(weighting: Any) -> dict[str, float]:
    """The per-field ``B`` values of a ``BM25F`` (empty when every field uses ``B``)."""
    return weighting._field_B


# ----------------------------------------------------------------- writing


def field_writer_target(fieldwriter: Any) -> tuple[Any, Any, int, Any]:
    """``(postings file, current field's format, field number, term index)``
    of a ``W3FieldWriter`` inside ``start_field``."""
    fw = fieldwriter
    return fw._postfile, fw._format, fw._fieldid, fw._tindex


def add_hash_entries(tindex: Any, keys: list[bytes], values: list) -> None:
    """Add ``(key, value)`` pairs (``bytes``-like, keys ascending and after
    every key already there) to Whoosh's ``OrderedHashWriter`` ``tindex``, as
    its ``add`` does one at a time: the same bytes in its file, buckets and
    key index, with one file write for them all (``add`` wrote three times and
    asked the file's position once a term: 2.4 s of a 20,000-paper build),
    the records laid out and the hashes put in their buckets with NumPy (a
    loop over the keys took 3.8 of the 9.2 s a worker's 100,000 papers
    took to write their postings at the end; now the MD5 digests are the
    only call a key).

    Raises:
        ValueError: the keys are not ascending, or not after the last one
            added (``OrderedHashWriter.add``'s check).
    """
    import operator
    from hashlib import md5

    import numpy as np
    from whoosh.filedb.filetables import md5_hash

    if not keys:
        return
    if keys[0] <= tindex.lastkey or not all(map(operator.lt, keys, keys[1:])):
        raise ValueError(f"Keys must increase: {tindex.lastkey!r}..{keys[0]!r}")
    n = len(keys)
    dbfile = tindex.dbfile
    pos = dbfile.tell()
    # the records (filetables' _lengths "!ii", the key, the value) laid out with NumPy
    klen = np.fromiter(map(len, keys), dtype=np.int64, count=n)
    vlen = np.fromiter(map(len, values), dtype=np.int64, count=n)
    size = 8 + klen + vlen
    start = np.cumsum(size) - size  # each record's offset from pos
    out = np.empty(int(size.sum()), dtype=np.uint8)
    head = np.empty((n, 2), dtype=">i4")
    head[:, 0] = klen
    head[:, 1] = vlen
    out[(start[:, None] + np.arange(8)).ravel()] = head.view(np.uint8).ravel()
    for part, lens, at in ((keys, klen, start + 8), (values, vlen, start + 8 + klen)):
        data = np.frombuffer(b"".join(part), dtype=np.uint8)
        if len(data):
            out[np.repeat(at - (np.cumsum(lens) - lens), lens) + np.arange(len(data))] = data
    dbfile.write(memoryview(out))
    positions = start + pos
    tindex.index.extend(positions.tolist())
    tindex.lastkey = bytes(keys[-1])
    if getattr(tindex, "hashless", False):  # skip_term_hashes: no buckets
        return
    hashfn = tindex.hashfn
    if hashfn is md5_hash:  # md5_hash: the digest's last 4 bytes, big-endian
        digests = b"".join([md5(key, usedforsecurity=False).digest() for key in keys])
        hashes = np.frombuffer(digests, dtype=">u4").reshape(n, 4)[:, 3].astype(np.int64)
    else:
        hashes = np.fromiter(map(hashfn, keys), dtype=np.int64, count=n)
    bucket = hashes & 255
    order = np.argsort(bucket, kind="stable")  # a bucket's entries in key order
    per_bucket = np.bincount(bucket, minlength=256)
    ends = np.cumsum(per_bucket)
    buckets = tindex.buckets
    for b in np.flatnonzero(per_bucket).tolist():
        chosen = order[(ends[b - 1] if b else 0) : ends[b]]
        target = buckets[b]
        if isinstance(target, HashBucket):
            target.hashes.frombytes(hashes[chosen].astype(np.uint32).tobytes())
            target.positions.frombytes(positions[chosen].astype(np.int64).tobytes())
        else:
            target.extend(zip(hashes[chosen].tolist(), positions[chosen].tolist(), strict=True))


def write_hash_tables(tindex: Any) -> None:
    """Whoosh's ``HashWriter._write_hashes`` (the 256 hash tables of a hash
    file, at its close), writing each table at once: the same slots, found
    by the same linear probing, and the same bytes (Whoosh wrote each slot
    with its own call: 1.3 million calls for a merge of 77,000 papers)."""
    import struct

    pack = struct.Struct("!Iq").pack  # filetables' _pointer
    dbfile = tindex.dbfile
    for entries in tindex.buckets:
        pos = dbfile.tell()
        numslots = 2 * len(entries)
        tindex.directory.append((pos, numslots))
        table: list = [None] * numslots
        for hashval, position in entries:
            slot = (hashval >> 8) % numslots
            while table[slot] is not None:
                slot = (slot + 1) % numslots
            table[slot] = (hashval, position)
        if numslots:
            dbfile.write(b"".join(pack(*(entry or (0, 0))) for entry in table))


class HashBucket:
    """One of a Whoosh ``HashWriter``'s 256 buckets of ``(hash, key position)``
    pairs, kept in two arrays (12 bytes a key) instead of a list of tuples
    (about 80): the term dictionary of a merge of a million papers holds
    millions of keys until it closes. ``append`` and iteration as the list's."""

    __slots__ = ("hashes", "positions")

    def __init__(self) -> None:
        self.hashes = array("I")
        self.positions = array("q")

    def append(self, pair: tuple[int, int]) -> None:
        self.hashes.append(pair[0])
        self.positions.append(pair[1])

    def __len__(self) -> int:
        return len(self.hashes)

    def __iter__(self):
        return zip(self.hashes, self.positions, strict=True)


def fast_hash_tables(tindex: Any) -> Any:
    """``tindex`` (a Whoosh ``HashWriter`` with no key yet) keeping its
    buckets in :class:`HashBucket` arrays and writing its hash tables with
    :func:`write_hash_tables` when it closes."""
    if not any(tindex.buckets):
        tindex.buckets = [HashBucket() for _ in tindex.buckets]
    tindex._write_hashes = lambda: write_hash_tables(tindex)
    return tindex


def raw_stored_fields(perdoc: Any, perdocwriter: Any) -> tuple[Any, Any] | None:
    """``(read, add)`` for copying the stored fields of the documents of a
    ``W3PerDocReader`` ``perdoc`` to ``perdocwriter`` (a ``W3PerDocWriter``)
    as they are stored: ``read(docnum)`` gives a document's stored-fields
    value as written (Whoosh's ``STORED_COLUMN``: a zlib-compressed pickle of
    the fields, ``b""`` for none), ``add(docnum, raw)`` puts it in the
    writer's stored-fields column without unpickling, pickling and
    compressing it again. ``None`` when either side is not Whoosh 2.7's
    (then the fields are copied through ``stored_fields``)."""
    from whoosh.columns import VarBytesColumn

    inner_reader = stored_column_reader(perdoc)
    inner_writer = stored_column_writer(perdocwriter)
    if inner_reader is None or inner_writer is None:
        return None

    def read(docnum: int) -> bytes:
        return VarBytesColumn.Reader.__getitem__(inner_reader, docnum)

    def add(docnum: int, raw: bytes) -> None:
        VarBytesColumn.Writer.add(inner_writer, docnum, raw)

    return read, add


def column_writer(perdocwriter: Any, name: str, column: Any) -> Any:
    """The writer of column ``name`` (Whoosh column type ``column``) of a
    ``W3PerDocWriter``, created as ``add_column_value`` creates it."""
    if not perdocwriter._has_column(name):
        perdocwriter._create_column(name, column)
    return perdocwriter._get_column(name)


def stored_column_writer(perdocwriter: Any) -> Any | None:
    """The ``VarBytesColumn`` writer under a ``W3PerDocWriter``'s stored
    fields (values added to it raw: already pickled and compressed), or
    ``None`` when it is not Whoosh 2.7's ``PickleColumn(CompressedBytesColumn)``."""
    from whoosh.columns import CompressedBytesColumn, PickleColumn

    writer = getattr(perdocwriter, "_colwriters", {}).get("_stored")
    if not isinstance(writer, PickleColumn.Writer):
        return None
    inner = getattr(writer, "_child", None)
    return inner if isinstance(inner, CompressedBytesColumn.Writer) else None


def stored_packer(perdocwriter: Any) -> Callable[[dict], bytes] | None:
    """A function that makes a document's stored-fields value as a
    ``W3PerDocWriter``'s stored column writes it (Whoosh 2.7's
    ``STORED_COLUMN``: the field name → value dict pickled with protocol 2,
    then compressed at the column's level), to add with
    :func:`append_varbytes` to :func:`stored_column_writer`; ``None`` when
    the writer's stored column is not Whoosh 2.7's."""
    from whoosh.compat import dumps

    inner = stored_column_writer(perdocwriter)
    compress = getattr(inner, "_compress", None)
    level = getattr(inner, "_level", None)
    if compress is None or level is None:
        return None

    def pack(fields: dict) -> bytes:
        return compress(dumps(fields, 2), level)

    return pack


def length_column_name(fieldname: str) -> str:
    """The name of the column of ``fieldname``'s field lengths (one byte a
    document, Whoosh's ``length_to_byte``; column type :data:`LENGTHS_COLUMN`)."""
    return _lenfield(fieldname)


def stored_column_reader(perdoc: Any) -> Any | None:
    """The ``VarBytesColumn`` reader under a ``W3PerDocReader``'s stored
    fields (values raw: pickled and compressed), or ``None`` (not Whoosh 2.7's)."""
    from whoosh.codec.whoosh3 import STORED_COLUMN
    from whoosh.columns import CompressedBytesColumn, PickleColumn

    try:
        reader = perdoc._cached_reader("_stored", STORED_COLUMN)
    except AttributeError:
        return None
    inner = getattr(reader, "_child", None)
    if isinstance(reader, PickleColumn.Reader) and isinstance(inner, CompressedBytesColumn.Reader):
        return inner
    return None


def varbytes_parts(reader: Any) -> tuple[bytes, Any] | None:
    """``(values laid end to end, each value's length)`` of a Whoosh 2.7
    ``VarBytesColumn`` reader (every document of its segment), or ``None``."""
    from whoosh.columns import VarBytesColumn

    if not isinstance(reader, VarBytesColumn.Reader):
        return None
    try:
        lengths, offsets = reader._lengths, reader._offsets
        dbfile, basepos = reader._dbfile, reader._basepos
    except AttributeError:
        return None
    if not len(lengths):
        return b"", lengths
    start = offsets[0]
    end = offsets[-1] + lengths[-1]
    return dbfile.get(basepos + start, end - start), lengths


def append_varbytes(writer: Any, first: int, data: bytes, lengths: Any) -> None:
    """``VarBytesColumn.Writer.add`` of documents ``first``, ``first + 1``, …
    (values ``data`` cut at ``lengths``), in one call: the same file bytes
    and arrays."""
    from whoosh.columns import VarBytesColumn

    VarBytesColumn.Writer.fill(writer, first)
    writer._dbfile.write(data)
    base = writer._offset_base
    offsets = []
    for length in lengths:
        offsets.append(base)
        base += length
    writer._lengths.extend(lengths)
    writer._offsets.extend(offsets)
    writer._offset_base = base
    writer._count = first + len(lengths)


def append_numbers(writer: Any, first: int, packed: bytes, count: int) -> None:
    """``NumericColumn.Writer.add`` of documents ``first`` to ``first + count
    - 1``, the last one not the default: ``packed`` holds every value,
    packed as the column packs them (defaults included)."""
    if first > writer._count:
        writer.fill(first)
    writer._dbfile.write(packed)
    writer._count = first + count


def is_plain_column(column: Any, varbytes: bool | None = None) -> bool:
    """Whether Whoosh column type ``column`` is exactly ``NumericColumn`` or
    ``VarBytesColumn`` (what a merge copies a column at a time); with
    ``varbytes`` true or false, exactly the one or the other."""
    from whoosh.columns import NumericColumn, VarBytesColumn

    kinds = {None: (NumericColumn, VarBytesColumn), True: (VarBytesColumn,)}
    return type(column) in kinds.get(varbytes, (NumericColumn,))


def numeric_typecode(column: Any) -> tuple[str, Any]:
    """``(struct typecode, default value)`` of a ``NumericColumn``."""
    return column._typecode, column._default


def add_field_lengths(perdocwriter: Any, fieldname: str, total: int) -> None:
    """Add ``total`` tokens to a ``W3PerDocWriter``'s length total of ``fieldname``."""
    perdocwriter._fieldlengths[fieldname] += total


def skip_docs(perdocwriter: Any, count: int) -> None:
    """Count ``count`` documents as written in a ``W3PerDocWriter`` (their
    values were added a column at a time)."""
    perdocwriter._doccount += count
    perdocwriter._docnum = perdocwriter._doccount - 1


def has_dynamic_fields(schema: Any) -> bool:
    """Whether Whoosh ``schema`` has glob (dynamic) fields (``True`` when unknown)."""
    return bool(getattr(schema, "_dyn_fields", True))


def unlocked_writer(cls: type, ix: Any, **kwargs: Any) -> Any:
    """A ``SegmentWriter`` subclass ``cls`` over ``ix`` that does not take the
    index's lock (a worker or a merge inside a writer that holds it)."""
    return cls(ix, _lk=False, **kwargs)


def has_added(writer: Any) -> bool:
    """Whether ``SegmentWriter`` ``writer`` has documents in its new segment."""
    return writer._added


def mark_added(writer: Any) -> None:
    """Mark ``writer``'s new segment as holding documents (written by hand)."""
    writer._added = True


def skip_term_hashes(writer: Any) -> None:
    """Write ``writer``'s segment with empty hash tables in its term
    dictionary (every bucket of Whoosh's ``OrderedHashWriter`` without
    slots): its terms in order and their key index as always, so it can be
    read in order (merged), but a term looked up by key is not found. For a
    worker's segments that are merged before any reader sees them (an
    indexing worker, :mod:`~paperbrowse.core.engine.writing`): the MD5 of every term
    and the tables took writing a segment from 84 to 112 µs a paper (one
    process, 30,000 papers), ~5 % of a worker's time. Call before
    the segment's terms are written (:func:`add_hash_entries`)."""
    writer.fieldwriter._tindex.hashless = True


def finalize_segment(writer: Any) -> Any:
    """Write ``writer``'s new segment and return it (not yet committed)."""
    return writer._finalize_segment()


def close_segment(writer: Any) -> None:
    """Close the files of ``writer``'s new segment."""
    writer._close_segment()


def assemble_segment(writer: Any) -> None:
    """Pack ``writer``'s new segment's files into its compound file."""
    writer._assemble_segment()


def remove_segment_files(storage: Any, segment: Any) -> None:
    """Delete the files of ``segment`` (not listed in any table of contents:
    merged away before a commit) from ``storage``; a file already gone is
    skipped."""
    prefix = segment.segment_id() + "."
    for name in storage.list():
        if name.startswith(prefix):
            with contextlib.suppress(OSError):
                storage.delete_file(name)


def merge_segments(writer: Any, policy: Any) -> list:
    """The segments left after merge ``policy`` ran in ``writer``."""
    return writer._merge_segments(policy, None, None)


def commit_toc(writer: Any, segments: list) -> None:
    """Write a table of contents listing ``segments`` (what ``writer`` commits)."""
    writer._commit_toc(segments)


def finish(writer: Any) -> None:
    """Release ``writer``'s lock and mark it closed, after its commit."""
    writer._finish()


class HookedSegmentWriter(SegmentWriter):
    """Whoosh's ``SegmentWriter`` whose two private commit steps call public
    hooks a subclass overrides: :meth:`plan_commit` (the segments a new table
    of contents lists) and :meth:`flush_postings` (write the new segment's
    postings and close its files)."""

    def plan_commit(self, segments: list) -> list:
        """The segments to list in the table of contents (default: ``segments``)."""
        return segments

    def flush_postings(self) -> None:
        """Write the new segment's postings (default: Whoosh's pool)."""
        super()._flush_segment()

    def _commit_toc(self, segments) -> None:
        super()._commit_toc(self.plan_commit(segments))

    def _flush_segment(self) -> None:
        self.flush_postings()

    def _assemble_segment(self) -> None:
        if self.compound:
            create_aligned_compound(self.get_segment(), self.storage)


#: Byte boundary each file of a compound segment starts at (a cache line).
COMPOUND_ALIGN = 64


def create_aligned_compound(segment: Any, storage: Any) -> None:
    """Whoosh's ``Segment.create_compound_file`` (the segment's files packed
    into its ``.seg`` file, then deleted), with each file starting at a
    multiple of :data:`COMPOUND_ALIGN` bytes: the postings arrays a search
    maps from the memory-mapped segment are then aligned in memory (NumPy
    works on misaligned arrays through buffers). Whoosh reads the files by
    the offsets in the compound file's directory, so the padding between
    them is never read."""
    from whoosh.filedb.compound import CompoundStorage

    names = segment.list_files(storage)
    if any(name.endswith(segment.COMPOUND_EXT) for name in names):
        raise ValueError(f"segment {segment.segment_id()} is already compound")
    dbfile = segment.create_file(storage, segment.COMPOUND_EXT)
    directory = {}
    basepos = dbfile.tell()
    dbfile.write_long(0)  # directory position, set by write_dir
    dbfile.write_int(0)  # directory length
    for name in names:
        pad = -dbfile.tell() % COMPOUND_ALIGN
        if pad:
            dbfile.write(bytes(pad))
        offset = dbfile.tell()
        directory[name] = {
            "offset": offset,
            "length": storage.file_length(name),
            "modified": storage.file_modified(name),
        }
        with storage.open_file(name) as fh:
            shutil.copyfileobj(fh, dbfile)
    CompoundStorage.write_dir(dbfile, basepos, directory, {})
    for name in names:
        storage.delete_file(name)
    segment.compound = True
