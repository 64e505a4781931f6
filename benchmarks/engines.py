"""The three search engines of ``benchmarks/run.py``, behind one small interface.

* :class:`Paperbrowse`: paperbrowse's own index (``IndexStore.build`` /
  ``PaperIndex.search``), exactly as the app and the CLI use it.
* :class:`Fts5`: SQLite FTS5 from the standard library, BM25 ranking.
* :class:`Tantivy`: tantivy-py (``pip install tantivy``), BM25 ranking.

Each engine indexes the same fields of the same papers and answers the same
queries with the same work, as far as the engine allows:

* text queries: the best :data:`LIMIT` hits by BM25 with per-field weights
  (title 3, abstract 1, authors 2, as ``paperbrowse.core.index.FIELD_BOOSTS``),
  the total number of hits, each hit's stored paper decoded into a
  :class:`~paperbrowse.core.models.Paper`, the title highlighted and an abstract
  snippet made with the engine's own highlighter;
* with ``app=True`` also the hit counts per year (the facet line of the app); for
  paperbrowse ``app=True`` is the app's call: ``forgiving=True, facets=True``;
* the newest-first listing: the :data:`LIMIT` most recent papers (ties in input
  order), the total and, with ``app=True``, the year counts;
* similar papers: the :data:`LIMIT` papers most like one paper, from ~20 key
  terms of its title and abstract.

Where an engine lacks a feature it is emulated the way an application over it
would (documented on each method): FTS5 has no fuzzy terms and no
more-like-this.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import sqlite3
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from paperbrowse.core.models import Paper
from paperbrowse.ui.app import PAGE_SIZE

#: Hits fetched per query, every engine: the app's page size (it fetches
#: more as the result list scrolls).
LIMIT = PAGE_SIZE
#: Per-field BM25 weights, as paperbrowse's FIELD_BOOSTS.
WEIGHTS = {"title": 3.0, "abstract": 1.0, "authors": 2.0}
#: Key terms of a paper for similar-papers (paperbrowse uses 20).
KEY_TERMS = 20

_WORD = re.compile(r"[^\W\d_]{3,}")


@dataclass(frozen=True)
class Query:
    """One benchmark query, in every engine's terms.

    Attributes:
        kind: ``one-term``, ``two-term``, ``phrase``, ``fuzzy``, ``field``,
            ``range``, ``listing`` or ``prefix`` (a search-bar prefix).
        text: paperbrowse's query text (``diffusion``, ``"latent space"``,
            ``difusion~``, ``title:latent``, ``year:[2015 TO 2018]``, ``""``).
        words: the plain words (one or two; the fuzzy word with its typo).
        field: the field of a ``field`` query.
        years: the inclusive range of a ``range`` query.
    """

    kind: str
    text: str
    words: tuple[str, ...] = ()
    field: str | None = None
    years: tuple[int, int] | None = None

    @property
    def sort(self) -> str:
        return "date" if self.kind == "listing" else "relevance"


def decode(data: str | bytes) -> Paper:
    return Paper.from_dict(json.loads(data))


def folder_size(folder: Path) -> int:
    """Bytes of every file under ``folder``."""
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())


class Engine:
    name = ""

    @staticmethod
    def build(papers: Sequence[Paper], folder: Path) -> None:
        raise NotImplementedError

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def index_size(self) -> int:
        return folder_size(self.folder)

    def search(self, q: Query, app: bool) -> int:
        """Run ``q``; return the total number of hits."""
        raise NotImplementedError

    def similar(self, paper_id: str) -> int:
        """The papers most like ``paper_id``; return the number of hits."""
        raise NotImplementedError

    def close(self) -> None:
        pass


# --------------------------------------------------------------- paperbrowse
class Paperbrowse(Engine):
    """paperbrowse's index in ``folder`` (a data directory: ``folder/index``)."""

    name = "paperbrowse"

    @staticmethod
    def build(papers: Sequence[Paper], folder: Path) -> None:
        from paperbrowse.core.index import IndexStore
        from paperbrowse.core.locations import Locations
        from paperbrowse.core.service import Corpus

        locations = Locations.resolve(folder).ensure()
        # stamped with the bundled corpus's fingerprint: the app started on this data
        # directory (with the bundled corpus) takes the index as current and opens it
        IndexStore(locations.index_root).build(papers, Corpus.bundled().fingerprint())

    def __init__(self, folder: Path) -> None:
        from paperbrowse.core.index import IndexStore
        from paperbrowse.core.locations import Locations

        super().__init__(folder)
        self.store = IndexStore(Locations.resolve(folder).index_root)
        self.index = self.store.open()

    def index_size(self) -> int:
        current = self.store.read_current()
        assert current is not None
        return folder_size(current[0])

    def search(self, q: Query, app: bool) -> int:
        results = self.index.search(q.text, sort=q.sort, limit=LIMIT, forgiving=app, facets=app)
        return results.total

    def similar(self, paper_id: str) -> int:
        return len(self.index.similar(paper_id, limit=LIMIT))


