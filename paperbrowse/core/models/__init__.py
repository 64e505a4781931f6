"""Plain data records shared by every layer: papers, hits and result sets.

All records are frozen dataclasses, so they can be handed from a worker thread
to the UI thread without copying or locking.

The records live in one module per job: :mod:`.names` (:class:`Name`),
:mod:`.dates` (partial dates), :mod:`.paper` (:class:`Paper`, ids, merging) and
:mod:`.results` (:class:`Hit`, :class:`Filters`, :class:`Facets`, :class:`Results`);
every name is imported from here.
"""

from paperbrowse.core.models.dates import DAY, MONTH, YEAR, parse_partial_date
from paperbrowse.core.models.names import NAME_PARTICLES, Name
from paperbrowse.core.models.paper import (
    ARXIV_DOI,
    BIB_FIELDS,
    Paper,
    authority,
    journal_doi,
    normalise_title,
    paper_id_for,
    papers,
    same_work,
)
from paperbrowse.core.models.results import Facets, Filters, Hit, Results, Segment

__all__ = [
    "ARXIV_DOI",
    "BIB_FIELDS",
    "DAY",
    "Facets",
    "Filters",
    "Hit",
    "MONTH",
    "NAME_PARTICLES",
    "Name",
    "Paper",
    "Results",
    "Segment",
    "YEAR",
    "authority",
    "journal_doi",
    "normalise_title",
    "paper_id_for",
    "papers",
    "parse_partial_date",
    "same_work",
]
