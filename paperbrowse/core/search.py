"""The search service: :class:`PaperIndex`, one opened index generation.

Scoring is Whoosh's BM25F over the title, abstract, authors and organisation
fields, and the PDF's full text, with per-field boosts
(:data:`~paperbrowse.core.schema.FIELD_BOOSTS`).
Text fields are tokenised, lower-cased, accent-folded and Porter-stemmed
(:mod:`paperbrowse.core.engine.analysis`), so ``matern`` finds ``Matérn`` and
``diffusion`` finds ``diffusion-based``. Matching, scoring and the page cut
are the engine's (:mod:`paperbrowse.core.engine`); what a forgiving search
shows when a query finds little is :mod:`paperbrowse.core.forgiving`; the
generations on disk are :mod:`paperbrowse.core.generations`.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from whoosh import fields, qparser, query
from whoosh import index as whoosh_index

from paperbrowse.core.engine import whoosh_compat
from paperbrowse.core.engine.analysis import make_analyzer
from paperbrowse.core.engine.highlight import WordAnalyzer, highlight, query_terms
from paperbrowse.core.engine.matching import match_set
from paperbrowse.core.engine.postings import DecodedCache, Postings, Vocabulary
from paperbrowse.core.engine.query import PrefixedFuzzyPlugin, QueryError, check_query, plain_words
from paperbrowse.core.engine.scoring import top_scored
from paperbrowse.core.engine.tables import Tables
from paperbrowse.core.forgiving import SUGGEST_BELOW, Forgiving, Resolved
from paperbrowse.core.generations import _DAMAGE_ERRORS, IndexDamaged, IndexStore, Stamp
from paperbrowse.core.hits import make_hits
from paperbrowse.core.models import Facets, Filters, Hit, Paper, Results
from paperbrowse.core.schema import FIELD_BOOSTS, FullTextSource
from paperbrowse.core.similar import key_terms, like_query

__all__ = ["SORTS", "SUGGEST_BELOW", "PaperIndex"]

#: Sort orders of :meth:`PaperIndex.search`.
SORTS = ("relevance", "date", "upvotes")


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
        fulltext: where the pages of a paper's PDF are read from for the
            body snippets of hits found by their full text, or ``None``
            (:data:`~paperbrowse.core.schema.FullTextSource`).
    """

    def __init__(
        self,
        ix,
        stamp: Stamp,
        store: IndexStore | None = None,
        fulltext: FullTextSource | None = None,
    ) -> None:
        self._ix = ix
        self.stamp = stamp
        self.fulltext = fulltext
        self._store = store
        self._seen = self._current_version()
        self._pool_lock = threading.Lock()
        self._idle = None  # the searcher kept open between searches
        self._tables: Tables | None = None
        self.analyzer = make_analyzer()
        self.words = WordAnalyzer(self.analyzer)
        # the searched fields this index has (one written before a field was added lacks it)
        boosts = {f: b for f, b in FIELD_BOOSTS.items() if f in ix.schema}
        parser = qparser.MultifieldParser(list(boosts), ix.schema, fieldboosts=boosts)
        parser.add_plugin(PrefixedFuzzyPlugin())
        parser.add_plugin(qparser.GtLtPlugin())
        self._parser = parser
        # "coordination": a paper matching more of the words scores higher
        self._or_parser = qparser.MultifieldParser(
            list(boosts),
            ix.schema,
            fieldboosts=boosts,
            group=qparser.OrGroup.factory(0.9),
        )
        self._parser_lock = threading.Lock()
        self._forgiving = Forgiving(self)
        self._fields = frozenset(ix.schema.names())  # the same in every generation
        # every numeric field takes numbers only (date is YYYYMMDD: 'date:""' once
        # reached Whoosh's int() and raised ValueError mid-search)
        self._numeric = frozenset(
            name for name, field in ix.schema.items() if isinstance(field, fields.NUMERIC)
        )

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
        check_query(text, numeric_fields=self._numeric, known_fields=self._fields)
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
        with self._searcher() as searcher:
            # one decoding of each term's postings for every run of this search
            postings = self._postings(searcher)
            found, counts = self._run(searcher, q, sort, limit, filters, facets, postings)
            r = Resolved(
                q, ran, found.total if found else 0, found.page if found else [], counts, notice
            )
            if forgiving and not blank and r.total < SUGGEST_BELOW:
                r = self._forgiving.resolve(
                    searcher, text, r, sort, limit, filters, facets, postings
                )
            terms = r.terms
            if terms is None:
                terms = {} if blank else self._highlight_terms(searcher, q)
            # papers read and highlighted for the requested page only
            hits = self._hits(searcher, r.page[offset:], terms, sort, first_rank=offset)
        return Results(
            text,
            tuple(hits),
            r.total,
            sort,
            terms,
            time.perf_counter() - started,
            offset=offset,
            ran=r.ran,
            notice=r.notice,
            suggestion=r.suggestion,
            filters=filters,
            facets=r.counts,
            relaxed=r.relaxed,
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
            terms = {} if blank else self._highlight_terms(searcher, q)
            page = found.page if found is not None else []
            if first.relaxed:
                relaxed = self._forgiving.relax(
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

    def _parse_plain(self, words: str) -> query.Query:
        """Parse words that carry no syntax (the output of :func:`plain_words`)."""
        if not words:
            return query.NullQuery
        with self._parser_lock:
            return self._parser.parse(words)

    def _or_parse(self, words: str) -> query.Query:
        """Parse plain words with ``OR`` between them, papers matching more of
        them scoring higher (the relaxed form of a forgiving search)."""
        with self._parser_lock:
            return self._or_parser.parse(words)

    def _highlight_terms(self, searcher, q: query.Query) -> dict[str, frozenset[str]]:
        """The analysed terms of ``q`` per field, for highlighting (:func:`query_terms`)."""
        vocabulary = self._vocabulary(self._tables_for(searcher))
        return query_terms(q, searcher.reader(), vocabulary, FIELD_BOOSTS)

    def correct(self, text: str, searcher=None) -> str | None:
        """Return ``text`` with its unknown words spelled as words of the index,
        or ``None``: see :meth:`paperbrowse.core.forgiving.Forgiving.correct`."""
        if searcher is None:
            with self._searcher() as own:
                return self._forgiving.correct(text, own, self._postings(own))
        return self._forgiving.correct(text, searcher, self._postings(searcher))

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
        ``limit`` of the filtered set (:func:`~paperbrowse.core.engine.scoring.top_scored`).
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

    def _hits(self, searcher, page, terms, sort: str, first_rank: int = 0) -> list[Hit]:
        """The hits of ``page`` (:func:`~paperbrowse.core.hits.make_hits`)."""
        return make_hits(searcher, page, terms, sort, self.words, first_rank, self.fulltext)

    def similar(
        self, paper_id: str, *, limit: int | None = 20, filters: Filters | None = None
    ) -> Results:
        """Papers most like ``paper_id``: Whoosh's more-like-this on title and abstract.

        The paper's key terms (:func:`~paperbrowse.core.similar.key_terms`)
        are searched for in the abstract and, boosted as a title match is, in
        the title of every other paper, with BM25F.

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
            q = like_query(key_terms(searcher, paper))
            if q is query.NullQuery:
                return Results(paper_id, (), 0, "relevance", {}, time.perf_counter() - started)
            # one more than asked, then the paper itself is dropped (cheaper than a mask)
            wanted = None if limit is None else limit + 1
            found, _ = self._run(searcher, q, "relevance", wanted, filters, False)
            page = [] if found is None else [(d, s) for d, s in found.page if d != docnum]
            page = page[:limit] if limit is not None else page
            terms = query_terms(q, searcher.reader(), fields=FIELD_BOOSTS)
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
