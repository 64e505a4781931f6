"""Where a parallel build's time goes: the parent's work, the workers, the commit.

Usage (from the repository root)::

    python benchmarks/corpus.py --docs 100000 -o /tmp/100k.jsonl
    python benchmarks/build_phases.py /tmp/100k.jsonl [--limit-mb 96]

Loads the papers with the snapshot importer, builds a paperbrowse index of
them in a temporary folder (as ``IndexStore.build`` does for the app) and
prints, as JSON: wall seconds and documents per second; the parent's CPU
seconds; seconds (wall and CPU) in making the Whoosh documents
(``paper_doc``), in handing batches to the workers (waiting for them when
they are behind), in waiting for the workers' segments after the last batch
(their final merges), in the commit and in saving the tables; and the
largest indexing worker's peak resident set (MB, sampled from ``/proc``).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import DescendantPeaks, load_papers  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", type=Path, help="a JSON Lines snapshot (benchmarks/corpus.py)")
    parser.add_argument("--limit-mb", type=float, help="writing.LIMIT_MB for the workers")
    args = parser.parse_args()

    import paperbrowse.core.engine.whoosh_compat as wc
    import paperbrowse.core.engine.writing as writing
    import paperbrowse.core.generations as generations
    from paperbrowse.core.index import IndexStore

    if args.limit_mb:
        writing.LIMIT_MB = args.limit_mb
    spent: dict[str, float] = {}

    def timed(name: str, fn):
        def call(*a, **k):
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                return fn(*a, **k)
            finally:
                spent[name] = spent.get(name, 0.0) + time.perf_counter() - wall
                spent[name + " cpu"] = spent.get(name + " cpu", 0.0) + time.process_time() - cpu

        return call

    generations.paper_doc = timed("documents", generations.paper_doc)
    generations.save_tables = timed("tables", generations.save_tables)
    writing.ParallelWriter._send = timed("hand over batches", writing.ParallelWriter._send)
    writing.ParallelWriter._next_result = timed(
        "wait for segments", writing.ParallelWriter._next_result
    )
    wc.commit_toc = timed("commit (parent merges)", wc.commit_toc)

    papers = load_papers(args.corpus)
    folder = Path(tempfile.mkdtemp(prefix="pb-phases-"))
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        with DescendantPeaks() as peaks:
            IndexStore(folder).build(papers, "phases")
        seconds = time.perf_counter() - wall
        figures = {
            "docs": len(papers),
            "seconds": round(seconds, 1),
            "docs/s": round(len(papers) / seconds),
            "parent cpu": round(time.process_time() - cpu, 1),
            **{k: round(v, 1) for k, v in spent.items()},
            "worker peak MB": round(peaks.largest / 1e6),
        }
        print(json.dumps(figures, indent=1))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
