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
import errno
import json
import os
import secrets
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh import qparser, query, sorting
from whoosh.analysis import (
    CharsetFilter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.support.charset import accent_map

from paperbrowse.core.highlight import WordAnalyzer, highlight, snippet
from paperbrowse.core.models import Hit, Paper, Results
from paperbrowse.core.query import QueryError, check_query

#: Bump whenever the schema or analysis changes: existing indexes are rebuilt.
SCHEMA_VERSION = 1

#: Fields searched by a query word without a ``field:`` prefix, and their boosts.
FIELD_BOOSTS: dict[str, float] = {
    "title": 3.0,
    "abstract": 1.0,
    "authors": 2.0,
    "organisation": 1.5,
}

SORTS = ("relevance", "date", "upvotes")

ProgressCallback = Callable[[int, int], None]


def make_analyzer():
    """Return the analyzer of every text field: words, lower case, accents
    folded, English stop words removed, Porter stemming."""
    return (
        RegexTokenizer()
        | LowercaseFilter()
        | CharsetFilter(accent_map)
        | StopFilter()
        | StemFilter()
    )


def make_schema() -> Schema:
    """Return the Whoosh schema.

    Fields: ``id`` (unique), ``title``/``abstract``/``authors``/
    ``organisation`` (analysed text), ``year`` (int, absent when unknown),
    ``date`` (int ``YYYYMMDD``, 0 when unknown; sortable), ``upvotes`` (int,
    0 when unknown; sortable), ``source`` (comma-separated capture names),
    ``arxiv`` (arXiv id), ``pos`` (input order, tie-breaker), ``data`` (the
    whole :class:`Paper` as JSON, stored only).
    """
    analyzer = make_analyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        title=TEXT(analyzer=analyzer),
        abstract=TEXT(analyzer=analyzer),
        authors=TEXT(analyzer=analyzer),
        organisation=TEXT(analyzer=analyzer),
        year=NUMERIC(int, bits=32, signed=False),
        date=NUMERIC(int, bits=32, signed=False, sortable=True),
        upvotes=NUMERIC(int, bits=32, signed=False, sortable=True),
        source=KEYWORD(commas=True, lowercase=True),
        arxiv=ID,
        pos=NUMERIC(int, bits=32, signed=False, sortable=True),
        data=STORED,
    )


class IndexUnavailable(RuntimeError):
    """There is no usable index (never built, removed, or unreadable)."""


@dataclass(frozen=True)
class Stamp:
    """What an index generation was built from.

    Attributes:
        schema: :data:`SCHEMA_VERSION` at build time.
        corpus: fingerprint of the input (see ``captures.fingerprint``).
        docs: number of documents.
        built_at: Unix time of the build (seconds).
        seconds: build duration in seconds.
    """

    schema: int
    corpus: str
    docs: int
    built_at: float
    seconds: float


