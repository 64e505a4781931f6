"""The Whoosh codecs of paperbrowse's index.

:class:`ArrayCodec` (what every new segment is written with) keeps Whoosh's
segment layout, term dictionary, stored fields and columns, and replaces how
a term's postings are stored: as flat little-endian arrays (document
numbers, term frequencies, positions) that a search maps straight into
NumPy (``numpy.frombuffer`` over the memory-mapped segment, no decoding)
instead of Whoosh's blocks of 128 postings, each a zlib-compressed pickle
with a pickle per posting for its positions (decoding the blocks of a word
found in most papers took 0.3–0.5 s at 100,000 papers). The format is
described at :class:`~paperbrowse.core.engine.records.ArrayPostingsWriter`
(:mod:`~paperbrowse.core.engine.records`). Whoosh's own matchers still work
on it (:class:`ArrayMatcher`), so every Whoosh query, the more-like-this
search and segment merges run unchanged.

:class:`PaperCodec` (segments written before schema 5) is Whoosh's
``W3Codec`` with two reading fixes that :class:`ArrayCodec` keeps:

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

A segment remembers its codec (Whoosh pickles it into the table of
contents), so segments are read with the codec that wrote them, and merges
write with the writer's.
"""

from __future__ import annotations

import sys
import weakref
from array import array
from bisect import bisect_left

from whoosh.analysis import RegexTokenizer
from whoosh.filedb.filestore import OverlayStorage
from whoosh.filedb.structfile import BufferFile
from whoosh.formats import Frequency, Positions
from whoosh.matching import ListMatcher, NullMatcher
from whoosh.system import pack_uint, pack_ushort
from whoosh.util.numeric import byte_to_length

from paperbrowse.core.engine import whoosh_compat as wc
from paperbrowse.core.engine.records import (
    HEADER,
    TERMINFO_DTYPE,
    ArrayPostingsWriter,
    buffer_of,
    field_runs,
    read_term_arrays,
    read_values,
    terminfo_bytes,
    write_term_records,
)
from paperbrowse.core.engine.whoosh_compat import (
    W3Codec,
    W3FieldWriter,
    W3PerDocReader,
    W3TermsReader,
)

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
        wc.init_buffer_file(self, buf, name)
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
        mapped = wc.compound_map(compound) is not None
        self._compound = compound if mapped else None

    def open_file(self, name: str, *args, **kwargs):
        compound = self._compound
        if compound is not None and compound.file_exists(name):
            offset, length = compound.range(name)
            return MappedFile(
                memoryview(wc.compound_map(compound))[offset : offset + length], name=name
            )
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
        self._documents = wc.per_doc_count(self)  # read per posting: kept in an attribute

    def length_bytes(self, fieldname: str) -> bytes | None:
        """The encoded length of ``fieldname`` for every document of the
        segment (``None`` when the field has no lengths)."""
        try:
            return self._length_bytes[fieldname]
        except KeyError:
            pass
        reader = wc.per_doc_length_column(self, fieldname)
        raw = None
        if reader is not None:
            # a FixedBytesColumn reader of one byte per document; documents
            # past the written part have the default length byte, 0
            stored = wc.column_bytes(reader)
            raw = bytes(stored) + bytes(max(0, self._documents - len(stored)))
        self._length_bytes[fieldname] = raw
        return raw

    def doc_field_length(self, docnum, fieldname, default=0):
        if docnum > self._documents:
            raise IndexError(f"Asked for docnum {docnum!r} of {self._documents}")
        raw = self._length_bytes.get(fieldname)
        if raw is None:
            raw = self.length_bytes(fieldname)
            if raw is None:
                return default
        byte = raw[docnum] if docnum < len(raw) else 0
        return BYTE_TO_LENGTH[byte] if byte else default


# ---------------------------------------------------------------- array postings

_LITTLE = sys.byteorder == "little"


