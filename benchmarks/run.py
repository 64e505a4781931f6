"""Scale and speed: paperbrowse against SQLite FTS5 and tantivy on N generated papers.

Usage (from the repository root)::

    python benchmarks/run.py --docs 10000 [--seed 1] [--keep DIR] [--json]

Writes N synthetic papers in the arXiv snapshot format (``benchmarks/corpus.py``),
builds a paperbrowse index of them, an SQLite FTS5 index and a tantivy index
(``pip install tantivy``; left out with a note when it is missing), runs the same
queries on each (``benchmarks/engines.py`` says how each engine answers them) and
prints one figure per line, with the ratios paperbrowse/fts5 and
paperbrowse/tantivy (for times and sizes above 1 means paperbrowse is slower or
bigger; for throughput below 1 means slower):

* build throughput (documents/s; papers already in memory, commit included);
* peak memory of the build: the resident set size high-water mark (``VmHWM``,
  reset through ``/proc/self/clear_refs`` just before the build) of a child
  process that first loads the corpus with the snapshot importer and then
  builds; "over baseline" subtracts the resident size before the build;
* index size on disk (MB);
* query latency p50/p95 (ms) over ``--queries`` queries of each kind, after a
  few warm-up queries: one-term, two-term, phrase (``"w1 w2"``), fuzzy
  (``word~`` with a typo in the word), field (``title:word``), range
  (``year:[A TO B]``), and the app's default listing (empty query, newest
  first). Decoded postings are kept between queries, as in the app (typing
  re-runs a query with the same leading words). The first block is the
  app's call (``forgiving=True, facets=True``; the others also count hits
  per year); the "core" block is plain
  ``search(text, sort=..., limit=LIMIT)``, ``LIMIT`` being the app's page
  size (30 hits; the app fetches more as its list scrolls), for every engine;
* similar papers (ms);
* app start with a warm index, in a fresh process: process start to the first
  result list (Textual Pilot, headless), median of ``--repeat``; and, for all
  three engines, a fresh process that opens the index and lists the newest
  papers (no UI);
* keystroke to results in the app (Pilot): a character typed into the search
  bar until the result list has drawn that query's results, polled every 10 ms
  (Pilot's ``press`` also waits until the whole app is idle: the detail pane,
  status and facet lines redrawn), and timed in the app: from handing the key
  to the app until the first frame that draws the query's results
  (``ResultList.shown_at``). The app searches at once (no debounce: each key
  here is typed after the results of the one before). Also the same prefix
  queries on each engine alone;
* jumps in the app's virtual result list (Pilot): ``end`` on the newest-first
  listing of every paper and on a one-term query's hits, until the last hit is
  drawn (one page fetched with ``search(offset=...)``), and ``pagedown`` until
  the hits it moves to are drawn.

Queries are drawn from the corpus (a sample of up to 20,000 papers) with a
seeded generator: frequent, medium and rare words. Everything is deterministic
but the timings. Targets (issue "Scale and speed", at 100k papers): every query
p95 <= 50 ms, the newest-first listing <= 50 ms, app start warm <= 1 s; the
last column marks misses.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
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

from engines import ENGINES, LIMIT, Query, available  # noqa: E402

KINDS = ("one-term", "two-term", "phrase", "fuzzy", "field", "range", "listing")
WARMUP = 5
SAMPLE = 20_000
TARGET_MS = 50.0
TARGET_START_S = 1.0
#: Seconds between two looks at the app while waiting for results: finer polling
#: competes with the search thread for the GIL and slows the very thing measured.
POLL = 0.01
_ALPHA = re.compile(r"[a-z]{3,}")
_TOKEN = re.compile(r"[A-Za-z]{3,}")


# -------------------------------------------------------------------- helpers
def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def _status(field: str) -> int:
    """A ``/proc/self/status`` memory figure in bytes (``VmRSS``, ``VmHWM``)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise KeyError(field)


