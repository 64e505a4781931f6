"""What every importer shares: the record stream convention and its error type.

An importer is a function that yields :data:`Record` values: a
:class:`~paperbrowse.core.models.Paper` for every good input record and a
:class:`SourceError` for every bad one, in input order. It never raises for a
bad record, so one broken BibTeX entry or JSON line does not stop the import of
the rest; it raises only when the input as a whole cannot be read (file missing,
network down), with an exception derived from :class:`SourceUnavailable`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from paperbrowse.core.latex import latex_to_unicode
from paperbrowse.core.models import Paper

_ARXIV_NEW = re.compile(r"(?P<id>\d{4}\.\d{4,5})(?:v\d+)?")
_ARXIV_OLD = re.compile(r"(?P<id>[a-z][a-z.\-]*/\d{7})(?:v\d+)?", re.IGNORECASE)
_ARXIV_PREFIX = re.compile(r"^(?:arxiv:|https?://(?:www\.)?arxiv\.org/(?:abs|pdf)/)", re.I)
_DOI_PREFIX = re.compile(r"^(?:doi:|https?://(?:dx\.)?doi\.org/)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class SourceError:
    """One input record that could not be read.

    Attributes:
        source: the file name or URL the record came from.
        location: where in it: ``"line 12"``, ``"entry smith2020"``, ``"entry 3"``.
        reason: what is wrong, in words.
    """

    source: str
    location: str
    reason: str

    def __str__(self) -> str:
        return f"{self.source}, {self.location}: {self.reason}"


#: What an importer yields: a paper, or the error of one bad record.
Record = Paper | SourceError


class SourceUnavailable(RuntimeError):
    """The input as a whole cannot be read: file missing, service unreachable.

    The message names the file or URL and says what to do.
    """


def normalise_arxiv_id(text: str | None) -> str | None:
    """Return the bare arXiv id in ``text``, or ``None``.

    Accepts ``2006.07733``, ``2006.07733v2``, ``arXiv:2006.07733``,
    ``https://arxiv.org/abs/2006.07733v1``, ``cond-mat/0603029v1``; drops the
    version (``v2``), so every form gives the same id.
    """
    if not text:
        return None
    value = _ARXIV_PREFIX.sub("", text.strip())
    for pattern in (_ARXIV_NEW, _ARXIV_OLD):
        match = pattern.fullmatch(value)
        if match:
            return match.group("id")
    return None


def normalise_doi(text: str | None) -> str | None:
    """Return the DOI in ``text`` in lower case without ``doi:`` or resolver URL, or ``None``."""
    if not text:
        return None
    value = _DOI_PREFIX.sub("", text.strip())
    return value.lower() if value.startswith("10.") else None


def clean_text(text: str | None) -> str:
    """Collapse white space (feeds wrap titles and abstracts) and decode LaTeX fragments."""
    if not text:
        return ""
    return latex_to_unicode(" ".join(text.split()))
