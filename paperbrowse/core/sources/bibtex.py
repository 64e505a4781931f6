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
from datetime import date
from functools import lru_cache
from pathlib import Path

import bibtexparser
from bibtexparser.middlewares.names import parse_single_name_into_parts
from bibtexparser.model import DuplicateBlockKeyBlock, Entry, ParsingFailedBlock, String
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

from paperbrowse.core.models import DAY, MONTH, YEAR, Name, Paper, paper_id_for
from paperbrowse.core.sources.common import (
    Record,
    SourceError,
    SourceUnavailable,
    normalise_arxiv_id,
    normalise_doi,
)

# bibtexparser logs every failed block; we report them as SourceErrors instead,
# and Python's last-resort handler would print them over a terminal UI.
logging.getLogger("bibtexparser").addHandler(logging.NullHandler())
logging.getLogger("pylatexenc").addHandler(logging.NullHandler())  # same for its warnings

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        1,
    )
    for name in names
}
_AND = re.compile(r"\s+and\s+", re.IGNORECASE)
_WHOLE_BRACED = re.compile(r"\{.*\}", re.DOTALL)
_BARE_SPECIAL = re.compile(r"(?<!\\)([%&])")
_LATEX_MARK = re.compile(r"[\\{}$~%&]|--|``|''|[!?]`")
_CONTROL_AT_END = re.compile(r"\\(?:[A-Za-z]+|['`^\"~=.])$")
_BLOCK_KEY = re.compile(r"@\s*\w+\s*[{(]\s*([^,\s{}()=]+)\s*,")
_ISO_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
_ARXIV_URL = re.compile(r"arxiv\.org/(?:abs|pdf)/(.+?)(?:\.pdf)?/?(?:[?#].*)?$", re.IGNORECASE)
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(.+)$", re.IGNORECASE)
_ARXIV_JOURNAL = re.compile(r"arxiv:\s*(\S+)", re.IGNORECASE)
_DOI_PREFIX = re.compile(r"^(?:doi:\s*|https?://(?:dx\.)?doi\.org/)", re.IGNORECASE)
_OUR_ID = re.compile(r"(?:arxiv:\S+|pb:[0-9a-f]{12})")
_UPVOTES = re.compile(r"(\d+) upvotes? on Hugging Face", re.IGNORECASE)


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
        if _WHOLE_BRACED.fullmatch(part) and _balanced_braces(part[1:-1]):
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


def _balanced_braces(text: str) -> bool:
    depth = 0
    for char in text:
        if char in "{}":
            depth += 1 if char == "{" else -1
            if depth < 0:
                return False
    return depth == 0


def _int(text: str | None) -> int | None:
    match = re.search(r"\d+", text or "")
    return int(match.group()) if match else None


def _published(fields: Mapping[str, str]) -> tuple[date | None, int]:
    """``(date, parts known)`` from biblatex ``date`` or ``year``/``month``/``day``.

    Never invents a part: ``year = 2020`` alone is ``(2020-01-01, YEAR)``.
    A month or day out of range is dropped (the year is kept).
    """
    if match := _ISO_DATE.match(latex_text(fields.get("date", ""))):
        year, month, day = (int(g) if g else None for g in match.groups())
    else:
        year = _int(latex_text(fields.get("year", "")))
        month_text = latex_text(fields.get("month", "")).lower().rstrip(".")
        month = _MONTHS.get(month_text) or _MONTHS.get(month_text[:3]) or _int(month_text)
        day = _int(latex_text(fields.get("day", ""))) if month else None
    if year is None or not 1 <= year <= 9999:
        return None, DAY
    for parts, args in ((DAY, (year, month, day)), (MONTH, (year, month, 1)), (YEAR, (year, 1, 1))):
        if None in args:
            continue
        try:
            return date(*args), parts
        except ValueError:
            continue
    return None, DAY


def _plain(value: str) -> str:
    """A URL, DOI or identifier: no braces, ``\\url{}`` or LaTeX escapes."""
    value = re.sub(r"^\\url\s*", "", value.strip())
    value = re.sub(r"\\([_%&#~$])", r"\1", value)
    return value.replace("{", "").replace("}", "").strip()


