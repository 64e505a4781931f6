"""A writer's postings spilled to sorted runs, merged once into its segment (issue 20).

An indexing worker used to write a new segment each time its
:class:`~paperbrowse.core.engine.segments.MemoryPool` passed its budget, and
merge its ~20 (100k papers) to ~200 (a million) segments into one at the
end: every paper's postings written, read back and written again, and its
stored fields, lengths and columns copied — about a fifth of a build. Now
the worker keeps one segment writer for all its documents (stored fields,
lengths and columns go to the segment's files as they come) and only its
postings leave memory: a full pool is sorted and written as a :class:`Run`
(:meth:`~paperbrowse.core.engine.segments.MemoryPool.spill`), and the
segment's one write of its postings merges the runs (:func:`write_runs`,
with the merge loop of :func:`~paperbrowse.core.engine.bulkmerge.merge_postings`):
a run's terms are in key order and its postings in term then document
order, and runs come in document order, so a chunk of terms is each run's
next postings, slices laid end to end and put in term order by one stable
sort. The segment is the one the old path's merge wrote, byte for byte
(``tests/unit/test_runs.py``).

A run is one file (or, for storage without a folder, one ``bytes`` object),
native byte order, every array starting on an 8-byte boundary::

    magic b"PBRUN001"
    terms K, postings P, key bytes KB, value bytes VB  (4 × int64)
    key offsets   (K + 1) × int64   merge key k is keys[off[k]:off[k + 1]]
    keys          KB bytes          field rank (2 bytes, big-endian) + term bytes
    starts        (K + 1) × int64   term k's postings are [starts[k], starts[k + 1])
    doc           P × uint32        document numbers (the segment's)
    weight        P × float32
    size          P × uint32        bytes of each posting's value
    value offsets (P + 1) × int64
    values        VB bytes

A merge key orders as Whoosh's ``(fieldname, btext)`` term keys (the field's
rank in the schema's sorted names, fixed width, then the term's bytes).
Run files are named after their segment (``<segment id>.run<n>``), so a
worker that dies leaves nothing Whoosh's clean-up at the next commit does
not delete; the segment's write removes them before the segment is packed.
"""

from __future__ import annotations

import contextlib
import os
from functools import partial

import numpy as np

from paperbrowse.core.engine import bulkmerge

MAGIC = b"PBRUN001"
#: Postings written at a time by :func:`write_runs` (as the merges' ``MERGE_CHUNK``).
CHUNK = 1 << 18
_HEADER = 8 + 4 * 8


def merge_key(rank: int, btext: bytes) -> bytes:
    """The merge key of term ``btext`` of the field whose rank (in the
    schema's sorted names) is ``rank``: bytes that order as ``(fieldname, btext)``."""
    return rank.to_bytes(2, "big") + btext


def _pad(n: int) -> int:
    return -n % 8


