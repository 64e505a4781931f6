"""Start-up figures on the bundled corpus: first-run index build and warm start.

Usage::

    python benchmarks/startup.py [--repeat 5] [--warm-dir DIR]

Prints, one per line (medians over ``--repeat`` runs, seconds):

* ``index build (core)``: parsing the captures and building the Whoosh index.
* ``index open, warm (core)``: opening a current index (stamp check included).
* ``app first results, cold``: app start to the first result list on screen,
  with an empty data directory (builds the index), headless via Pilot.
* ``app first results, warm``: the same with the index already built (in this
  process: from the second run on, the modules are already imported).
* ``process: import paperbrowse.ui.app``: a fresh interpreter importing the app
  module (what every start pays before the first frame).
* ``process: app first results, warm``: a fresh interpreter, from before its
  start to the first result list on screen (imports, app start, index open,
  first search, first listing drawn): the issue's "app start to interactive".
* ``process: paperbrowse search, warm``: a whole ``paperbrowse search`` process
  (interpreter start, imports, open, query, print), wall clock.
* query latencies on the bundled corpus (milliseconds, median of 20).

``--warm-dir DIR`` takes the warm figures on an existing data directory (for
example one left by ``benchmarks/run.py --docs 100000 --keep DIR``, whose
``DIR/paperbrowse`` holds an index stamped for the bundled corpus) instead of
one built from the bundled corpus, to see how start-up scales with the corpus.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
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


def _child_app(data_dir: str, t0: float) -> None:
    """In a fresh process: import the app, start it, print the times as JSON."""
    from paperbrowse.ui.app import PaperBrowseApp

    imported = time.time() - t0

    async def first_results() -> float:
        app = PaperBrowseApp(Locations.resolve(Path(data_dir)), Corpus.bundled())
        async with app.run_test(size=(120, 40)) as pilot:
            while app.results is None:
                await pilot.pause(0.005)
            return time.time() - t0

    print(json.dumps({"imports": imported, "first": asyncio.run(first_results())}))


def _child_import(t0: float) -> None:
    import paperbrowse.ui.app  # noqa: F401

    print(json.dumps({"imports": time.time() - t0}))


def _spawn(*args: str) -> dict:
    """Run this script in a child mode (started now); return the JSON it prints."""
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "_child", *args, repr(time.time())],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    if done.returncode:
        raise RuntimeError(f"child {args[0]} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_child":
        mode, *rest = sys.argv[2:]
        if mode == "app":
            _child_app(rest[0], float(rest[1]))
        else:
            _child_import(float(rest[0]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--warm-dir",
        type=Path,
        help="an existing data directory for the warm figures (default: built from the corpus)",
    )
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

        warm_dir = args.warm_dir.resolve() if args.warm_dir else work / "warm"
        if not args.warm_dir:
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
        imports = [_spawn("import")["imports"] for _ in range(args.repeat)]
        print(f"process: import paperbrowse.ui.app: {statistics.median(imports):.3f} s")
        runs = [_spawn("app", str(warm_dir)) for _ in range(args.repeat)]
        first = statistics.median(r["first"] for r in runs)
        print(f"process: app first results, warm: {first:.3f} s")
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
