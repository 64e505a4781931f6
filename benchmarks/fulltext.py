"""Full text of attached PDFs: what it costs the index and its queries (issue 18's "Measure").

Usage (from the repository root)::

    python benchmarks/fulltext.py [--docs 100000] [--with-text 1000] [--pages 10]
                                  [--pdfs K] [--queries 30] [--seed 1] [--keep DIR]

Generates ``--docs`` papers (``benchmarks/corpus.py``, the arXiv snapshot
format, through the snapshot importer) and, for ``--with-text`` of them
(spread evenly over the corpus), ``--pages`` pages of body text each: 400-600
words a page (triangular, mode 500) from the same text model as the corpus's
abstracts (a Markov chain over the bundled abstracts, 2% Zipf-distributed
made-up words, the paper's own topic words taken from its abstract), so a
query word hits bodies as often as it would in real text. A few papers also
get a planted phrase of two words no generated text holds, on page 3 (or
the last page when there are fewer).

Then it builds two indexes of the same papers, in two data directories:
"no text" (``IndexStore.build`` without full text) and "with text" (the
store the app makes, :func:`paperbrowse.core.fulltext.index_store`, which
reads each paper's ``<data>/pdfs/<id>.pages.json`` text cache through
:class:`~paperbrowse.core.fulltext.CachedFullText`). The caches are written in
:class:`~paperbrowse.core.pdfs.PdfStore`'s format; for the papers without a
real PDF they name one small stub file as their ``source`` (the index reads
only the cache, and a cache is fresh while its source's size and time match).

``--pdfs K`` (default 0) also renders the pages of the first K papers with
text as real PDFs (fpdf2, Helvetica 9 pt, one generated page a PDF page) and
attaches them through :meth:`PdfStore.attach_file` (copy, check, pypdf
extraction, normalising, text cache, library record), so those papers' full
text in the index is what pypdf extracted; it reports extraction throughput
in pages per second, of ``attach_file`` as a whole and of pypdf alone
(``benchmarks/pdf_extract.py``'s ``pypdf_pages``).

Figures (one table, "no text" and "with text" side by side, the ratio
with/without, and the 100k targets of the README's "Performance" section:
p95 <= 50 ms a query):

* build time (s) and throughput (documents/s), ``commit`` included;
* index size on disk (MB) and its growth per 1,000 pages of full text (MB);
* per query class, p50/p95 (ms) of ``PaperIndex.search(text, sort="relevance",
  limit=LIMIT, forgiving=True, facets=True)``, the app's call (as
  ``benchmarks/run.py``'s app block; ``LIMIT`` is the app's page size, 30,
  and every hit is highlighted; a hit matching only in its full text also
  gets its body snippet, read from its text cache): run.py's one-term,
  two-term, phrase, fuzzy and field queries (drawn from the papers' titles and
  abstracts), ``has:pdf``, ``has:pdf WORD``, ``fulltext:WORD`` (words of the
  bodies, frequent, medium and rare; ``has:pdf WORD`` frequent and medium)
  and "body phrase" (two adjacent words of a body, each a word of the titles
  and abstracts, as a phrase that the "with text" index finds and the "no
  text" index does not: in bodies only);
* the same queries on the "with text" index opened without a full-text
  source (column "no snippets"): what the body snippets cost;
* the planted phrases: each must be found by the "with text" index, its
  paper among the hits with a body snippet on the planted page, and by
  nothing in the "no text" index (asserted; printed).

Everything but the timings is determined by ``--seed``. Decoded postings are
kept between queries, as in the app; each class runs a few untimed queries
first.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
try:
    import paperbrowse  # noqa: F401
except ImportError:  # not installed: run from a source checkout
    sys.path.insert(0, str(REPO))

from corpus import P_TOPIC, RARE_WORDS, Generator, _triangular, generate_papers, rare_word  # noqa: E402
from engines import LIMIT, folder_size  # noqa: E402
from run import WARMUP, _log, _revision, draw_queries, percentile, time_calls  # noqa: E402

#: Targets of the README's "Performance" section at 100k papers.
TARGET_MS = 50.0
#: Query classes drawn from titles and abstracts by run.py's generator.
RUN_KINDS = ("one-term", "two-term", "phrase", "fuzzy", "field")
#: Query classes about the full text.
TEXT_KINDS = ("has:pdf", "has:pdf word", "fulltext: word", "body phrase")
#: Papers given a planted phrase.
PLANTED = 5
#: The 1-based page a planted phrase is put on (the last one when fewer).
PLANTED_PAGE = 3
_ALPHA = re.compile(r"[a-z]{3,}")
_TOKEN = re.compile(r"[A-Za-z]{3,}")


# ------------------------------------------------------------------ the text
class BodyText:
    """Pages of body text for papers, from the corpus's abstract text model.

    ``pages(paper)`` gives ``count`` pages of 400-600 words: a walk of
    :meth:`corpus.Generator._walk` over the abstracts' Markov chain with the
    paper's topic words (up to three content words of its own abstract) at
    the corpus's rate, and 2% made-up words, as the abstracts have.
    """

    def __init__(self, seed: int, count: int) -> None:
        self.gen = Generator(1, seed * 104_729 + 3)
        self.rng = self.gen.rng
        self.count = count
        self.content = set(self.gen.models.content)

    def pages(self, abstract: str) -> list[str]:
        words = {w.lower().strip(".,;:()\"'") for w in abstract.split()}
        own = sorted(w for w in words if w in self.content)
        topics = self.rng.sample(own, min(3, len(own))) or self.gen.models.content[:3]
        out = []
        for _ in range(self.count):
            length = _triangular(self.rng, 400, 600, 500)
            text = " ".join(self.gen._walk(self.gen.models.abstracts, length, topics, P_TOPIC))
            out.append(_lines(text))
        return out


def _lines(text: str, width: int = 95) -> str:
    """``text`` broken into lines of at most ``width`` characters (as a PDF's
    extracted text comes, and as one page of the PDFs this script renders)."""
    lines, line, size = [], [], 0
    for word in text.split():
        if line and size + 1 + len(word) > width:
            lines.append(" ".join(line))
            line, size = [], 0
        size += len(word) + (1 if line else 0)
        line.append(word)
    lines.append(" ".join(line))
    return "\n".join(lines)


def planted_phrase(k: int) -> str:
    """The ``k``-th planted phrase: two made-up words of Zipf ranks beyond
    :data:`corpus.RARE_WORDS`, which the generator never draws."""
    return f"{rare_word(RARE_WORDS + 2 * k).lower()} {rare_word(RARE_WORDS + 2 * k + 1).lower()}"


def plant(page: str, phrase: str, rng: random.Random) -> str:
    """``page`` with ``phrase`` inserted between two of its words."""
    words = page.split(" ")
    at = rng.randrange(1, len(words))
    return " ".join(words[:at] + [phrase] + words[at:])


# ---------------------------------------------------------------- the caches
def write_caches(folder: Path, texts: dict[str, list[str]]) -> None:
    """Write each paper's pages as the text cache :class:`PdfStore` keeps
    (``<folder>/<safe-id>.pages.json``), naming a stub PDF as its source."""
    from paperbrowse.core.fulltext import cache_path
    from paperbrowse.core.pdfs.extract import extractor_version

    folder.mkdir(parents=True, exist_ok=True)
    stub = folder / "stub.pdf"
    stub.write_bytes(b"%PDF-1.4\n% benchmark stub: the text caches name it\n%%EOF\n")
    stat = stub.stat()
    version = extractor_version()
    for paper_id, pages in texts.items():
        data = {
            "extractor": version,
            "source": str(stub),
            "size": stat.st_size,
            "mtime_ns": stat.st_mtime_ns,
            "pages": pages,
        }
        cache_path(folder, paper_id).write_text(json.dumps(data), encoding="utf-8")


def render_pdf(path: Path, pages: list[str]) -> Path:
    """A PDF of ``pages`` (one PDF page each; Helvetica 9 pt, so characters
    outside Latin-1 become ``?``)."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_font("Helvetica", size=9)
    for text in pages:
        pdf.add_page()
        safe = text.encode("latin-1", "replace").decode("latin-1")
        pdf.multi_cell(0, 4.2, safe)
    pdf.output(str(path))
    return path


