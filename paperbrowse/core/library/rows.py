"""How the library writes a row: the time stamps, a paper as JSON, the de-duplication keys.

Shared by every part of :mod:`paperbrowse.core.library` (and its migrations).
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime

from paperbrowse.core.models import Paper, normalise_title


def _doi_key(doi: str | None) -> str | None:
    """A DOI as de-duplication compares it: lower case; ``None`` if empty."""
    return doi.lower() if doi else None


def _title_key(title: str | None) -> str | None:
    """:func:`~paperbrowse.core.models.normalise_title`; ``None`` if empty."""
    return normalise_title(title) or None if title else None


def _keys(paper: Paper) -> tuple[str | None, str | None, str | None]:
    """``(arxiv_id, doi_key, title_key)`` of a stored paper's row."""
    return paper.arxiv_id or None, _doi_key(paper.doi), _title_key(paper.title)


def utc_now() -> str:
    """The current time as the library stores it: ISO 8601 in UTC, to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def _now() -> str:
    """:func:`utc_now`, looked up as ``paperbrowse.core.library._now`` at each call,
    so that fixing the clock there (the UI snapshot tests do) fixes it for every part."""
    return sys.modules[__package__]._now()


def _paper_json(paper: Paper) -> str:
    """``paper`` as the ``paper`` columns hold it: ``Paper.to_dict()`` as JSON (TypeError
    for anything but a :class:`Paper`)."""
    if not isinstance(paper, Paper):
        raise TypeError(f"expected a Paper, got {type(paper).__name__}")
    return json.dumps(paper.to_dict(), ensure_ascii=False)
