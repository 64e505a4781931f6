"""One BibTeX entry to a :class:`Paper`: which field goes where (see the package docstring)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

from bibtexparser.model import Entry

from paperbrowse.core.models import DAY, MONTH, YEAR, Paper, paper_id_for
from paperbrowse.core.sources.bibtex.latex import _LATEX_MARK, latex_text
from paperbrowse.core.sources.bibtex.names import parse_names
from paperbrowse.core.sources.common import (
    Record,
    SourceError,
    normalise_arxiv_id,
    normalise_doi,
)

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
_ISO_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
_ARXIV_URL = re.compile(r"arxiv\.org/(?:abs|pdf)/(.+?)(?:\.pdf)?/?(?:[?#].*)?$", re.IGNORECASE)
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(.+)$", re.IGNORECASE)
_ARXIV_JOURNAL = re.compile(r"arxiv:\s*(\S+)", re.IGNORECASE)
_DOI_PREFIX = re.compile(r"^(?:doi:\s*|https?://(?:dx\.)?doi\.org/)", re.IGNORECASE)
_OUR_ID = re.compile(r"(?:arxiv:\S+|pb:[0-9a-f]{12})")
_UPVOTES = re.compile(r"(\d+) upvotes? on Hugging Face", re.IGNORECASE)


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
