"""BibTeX field values as LaTeX: decoded to Unicode text (:func:`latex_text`), braces checked."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from functools import lru_cache

from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

# pylatexenc logs warnings on odd LaTeX; Python's last-resort handler would
# print them over a terminal UI.
logging.getLogger("pylatexenc").addHandler(logging.NullHandler())

_BARE_SPECIAL = re.compile(r"(?<!\\)([%&])")
_LATEX_MARK = re.compile(r"[\\{}$~%&]|--|``|''|[!?]`")
_CONTROL_AT_END = re.compile(r"\\(?:[A-Za-z]+|['`^\"~=.])$")


@lru_cache(maxsize=1)
def _converter() -> LatexNodes2Text:
    context = get_default_latex_context_db()
    plain = [
        MacroTextSpec("textasciicircum", simplify_repl="^"),
        MacroTextSpec("textasciitilde", simplify_repl="~"),
        MacroTextSpec("textquotedbl", simplify_repl='"'),
        MacroTextSpec("textbraceleft", simplify_repl="{"),
        MacroTextSpec("textbraceright", simplify_repl="}"),
        MacroTextSpec("TeX", simplify_repl="TeX"),
        MacroTextSpec("LaTeX", simplify_repl="LaTeX"),
        MacroTextSpec("BibTeX", simplify_repl="BibTeX"),
        MacroTextSpec("url", simplify_repl="%s"),
    ]
    context.add_context_category("paperbrowse-bibtex", macros=plain, prepend=True)
    return LatexNodes2Text(latex_context=context, math_mode="text", strict_latex_spaces=False)


def _chunks(value: str) -> Iterator[str]:
    """Split a value at white space that is outside braces and math.

    White space after a control sequence (``\\ss e``, ``\\' e``) is not a split
    point, as LaTeX would join the two.
    """
    start = depth = 0
    math = False
    i, n = 0, len(value)
    while i < n:
        ch = value[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth = max(0, depth - 1)
        elif ch == "$":
            math = not math
        elif ch.isspace() and depth == 0 and not math:
            j = i
            while j < n and value[j].isspace():
                j += 1
            if not _CONTROL_AT_END.search(value, start, i):
                if i > start:
                    yield value[start:i]
                start = i = j
                continue
            i = j
            continue
        i += 1
    if start < n:
        yield value[start:]


@lru_cache(maxsize=8192)
def _decode_chunk(chunk: str) -> str:
    if not _LATEX_MARK.search(chunk):
        return chunk
    escaped = _BARE_SPECIAL.sub(r"\\\1", chunk)
    try:
        return _converter().latex_to_text(escaped)
    except Exception:  # pylatexenc can fail on badly broken LaTeX: keep the text as written
        return chunk


def latex_text(value: str) -> str:
    """Decode one BibTeX field value (LaTeX) to plain Unicode text.

    Braces vanish (``{L}o{RA}`` → ``LoRA``), accents and macros become
    characters (``Mat{\\'e}rn`` → ``Matérn``, ``\\&`` → ``&``), math is kept
    as text (``$\\beta$-VAE`` → ``β-VAE``), ``--`` becomes ``–`` (and
    ``-{}-`` stays ``--``), ``\\textbraceleft`` ``{``; a bare
    ``%`` or ``&`` is kept (BibTeX values are not LaTeX comments), and white
    space, including ``~``, is collapsed to single spaces. Unknown macros are
    dropped, their braced arguments kept (pylatexenc's behaviour).

    For speed, pylatexenc only sees the words (split at white space outside
    braces and math) that contain LaTeX; plain words pass through.
    """
    if not value:
        return ""
    decoded = (_decode_chunk(chunk) for chunk in _chunks(value))
    return " ".join(" ".join(decoded).split())


def balanced_braces(text: str) -> bool:
    """True when every ``}`` in ``text`` closes an earlier ``{`` and none is left open.

    Braces are counted as BibTeX counts them (Patashnik, *BibTeXing*, §4: no
    escape); the importer uses it to tell a corporate name ``{…}`` from
    ``{A} and {B}``, the exporter to choose how a value's braces are written.
    """
    depth = 0
    for char in text:
        if char in "{}":
            depth += 1 if char == "{" else -1
            if depth < 0:
                return False
    return depth == 0
