"""Formatted citations: one paper as a reference-list entry in a CSL style.

The text is made by citeproc-py (the CSL 1.0.2 processor) from the CSL-JSON
item the CSL-JSON export writes for the paper (CSL 1.0.2 data schema), with a
CSL style:
by default :data:`DEFAULT_STYLE`, paperbrowse's copy of Cite Them Right
(Harvard) from the citeproc-py package, changed so that a paper without
authors starts with its title once (see the comment in that file). Any other
CSL 1.0 style file can be given, such as the original
(:func:`bundled_style`).
"""

from __future__ import annotations

import warnings
from functools import lru_cache
from pathlib import Path
from typing import Any

from paperbrowse.core.export import csl_item as export_csl_item
from paperbrowse.core.export import export_keys, for_citeproc
from paperbrowse.core.library import Bookmark
from paperbrowse.core.models import Paper

#: paperbrowse's Harvard style (Cite Them Right, a title-first entry without authors).
DEFAULT_STYLE = Path(__file__).with_name("styles") / "harvard-paperbrowse.csl"


def bundled_style() -> Path:
    """The ``harvard-cite-them-right.csl`` that ships inside the citeproc-py package.

    Raises:
        FileNotFoundError: this citeproc-py has no such style file.
    """
    import citeproc

    path = Path(citeproc.STYLES_PATH) / "harvard-cite-them-right.csl"
    if not path.is_file():
        raise FileNotFoundError(path)
    return path


def format_citation(paper: Paper, style: Path | str | None = None) -> str:
    """The reference-list entry of ``paper`` as plain text, formatted by citeproc-py.

    Such as ``Del Maestro, A., Rosenow, B. and Sachdev, S. (2006) “From stripe
    to checkerboard order on the square lattice…”, Physical Review B, 74(2),
    p. 024520. Available at: https://doi.org/10.1103/PhysRevB.74.024520.``

    A paper without authors starts with its title (``“Title” (2020), …``); a
    paper without a date says what the style says (Cite Them Right: "no date").

    Args:
        paper: the paper; only its bibliographic fields are used.
        style: a CSL 1.0 style file; :data:`DEFAULT_STYLE` when omitted.

    Returns:
        One line of plain text (citeproc-py's ``formatter.plain``), no markup.

    Raises:
        FileNotFoundError: ``style`` does not exist.
    """
    from citeproc import (
        Citation,
        CitationItem,
        CitationStylesBibliography,
        formatter,
    )
    from citeproc.source.json import CiteProcJSON

    item = csl_item(paper)
    with warnings.catch_warnings():
        # citeproc-py warns about item variables it does not support; csl_item
        # writes CSL variables only, and a warning must never reach the terminal
        warnings.simplefilter("ignore")
        source = CiteProcJSON([item])
        bibliography = CitationStylesBibliography(
            _style(str(style or DEFAULT_STYLE)), source, formatter.plain
        )
        bibliography.register(Citation([CitationItem(item["id"])]))
        entries = bibliography.bibliography()
    return " ".join(str(entries[0]).split()) if entries else paper.title


@lru_cache(maxsize=4)
def _style(path: str):
    """The parsed style of ``path`` (parsed once: a style is ~50 KB of XML)."""
    from citeproc import CitationStylesStyle

    if not Path(path).is_file():
        raise FileNotFoundError(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return CitationStylesStyle(path, validate=False)


def csl_item(paper: Paper) -> dict[str, Any]:
    """The CSL-JSON item (CSL 1.0.2 variables only) citeproc-py formats for ``paper``.

    The CSL-JSON export's item (:func:`paperbrowse.core.export.csl_item`, for
    the paper without bookmark data) with only the variables citeproc-py
    knows (:func:`paperbrowse.core.export.for_citeproc`), so a citation and a
    CSL-JSON export of the same paper cannot disagree.

    Returns:
        A JSON-ready dict; its ``id`` is the citation key the export gives
        the paper (its own key when it has one).
    """
    bookmark = Bookmark(paper, None)
    key = export_keys([bookmark])[0]
    return for_citeproc([export_csl_item(bookmark, key)])[0]
