"""Turn the LaTeX fragments found in abstracts into Unicode.

Abstracts copied from paper pages are plain text with a few LaTeX fragments
left in (``Mat\\'ern``, ``0.5\\%``, ``\\pm``, ``{\\em ...}``, ``\\ie``) and
HTML entity leftovers (``samplesx2013less`` for ``&#x2013;``). Feeding the
whole text to a LaTeX parser would be wrong: a bare ``%`` would start a
comment and swallow the rest of the line, ``$`` would open math mode. So only
the fragments that look like LaTeX are converted, each with pylatexenc.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

# A LaTeX fragment: a brace group that starts with a macro, an accent macro
# with its letter, a macro with its braced arguments, or an escaped special.
_FRAGMENT = re.compile(
    r"""
      \{\\(?:[`'^"~=.]|[A-Za-z](?![A-Za-z]))\s*(?:\{[A-Za-z]?\}|[A-Za-z])\}  # {\'e} {\"{u}} {\H{o}}
    | \{\\[A-Za-z]+[^{}]*\}                                  # {\em text}, {\romannumeral1}
    | \\[`'^"~=.](?:\{[A-Za-z]?\}|[A-Za-z])                   # \'e  \"{o}
    | \\[A-Za-z]+\*?(?:\{[^{}]*\})*                           # \pm  \textsuperscript{2}  \method{}
    | \\[%&$\#_{}]                                           # \%  \&  \_
    """,
    re.VERBOSE,
)

# HTML numeric entities whose "&#" and ";" were lost when the page was copied.
_ENTITY_LEFTOVER = re.compile(r"(?<=[A-Za-z ])x(201[3489cd]|2026)(?=[A-Za-z0-9 ])")

# Abbreviation macros that papers define for themselves.
_EXTRA_MACROS = {
    "ie": "i.e.",
    "eg": "e.g.",
    "etal": "et al.",
    "wrt": "w.r.t.",
    "etc": "etc.",
    "vs": "vs.",
    "cf": "cf.",
    "pm": "±",
    "mp": "∓",
}


# Formatting macros that carry no text of their own: converting drops the
# macro and keeps its argument (``{\\em word}`` -> ``word``).
_FORMATTING_MACROS = frozenset(
    {
        "em", "it", "bf", "sc", "rm", "tt", "sf", "emph", "underline", "text",
        "textit", "textbf", "textsc", "textrm", "texttt", "textsf",
        "textsuperscript", "textsubscript", "romannumeral",
        "mathrm", "mathbf", "mathit", "mathcal",
    }
)  # fmt: skip


@lru_cache(maxsize=1)
def _converter() -> LatexNodes2Text:
    context = get_default_latex_context_db()
    extra = [MacroTextSpec(name, simplify_repl=text) for name, text in _EXTRA_MACROS.items()]
    context.add_context_category("paperbrowse", macros=extra, prepend=True)
    return LatexNodes2Text(latex_context=context, math_mode="text", strict_latex_spaces=False)


def _known_macro(fragment: str) -> bool:
    match = re.match(r"\{?\\([A-Za-z]+)", fragment)
    if not match:
        return True  # accents and escaped specials are always known
    name = match.group(1)
    if name in _FORMATTING_MACROS:
        return True
    return _converter().latex_context.get_macro_spec(name) is not None


def _convert(match: re.Match[str]) -> str:
    fragment = match.group(0)
    if not _known_macro(fragment):
        return fragment  # an author's own macro (e.g. \method{}): keep it visible
    try:
        return _converter().latex_to_text(fragment)
    except Exception:  # pylatexenc raises KeyError/IndexError on e.g. a macro missing its argument
        return fragment  # e.g. a \footnote{ that the capture cut off: keep what is there


def latex_to_unicode(text: str) -> str:
    """Replace the LaTeX fragments and entity leftovers in ``text`` by Unicode.

    Plain text passes through untouched (a bare ``%`` or ``$`` stays as it is).
    Unknown macros, such as a paper's own ``\\method{}``, are kept verbatim
    rather than silently dropped.

    Args:
        text: one title or abstract as captured.

    Returns:
        The text with fragments converted, e.g. ``Mat\\'ern`` → ``Matérn``,
        ``5\\%`` → ``5%``, ``0.8 \\pm 0.1`` → ``0.8 ± 0.1``.
    """
    if "\\" in text:
        text = _FRAGMENT.sub(_convert, text)
    if "x20" in text:
        text = _ENTITY_LEFTOVER.sub(lambda m: chr(int(m.group(1), 16)), text)
    return text