def _paper_doc(paper: Paper, pos: int) -> dict:
    doc = {
        "id": paper.id,
        "title": paper.title,
        "abstract": paper.abstract,
        "authors": "; ".join(paper.authors),
        "organisation": " ".join(x for x in (paper.organisation, paper.org_handle) if x),
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
    return doc


def write_json_atomic(path: Path, data: object) -> None:
    """Write ``data`` as JSON to ``path`` via a temporary file and ``os.replace``."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


class BuildCancelled(Exception):
    """Raised inside :meth:`IndexStore.build` when ``is_cancelled()`` turns true."""


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
        """Open the live generation.

        Raises:
            IndexUnavailable: no generation, or Whoosh cannot open it.
        """
        current = self.read_current()
        if current is None:
            raise IndexUnavailable(f"no index in {self.root}")
        folder, stamp = current
        try:
            ix = whoosh_index.open_dir(str(folder))
        except Exception as exc:  # whoosh raises several unrelated types on damage
            raise IndexUnavailable(f"index in {folder} cannot be opened: {exc}") from exc
        return PaperIndex(ix, stamp)

    @contextlib.contextmanager
    def _build_lock(self):
        import fcntl

        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def build(
        self,
        papers: Sequence[Paper],
        corpus: str,
        *,
        progress: ProgressCallback | None = None,
        is_cancelled: Callable[[], bool] | None = None,
    ) -> PaperIndex:
        """Build a new generation from ``papers`` and make it live atomically.

        Args:
            papers: distinct papers (ids unique).
            corpus: fingerprint recorded in the stamp.
            progress: called as ``progress(done, total)`` in documents.
            is_cancelled: polled between documents; when it returns true the
                partial generation is deleted and :class:`BuildCancelled` raised.

        Raises:
            BuildCancelled: see ``is_cancelled``; the previous index stays live.
            OSError: the disk is full or not writable; the previous index stays
                live and the partial generation is removed.
        """
        with self._lock, self._build_lock():
            started = time.perf_counter()
            name = f"gen-{int(time.time())}-{secrets.token_hex(3)}"
            folder = self.root / name
            folder.mkdir(parents=True)
            try:
                ix = whoosh_index.create_in(str(folder), make_schema())
                writer = ix.writer(limitmb=128)
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
                    writer.cancel()
                    raise
                stamp = Stamp(
                    schema=SCHEMA_VERSION,
                    corpus=corpus,
                    docs=len(papers),
                    built_at=time.time(),
                    seconds=round(time.perf_counter() - started, 3),
                )
                write_json_atomic(self.current_file, {"dir": name, "stamp": stamp.__dict__})
            except BaseException:
                shutil.rmtree(folder, ignore_errors=True)
                raise
            self._remove_old_generations(keep=name)
            return PaperIndex(ix, stamp)

    def _remove_old_generations(self, keep: str) -> None:
        for old in self.root.glob("gen-*"):
            if old.name != keep:
                shutil.rmtree(old, ignore_errors=True)


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


def query_terms(q: query.Query, reader) -> dict[str, frozenset[str]]:
    """Analysed terms of ``q`` that exist in the index, per text field.

    Wildcard, prefix and fuzzy terms are expanded to the indexed words they
    match. (Whoosh's own ``Query.existing_terms`` cannot be used: in 2.7 it
    reuses its ``fieldname`` argument as a loop variable and drops the terms
    of every field after the first.)
    """
    by_field: dict[str, set[str]] = {}
    for leaf in _positive_leaves(q):
        for fieldname, text in leaf.expanded_terms(reader, phrases=True):
            if fieldname not in FIELD_BOOSTS:
                continue
            if isinstance(text, bytes):
                text = text.decode("utf-8")
            if (fieldname, text) in reader:
                by_field.setdefault(fieldname, set()).add(text)
    return {k: frozenset(v) for k, v in by_field.items()}


class PaperIndex:
    """A searchable, opened index generation.

    Attributes:
        stamp: what the generation was built from.
    """

    def __init__(self, ix, stamp: Stamp) -> None:
        self._ix = ix
        self.stamp = stamp
        self.analyzer = make_analyzer()
        self.words = WordAnalyzer(self.analyzer)
        parser = qparser.MultifieldParser(list(FIELD_BOOSTS), ix.schema, fieldboosts=FIELD_BOOSTS)
        parser.add_plugin(qparser.FuzzyTermPlugin())
        parser.add_plugin(qparser.GtLtPlugin())
        self._parser = parser
        self._parser_lock = threading.Lock()

    def doc_count(self) -> int:
        """Number of papers in the index."""
        return self._ix.doc_count()

    def parse(self, text: str) -> query.Query:
        """Parse query text into a Whoosh query.

        Raises:
            QueryError: the text is not a well-formed query (see
                :func:`paperbrowse.core.query.check_query`).
        """
        check_query(text)
        with self._parser_lock:  # QueryParser keeps no state, but be safe across threads
            parsed = self._parser.parse(text)
        if parsed is query.NullQuery and text.strip():
            words = [t.text for t in self.analyzer(text)]
            if words:  # stop-word-only queries are fine; anything else is not understood
                raise QueryError(text, 1, "nothing in this query can be searched for")
        return parsed

    def search(self, text: str, *, sort: str = "relevance", limit: int | None = 500) -> Results:
        """Run a query and return the best ``limit`` hits with highlights.

        Args:
            text: query in Whoosh's query language; empty or blank lists
                every paper, newest first.
            sort: ``relevance`` (BM25F score), ``date`` (newest first) or
                ``upvotes`` (most first). Ties fall back to input order.
            limit: maximum number of hits returned (``None`` for all);
                :attr:`Results.total` always counts every match.

        Raises:
            QueryError: the query is not well formed.
            ValueError: unknown ``sort``.
        """
        if sort not in SORTS:
            raise ValueError(f"unknown sort {sort!r}; choose one of {', '.join(SORTS)}")
        started = time.perf_counter()
        blank = not text.strip()
        q = query.Every() if blank else self.parse(text)
        if q is query.NullQuery:
            return Results(text, (), 0, sort, {}, time.perf_counter() - started)
        if blank and sort == "relevance":
            sort = "date"
        facets = {
            "date": sorting.MultiFacet(
                [sorting.FieldFacet("date", reverse=True), sorting.FieldFacet("pos")]
            ),
            "upvotes": sorting.MultiFacet(
                [
                    sorting.FieldFacet("upvotes", reverse=True),
                    sorting.FieldFacet("date", reverse=True),
                ]
            ),
        }
        with self._ix.searcher() as searcher:
            found = searcher.search(q, limit=limit, sortedby=facets.get(sort))
            total = len(found)
            terms = {} if blank else query_terms(q, searcher.reader())
            hits = []
            for rank, hit in enumerate(found):
                paper = Paper.from_dict(json.loads(hit["data"]))
                title_terms = terms.get("title", frozenset())
                abstract_terms = terms.get("abstract", frozenset())
                hits.append(
                    Hit(
                        paper=paper,
                        rank=rank,
                        score=float(hit.score or 0.0) if sort == "relevance" else 0.0,
                        title=highlight(paper.title, title_terms, self.words),
                        snippet=snippet(paper.abstract, abstract_terms, self.words),
                    )
                )
        return Results(text, tuple(hits), total, sort, terms, time.perf_counter() - started)

    def highlight(self, text: str, results: Results, field: str = "abstract"):
        """Highlight any text (e.g. a full abstract) with the terms of ``results``.

        Returns:
            A tuple of ``(text, matched)`` segments covering all of ``text``.
        """
        return highlight(text, results.terms.get(field, frozenset()), self.words)

    def get(self, paper_id: str) -> Paper | None:
        """Return the paper with this id, or ``None``."""
        with self._ix.searcher() as searcher:
            stored = searcher.document(id=paper_id)
        return Paper.from_dict(json.loads(stored["data"])) if stored else None

    def all_papers(self) -> list[Paper]:
        """Every paper in the index, in input order."""
        with self._ix.searcher() as searcher:
            docs = [(d.get("data")) for d in searcher.all_stored_fields()]
        papers = [Paper.from_dict(json.loads(d)) for d in docs if d]
        return papers


def is_disk_full(exc: BaseException) -> bool:
    """True if ``exc`` is an ``OSError`` for a full disk or quota."""
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)
