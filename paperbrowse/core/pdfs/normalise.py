"""Clean the text a PDF extractor gives: ligatures, split accents, hyphenation, headers.

What TeX-made PDFs (most of arXiv) look like once extracted (checked with
pypdf and pdfminer.six on pdflatex output, see ``benchmarks/pdf_extract.py``):

* **Ligatures** may come as the presentation forms U+FB00–U+FB06
  (``ﬁ`` ``ﬂ`` ``ﬀ`` ``ﬃ`` ``ﬄ`` ``ﬅ`` ``ﬆ``) when the font's ToUnicode map
  says so; they are spelt out (``fi``, ``fl`` ...).
* **Accents** made by TeX's ``\\'e`` are a separate spacing accent glyph,
  extracted before the letter (``caf´e``, ``Fran¸cois``, ``na¨ıve`` with a
  dotless i) or, by other producers, after it (``e´``). A spacing accent
  (:data:`SPACING_ACCENTS`) next to a letter it composes with (NFC gives one
  character) becomes that character: the letter after it is tried first,
  then the one before. ``ı`` and ``ȷ`` under an accent become ``i``/``j``.
* **Hyphenation** at line ends (``coeffi-`` / ``cients``) is undone when the
  next line starts with a lower-case letter; the hyphen is kept when the same
  hyphenated word occurs elsewhere in the document inside a line
  (``self-supervised``).
* **Running headers and footers**: one of the first or last two lines of a
  page that recurs on at least half of the pages, and on three or more, is
  dropped, as are lines that are only a page number at a page's edge. A
  recurring line is at most :data:`MAX_RUNNING_CHARS` long; it may differ
  from page to page in one number only, one that counts with the pages
  (``Proceedings 2024, page 7``; not ``section 3 has the armadillo3``). A
  page keeps its recurring lines when dropping them would leave it empty
  (a page that is only a page number is empty).
* Soft hyphens (U+00AD) are removed; the result is NFC.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

#: Ligature presentation forms and what they stand for.
LIGATURES = {
    "\ufb00": "ff",
    "\ufb01": "fi",
    "\ufb02": "fl",
    "\ufb03": "ffi",
    "\ufb04": "ffl",
    "\ufb05": "st",
    "\ufb06": "st",
    "\u0132": "IJ",
    "\u0133": "ij",
}

#: Spacing accents (as a PDF's separate accent glyphs extract) → combining marks.
SPACING_ACCENTS = {
    "\u00b4": "\u0301",  # ´ acute
    "\u0060": "\u0300",  # ` grave
    "\u00a8": "\u0308",  # ¨ diaeresis
    "\u02c6": "\u0302",  # ˆ circumflex
    "\u02dc": "\u0303",  # ˜ tilde
    "\u00b8": "\u0327",  # ¸ cedilla
    "\u02c7": "\u030c",  # ˇ caron
    "\u02d8": "\u0306",  # ˘ breve
    "\u02d9": "\u0307",  # ˙ dot above
    "\u02da": "\u030a",  # ˚ ring above
    "\u02dd": "\u030b",  # ˝ double acute
    "\u00af": "\u0304",  # ¯ macron
    "\u02db": "\u0328",  # ˛ ogonek
}

_DOTLESS = {"\u0131": "i", "\u0237": "j"}
_LIGATURE_TABLE = str.maketrans({**LIGATURES, "\u00ad": None})
_HYPHENATED = re.compile(r"(\w+)-\n[ \t]*([a-zà-ÿ]\w*)")
_COMPOUND = re.compile(r"\b\w+-\w+\b")
_PAGE_NUMBER = re.compile(r"^\s*(?:page\s+)?\d{1,4}(?:\s*(?:/|of)\s*\d{1,4})?\s*$", re.IGNORECASE)
_DIGITS = re.compile(r"\d+")
#: A line longer than this (characters) is never taken for a running header.
MAX_RUNNING_CHARS = 80


def _compose(letter: str, accent: str) -> str | None:
    """``letter`` with the spacing ``accent`` as one character, or ``None``."""
    if not letter.isalpha():
        return None
    base = _DOTLESS.get(letter, letter)
    composed = unicodedata.normalize("NFC", base + SPACING_ACCENTS[accent])
    return composed if len(composed) == 1 else None


def join_accents(text: str) -> str:
    """Put split accents back on their letters: ``caf´e`` and ``cafe´`` → ``café``.

    See the module docstring; an accent that composes with neither neighbour
    (``a ´ b``, ``x^2``) is left as it is.
    """
    if not any(ch in SPACING_ACCENTS for ch in text):
        return text
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in SPACING_ACCENTS:
            after = _compose(text[i + 1], ch) if i + 1 < n else None
            if after is not None:
                out.append(after)
                i += 2
                continue
            before = _compose(out[-1], ch) if out else None
            if before is not None:
                out[-1] = before
                i += 1
                continue
        out.append(ch)
        i += 1
    return "".join(out)


def normalise_text(text: str) -> str:
    """One page's text with ligatures spelt out, soft hyphens dropped, split
    accents joined, NFC (no dehyphenation: see :func:`normalise_pages`)."""
    return unicodedata.normalize("NFC", join_accents(text.translate(_LIGATURE_TABLE)))


def dehyphenate(text: str, compounds: set[str] | frozenset[str] = frozenset()) -> str:
    """Join words hyphenated at line ends (``coeffi-\\ncients`` → ``coefficients``).

    Args:
        text: page text, lines separated by ``\\n``.
        compounds: hyphenated words (lower case) known to be written with their
            hyphen (``self-supervised``): those keep it, joined on one line.
    """

    def join(match: re.Match[str]) -> str:
        head, tail = match.group(1), match.group(2)
        hyphen = "-" if f"{head}-{tail}".lower() in compounds else ""
        return f"{head}{hyphen}{tail}\n"

    # the rest of the line the tail came from moves up with it: keep one break after it
    return _HYPHENATED.sub(join, text).replace("\n ", "\n")


def _edge_lines(lines: list[str], width: int = 2) -> list[int]:
    """Indexes of the first and last ``width`` non-blank lines."""
    filled = [i for i, line in enumerate(lines) if line.strip()]
    return sorted(set(filled[:width] + filled[-width:]))


def _counts_pages(found: dict[int, tuple[str, ...]]) -> bool:
    """Whether the numbers of one recurring line (page index → its digit groups)
    vary like a running header's: none varies, or only one, by the page index
    plus a constant (a page number)."""
    groups = list(found.items())
    width = len(groups[0][1])
    varying = [k for k in range(width) if len({numbers[k] for _, numbers in groups}) > 1]
    if not varying:
        return True
    if len(varying) > 1:
        return False
    k = varying[0]
    return len({int(numbers[k]) - page for page, numbers in groups}) == 1


def _running_key(line: str) -> str | None:
    """``line`` with its numbers as ``#`` if it may be a running header, else ``None``."""
    line = line.strip()
    if not line or len(line) > MAX_RUNNING_CHARS:
        return None
    key = _DIGITS.sub("#", line)
    return key if key.strip("# ") else None


