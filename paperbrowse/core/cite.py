"""Formatted citations: one paper as a reference-list entry in a CSL style.

The text is made by citeproc-py (the CSL 1.0.2 processor) from a CSL-JSON item
(CSL 1.0.2 data schema) built here from the paper's record, with a CSL style:
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

from paperbrowse.core.export import csl_name, csl_type
from paperbrowse.core.models import Paper

#: paperbrowse's Harvard style (Cite Them Right, a title-first entry without authors).
DEFAULT_STYLE = Path(__file__).with_name("styles") / "harvard-paperbrowse.csl"

_GENRES = {
    "phdthesis": "PhD thesis",
    "mastersthesis": "Master's thesis",
    "techreport": "Technical report",
}


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

    ``type`` from the BibTeX entry type (an untyped paper with a journal is an
    ``article-journal``, an arXiv preprint an ``article`` in container
    ``arXiv``); ``issued`` with only the known date parts; ``container-title``,
    ``volume``, ``issue`` (BibTeX ``number`` of an article or paper, else
    ``number``), ``page``, ``publisher`` (the school of a thesis, the
    institution of a report), ``publisher-place``, ``edition``,
    ``collection-title`` (series), ``genre`` (thesis and report kinds),
    ``ISBN``, ``ISSN``, ``DOI`` and ``URL`` (an arXiv paper's abstract page, else its link).

    Returns:
        A JSON-ready dict; its ``id`` is the citation key, else the paper id.
    """
    p = paper
    kind = csl_type(p)
    item: dict[str, Any] = {"id": p.citation_key or p.id, "type": kind, "title": p.title}
    if p.authors:
        item["author"] = [csl_name(n) for n in p.author_names]
    if p.editors:
        item["editor"] = [csl_name(n) for n in p.editors]
    if p.date_list:
        item["issued"] = {"date-parts": [p.date_list]}
    container = p.container or p.journal_ref
    if not container and p.arxiv_id and kind == "article":
        container = "arXiv"
    fields: dict[str, str | None] = {
        "container-title": container,
        "volume": p.volume,
        "page": p.pages,
        "edition": p.edition,
        "collection-title": p.series,
        "publisher-place": p.address,
        "ISBN": p.isbn,
        "ISSN": p.issn,
        "DOI": p.doi,
        "URL": f"https://arxiv.org/abs/{p.arxiv_id}" if p.arxiv_id else p.url,
    }
    number_as = "issue" if kind in ("article-journal", "paper-conference", "article") else "number"
    fields[number_as] = p.number
    if kind in ("thesis", "report"):
        fields["publisher"] = p.institution or p.publisher
        fields["genre"] = _GENRES.get((p.entry_type or "").lower())
    else:
        fields["publisher"] = p.publisher
    item.update({k: v for k, v in fields.items() if v})
    return item
