"""Where a paperbrowse search spends its time: cProfile over a kept benchmark index.

Usage (from the repository root)::

    python benchmarks/run.py --docs 100000 --keep /tmp/pb-100k
    python benchmarks/profile_search.py /tmp/pb-100k/paperbrowse --app -q "" -q "diffusion~"
    python benchmarks/profile_search.py /tmp/pb-100k/paperbrowse --similar 5

``DATA`` is a paperbrowse data directory (``run.py --keep DIR`` leaves one in
``DIR/paperbrowse``). Each query runs once untimed, then ``--repeat`` times under
cProfile; prints the wall time per call and the functions with the most
cumulative and own time. ``--app`` makes the app's call (``forgiving=True,
facets=True``) instead of the plain ``search(text, limit=30)`` (the app's page); ``--sort``
chooses the order (an empty query is always newest first). ``--similar N``
profiles similar-papers for the first N papers of the newest-first listing.

``--kinds one-term,phrase`` replays ``run.py``'s queries of those kinds (drawn
from ``--corpus``, the kept ``corpus.jsonl``, with ``--seed`` and
``--queries`` as ``run.py`` draws them), each once and in order as the
benchmark does (its warm-up queries untimed), in the app's call unless
``--core``; prints p50/p95 per kind and the share of the main steps of the
search (matching, scoring, facets, hits, highlight terms, forgiving).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
try:
    import paperbrowse  # noqa: F401
except ImportError:  # not installed: run from a source checkout
    sys.path.insert(0, str(REPO))

from paperbrowse.core.index import IndexStore  # noqa: E402
from paperbrowse.core.locations import Locations  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", type=Path, help="paperbrowse data directory")
    parser.add_argument("-q", "--query", action="append", default=[], help="query text")
    parser.add_argument("--app", action="store_true", help="forgiving=True, facets=True")
    parser.add_argument("--sort", default="relevance")
    parser.add_argument("--similar", type=int, default=0, metavar="N")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--top", type=int, default=30, help="functions listed; --kinds: 0 = unprofiled"
    )
    parser.add_argument("--kinds", default="", help="run.py's query kinds, comma-separated")
    parser.add_argument("--corpus", type=Path, help="run.py's kept corpus.jsonl (--kinds)")
    parser.add_argument("--queries", type=int, default=30, help="run.py's --queries (--kinds)")
    parser.add_argument("--seed", type=int, default=1, help="run.py's --seed (--kinds)")
    parser.add_argument("--core", action="store_true", help="--kinds: plain search, not the app's")
    args = parser.parse_args()
    if args.kinds:
        kinds(args)
        return

    started = time.perf_counter()
    index = IndexStore(Locations.resolve(args.data).index_root).open()
    print(f"open: {(time.perf_counter() - started) * 1000:.1f} ms, {index.doc_count()} papers")
    calls = []
    for text in args.query:

        def search(text: str = text) -> None:
            index.search(text, sort=args.sort, limit=30, forgiving=args.app, facets=args.app)

        calls.append((f"search({text!r})", search))
    if args.similar:
        ids = [h.paper.id for h in index.search("", limit=args.similar).hits]
        calls.append((f"similar × {len(ids)}", lambda: [index.similar(i, limit=100) for i in ids]))
    profile = cProfile.Profile()
    for name, call in calls:
        call()
        profile.enable()
        started = time.perf_counter()
        for _ in range(args.repeat):
            call()
        elapsed = (time.perf_counter() - started) / args.repeat
        profile.disable()
        print(f"{name}: {elapsed * 1000:.1f} ms per call (under cProfile)")
    stats = pstats.Stats(profile)
    stats.sort_stats("cumulative").print_stats(args.top)
    stats.sort_stats("tottime").print_stats(args.top)


#: The steps of a search timed by ``--kinds``: (name, module, owner, attribute).
STEPS = (
    ("match", "paperbrowse.core.search", None, "match_set"),
    ("score", "paperbrowse.core.search", None, "top_scored"),
    ("facets", "paperbrowse.core.engine.tables", "Tables", "count_facets"),
    ("hits", "paperbrowse.core.search", None, "make_hits"),
    ("terms", "paperbrowse.core.search", "PaperIndex", "_highlight_terms"),
    ("forgiving", "paperbrowse.core.forgiving", "Forgiving", "resolve"),
    ("read", "paperbrowse.core.engine.postings", None, "_read"),
)


def _timed_steps() -> dict[str, float]:
    """Wrap each of :data:`STEPS` so that its wall time (seconds) is summed
    in the returned dict (a step inside another counts in both)."""
    import importlib  # noqa: PLC0415

    spent = dict.fromkeys((name for name, *_ in STEPS), 0.0)
    for name, module, owner, attr in STEPS:
        holder = importlib.import_module(module)
        holder = getattr(holder, owner) if owner else holder
        inner = getattr(holder, attr)

        def timed(*a, _inner=inner, _name=name, **k):
            started = time.perf_counter()
            try:
                return _inner(*a, **k)
            finally:
                spent[_name] += time.perf_counter() - started

        setattr(holder, attr, timed)
    return spent


def kinds(args) -> None:
    """Replay run.py's queries per kind, cold as the benchmark runs them."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    import run  # noqa: PLC0415

    with open(args.corpus, "rb") as lines:  # run.py's --docs
        every = max(1, sum(1 for _ in lines) // run.SAMPLE)
    queries = run.draw_queries(run.load_papers(args.corpus, every), args.queries, args.seed)
    index = IndexStore(Locations.resolve(args.data).index_root).open()
    spent = _timed_steps()
    app = not args.core
    for kind in args.kinds.split(","):
        times = []
        profile = cProfile.Profile()
        for i, q in enumerate(queries[kind]):
            if i == run.WARMUP:
                spent.update(dict.fromkeys(spent, 0.0))
            started = time.perf_counter()
            if i >= run.WARMUP and args.top:
                profile.enable()
            index.search(q.text, sort=q.sort, limit=30, forgiving=app, facets=app)
            if i >= run.WARMUP:
                if args.top:
                    profile.disable()
                times.append((time.perf_counter() - started) * 1000)
        split = ", ".join(f"{name} {t * 1000 / len(times):.1f}" for name, t in spent.items())
        print(
            f"{kind}: p50 {run.percentile(times, 50):.1f} ms, p95 {run.percentile(times, 95):.1f}"
            f" ms, max {max(times):.1f} ms{' (under cProfile)' if args.top else ''};"
            f" mean ms per query: {split}",
            flush=True,
        )
        if args.top:
            pstats.Stats(profile).sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
