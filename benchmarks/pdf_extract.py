"""PDF text extraction: throughput (pages/s) of pypdf and pdfminer.six, and agreement.

Usage (from the repository root)::

    python benchmarks/pdf_extract.py FILE.pdf|FOLDER ... [--repeat 3]
    python benchmarks/pdf_extract.py --generate 40        # a synthetic two-column PDF

For every PDF and extractor: pages, best wall time over ``--repeat`` runs,
pages per second; then the word-sequence similarity (difflib ratio over the
first 20,000 words) of the two extractors' texts, and what the normaliser
(:mod:`paperbrowse.core.pdfs.normalise`) adds to pypdf's time. The
extractor paperbrowse uses is pypdf (see :mod:`paperbrowse.core.pdfs.extract`);
pdfminer.six is measured only when installed (``pip install -e .[bench]``).

``--generate N`` writes an N-page, two-column PDF with fpdf2 (ligature
characters, split accents, hyphenated words, a running header; set in
``tests/fixtures/pdf_dejavu_subset.ttf``) and measures it: a stand-in for an
arXiv paper when none is at hand (a TeX-made PDF is the better test).
"""

from __future__ import annotations

import argparse
import difflib
import logging
import random
import re
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

FONT = REPO / "tests" / "fixtures" / "pdf_dejavu_subset.ttf"
_TEXT = (
    "the \ufb01rst e\ufb03cient o\ufb03cial work\ufb02ow \ufb01nds a\ufb03ne coe\ufb03cients of "
    "representation learning networks trained with self-supervised objectives caf´e r´esum´e "
    "contrastive bootstrap latent predictor momentum encoder augmentation robustness"
)
WORDS = _TEXT.split()


def pypdf_pages(path: Path) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(path).pages]


def pdfminer_pages(path: Path) -> list[str]:
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams, LTTextContainer

    return [
        "".join(item.get_text() for item in page if isinstance(item, LTTextContainer))
        for page in extract_pages(path, laparams=LAParams())
    ]


def generate(path: Path, pages: int, seed: int = 1) -> Path:
    """An N-page two-column PDF of made-up text with ligatures and split accents."""
    from fpdf import FPDF

    rng = random.Random(seed)
    pdf = FPDF()
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.set_font("DejaVu", size=9)
    for number in range(1, pages + 1):
        pdf.add_page()
        pdf.text(10, 10, f"Preprint - under review {number}")
        for x in (10, 110):
            for row in range(55):
                line = " ".join(rng.choice(WORDS) for _ in range(7))
                pdf.text(x, 20 + 4.8 * row, line + (" augmen-" if row % 9 == 8 else ""))
    pdf.output(str(path))
    return path


def best_time(function: Callable[[Path], list[str]], path: Path, repeat: int) -> tuple:
    best, result = float("inf"), []
    for _ in range(repeat):
        start = time.perf_counter()
        result = function(path)
        best = min(best, time.perf_counter() - start)
    return best, result


def similarity(a: list[str], b: list[str]) -> float:
    words_a = re.findall(r"\w+", " ".join(a))[:20000]
    words_b = re.findall(r"\w+", " ".join(b))[:20000]
    return difflib.SequenceMatcher(None, words_a, words_b, autojunk=False).ratio()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--generate", type=int, metavar="PAGES")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # both libraries log about odd but readable files

    from paperbrowse.core.pdfs.normalise import normalise_pages

    files = [
        p for path in args.paths for p in (sorted(path.rglob("*.pdf")) if path.is_dir() else [path])
    ]
    if args.generate:
        files.append(generate(Path(tempfile.mkdtemp()) / "generated.pdf", args.generate))
    if not files:
        parser.error("give PDF files or folders, or --generate N")
    extractors = {"pypdf": pypdf_pages}
    try:
        import pdfminer  # noqa: F401

        extractors["pdfminer"] = pdfminer_pages
    except ImportError:
        print("pdfminer.six not installed: measuring pypdf only", file=sys.stderr)
    totals = {name: [0, 0.0] for name in extractors}
    print(f"{'file':32} {'extractor':9} {'pages':>5} {'seconds':>8} {'pages/s':>8}")
    for path in files:
        texts = {}
        for name, function in extractors.items():
            try:
                seconds, texts[name] = best_time(function, path, args.repeat)
            except Exception as exc:  # a benchmark reports a file it cannot read and goes on
                print(f"{path.name[:32]:32} {name:9} failed: {type(exc).__name__}: {exc}")
                continue
            count = len(texts[name])
            totals[name][0] += count
            totals[name][1] += seconds
            print(f"{path.name[:32]:32} {name:9} {count:5d} {seconds:8.3f} {count / seconds:8.1f}")
        if len(texts) == 2:
            print(f"{'':32} agreement (word sequence) {similarity(*texts.values()):.3f}")
        if "pypdf" in texts:
            start = time.perf_counter()
            normalise_pages(texts["pypdf"])
            print(f"{'':32} normalising pypdf's text: {time.perf_counter() - start:.3f} s")
    for name, (pages, seconds) in totals.items():
        if seconds:
            print(f"TOTAL {name}: {pages} pages in {seconds:.2f} s = {pages / seconds:.1f} pages/s")


if __name__ == "__main__":
    main()