# --------------------------------------------------------------------- FTS5
_FTS5_SCHEMA = """
CREATE TABLE papers(
    rowid INTEGER PRIMARY KEY, id TEXT NOT NULL, year INTEGER, date INTEGER NOT NULL,
    upvotes INTEGER NOT NULL, data TEXT NOT NULL);
CREATE VIRTUAL TABLE fts USING fts5(
    title, abstract, authors, tokenize = 'porter unicode61 remove_diacritics 2');
"""
_FTS5_AFTER_LOAD = """
INSERT INTO fts(fts, rank) VALUES('rank', 'bm25(3.0, 1.0, 2.0)');
INSERT INTO fts(fts) VALUES('optimize');
CREATE UNIQUE INDEX papers_id ON papers(id);
CREATE INDEX papers_date ON papers(date DESC);
CREATE INDEX papers_year ON papers(year);
CREATE VIRTUAL TABLE vocab USING fts5vocab(fts, 'row');
CREATE VIRTUAL TABLE instances USING fts5vocab(fts, 'instance');
"""
_FTS5_TOP = (
    "SELECT p.data, highlight(fts, 0, '[', ']'), snippet(fts, 1, '[', ']', '…', 24) "
    "FROM fts JOIN papers p ON p.rowid = fts.rowid WHERE fts MATCH ? ORDER BY rank LIMIT ?"
)


def _date_key(paper: Paper) -> int:
    return int(paper.published.strftime("%Y%m%d")) if paper.published else 0


def _fts5_phrase(words: Sequence[str]) -> str:
    return '"' + " ".join(w.replace('"', '""') for w in words) + '"'


