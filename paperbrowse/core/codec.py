"""The Whoosh codec of paperbrowse's index: Whoosh's own (``W3Codec``), with
field lengths held in memory.

BM25F needs the length of a document's field for every posting it scores,
and Whoosh's segment writer needs it for every posting it writes. Whoosh 2.7
reads it from the segment's length column one document at a time: a file
read, a ``struct`` unpack and a logarithmic decode per posting, the largest
single cost of writing a segment (about a sixth of the build) and a large part
of scoring a common term. :class:`PaperCodec` reads each field's length column
once per segment (one byte per document: 1 MB per field at a million papers)
and answers from it.

Whoosh 2.7 also copies every file it opens from a compound segment: its
``BufferFile`` wraps the memory-mapped file in a ``BytesIO``, which copies the
whole buffer, so opening a reader over 100,000 papers copied the postings and
terms files (≈ 500 MB, 1.5 s) into memory, again for every new reader (the
import's memory grew with it). :class:`PaperCodec` opens them as
:class:`MappedFile`, which reads the map in place.

The on-disk format is Whoosh's unchanged; only the reading differs. A segment
remembers its codec (Whoosh pickles it into the table of contents), so
segments written with :class:`PaperCodec` are read with it, and merges keep it.
"""

from __future__ import annotations

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3Codec, W3PerDocReader, W3TermsReader, _lenfield
from whoosh.filedb.compound import CompoundStorage
from whoosh.filedb.filestore import OverlayStorage
from whoosh.filedb.structfile import BufferFile
from whoosh.util.numeric import byte_to_length

#: ``byte_to_length`` for every byte: Whoosh stores lengths as one byte, exact
#: up to 10 and within a few per cent above.
BYTE_TO_LENGTH: tuple[int, ...] = tuple(byte_to_length(b) for b in range(256))


class PaperCodec(W3Codec):
    """Whoosh's ``W3Codec`` whose per-document readers keep field lengths in
    memory and whose readers open a compound segment's files without copying."""

    def per_document_reader(self, storage, segment):
        return CachedLengthsReader(MappedStorage(storage), segment)

    def terms_reader(self, storage, segment):
        storage = MappedStorage(storage)
        terms = segment.make_filename(self.TERMS_EXT)
        return W3TermsReader(
            self,
            storage.open_file(terms),
            storage.file_length(terms),
            segment.open_file(storage, self.POSTS_EXT),
        )


class MemoryReader:
    """A read-only, seekable file over a ``memoryview`` (no copy), enough of
    the file protocol for Whoosh's ``StructFile`` and ``pickle.load``."""

    def __init__(self, buf: memoryview) -> None:
        self._buf = buf
        self._pos = 0
        self._size = len(buf)

    def read(self, size: int = -1) -> bytes:
        start = self._pos
        end = self._size if size is None or size < 0 else min(start + size, self._size)
        self._pos = end
        return bytes(self._buf[start:end])

    def readinto(self, target) -> int:
        data = self.read(len(target))
        target[: len(data)] = data
        return len(data)

    def readline(self, size: int = -1) -> bytes:
        start = self._pos
        end = self._size if size is None or size < 0 else min(start + size, self._size)
        for n in range(start, end):
            if self._buf[n] == 10:
                end = n + 1
                break
        self._pos = end
        return bytes(self._buf[start:end])

    def seek(self, offset: int, whence: int = 0) -> int:
        base = (0, self._pos, self._size)[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        self._buf = memoryview(b"")


class MappedFile(BufferFile):
    """Whoosh's ``BufferFile`` over part of a memory map, read in place."""

    def __init__(self, buf: memoryview, name: str | None = None, onclose=None) -> None:
        self._buf = buf
        self._name = name
        self.file = MemoryReader(buf)
        self.onclose = onclose
        self.is_real = False
        self.is_closed = False


class MappedStorage:
    """A reader's storage (Whoosh's ``OverlayStorage`` of a segment's compound
    file, or a plain storage) whose memory-mapped files open as
    :class:`MappedFile`; everything else is the wrapped storage's."""

    def __init__(self, storage) -> None:
        self._storage = storage
        compound = storage.a if isinstance(storage, OverlayStorage) else storage
        mapped = isinstance(compound, CompoundStorage) and compound._source is not None
        self._compound = compound if mapped else None

    def open_file(self, name: str, *args, **kwargs):
        compound = self._compound
        if compound is not None and compound.file_exists(name):
            offset, length = compound.range(name)
            return MappedFile(memoryview(compound._source)[offset : offset + length], name=name)
        return self._storage.open_file(name, *args, **kwargs)

    def __getattr__(self, name: str):
        return getattr(self._storage, name)


class CachedLengthsReader(W3PerDocReader):
    """A ``W3PerDocReader`` that reads a field's length column whole, once.

    :meth:`length_bytes` gives the raw column (``bytes``, one per document,
    decode with :data:`BYTE_TO_LENGTH`); :meth:`doc_field_length` answers from it.
    """

    def __init__(self, storage, segment) -> None:
        super().__init__(storage, segment)
        self._length_bytes: dict[str, bytes | None] = {}

    def length_bytes(self, fieldname: str) -> bytes | None:
        """The encoded length of ``fieldname`` for every document of the
        segment (``None`` when the field has no lengths)."""
        try:
            return self._length_bytes[fieldname]
        except KeyError:
            pass
        reader = self._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        raw = None
        if reader is not None:
            # a FixedBytesColumn reader of one byte per document; documents
            # past the written part have the default length byte, 0
            stored = reader._dbfile.get(reader._basepos, reader._count)
            raw = bytes(stored) + bytes(max(0, self._doccount - len(stored)))
        self._length_bytes[fieldname] = raw
        return raw

    def doc_field_length(self, docnum, fieldname, default=0):
        if docnum > self._doccount:
            raise IndexError(f"Asked for docnum {docnum!r} of {self._doccount}")
        raw = self._length_bytes.get(fieldname)
        if raw is None:
            raw = self.length_bytes(fieldname)
            if raw is None:
                return default
        byte = raw[docnum] if docnum < len(raw) else 0
        return BYTE_TO_LENGTH[byte] if byte else default