class TokenMemo:
    """Index-mode analysis by an analyzer whose filters act on each token
    alone, memoised per token.

    Whoosh runs every token of every document through the analyzer's chain
    of generators (a ``Token`` object passed through eight filters here:
    about 10 µs a token, most of a build). The tokens of papers repeat
    (a Zipf vocabulary), so each distinct token is analysed once and its
    terms, with their positions relative to the token, reused.

    Valid for a ``CompositeAnalyzer`` that starts with a ``RegexTokenizer``
    (not ``gaps``) and whose filters only look at one token at a time, each
    renumbering positions from the token's first (``IntraWordFilter``, stop
    words dropped and positions compacted, stemming): the positions of a
    document's terms are then the token's own, offset by the number of
    positions the tokens before it took. Tested against the analyzer itself
    in ``tests/unit/test_codec.py``.

    Args:
        analyzer: the field's analyzer.
        limit: distinct tokens memoised (the memo is emptied when full).
    """

    def __init__(self, analyzer, limit: int = 200_000) -> None:
        self.analyzer = analyzer
        self.limit = limit
        self._memo: dict[str, tuple[int, tuple[tuple[int, str], ...]]] = {}
        self._finditer = analyzer.items[0].expression.finditer

    @staticmethod
    def usable(analyzer) -> bool:
        """True if ``analyzer`` starts with a matching (not gaps) ``RegexTokenizer``."""
        items = getattr(analyzer, "items", None)
        return bool(items) and isinstance(items[0], RegexTokenizer) and not items[0].gaps

    def _token(self, token: str) -> tuple[int, tuple[tuple[int, str], ...]]:
        terms = tuple((t.pos, t.text) for t in self.analyzer(token, mode="index", positions=True))
        span = max(p for p, _ in terms) + 1 if terms else 0
        got = (span, terms)
        if len(self._memo) >= self.limit:
            self._memo.clear()
        self._memo[token] = got
        return got

    def positions(self, text: str) -> dict[str, list[int]]:
        """``{term: [position, ...]}`` of ``text``, as the analyzer numbers them."""
        memo, analyse = self._memo, self._token
        found: dict[str, list[int]] = {}
        base = 0
        for m in self._finditer(text):
            token = m[0]
            got = memo.get(token)
            if got is None:
                got = analyse(token)
            span, terms = got
            for pos, term in terms:
                at = found.get(term)
                if at is None:
                    found[term] = [base + pos]
                else:
                    at.append(base + pos)
            base += span
        return found


#: One :class:`TokenMemo` per analyzer object (by id: Whoosh's analyzers are
#: unhashable), dropped with the analyzer.
_MEMOS: dict[int, TokenMemo] = {}


def token_memo(analyzer) -> TokenMemo:
    """The :class:`TokenMemo` of ``analyzer`` (made at the first call)."""
    memo = _MEMOS.get(id(analyzer))
    if memo is None or memo.analyzer is not analyzer:
        memo = _MEMOS[id(analyzer)] = TokenMemo(analyzer)
        weakref.finalize(analyzer, _MEMOS.pop, id(analyzer), None)
    return memo


class _TokenLocal:
    """A format mixin: with ``token_local`` (the analyzer's filters act on
    single tokens), index-mode analysis goes through a :class:`TokenMemo`."""

    def __init__(self, field_boost=1.0, token_local: bool = False, **options) -> None:
        super().__init__(field_boost=field_boost, **options)
        self.token_local = token_local

    def _memoised(self, value, analyzer, kwargs) -> dict[str, list[int]] | None:
        """``{term: positions}`` of ``value`` through the memo, or ``None``
        when the memo does not apply (then Whoosh's own analysis runs)."""
        if (
            getattr(self, "token_local", False)
            and kwargs.get("mode") == "index"
            and isinstance(value, str)
            and TokenMemo.usable(analyzer)
        ):
            return token_memo(analyzer).positions(value)
        return None


class MemoFrequency(_TokenLocal, Frequency):
    """Whoosh's ``Frequency`` format (frequency and weight of each posting),
    analysing through a :class:`TokenMemo` when ``token_local``."""

    def word_values(self, value, analyzer, **kwargs):
        found = self._memoised(value, analyzer, kwargs)
        if found is None:
            return super().word_values(value, analyzer, **kwargs)
        fb = self.field_boost
        return ((w, len(p), len(p) * fb, pack_uint(len(p))) for w, p in found.items())


class CompactPositions(_TokenLocal, Positions):
    """Whoosh's ``Positions`` format (frequency, weight and word positions of
    each posting) with positions encoded as little-endian 32-bit unsigned
    integers, 4 bytes each, instead of a 4-byte count and a pickle of the
    deltas: :class:`ArrayPostingsWriter` then stores a term's positions as one
    array, and a phrase search reads them with ``numpy.frombuffer``.
    Analyses through a :class:`TokenMemo` when ``token_local``."""

    def word_values(self, value, analyzer, **kwargs):
        found = self._memoised(value, analyzer, kwargs)
        if found is None:
            return super().word_values(value, analyzer, **kwargs)
        fb, encode = self.field_boost, self.encode
        return ((w, len(p), len(p) * fb, encode(p)) for w, p in found.items())

    def encode(self, poslist) -> bytes:
        packed = array("I", poslist)
        if not _LITTLE:
            packed.byteswap()
        return packed.tobytes()

    def decode_positions(self, valuestring) -> list[int]:
        packed = array("I")
        packed.frombytes(valuestring)
        if not _LITTLE:
            packed.byteswap()
        return packed.tolist()

    def decode_frequency(self, valuestring) -> int:
        return len(valuestring) // 4

    def decode_weight(self, valuestring) -> float:
        return self.decode_frequency(valuestring) * self.field_boost