class Fts5(Engine):
    """SQLite FTS5 (porter stemming, BM25 with the paperbrowse field weights).

    A ``papers`` table holds the id, year, date and the paper as JSON (as
    paperbrowse stores it); the FTS5 table holds title, abstract and authors
    (its own copy of the text, which highlight() and snippet() need).
    """

    name = "fts5"

    @staticmethod
    def build(papers: Sequence[Paper], folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(folder / "papers.sqlite3")
        try:
            con.execute("PRAGMA journal_mode = OFF")
            con.execute("PRAGMA synchronous = OFF")
            con.executescript(_FTS5_SCHEMA)
            with con:
                con.executemany(
                    "INSERT INTO papers VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        (
                            pos,
                            p.id,
                            p.year,
                            _date_key(p),
                            p.upvotes or 0,
                            json.dumps(p.to_dict(), ensure_ascii=False),
                        )
                        for pos, p in enumerate(papers, 1)
                    ),
                )
                con.executemany(
                    "INSERT INTO fts(rowid, title, abstract, authors) VALUES (?, ?, ?, ?)",
                    (
                        (pos, p.title, p.abstract, "; ".join(p.authors))
                        for pos, p in enumerate(papers, 1)
                    ),
                )
            con.executescript(_FTS5_AFTER_LOAD)
            con.commit()
        finally:
            con.close()

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.con = sqlite3.connect(folder / "papers.sqlite3", check_same_thread=False)
        self.docs = self.con.execute("SELECT count(*) FROM papers").fetchone()[0]

    def close(self) -> None:
        self.con.close()

    def _match(self, q: Query) -> str:
        if q.kind == "phrase":
            return _fts5_phrase(q.words)
        if q.kind == "field":
            return f"{q.field} : {_fts5_phrase(q.words)}"
        return " AND ".join(_fts5_phrase([w]) for w in q.words)

    def search(self, q: Query, app: bool) -> int:
        con = self.con
        if q.kind == "listing":
            rows = con.execute(
                "SELECT data FROM papers ORDER BY date DESC, rowid LIMIT ?", (LIMIT,)
            ).fetchall()
            [decode(d) for (d,) in rows]
            if app:
                years = con.execute("SELECT year, count(*) FROM papers GROUP BY year").fetchall()
                return sum(n for _, n in years)
            return con.execute("SELECT count(*) FROM papers").fetchone()[0]
        if q.kind == "range":
            assert q.years is not None
            rows = con.execute(
                "SELECT data FROM papers WHERE year BETWEEN ? AND ? ORDER BY rowid LIMIT ?",
                (*q.years, LIMIT),
            ).fetchall()
            [decode(d) for (d,) in rows]
            if app:
                years = con.execute(
                    "SELECT year, count(*) FROM papers WHERE year BETWEEN ? AND ? GROUP BY year",
                    q.years,
                ).fetchall()
                return sum(n for _, n in years)
            return con.execute(
                "SELECT count(*) FROM papers WHERE year BETWEEN ? AND ?", q.years
            ).fetchone()[0]
        if q.kind == "fuzzy":
            return self._fuzzy(q.words[0], app)
        match = self._match(q)
        for data, _title, _snippet in con.execute(_FTS5_TOP, (match, LIMIT)):
            decode(data)
        if app:
            years = con.execute(
                "SELECT p.year, count(*) FROM fts JOIN papers p ON p.rowid = fts.rowid "
                "WHERE fts MATCH ? GROUP BY p.year",
                (match,),
            ).fetchall()
            return sum(n for _, n in years)
        return con.execute("SELECT count(*) FROM fts WHERE fts MATCH ?", (match,)).fetchone()[0]

    def fuzzy_terms(self, word: str) -> list[str]:
        """Indexed terms within one edit of ``word`` (stemmed as FTS5 stems it),
        sharing its first letter (FTS5 has no fuzzy search: an application scans
        the term list, ``fts5vocab``; scanning all of it, as Whoosh's ``word~``
        does with no prefix, would be far slower still)."""
        from whoosh.lang.porter import stem

        from paperbrowse.core.index import edit_distance

        target = stem(word.lower())
        first = target[0]
        rows = self.con.execute(
            "SELECT term FROM vocab WHERE term >= ? AND term < ?", (first, chr(ord(first) + 1))
        )
        return [
            t for (t,) in rows if abs(len(t) - len(target)) <= 1 and edit_distance(t, target) <= 1
        ]

    def _fuzzy(self, word: str, app: bool) -> int:
        """Every paper with a term within one edit, unranked (Whoosh scores
        ``word~`` with a constant score too), first :data:`LIMIT` in input order.
        The stems cannot go through MATCH (it would stem them again), so the
        documents come from the ``fts5vocab`` instance table."""
        terms = self.fuzzy_terms(word)
        if not terms:
            return 0
        marks = ",".join("?" * len(terms))
        docs = f"SELECT DISTINCT doc FROM instances WHERE term IN ({marks})"
        rows = self.con.execute(
            f"SELECT data FROM papers WHERE rowid IN ({docs}) ORDER BY rowid LIMIT ?",
            (*terms, LIMIT),
        ).fetchall()
        [decode(d) for (d,) in rows]
        if app:
            years = self.con.execute(
                f"SELECT year, count(*) FROM papers WHERE rowid IN ({docs}) GROUP BY year", terms
            ).fetchall()
            return sum(n for _, n in years)
        return self.con.execute(f"SELECT count(*) FROM ({docs})", terms).fetchone()[0]

    def similar(self, paper_id: str) -> int:
        """FTS5 has no more-like-this: the paper's words (title counted twice) are
        weighted tf × log(N / df), df read from ``fts5vocab`` under the word's
        Porter stem, and the best :data:`KEY_TERMS` are OR-ed in a BM25 query."""
        from whoosh.analysis import STOP_WORDS
        from whoosh.lang.porter import stem

        con = self.con
        row = con.execute("SELECT rowid, data FROM papers WHERE id = ?", (paper_id,)).fetchone()
        if row is None:
            raise KeyError(paper_id)
        rowid, data = row
        paper = decode(data)
        words = Counter(
            w
            for w in _WORD.findall(f"{paper.title}\n{paper.title}\n{paper.abstract}".lower())
            if w not in STOP_WORDS
        )
        weighted = []
        for word, tf in words.items():
            df = con.execute("SELECT doc FROM vocab WHERE term = ?", (stem(word),)).fetchone()
            if df:
                weighted.append((tf * math.log(self.docs / df[0]), word))
        weighted.sort(reverse=True)
        match = " OR ".join(_fts5_phrase([w]) for _, w in weighted[:KEY_TERMS])
        hits = 0
        for data, _title, _snippet in con.execute(
            "SELECT p.data, highlight(fts, 0, '[', ']'), snippet(fts, 1, '[', ']', '…', 24) "
            "FROM fts JOIN papers p ON p.rowid = fts.rowid "
            "WHERE fts MATCH ? AND fts.rowid != ? ORDER BY rank LIMIT ?",
            (match, rowid, LIMIT),
        ):
            decode(data)
            hits += 1
        return hits