def _revision() -> str:
    """The checkout's commit, marked ``+changes`` when paperbrowse/ has uncommitted edits."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "paperbrowse"],
            cwd=REPO,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "unknown"
    return (head or "unknown") + ("+changes" if dirty else "")


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def load_papers(path: Path, every: int = 1) -> list:
    """The papers of a snapshot file, through the importer (every ``every``-th)."""
    from paperbrowse.core.models import Paper
    from paperbrowse.core.sources.jsonl import read_jsonl

    return [r for i, r in enumerate(read_jsonl(path)) if i % every == 0 and isinstance(r, Paper)]


class DescendantPeaks:
    """Samples the peak resident set (``VmHWM``) of every process descended
    from this one (indexing workers started from a ``forkserver`` are its
    grandchildren, which ``RUSAGE_CHILDREN`` does not count), every
    ``interval`` seconds in a thread, from ``/proc`` (Linux).

    ``VmHWM`` only grows, so the last sample of a worker is its peak up to at
    most ``interval`` seconds before it exited. The process tree is walked
    every ``rescan`` seconds (it reads every process's ``stat``: at 0.1 s,
    a fifth of a core taken from the build it measures), the known
    descendants' ``status`` at every sample.
    """

    def __init__(self, interval: float = 0.25, rescan: float = 1.0) -> None:
        import threading

        self.interval = interval
        self.rescan = rescan
        self.peaks: dict[int, int] = {}  # pid → bytes
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> DescendantPeaks:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        me = os.getpid()
        known: list[int] = []
        walked = 0.0
        while not self._stop.wait(self.interval):
            if time.monotonic() - walked >= self.rescan:
                known = self._descendants(me)
                walked = time.monotonic()
            for pid in known:
                try:
                    with open(f"/proc/{pid}/status") as fh:
                        for line in fh:
                            if line.startswith("VmHWM:"):
                                peak = int(line.split()[1]) * 1024
                                self.peaks[pid] = max(self.peaks.get(pid, 0), peak)
                except OSError:
                    continue

    @staticmethod
    def _descendants(me: int) -> list[int]:
        """The pids of the processes descended from ``me`` (up to 5 levels)."""
        parents: dict[int, int] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as fh:
                        parents[int(entry)] = int(fh.read().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
        out = []
        for pid in parents:
            up, hops = parents.get(pid), 0
            while up not in (None, 0, 1, me) and hops < 4:
                up, hops = parents.get(up), hops + 1
            if up == me:
                out.append(pid)
        return out

    @property
    def largest(self) -> int:
        """The largest peak seen, in bytes (0: no descendant)."""
        return max(self.peaks.values(), default=0)


# ---------------------------------------------------------------- child modes
def child_build(engine: str, corpus: str, folder: str) -> None:
    """Load the corpus, then build one engine's index; print figures as JSON."""
    import gc

    papers = load_papers(Path(corpus))
    gc.collect()
    rss_before = _status("VmRSS")
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")  # reset VmHWM to the current RSS (Linux >= 4.0)
        peak_source = "VmHWM"
    except OSError:
        peak_source = "ru_maxrss"
    started = time.perf_counter()
    with DescendantPeaks() as descendants:
        ENGINES[engine].build(papers, Path(folder))
    seconds = time.perf_counter() - started
    if peak_source == "VmHWM":
        peak = _status("VmHWM")
    else:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    # the largest indexing worker process, if the engine used any: its children
    # (Linux: kB), or its grandchildren through a forkserver (sampled)
    worker_peak = max(
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024, descendants.largest
    )
    print(
        json.dumps(
            {
                "docs": len(papers),
                "seconds": seconds,
                "rss_before": rss_before,
                "peak": peak,
                "worker_peak": worker_peak,
                "peak_source": peak_source,
            }
        )
    )


def child_first_listing(engine: str, folder: str, t0: float) -> None:
    """Open an index in a fresh process and list the newest papers (no UI)."""
    e = ENGINES[engine](Path(folder))
    e.search(Query("listing", ""), app=True)
    print(json.dumps({"seconds": time.time() - t0}))


def child_app_start(folder: str, t0: float) -> None:
    """Start the app on a warm data directory; time process start to first results."""
    import asyncio

    from paperbrowse.core.locations import Locations
    from paperbrowse.core.service import Corpus
    from paperbrowse.ui.app import PaperBrowseApp

    imported = time.time() - t0

    async def first_results() -> dict:
        app = PaperBrowseApp(Locations.resolve(folder), Corpus.bundled())
        async with app.run_test(size=(120, 40)) as pilot:
            while app.results is None:
                await pilot.pause(POLL)
            first = time.time() - t0
            assert app.index is not None
            return {"seconds": first, "imports": imported, "docs": app.index.doc_count()}

    print(json.dumps(asyncio.run(first_results())))


