"""The Whoosh full-text index of papers: schema, atomic builds and search.

Layout on disk (under :attr:`Locations.index_root`)::

    index/
      CURRENT            JSON naming the live generation and its stamp
      gen-<time>-<rand>/ one complete Whoosh index (a "generation")
      .lock              held while a generation is being built

A build writes a new generation beside the live one and then replaces
``CURRENT`` with ``os.replace`` (atomic on POSIX and Windows), so a crash or
Ctrl-C mid-build leaves the previous index in use and never a half-written one.
Old generations are removed after the swap.

Scoring is Whoosh's BM25F over the title, abstract, authors and organisation
fields, with per-field boosts (:data:`FIELD_BOOSTS`). Text fields are
tokenised, lower-cased, accent-folded and Porter-stemmed, so ``matern`` finds
``Matérn`` and ``diffusion`` finds ``diffusion-based``.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import os
import pickle
import re
import secrets
import shutil
import struct
import threading
import time
import unicodedata
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

import numpy as np
from whoosh import classify, qparser, query
from whoosh import index as whoosh_index
from whoosh.analysis import (
    CharsetFilter,
    Filter,
    IntraWordFilter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.query.terms import FuzzyTerm
from whoosh.support.charset import accent_map

from paperbrowse.core.atomic import write_json_atomic
from paperbrowse.core.engine import whoosh_compat
from paperbrowse.core.engine.codec import CompactPositions, MemoFrequency
from paperbrowse.core.engine.highlight import WordAnalyzer, highlight, snippet
from paperbrowse.core.engine.matching import (
    DecodedCache,
    Postings,
    Vocabulary,
    match_set,
    top_scored,
)
from paperbrowse.core.engine.query import QueryError, check_query, plain_words
from paperbrowse.core.engine.segments import verify_manifest, write_manifest
from paperbrowse.core.engine.tables import Tables, save_tables
from paperbrowse.core.engine.writing import open_writer
from paperbrowse.core.library import DiskFull, is_disk_full
from paperbrowse.core.models import (
    Facets,
    Filters,
    Hit,
    Paper,
    Results,
    normalise_title,
)
from paperbrowse.core.models import papers as _papers

#: Bump whenever the schema or analysis changes: existing indexes are rebuilt.
SCHEMA_VERSION = 6

#: A query finding fewer hits than this gets a spelling check ("did you mean").
SUGGEST_BELOW = 3

#: Words of a query that the spelling check may correct: not field names
#: (``title:``), wildcards (``diff*``), fuzzy terms (``term~``) or numbers.
_CORRECTABLE = re.compile(r"(?<![\w*?~])[^\W\d_]+(?![\w:*?~])")
_OPERATOR_WORDS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO"}

#: Fields searched by a query word without a ``field:`` prefix, and their boosts.
FIELD_BOOSTS: dict[str, float] = {
    "title": 3.0,
    "abstract": 1.0,
    "authors": 2.0,
    "organisation": 1.5,
}

SORTS = ("relevance", "date", "upvotes")

ProgressCallback = Callable[[int, int], None]


#: Greek letters as they are spelled out in queries (``β-VAE`` → ``beta-VAE``).
GREEK_NAMES = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ζ": "zeta",
    "η": "eta", "θ": "theta", "ι": "iota", "κ": "kappa", "λ": "lambda", "μ": "mu",
    "ν": "nu", "ξ": "xi", "π": "pi", "ρ": "rho", "σ": "sigma", "ς": "sigma", "τ": "tau",
    "υ": "upsilon", "φ": "phi", "χ": "chi", "ψ": "psi", "ω": "omega",
}  # fmt: skip
_GREEK = re.compile("[" + "".join(GREEK_NAMES) + "]", re.IGNORECASE)
_BRITISH = re.compile(r"^(\w{3,}?)(is|ys)(ation|ations|e|ed|es|ing|er|ers)$")


def _greek_name(match: re.Match[str]) -> str:
    """The name of a matched Greek letter; ``µ`` (micro sign) and other
    compatibility forms that match case-insensitively map through NFKC."""
    letter = unicodedata.normalize("NFKC", match.group()).lower()
    return GREEK_NAMES.get(letter, match.group())


class GreekFilter(Filter):
    """Spell Greek letters out (``β`` → ``beta``, ``χ^2`` → ``chi^2``), so the
    letters, which would otherwise be one-character tokens, can be searched
    for by name. Runs before word splitting."""

    def __call__(self, tokens):
        for t in tokens:
            if _GREEK.search(t.text):
                t.text = _GREEK.sub(_greek_name, t.text)
            yield t


class SpellingVariantFilter(Filter):
    """Map British ``-ise``/``-isation``/``-yse`` spellings to American
    ``-ize``/``-ization``/``-yze`` before stemming (Porter stems
    ``factorisation`` and ``factorization`` differently). Applied at index and
    query time alike, so the odd false friend (``promise`` → ``promize``)
    still matches itself."""

    def __call__(self, tokens):
        for t in tokens:
            m = _BRITISH.match(t.text)
            if m:
                t.text = f"{m.group(1)}{m.group(2)[0]}z{m.group(3)}"
            yield t


class ByModeFilter(Filter):
    """One filter when indexing, another when parsing a query: Whoosh's
    ``MultiFilter``, which fails on an empty field (it calls ``next()`` on the
    token stream, a ``RuntimeError`` inside a generator since PEP 479)."""

    def __init__(self, index: Filter, query: Filter) -> None:
        self.index = index
        self.query = query

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, ByModeFilter)
            and self.index == other.index
            and self.query == other.query
        )

    def __call__(self, tokens):
        for first in tokens:
            chosen = self.index if first.mode == "index" else self.query
            return chosen(itertools.chain([first], tokens))
        return iter(())


class CompactPositionsFilter(Filter):
    """Number token positions 0, 1, 2... again after stop words were dropped,
    keeping a joined form at the position of its last sub-word (as
    ``IntraWordFilter`` placed it), so ``"bootstrap your own latent"`` and
    ``"diffusion based"`` still match as phrases. (``StopFilter``'s own
    renumbering would move every joined form one position on.)"""

    def __call__(self, tokens):
        last_original = None
        position = -1
        for t in tokens:
            if t.positions:
                if t.pos != last_original:
                    position += 1
                    last_original = t.pos
                t.pos = position
            yield t


def make_analyzer():
    """Return the analyzer of every searched text field.

    Tokens are split on white space, Greek letters spelled out, then split
    into sub-words at hyphens, case changes and letter-digit changes with the
    joined form kept as well (``WF-VAE`` → ``wf``, ``vae``, ``wfvae``;
    ``CycleDiffusion`` → ``cycle``, ``diffusion``, ``cyclediffusion``), lower-
    cased, accent-folded (``Matérn`` → ``matern``), British spellings made
    American, English stop words dropped (see :class:`CompactPositionsFilter`
    for positions) and Porter-stemmed. The same analyzer runs on queries; a query
    word that gives several tokens must match all of them
    (``multitoken_query="and"`` on the fields).
    """
    return (
        RegexTokenizer(r"\S+")
        | GreekFilter()
        | ByModeFilter(
            index=IntraWordFilter(mergewords=True, mergenums=True),
            query=IntraWordFilter(mergewords=False, mergenums=False),
        )
        | LowercaseFilter()
        | CharsetFilter(accent_map)
        | SpellingVariantFilter()
        | StopFilter(minsize=1, renumber=False)
        | CompactPositionsFilter()
        | StemFilter()
    )


def make_spelling_analyzer():
    """Return the analyzer of the ``spell`` field: words, lower case, accents
    folded, no stemming, so suggestions are real words (``diffusion``, not
    ``diffus``)."""
    return RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)


def make_schema() -> Schema:
    """Return the Whoosh schema.

    Fields: ``id`` (unique), ``title``/``abstract``/``authors``/
    ``organisation`` (analysed text), ``spell`` (the unstemmed words of title
    and abstract: the vocabulary of "did you mean"), ``org`` (organisation
    name as is, for its facet), ``year`` (int, absent when unknown),
    ``date`` (int ``YYYYMMDD``, 0 when unknown; sortable), ``upvotes`` (int,
    0 when unknown; sortable), ``source`` (comma-separated capture names),
    ``arxiv`` (arXiv id), ``doi`` (lower-case DOI), ``title_key`` (see
    :func:`~paperbrowse.core.models.normalise_title`; with ``arxiv`` and
    ``doi``, the keys an import de-duplicates by), ``pos`` (input order, tie-breaker), ``data`` (the
    whole :class:`Paper` as JSON, stored only).
    """
    analyzer = make_analyzer()

    def text() -> TEXT:
        field = TEXT(analyzer=analyzer, multitoken_query="and")
        field.format = CompactPositions(field_boost=field.format.field_boost, token_local=True)
        return field

    spell = TEXT(analyzer=make_spelling_analyzer(), phrase=False)
    spell.format = MemoFrequency(field_boost=spell.format.field_boost, token_local=True)

    return Schema(
        id=ID(stored=True, unique=True),
        title=text(),
        abstract=text(),
        authors=text(),
        organisation=text(),
        spell=spell,
        org=ID(sortable=True),
        year=NUMERIC(int, bits=32, sortable=True),
        date=NUMERIC(int, bits=32, sortable=True),
        upvotes=NUMERIC(int, bits=32, sortable=True),
        source=KEYWORD(commas=True, lowercase=True),
        arxiv=ID,
        doi=ID,
        title_key=ID,
        pos=NUMERIC(int, bits=32, sortable=True),
        data=STORED,
    )


class PaperSource(Protocol):
    """Where imported papers are kept: :class:`~paperbrowse.core.library.Library`."""

    def revision(self) -> int: ...

    def stored_count(self, since: int = 0) -> int: ...

    def stored_papers(self, since: int = 0) -> Iterable[tuple[int, Paper]]: ...


class IndexUnavailable(RuntimeError):
    """There is no usable index (never built, removed, or unreadable)."""


class IndexDamaged(IndexUnavailable):
    """A search met a damaged index file (bytes changed on disk after the
    checksums were verified at open: damage that kept the file's time).

    The message says so and how to mend it: ``paperbrowse check`` (or
    ``paperbrowse index --rebuild``) rebuilds the index from the corpus and
    the library; nothing stored is lost.

    Attributes:
        reason: what failed, as ``"TypeName: message"``.
        folder: the damaged generation's folder.
    """

    def __init__(self, exc: BaseException, folder: Path | str | None = None) -> None:
        self.reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        self.folder = folder
        super().__init__(damage_message(exc, folder))


#: What reading a damaged Whoosh segment raises (decompressing, unpacking or
#: decoding bytes that are not what was written).
_DAMAGE_ERRORS: tuple[type[BaseException], ...] = (
    zlib.error,
    struct.error,
    EOFError,
    pickle.UnpicklingError,
    json.JSONDecodeError,
    UnicodeDecodeError,
)


def damage_message(exc: BaseException, folder: Path | str | None = None) -> str:
    """The user's message for a search that met damaged index bytes: what
    failed and ``run 'paperbrowse check'``."""
    where = f" in {folder}" if folder else ""
    reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return (
        f"the index{where} is damaged ({reason}): run 'paperbrowse check' to rebuild it "
        "(your library and bookmarks are not affected)"
    )


@dataclass(frozen=True)
class Stamp:
    """What an index generation was built from.

    Attributes:
        schema: :data:`SCHEMA_VERSION` at build time.
        corpus: fingerprint of the input (see ``captures.fingerprint``).
        docs: number of documents.
        built_at: Unix time of the build (seconds).
        seconds: build duration in seconds.
        revision: the library revision (see :meth:`Library.revision`) whose
            stored papers the generation holds; 0 when it holds none. Papers
            stored after it are added by :meth:`IndexStore.catch_up`.
    """

    schema: int
    corpus: str
    docs: int
    built_at: float
    seconds: float
    revision: int = 0


#: Words of a title that an acronym may skip ("Learning with Noisy Labels", LNL).
_MINOR_WORDS = frozenset(
    {"a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "of", "on", "or", "the"}
    | {"to", "via", "with"}
)
_TITLE_WORD = re.compile(r"[^\W_]+")
_TITLE_HEAD = re.compile(r":|\s(?:--|-|–|—)\s")
#: A token written as an acronym: two or more capitals (``BYOL``, ``LCMs``, ``ViT``).
_ACRONYM_TOKEN = re.compile(r"\b[^\W\d_]*[A-Z][^\W\d_]*[A-Z][^\W\d_]*\b")


def title_acronyms(title: str, abstract: str = "") -> tuple[str, ...]:
    """The acronyms a paper names itself by: tokens of its title or abstract
    written with capitals (``BYOL``, ``LCMs``, ``ViT``) whose capitals are the
    initials of the words of the title's head, minor words (``for``,
    ``with``...) counted or skipped: "Bootstrap your own latent: ..." with
    "Bootstrap Your Own Latent (BYOL)" in its abstract gives ``("BYOL",)``.

    The head is the whole title or its part before a colon or a spaced dash
    (``--``, ``–``, ``—``): a paper whose title *is* the expansion is the one
    that defines the acronym; one whose title merely starts with a common
    phrase ("Latent diffusion models for ...", LDM) or ends "... with
    Bootstrap Your Own Latent" uses it. At least 3 capitals. The acronyms are
    indexed with the title (:func:`_paper_doc`), so the acronym finds the
    defining paper as its title words would.

    Returns:
        The acronym tokens as written, first occurrence first, no repeats.
    """
    head = _TITLE_HEAD.split(title, maxsplit=1)[0]
    words = _TITLE_WORD.findall(head)
    if not 3 <= len(words) <= 12:
        return ()
    major = [w for w in words if w.lower() not in _MINOR_WORDS]
    initials = {"".join(w[0] for w in run).lower() for run in (words, major) if len(run) >= 3}
    found: dict[str, None] = {}
    for token in _ACRONYM_TOKEN.findall(f"{title}\n{abstract}"):
        capitals = "".join(c for c in token if c.isupper()).lower()
        if capitals in initials and len(token) <= 2 * len(capitals) + 1:
            found.setdefault(token, None)
    return tuple(found)


def _paper_doc(paper: Paper, pos: int) -> dict:
    acronyms = title_acronyms(paper.title, paper.abstract)
    doc = {
        "id": paper.id,
        # a title's acronyms are searched as title words ("byol" finds BYOL's paper)
        "title": f"{paper.title}\n{' '.join(acronyms)}" if acronyms else paper.title,
        "abstract": paper.abstract,
        "authors": "; ".join(paper.authors),
        "organisation": " ".join(x for x in (paper.organisation, paper.org_handle) if x),
        "spell": f"{paper.title}\n{paper.abstract}",
        "date": int(paper.published.strftime("%Y%m%d")) if paper.published else 0,
        "upvotes": paper.upvotes or 0,
        "source": ",".join(paper.sources),
        "pos": pos,
        "data": json.dumps(paper.to_dict(), ensure_ascii=False),
    }
    if paper.year:
        doc["year"] = paper.year
    if paper.arxiv_id:
        doc["arxiv"] = paper.arxiv_id
    if paper.organisation:
        doc["org"] = paper.organisation
    if paper.doi:
        doc["doi"] = paper.doi.lower()
    key = normalise_title(paper.title)
    if key:
        doc["title_key"] = key
    return doc


class BuildCancelled(Exception):
    """Raised inside :meth:`IndexStore.build` when ``is_cancelled()`` turns true."""


#: What a build that waits for another writer of the index tells the user.
WRITER_BUSY = (
    "Another process is writing the search index (an import or a rebuild); waiting for it…"
)


class IndexStore:
    """The generations of the index under one folder, and the live one.

    Thread safety: one instance may be shared by threads; each
    :meth:`PaperIndex.search` opens its own Whoosh searcher.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._lock = threading.Lock()

    @property
    def current_file(self) -> Path:
        return self.root / "CURRENT"

    def read_current(self) -> tuple[Path, Stamp] | None:
        """Return the live generation folder and its stamp, or ``None``."""
        try:
            data = json.loads(self.current_file.read_text(encoding="utf-8"))
            folder = self.root / data["dir"]
            stamp = Stamp(**data["stamp"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return (folder, stamp) if folder.is_dir() else None

    def is_current(self, corpus: str) -> bool:
        """True if the live index was built from ``corpus`` with this schema."""
        current = self.read_current()
        return bool(current and current[1].schema == SCHEMA_VERSION and current[1].corpus == corpus)

    def open(self) -> PaperIndex:
        """Open the live generation, checking that it can be read.

        Whoosh opens an index lazily, so a truncated or damaged segment would
        only fail at the first search; the check opens a reader and reads the
        last stored document and the first term (a few milliseconds whatever
        the size), so damage is found here and the caller can rebuild. Before
        that, the generation's files are checked against the checksums
        written at their commit (:func:`~paperbrowse.core.engine.segments.verify_manifest`:
        a ``stat`` per file, and a CRC-32 of any file written since).

        Raises:
            IndexUnavailable: no generation, or Whoosh cannot open or read it;
                the message names the folder and the error.
        """
        current = self.read_current()
        if current is None:
            raise IndexUnavailable(f"no index in {self.root}")
        folder, stamp = current
        problems = verify_manifest(folder)
        if problems:
            raise IndexUnavailable(f"the index in {folder} is damaged ({'; '.join(problems[:3])})")
        try:
            ix = whoosh_index.open_dir(str(folder))
            with ix.reader() as reader:
                count = reader.doc_count_all()
                if count:
                    reader.stored_fields(count - 1)
                    next(iter(reader.all_terms()), None)
        except Exception as exc:  # whoosh raises several unrelated types on damage
            reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            raise IndexUnavailable(f"the index in {folder} is damaged ({reason})") from exc
        return PaperIndex(ix, stamp, self)

    @contextlib.contextmanager
    def _build_lock(
        self, wait: bool = True, on_wait: Callable[[], None] | None = None
    ) -> Iterator[bool]:
        """Hold the writer lock of this store: this thread's lock, then an
        ``flock`` on ``.lock`` shared with every other process. Yields
        ``True`` once held; with ``wait=False`` yields ``False`` at once,
        holding nothing, when another thread or process holds it. When it
        has to wait, ``on_wait()`` is called once first (to say so)."""
        import fcntl

        told = []

        def contended() -> bool:
            """Another writer holds the lock: say so once; True to wait for it."""
            if wait and on_wait and not told:
                told.append(True)
                on_wait()
            return wait

        if not self._lock.acquire(blocking=False):
            if not contended():
                yield False
                return
            self._lock.acquire()
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            with open(self.root / ".lock", "w") as fh:
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    if not contended():
                        yield False
                        return
                    fcntl.flock(fh, fcntl.LOCK_EX)
                try:
                    yield True
                finally:
                    fcntl.flock(fh, fcntl.LOCK_UN)
        finally:
            self._lock.release()

    def build(
        self,
        papers: Sequence[Paper],
        corpus: str,
        *,
        revision: int = 0,
        progress: ProgressCallback | None = None,
        is_cancelled: Callable[[], bool] | None = None,
        on_wait: Callable[[], None] | None = None,
        replaces_damaged: bool = False,
    ) -> PaperIndex:
        """Build a new generation from ``papers`` and make it live atomically.

        Args:
            papers: distinct papers (ids unique).
            corpus: fingerprint recorded in the stamp.
            revision: the library revision whose stored papers are among
                ``papers`` (recorded in the stamp; see :meth:`catch_up`).
            progress: called as ``progress(done, total)`` in documents.
            is_cancelled: polled between documents; when it returns true the
                partial generation is deleted and :class:`BuildCancelled` raised.
            on_wait: called once, before waiting, when another process (an
                import, a rebuild) is writing the index; the build then waits
                for it.
            replaces_damaged: the live generation is damaged: it is removed
                once the new one is live (else it is kept until the next
                build, for processes still reading it).

        Raises:
            BuildCancelled: see ``is_cancelled``; the previous index stays live.
            OSError: the disk is full or not writable; the previous index stays
                live and the partial generation is removed.
        """
        with self._build_lock(on_wait=on_wait):
            started = time.perf_counter()
            live = self.read_current()
            previous = live[0].name if live else ""
            name = f"gen-{int(time.time())}-{secrets.token_hex(3)}"
            folder = self.root / name
            folder.mkdir(parents=True)
            try:
                ix = whoosh_index.create_in(str(folder), make_schema())
                writer = open_writer(ix, len(papers))
                try:
                    total = len(papers)
                    for pos, paper in enumerate(papers):
                        if is_cancelled and is_cancelled():
                            raise BuildCancelled()
                        writer.add_document(**_paper_doc(paper, pos))
                        if progress and (pos % 25 == 0 or pos == total - 1):
                            progress(pos + 1, total)
                    writer.commit()
                except BaseException:
                    _abandon(writer)
                    raise
                save_tables(ix, folder)
                write_manifest(folder)
                stamp = Stamp(
                    schema=SCHEMA_VERSION,
                    corpus=corpus,
                    docs=len(papers),
                    built_at=time.time(),
                    seconds=round(time.perf_counter() - started, 3),
                    revision=revision,
                )
                write_json_atomic(self.current_file, {"dir": name, "stamp": stamp.__dict__})
            except BaseException as exc:
                shutil.rmtree(folder, ignore_errors=True)
                if is_disk_full(exc):
                    raise DiskFull.from_error(
                        exc, self.root, "the index was left as it was"
                    ) from exc
                raise
            keep = (name,) if replaces_damaged else (name, previous)
            self._remove_old_generations(keep=keep)
            return PaperIndex(ix, stamp, self)

    def catch_up(
        self,
        library: PaperSource,
        *,
        progress: ProgressCallback | None = None,
        wait: bool = True,
        on_wait: Callable[[], None] | None = None,
    ) -> int | None:
        """Add to the live generation the papers stored after its revision.

        The library's papers written after :attr:`Stamp.revision` are added,
        or replace the indexed paper with the same id, in one Whoosh commit;
        then the stamp records the library revision they came from. A process
        killed before the stamp is written leaves the papers committed but the
        old revision recorded: the next call adds them again, which replaces
        them by id, so the index never ends up holding a paper twice or missing
        one the library holds.

        Runs under the same lock as :meth:`build`: one writer at a time,
        across processes; searches (readers) never wait for it.

        Args:
            library: the store of imported papers (a
                :class:`~paperbrowse.core.library.Library`).
            progress: ``progress(done, total)`` in documents.
            wait: wait for a writer of another process (an import, a
                rebuild) to finish; ``False`` returns ``None`` at once
                instead. The app opens with ``False``: the running import
                catches the index up itself, and an open index follows its
                commits at the next search.
            on_wait: called once, before waiting for a writer of another
                process (with ``wait``).

        Returns:
            Number of papers added or replaced (0 when already current), or
            ``None`` when ``wait`` is false and another writer holds the lock.

        Raises:
            IndexUnavailable: there is no live generation.
            OSError: the disk is full or not writable; the index keeps its
                last committed state (Whoosh writes a new segment, then its
                table of contents).
        """
        with self._build_lock(wait, on_wait) as held:
            if not held:
                return None
            current = self.read_current()
            if current is None:
                raise IndexUnavailable(f"no index in {self.root}")
            folder, stamp = current
            revision = library.revision()
            if revision <= stamp.revision:
                return 0
            total = library.stored_count(since=stamp.revision)
            before = _file_names(folder)  # what the last commit left: kept on failure
            ix = whoosh_index.open_dir(str(folder))
            toc = ix.latest_generation()
            try:
                writer = open_writer(ix, total)
            except BaseException:
                ix.close()
                _discard_new_files(folder, before)
                raise
            done = 0
            try:
                base = ix.doc_count_all()
                with ix.reader() as reader:  # the state before this writer
                    leaves = list(reader.leaf_readers())
                    for seen, paper in library.stored_papers(since=stamp.revision):
                        old = _live_docnum(leaves, "id", paper.id)
                        if old is not None:  # replaced: the library holds a newer copy
                            writer.delete_document(old)
                        writer.add_document(**_paper_doc(paper, base + done))
                        revision = max(revision, seen)
                        done += 1
                        if progress and done % 250 == 0:
                            progress(done, total)
            except BaseException as exc:
                _abandon(writer)
                ix.close()
                _discard_new_files(folder, before)
                if is_disk_full(exc):
                    raise DiskFull.from_error(
                        exc, self.root, "the index was left as it was"
                    ) from exc
                raise
            try:
                writer.commit()
            except BaseException as exc:
                _abandon(writer)  # a failed Whoosh commit keeps its lock
                ix.close()
                if f"_{ix.indexname}_{toc + 1}.toc" not in _file_names(folder):  # not committed
                    _discard_new_files(folder, before)
                    if is_disk_full(exc):
                        raise DiskFull.from_error(
                            exc, self.root, "the index was left as it was"
                        ) from exc
                raise
            try:
                docs = ix.doc_count()  # reads the table of contents just committed
                save_tables(ix, folder)
                write_manifest(folder)
            finally:
                ix.close()
            if progress:
                progress(done, done)
            write_json_atomic(
                self.current_file,
                {"dir": folder.name, "stamp": vars(replace(stamp, revision=revision, docs=docs))},
            )
            return done

    def _remove_old_generations(self, keep: tuple[str, ...]) -> None:
        """Delete every generation but ``keep``: the new one and the one it
        replaced, which another process (an open app) may still be reading;
        that process moves to the new one at its next search."""
        for old in self.root.glob("gen-*"):
            if old.name not in keep:
                shutil.rmtree(old, ignore_errors=True)


def _abandon(writer) -> None:
    """Cancel a writer whose work failed, and release the index's write lock
    whatever happens: cancelling writes the open segment's last bytes, which
    fails again on a full disk, and Whoosh releases its lock only at the end
    of a cancel or commit that succeeds (a long-running app would otherwise
    never write the index again)."""
    with contextlib.suppress(Exception):
        if not writer.is_closed:
            writer.cancel()
    inner = getattr(writer, "_writer", writer)  # a ParallelWriter's own SegmentWriter
    lock = getattr(inner, "writelock", None)
    if lock is not None:
        with contextlib.suppress(Exception):
            lock.release()


def _file_names(folder: Path) -> set[str]:
    """Names of the files in a generation folder (empty if it cannot be listed)."""
    try:
        return {entry.name for entry in os.scandir(folder)}
    except OSError:
        return set()


def _discard_new_files(folder: Path, before: set[str]) -> list[str]:
    """Remove the files of ``folder`` not in ``before``: the partial segments
    (and the temporary folder) of a commit that failed (a full disk), which no
    table of contents names.

    The writer's lock file is left (Whoosh keeps one per index). Returns the
    names removed."""
    removed = []
    for name in sorted(_file_names(folder) - before):
        if name.endswith("WRITELOCK"):
            continue
        path = folder / name
        try:
            if path.is_dir():  # the writer's temporary storage (MAIN.tmp)
                shutil.rmtree(path)
            else:
                path.unlink()
            removed.append(name)
        except OSError:
            pass
    return removed


def _live_docnum(leaves, field: str, value: str) -> int | None:
    """The document number of the first live document whose ``field`` (an
    ``ID`` field) holds ``value``, or ``None``: a term lookup per segment
    (``leaves`` as ``reader.leaf_readers()`` gives them), without Whoosh's
    query and matcher objects."""
    btext = value.encode("utf-8")
    for leaf, base in leaves:
        terms = whoosh_compat.segment_terms(leaf)
        if terms is None or (field, btext) not in terms:
            continue
        for docnum in leaf.postings(field, btext).all_ids():
            if not leaf.is_deleted(docnum):
                return base + docnum
    return None


class PrefixedFuzzyPlugin(qparser.FuzzyTermPlugin):
    """``word~`` keeps the first letter: Whoosh's default (no prefix) walks every
    term of every searched field for each fuzzy word, the slowest query there
    was (about 100 ms on 1,000 papers); typos rarely hit the first letter, as
    the spelling corrector also assumes. ``word~2/0`` still allows any start."""

    def create(self, parser, match):
        node = super().create(parser, match)
        if not match.group("prefix"):
            node.prefixlength = 1
        return node


def _positive_leaves(q: query.Query) -> Iterable[query.Query]:
    """Leaf queries that a hit matched, skipping negated parts (``NOT x``)."""
    if isinstance(q, query.Not):
        return
    if isinstance(q, query.AndNot):
        yield from _positive_leaves(q.a)
        return
    if q.is_leaf():
        yield q
        return
    for child in q.children():
        yield from _positive_leaves(child)


def query_terms(
    q: query.Query, reader, vocabulary: Vocabulary | None = None
) -> dict[str, frozenset[str]]:
    """Analysed terms of ``q`` that exist in the index, per text field.

    Wildcard, prefix and fuzzy terms are expanded to the indexed words they
    match (fuzzy words through ``vocabulary``, as the search expanded them).
    (Whoosh's own ``Query.existing_terms`` cannot be used: in 2.7 it
    reuses its ``fieldname`` argument as a loop variable and drops the terms
    of every field after the first.)
    """
    by_field: dict[str, set[str]] = {}
    for leaf in _positive_leaves(q):
        if isinstance(leaf, FuzzyTerm) and vocabulary is not None:
            words = vocabulary.within(
                reader, leaf.fieldname, leaf.text, leaf.maxdist, leaf.prefixlength
            )
            expanded = [(leaf.fieldname, w) for w in words]
        else:
            expanded = leaf.expanded_terms(reader, phrases=True)
        for fieldname, text in expanded:
            if fieldname not in FIELD_BOOSTS:
                continue
            if isinstance(text, bytes):
                text = text.decode("utf-8")
            if (fieldname, text) in reader:
                by_field.setdefault(fieldname, set()).add(text)
    return {k: frozenset(v) for k, v in by_field.items()}


@dataclass
class _Found:
    """What :meth:`PaperIndex._run` found: the total and one page of ``(docnum, score)``."""

    total: int
    page: list


class PaperIndex:
    """A searchable, opened index generation.

    Opened through an :class:`IndexStore`, it follows the store's live
    generation: when another process rebuilds the index or adds papers to it,
    the next search sees the new state (one ``stat`` of ``CURRENT`` per
    search tells).

    Attributes:
        stamp: what the generation was built from.
    """

    def __init__(self, ix, stamp: Stamp, store: IndexStore | None = None) -> None:
        self._ix = ix
        self.stamp = stamp
        self._store = store
        self._seen = self._current_version()
        self._pool_lock = threading.Lock()
        self._idle = None  # the searcher kept open between searches
        self._tables: Tables | None = None
        self.analyzer = make_analyzer()
        self.words = WordAnalyzer(self.analyzer)
        parser = qparser.MultifieldParser(list(FIELD_BOOSTS), ix.schema, fieldboosts=FIELD_BOOSTS)
        parser.add_plugin(PrefixedFuzzyPlugin())
        parser.add_plugin(qparser.GtLtPlugin())
        self._parser = parser
        # "coordination": a paper matching more of the words scores higher
        self._or_parser = qparser.MultifieldParser(
            list(FIELD_BOOSTS),
            ix.schema,
            fieldboosts=FIELD_BOOSTS,
            group=qparser.OrGroup.factory(0.9),
        )
        self._parser_lock = threading.Lock()
        self._spell_analyzer = make_spelling_analyzer()
        self._fields = frozenset(ix.schema.names())  # the same in every generation

    def _current_version(self) -> tuple[int, int] | None:
        if self._store is None:
            return None
        try:
            info = self._store.current_file.stat()
        except OSError:
            return None
        return (info.st_mtime_ns, info.st_ino)

    def _follow(self) -> None:
        """Switch to the store's live generation if it changed since last seen."""
        version = self._current_version()
        if version is None or version == self._seen:
            return
        current = self._store.read_current() if self._store else None
        if current is None:
            return
        folder, stamp = current
        if Path(self._ix.storage.folder) != folder:
            try:
                self._ix = whoosh_index.open_dir(str(folder))
            except Exception:  # a half-removed generation: keep the one we have
                return
        self.stamp = stamp
        self._seen = version

    @contextlib.contextmanager
    def _searcher(self) -> Iterator:
        """A Whoosh searcher over the latest committed state of the live generation.

        One searcher is kept open between searches and refreshed (re-opening
        only the segments that changed), rather than opening every file of the
        index for each keystroke; a second concurrent user gets its own.
        """
        self._follow()
        ix = self._ix
        with self._pool_lock:
            idle, self._idle = self._idle, None
        try:
            if idle is not None and whoosh_compat.searcher_index(idle) is ix and idle.up_to_date():
                searcher = idle
            else:
                # not Searcher.refresh(): Whoosh 2.7 reuses the reader of a segment that
                # gained deletions since, so a replaced paper would be listed twice
                if idle is not None:
                    idle.close()
                searcher = ix.searcher()
        except _DAMAGE_ERRORS as exc:
            raise IndexDamaged(exc, ix.storage.folder) from exc
        try:
            yield searcher
        except _DAMAGE_ERRORS as exc:
            searcher.close()  # never kept over damaged bytes
            raise IndexDamaged(exc, ix.storage.folder) from exc
        except BaseException:
            self._release(searcher)
            raise
        self._release(searcher)

    def _release(self, searcher) -> None:
        """Keep ``searcher`` for the next search, or close it (another is kept,
        or the live generation changed)."""
        with self._pool_lock:
            keep = self._idle is None and whoosh_compat.searcher_index(searcher) is self._ix
            if keep:
                self._idle = searcher
        if not keep:
            searcher.close()

    def doc_count(self) -> int:
        """Number of papers in the index."""
        self._follow()
        return self._ix.doc_count()

    def parse(self, text: str) -> query.Query:
        """Parse query text into a Whoosh query.

        Raises:
            QueryError: the text is not a well-formed query (see
                :func:`paperbrowse.core.engine.query.check_query`).
        """
        check_query(text, known_fields=self._fields)
        with self._parser_lock:  # QueryParser keeps no state, but be safe across threads
            try:
                parsed = self._parser.parse(text)
            except Exception:  # Whoosh's parser crashes on some odd inputs ('|~', '<0')
                raise QueryError(
                    text,
                    1,
                    "cannot be read as a query: check its brackets, quotes, operators "
                    "and symbols (see 'paperbrowse search --help')",
                ) from None
        if parsed is query.NullQuery and text.strip():
            words = [t.text for t in self.analyzer(text)]
            if words:  # stop-word-only queries are fine; anything else is not understood
                raise QueryError(text, 1, "nothing in this query can be searched for")
        return parsed

    def search(
        self,
        text: str,
        *,
        sort: str = "relevance",
        limit: int | None = 500,
        offset: int = 0,
        filters: Filters | None = None,
        forgiving: bool = False,
        facets: bool = False,
    ) -> Results:
        """Run a query and return ``limit`` hits from ``offset`` on, with highlights.

        Args:
            text: query in Whoosh's query language; empty or blank lists
                every paper, newest first.
            sort: ``relevance`` (BM25F score), ``date`` (newest first) or
                ``upvotes`` (most first). Ties fall back to input order.
            limit: maximum number of hits returned (``None`` for all);
                :attr:`Results.total` always counts every match.
            offset: hits to skip, for a page further down the result list
                (the hits returned have ranks ``offset``, ``offset + 1``...).
            filters: year range, organisation and paper-id restrictions.
            forgiving: the search bar's mode. A malformed query runs as its
                plain words instead of raising; a query that finds nothing
                runs as its spelling correction, when that finds something;
                a query finding fewer than :data:`SUGGEST_BELOW` hits gets a
                correction offered in :attr:`Results.suggestion`. What was
                done is said in :attr:`Results.notice`.
            facets: also count every hit per year and organisation
                (:attr:`Results.facets`).

        Raises:
            QueryError: the query is not well formed (only when not ``forgiving``).
            ValueError: unknown ``sort``, or a negative ``offset``.
        """
        if sort not in SORTS:
            raise ValueError(f"unknown sort {sort!r}; choose one of {', '.join(SORTS)}")
        if offset < 0:
            raise ValueError(f"offset must be 0 or more, not {offset}")
        limit = None if limit is None else offset + limit
        started = time.perf_counter()
        filters = filters or Filters()
        blank = not text.strip()
        ran: str | None = None
        notice = ""
        if blank:
            q: query.Query = query.Every()
        else:
            try:
                q = self.parse(text)
            except QueryError as exc:
                if not forgiving:
                    raise
                ran = plain_words(text)
                notice = f"{exc.reason} (column {exc.column}); searched for the plain words"
                q = self._parse_plain(ran)
        if blank and sort == "relevance":
            sort = "date"
        suggestion = None
        relaxed_run = False
        with self._searcher() as searcher:
            # one decoding of each term's postings for every run of this search
            postings = self._postings(searcher)
            found, counts = self._run(searcher, q, sort, limit, filters, facets, postings)
            total = found.total if found is not None else 0
            if forgiving and not blank and total < SUGGEST_BELOW:
                corrected = self.correct(ran or text, searcher)
                if corrected:
                    try:
                        cq = self._parse_plain(corrected) if ran else self.parse(corrected)
                    except QueryError:  # corrected into nothing searchable ('title:as')
                        corrected = None
                if corrected:
                    c_found, c_counts = self._run(
                        searcher, cq, sort, limit, filters, facets, postings
                    )
                    c_total = c_found.total if c_found is not None else 0
                    if total == 0 and c_total:
                        notice = f"nothing matched {ran or text!r}; showing {corrected!r}"
                        ran, q, found, counts, total = corrected, cq, c_found, c_counts, c_total
                    elif c_total > total:
                        suggestion = corrected
                if suggestion is None and total == 0 and not ran:
                    suggestion = self._loosened(searcher, text, postings)
            vocabulary = self._vocabulary(self._tables_for(searcher))
            terms = {} if blank else query_terms(q, searcher.reader(), vocabulary)
            page = found.page if found is not None else []
            if forgiving and not blank and total < SUGGEST_BELOW:
                relaxed = self._relax(searcher, ran or text, sort, limit, filters, facets, postings)
                if relaxed is not None and relaxed[0].total > total:
                    or_found, or_terms, or_counts = relaxed
                    shown = {d for d, _ in page}
                    page = page + [(d, s) for d, s in or_found.page if d not in shown]
                    if limit is not None:
                        page = page[:limit]
                    some = or_found.total - total
                    relaxed_notice = (
                        f"{_papers(total)} with every word, {some} more with some of them"
                        if total
                        else f"no paper has every word; {_papers(some)} with some of them"
                    )
                    notice = f"{notice}; {relaxed_notice}" if notice else relaxed_notice
                    total, counts = or_found.total, or_counts
                    relaxed_run = True
                    terms = {
                        f: terms.get(f, frozenset()) | or_terms.get(f, frozenset())
                        for f in set(terms) | set(or_terms)
                    }
            # papers read and highlighted for the requested page only
            hits = self._hits(searcher, page[offset:], terms, sort, first_rank=offset)
        return Results(
            text,
            tuple(hits),
            total,
            sort,
            terms,
            time.perf_counter() - started,
            offset=offset,
            ran=ran,
            notice=notice,
            suggestion=suggestion,
            filters=filters,
            facets=counts,
            relaxed=relaxed_run,
        )

    def page(self, first: Results, offset: int, limit: int) -> Results:
        """Hits ``offset`` to ``offset + limit`` of the query ``first`` was resolved to.

        ``first`` is the answer of a (forgiving) :meth:`search`; this runs the
        text that search actually ran (:attr:`Results.ran`, else
        :attr:`Results.query`) with the same sort and filters, relaxed (the
        hits with every word, then those with some of them) when
        :attr:`Results.relaxed` says the search was. No spelling correction,
        relaxation decision, looser form or suggestion is computed again, so
        page 3 of a corrected query lists the corrected query's hits, exactly
        the hits one big search returns at those ranks.

        Args:
            first: a :class:`Results` of :meth:`search` on this index.
            offset: rank of the first hit wanted (0 or more).
            limit: number of hits wanted (0 or more).

        Returns:
            ``first`` with :attr:`~Results.hits` the page asked for (ranks from
            ``offset``), :attr:`~Results.offset`, :attr:`~Results.total`,
            :attr:`~Results.terms` and :attr:`~Results.elapsed` of this run;
            ``notice``, ``suggestion`` and ``facets`` are ``first``'s.

        Raises:
            ValueError: a negative ``offset`` or ``limit``.
            QueryError: ``first`` ran a query that is not well formed (only
                possible for a ``first`` of a non-forgiving search, which raised).
        """
        if offset < 0 or limit < 0:
            raise ValueError(f"offset and limit must be 0 or more, not {offset} and {limit}")
        started = time.perf_counter()
        text = first.ran if first.ran is not None else first.query
        blank = not text.strip()
        end = offset + limit
        if blank:
            q: query.Query = query.Every()
        else:
            try:
                q = self.parse(text)
            except QueryError:
                if first.ran is None:
                    raise
                q = self._parse_plain(text)  # the plain words of a malformed query
        with self._searcher() as searcher:
            postings = self._postings(searcher)
            found, _ = self._run(searcher, q, first.sort, end, first.filters, False, postings)
            total = found.total if found is not None else 0
            vocabulary = self._vocabulary(self._tables_for(searcher))
            terms = {} if blank else query_terms(q, searcher.reader(), vocabulary)
            page = found.page if found is not None else []
            if first.relaxed:
                relaxed = self._relax(
                    searcher, text, first.sort, end, first.filters, False, postings
                )
                if relaxed is not None:
                    or_found, or_terms, _ = relaxed
                    shown = {d for d, _ in page}
                    page = (page + [(d, s) for d, s in or_found.page if d not in shown])[:end]
                    total = or_found.total
                    terms = {
                        f: terms.get(f, frozenset()) | or_terms.get(f, frozenset())
                        for f in set(terms) | set(or_terms)
                    }
            hits = self._hits(searcher, page[offset:], terms, first.sort, first_rank=offset)
        return replace(
            first,
            hits=tuple(hits),
            total=total,
            terms=terms,
            elapsed=time.perf_counter() - started,
            offset=offset,
        )

    def _relax(self, searcher, text: str, sort, limit, filters, facets, postings=None):
        """Run ``text`` with OR between its words, most matching words first.

        The forgiving search's answer to a query whose words do not all occur
        in any paper (``how to make diffusion sampling faster``). Only plain
        word queries are relaxed: a query with operators, quotes, fields or
        ranges means exactly what it says.

        Returns:
            ``(_Found, terms, facets)``, or ``None`` when ``text`` is not
            plain words or has a single word.
        """
        if text != plain_words(text) or len(text.split()) < 2:
            return None
        with self._parser_lock:
            q = self._or_parser.parse(text)
        found, counts = self._run(searcher, q, sort, limit, filters, facets, postings)
        if found is None:
            return None
        terms = query_terms(q, searcher.reader(), self._vocabulary(self._tables_for(searcher)))
        return found, terms, counts

    def _loosened(self, searcher, text: str, postings) -> str | None:
        """A looser form of ``text`` that finds papers, for a query with syntax
        that found none: its phrases unquoted (``"smooth nowcasting"`` →
        ``smooth nowcasting``, ``title:"a b"`` → ``title:(a b)``), then its
        ``AND`` made ``OR`` (``smooth AND nowcasting`` → ``smooth OR
        nowcasting``), then the words of a field's phrase joined by ``OR``
        (``title:(smooth OR nowcasting)``). Plain words are counted as the forgiving search runs
        them (relaxed to OR); ``None`` when no form finds anything."""
        unquoted = _FIELD_PHRASE.sub(r"\1:(\2)", text).replace('"', "")
        either = _FIELD_PHRASE.sub(lambda m: f"{m[1]}:({' OR '.join(m[2].split())})", text)
        forms = [unquoted, _AND.sub("OR", unquoted), _AND.sub("OR", either.replace('"', ""))]
        tables = self._tables_for(searcher)
        for form in dict.fromkeys(f for f in forms if f != text):
            plain = form == plain_words(form) and len(form.split()) > 1
            try:
                q = self._or_parser.parse(form) if plain else self.parse(form)
            except QueryError:
                continue
            if q is query.NullQuery:
                continue
            if np.any(match_set(searcher, q, tables.live, postings)):
                return form
        return None

    def _parse_plain(self, words: str) -> query.Query:
        """Parse words that carry no syntax (the output of :func:`plain_words`)."""
        if not words:
            return query.NullQuery
        with self._parser_lock:
            return self._parser.parse(words)

    def _tables_for(self, searcher) -> Tables:
        reader = searcher.reader()
        key = (str(self._ix.storage.folder), reader.generation(), reader.doc_count_all())
        tables = self._tables
        if tables is None or tables.key != key:
            folder = Path(self._ix.storage.folder)
            tables = Tables.load(key, folder)
            if tables is None:  # not saved by the writer: compute, save for next time
                tables = Tables.read(key, reader)
                with contextlib.suppress(OSError):
                    tables.save(folder)
            self._tables = tables
        return tables

    def _run(self, searcher, q, sort, limit, filters, want_facets, postings=None):
        """Search with filters; return ``(_Found or None, Facets or None)``.

        The matching documents are found once, unscored, as a mask over the
        document numbers (:func:`~paperbrowse.core.engine.matching.match_set`); the
        total, the filters and the facet counts come from it and the
        per-document tables. A page sorted by date or upvotes is cut from the
        table's precomputed order; a relevance page is the BM25F top
        ``limit`` of the filtered set (:func:`~paperbrowse.core.engine.matching.top_scored`).
        """
        if q is query.NullQuery or (filters.ids is not None and not filters.ids):
            return None, (Facets() if want_facets else None)
        tables = self._tables_for(searcher)
        everything = isinstance(q, query.Every)
        if postings is None:
            postings = self._postings(searcher)
        matched = tables.live if everything else match_set(searcher, q, tables.live, postings)

        years, org, ids = filters.years, filters.organisation, None
        if filters.ids is not None:
            found = [searcher.document_number(id=i) for i in sorted(filters.ids)]
            ids = postings.mask(np.array([d for d in found if d is not None], dtype=np.int64))
        in_years = in_org = None
        if years is not None:
            in_years = (tables.year >= years[0]) & (tables.year <= years[1])
        if filters.undated:  # no year: alone, or with the years chosen
            in_years = tables.undated() if in_years is None else in_years | tables.undated()
        if org is not None:
            codes = self._org_codes(searcher, tables, org, postings)
            in_org = np.isin(tables.org, codes) if codes else np.zeros(tables.count, bool)
        base = matched if ids is None else matched & ids
        chosen = base
        for restriction in (in_years, in_org):
            if restriction is not None:
                chosen = chosen & restriction
        counts = None
        unfiltered = in_years is None and org is None and ids is None
        if want_facets and everything and unfiltered:
            counts = tables.facets()  # the whole index's: counted once per state
        elif want_facets:
            # a facet counts the papers passing the other facet's filter
            year_pool = base if in_org is None else base & in_org
            org_pool = base if in_years is None else base & in_years
            counts = tables.count_facets(year_pool, org_pool)
        total = len(tables.by_date) if chosen is tables.live else int(np.count_nonzero(chosen))
        wanted = total if limit is None else min(limit, total)
        if sort == "relevance" and not everything:
            page = top_scored(searcher, q, chosen, wanted, postings) if wanted else []
            if page is None:  # a query shape top_scored leaves to Whoosh
                restrict = None if chosen is matched else set(np.flatnonzero(chosen).tolist())
                found = searcher.search(q, limit=wanted or 1, filter=restrict)
                page = [(hit.docnum, float(hit.score or 0.0)) for hit in found][:wanted]
        else:
            page = [(int(d), 0.0) for d in tables.first_in_order(sort, chosen, total, wanted)]
        return _Found(total, page), counts

    def _org_codes(self, searcher, tables: Tables, name: str, postings) -> list[int]:
        """The organisation codes (:attr:`Tables.org`) that ``name`` chooses:
        the organisation of that exact name (as the facets list it), else
        every one whose name or Hugging Face handle is ``name`` ignoring case
        (``adobe`` chooses Adobe; ``nyu-visionx`` chooses "VISIONx @ NYU").
        Kept per index state. A handle is found through the ``organisation``
        text field, which holds name and handle; one stored paper per
        organisation code is read to compare its handle."""
        code = tables.org_code(name)
        if code is not None:
            return [code]
        kept = tables.cache.setdefault("org_lookup", {})
        key = name.casefold().strip()
        if key in kept:
            return kept[key]
        codes = {c for c, n in enumerate(tables.org_names) if c and n.casefold() == key}
        tokens = [t.text for t in self.analyzer(key)]  # lower case: no case-change splits
        if tokens:
            words = [postings.mask(postings.docs("organisation", t)) for t in tokens]
            docs = np.flatnonzero(np.logical_and.reduce(words) & tables.live)
            seen: set[int] = set()
            for doc in docs.tolist():
                c = int(tables.org[doc])
                if not c or c in seen or c in codes:
                    continue
                seen.add(c)
                stored = json.loads(searcher.stored_fields(doc)["data"])
                if str(stored.get("org_handle") or "").casefold() == key:
                    codes.add(c)
        kept[key] = sorted(codes)
        return kept[key]

    def _postings(self, searcher) -> Postings:
        """A search's postings, drawing on those kept for the index state."""
        tables = self._tables_for(searcher)
        kept = tables.cache.get("postings")
        if kept is None:
            kept = tables.cache.setdefault("postings", DecodedCache())
        return Postings(searcher.reader(), self._vocabulary(tables), kept, tables.columns)

    @staticmethod
    def _vocabulary(tables: Tables) -> Vocabulary:
        """The index state's term lists for fuzzy words and spelling."""
        return tables.cache.setdefault("vocabulary", Vocabulary())

    def _hits(
        self,
        searcher,
        page: list[tuple[int, float]],
        terms: dict[str, frozenset[str]],
        sort: str,
        first_rank: int = 0,
    ) -> list[Hit]:
        """The :class:`Hit` of each ``(docnum, score)`` of ``page``: the paper
        read from the index, its title and best snippet highlighted; ranks
        count from ``first_rank``."""
        title_terms = terms.get("title", frozenset())
        abstract_terms = terms.get("abstract", frozenset())
        hits = []
        for rank, (docnum, score) in enumerate(page, first_rank):
            paper = Paper.from_dict(json.loads(searcher.stored_fields(docnum)["data"]))
            hits.append(
                Hit(
                    paper=paper,
                    rank=rank,
                    score=score if sort == "relevance" else 0.0,
                    title=highlight(paper.title, title_terms, self.words),
                    snippet=snippet(paper.abstract, abstract_terms, self.words),
                )
            )
        return hits

    def correct(self, text: str, searcher=None) -> str | None:
        """Return ``text`` with its unknown words spelled as words of the index.

        The "did you mean" of the search bar and the CLI. A word is *known*,
        and left as it is, when it is in the index's vocabulary (the ``spell``
        field: unstemmed words of titles and abstracts) or when the fields it
        is searched in hold it (``rose`` is a title word of RoseLoRA;
        ``organisation:adobe`` names an organisation; author names): a query
        that finds what it names is never "corrected".

        Each unknown word's candidates are the indexed words within edit
        distance 1 (words of up to 4 letters) or 2, sharing its first letter
        (:class:`~paperbrowse.core.engine.matching.Vocabulary`), ranked by
        ``log(document frequency) - 3 × typo cost`` (:func:`typo_cost`: an
        omitted, added or swapped letter, a neighbouring key or a vowel for a
        vowel costs 1, another substitution 1.5). The best
        :data:`_CANDIDATES` are then tried *in the whole query*, one count
        each: a candidate with which the corrected query finds papers wins,
        then one that those papers contain as written (``grokking linear
        estimatrs`` → ``estimators``, the word of the one paper, not the
        commoner ``estimates`` that only shares its stem), then by
        ``log(papers found) - 3 × typo cost``. Queries with more than
        :data:`_CHECKED_WORDS` unknown words skip the counts. Operators,
        field names, wildcards, fuzzy terms and numbers are left as they are.

        Returns:
            The corrected query text, or ``None`` when every word is known or
            no correction is found.
        """
        if searcher is None:
            with self._searcher() as own:
                return self.correct(text, own)
        reader = searcher.reader()
        vocabulary = self._vocabulary(self._tables_for(searcher))
        spell = self._spell_analyzer
        fielded = _fielded_spans(text)
        unknown: list[tuple[re.Match[str], list[tuple[str, float]]]] = []
        for match in _CORRECTABLE.finditer(text):
            word = match.group(0)
            if word in _OPERATOR_WORDS:
                continue
            folded = "".join(t.text for t in spell(word))
            if len(folded) < 3 or ("spell", folded) in reader:
                continue
            field = next((f for lo, hi, f in fielded if lo <= match.start() < hi), None)
            if self._known(reader, word, field):
                continue
            maxdist = 1 if len(folded) <= 4 else 2
            words = vocabulary.within(reader, "spell", folded, maxdist, prefix=1)
            if not words:
                continue
            costed = [(w.decode(), typo_cost(folded, w.decode())) for w in words]
            costed.sort(
                key=lambda wc: (
                    math.log(reader.doc_frequency("spell", wc[0]) or 1) - _EDIT_PENALTY * wc[1]
                ),
                reverse=True,
            )
            unknown.append((match, costed[:_CANDIDATES]))
        if not unknown:
            return None
        chosen = [ranked[0][0] for _, ranked in unknown]

        def spelled(choice: list[str]) -> str:
            parts, at = [], 0
            for (match, _), word in zip(unknown, choice, strict=True):
                parts += [text[at : match.start()], word]
                at = match.end()
            return "".join(parts) + text[at:]

        if len(unknown) <= _CHECKED_WORDS:
            tables = self._tables_for(searcher)
            postings = self._postings(searcher)
            for i, (_, ranked) in enumerate(unknown):
                if len(ranked) < 2:
                    continue

                def support(candidate: tuple[str, float], i: int = i) -> tuple:
                    word, cost = candidate
                    trial = [*chosen[:i], word, *chosen[i + 1 :]]
                    found = self._count_with(searcher, spelled(trial), word, tables, postings)
                    count, literal = found
                    papers = literal or count or reader.doc_frequency("spell", word) or 1
                    return (count > 0, literal > 0, math.log(papers) - _EDIT_PENALTY * cost)

                chosen[i] = max(ranked, key=support)[0]
        return spelled(chosen)

    def _known(self, reader, word: str, field: str | None) -> bool:
        """True if every analysed token of ``word`` is indexed in ``field``
        (any searched field when ``None``): the word finds something as typed."""
        tokens = [t.text for t in self.analyzer(word)]
        fields = [field] if field in FIELD_BOOSTS else list(FIELD_BOOSTS)
        return any(all((f, t) in reader for t in tokens) for f in fields) if tokens else True

    def _count_with(self, searcher, text: str, word: str, tables, postings) -> tuple[int, int]:
        """``(papers matching text, those of them whose title or abstract has
        word as written)``; ``(0, 0)`` when ``text`` is not a query."""
        try:
            q = self.parse(text)
        except QueryError:
            return 0, 0
        if q is query.NullQuery:
            return 0, 0
        matched = match_set(searcher, q, tables.live, postings)
        count = int(np.count_nonzero(matched))
        if not count:
            return 0, 0
        spelled = postings.mask(postings.docs("spell", word))
        return count, int(np.count_nonzero(matched & spelled))

    @staticmethod
    def _key_terms(searcher, paper: Paper, count: int = 20) -> list[tuple[str, float]]:
        """The ``count`` terms that best characterise ``paper``, weights in (0, 1].

        Whoosh's key-term expansion over the title (counted twice) and abstract
        with the Kullback-Leibler model; numbers and terms found in more than
        half of the papers are dropped. On the bundled
        corpus KL agreed best with the topic of a paper (74% of its 10 most
        similar papers shared its title's topic word, against 54% for Whoosh's
        default Bo1 model and 58% for Lucene-style tf-idf).
        """
        text = f"{paper.title}\n{paper.title}\n{paper.abstract}"
        terms = searcher.key_terms_from_text(
            "abstract", text, numterms=count + 10, model=classify.KLModel, normalize=True
        )
        # a term in more than half of the papers says nothing about topic (its
        # BM25 idf is about 0) but makes nearly every paper a candidate to score
        common = searcher.doc_count() / 2
        return [
            (term, weight)
            for term, weight in terms
            if not term.isdigit() and searcher.doc_frequency("abstract", term) <= common
        ][:count]

    def similar(
        self, paper_id: str, *, limit: int | None = 20, filters: Filters | None = None
    ) -> Results:
        """Papers most like ``paper_id``: Whoosh's more-like-this on title and abstract.

        The paper's key terms (:meth:`_key_terms`) are searched for in the
        abstract and, boosted as a title match is, in the title of every
        other paper, with BM25F.

        Returns:
            :class:`Results` whose ``query`` is the paper's id, best first; the
            paper itself is not among the hits.

        Raises:
            KeyError: no paper with this id in the index.
        """
        started = time.perf_counter()
        filters = filters or Filters()
        with self._searcher() as searcher:
            docnum = searcher.document_number(id=paper_id)
            if docnum is None:
                raise KeyError(f"no paper with id {paper_id!r} in the index")
            paper = Paper.from_dict(json.loads(searcher.stored_fields(docnum)["data"]))
            key_terms = self._key_terms(searcher, paper)
            q = query.Or(
                [query.Term("abstract", term, boost=weight) for term, weight in key_terms]
                + [
                    query.Term("title", term, boost=weight * FIELD_BOOSTS["title"])
                    for term, weight in key_terms
                ]
            )
            if not key_terms:
                return Results(paper_id, (), 0, "relevance", {}, time.perf_counter() - started)
            # one more than asked, then the paper itself is dropped (cheaper than a mask)
            wanted = None if limit is None else limit + 1
            found, _ = self._run(searcher, q, "relevance", wanted, filters, False)
            page = [] if found is None else [(d, s) for d, s in found.page if d != docnum]
            page = page[:limit] if limit is not None else page
            terms = query_terms(q, searcher.reader())
            hits = self._hits(searcher, page, terms, "relevance")
            total = len(hits)  # every paper shares some word: count what is shown
        return Results(
            paper_id,
            tuple(hits),
            total,
            "relevance",
            terms,
            time.perf_counter() - started,
            filters=filters,
        )

    def highlight(self, text: str, results: Results, field: str = "abstract"):
        """Highlight any text (e.g. a full abstract) with the terms of ``results``.

        Returns:
            A tuple of ``(text, matched)`` segments covering all of ``text``.
        """
        return highlight(text, results.terms.get(field, frozenset()), self.words)

    def get(self, paper_id: str) -> Paper | None:
        """Return the paper with this id, or ``None``."""
        with self._searcher() as searcher:
            stored = searcher.document(id=paper_id)
        return Paper.from_dict(json.loads(stored["data"])) if stored else None

    def find(self, field: str, value: str) -> list[Paper]:
        """Papers whose ``field`` holds exactly ``value``, in input order (read-only).

        Args:
            field: an exact-match field of :func:`make_schema`: ``id``,
                ``arxiv`` (an arXiv id without version), ``doi`` (stored lower
                case: pass a lower-case DOI) or ``title_key``.
            value: the term to look up.

        Raises:
            ValueError: ``field`` is not one of those.
        """
        if field not in ("id", "arxiv", "doi", "title_key"):
            raise ValueError(f"cannot look papers up by {field!r}")
        with self._searcher() as searcher:
            docs = [d["data"] for d in searcher.documents(**{field: value}) if "data" in d]
        return [Paper.from_dict(json.loads(d)) for d in docs]

    def all_papers(self) -> list[Paper]:
        """Every paper in the index, in input order."""
        with self._searcher() as searcher:
            docs = [(d.get("data")) for d in searcher.all_stored_fields()]
        papers = [Paper.from_dict(json.loads(d)) for d in docs if d]
        return papers


#: Cost of one edit in :meth:`PaperIndex.correct`, against log document frequency:
#: a word one edit further away must be e³ ≈ 20 times as frequent to win.
_EDIT_PENALTY = 3.0

#: Candidate corrections per unknown word tried in the whole query (one count each).
_CANDIDATES = 4

#: Queries with more unknown words than this are corrected word by word, uncounted.
_CHECKED_WORDS = 3

#: ``field:"a phrase"`` in query text, unquoted as ``field:(a phrase)``.
_FIELD_PHRASE = re.compile(r'\b([A-Za-z_]+):"([^"]*)"')
_AND = re.compile(r"\bAND\b")

#: A field's value in query text: ``field:word``, ``field:"a phrase"``, ``field:(a b)``.
_FIELD_VALUE = re.compile(r'\b([A-Za-z_]+):("[^"]*"?|\([^)]*\)?|[^\s()"]+)')


def _fielded_spans(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, field)`` of each ``field:value`` of query ``text``."""
    return [(m.start(2), m.end(2), m.group(1)) for m in _FIELD_VALUE.finditer(text)]


_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_VOWELS = frozenset("aeiouy")


def _neighbours() -> dict[str, frozenset[str]]:
    """Keys next to each letter on a QWERTY keyboard (same row, and the rows
    above and below at the same or next column)."""
    where = {c: (r, i) for r, row in enumerate(_KEYBOARD_ROWS) for i, c in enumerate(row)}
    near: dict[str, set[str]] = {c: set() for c in where}
    for a, (ra, ia) in where.items():
        for b, (rb, ib) in where.items():
            if a != b and abs(ra - rb) <= 1 and (ib - ia if rb >= ra else ia - ib) in (-1, 0, 1):
                near[a].add(b)
    return {c: frozenset(n) for c, n in near.items()}


_NEAR_KEYS = _neighbours()


def _substitution_cost(a: str, b: str) -> float:
    """1 for a neighbouring key or a vowel for a vowel (``speach``), else 1.5."""
    if a == b:
        return 0.0
    if b in _NEAR_KEYS.get(a, ()) or (a in _VOWELS and b in _VOWELS):
        return 1.0
    return 1.5


def typo_cost(typed: str, word: str) -> float:
    """How likely a typing slip turned ``word`` into ``typed``, as a weighted
    optimal-string-alignment distance: a letter left out or added, two
    neighbouring letters swapped, a neighbouring key or a vowel for a vowel
    cost 1 each; another substitution 1.5 (``flw`` is 1 from ``flow``, a
    letter left out, and 1.5 from ``few``). Lower case ASCII QWERTY.
    """
    prev2: list[float] = []
    prev = [float(j) for j in range(len(word) + 1)]
    for i in range(1, len(typed) + 1):
        row = [float(i)] + [0.0] * len(word)
        for j in range(1, len(word) + 1):
            sub = _substitution_cost(typed[i - 1], word[j - 1])
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + sub)
            if i > 1 and j > 1 and typed[i - 1] == word[j - 2] and typed[i - 2] == word[j - 1]:
                row[j] = min(row[j], prev2[j - 2] + 1)
        prev2, prev = prev, row
    return prev[len(word)]


def edit_distance(a: str, b: str) -> int:
    """Optimal-string-alignment distance: insertions, deletions, substitutions
    and swaps of two adjacent letters each count 1 (``modle`` → ``model`` is 1)."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], prev2[j - 2] + 1)
        prev2, prev = prev, row
    return prev[len(b)]