# ------------------------------------------------------------------ tantivy
def _tantivy_schema():
    import tantivy

    sb = tantivy.SchemaBuilder()
    sb.add_text_field("id", stored=True, tokenizer_name="raw")
    sb.add_text_field("title", stored=True, tokenizer_name="en_stem")
    sb.add_text_field("abstract", stored=True, tokenizer_name="en_stem")
    sb.add_text_field("authors", stored=False, tokenizer_name="en_stem")
    sb.add_unsigned_field("year", indexed=True, fast=True)
    sb.add_unsigned_field("date", indexed=True, fast=True)
    sb.add_unsigned_field("upvotes", fast=True)
    sb.add_bytes_field("data", stored=True)
    return sb.build()


class Tantivy(Engine):
    """tantivy (``en_stem``: lower case, Snowball English stemmer; BM25).

    Title and abstract are stored too: tantivy's snippets and more-like-this
    read them from the document store. The writer gets paperbrowse's memory
    budget (128 MB) and one indexing thread (paperbrowse indexes on one).
    """

    name = "tantivy"

    @staticmethod
    def build(papers: Sequence[Paper], folder: Path) -> None:
        import tantivy

        folder.mkdir(parents=True, exist_ok=True)
        index = tantivy.Index(_tantivy_schema(), path=str(folder))
        writer = index.writer(heap_size=128_000_000, num_threads=1)
        for p in papers:
            doc = tantivy.Document()
            doc.add_text("id", p.id)
            doc.add_text("title", p.title)
            doc.add_text("abstract", p.abstract)
            doc.add_text("authors", "; ".join(p.authors))
            if p.year:
                doc.add_unsigned("year", p.year)
            doc.add_unsigned("date", _date_key(p))
            doc.add_unsigned("upvotes", p.upvotes or 0)
            doc.add_bytes("data", json.dumps(p.to_dict(), ensure_ascii=False).encode())
            writer.add_document(doc)
        writer.commit()
        writer.wait_merging_threads()

    def __init__(self, folder: Path) -> None:
        import tantivy

        super().__init__(folder)
        self.t = tantivy
        self.index = tantivy.Index.open(str(folder))
        self.schema = self.index.schema
        self.analyzer = (
            tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
            .filter(tantivy.Filter.remove_long(40))
            .filter(tantivy.Filter.lowercase())
            .filter(tantivy.Filter.stemmer("english"))
            .build()
        )

    def _query(self, q: Query):
        t = self.t
        if q.kind == "listing":
            return t.Query.all_query()
        if q.kind == "fuzzy":
            term = self.analyzer.analyze(q.words[0])[0]
            return t.Query.boolean_query(
                [
                    (
                        t.Occur.Should,
                        t.Query.boost_query(
                            t.Query.fuzzy_term_query(self.schema, f, term, distance=1), w
                        ),
                    )
                    for f, w in WEIGHTS.items()
                ]
            )
        return self.index.parse_query(
            q.text, list(WEIGHTS), field_boosts=WEIGHTS, conjunction_by_default=True
        )

    def search(self, q: Query, app: bool) -> int:
        t = self.t
        searcher = self.index.searcher()
        query = self._query(q)
        if q.kind == "listing":
            found = searcher.search(query, LIMIT, order_by_field="date", order=t.Order.Desc)
        else:
            found = searcher.search(query, LIMIT)
        snippets = None
        if q.kind not in ("listing", "range"):
            titles = t.SnippetGenerator.create(searcher, query, self.schema, "title")
            snippets = t.SnippetGenerator.create(searcher, query, self.schema, "abstract")
        for _score, address in found.hits:
            doc = searcher.doc(address)
            decode(doc.get_first("data"))
            if snippets is not None:
                titles.snippet_from_doc(doc).to_html()
                snippets.snippet_from_doc(doc).to_html()
        if app:
            searcher.aggregate(query, {"years": {"terms": {"field": "year", "size": 1000}}})
        return found.count

    def similar(self, paper_id: str) -> int:
        """tantivy's more-like-this over the stored title and abstract (at most
        :data:`KEY_TERMS` terms), the paper itself excluded."""
        t = self.t
        searcher = self.index.searcher()
        own = t.Query.term_query(self.schema, "id", paper_id)
        found = searcher.search(own, 1).hits
        if not found:
            raise KeyError(paper_id)
        mlt = t.Query.more_like_this_query(
            found[0][1], min_doc_frequency=1, min_term_frequency=1, max_query_terms=KEY_TERMS
        )
        query = t.Query.boolean_query([(t.Occur.Must, mlt), (t.Occur.MustNot, own)])
        hits = searcher.search(query, LIMIT).hits
        titles = t.SnippetGenerator.create(searcher, query, self.schema, "title")
        snippets = t.SnippetGenerator.create(searcher, query, self.schema, "abstract")
        for _score, address in hits:
            doc = searcher.doc(address)
            decode(doc.get_first("data"))
            titles.snippet_from_doc(doc).to_html()
            snippets.snippet_from_doc(doc).to_html()
        return len(hits)


ENGINES: dict[str, type[Engine]] = {e.name: e for e in (Paperbrowse, Fts5, Tantivy)}


def available() -> list[str]:
    """Engine names whose libraries are installed (tantivy is optional)."""
    names = ["paperbrowse"]
    sqlite3.connect(":memory:").execute("CREATE VIRTUAL TABLE t USING fts5(x)")
    names.append("fts5")
    try:
        import tantivy  # noqa: F401
    except ImportError:
        pass
    else:
        names.append("tantivy")
    return names


def remove(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