def run_child(args: list[str]) -> None:
    mode, *rest = args
    if mode == "build":
        child_build(*rest)
    elif mode == "first-listing":
        child_first_listing(rest[0], rest[1], float(rest[2]))
    elif mode == "app-start":
        child_app_start(rest[0], float(rest[1]))
    else:
        raise SystemExit(f"unknown child mode {mode!r}")


def spawn(*args: str) -> dict:
    """Run this script in a child mode; return the JSON it prints."""
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "_child", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    if done.returncode:
        raise RuntimeError(f"child {args[0]} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# -------------------------------------------------------------------- queries
def draw_queries(sample: list, n: int, seed: int) -> dict[str, list[Query]]:
    """``n + WARMUP`` queries of each kind from the words of ``sample``."""
    from whoosh.analysis import STOP_WORDS

    rng = random.Random(seed * 7919 + 17)
    df: Counter[str] = Counter()
    title_df: Counter[str] = Counter()
    for p in sample:
        df.update({w for w in _ALPHA.findall(f"{p.title} {p.abstract}".lower())} - STOP_WORDS)
        title_df.update({w for w in _ALPHA.findall(p.title.lower())} - STOP_WORDS)

    def bands(counts: Counter[str]) -> tuple[list[str], list[str], list[str]]:
        ranked = sorted(counts, key=lambda w: (-counts[w], w))
        frequent = ranked[:60]
        medium = ranked[200:2000] or ranked[60:]
        rare = sorted(w for w in counts if counts[w] <= 2) or ranked[-60:]
        return frequent, medium, rare

    frequent, medium, rare = bands(df)
    t_frequent, t_medium, t_rare = bands(title_df)
    total = n + WARMUP
    pick = rng.choice

    def mix(*pools: list[str]) -> list[str]:
        return [pick(pools[i % len(pools)]) for i in range(total)]

    queries: dict[str, list[Query]] = {}
    queries["one-term"] = [Query("one-term", w, (w,)) for w in mix(frequent, medium, rare)]
    pairs = [
        (pick(a), pick(b))
        for a, b in [(frequent, frequent), (frequent, medium), (medium, medium), (medium, rare)]
        * total
    ][:total]
    queries["two-term"] = [Query("two-term", f"{a} {b}", (a, b)) for a, b in pairs]
    phrases = []
    while len(phrases) < total:
        tokens = pick(sample).abstract.split()
        spots = [
            (a.lower(), b.lower())
            for a, b in zip(tokens, tokens[1:], strict=False)
            if _TOKEN.fullmatch(a)
            and _TOKEN.fullmatch(b)
            and a.lower() not in STOP_WORDS
            and b.lower() not in STOP_WORDS
        ]
        if spots:
            a, b = pick(spots)
            phrases.append(Query("phrase", f'"{a} {b}"', (a, b)))
    queries["phrase"] = phrases
    fuzzy = []
    for w in mix([w for w in frequent if len(w) >= 6], [w for w in medium if len(w) >= 6]):
        i = rng.randrange(1, len(w) - 1)
        typo = w[:i] + w[i + 1 :]
        fuzzy.append(Query("fuzzy", f"{typo}~", (typo,)))
    queries["fuzzy"] = fuzzy
    queries["field"] = [
        Query("field", f"title:{w}", (w,), field="title") for w in mix(t_frequent, t_medium, t_rare)
    ]
    ranges = []
    for _ in range(total):
        lo = rng.randrange(2008, 2024)
        hi = min(2025, lo + rng.randrange(0, 5))
        ranges.append(Query("range", f"year:[{lo} TO {hi}]", years=(lo, hi)))
    queries["range"] = ranges
    queries["listing"] = [Query("listing", "") for _ in range(total)]
    return queries


def time_calls(calls: list, warmup: int = WARMUP) -> list[float]:
    """Milliseconds of each call after the first ``warmup`` (which run untimed)."""
    for call in calls[:warmup]:
        call()
    times = []
    for call in calls[warmup:]:
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return times


class Resident:
    """Holds the files under ``folder`` in memory (``mlock`` of a private,
    read-only use of their pages) while it is entered; does nothing when
    ``enabled`` is false.

    For ``--resident``: this benchmark machine pages out file pages that no
    process touched for about a minute (a DAMON ``pageout`` scheme of the
    virtual machine), so an index's postings are read from disk again between
    the query kinds, and each engine's timings depend on what the others
    touched meanwhile. Locked, every engine is timed as on a machine with
    enough memory and no such reclaim. Needs ``CAP_IPC_LOCK`` (root) or a
    memory-lock limit above the index's size; raises ``OSError`` otherwise.
    """

    def __init__(self, folder: Path, enabled: bool = True) -> None:
        self.folder = Path(folder)
        self.enabled = enabled
        self._maps: list = []

    def __enter__(self) -> Resident:
        if not self.enabled:
            return self
        import ctypes
        import mmap

        libc = ctypes.CDLL(None, use_errno=True)
        libc.mlock.argtypes = libc.munlock.argtypes = (ctypes.c_void_p, ctypes.c_size_t)
        try:
            for path in sorted(p for p in self.folder.rglob("*") if p.is_file()):
                if path.stat().st_size == 0:
                    continue
                with open(path, "rb") as fh:
                    mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_COPY)
                address = ctypes.addressof(ctypes.c_char.from_buffer(mapped))
                if libc.mlock(ctypes.c_void_p(address), ctypes.c_size_t(len(mapped))) != 0:
                    mapped.close()
                    err = ctypes.get_errno()
                    raise OSError(err, f"mlock {path}: {os.strerror(err)}")
                self._maps.append((mapped, address))
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc) -> None:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.munlock.argtypes = (ctypes.c_void_p, ctypes.c_size_t)
        for mapped, address in self._maps:
            libc.munlock(ctypes.c_void_p(address), ctypes.c_size_t(len(mapped)))
            # a ctypes view still pointing into it leaves it to the collector
            with contextlib.suppress(BufferError):
                mapped.close()
        self._maps = []


