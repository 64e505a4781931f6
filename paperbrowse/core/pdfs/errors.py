"""What can go wrong with a PDF: one exception class per case, one-line messages.

Every class is a :class:`PdfError` (a ``ValueError``), whose ``str()`` is the
message for the user, naming the file or paper at fault.
"""

from __future__ import annotations


class PdfError(ValueError):
    """A PDF cannot be attached, downloaded or read; ``str()`` is one line for the user."""


class NotAPdf(PdfError):
    """The file does not start with the ``%PDF-`` magic (an HTML error page, a
    PostScript file ...): it is refused."""


class TruncatedPdf(PdfError):
    """The file starts like a PDF but cannot be read through: cut short (an
    interrupted download) or damaged. It is refused."""


class EncryptedPdf(PdfError):
    """The PDF is encrypted with a password: it is attached (a viewer can open
    it with the password) but its text cannot be extracted."""


class NoTextPdf(PdfError):
    """The PDF has no text layer (scanned pages, images only): it is attached,
    but there is no full text to search (it would need OCR)."""


class NoPdfSource(PdfError):
    """There is nowhere to download a paper's PDF from (no arXiv id, or arXiv
    has no PDF for it)."""
