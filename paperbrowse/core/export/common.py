"""What every export format shares: citation keys and paperbrowse's own data.

:func:`export_keys` gives the citation keys of an export (BibTeX key, CSL-JSON
``id``, RIS ``ID`` all agree); :func:`private_data` is paperbrowse's own data of
a paper, which CSL-JSON (``custom``) and RIS (``C8``) carry where citation
styles do not print it; the small predicates below decide what a paper is
(a preprint, a thesis, a report) the same way for CSL-JSON and RIS.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from paperbrowse.core import citekeys
from paperbrowse.core.library import Bookmark
from paperbrowse.core.models import Paper, journal_doi  # noqa: F401  (journal_doi: for the formats)


def export_keys(bookmarks: Sequence[Bookmark]) -> list[str]:
    """The citation key of each bookmark in an export, in order, all distinct.

    :func:`paperbrowse.core.citekeys.export_keys` of the papers (each
    paper's own key; generated ones made unique), so the BibTeX key, the
    CSL-JSON ``id`` and the RIS ``ID`` of a paper agree and ``@key`` cites the
    same paper whichever file pandoc is given.
    """
    return citekeys.export_keys(bm.paper for bm in bookmarks)


#: The BibTeX types read as theses, and the genre (CSL ``genre``, RIS ``M3``) each gets.
THESIS_GENRE = {"phdthesis": "PhD thesis", "mastersthesis": "Master's thesis", "thesis": "Thesis"}
REPORT_TYPES = frozenset({"techreport", "report", "manual"})


def is_preprint(p: Paper) -> bool:
    """An arXiv paper with no venue (container, journal reference) of its own: a preprint."""
    venue = p.container or p.journal_ref
    return bool(p.arxiv_id) and not venue and p.entry_type in (None, "misc", "online")


def genre_of(p: Paper) -> str | None:
    """A thesis's kind (``PhD thesis``), or a report's BibTeX ``type`` field."""
    given = dict(p.extra).get("type")
    if p.entry_type in THESIS_GENRE:
        return given or THESIS_GENRE[p.entry_type or ""]
    return given if p.entry_type in REPORT_TYPES else None


#: The version of :func:`private_data`'s layout (files before it had no ``version``).
PRIVATE_VERSION = 2


def private_data(bookmark: Bookmark) -> dict[str, Any]:
    """paperbrowse's own data of a paper, kept where citation styles do not print it.

    The CSL-JSON export writes it as the item's ``custom`` object (CSL 1.0.2),
    the RIS export as JSON in a ``C8`` (custom 8) line; re-import reads it
    back. Only keys with a value are written:

    * ``paperbrowse-id`` and ``version`` (:data:`PRIVATE_VERSION`) always;
      ``organisation``, ``org-handle``, ``upvotes``, ``author-count``,
      ``arxiv-id``, ``entry-type`` (the BibTeX type, so a re-import gets
      the type back, not the citation format's nearest type);
    * the bookmark's ``status``, ``lists`` and ``added`` (ISO 8601 time);
    * ``extra``: the BibTeX fields paperbrowse does not model, ``[[name, value], …]``;
      ``latex``: the source's own LaTeX of modelled fields (:attr:`Paper.latex`).

    The formats add ``fields`` (paper fields they have no tag or variable for,
    ``{"journal_ref": …}``), ``synthesised`` (their variables or tags that were
    made from something else and must not be read back as what they name) and
    ``names`` (the authors split as :class:`Name` dicts, when the format's own
    name form would not give the same split back).
    """
    p = bookmark.paper
    data: dict[str, Any] = {"paperbrowse-id": p.id, "version": PRIVATE_VERSION}
    for name, value in (
        ("organisation", p.organisation),
        ("org-handle", p.org_handle),
        ("upvotes", p.upvotes),
        ("author-count", p.author_count),
        ("arxiv-id", p.arxiv_id),
        ("entry-type", p.entry_type),
        ("status", bookmark.status),
        ("lists", list(bookmark.lists)),
        ("added", bookmark.added_at.isoformat() if bookmark.added_at else None),
        ("extra", [list(pair) for pair in p.extra]),
        ("latex", [list(pair) for pair in p.latex]),
    ):
        if value is not None and value != []:
            data[name] = value
    return data