# ------------------------------------------------------------------- the app
def _shows(app, value: str) -> bool:
    """The app's result list has drawn the results of the query ``value``."""
    from paperbrowse.ui.widgets import ResultList

    results = app.results
    if results is None or results.query != value:
        return False
    result_list = app.query_one(ResultList)
    source = result_list.source
    return getattr(source, "results", None) is results and result_list.drawn[0] is source


async def _wait(pilot, condition, what: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"no {what} after {timeout} s")
        await pilot.pause(POLL)


async def _keystrokes(
    index, folder: Path, texts: list[str]
) -> tuple[list[float], list[float], list[str]]:
    """Type ``texts`` key by key into the app's search bar; per key, ms until the
    result list has drawn that query's results, as polled and as timed in the app.
    Returns the two lists of times and the prefixes."""
    from paperbrowse.core.locations import Locations
    from paperbrowse.core.service import Corpus
    from paperbrowse.ui.app import PaperBrowseApp
    from paperbrowse.ui.widgets import ResultList, SearchBar

    app = PaperBrowseApp(Locations.resolve(folder), Corpus.bundled(), index=index)
    times: list[float] = []
    drawn: list[float] = []
    prefixes: list[str] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await _wait(pilot, lambda: _shows(app, ""), "first listing")
        bar = app.query_one(SearchBar)
        result_list = app.query_one(ResultList)
        for text in texts:
            bar.value = ""
            await _wait(pilot, lambda: _shows(app, ""), "listing")
            for ch in text:
                value = bar.value + ch
                started = time.perf_counter()
                await pilot.press(ch)
                await _wait(pilot, lambda v=value: _shows(app, v), f"results for {value!r}")
                times.append((time.perf_counter() - started) * 1000)
                drawn.append((result_list.shown_at - started) * 1000)
                prefixes.append(value)
                assert result_list.total == app.results.total
    return times, drawn, prefixes


