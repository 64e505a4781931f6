"""Modal screens (dialogs), one module per screen:

* :mod:`.help` — :class:`HelpScreen`, the keys (from :mod:`paperbrowse.ui.keys`) and
  the query syntax;
* :mod:`.export` — :class:`ExportScreen` and its :class:`ExportChoice`;
* :mod:`.filter` — :class:`FilterScreen`, the facet filters;
* :mod:`.tags`, :mod:`.note`, :mod:`.lists` — organising a bookmark
  (:class:`TagsScreen`, :class:`NoteScreen`, :class:`ListsScreen`);
* :mod:`.bookmark_filter` — :class:`BookmarkFilterScreen`, narrowing the bookmarks;
* :mod:`.confirm` — :class:`ConfirmScreen`, confirming a removal;
* :mod:`.watches` — :class:`~.watches.WatchesScreen`, the inbox and the watches with
  their counts (loaded on first use, by the main screen's watch view,
  :mod:`.watches_view`);
* :mod:`.import_screen` — :class:`ImportScreen`, what to import (loaded on first use:
  it imports the importers).
* :mod:`.attach_pdf` — :class:`~.attach_pdf.AttachPdfScreen`, a local PDF file for a
  paper (opened by :mod:`paperbrowse.ui.pdfs`, imported there on first use).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from paperbrowse.ui.screens.bookmark_filter import BookmarkFilterScreen
from paperbrowse.ui.screens.common import short_title
from paperbrowse.ui.screens.confirm import ConfirmScreen
from paperbrowse.ui.screens.export import RESULTS_EXPORT_CAP, ExportChoice, ExportScreen
from paperbrowse.ui.screens.filter import FilterScreen
from paperbrowse.ui.screens.help import QUERY_HELP, HelpScreen
from paperbrowse.ui.screens.lists import ListsScreen
from paperbrowse.ui.screens.note import NoteScreen
from paperbrowse.ui.screens.tags import TagsScreen, TagSuggester

if TYPE_CHECKING:
    from paperbrowse.ui.screens.import_screen import ImportScreen


def __getattr__(name: str):
    """``ImportScreen`` on first use (it imports :mod:`paperbrowse.core.ingest`)."""
    if name == "ImportScreen":
        from paperbrowse.ui.screens.import_screen import ImportScreen

        return ImportScreen
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "QUERY_HELP",
    "RESULTS_EXPORT_CAP",
    "BookmarkFilterScreen",
    "ConfirmScreen",
    "ExportChoice",
    "ExportScreen",
    "FilterScreen",
    "HelpScreen",
    "ImportScreen",
    "ListsScreen",
    "NoteScreen",
    "TagSuggester",
    "TagsScreen",
    "short_title",
]
