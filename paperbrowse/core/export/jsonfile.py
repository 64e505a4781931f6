"""paperbrowse's own JSON export: everything (:meth:`Paper.to_dict` plus the bookmark).

Read back by :func:`paperbrowse.core.sources.exported.read_export`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from paperbrowse import __version__
from paperbrowse.core.library import Bookmark


def render_json(bookmarks: Sequence[Bookmark]) -> str:
    """JSON: ``{"exported_by": "paperbrowse X.Y", "papers": [...]}``.

    Each paper is :meth:`Paper.to_dict` (where ``note`` is the BibTeX note
    field, present only when set) plus the bookmark's ``added_at`` (ISO 8601),
    ``status`` (string or null), ``tags`` and ``lists`` (lists of strings)
    and ``user_note`` (the user's note, ``""`` if none). Files written before
    0.x had the user's note under ``note``; the importer still reads them
    (a paper with ``added_at`` but no ``user_note`` is such a file's).
    """
    items = [
        bm.paper.to_dict()
        | {
            "added_at": bm.added_at.isoformat() if bm.added_at else None,
            "status": bm.status,
            "tags": list(bm.tags),
            "lists": list(bm.lists),
            "user_note": bm.note,
        }
        for bm in bookmarks
    ]
    return (
        json.dumps(
            {"exported_by": f"paperbrowse {__version__}", "papers": items},
            ensure_ascii=False,
            indent=2,
        )
        + "\n"
    )
