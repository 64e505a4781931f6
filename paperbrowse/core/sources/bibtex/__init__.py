"""Import papers from BibTeX (``.bib``) files.

The BibTeX format (Patashnik, *BibTeXing*, 1988; biblatex adds ``date``,
``eprinttype``...) is parsed with bibtexparser v2 (``bibtexparser.parse_string``):
``@string`` macros are resolved and the outer braces or quotes of values are
removed; blocks it cannot parse come back as failed blocks, the rest still parse.
Field values are LaTeX and are decoded to Unicode with pylatexenc's
``LatexNodes2Text`` (``Mat{\\'e}rn`` → ``Matérn``, ``{L}o{RA}`` → ``LoRA``,
``$\\beta$`` → ``β``); a bare ``%`` or ``&``, which BibTeX keeps as text, stays text.

What :func:`paperbrowse.core.export.render_bibtex` writes reads back as it was
(see that function for which fields), up to runs of white space.

Fields read (names are case-insensitive):

=============================  ===============================================
``title``                      :attr:`Paper.title` (required)
``author``                     :attr:`Paper.authors`: split on ``and``;
                               ``Last, First`` and ``von Last, Jr, First`` become
                               ``First von Last Jr``; ``{Brace Protected}``
                               names stay whole (``{Barnes and Noble}``,
                               ``{Martin Luther King, Jr.}``); ``and others`` is
                               dropped and leaves ``author_count`` unknown
``date``, ``year``, ``month``  :attr:`Paper.published`. biblatex ``date``
                               (``2020-06-13``, ``2020-06``) wins; else ``year``
                               with ``month`` (``jun``, ``June``, ``6``) and
                               ``day``. Paper dates have no precision, so a
                               month without a day gives the 1st, and a year
                               alone gives 1 January of that year.
``abstract``                   :attr:`Paper.abstract`
``doi``                        :attr:`Paper.doi`, without ``doi:`` or resolver
                               URL, in its own case (as the other importers of
                               exports keep it)
``eprint``                     :attr:`Paper.arxiv_id` when ``archivePrefix`` /
                               ``eprinttype`` is arXiv (or absent and the value
                               is an arXiv id); else from an arxiv.org ``url``,
                               an arXiv DOI (``10.48550/arXiv.ID``) or a
                               ``journal`` such as ``arXiv preprint arXiv:ID``
``primaryClass``               :attr:`Paper.categories`
``url``                        :attr:`Paper.url`; else the arXiv abstract page
                               or the DOI resolver link
``institution``,               :attr:`Paper.organisation`
``organization``
``note``                       :attr:`Paper.upvotes` from ``N upvotes on
                               Hugging Face`` (as paperbrowse exports it)
``paperbrowse-id``             :attr:`Paper.id` (``pb:`` + 12 hex digits or
                               ``arxiv:…``), which paperbrowse writes when the
                               title and arXiv id would not give it back; the
                               arXiv id of such an entry is its ``eprint`` only.
                               Otherwise the id is made from the title and arXiv
                               id
=============================  ===============================================

Records follow :mod:`~paperbrowse.core.sources.common`: a block that does not
parse, or an entry without a title, gives a
:class:`~paperbrowse.core.sources.common.SourceError` located ``"line N, entry
KEY"`` (1-based line of the block's ``@``); the other entries are still read.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping
from pathlib import Path

import bibtexparser
from bibtexparser.model import DuplicateBlockKeyBlock, Entry, ParsingFailedBlock, String

from paperbrowse.core.sources.bibtex.fields import (
    BOOKTITLE_TYPES,
    SCHOOL_TYPES,
    _entry_record,
    _location,
    _published,
    entry_arxiv_id,
)
from paperbrowse.core.sources.bibtex.latex import balanced_braces, latex_text
from paperbrowse.core.sources.bibtex.names import parse_names, split_authors
from paperbrowse.core.sources.common import (
    Record,
    SourceError,
    SourceUnavailable,
)

# bibtexparser logs every failed block; we report them as SourceErrors instead,
# and Python's last-resort handler would print them over a terminal UI.
logging.getLogger("bibtexparser").addHandler(logging.NullHandler())

_BLOCK_KEY = re.compile(r"@\s*\w+\s*[{(]\s*([^,\s{}()=]+)\s*,")


def _failed_record(block: ParsingFailedBlock, source: str) -> SourceError:
    key = getattr(block, "key", None)
    if key is None and (match := _BLOCK_KEY.match(block.raw or "")):
        key = match.group(1)
    if isinstance(block, DuplicateBlockKeyBlock):
        reason = f"duplicate entry key {key!r} (the first entry with it was read)"
    else:
        error = getattr(block.error, "abort_reason", None) or str(block.error)
        error = " ".join(str(error).split()) or type(block.error).__name__
        reason = f"cannot parse this block: {error}"
    return SourceError(source, _location(block.start_line + 1, key), reason)


def _resolve_value(raw: str, macros: Mapping[str, str]) -> str:
    """A field value as BibTeX reads it: its parts joined at top-level ``#``, each
    part's ``{...}`` or ``"..."`` delimiters dropped, and ``@string`` macros
    (case-insensitive, ``macros`` maps lower-case names to resolved values)
    replaced; an unknown macro (``jun``) and a number stay as written.
    A value whose braces or quotes do not balance is returned stripped, as is.
    """
    parts: list[str] = []
    depth, quoted, start = 0, False, 0
    for i, char in enumerate(raw):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == '"' and depth == 0 and raw[i - 1 : i] != "\\":
            quoted = not quoted
        elif char == "#" and depth == 0 and not quoted:
            parts.append(raw[start:i])
            start = i + 1
    if depth != 0 or quoted:
        return raw.strip()
    parts.append(raw[start:])
    out = []
    for part in (p.strip() for p in parts):
        if len(part) >= 2 and (part[0], part[-1]) in (("{", "}"), ('"', '"')):
            out.append(part[1:-1])
        else:
            out.append(macros.get(part.lower(), part))
    return "".join(out)


def parse_bibtex(text: str, source: str) -> Iterator[Record]:
    """Read BibTeX text.

    Args:
        text: the contents of a ``.bib`` file.
        source: name recorded in ``Paper.sources`` and ``SourceError.source``
            (the file name).

    Yields:
        In file order, one :class:`Paper` per entry (any entry type; the
        mapping is in the module docstring) and one :class:`SourceError` per
        block that does not parse or entry without a title, located
        ``"line N, entry KEY"`` (``"line N"`` when no key can be read).
        ``@string``, ``@preamble`` and comments yield nothing.
    """
    try:
        # no middleware: values keep their delimiters, so that "#" joins are told
        # apart from a "#" inside braces (_resolve_value does both jobs)
        library = bibtexparser.parse_string(text, parse_stack=[])
    except Exception as exc:  # bibtexparser may fail outright on pathological input
        yield SourceError(source, "file", f"cannot parse as BibTeX: {exc}")
        return
    macros: dict[str, str] = {}
    for block in library.blocks:
        if isinstance(block, String):
            macros[str(block.key).lower()] = _resolve_value(str(block.value), macros)
        elif isinstance(block, Entry):
            for field in block.fields:
                field.value = _resolve_value(str(field.value), macros)
            yield _entry_record(block, source)
        elif isinstance(block, ParsingFailedBlock):
            yield _failed_record(block, source)


def read_bibtex(path: Path | str) -> Iterator[Record]:
    """Read a ``.bib`` file (UTF-8, with or without a byte-order mark).

    The file is read at once (BibTeX files are small) when this is called, so
    an unreadable file raises here, not while iterating.

    Returns:
        An iterator of records as :func:`parse_bibtex` yields them, with the
        file name as source.

    Raises:
        SourceUnavailable: the file is missing, unreadable or not UTF-8; the
            message names the path.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceUnavailable(
            f"cannot read the BibTeX file {path}: {exc.strerror or exc}"
        ) from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SourceUnavailable(
            f"the BibTeX file {path} is not UTF-8 text (line {line}); save it as UTF-8"
        ) from exc
    return parse_bibtex(text, path.name)


__all__ = [
    "BOOKTITLE_TYPES",
    "SCHOOL_TYPES",
    "_published",
    "balanced_braces",
    "entry_arxiv_id",
    "latex_text",
    "parse_bibtex",
    "parse_names",
    "read_bibtex",
    "split_authors",
]