def strip_headers(pages: Sequence[str]) -> list[str]:
    """Drop running headers/footers and page-number lines at page edges (see module).

    Returns:
        As many strings as ``pages``; a page that would be left without text
        is returned as it was.
    """
    split = [page.split("\n") for page in pages]
    edges = [_edge_lines(lines) for lines in split]
    seen: dict[str, dict[int, tuple[str, ...]]] = {}
    for page, (lines, indexes) in enumerate(zip(split, edges, strict=True)):
        for i in indexes:
            key = _running_key(lines[i])
            if key is not None:
                seen.setdefault(key, {}).setdefault(page, tuple(_DIGITS.findall(lines[i])))
    needed = max(3, (len(pages) + 1) // 2)
    running = {key for key, found in seen.items() if len(found) >= needed and _counts_pages(found)}
    result = []
    for lines, indexes in zip(split, edges, strict=True):
        numbers = {i for i in indexes if _PAGE_NUMBER.match(lines[i])}
        drop = numbers | {i for i in indexes if _running_key(lines[i]) in running}
        kept = [line for i, line in enumerate(lines) if i not in drop]
        if not any(line.strip() for line in kept):  # never empty a page of its text
            kept = [line for i, line in enumerate(lines) if i not in numbers]
        result.append("\n".join(kept))
    return result


def normalise_pages(pages: Sequence[str]) -> list[str]:
    """The text of a document's pages, cleaned as the module docstring says.

    Args:
        pages: raw extracted text per page, page 1 first.

    Returns:
        As many strings as ``pages``, in the same order.
    """
    cleaned = [normalise_text(page) for page in pages]
    if len(cleaned) >= 3:
        cleaned = strip_headers(cleaned)
    compounds = {
        word.lower()
        for page in cleaned
        for line in page.split("\n")
        for word in _COMPOUND.findall(line)
    }
    return [dehyphenate(page, compounds).strip() for page in cleaned]
