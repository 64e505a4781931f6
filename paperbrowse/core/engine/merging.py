"""The merge policy of the index's segments, and the merge itself.

Two rules, one owner (this module):

* **small segments** (under :data:`SMALL` documents: imports of a few papers
  each) are merged together through the writer, as Whoosh merges, once there
  are more than :data:`MAX_SMALL` of them (:func:`merge_small`, the writers'
  Whoosh ``mergetype``);
* **larger segments** are merged in tiers at commit, :data:`FACTOR` of a tier
  into one, from their arrays (:func:`merge_tiers`, called by
  :meth:`~paperbrowse.core.engine.segments.ArraySegmentWriter.plan_commit`;
  :func:`merge_segments` writes the merged segment).

The writers (:mod:`~paperbrowse.core.engine.writing`) and the segment writer
(:mod:`~paperbrowse.core.engine.segments`) call these and decide nothing.
"""

from __future__ import annotations

import contextlib

import numpy as np
from whoosh.columns import TranslatingColumnReader
from whoosh.formats import Existence, Frequency

from paperbrowse.core.engine import bulkmerge
from paperbrowse.core.engine import whoosh_compat as wc
from paperbrowse.core.engine.codec import CompactPositions
from paperbrowse.core.engine.segments import ArraySegmentWriter

#: Segments merged at once, and the size ratio between tiers: a tier holds
#: segments of ``SMALL × FACTOR**t`` to ``SMALL × FACTOR**(t + 1)`` documents,
#: and its segments are merged into one when there are :data:`FACTOR` of them.
FACTOR = 8
#: Documents of the smallest tier's segments: segments with fewer are merged
#: together through the writer by :func:`merge_small` once there are more
#: than :data:`MAX_SMALL` of them (imports of a few papers each).
SMALL = 2_000
MAX_SMALL = 8
#: Postings written per call of the field writer during a merge (bounds memory).
MERGE_CHUNK = 1 << 18
#: Merge postings a chunk of terms at a time with NumPy
#: (:mod:`~paperbrowse.core.engine.bulkmerge`); ``False``: a term at a time.
BULK = True


def merge_small(writer, segments: list) -> list:
    """Paperbrowse's merge policy (a Whoosh ``mergetype``): merge the segments
    under :data:`SMALL` documents, once there are more than
    :data:`MAX_SMALL`, into the segment being written; leave larger ones.

    Whoosh's default policy (``MERGE_SMALL``) merges on a Fibonacci schedule
    that sooner or later rewrites segments of any size, in the writing
    process, one posting at a time in pure Python: importing a million
    papers in batches of 10,000 stalled for many minutes at 110,000 papers
    while one core re-indexed the segments already written. Here small
    segments are merged through the writer, and larger ones at commit, a
    tier at a time, from their arrays (:func:`merge_tiers`).
    """
    from whoosh.reading import SegmentReader

    small = [s for s in segments if s.doc_count_all() < SMALL]
    if len(small) <= MAX_SMALL:
        return segments
    for segment in small:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
    merged = {id(s) for s in small}
    return [s for s in segments if id(s) not in merged]


def tier(docs: int) -> int:
    """The tier of a segment of ``docs`` documents (0: under :data:`SMALL`)."""
    t = 0
    size = SMALL
    while docs >= size:
        t += 1
        size *= FACTOR
    return t


def merge_tiers(writer, segments: list) -> list:
    """Merge, tier by tier, every :data:`FACTOR` segments of a tier above the
    smallest into one (:func:`merge_segments`), until no tier holds that
    many; return the new segment list.

    A Lucene-style tiered policy: a paper is rewritten about once per tier
    it climbs (``log_FACTOR(N / SMALL)`` times: 3 for a million papers), and
    an index of N papers keeps at most ``FACTOR - 1`` segments a tier, so a
    search's term lookups grow with ``log N``, not with the number of
    import batches (about two segments per 10,000 papers imported).

    Args:
        writer: the committing ``SegmentWriter`` (holds the index lock).
        segments: the segments the commit is about to list.
    """
    from paperbrowse.core.engine.codec import ArrayCodec

    if not mergeable(writer.schema):
        return list(segments)
    segments = list(segments)
    while True:
        by_tier: dict[int, list] = {}
        for segment in segments:
            t = tier(segment.doc_count())
            if t > 0 and isinstance(segment.codec(), ArrayCodec):
                by_tier.setdefault(t, []).append(segment)
        full = [group for _, group in sorted(by_tier.items()) if len(group) >= FACTOR]
        if not full:
            return segments
        group = sorted(full[0], key=lambda s: s.doc_count())[:FACTOR]
        merged = merge_segments(writer, group)
        chosen = {id(s) for s in group}
        segments = [s for s in segments if id(s) not in chosen] + [merged]


