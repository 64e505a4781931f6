"""Writing one segment: postings gathered in flat arrays, written term by term.

Whoosh's ``SegmentWriter`` puts every posting into a ``PostingPool``: a
Python tuple per posting (about 180 bytes), sorted in runs of ``limitmb``
that are pickled to temporary files and merged back one posting at a time,
then handed one by one to the field writer. With a paperbrowse document's
~340 postings that was a third of the build. :class:`ArraySegmentWriter`
gathers the postings of its documents in a :class:`MemoryPool` instead (16
bytes a posting plus its positions, in ``array`` buffers), orders them with
one NumPy sort at the end and writes each term's record at once
(:meth:`MemoryPool.write`, through :func:`~paperbrowse.core.codec.write_term`'s
format). The pool lives in memory: a writer whose pool passes its budget
(:attr:`MemoryPool.memory`) is finished as a segment and a new one started
(:class:`~paperbrowse.core.writing.ParallelWriter` does this), so memory
stays bounded without spilling to disk.
"""

from __future__ import annotations

from array import array

import numpy as np
from whoosh.writing import SegmentWriter

from paperbrowse.core.codec import BYTE_TO_LENGTH

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

    def iter_postings(self):
        """Every posting as Whoosh's ``(fieldname, btext, docnum, weight,
        value)``, in term then document order (for Whoosh's own callers)."""
        keys, order, starts, _ = self._sorted()
        doc, weight, size = self._doc, self._weight, self._size
        offsets = np.concatenate(([0], np.cumsum(np.frombuffer(size, np.uint32), dtype=np.int64)))
        blob = bytes(self._blob)
        for n, (fieldname, btext) in enumerate(keys):
            for i in order[starts[n] : starts[n + 1]].tolist():
                value = blob[offsets[i] : offsets[i + 1]]
                yield fieldname, btext, doc[i], weight[i], value

    def cleanup(self) -> None:
        """Drop everything (Whoosh's pool removes its temporary run files here)."""
        self.__init__()

    def _sorted(self):
        """``(keys in order, posting order, term starts in it, term ids in key order)``."""
        keys = sorted(self._ids)
        ids = np.fromiter((self._ids[k] for k in keys), dtype=np.int64, count=len(keys))
        rank = np.empty(len(keys), dtype=np.int32)
        rank[ids] = np.arange(len(keys), dtype=np.int32)
        by_term = rank[np.frombuffer(self._term, dtype=np.uint32)]
        # stable: a term's postings stay in document order
        order = np.argsort(by_term, kind="stable").astype(np.int32)
        counts = np.bincount(by_term, minlength=len(keys))
        del by_term
        starts = np.concatenate(([0], np.cumsum(counts)))
        return keys, order, starts, ids

    def write(self, schema, perdoc, fieldwriter) -> None:
        """Write every term's record with ``fieldwriter`` (an
        :class:`~paperbrowse.core.codec.ArrayFieldWriter`), fields and terms
        in order, each term's postings in document order.

        Args:
            schema: the writer's Whoosh schema.
            perdoc: the segment's per-document reader (its field lengths give
                each term's shortest and longest document).
            fieldwriter: the segment's field writer.

        Raises:
            ValueError: a term's postings were not added in document order.
        """
        if not self._ids:
            return
        keys, order, starts, _ = self._sorted()
        doc = np.frombuffer(self._doc, dtype=np.uint32)[order]
        weight = np.frombuffer(self._weight, dtype=np.float32)[order]
        size = np.frombuffer(self._size, dtype=np.uint32)
        first = starts[:-1]
        later = np.ones(len(doc), dtype=bool)  # postings after the first of their term
        later[first] = False
        if (np.diff(doc.astype(np.int64))[later[1:]] <= 0).any():
            raise ValueError("a term's postings were not added in document order")
        # the values, reordered with their postings
        blob = np.frombuffer(self._blob, dtype=np.uint8)
        offsets = np.concatenate(([0], np.cumsum(size, dtype=np.int64)))[:-1][order]
        size = size[order]
        voff = np.concatenate(([0], np.cumsum(size, dtype=np.int64)))
        if len(blob):
            blob = _gather(blob, offsets, size, voff)
        lengths = _length_bounds(perdoc, keys, doc, starts)
        fieldwriter.write_terms(schema, keys, starts, doc, weight, size, blob, voff, lengths)


#: Postings whose values are gathered at a time (bounds the index arrays: 8 bytes a word).
GATHER_CHUNK = 1 << 20


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
    n = 0
    while n < len(keys):
        fieldname = keys[n][0]
        end = n
        while end < len(keys) and keys[end][0] == fieldname:
            end += 1
        raw = perdoc.length_bytes(fieldname) if hasattr(perdoc, "length_bytes") else None
        if raw is not None:
            s, e = starts[n], starts[end]
            got = np.frombuffer(raw, dtype=np.uint8)[doc[s:e]].astype(np.int64)
            bounds = starts[n:end] - s
            longest[n:end] = table[np.maximum.reduceat(got, bounds)]
            shortest[n:end] = table[np.minimum.reduceat(np.where(got > 0, got, 256), bounds)]
        n = end
    return shortest, longest


class ArraySegmentWriter(SegmentWriter):
    """Whoosh's ``SegmentWriter`` with a :class:`MemoryPool` for its postings,
    written by :meth:`MemoryPool.write` (needs :class:`~paperbrowse.core.codec.ArrayCodec`).

    Raises:
        whoosh.index.LockError: another writer holds the index's lock (unless ``_lk=False``).
    """

    def __init__(self, ix, **kwargs) -> None:
        super().__init__(ix, **kwargs)
        self.pool = MemoryPool()

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        perdoc = self.per_document_reader()
        try:
            self.pool.write(self.schema, perdoc, self.fieldwriter)
        finally:
            perdoc.close()
        self.fieldwriter.close()