def _doi(fields: dict[str, str]) -> str | None:
    """The DOI without ``doi:`` or resolver URL, its case kept (so exports round-trip)."""
    text = _plain(fields.get("doi", ""))
    if not normalise_doi(text):
        return None
    return _DOI_PREFIX.sub("", text)


def entry_arxiv_id(fields: Mapping[str, str], *, eprint_only: bool = False) -> str | None:
    """The arXiv id of an entry, from its raw field values (names in lower case).

    From ``eprint`` (see the module docstring); unless ``eprint_only``, else
    from an arxiv.org ``url``, an arXiv ``doi`` or the ``journal``.
    """
    eprint = _plain(fields.get("eprint", ""))
    archive = _plain(fields.get("archiveprefix", "") or fields.get("eprinttype", "")).lower()
    if eprint and archive in ("", "arxiv") and (found := normalise_arxiv_id(eprint)):
        return found
    if eprint_only:
        return None
    candidates = (
        _ARXIV_URL.search(_plain(fields.get("url", ""))),
        _ARXIV_DOI.match(_plain(fields.get("doi", ""))),
    )
    for match in candidates:
        if match and (found := normalise_arxiv_id(match.group(1))):
            return found
    if match := _ARXIV_JOURNAL.search(_plain(fields.get("journal", ""))):
        return normalise_arxiv_id(match.group(1).rstrip(".,;"))
    return None


def _location(line: int, key: str | None) -> str:
    return f"line {line}, entry {key}" if key else f"line {line}"


#: Entry types whose container is a ``booktitle`` (the others' is a ``journal``).
BOOKTITLE_TYPES = frozenset(
    {"inproceedings", "conference", "incollection", "inbook", "bookinbook", "suppbook"}
    | {"inreference", "suppcollection"}
)
#: Entry types whose ``institution`` is written ``school``.
SCHOOL_TYPES = frozenset({"phdthesis", "mastersthesis", "thesis"})

#: BibTeX field -> Paper attribute, for plain text fields decoded from LaTeX.
_TEXT_FIELDS = {
    "volume": "volume",
    "number": "number",
    "pages": "pages",
    "edition": "edition",
    "series": "series",
    "publisher": "publisher",
    "address": "address",
    "howpublished": "howpublished",
    "note": "note",
}
#: BibTeX fields that are identifiers: no LaTeX decoding, braces dropped.
_ID_FIELDS = {"isbn": "isbn", "issn": "issn"}
#: Fields read into the record in some other way (never kept in ``extra``).
_READ_FIELDS = frozenset(
    {"title", "author", "editor", "abstract", "doi", "url", "year", "month", "day"}
    | {"eprint", "archiveprefix", "eprinttype", "primaryclass", "eprintclass", "paperbrowse-id"}
    | {"journal", "journaltitle", "booktitle", "institution", "school"}
    | set(_TEXT_FIELDS)
    | set(_ID_FIELDS)
)


def _raw_latex(value: str) -> str:
    """A field's LaTeX with white space collapsed (how it is kept and compared)."""
    return " ".join(value.split())


