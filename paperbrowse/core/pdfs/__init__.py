"""PDFs attached to papers: download from arXiv, attach local files, extract full text.

The API other code uses (no Textual here):

* :class:`PdfStore` ``(locations, library)``: ``pages(paper_id) -> list[str] | None``
  (normalised text per page, page 1 first; ``None`` when there is no PDF, its
  file is gone, or it has no text), ``info(paper_id) -> PdfInfo | None``
  (path, pages, bytes, kind, missing), ``attach_file``, ``save_download``, ``remove``;
* :func:`describe` for the detail pane ("PDF: 8 pages, 0.5 MB" or "no PDF");
* :class:`ArxivPdfClient` to download; :func:`read_pdf` to check and extract one file;
* errors: :class:`PdfError` and its subclasses, one-line messages.

See :mod:`.store` for the files' layout, :mod:`.normalise` for the text
cleaning and :mod:`.extract` for why pypdf.
"""

from paperbrowse.core.pdfs.errors import (
    EncryptedPdf,
    NoPdfSource,
    NotAPdf,
    NoTextPdf,
    PdfError,
    TruncatedPdf,
)
from paperbrowse.core.pdfs.extract import Extracted, read_pdf
from paperbrowse.core.pdfs.fetch import ArxivPdfClient
from paperbrowse.core.pdfs.store import NO_PDF, PdfInfo, PdfStore, describe, file_size, safe_name

__all__ = [
    "NO_PDF",
    "ArxivPdfClient",
    "EncryptedPdf",
    "Extracted",
    "NoPdfSource",
    "NoTextPdf",
    "NotAPdf",
    "PdfError",
    "PdfInfo",
    "PdfStore",
    "TruncatedPdf",
    "describe",
    "file_size",
    "read_pdf",
    "safe_name",
]