def attach_pdfs(data: Path, papers: list, texts: dict[str, list[str]], work: Path) -> dict:
    """Render the pages of ``papers`` as PDFs and attach them through
    :class:`PdfStore` in the data directory ``data``; return the timings
    (seconds) and page counts."""
    from pdf_extract import pypdf_pages

    from paperbrowse.core.library import Library
    from paperbrowse.core.locations import Locations
    from paperbrowse.core.pdfs import PdfStore

    locations = Locations.resolve(data).ensure()
    store = PdfStore(locations, Library(locations.library_path))
    folder = work / "rendered"
    folder.mkdir(exist_ok=True)
    rendered, render_s = [], 0.0
    for paper in papers:
        started = time.perf_counter()
        rendered.append(render_pdf(folder / f"{len(rendered)}.pdf", texts[paper.id]))
        render_s += time.perf_counter() - started
    pypdf_s, pages = 0.0, 0
    for path in rendered:
        started = time.perf_counter()
        pages += len(pypdf_pages(path))
        pypdf_s += time.perf_counter() - started
    attach_s = 0.0
    for paper, path in zip(papers, rendered, strict=True):
        started = time.perf_counter()
        info = store.attach_file(paper, path)
        attach_s += time.perf_counter() - started
        if info.error:
            raise RuntimeError(f"{path}: attached without text: {info.error}")
        texts[paper.id] = store.pages(paper.id) or []  # what the index now reads
    return {
        "pdfs": len(papers),
        "pages": pages,
        "render_s": render_s,
        "pypdf_s": pypdf_s,
        "attach_s": attach_s,
        "bytes": sum(p.stat().st_size for p in rendered),
    }


