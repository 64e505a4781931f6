"""Search quality on the judged relevance set: MRR@10 and recall@10.

Usage (from the repository root)::

    python benchmarks/relevance.py [--verbose] [--json] [--data-dir DIR] [--queries FILE]

Builds the index of the bundled corpus in a temporary data directory (or opens
or builds it in ``--data-dir``), runs every query of
``tests/relevance/queries.toml`` with the default relevance sort, and prints
MRR@10 and recall@10 for the whole set and per query kind, and the time the
index took to build. ``--verbose`` adds every query that is not perfect (a
judged paper past rank 10, or a first hit that is not judged): each judged
paper's rank and the top 3 titles returned. ``--json`` prints all of it as
JSON instead. The run is deterministic: same engine, same corpus, same figures.

The judged set, its loader and the metrics live in ``tests/relevance/judged.py``,
shared with the test that guards the figures (``tests/relevance/test_relevance.py``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

try:
    import paperbrowse  # noqa: F401
except ImportError:  # not installed: run from a source checkout
    sys.path.insert(0, str(REPO))

sys.path.insert(0, str(REPO / "tests" / "relevance"))

import judged  # noqa: E402

from paperbrowse.core.locations import Locations  # noqa: E402
from paperbrowse.core.service import Corpus, open_index  # noqa: E402


def _print_text(report: judged.Report, build: str, verbose: bool) -> None:
    k = judged.K
    print(build)
    header = f"{'':10} {'queries':>7} {f'MRR@{k}':>7} {f'recall@{k}':>9} {'failed':>6}"
    print(header)
    rows = [("all", report.overall), *report.by_kind.items()]
    for name, f in rows:
        print(f"{name:10} {f.queries:7d} {f.mrr:7.3f} {f.recall:9.3f} {f.failed:6d}")
    if not verbose:
        return
    weak = [o for o in report.outcomes if o.weak]
    print(
        f"\n{len(weak)} queries not perfect, {report.overall.failed} of them FAILED "
        f"(no judged paper in the top {k}); RR: reciprocal rank of the first judged hit"
    )
    for o in weak:
        label = "FAILED" if o.failed else "weak"
        print(
            f"\n[{label}] {o.query.text!r} ({o.query.kind}): "
            f"RR {o.reciprocal_rank:.2f}, recall {o.recall:.2f}, {o.total} hits"
        )
        if o.error:
            print(f"  query rejected: {o.error}")
        for title in o.query.relevant:
            print(f"  expected, {o.describe_rank(title)}: {title}")
        for rank, title in enumerate(o.top[:3], 1):
            print(f"  returned #{rank}: {title}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--verbose", "-v", action="store_true", help="list the weak queries")
    parser.add_argument("--json", action="store_true", help="print machine-readable figures")
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="data directory to open the index in (built there if missing or stale); "
        "default: a temporary directory, removed afterwards",
    )
    parser.add_argument(
        "--queries", type=Path, default=judged.QUERIES_FILE, help="the judged set (TOML)"
    )
    args = parser.parse_args(argv)

    try:
        queries = judged.load_queries(args.queries)
    except (OSError, judged.JudgedSetError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    work = None if args.data_dir else Path(tempfile.mkdtemp(prefix="pb-relevance-"))
    try:
        data_dir = args.data_dir or work / "data"
        started = time.perf_counter()
        opened = open_index(Locations.resolve(data_dir), Corpus.bundled())
        elapsed = time.perf_counter() - started
        docs = opened.index.doc_count()
        if opened.built:
            build = f"index built in {elapsed:.2f} s ({docs} papers)"
        else:
            build = f"index opened in {elapsed:.3f} s ({docs} papers; already built)"
        try:
            report = judged.evaluate(opened.index, queries)
        except judged.JudgedSetError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    finally:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)

    if args.json:
        data = report.to_dict()
        data["index"] = {"built": opened.built, "seconds": round(elapsed, 3), "papers": docs}
        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        _print_text(report, build, args.verbose)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # piped into head: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