class ArrayMatcher(ListMatcher):
    """Whoosh's ``ListMatcher`` over a term's array postings, with
    ``skip_to`` by bisection (``ListMatcher`` steps one posting at a time),
    the maximum weight from the term's statistics (``ListMatcher`` takes the
    ``max`` of every weight at each of the collector's quality checks: 0.2 s
    for one relaxed two-word query at 100,000 papers) and ``copy`` keeping
    the term and its statistics."""

    def block_max_weight(self):
        terminfo = wc.matcher_terminfo(self)
        if terminfo is not None:
            return terminfo.max_weight()
        return super().block_max_weight()

    def skip_to(self, id):
        ids, i = wc.matcher_cursor(self)
        if i < len(ids) and ids[i] < id:
            wc.set_matcher_cursor(self, bisect_left(ids, id, i))

    def copy(self):
        return ArrayMatcher(*wc.matcher_args(self))


class ArrayFieldWriter(W3FieldWriter):
    """Whoosh's ``W3FieldWriter`` (term dictionary and postings file of a
    segment) that also writes whole terms at once (:meth:`write_terms`,
    what :class:`~paperbrowse.core.engine.segments.MemoryPool` calls)."""

    def __init__(self, codec, storage, segment) -> None:
        super().__init__(codec, storage, segment)
        wc.fast_hash_tables(wc.field_writer_target(self)[3])  # the term dictionary

    def write_terms(self, schema, keys, starts, doc, weight, size, blob, voff, lengths) -> None:
        """Write the records of ``keys`` (sorted ``(fieldname, btext)`` of
        Whoosh ``schema``'s fields), field by field with
        :func:`~paperbrowse.core.engine.records.write_term_records` (which
        says what the arrays hold), and list them in the term dictionary:
        each term's ``W3TermInfo`` bytes made for all terms at once
        (:func:`~paperbrowse.core.engine.records.terminfo_bytes`) and added
        with :func:`~paperbrowse.core.engine.whoosh_compat.add_hash_entries`
        (the bytes Whoosh's ``W3TermInfo.to_bytes`` and hash writer's ``add``
        give, without a Python object or file call a term).

        Raises:
            ValueError: a term without postings, or keys out of order.
        """
        shortest, longest = lengths
        for fieldname, n, end in field_runs(keys):
            self.start_field(fieldname, schema[fieldname])
            s, e = int(starts[n]), int(starts[end])
            postfile, format_, fieldid, tindex = wc.field_writer_target(self)
            stats = write_term_records(
                postfile,
                format_,
                starts[n : end + 1] - s,
                doc[s:e],
                weight[s:e],
                size[s:e],
                blob[int(voff[s]) : int(voff[e])],
                voff[s : e + 1] - voff[s],
                (shortest[n:end], longest[n:end]),
            )
            infos = memoryview(terminfo_bytes(stats).tobytes())
            width = TERMINFO_DTYPE.itemsize
            prefix = pack_ushort(fieldid)
            wc.add_hash_entries(
                tindex,
                [prefix + btext for _, btext in keys[n:end]],
                [infos[i : i + width] for i in range(0, len(infos), width)],
            )
            self.finish_field()


class ArrayCodec(PaperCodec):
    """Paperbrowse's codec since schema 5: :class:`PaperCodec`'s readers, with
    postings written by :class:`ArrayPostingsWriter` and read by
    :func:`read_term_arrays` (searches) or :class:`ArrayMatcher` (Whoosh)."""

    def field_writer(self, storage, segment):
        return ArrayFieldWriter(self, storage, segment)

    def postings_writer(self, dbfile, byteids=False):
        if byteids:  # term vectors (not in paperbrowse's schema): Whoosh's blocks
            return super().postings_writer(dbfile, byteids=True)
        return ArrayPostingsWriter(dbfile)

    def postings_reader(self, dbfile, terminfo, format_, term=None, scorer=None):
        if terminfo.is_inlined():
            return super().postings_reader(dbfile, terminfo, format_, term, scorer)
        offset, length = terminfo.extent()
        buf = buffer_of(dbfile)
        if buf is None:
            buf, offset = dbfile.get(offset, length), 0
        _, n, wcode, vcode, _, vsize = HEADER.unpack_from(buf, offset)
        arrays = read_term_arrays(dbfile, terminfo)
        weights = arrays.weights.tolist()
        values = read_values(buf, offset, n, wcode, vcode, vsize, weights)
        if not n:
            return NullMatcher()
        return ArrayMatcher(
            arrays.ids.tolist(),
            weights,
            values,
            format_,
            scorer=scorer,
            term=term,
            terminfo=terminfo,
        )
