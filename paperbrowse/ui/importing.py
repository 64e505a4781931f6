"""Importing papers from the app: the messages of the import worker, and (re-exported)
the dialog, :class:`~paperbrowse.ui.screens.import_screen.ImportScreen`.

The worker itself is :meth:`PaperBrowseApp.run_import`; it calls the same
core function as ``paperbrowse add``
(:func:`~paperbrowse.core.ingest.import_records`).
"""

from __future__ import annotations

from textual.message import Message

from paperbrowse.core.ingest import ImportSummary
from paperbrowse.ui.screens.import_screen import KIND_LABELS, PLACEHOLDERS, ImportScreen

__all__ = ["KIND_LABELS", "PLACEHOLDERS", "ImportFinished", "ImportProgress", "ImportScreen"]


class ImportProgress(Message):
    """The running counts of an import (posted every 100 records and per batch);
    ``summary`` is ``None`` while the import waits for another one to finish."""

    def __init__(self, label: str, summary: ImportSummary | None) -> None:
        super().__init__()
        self.label = label
        self.summary = summary


class ImportFinished(Message):
    """An import ended: ``summary`` when it ran, ``error`` when it could not."""

    def __init__(self, label: str, summary: ImportSummary | None, error: str | None = None) -> None:
        super().__init__()
        self.label = label
        self.summary = summary
        self.error = error
