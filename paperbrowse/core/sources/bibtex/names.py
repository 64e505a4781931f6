"""Split BibTeX ``author`` and ``editor`` fields into names (BibTeX's *First von Last, Jr*)."""

from __future__ import annotations

import re

from bibtexparser.middlewares.names import parse_single_name_into_parts

from paperbrowse.core.models import Name
from paperbrowse.core.sources.bibtex.latex import balanced_braces, latex_text

_AND = re.compile(r"\s+and\s+", re.IGNORECASE)
_WHOLE_BRACED = re.compile(r"\{.*\}", re.DOTALL)


def _top_level_split(text: str, separator: re.Pattern[str]) -> list[str]:
    """Split ``text`` at ``separator`` matches outside braces (``\\{``, ``\\,`` are text)."""
    depth_at: list[int] = []
    depth = 0
    escaped = False
    for ch in text:
        depth_at.append(1 if escaped else depth)  # "\{", "\," are no braces or commas
        if not escaped:
            depth += 1 if ch == "{" else -1 if ch == "}" else 0
        escaped = ch == "\\" and not escaped
    parts: list[str] = []
    start = 0
    for match in separator.finditer(text):
        if depth_at[match.start()] == 0:
            parts.append(text[start : match.start()])
            start = match.end()
    parts.append(text[start:])
    return parts


def parse_names(value: str) -> tuple[tuple[Name, ...], bool]:
    """Split a BibTeX ``author`` or ``editor`` field into :class:`Name` parts.

    Names are separated by ``and`` outside braces and split into BibTeX's
    four parts (*First von Last, Jr*; ``Del Maestro, Adrian``, ``van der Berg,
    Vincent``, ``King, Jr., Martin``) by bibtexparser's
    ``parse_single_name_into_parts``, which follows BibTeX's own rules; each
    part is decoded to Unicode. A name that is one braced group
    (``{World Health Organization}``, ``{Barnes and Noble}``) is a corporate
    name and stays whole (:attr:`Name.literal`).

    Returns:
        ``(names, complete)``: the names, and whether the list is complete
        (``False`` when it ends in ``and others``).
    """
    names: list[Name] = []
    complete = True
    for part in _top_level_split(value.strip(), _AND):
        part = " ".join(part.split())
        if not part:
            continue
        if part.lower() == "others":
            complete = False
            continue
        if _WHOLE_BRACED.fullmatch(part) and balanced_braces(part[1:-1]):
            literal = latex_text(part)
            if literal:
                names.append(Name(literal=literal))
            continue
        try:
            parts = parse_single_name_into_parts(part, strict=False)
        except Exception:  # bibtexparser gives up on some broken names: keep it whole
            literal = latex_text(part)
            if literal:
                names.append(Name(literal=literal))
            continue
        name = Name(
            family=latex_text(" ".join(parts.last)),
            given=latex_text(" ".join(parts.first)),
            particle=latex_text(" ".join(parts.von)),
            suffix=latex_text(" ".join(parts.jr)),
        )
        if not name.family and (name.given or name.particle):  # "van" alone, say
            name = Name(literal=str(name))
        if str(name):
            names.append(name)
    return tuple(names), complete


def split_authors(value: str) -> tuple[tuple[str, ...], bool]:
    """Split a BibTeX ``author`` field into display names (``First von Last Jr``).

    Returns:
        ``(names, complete)`` as :func:`parse_names`, names as strings.
    """
    names, complete = parse_names(value)
    return tuple(str(n) for n in names), complete