def mergeable(schema) -> bool:
    """True if :func:`merge_segments` can merge the postings of every field
    of ``schema``: formats whose values are positions (CompactPositions),
    the frequency (Frequency) or nothing (Existence)."""
    return all(
        schema[name].format is None
        or isinstance(schema[name].format, (CompactPositions, Frequency, Existence))
        for name in schema.names()
    )


def merge_segments(writer, segments: list):
    """Write the live documents of ``segments`` (written with
    :class:`~paperbrowse.core.engine.codec.ArrayCodec`) as one new segment and
    return it (not yet listed in the table of contents).

    Per-document data (stored fields, field lengths, columns) is copied by
    Whoosh's ``write_per_doc``; postings are merged a term at a time from
    the segments' arrays: document numbers moved to the new segment's (the
    documents of each segment follow those of the one before; deleted
    documents dropped), written :data:`MERGE_CHUNK` postings at a time, so
    memory does not grow with the segments' size.

    Raises:
        OSError: the disk is full (the partial segment's files are left for
            Whoosh's clean-up at the next commit).
    """
    from whoosh import index as whoosh_index
    from whoosh.reading import SegmentReader

    from paperbrowse.core.engine.codec import ArrayCodec

    ix = whoosh_index.FileIndex(writer.storage, writer.schema, writer.indexname)
    out = wc.unlocked_writer(ArraySegmentWriter, ix, codec=ArrayCodec())
    schema = out.schema
    readers = [SegmentReader(writer.storage, schema, segment) for segment in segments]
    try:
        fieldnames = set(schema.names())
        maps = []
        for reader in readers:
            base = out.docnum
            docmap = _copy_per_doc(out, fieldnames, reader)
            count = reader.doc_count_all()
            if docmap is None:
                maps.append(np.arange(base, base + count, dtype=np.int64))
            else:
                moved = np.full(count, -1, dtype=np.int64)
                moved[np.fromiter(docmap.keys(), np.int64, len(docmap))] = np.fromiter(
                    docmap.values(), np.int64, len(docmap)
                )
                maps.append(moved)
            _drop_pages(reader)
        wc.mark_added(out)
        out.perdocwriter.close()

        def drop() -> None:
            for reader in readers:
                _drop_pages(reader)

        dicts = bulkmerge.dictionaries(readers, schema, _drop_pages) if BULK else None
        if dicts is not None:
            bulkmerge.merge_postings(schema, out.fieldwriter, dicts, maps, MERGE_CHUNK, drop)
        else:
            _merge_term_by_term(schema, out, readers, maps, drop)
        out.fieldwriter.close()
        wc.close_segment(out)
        wc.assemble_segment(out)
        return out.get_segment()
    finally:
        for reader in readers:
            reader.close()


def _merge_term_by_term(schema, out, readers, maps, drop) -> None:
    """Write the postings of every term of segment readers ``readers`` with
    ``out``'s field writer a term at a time (documents renumbered by
    ``maps``), for segments :mod:`~paperbrowse.core.engine.bulkmerge` does not move."""
    import heapq
    from itertools import groupby

    from paperbrowse.core.engine.records import read_term_arrays

    postfiles = [wc.terms_postfile(wc.segment_terms(r)) for r in readers]
    chunk = _MergeChunk(schema, out.fieldwriter, drop)
    streams = [_terms(reader, k, schema) for k, reader in enumerate(readers)]
    for key, parts in groupby(heapq.merge(*streams, key=lambda item: item[0]), lambda i: i[0]):
        pieces = []
        shortest, longest = None, 0
        for _, k, info in parts:
            arrays = read_term_arrays(postfiles[k], info)
            ids = maps[k][arrays.ids]
            keep = ids >= 0
            positions = arrays.positions
            if not keep.all():
                if positions is not None:
                    positions = positions[np.repeat(keep, arrays.weights.astype(np.int64))]
                ids = ids[keep]
                weights = arrays.weights[keep]
            else:
                weights = arrays.weights
            if not len(ids):
                continue
            pieces.append((ids, weights, positions))
            low = info.min_length()
            if low and (shortest is None or low < shortest):
                shortest = low
            longest = max(longest, info.max_length())
        if pieces:
            chunk.add(key, pieces, shortest or 0, longest)
    chunk.flush()


