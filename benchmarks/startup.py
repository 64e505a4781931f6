"""Start-up figures on the bundled corpus: first-run index build and warm start.

Usage::

    python benchmarks/startup.py [--repeat 5]

Prints, one per line (medians over ``--repeat`` runs, seconds):

* ``index build (core)``: parsing the captures and building the Whoosh index.
* ``index open, warm (core)``: opening a current index (stamp check included).
* ``app first results, cold``: app start to the first result list on screen,
  with an empty data directory (builds the index), headless via Pilot.
* ``app first results, warm``: the same with the index already built.
* ``process: paperbrowse search, warm``: a whole ``paperbrowse search`` process
  (interpreter start, imports, open, query, print), wall clock.
* query latencies on the bundled corpus (milliseconds, median of 20).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from paperbrowse.core.locations import Locations
from paperbrowse.core.service import Corpus, open_index


def median_of(fn, repeat: int) -> float:
    return statistics.median(fn() for _ in range(repeat))


async def _app_first_results(data_dir: Path) -> float:
    from paperbrowse.ui.app import PaperBrowseApp

    started = time.perf_counter()
    app = PaperBrowseApp(Locations.resolve(data_dir), Corpus.bundled())
    async with app.run_test(size=(120, 40)) as pilot:
        while app.results is None:
            await pilot.pause(0.005)
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    corpus = Corpus.bundled()
    work = Path(tempfile.mkdtemp(prefix="pb-bench-"))
    try:

        def build() -> float:
            folder = work / f"build-{time.monotonic_ns()}"
            started = time.perf_counter()
            open_index(Locations.resolve(folder), corpus)
            elapsed = time.perf_counter() - started
            shutil.rmtree(folder)
            return elapsed

        warm_dir = work / "warm"
        open_index(Locations.resolve(warm_dir), corpus)

        def warm_open() -> float:
            started = time.perf_counter()
            opened = open_index(Locations.resolve(warm_dir), corpus)
            assert not opened.built
            return time.perf_counter() - started

        def app_cold() -> float:
            folder = work / f"cold-{time.monotonic_ns()}"
            elapsed = asyncio.run(_app_first_results(folder))
            shutil.rmtree(folder)
            return elapsed

        def app_warm() -> float:
            return asyncio.run(_app_first_results(warm_dir))

        def process_search() -> float:
            started = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "paperbrowse",
                    "--data-dir",
                    str(warm_dir),
                    "search",
                    "latent",
                ],
                check=True,
                capture_output=True,
            )
            return time.perf_counter() - started

        print(f"index build (core): {median_of(build, args.repeat):.3f} s")
        print(f"index open, warm (core): {median_of(warm_open, args.repeat):.4f} s")
        print(f"app first results, cold: {median_of(app_cold, args.repeat):.3f} s")
        print(f"app first results, warm: {median_of(app_warm, args.repeat):.3f} s")
        print(f"process: paperbrowse search, warm: {median_of(process_search, args.repeat):.3f} s")
        index = open_index(Locations.resolve(warm_dir), corpus).index
        for query in [
            "",
            "latent",
            "latent diffusion",
            '"latent diffusion"',
            "difusion~",
            "year:[2020 TO 2023]",
        ]:
            index.search(query, limit=100)

            def run(q: str = query) -> float:
                started = time.perf_counter()
                index.search(q, limit=100)
                return time.perf_counter() - started

            print(f"query {query!r:24} (100 hits, highlighted): {median_of(run, 20) * 1000:.1f} ms")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