# ------------------------------------------------------------------- queries
def text_queries(
    texts: dict[str, list[str]], n: int, seed: int, common: set[str]
) -> dict[str, list[str]]:
    """``n + WARMUP`` queries of each class of :data:`TEXT_KINDS` but "body
    phrase" (see :func:`body_phrases`), and the candidate body phrases."""
    from whoosh.analysis import STOP_WORDS

    rng = random.Random(seed * 6007 + 11)
    df: Counter[str] = Counter()
    for pages in texts.values():
        df.update(set(_ALPHA.findall(" ".join(pages).lower())) - STOP_WORDS)
    ranked = sorted(df, key=lambda w: (-df[w], w))
    bands = [ranked[:60], ranked[200:2000] or ranked[60:], [w for w in ranked if df[w] <= 2]]
    bands = [b for b in bands if b] or [ranked]
    total = n + WARMUP
    words = [rng.choice(bands[i % len(bands)]) for i in range(total)]
    out = {
        "has:pdf": ["has:pdf"] * total,
        "has:pdf word": [
            f"has:pdf {rng.choice(bands[i % 2 if len(bands) > 1 else 0])}" for i in range(total)
        ],
        "fulltext: word": [f"fulltext:{w}" for w in words],
    }
    candidates: list[tuple[str, str]] = []
    ids = sorted(texts)
    for _ in range(total * 60):
        tokens = rng.choice(texts[rng.choice(ids)]).split()
        i = rng.randrange(len(tokens) - 1)
        a, b = tokens[i].lower(), tokens[i + 1].lower()
        if (
            _TOKEN.fullmatch(a)
            and _TOKEN.fullmatch(b)
            and a not in STOP_WORDS
            and b not in STOP_WORDS
            and a in common  # both words of the titles' and abstracts' vocabulary
            and b in common
        ):
            candidates.append((a, b))
    out["candidates"] = [f'"{a} {b}"' for a, b in dict.fromkeys(candidates)]
    return out


def body_phrases(candidates: list[str], without, with_text, total: int) -> list[str]:
    """The first ``total`` candidate phrases the "with text" index finds and
    the "no text" index does not (so in bodies only)."""
    chosen = []
    for text in candidates:
        if len(chosen) == total:
            break
        if without.search(text, limit=0).total == 0 and with_text.search(text, limit=0).total:
            chosen.append(text)
    return chosen


# -------------------------------------------------------------------- report
class Table:
    """Rows of "no text" / "with text" / "no snippets" figures (the last: the
    "with text" index searched without body snippets), printed as run.py prints."""

    COLUMNS = ("no text", "with text", "no snippets")

    def __init__(self) -> None:
        self.rows: list[tuple[str, dict[str, float | None], str, float | None]] = []
        _log(self.header())

    def add(self, label: str, values: dict, fmt: str = ".1f", target: float | None = None):
        self.rows.append((label, values, fmt, target))
        _log(self.format_row(self.rows[-1]))

    def header(self) -> str:
        cols = "".join(f"{c:>13}" for c in self.COLUMNS)
        return f"{'figure':<44}{cols}{'with/no':>10}  target"

    @staticmethod
    def format_row(row) -> str:
        label, values, fmt, target = row
        cells = "".join(
            f"{'—' if values.get(c) is None else format(values[c], fmt):>13}" for c in Table.COLUMNS
        )
        a, b = values.get("no text"), values.get("with text")
        ratio = f"{b / a:10.2f}" if a and b is not None else f"{'—':>10}"
        mark = ""
        if target is not None and b is not None:
            mark = f"  {'ok' if b <= target else 'MISS'} (≤{target:g})"
        return f"{label:<44}{cells}{ratio}{mark}"