def _copy_per_doc(out, fieldnames: set, reader) -> dict | None:
    """Whoosh's ``SegmentWriter.write_per_doc`` (copy the live documents'
    stored fields, field lengths and column values of segment reader
    ``reader`` to writer ``out``; returns the old → new document numbers
    when the segment has deletions, else ``None``), with each document's
    stored fields copied as stored
    (:func:`~paperbrowse.core.engine.whoosh_compat.raw_stored_fields`):
    not decompressed, unpickled, pickled and compressed again (zlib was
    most of a merge's per-document time). Falls back to Whoosh's for
    schemas with term vectors or dynamic fields."""
    schema = out.schema
    perdoc = wc.segment_per_doc(reader)
    pdw = out.perdocwriter
    if BULK and perdoc is not None and _copy_columns(out, fieldnames, reader, perdoc):
        return None
    raw = wc.raw_stored_fields(perdoc, pdw) if perdoc is not None else None
    if (
        raw is None
        or wc.has_dynamic_fields(schema)
        or any(schema[name].vector for name in fieldnames)
    ):
        return out.write_per_doc(fieldnames, reader)
    read_stored, add_stored = raw
    docmap = {} if reader.has_deletions() else None
    cols = {}
    for fieldname in fieldnames:
        coltype = schema[fieldname].column_type
        if coltype and reader.has_column(fieldname):
            creader = reader.column_reader(fieldname, coltype)
            if isinstance(creader, TranslatingColumnReader):
                creader = creader.raw_column()
            cols[fieldname] = creader
    fields = [(name, schema[name], cols.get(name)) for name in sorted(fieldnames)]
    field_length = reader.doc_field_length
    for docnum in reader.all_doc_ids():
        if docmap is not None:
            docmap[docnum] = out.docnum
        pdw.start_doc(out.docnum)
        for fieldname, fieldobj, column in fields:
            pdw.add_field(fieldname, fieldobj, None, field_length(docnum, fieldname))
            if column is not None:
                pdw.add_column_value(fieldname, fieldobj.column_type, column[docnum])
        stored = read_stored(docnum)
        if stored:
            add_stored(out.docnum, stored)
        pdw.finish_doc()
        out.docnum += 1
    return docmap


#: ``struct`` typecodes of ``NumericColumn`` → the NumPy type of their packed
#: (``"!"``: big-endian, standard sizes) values.
_PACKED = {
    "b": ">i1", "B": ">u1", "h": ">i2", "H": ">u2", "i": ">i4", "I": ">u4",
    "l": ">i4", "L": ">u4", "q": ">i8", "Q": ">u8", "f": ">f4", "d": ">f8",
}  # fmt: skip


def _copy_columns(out, fieldnames: set, reader, perdoc) -> bool:
    """:func:`_copy_per_doc` a column at a time, for a segment without
    deletions whose columns are Whoosh's ``NumericColumn`` or
    ``VarBytesColumn`` and stored fields Whoosh 2.7's: each column's values
    read and written at once, the same bytes as a document at a time
    (``tests/unit/test_merging_copy.py``); the field length totals are the
    segment's exact ones (Whoosh's copy adds up the one-byte lengths, which
    moves BM25's average field length). ``False`` (nothing written) when
    the segment is not such a one."""
    schema = out.schema
    pdw = out.perdocwriter
    if (
        reader.has_deletions()
        or wc.has_dynamic_fields(schema)
        or any(schema[name].vector for name in fieldnames)
    ):
        return False
    stored_in, stored_out = wc.stored_column_reader(perdoc), wc.stored_column_writer(pdw)
    stored = wc.varbytes_parts(stored_in) if stored_in is not None else None
    if stored is None or stored_out is None:
        return False
    count = reader.doc_count_all()
    # (column name, column type, ("numbers", packed, values) | ("bytes", data, lengths))
    plan = []
    lengths_total = {}
    for fieldname in sorted(fieldnames):
        column = wc.per_doc_length_column(perdoc, fieldname)
        if column is not None:
            numbers = _numbers(column, wc.LENGTHS_COLUMN)
            if numbers is None:
                return False
            packed, used = numbers
            if used:
                plan.append(
                    (wc.length_column_name(fieldname), wc.LENGTHS_COLUMN, ("numbers", packed, used))
                )
                # the segment's exact total, not the sum of its one-byte
                # lengths (what Whoosh's copy adds up): BM25's average field
                # length, and so every score, stays what the segment had
                lengths_total[fieldname] = reader.field_length(fieldname)
        coltype = schema[fieldname].column_type
        if not coltype or not reader.has_column(fieldname):
            continue
        if not wc.is_plain_column(coltype):
            return False
        creader = reader.column_reader(fieldname, coltype)
        if isinstance(creader, TranslatingColumnReader):
            creader = creader.raw_column()
        if wc.is_plain_column(coltype, varbytes=True):
            parts = wc.varbytes_parts(creader)
            if parts is None or len(parts[1]) != count:
                return False
            plan.append((fieldname, coltype, ("bytes", *parts)))
        else:
            numbers = _numbers(creader, coltype)
            if numbers is None:
                return False
            plan.append((fieldname, coltype, ("numbers", *numbers)))
    if len(stored[1]) != count:
        return False
    first = out.docnum
    for name, coltype, (kind, data, extent) in plan:
        writer = wc.column_writer(pdw, name, coltype)
        if kind == "bytes":
            wc.append_varbytes(writer, first, data, extent)
        elif extent:
            wc.append_numbers(writer, first, data, extent)
    wc.append_varbytes(stored_out, first, *stored)
    for fieldname, total in lengths_total.items():
        wc.add_field_lengths(pdw, fieldname, total)
    wc.skip_docs(pdw, count)
    out.docnum += count
    return True