class Run(bulkmerge.TermBuffer):
    """One sorted run of postings (the module's layout), read a slice at a
    time (``os.pread`` from its file, or views of its bytes), with the
    :class:`~paperbrowse.core.engine.bulkmerge.TermBuffer` that
    :func:`~paperbrowse.core.engine.bulkmerge.merge_postings` merges.

    Read, not memory-mapped: a mapped file's pages count in the process's
    resident set as they are touched: a 50,000-paper worker's final write
    held ~190 MB of its runs' pages (each chunk's few hundred kilobytes a
    run mapped megabytes — most likely this machine's kernel, 6.18,
    mapping page cache in large folios) even with the pages let go after
    every chunk. Slices read into memory are freed with the chunk.

    Args:
        source: the run's bytes (``bytes``-like), or a file descriptor open
            for reading (the run closes it).
        path: the run's file (``None``: in memory).

    Raises:
        ValueError: ``source`` is not a whole run (magic or lengths wrong).
    """

    def __init__(self, source, path: str | None = None) -> None:
        where = path or "in memory"
        if isinstance(source, int):
            self._fd: int | None = source
            length = os.fstat(source).st_size
            self._read = partial(_pread, source)
        else:
            self._fd = None
            view = memoryview(source).cast("B")
            length = len(view)
            self._read = lambda offset, n: view[offset : offset + n]
        self.path = path
        head = self._read(0, _HEADER)
        if len(head) < _HEADER or bytes(head[:8]) != MAGIC:
            self.close(remove=False)
            raise ValueError(f"not a postings run: {where}")
        k, p, kb, vb = np.frombuffer(head, dtype=np.int64, count=4, offset=8).tolist()
        if min(k, p, kb, vb) < 0:
            self.close(remove=False)
            raise ValueError(f"a damaged postings run (negative lengths): {where}")
        #: array name → (byte offset, dtype)
        self._at: dict[str, tuple[int, np.dtype]] = {}
        at = _HEADER
        for name, dtype, count in (
            ("key_off", np.int64, k + 1),
            ("key_bytes", np.uint8, kb),
            ("starts", np.int64, k + 1),
            ("doc", np.uint32, p),
            ("weight", np.float32, p),
            ("size", np.uint32, p),
            ("voff", np.int64, p + 1),
            ("values", np.uint8, vb),
        ):
            dtype = np.dtype(dtype)
            self._at[name] = (at, dtype)
            nbytes = dtype.itemsize * count
            at += nbytes + _pad(nbytes)
        if (
            at != length
            or self.read("starts", k, k + 1).tolist() != [p]
            or self.read("voff", p, p + 1).tolist() != [vb]
        ):
            self.close(remove=False)
            raise ValueError(f"a damaged postings run (its lengths do not add up): {where}")
        super().__init__(k)

    def read(self, name: str, a: int, b: int) -> np.ndarray:
        """Elements ``a:b`` of the run's array ``name`` (``key_off``,
        ``key_bytes``, ``starts``, ``doc``, ``weight``, ``size``, ``voff``,
        ``values``), read now (read-only)."""
        offset, dtype = self._at[name]
        n = max(0, b - a) * dtype.itemsize
        return np.frombuffer(self._read(offset + a * dtype.itemsize, n), dtype=dtype)

    @classmethod
    def write(cls, path: str | None, keys: list[bytes], starts, doc, weight, size, values) -> Run:
        """Write a run of merge keys ``keys`` (sorted, :func:`merge_key`)
        whose postings are ``[starts[k], starts[k + 1])`` of ``doc``,
        ``weight``, ``size`` (term then document order) with their values
        laid end to end in ``values``; to file ``path`` (renamed into place
        once whole) or, with ``None``, in memory.

        Raises:
            OSError: the file cannot be written (nothing is left at ``path``).
        """
        key_lengths = np.fromiter(map(len, keys), dtype=np.int64, count=len(keys))
        key_off = np.concatenate(([0], np.cumsum(key_lengths))).astype(np.int64)
        size = np.asarray(size, dtype=np.uint32)
        voff = np.concatenate(([0], np.cumsum(size, dtype=np.int64)))
        if isinstance(values, (bytes, bytearray, memoryview)):
            values = np.frombuffer(values, dtype=np.uint8)
        values = np.asarray(values, dtype=np.uint8)
        head = np.array([len(keys), len(doc), int(key_off[-1]), len(values)], dtype=np.int64)
        parts = [
            key_off,
            np.frombuffer(b"".join(keys), dtype=np.uint8),
            np.asarray(starts, dtype=np.int64),
            np.asarray(doc, dtype=np.uint32),
            np.asarray(weight, dtype=np.float32),
            size,
            voff,
            values,
        ]
        if path is None:
            chunks = [MAGIC, head.tobytes()]
            for part in parts:
                chunks += [part.tobytes(), bytes(_pad(part.nbytes))]
            return cls(b"".join(chunks))
        partial_path = path + ".part"
        try:
            with open(partial_path, "wb") as fh:
                fh.write(MAGIC)
                fh.write(head.tobytes())
                for part in parts:
                    fh.write(memoryview(np.ascontiguousarray(part)).cast("B"))
                    fh.write(bytes(_pad(part.nbytes)))
            os.replace(partial_path, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(partial_path)
            raise
        return cls.open(path)

    @classmethod
    def open(cls, path: str) -> Run:
        """The run in file ``path``.

        Raises:
            OSError: it cannot be read. ValueError: it is not a run.
        """
        return cls(os.open(path, os.O_RDONLY), path)

    # ------------------------------------------------ merge_postings' term buffer

    def _read_keys(self, a: int, b: int) -> list[bytes]:
        off = self.read("key_off", a, b + 1)
        base = int(off[0])
        raw = self.read("key_bytes", base, int(off[-1])).tobytes()
        edges = (off - base).tolist()
        return [raw[s:e] for s, e in zip(edges[:-1], edges[1:], strict=True)]

    def df(self, t: int) -> np.ndarray:
        """Postings of each of the next ``t`` buffered terms (``int64``)."""
        return np.diff(self.read("starts", self.at, self.at + t + 1))

    def close(self, remove: bool = True) -> None:
        """Close the run's file and (``remove``) delete it."""
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)
        if remove and self.path:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path)


