"""Check a PDF and extract its text, page by page, with pypdf.

Why pypdf rather than pdfminer.six (both kept, pure Python), measured with
``benchmarks/pdf_extract.py`` on a 14-page two-column pdflatex article, five
TeX Live manuals (3 to 102 pages) and a generated 20-page two-column page set:

* **speed**: pypdf 59 pages/s over the 160 pages, pdfminer.six 16.5 (pypdf
  2 to 4 times faster on every file; 26 times on the generated one);
* **text**: on the TeX-made files the two give the same words in the same
  order (word-sequence agreement 0.92–0.98; the rest is spacing around
  headings and page numbers) and the same raw forms (``caf´e``, ``ﬁ``), which
  :mod:`~paperbrowse.core.pdfs.normalise` repairs for either;
* **two columns**: pypdf follows the content stream, which TeX (and fpdf2)
  write column after column; pdfminer's layout analysis, on the generated
  page with a 12 mm gutter, paired left and right lines (agreement 0.52).
  pypdf would be wrong for a producer that writes a page out of order (rare
  for arXiv's TeX-made PDFs);
* **robustness**: both raise on truncated files; pypdf opens
  permissions-only encrypted files with the empty password itself;
* pypdf has no dependencies of its own.

Errors are :mod:`~paperbrowse.core.pdfs.errors` classes with one-line
messages naming the file; pypdf's own warnings are kept off the terminal.
"""

from __future__ import annotations

import logging
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from paperbrowse.core.pdfs.errors import EncryptedPdf, NotAPdf, NoTextPdf, PdfError, TruncatedPdf
from paperbrowse.core.pdfs.normalise import normalise_pages

#: Name of the extractor, kept with the cached text.
EXTRACTOR = "pypdf"
#: Bumped when :mod:`~paperbrowse.core.pdfs.normalise` changes what it makes
#: (cached text from an older normaliser is extracted again).
NORMALISER_VERSION = 1
#: Where the end-of-file marker must be: within this many bytes of the end
#: (some producers and mail gateways leave padding after it).
_TAIL_BYTES = 32768


def extractor_version() -> str:
    """``"pypdf 7.1.1/1"``: extractor, its version and :data:`NORMALISER_VERSION`."""
    import pypdf

    return f"{EXTRACTOR} {pypdf.__version__}/{NORMALISER_VERSION}"


@dataclass(frozen=True, slots=True)
class Extracted:
    """The text of one PDF.

    Attributes:
        pages: normalised text per page, page 1 first (``""`` for a page without text).
        page_count: number of pages (``None``: unknown, a PDF encrypted so
            that not even its page tree can be read).
        error: why there is no text (an encrypted or image-only PDF), ``None``
            if there is some.
    """

    pages: list[str]
    page_count: int | None
    error: str | None = None


@contextmanager
def _quiet():
    """Keep pypdf's warnings (logging and ``warnings``) off the terminal."""
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.ERROR + 10)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


def check_magic(path: Path) -> None:
    """Raise :class:`NotAPdf` unless ``path`` starts with ``%PDF-`` (within its
    first 1024 bytes, as readers allow), and :class:`TruncatedPdf` if it has no
    ``%%EOF`` marker near its end (a download cut short).

    Raises:
        NotAPdf (also for an empty file), TruncatedPdf; OSError: the file cannot be read.
    """
    with open(path, "rb") as fh:
        head = fh.read(1024)
        if not head:
            raise NotAPdf(f"{path} is empty (0 bytes)")
        if b"%PDF-" not in head:
            what = "an HTML page" if b"<html" in head.lower() else "another kind of file"
            raise NotAPdf(f"{path} is not a PDF (it does not start with %PDF-; {what})")
        fh.seek(0, 2)
        size = fh.tell()
        fh.seek(max(0, size - _TAIL_BYTES))
        if b"%%EOF" not in fh.read():
            raise TruncatedPdf(
                f"{path} is truncated or damaged: no end-of-file marker ({size:,} bytes)"
            )


def read_pdf(path: Path | str) -> Extracted:
    """Check ``path`` is a readable PDF and extract its normalised text.

    An encrypted PDF that opens with the empty password (permissions only) is
    read as any other.

    Returns:
        :class:`Extracted`; for an encrypted PDF (:class:`EncryptedPdf`) or
        one with no text on any page (:class:`NoTextPdf`) its ``pages`` are
        empty strings and ``error`` says so: such a file is still a PDF to keep.

    Raises:
        NotAPdf: not a PDF at all.
        TruncatedPdf: cut short or damaged so that pages cannot be read.
        OSError: the file cannot be read (missing, permissions).
    """
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError

    path = Path(path)
    check_magic(path)
    with _quiet():
        try:
            reader = PdfReader(path, strict=False)
            count = len(reader.pages)
            if reader.is_encrypted:
                try:
                    opened = reader.decrypt("")
                except (DependencyError, NotImplementedError) as exc:
                    opened = 0
                    reason = f"encrypted in a way that cannot be read here ({exc})"
                else:
                    reason = "encrypted with a password"
                if not opened:
                    error = EncryptedPdf(f"{path} is {reason}: attached, but without its text")
                    return Extracted([""] * count, count, str(error))
            raw = [page.extract_text() or "" for page in reader.pages]
        except FileNotDecryptedError:
            error = EncryptedPdf(f"{path} is encrypted with a password: attached, without text")
            return Extracted([], None, str(error))
        except PdfError:
            raise
        except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
            # pypdf raises all of these on damaged files (missing objects, bad streams)
            raise TruncatedPdf(
                f"{path} is truncated or damaged and cannot be read ({type(exc).__name__}: "
                f"{str(exc).splitlines()[0] if str(exc) else 'no detail'})"
            ) from exc
    pages = normalise_pages(raw)
    if not any(text.strip() for text in pages):  # nothing left but page numbers, or nothing
        error = NoTextPdf(
            f"{path} has no text layer ({count} page{'s' if count != 1 else ''} of images, "
            "perhaps scanned): attached, but its full text cannot be searched"
        )
        return Extracted([""] * count, count, str(error))
    return Extracted(pages, count)
