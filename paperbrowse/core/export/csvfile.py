"""CSV export (RFC 4180, header row): every field of a paper and its bookmark, one row each.

Read back by :func:`paperbrowse.core.sources.exported.parse_csv_export`.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence

from paperbrowse.core.library import Bookmark
from paperbrowse.core.models import BIB_FIELDS

#: The CSV export's columns, in order. ``note`` is the user's note (the
#: bookmark's); ``bibtex_note`` the BibTeX ``note`` field (:attr:`Paper.note`).
#: ``published`` is the known date (``2020``, ``2020-06``, ``2020-06-13``);
#: ``authors``, ``editors``, ``categories``, ``tags`` and ``lists`` are joined by
#: ``; ``; ``extra`` and ``latex`` are JSON arrays of ``[name, value]`` pairs
#: (:attr:`Paper.extra`, :attr:`Paper.latex`).
CSV_COLUMNS = (
    "id",
    "title",
    "authors",
    "organisation",
    "published",
    "year",
    "upvotes",
    "arxiv_id",
    "doi",
    "url",
    "added_at",
    "status",
    "tags",
    "lists",
    "note",
    "abstract",
    "entry_type",
    "citation_key",
    "editors",
    "container",
    "volume",
    "number",
    "pages",
    "edition",
    "series",
    "publisher",
    "institution",
    "address",
    "isbn",
    "issn",
    "howpublished",
    "bibtex_note",
    "journal_ref",
    "comment",
    "extra",
    "latex",
    "author_count",
    "org_handle",
    "categories",
)


def render_csv(bookmarks: Sequence[Bookmark]) -> str:
    """CSV (RFC 4180, header row) with :data:`CSV_COLUMNS`, one row per paper.

    Empty cells for missing values. Names are written in display form
    (``Adrian Del Maestro``), so a re-import splits them again by rule of
    thumb (:meth:`Name.parse`) rather than as the source split them; a name
    containing ``; `` does not survive. Everything else is read back by
    :func:`paperbrowse.core.sources.exported.parse_csv_export`.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for bm in bookmarks:
        p = bm.paper
        cells: dict[str, object] = {
            "id": p.id,
            "title": p.title,
            "authors": "; ".join(p.authors),
            "organisation": p.organisation,
            "published": p.date_iso,
            "year": p.year,
            "upvotes": p.upvotes,
            "arxiv_id": p.arxiv_id,
            "doi": p.doi,
            "url": p.url,
            "added_at": bm.added_at.isoformat() if bm.added_at else None,
            "status": bm.status,
            "tags": "; ".join(bm.tags),
            "lists": "; ".join(bm.lists),
            "note": bm.note,
            "abstract": p.abstract,
            "entry_type": p.entry_type,
            "citation_key": p.citation_key,
            "editors": "; ".join(map(str, p.editors)),
            "bibtex_note": p.note,
            "extra": json.dumps([list(x) for x in p.extra], ensure_ascii=False) if p.extra else "",
            "latex": json.dumps([list(x) for x in p.latex], ensure_ascii=False) if p.latex else "",
            "author_count": p.author_count,
            "org_handle": p.org_handle,
            "categories": "; ".join(p.categories),
        }
        for name in BIB_FIELDS:
            if name != "note":
                cells[name] = getattr(p, name)
        writer.writerow(["" if cells[c] is None else cells[c] for c in CSV_COLUMNS])
    return out.getvalue()