def _entry_record(entry: Entry, source: str) -> Record:
    written = [(key, str(field.value)) for key, field in entry.fields_dict.items()]
    fields = {key.lower(): value for key, value in written}
    location = _location(entry.start_line + 1, entry.key)
    title = latex_text(fields.get("title", ""))
    if not title:
        return SourceError(source, location, f"@{entry.entry_type} entry without a title")
    entry_type = entry.entry_type.lower()
    names, complete = parse_names(fields.get("author", ""))
    editors, _ = parse_names(fields.get("editor", ""))
    # paperbrowse's own id, written by earlier releases when the title and arXiv id
    # did not give it back; such entries are paperbrowse's, whose arXiv id is the eprint
    our_id = _plain(fields.get("paperbrowse-id", ""))
    our_id = our_id if _OUR_ID.fullmatch(our_id) else ""
    arxiv_id = entry_arxiv_id(fields, eprint_only=bool(our_id))
    archive = _plain(fields.get("archiveprefix", "") or fields.get("eprinttype", "")).lower()
    eprint_is_arxiv = bool(arxiv_id) and archive in ("", "arxiv") and bool(fields.get("eprint"))
    doi = _doi(fields)
    url = _plain(fields.get("url", "")) or None
    published, date_parts = _published(fields)
    legacy_upvotes = _UPVOTES.fullmatch(latex_text(fields.get("note", "")))

    values: dict[str, str] = {}
    latex: list[tuple[str, str]] = []
    extra: list[tuple[str, str]] = []

    def take(name: str, field: str, raw: str) -> None:
        value = latex_text(raw)
        if value:
            values[name] = value
            raw = _raw_latex(raw)
            if _LATEX_MARK.search(raw):
                latex.append((field, raw))

    container_field = "booktitle" if entry_type in BOOKTITLE_TYPES else "journal"
    school_field = "school" if entry_type in SCHOOL_TYPES else "institution"
    containers = [k for k in ("journal", "journaltitle", "booktitle") if fields.get(k)]
    chosen = container_field if container_field in containers else None
    if chosen is None and container_field == "journal" and "journaltitle" in containers:
        chosen = "journaltitle"
    if chosen is None and containers:
        chosen = containers[0]
    schools = [k for k in ("institution", "school") if fields.get(k)]
    school = school_field if school_field in schools else (schools[0] if schools else None)
    for key, raw in written:
        low = key.lower()
        if low == chosen:
            take("container", "container", raw)
        elif low == school:
            take("institution", "institution", raw)
        elif low in _TEXT_FIELDS:
            if low == "note" and legacy_upvotes:
                continue
            take(_TEXT_FIELDS[low], low, raw)
        elif low in _ID_FIELDS:
            if value := _plain(raw):
                values[_ID_FIELDS[low]] = value
        elif low == "title":  # always kept: its braces say what a style may re-case
            latex.append(("title", _raw_latex(raw)))
        elif low == "abstract":
            raw_abstract = _raw_latex(raw)
            if _LATEX_MARK.search(raw_abstract):
                latex.append(("abstract", raw_abstract))
        elif low in ("eprint", "archiveprefix", "eprinttype", "primaryclass", "eprintclass"):
            if not eprint_is_arxiv:
                extra.append((key, raw))
        elif low == "date":
            if not _ISO_DATE.fullmatch(_plain(raw)):  # a range or EDTF beyond a plain date
                extra.append((key, raw))
        elif low not in _READ_FIELDS or low in ("journal", "journaltitle", "booktitle"):
            extra.append((key, raw))
        elif low in ("institution", "school"):
            extra.append((key, raw))  # the one the entry type does not use
        elif low == "day" and date_parts < DAY:
            extra.append((key, raw))  # a day that did not make a date
        elif low == "month" and published and date_parts < MONTH and "date" not in fields:
            extra.append((key, raw))  # a month that could not be read ("Summer"): as written
        elif (low, bool({"month": published, "url": url, "doi": doi}.get(low, 1))) in (
            ("month", False),
            ("url", False),
            ("doi", False),
        ):
            extra.append((key, raw))  # a value that could not be read: kept as written
    if url is None and arxiv_id:
        url = f"https://arxiv.org/abs/{arxiv_id}"
    elif url is None and doi:
        url = f"https://doi.org/{doi}"
    primary = latex_text(fields.get("primaryclass", "") or fields.get("eprintclass", ""))
    authors = tuple(str(n) for n in names)
    if not complete:  # "and others": kept so that an export says it again
        latex.append(("author", _raw_latex(fields["author"])))
    return Paper(
        id=our_id or paper_id_for(title, arxiv_id),
        title=title,
        abstract=latex_text(fields.get("abstract", "")),
        authors=authors,
        names=names,
        author_count=len(authors) if authors and complete else None,
        published=published,
        date_parts=date_parts,
        upvotes=int(legacy_upvotes.group(1)) if legacy_upvotes else None,
        arxiv_id=arxiv_id,
        sources=(source,),
        url=url,
        doi=doi,
        categories=(primary,) if primary and eprint_is_arxiv else (),
        entry_type=entry_type,
        citation_key=entry.key if entry.key else None,
        editors=editors,
        extra=tuple(extra),
        latex=tuple(latex),
        **values,
    )


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