# ---------------------------------------------------------------------- main
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=100_000, help="papers in the corpus")
    parser.add_argument("--with-text", type=int, default=1_000, help="papers with full text")
    parser.add_argument("--pages", type=int, default=10, help="pages of each full text")
    parser.add_argument("--pdfs", type=int, default=0, help="of those, real PDFs attached")
    parser.add_argument("--queries", type=int, default=30, help="timed queries per class")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="keep the data directories in this folder")
    args = parser.parse_args()
    if not 0 < args.with_text <= args.docs:
        parser.error("--with-text must be between 1 and --docs")
    if not 0 <= args.pdfs <= args.with_text:
        parser.error("--pdfs must be between 0 and --with-text")
    if args.pages < 1:
        parser.error("--pages must be at least 1")
    if args.keep:
        work = args.keep.resolve()
        if work.exists() and any(work.iterdir()):
            parser.error(f"--keep {work}: the folder is not empty")
        work.mkdir(parents=True, exist_ok=True)
    else:
        work = Path(tempfile.mkdtemp(prefix="pb-fulltext-"))
    try:
        benchmark(args, work)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def benchmark(args, work: Path) -> None:
    from paperbrowse.core.fulltext import index_store, pdf_folder
    from paperbrowse.core.generations import IndexStore
    from paperbrowse.core.locations import Locations
    from paperbrowse.core.schema import SCHEMA_VERSION

    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    papers = list(generate_papers(args.docs, args.seed))
    _log(f"corpus: {len(papers)} papers in {time.perf_counter() - started:.1f} s")

    # the papers with full text, spread evenly; the planted phrases on the first ones
    step = args.docs / args.with_text
    chosen = [papers[int(i * step)] for i in range(args.with_text)]
    started = time.perf_counter()
    body = BodyText(args.seed, args.pages)
    texts = {p.id: body.pages(p.abstract) for p in chosen}
    planted_page = min(PLANTED_PAGE, args.pages)
    planted = {}
    for k, paper in enumerate(chosen[:PLANTED]):
        phrase = planted_phrase(k)
        pages = texts[paper.id]
        pages[planted_page - 1] = plant(pages[planted_page - 1], phrase, body.rng)
        planted[phrase] = paper.id
    words = sum(len(page.split()) for pages in texts.values() for page in pages)
    page_count = args.with_text * args.pages
    _log(
        f"full text: {args.with_text} papers × {args.pages} pages, {words} words "
        f"({words / page_count:.0f} a page) in {time.perf_counter() - started:.1f} s"
    )

    without_dir, with_dir = work / "no-text", work / "with-text"
    with_locations = Locations.resolve(with_dir).ensure()
    pdf = None
    if args.pdfs:
        _log(f"rendering and attaching {args.pdfs} PDFs…")
        pdf = attach_pdfs(with_dir, chosen[: args.pdfs], texts, work)
    write_caches(
        pdf_folder(with_locations),
        {k: v for k, v in texts.items() if k not in {p.id for p in chosen[: args.pdfs]}},
    )

    table = Table()
    stores = {
        "no text": IndexStore(Locations.resolve(without_dir).ensure().index_root),
        "with text": index_store(with_locations),
    }
    seconds = {}
    for name, store in stores.items():
        gc.collect()
        started = time.perf_counter()
        store.build(papers, f"benchmark-{args.docs}-{args.seed}")
        seconds[name] = time.perf_counter() - started
    table.add("build time (s)", seconds, ".1f")
    table.add("build throughput (docs/s)", {k: args.docs / v for k, v in seconds.items()}, ".0f")
    opened = {name: store.open() for name, store in stores.items()}
    # the same index, opened without a full-text source: no body snippets
    bare = IndexStore(with_locations.index_root).open()
    sizes = {}
    for name, store in stores.items():
        current = store.read_current()
        assert current is not None
        sizes[name] = folder_size(current[0]) / 1e6
    table.add("index size on disk (MB)", sizes, ".1f")
    growth = (sizes["with text"] - sizes["no text"]) / (page_count / 1000)
    table.add("  growth per 1,000 pages of full text (MB)", {"with text": growth}, ".2f")
    caches = sum(p.stat().st_size for p in pdf_folder(with_locations).glob("*.pages.json"))
    table.add("  text caches beside the PDFs (MB)", {"with text": caches / 1e6}, ".1f")

    # planted phrases: found in the bodies, on their page, by the full-text index only
    found_lines = []
    for phrase, paper_id in planted.items():
        query = f'"{phrase}"'
        none = opened["no text"].search(query, limit=LIMIT, forgiving=True, facets=True)
        assert none.total == 0, f"{query}: the no-text index found {none.total} papers"
        results = opened["with text"].search(query, limit=LIMIT, forgiving=True, facets=True)
        hit = next((h for h in results.hits if h.paper.id == paper_id), None)
        assert hit is not None, f"{query}: {paper_id} not among {results.total} hits"
        assert hit.body_page == planted_page, f"{query}: body page {hit.body_page}"
        marked = " ".join(text for text, matched in hit.body_snippet if matched)
        assert all(w in marked.lower() for w in phrase.split()), f"{query}: snippet {marked!r}"
        source = "PDF" if paper_id in {p.id for p in chosen[: args.pdfs]} else "cache"
        found_lines.append(
            f"  {query}: {results.total} hit, {paper_id} ({source}), p. {hit.body_page}, "
            f"marked {marked!r}"
        )

    # queries
    every = max(1, args.docs // 20_000)
    sample = papers[::every]
    common = {w for p in sample for w in _ALPHA.findall(f"{p.title} {p.abstract}".lower())}
    queries = {
        k: [q.text for q in v] for k, v in draw_queries(sample, args.queries, args.seed).items()
    }
    extra = text_queries(texts, args.queries, args.seed, common)
    queries.update({k: extra[k] for k in TEXT_KINDS if k in extra})
    phrases = body_phrases(
        extra["candidates"], opened["no text"], opened["with text"], args.queries + WARMUP
    )
    if len(phrases) < WARMUP + 3:
        _log(f"only {len(phrases)} phrases found in bodies only: body-phrase class left out")
    else:
        queries["body phrase"] = phrases
    snippets = {}
    for kind in (*RUN_KINDS, *TEXT_KINDS):
        if kind not in queries:
            continue
        times = {}
        for name, index in {**opened, "no snippets": bare}.items():

            def call(text: str, index=index) -> None:
                index.search(text, sort="relevance", limit=LIMIT, forgiving=True, facets=True)

            times[name] = time_calls([lambda t=t, c=call: c(t) for t in queries[kind]])
        for p in (50, 95):
            table.add(
                f"{kind} p{p} (ms)",
                {name: percentile(t, p) for name, t in times.items()},
                target=TARGET_MS if p == 95 else None,
            )
        with_body = 0
        for text in queries[kind][WARMUP:]:
            results = opened["with text"].search(
                text, sort="relevance", limit=LIMIT, forgiving=True, facets=True
            )
            with_body += sum(1 for h in results.hits if h.body_page is not None)
        snippets[kind] = with_body / max(1, len(queries[kind]) - WARMUP)

    if pdf:
        table.add("PDFs: pypdf extraction (pages/s)", {"with text": pdf["pages"] / pdf["pypdf_s"]})
        table.add(
            "PDFs: attach_file, all of it (pages/s)", {"with text": pdf["pages"] / pdf["attach_s"]}
        )
        table.add("PDFs: fpdf2 rendering (pages/s)", {"with text": pdf["pages"] / pdf["render_s"]})

    print(
        f"paperbrowse {_revision()} (schema {SCHEMA_VERSION}) full-text benchmark: "
        f"{args.docs} papers, {args.with_text} with full text of {args.pages} pages "
        f"({words / page_count:.0f} words a page), {args.pdfs} of them real PDFs, "
        f"seed {args.seed}; "
        f"{args.queries} timed queries per class, {LIMIT} hits each (the app's call); "
        f"python {sys.version.split()[0]}; load average {load_before:.2f} before, "
        f"{os.getloadavg()[0]:.2f} after (2 cores)"
    )
    print(table.header())
    for row in table.rows:
        print(table.format_row(row))
    if pdf:
        print(
            f"PDFs: {pdf['pdfs']} files, {pdf['pages']} pages, {pdf['bytes'] / 1e6:.1f} MB; "
            f"pypdf {pdf['pypdf_s']:.1f} s, attach_file {pdf['attach_s']:.1f} s"
        )
    print(
        "hits with a body snippet per query (with text): "
        + ", ".join(f"{k} {v:.1f}" for k, v in snippets.items())
    )
    print(f"planted phrases (page {planted_page}), each found in its body only:")
    for line in found_lines:
        print(line)


if __name__ == "__main__":
    main()