async def _jumps(index, folder: Path, texts: list[str], pages: int = 20) -> dict[str, list[float]]:
    """Per query of ``texts`` (its results shown, the focus in the list): ms from
    ``end`` until the last hit is drawn, and from each of ``pages`` ``pagedown``
    presses until the hits it moved to are drawn. Returns ``{"end": [...],
    "pagedown": [...]}``."""
    from paperbrowse.core.locations import Locations
    from paperbrowse.core.service import Corpus
    from paperbrowse.ui.app import PaperBrowseApp
    from paperbrowse.ui.widgets import ResultList, SearchBar

    app = PaperBrowseApp(Locations.resolve(folder), Corpus.bundled(), index=index)
    out: dict[str, list[float]] = {"end": [], "pagedown": []}
    async with app.run_test(size=(120, 40)) as pilot:
        await _wait(pilot, lambda: _shows(app, ""), "first listing")
        bar = app.query_one(SearchBar)
        result_list = app.query_one(ResultList)

        def drawn() -> bool:  # the last frame drew the hit under the cursor
            return result_list.drawn == (result_list.source, result_list.highlighted, True)

        for text in texts:
            app.screen.set_focus(bar)
            bar.value = text
            await _wait(pilot, lambda t=text: _shows(app, t), f"results for {text!r}")
            app.screen.set_focus(result_list)
            started = time.perf_counter()
            await pilot.press("end")
            await _wait(pilot, drawn, "the last hit")
            out["end"].append((time.perf_counter() - started) * 1000)
            await pilot.press("home")
            await app.workers.wait_for_complete()
            for _ in range(pages):
                started = time.perf_counter()
                await pilot.press("pagedown")
                await _wait(pilot, drawn, "the hit paged to")
                out["pagedown"].append((time.perf_counter() - started) * 1000)
    return out


# ------------------------------------------------------------------- report
class Table:
    def __init__(self, engines: list[str]) -> None:
        self.engines = engines
        self.rows: list[dict] = []

    def add(
        self,
        label: str,
        values: dict[str, float | None],
        fmt: str = ".1f",
        target: float | None = None,
        higher_is_better: bool = False,
        ratios: bool = True,
    ) -> None:
        row = {"figure": label, "values": values, "fmt": fmt}
        pb = values.get("paperbrowse")
        row["ratios"] = {
            e: (pb / values[e] if ratios and pb is not None and values.get(e) else None)
            for e in self.engines[1:]
        }
        if target is not None and pb is not None:
            row["target"] = target
            row["meets_target"] = pb >= target if higher_is_better else pb <= target
        self.rows.append(row)
        _log(self.format_row(row))

    def header(self) -> str:
        cols = "".join(f"{e:>13}" for e in self.engines)
        ratios = "".join(f"{'pb/' + e:>13}" for e in self.engines[1:])
        return f"{'figure':<50}{cols}{ratios}  target"

    def format_row(self, row: dict) -> str:
        cells = ""
        for e in self.engines:
            v = row["values"].get(e)
            cells += f"{'—' if v is None else format(v, row['fmt']):>13}"
        for e in self.engines[1:]:
            r = row["ratios"].get(e)
            cells += f"{'—' if r is None else format(r, '.2f'):>13}"
        target = ""
        if "target" in row:
            target = f"  {'ok' if row['meets_target'] else 'MISS'} (≤{row['target']:g})"
        return f"{row['figure']:<50}{cells}{target}"


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_child":
        run_child(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, required=True, help="number of papers")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="keep the corpus and indexes in this folder")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="with --keep: reuse the corpus and indexes a previous run kept there "
        "(same --docs and --seed; the build figures are the ones it measured)",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--queries", type=int, default=50, help="timed queries per kind")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each start-up figure")
    parser.add_argument(
        "--engines", default=None, help="comma-separated subset of paperbrowse,fts5,tantivy"
    )
    parser.add_argument("--no-app", action="store_true", help="skip the app figures")
    parser.add_argument(
        "--resident",
        action="store_true",
        help="hold each engine's index in memory (mlock) while its queries and the app "
        "are timed (see Resident)",
    )
    parser.add_argument(
        "--no-similar", action="store_true", help="skip similar papers (seconds each at 100k)"
    )
    args = parser.parse_args()

    installed = available()
    wanted = args.engines.split(",") if args.engines else list(ENGINES)
    engines = [e for e in installed if e in wanted]
    if not engines or engines[0] != "paperbrowse":
        parser.error("paperbrowse must be among --engines")
    missing = [e for e in ENGINES if e in wanted and e not in installed]
    left_out = [e for e in ENGINES if e not in wanted]
    if args.reuse and not args.keep:
        parser.error("--reuse needs --keep DIR")
    if args.keep:
        work = args.keep.resolve()
        work.mkdir(parents=True, exist_ok=True)
    else:
        work = Path(tempfile.mkdtemp(prefix="pb-scale-"))
    try:
        report = benchmark(args, engines, work)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    table: Table = report["table"]
    if args.json:
        out = {k: v for k, v in report.items() if k != "table"}
        out["rows"] = [{k: v for k, v in r.items() if k != "fmt"} for r in table.rows]
        print(json.dumps(out, indent=2))
        return
    print(
        f"paperbrowse {report['revision']} (schema {report['schema']}) scale benchmark: "
        f"{args.docs} papers, seed {args.seed}, "
        f"{report['corpus_mb']:.1f} MB of JSON Lines; {args.queries} timed queries per kind, "
        f"{LIMIT} hits each; python {sys.version.split()[0]}, sqlite {report['sqlite']}, "
        f"{report['tantivy'] or 'tantivy not installed'}; load average "
        f"{report['load_before']:.2f} before, {os.getloadavg()[0]:.2f} after (2 cores)"
    )
    print(table.header())
    for row in table.rows:
        print(table.format_row(row))
    if missing:
        print(f"(not installed: {', '.join(missing)}; pip install tantivy)")
    if left_out:
        print(f"(left out with --engines: {', '.join(left_out)})")
    print(
        "ratios: paperbrowse figure / other engine's figure (times, sizes, memory: >1 means "
        "paperbrowse is slower or bigger; throughput: <1 means slower). memory: VmHWM of the "
        "build process, reset before the build (the loaded corpus is the baseline)."
    )