def _numbers(raw, coltype):
    """``(the packed values up to the last one that is not the default, how
    many values that is)`` of a ``NumericColumn`` reader
    ``raw``; ``None`` when it is not one this can read."""
    parts = wc.numeric_column_parts(raw)
    if parts is None:
        return None
    dbfile, basepos, stored, typecode, default = parts
    kind = _PACKED.get(typecode)
    if kind is None or (typecode, default) != wc.numeric_typecode(coltype):
        return None
    size = np.dtype(kind).itemsize
    packed = dbfile.get(basepos, stored * size) if stored else b""
    values = np.frombuffer(packed, dtype=kind)
    differ = np.flatnonzero(values != default)
    used = int(differ[-1]) + 1 if len(differ) else 0
    return packed[: used * size], used


def _drop_pages(reader) -> None:
    """Let go of the pages of ``reader``'s memory-mapped segment read so far
    (``madvise(MADV_DONTNEED)``: they stay in the page cache, and are read
    again from it if needed): a merge reads its segments from end to end, and
    their pages would otherwise count in its resident memory, gigabytes for
    the segments of a million papers."""
    import mmap

    source = wc.segment_map(reader)
    if isinstance(source, mmap.mmap) and hasattr(mmap, "MADV_DONTNEED"):
        with contextlib.suppress(OSError, ValueError):  # closed, or not supported here
            source.madvise(mmap.MADV_DONTNEED)


def _terms(reader, k: int, schema):
    """``(key, k, terminfo)`` of every term of segment reader ``reader``, in order."""
    for key, info in wc.segment_terms(reader).items():
        if key[0] in schema:
            yield key, k, info


class _MergeChunk:
    """Terms of a merge waiting to be written, :data:`MERGE_CHUNK` postings
    at a time: ``(key, pieces, shortest, longest)``, a piece being one
    segment's ``(document numbers, weights, positions or None)`` of the term."""

    def __init__(self, schema, fieldwriter, flushed=None) -> None:
        self.schema = schema
        self.fieldwriter = fieldwriter
        self.flushed = flushed
        self.terms: list = []
        self.postings = 0

    def add(self, key, pieces, shortest: int, longest: int) -> None:
        self.terms.append((key, pieces, shortest, longest))
        self.postings += sum(len(p[0]) for p in pieces)
        if self.postings >= MERGE_CHUNK:
            self.flush()

    def flush(self) -> None:
        if not self.terms:
            return
        docs, weights, sizes, blobs, counts = [], [], [], [], []
        for key, pieces, _, _ in self.terms:
            fmt = self.schema[key[0]].format
            for ids, w, positions in pieces:
                docs.append(ids)
                weights.append(w)
                if isinstance(fmt, CompactPositions):
                    if positions is None:
                        raise ValueError(f"no positions in a record of {key!r}")
                    sizes.append((4 * w).astype(np.uint32))
                    blobs.append(positions.astype("<u4").view(np.uint8))
                elif isinstance(fmt, Frequency):  # its value: pack_uint(frequency)
                    sizes.append(np.full(len(ids), 4, dtype=np.uint32))
                    blobs.append(w.astype(">u4").view(np.uint8))
                else:
                    sizes.append(np.zeros(len(ids), dtype=np.uint32))
            counts.append(sum(len(p[0]) for p in pieces))
        doc = np.concatenate(docs).astype(np.uint32)
        weight = np.concatenate(weights).astype(np.float32)
        size = np.concatenate(sizes)
        blob = np.concatenate(blobs) if blobs else np.zeros(0, dtype=np.uint8)
        voff = np.concatenate(([0], np.cumsum(size, dtype=np.int64)))
        starts = np.concatenate(([0], np.cumsum(counts)))
        shortest = np.array([t[2] for t in self.terms], dtype=np.int64)
        longest = np.array([t[3] for t in self.terms], dtype=np.int64)
        keys = [t[0] for t in self.terms]
        self.fieldwriter.write_terms(
            self.schema, keys, starts, doc, weight, size, blob, voff, (shortest, longest)
        )
        self.terms = []
        self.postings = 0
        if self.flushed is not None:
            self.flushed()