def _pread(fd: int, offset: int, n: int) -> bytes:
    """``n`` bytes of file ``fd`` from ``offset`` (fewer at its end)."""
    parts = []
    while n > 0:
        got = os.pread(fd, n, offset)
        if not got:
            break
        parts.append(got)
        offset += len(got)
        n -= len(got)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def write_runs(schema, perdoc, fieldwriter, runs: list[Run], chunk: int | None = None) -> None:
    """Write the postings of ``runs`` (in document order) with ``fieldwriter``
    (an :class:`~paperbrowse.core.engine.codec.ArrayFieldWriter`): every
    term in key order, its postings in document order, about ``chunk``
    postings (default :data:`CHUNK`) at a time.

    Args:
        schema: the segment's Whoosh schema (its sorted names rank the fields).
        perdoc: the segment's per-document reader (field lengths give each
            term's shortest and longest document).
        runs: the runs, earliest documents first; left open.
    """
    bulkmerge.merge_postings(
        schema, fieldwriter, runs, None, chunk or CHUNK, write=partial(_write_chunk, perdoc)
    )


def _write_chunk(perdoc, schema, names, fieldwriter, runs, maps, take, union, gids) -> None:
    """Write the terms ``union`` (merge keys, sorted; ``take[k]``: how many
    of them run ``k``'s buffer holds, first; ``gids[k]``: their numbers in
    ``union``): each run's next postings, put in term order."""
    from paperbrowse.core.engine.segments import _length_bounds, values_in_order

    terms, docs, weights, sizes, values = [], [], [], [], []
    for k, run in enumerate(runs):
        t = take.get(k, 0)
        if not t:
            continue
        bounds = run.read("starts", run.at, run.at + t + 1)
        s, e = int(bounds[0]), int(bounds[-1])
        terms.append(np.repeat(gids[k], np.diff(bounds)))
        docs.append(run.read("doc", s, e))
        weights.append(run.read("weight", s, e))
        size = run.read("size", s, e)
        sizes.append(size)
        first = int(run.read("voff", s, s + 1)[0])
        values.append(run.read("values", first, first + int(size.sum(dtype=np.int64))))
    term_of = np.concatenate(terms)
    order = np.argsort(term_of, kind="stable")  # runs in document order: a term's stay so
    doc = np.concatenate(docs)[order]
    weight = np.concatenate(weights)[order]
    size, voff, blob = values_in_order(np.concatenate(values), np.concatenate(sizes), order)
    counts = np.bincount(term_of, minlength=len(union))
    starts = np.concatenate(([0], np.cumsum(counts)))
    keys = [(names[int.from_bytes(key[:2], "big")], key[2:]) for key in union]
    lengths = _length_bounds(perdoc, keys, doc, starts)
    fieldwriter.write_terms(schema, keys, starts, doc, weight, size, blob, voff, lengths)