def benchmark(args, engines: list[str], work: Path) -> dict:
    import sqlite3

    from corpus import write_jsonl

    load_before = os.getloadavg()[0]
    corpus_path = work / "corpus.jsonl"
    started = time.perf_counter()
    if args.reuse and corpus_path.exists():
        corpus_bytes = corpus_path.stat().st_size
    else:
        corpus_bytes = write_jsonl(corpus_path, args.docs, args.seed)
    _log(
        f"corpus: {args.docs} papers, {corpus_bytes / 1e6:.1f} MB in "
        f"{time.perf_counter() - started:.1f} s"
    )
    folders = {e: work / e for e in engines}
    table = Table(engines)
    _log(table.header())

    # ------------------------------------------------------------ builds
    builds = {}
    for e in engines:
        saved = work / f"build-{e}.json"
        if args.reuse and saved.exists() and folders[e].exists():
            builds[e] = json.loads(saved.read_text())
            _log(f"{e}: reusing the index built earlier in {folders[e]}")
            continue
        if folders[e].exists():
            shutil.rmtree(folders[e])
        builds[e] = spawn("build", e, str(corpus_path), str(folders[e]))
        saved.write_text(json.dumps(builds[e]))
    table.add(
        "build throughput (docs/s)",
        {e: b["docs"] / b["seconds"] for e, b in builds.items()},
        ".0f",
    )
    table.add("build time (s)", {e: b["seconds"] for e, b in builds.items()}, ".2f")
    table.add("build peak RSS (MB)", {e: b["peak"] / 1e6 for e, b in builds.items()})
    table.add(
        "build peak RSS over baseline (MB)",
        {e: max(0, b["peak"] - b["rss_before"]) / 1e6 for e, b in builds.items()},
    )
    if builds["paperbrowse"].get("worker_peak"):
        table.add(
            "  peak RSS of one indexing worker (MB)",
            {"paperbrowse": builds["paperbrowse"]["worker_peak"] / 1e6},
            ratios=False,
        )
    opened = {e: ENGINES[e](folders[e]) for e in engines}
    table.add("index size on disk (MB)", {e: opened[e].index_size() / 1e6 for e in engines}, ".2f")

    # ----------------------------------------------------------- queries
    every = max(1, args.docs // SAMPLE)
    sample = load_papers(corpus_path, every)
    queries = draw_queries(sample, args.queries, args.seed)
    for app in (True, False):
        block = "app" if app else "core"
        for kind in KINDS:
            times = {}
            for e in engines:
                with Resident(folders[e], args.resident):
                    times[e] = time_calls(
                        [lambda q=q, e=e, a=app: opened[e].search(q, a) for q in queries[kind]]
                    )
            name = "newest-first listing" if kind == "listing" else kind
            for p in (50, 95):
                table.add(
                    f"{block}: {name} p{p} (ms)",
                    {e: percentile(t, p) for e, t in times.items()},
                    target=TARGET_MS if app and p == 95 else None,
                )
    if not args.no_similar:
        rng = random.Random(args.seed * 31 + 5)
        ids = [p.id for p in rng.sample(sample, min(len(sample), args.queries + 3))]
        times = {
            e: time_calls([lambda i=i, e=e: opened[e].similar(i) for i in ids], warmup=3)
            for e in engines
        }
        for p in (50, 95):
            table.add(f"similar papers p{p} (ms)", {e: percentile(t, p) for e, t in times.items()})

    # ------------------------------------------------------------- start-up
    if not args.no_app:
        runs = []
        for _ in range(args.repeat):
            runs.append(spawn("app-start", str(folders["paperbrowse"]), repr(time.time())))
            if runs[-1]["docs"] != args.docs:  # the app rebuilt: the schema changed meanwhile
                raise RuntimeError(f"the app opened {runs[-1]['docs']} papers, not {args.docs}")
        table.add(
            "app start warm → first results (s, Pilot)",
            {"paperbrowse": statistics.median(r["seconds"] for r in runs)},
            ".3f",
            target=TARGET_START_S,
            ratios=False,
        )
        table.add(
            "  of which imports (s)",
            {"paperbrowse": statistics.median(r["imports"] for r in runs)},
            ".3f",
            ratios=False,
        )
    listing = {}
    for e in engines:
        runs = [
            spawn("first-listing", e, str(folders[e]), repr(time.time()))
            for _ in range(args.repeat)
        ]
        listing[e] = statistics.median(r["seconds"] for r in runs)
    table.add("process start → newest listing, no UI (s)", listing, ".3f")

    # ------------------------------------------------------------ keystrokes
    if not args.no_app:
        import asyncio

        texts = [queries["two-term"][WARMUP].text, queries["one-term"][WARMUP + 2].text]
        with Resident(folders["paperbrowse"], args.resident):
            key_times, drawn_times, prefixes = asyncio.run(
                _keystrokes(opened["paperbrowse"].index, folders["paperbrowse"], texts)
            )
        for p in (50, 95):
            table.add(
                f"keystroke → results in app p{p} (ms, Pilot)",
                {"paperbrowse": percentile(key_times, p)},
                ratios=False,
            )
        for p in (50, 95):
            table.add(
                f"  key → results drawn, timed in app p{p} (ms)",
                {"paperbrowse": percentile(drawn_times, p)},
                ratios=False,
            )
        one_term = queries["one-term"][WARMUP + 2].text
        with Resident(folders["paperbrowse"], args.resident):
            jumps = asyncio.run(
                _jumps(opened["paperbrowse"].index, folders["paperbrowse"], ["", one_term])
            )
        for i, what in enumerate(("every paper", f"{one_term!r}")):
            table.add(
                f"app: end → last hit drawn, {what} (ms, Pilot)",
                {"paperbrowse": jumps["end"][i]},
                ratios=False,
            )
        for p in (50, 95):
            table.add(
                f"app: pagedown → hits drawn p{p} (ms, Pilot)",
                {"paperbrowse": percentile(jumps["pagedown"], p)},
                ratios=False,
            )
        prefix_queries = [Query("prefix", t, tuple(t.split())) for t in prefixes]
        times = {}
        for e in engines:
            with Resident(folders[e], args.resident):
                times[e] = time_calls(
                    [lambda q=q, e=e: opened[e].search(q, True) for q in prefix_queries], warmup=0
                )
        for p in (50, 95):
            table.add(
                f"  same prefixes, engine only p{p} (ms)",
                {e: percentile(t, p) for e, t in times.items()},
            )
    for e in opened.values():
        e.close()
    try:
        import tantivy

        tantivy_version = tantivy.__version__
    except ImportError:
        tantivy_version = None
    from paperbrowse.core.index import SCHEMA_VERSION

    return {
        "revision": _revision(),
        "schema": SCHEMA_VERSION,
        "docs": args.docs,
        "seed": args.seed,
        "load_before": load_before,
        "corpus_mb": corpus_bytes / 1e6,
        "sqlite": sqlite3.sqlite_version,
        "tantivy": tantivy_version,
        "table": table,
        "queries": {k: [q.text for q in v[WARMUP:]] for k, v in queries.items()},
    }


if __name__ == "__main__":
    main()
