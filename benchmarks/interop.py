"""Feed paperbrowse's BibTeX and CSL-JSON exports to pandoc and biber; print warnings by kind.

Usage::

    .venv/bin/python benchmarks/interop.py [--no-library] [--keep DIR]

Two reading lists are exported:

* ``varied``: the list of ``tests/unit/test_interop.py`` (every entry type,
  surname particles, corporate authors, partial dates, arXiv-only papers,
  papers without authors);
* ``library``: the bundled corpus (Hugging Face captures) plus
  ``tests/fixtures/arxiv_snapshot.jsonl``, ``hf_daily_papers_2026-03-23.json``
  ``refs.bib`` and ``thesis.bib``, duplicates merged as the importer merges them, keys
  assigned by :func:`paperbrowse.core.citekeys.export_keys` (skipped with
  ``--no-library``).

For each list and each of ``.bib`` and ``.csl.json``, pandoc (``--citeproc``,
its default Chicago author-date style) renders a document citing every key;
the script counts pandoc's warnings by kind (``citation … not found`` …) and
checks that "Del Maestro" is printed as a family name. The ``.bib`` is also
given to ``biber --tool --validate-datamodel``, whose ``WARN`` lines are
grouped by kind (entry keys and field values replaced by ``…``). A tool that is
not installed is reported as skipped. Nothing here needs the network.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests" / "unit")]

from paperbrowse.core import export  # noqa: E402
from paperbrowse.core.library import Bookmark  # noqa: E402
from paperbrowse.core.models import Paper  # noqa: E402

ADDED = datetime(2026, 3, 1, tzinfo=UTC)


def varied() -> list[Bookmark]:
    """The reading list of the interop tests."""
    from test_interop import reading_list

    return reading_list()


def library() -> list[Bookmark]:
    """The bundled corpus and tests/fixtures/refs.bib, merged as the importer merges."""
    from paperbrowse.core.sources.bibtex import read_bibtex
    from paperbrowse.core.sources.captures import bundled_corpus_dir, corpus_files, load_captures
    from paperbrowse.core.sources.common import SourceError
    from paperbrowse.core.sources.hf import parse_daily_papers
    from paperbrowse.core.sources.jsonl import read_jsonl

    papers: dict[str, Paper] = {}
    for paper in load_captures(corpus_files(bundled_corpus_dir())).papers:
        papers[paper.id] = paper
    fixtures = REPO / "tests" / "fixtures"
    daily = fixtures / "hf_daily_papers_2026-03-23.json"
    records = [
        *read_jsonl(fixtures / "arxiv_snapshot.jsonl"),
        *parse_daily_papers(daily.read_text(encoding="utf-8"), daily.name),
        *read_bibtex(fixtures / "refs.bib"),
        *read_bibtex(fixtures / "thesis.bib"),
    ]
    for record in records:
        if isinstance(record, SourceError):
            print(f"  skipped: {record}", file=sys.stderr)
            continue
        known = papers.get(record.id)
        papers[record.id] = known.merged_with(record) if known else record
    return [Bookmark(p, ADDED) for p in papers.values()]


def _kind(message: str) -> str:
    """A warning with its particulars (entry keys, file paths, line numbers) left out.

    Field names and entry types are kept: they are what the warning is about.
    """
    text = re.sub(r"Entry '[^']*' \([^)]*\)", "Entry …", message.strip())
    text = re.sub(r"(?i)(citation|entry|key)\s+[\w:./+-]+(?= not found)", r"\1 …", text)
    text = re.sub(r"(?i)in value of field '([^']*)'.*", r"in value of field '\1'", text)
    return re.sub(r"\bline \d+", "line …", text)


def run_pandoc(bibliography: Path, keys: list[str], work: Path) -> dict[str, object]:
    """pandoc --citeproc over a document citing every key once."""
    doc = work / f"{bibliography.name}.md"
    doc.write_text(
        "# Cited\n\n" + "\n\n".join(f"[@{key}]" for key in keys) + "\n\n# References\n",
        encoding="utf-8",
    )
    proc = subprocess.run(
        ["pandoc", str(doc), "--citeproc", f"--bibliography={bibliography}", "-t", "plain"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    warnings = [line for line in proc.stderr.splitlines() if line.strip()]
    not_found = [w for w in warnings if "not found" in w]
    return {
        "exit": proc.returncode,
        "warnings": Counter(_kind(w) for w in warnings),
        "not_found": len(not_found),
        "del_maestro": "Del Maestro" in proc.stdout,
        "maestro_alone": bool(re.search(r"(?<!Del )Maestro, A", proc.stdout)),
        "output": proc.stdout,
    }


def run_biber(bib: Path) -> dict[str, object]:
    """biber --tool --validate-datamodel: WARN and ERROR lines by kind."""
    proc = subprocess.run(
        ["biber", "--tool", "--validate-datamodel", str(bib)],
        capture_output=True,
        text=True,
        cwd=bib.parent,
        timeout=600,
    )
    lines = (proc.stdout + proc.stderr).splitlines()
    problems = [ln for ln in lines if re.search(r"\b(WARN|ERROR)\b", ln)]
    kinds = Counter(_kind(re.sub(r"^.*?\b(WARN|ERROR) - ", r"\1 - ", ln)) for ln in problems)
    return {"exit": proc.returncode, "warnings": kinds, "count": len(problems)}


def report(name: str, marks: list[Bookmark], work: Path) -> None:
    keys = export.export_keys(marks)
    print(f"\n== {name}: {len(marks)} papers")
    bib = export.export(marks, work / f"{name}.bib")
    csl = export.export(marks, work / f"{name}.csl.json")
    for path in (bib, csl):
        if not shutil.which("pandoc"):
            print("pandoc: not installed, skipped")
            break
        result = run_pandoc(path, keys, work)
        print(
            f"pandoc --citeproc {path.name}: exit {result['exit']}, "
            f"{sum(result['warnings'].values())} warnings, "
            f"{result['not_found']} 'citation not found', "
            f"'Del Maestro' printed: {result['del_maestro']}, "
            f"'Maestro, A' without 'Del': {result['maestro_alone']}"
        )
        for kind, count in result["warnings"].most_common():
            print(f"    {count:5d}  {kind}")
        if name == "varied" and path is csl:
            print("  rendered references (first lines):")
            out = str(result["output"])
            refs = out[out.find("References") :].splitlines()[1:]
            for line in [ln for ln in refs if ln.strip()][:12]:
                print(f"    {line}")
    if shutil.which("biber"):
        result = run_biber(bib)
        print(
            f"biber --tool --validate-datamodel {bib.name}: exit {result['exit']}, "
            f"{result['count']} warnings/errors"
        )
        for kind, count in result["warnings"].most_common():
            print(f"    {count:5d}  {kind}")
    else:
        print("biber: not installed, skipped")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-library", action="store_true", help="only the varied list")
    parser.add_argument("--keep", type=Path, help="write the files here and keep them")
    args = parser.parse_args(argv)
    for tool in ("pandoc", "biber"):
        found = shutil.which(tool)
        version = ""
        if found:
            flag = "--version"
            out = subprocess.run([tool, flag], capture_output=True, text=True).stdout
            version = out.splitlines()[0] if out else ""
        print(f"{tool}: {version or 'not installed'}")
    work = args.keep or Path(tempfile.mkdtemp(prefix="pb-interop-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        report("varied", varied(), work)
        if not args.no_library:
            report("library", library(), work)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
