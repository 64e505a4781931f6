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

The on-disk format is Whoosh's unchanged; only the reading differs. A segment
remembers its codec (Whoosh pickles it into the table of contents), so
segments written with :class:`PaperCodec` are read with it, and merges keep it.
"""

from __future__ import annotations

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3Codec, W3PerDocReader, _lenfield
from whoosh.util.numeric import byte_to_length

#: ``byte_to_length`` for every byte: Whoosh stores lengths as one byte, exact
#: up to 10 and within a few per cent above.
BYTE_TO_LENGTH: tuple[int, ...] = tuple(byte_to_length(b) for b in range(256))


class PaperCodec(W3Codec):
    """Whoosh's ``W3Codec`` whose per-document readers keep field lengths in memory."""

    def per_document_reader(self, storage, segment):
        return CachedLengthsReader(storage, segment)


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
