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
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()

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


if __name__ == "__main__":
    main()
