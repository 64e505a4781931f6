"""Re-import paperbrowse's own exports: JSON, CSV, CSL-JSON and RIS.

What :mod:`paperbrowse.core.export` writes in these formats reads back to the
same papers, every field of :class:`Paper` (but ``sources``, which names the
file read): tested as library → export → import and import → export → import
in ``tests/unit/test_roundtrip.py``. CSV holds names as display strings, so
their split into :class:`Name` parts is made again by :meth:`Name.parse`.
Dates keep their known parts (``date_parts``): a year-only date stays a year.
Files from other tools in these formats are read too, as far as they use the
same fields.

Not read here: BibTeX (use :func:`paperbrowse.core.sources.bibtex.read_bibtex`)
and Markdown, which is written for people. Bookmark data in the exports
(tags, status, the user's note, lists, time added) is not part of a
:class:`Paper` and is not returned.

Formats (see :mod:`paperbrowse.core.export` for how they are written):

* ``json``: paperbrowse's JSON, ``{"papers": [Paper.to_dict(), ...]}`` (a
  bare array of such objects is accepted too), read by
  :meth:`Paper.from_dict`; in files from before ``user_note``, ``note`` was
  the user's note and is skipped. Location of a bad item: ``"item N"``
  (1-based); a file that is not JSON: ``"line L, column C"``.
* ``csv``: RFC 4180 with a header row naming
  :data:`~paperbrowse.core.export.CSV_COLUMNS` (only ``title`` is required);
  authors, editors and categories separated by ``;``. Location: ``"line N"``,
  the line the row starts on.
* ``csljson``: a CSL-JSON array (CSL 1.0.2 data schema,
  https://github.com/citation-style-language/schema/blob/master/schemas/input/csl-data.json).
  Names from their parts (``dropping-particle`` and ``non-dropping-particle``
  both become :attr:`Name.particle`) or ``literal``; ``issued`` from
  ``date-parts`` (as many parts as given), an EDTF/ISO string, ``raw`` or
  ``literal``; ``container-title``, ``volume``, ``issue``/``number``,
  ``page``, ``edition``, ``collection-title``, ``publisher``,
  ``publisher-place``, ``ISBN``, ``ISSN``, ``note``. In paperbrowse's files
  (``custom`` has ``paperbrowse-id``) the rest comes from ``custom`` (see
  :func:`paperbrowse.core.export.private_data`), and variables it lists as
  ``synthesised`` (a preprint's ``publisher`` "arXiv", a thesis's ``genre``)
  are skipped. In other files the type gives the entry type
  (``article-journal`` → ``article``, ``thesis`` → ``phdthesis`` or, with a
  genre naming a master's, ``mastersthesis`` …) and a report's or thesis's
  publisher is its institution. Location: ``"item N (id)"``.
* ``ris``: RIS records (``TY  - `` … ``ER  - ``); lines without a tag continue
  the previous value. ``TI``/``T1`` title, ``AU``/``A1`` authors and
  ``A2``/``ED`` editors (:func:`~paperbrowse.core.export.read_ris_name`),
  ``DA`` (``YYYY/MM/DD/``, parts may be empty) then ``PY``/``Y1``;
  ``JO``/``JF``/``JA``/``T2`` container, ``T3`` series, ``VL``, ``IS``,
  ``SP``–``EP`` pages, ``ET``, ``PB``, ``CY``, ``SN``, ``AB``/``N2``, ``DO``,
  ``UR``, ``AN`` arXiv id (``arXiv:ID``), ``ID`` the citation key; a ``C8``
  line ``paperbrowse {json}`` gives the private data as in CSL-JSON. Files
  exported by paperbrowse before it (``ID`` a paperbrowse id, the
  organisation in ``AD``) are read as they were meant; in other files ``AD``
  is an address and is not read. Location: ``"line N"``.

In files not written by paperbrowse, the arXiv id is also taken from an
arxiv.org ``URL``/``UR`` or an arXiv DOI (``10.48550/arXiv.ID``); paperbrowse's
own files carry it explicitly, so a paper with an arXiv link but no arXiv id
comes back as it was. DOIs lose a ``doi:`` or resolver prefix but keep their
case, so they round-trip. A key-like ``id``/``ID`` of another tool's file
(``smith2019``, not a number or a URL) becomes the citation key.

A paper id not carried by the file is made with
:func:`~paperbrowse.core.models.paper_id_for` from the title and arXiv id.
Every record is a :class:`Paper` or a
:class:`~paperbrowse.core.sources.common.SourceError`; one bad record never
stops the others.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from paperbrowse.core.export import (
    RIS_PRIVATE_PREFIX,
    format_for_path,
    normalise_format,
    read_ris_name,
)
from paperbrowse.core.models import (
    BIB_FIELDS,
    DAY,
    MONTH,
    YEAR,
    Name,
    Paper,
    paper_id_for,
    parse_partial_date,
)
from paperbrowse.core.sources.common import (
    Record,
    SourceError,
    SourceUnavailable,
    normalise_arxiv_id,
    normalise_doi,
)

#: Formats :func:`read_export` reads.
READABLE_FORMATS = ("json", "csv", "csljson", "ris")

_OUR_ID = re.compile(r"(?:arxiv:\S+|pb:[0-9a-f]{12})")
_DOI_PREFIX = re.compile(r"^(?:doi:\s*|https?://(?:dx\.)?doi\.org/)", re.IGNORECASE)
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(.+)$", re.IGNORECASE)
_ISO_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
_RIS_DATE = re.compile(r"(\d{4})(?:/(\d{1,2})?(?:/(\d{1,2})?(?:/.*)?)?)?")
_KEY_LIKE = re.compile(r"[A-Za-z][A-Za-z0-9_:.+-]{0,199}")
_RIS_LINE = re.compile(r"^([A-Z][A-Z0-9]) {1,2}-(?: (.*))?$")


class _Bad(ValueError):
    """One record is unusable; the message says why."""


# -- shared helpers -----------------------------------------------------------------


def _doi(text: str | None) -> str | None:
    """The DOI without ``doi:`` or resolver URL, case kept (so exports round-trip)."""
    if not text or not normalise_doi(text):
        return None
    return _DOI_PREFIX.sub("", text.strip())


def _make_date(year: int, month: int | None, day: int | None, what: str) -> tuple[date, int]:
    try:
        when = date(year, month or 1, day or 1)
    except ValueError as exc:
        raise _Bad(f"{what}: {exc}") from None
    return when, DAY if day else MONTH if month else YEAR


def _iso_date(text: str, what: str) -> tuple[date, int]:
    """``2020-06-13``, ``2020-06`` or ``2020`` (anything after is ignored) → (date, parts)."""
    match = _ISO_DATE.match(text.strip())
    if not match:
        raise _Bad(f"{what}: {text!r} is not a date (YYYY-MM-DD)")
    try:
        when, parts = parse_partial_date(match.group())
    except ValueError as exc:
        raise _Bad(f"{what}: {exc}") from None
    assert when is not None  # the match is never empty
    return when, parts


def _str(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)  # CSL numbers (volume, issue …) may be JSON numbers
    if not isinstance(value, str):
        raise _Bad(f"{key}: expected text, found {type(value).__name__}")
    return value


def _int(data: dict[str, Any], key: str) -> int | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Bad(f"{key}: expected a whole number, found {value!r}")
    return value


def _strings(data: dict[str, Any], key: str) -> tuple[str, ...]:
    value = data.get(key)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _Bad(f"{key}: expected a list of strings")
    return tuple(value)


def _pairs(value: Any, what: str) -> tuple[tuple[str, str], ...]:
    """``[[name, value], …]`` (the JSON form of :attr:`Paper.extra`) as a tuple of pairs."""
    if not value:
        return ()
    if not isinstance(value, list) or not all(
        isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p) for p in value
    ):
        raise _Bad(f"{what}: expected a list of [name, value] pairs")
    return tuple((name, text) for name, text in value)


def _name_dicts(value: Any, what: str) -> tuple[Name, ...]:
    if not isinstance(value, list):
        raise _Bad(f"{what}: expected a list of names")
    try:
        return tuple(Name.from_dict(n) for n in value)
    except TypeError as exc:
        raise _Bad(f"{what}: {exc}") from None


def _paper_id(given: object, title: str, arxiv_id: str | None) -> str:
    if isinstance(given, str) and given.strip():
        return given.strip()
    return paper_id_for(title, arxiv_id)


def _citation_key(value: object) -> str | None:
    """A key-like id of another tool's file (``smith2019``), not a number or a URL."""
    if isinstance(value, str) and _KEY_LIKE.fullmatch(value.strip()):
        return value.strip()
    return None


def _run(records: Iterator[tuple[str, Callable[[], Paper]]], source: str) -> Iterator[Record]:
    """Build each record, turning a :class:`_Bad` into a SourceError at its location."""
    for location, build in records:
        try:
            yield build()
        except _Bad as exc:
            yield SourceError(source, location, str(exc))


# -- JSON -------------------------------------------------------------------------


def _json_paper(data: Any, source: str) -> Paper:
    if not isinstance(data, dict):
        raise _Bad(f"expected a JSON object, found {type(data).__name__}")
    title = _str(data, "title")
    if not title or not title.strip():
        raise _Bad("no title")
    for key in ("abstract", "organisation", "org_handle", "arxiv_id", "url", "doi"):
        _str(data, key)
    for key in ("author_count", "upvotes"):
        _int(data, key)
    for key in ("authors", "categories", "sources"):
        _strings(data, key)
    _pairs(data.get("extra"), "extra")
    _pairs(data.get("latex"), "latex")
    published = _str(data, "published")
    if published:
        _iso_date(published, "published")
        try:
            parse_partial_date(published)
        except ValueError as exc:
            raise _Bad(f"published: {exc}") from None
    record = dict(data)
    if "added_at" in record and "user_note" not in record:
        record.pop("note", None)  # an older export: "note" was the user's note
    arxiv_id = _str(data, "arxiv_id")
    record["id"] = _paper_id(data.get("id"), title, arxiv_id)
    try:
        paper = Paper.from_dict(record)
    except (TypeError, ValueError) as exc:
        raise _Bad(str(exc)) from None
    return replace(paper, sources=(source,))


def _json_items(text: str, source: str, key: str | None) -> list[Any] | SourceError:
    """The items of a JSON document, or the SourceError of a file that has none."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return SourceError(source, f"line {exc.lineno}, column {exc.colno}", exc.msg)
    if key and isinstance(data, dict) and isinstance(data.get(key), list):
        return data[key]
    if isinstance(data, list):
        return data
    if isinstance(data, dict) and "title" in data:
        return [data]
    want = f'an object with a "{key}" array, or an array' if key else "an array"
    return SourceError(source, "file", f"expected {want}, found {type(data).__name__}")


def parse_json_export(text: str, source: str) -> Iterator[Record]:
    """Read paperbrowse JSON export text (``{"papers": [...]}`` or a bare array).

    Each item is read with :meth:`Paper.from_dict`. In files written before
    the bookmark's note moved to ``user_note``, ``note`` was the user's note:
    an item with ``added_at`` and no ``user_note`` is read without it (the
    bookmark's data is not part of a :class:`Paper`).

    Args:
        text: the file's contents.
        source: the file name, recorded in ``Paper.sources`` and errors.

    Yields:
        A :class:`Paper` per item, or a SourceError located ``"item N"``
        (an item that is not an object, has no title, a field of the wrong
        type or a bad ``published`` date); one SourceError located ``"line L,
        column C"`` if the text is not JSON.
    """
    items = _json_items(text, source, "papers")
    if isinstance(items, SourceError):
        yield items
        return
    yield from _run(
        (
            (f"item {n}", lambda item=item: _json_paper(item, source))
            for n, item in enumerate(items, 1)
        ),
        source,
    )


# -- CSV -----------------------------------------------------------------------------


def _csv_json_pairs(text: str, what: str) -> tuple[tuple[str, str], ...]:
    if not text:
        return ()
    try:
        return _pairs(json.loads(text), what)
    except json.JSONDecodeError:
        raise _Bad(f"{what}: not a JSON array of [name, value] pairs") from None


def _csv_paper(row: dict[str | None, Any], source: str) -> Paper:
    if row.get(None):
        raise _Bad(f"{len(row[None])} more fields than the header has")
    if any(value is None for value in row.values()):
        raise _Bad("fewer fields than the header has")

    def cell(name: str) -> str:
        return (row.get(name) or "").strip()

    def number(name: str) -> int | None:
        if not cell(name):
            return None
        if not cell(name).isdigit():
            raise _Bad(f"{name}: expected a whole number, found {cell(name)!r}")
        return int(cell(name))

    def listed(name: str) -> tuple[str, ...]:
        return tuple(x.strip() for x in cell(name).split(";") if x.strip())

    title = cell("title")
    if not title:
        raise _Bad("no title")
    published, parts = None, DAY
    if cell("published"):
        published, parts = _iso_date(cell("published"), "published")
    elif cell("year"):
        published, parts = _iso_date(cell("year"), "year")
    arxiv_id = normalise_arxiv_id(cell("arxiv_id")) or cell("arxiv_id") or None
    bib = {name: cell(name) or None for name in BIB_FIELDS if name != "note"}
    return Paper(
        id=_paper_id(cell("id"), title, arxiv_id),
        title=title,
        abstract=row.get("abstract") or "",
        authors=listed("authors"),
        author_count=number("author_count"),
        organisation=cell("organisation") or None,
        org_handle=cell("org_handle") or None,
        published=published,
        date_parts=parts,
        upvotes=number("upvotes"),
        arxiv_id=arxiv_id,
        sources=(source,),
        url=cell("url") or None,
        doi=_doi(cell("doi")) or cell("doi") or None,
        categories=listed("categories"),
        entry_type=cell("entry_type").lower() or None,
        citation_key=cell("citation_key") or None,
        editors=tuple(Name.parse(n) for n in listed("editors")),
        note=cell("bibtex_note") or None,
        extra=_csv_json_pairs(cell("extra"), "extra"),
        latex=_csv_json_pairs(cell("latex"), "latex"),
        **bib,
    )


def parse_csv_export(text: str, source: str) -> Iterator[Record]:
    """Read paperbrowse CSV export text (a header row, then one paper per row).

    Columns are those of :data:`paperbrowse.core.export.CSV_COLUMNS`; only
    ``title`` is required. Names are split by rule of thumb
    (:meth:`Name.parse`): the CSV holds display names only.

    Yields:
        A :class:`Paper` per row, or a SourceError located ``"line N"`` (the
        line the row starts on) for a row without a title, with more or fewer
        fields than the header, or with a bad date, count or ``extra`` cell;
        one SourceError located ``"line 1"`` if the header has no ``title`` column.
    """
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = reader.fieldnames
    except csv.Error as exc:
        yield SourceError(source, "line 1", f"not CSV: {exc}")
        return
    if not header or "title" not in header:
        yield SourceError(source, "line 1", "the header row has no 'title' column")
        return
    line = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield SourceError(source, f"line {line}", f"not CSV: {exc}")
            return
        try:
            yield _csv_paper(row, source)
        except _Bad as exc:
            yield SourceError(source, f"line {line}", str(exc))
        line = reader.line_num + 1


# -- CSL-JSON ------------------------------------------------------------------------

#: CSL item type → BibTeX entry type, for files from other tools.
_CSL_TO_BIBTEX = {
    "article-journal": "article",
    "article-magazine": "article",
    "article-newspaper": "article",
    "paper-conference": "inproceedings",
    "chapter": "incollection",
    "book": "book",
    "pamphlet": "booklet",
    "report": "techreport",
    "thesis": "phdthesis",
    "manuscript": "unpublished",
    "webpage": "online",
    "post-weblog": "online",
    "dataset": "dataset",
    "software": "software",
    "patent": "patent",
    "article": "misc",
}
#: CSL variable → paper field (text).
_CSL_FIELDS = (
    ("container-title", "container"),
    ("volume", "volume"),
    ("issue", "number"),
    ("number", "number"),
    ("page", "pages"),
    ("edition", "edition"),
    ("collection-title", "series"),
    ("publisher", "publisher"),
    ("publisher-place", "address"),
    ("ISBN", "isbn"),
    ("ISSN", "issn"),
    ("note", "note"),
)
_PRIVATE_FIELDS = frozenset(BIB_FIELDS) | {"categories"}


def _csl_name(name: Any) -> Name:
    if not isinstance(name, dict):
        raise _Bad(f"author: expected a name object, found {type(name).__name__}")
    if isinstance(name.get("literal"), str) and name["literal"].strip():
        return Name(literal=name["literal"])

    def part(key: str) -> str:
        value = name.get(key)
        return value.strip() if isinstance(value, str) else ""

    particle = " ".join(x for x in (part("dropping-particle"), part("non-dropping-particle")) if x)
    found = Name(
        family=part("family"), given=part("given"), particle=particle, suffix=part("suffix")
    )
    if not (found.family or found.given):
        raise _Bad("author: a name with neither family, given nor literal")
    return found


def _csl_date(value: Any) -> tuple[date | None, int]:
    if value is None:
        return None, DAY
    if isinstance(value, str):
        return _iso_date(value, "issued")
    if not isinstance(value, dict):
        raise _Bad("issued: expected a date object")
    parts = value.get("date-parts")
    if parts:
        first = parts[0] if isinstance(parts, list) else None
        if not isinstance(first, list) or not first:
            raise _Bad("issued: date-parts must be [[year, month, day]]")
        try:
            numbers = [int(x) for x in first[:3]]
        except (TypeError, ValueError):
            raise _Bad(f"issued: date-parts {first!r} are not numbers") from None
        numbers += [0] * (3 - len(numbers))
        month = numbers[1] or None
        return _make_date(numbers[0], month, (numbers[2] or None) if month else None, "issued")
    for key in ("raw", "literal", "edtf"):
        if isinstance(value.get(key), str):
            return _iso_date(value[key], "issued")
    return None, DAY


def _csl_arxiv(item: dict[str, Any], ours: bool) -> str | None:
    """The arXiv id; for a file not written by paperbrowse also from the URL or DOI."""
    for key in ("number", "archive_location"):
        value = item.get(key)
        if isinstance(value, str) and (found := normalise_arxiv_id(value)):
            return found
    if ours:
        return None
    url = item.get("URL")
    if isinstance(url, str) and "arxiv.org/" in url:
        found = normalise_arxiv_id(url.split("?")[0].split("#")[0].removesuffix(".pdf"))
        if found:
            return found
    doi = item.get("DOI")
    if isinstance(doi, str) and (match := _ARXIV_DOI.match(_doi(doi) or "")):
        return normalise_arxiv_id(match.group(1))
    return None


def _private_fields(private: dict[str, Any]) -> dict[str, Any]:
    """The ``fields`` of paperbrowse's private data: paper fields a format has no place for."""
    fields = private.get("fields") or {}
    if not isinstance(fields, dict):
        raise _Bad("private data: 'fields' is not an object")
    out: dict[str, Any] = {}
    for name in fields:
        if name == "categories":
            out[name] = _strings(fields, name)
        elif name in _PRIVATE_FIELDS:
            out[name] = _str(fields, name)
    return out


def _private_names(
    private: dict[str, Any], authors: tuple[Name, ...], editors: tuple[Name, ...]
) -> tuple[tuple[Name, ...], tuple[Name, ...]]:
    """The names the private data gives instead of the format's (see ``private_data``)."""
    hint = private.get("names")
    if not isinstance(hint, dict):
        return authors, editors
    if "authors" in hint:
        given = _name_dicts(hint["authors"], "private names")
        if given and len(given) != len(authors):
            raise _Bad("private names do not match the authors")
        authors = given
    if "editors" in hint:
        editors = _name_dicts(hint["editors"], "private editors")
    return authors, editors


def _common_private(private: dict[str, Any]) -> dict[str, Any]:
    """The :class:`Paper` fields every format reads from :func:`private_data`."""
    return {
        "organisation": _str(private, "organisation"),
        "org_handle": _str(private, "org-handle"),
        "upvotes": _int(private, "upvotes"),
        "author_count": _int(private, "author-count"),
        "extra": _pairs(private.get("extra"), "extra"),
        "latex": _pairs(private.get("latex"), "latex"),
    }


def _csl_paper(item: Any, source: str) -> Paper:
    if not isinstance(item, dict):
        raise _Bad(f"expected a JSON object, found {type(item).__name__}")
    title = _str(item, "title")
    if not title or not title.strip():
        raise _Bad("no title")
    custom = item.get("custom") if isinstance(item.get("custom"), dict) else {}
    our_id = custom.get("paperbrowse-id")
    ours = isinstance(our_id, str)
    synthesised = set(custom.get("synthesised") or ()) if ours else set()
    people: dict[str, tuple[Name, ...]] = {}
    for role in ("author", "editor"):
        names = item.get(role) or []
        if not isinstance(names, list):
            raise _Bad(f"{role}: expected a list of names")
        people[role] = tuple(_csl_name(n) for n in names)
    names, editors = _private_names(custom, people["author"], people["editor"])
    authors = tuple(map(str, names or people["author"]))
    private = _common_private(custom)
    organisation = private["organisation"]
    old = "version" not in custom
    if old and organisation and authors == (organisation,) and people["author"][0].literal:
        authors, names = (), ()  # an older export: the organisation stood in for the authors
    kind = _str(item, "type") or ""
    bib: dict[str, Any] = {}
    for variable, name in _CSL_FIELDS:
        if variable not in synthesised and (value := _str(item, variable)) is not None:
            bib[name] = value
    if ours:
        entry_type = _str(custom, "entry-type")
        arxiv_id = _str(custom, "arxiv-id") or _csl_arxiv(item, ours=True)
        if "number" not in synthesised and bib.get("number") and _csl_arxiv(item, True):
            bib.pop("number")  # an older export's "arXiv:ID"
            if bib.get("publisher") == "arXiv":
                bib.pop("publisher")
        bib |= _private_fields(custom)
    else:
        entry_type = _CSL_TO_BIBTEX.get(kind)
        genre = (_str(item, "genre") or "").lower()
        if kind == "thesis" and "master" in genre:
            entry_type = "mastersthesis"
        if kind in ("report", "thesis") and "publisher" in bib:
            bib["institution"] = bib.pop("publisher")
        arxiv_id = _csl_arxiv(item, ours=False)
        if arxiv_id and bib.get("number") and normalise_arxiv_id(bib["number"]):
            bib.pop("number")
            if bib.get("publisher") == "arXiv":
                bib.pop("publisher")
    published, parts = _csl_date(item.get("issued"))
    categories = bib.pop("categories", None) or _strings(item, "categories")
    return Paper(
        id=_paper_id(our_id, title, arxiv_id),
        title=title,
        abstract=_str(item, "abstract") or "",
        authors=authors,
        names=names if len(names) == len(authors) else (),
        published=published,
        date_parts=parts,
        arxiv_id=arxiv_id,
        sources=(source,),
        url=_str(item, "URL"),
        doi=_doi(_str(item, "DOI")),
        categories=categories,
        entry_type=entry_type,
        citation_key=_str(item, "citation-key") or _citation_key(item.get("id")),
        editors=editors,
        **private,
        **bib,
    )


def parse_csljson(text: str, source: str) -> Iterator[Record]:
    """Read CSL-JSON text: an array of items (a single item object is accepted too).

    Yields:
        A :class:`Paper` per item, or a SourceError located ``"item N"`` (with
        the item's ``id`` when it has one) for an item without a title or with
        a malformed name, date or private data; one SourceError located
        ``"line L, column C"`` if the text is not JSON.
    """
    items = _json_items(text, source, None)
    if isinstance(items, SourceError):
        yield items
        return

    def location(n: int, item: Any) -> str:
        key = item.get("id") if isinstance(item, dict) else None
        return f"item {n} ({key})" if isinstance(key, str | int) and key != "" else f"item {n}"

    yield from _run(
        (
            (location(n, item), lambda item=item: _csl_paper(item, source))
            for n, item in enumerate(items, 1)
        ),
        source,
    )


# -- RIS -------------------------------------------------------------------------------

#: RIS ``TY`` → BibTeX entry type, for files from other tools.
_RIS_TO_BIBTEX = {
    "JOUR": "article",
    "JFULL": "article",
    "EJOUR": "article",
    "MGZN": "article",
    "CPAPER": "inproceedings",
    "CONF": "proceedings",
    "CHAP": "incollection",
    "ECHAP": "incollection",
    "BOOK": "book",
    "EBOOK": "book",
    "EDBOOK": "book",
    "PAMP": "booklet",
    "RPRT": "techreport",
    "THES": "phdthesis",
    "UNPB": "unpublished",
    "MANSCPT": "unpublished",
    "ELEC": "online",
    "BLOG": "online",
    "DATA": "dataset",
    "COMP": "software",
    "PAT": "patent",
    "GEN": "misc",
}
_ISBN = re.compile(r"(?:97[89][- ]?)?(?:\d[- ]?){9}[\dXx]")


def _ris_date(value: str, tag: str) -> tuple[date, int]:
    match = _RIS_DATE.fullmatch(value.strip())
    if not match:
        raise _Bad(f"{tag}: {value!r} is not a date (YYYY/MM/DD/)")
    year, month, day = (int(g) if g else None for g in match.groups())
    return _make_date(year or 0, month, day if month else None, tag)


def _ris_private(values: list[str]) -> dict[str, Any] | None:
    for value in values:
        if value.startswith(RIS_PRIVATE_PREFIX.strip()):
            try:
                data = json.loads(value[len(RIS_PRIVATE_PREFIX) :])
            except json.JSONDecodeError as exc:
                raise _Bad(f"C8: paperbrowse data is not JSON ({exc.msg})") from None
            if not isinstance(data, dict):
                raise _Bad("C8: paperbrowse data is not a JSON object")
            return data
    return None


def _ris_paper(fields: list[tuple[str, str, int]], source: str) -> Paper:
    first: dict[str, str] = {}
    many: dict[str, list[str]] = {}
    for tag, value, _line in fields:
        value = value.strip()
        if value:
            first.setdefault(tag, value)
            many.setdefault(tag, []).append(value)
    title = first.get("TI") or first.get("T1")
    if not title:
        raise _Bad("record has no title (TI)")
    private = _ris_private(many.get("C8", []))
    ours = private is not None
    old_id = first.get("ID") if _OUR_ID.fullmatch(first.get("ID", "")) else None
    custom = private or {}
    synthesised = set(custom.get("synthesised") or ())
    author_names = tuple(read_ris_name(a) for a in many.get("AU", []) + many.get("A1", []))
    editor_names = tuple(read_ris_name(a) for a in many.get("A2", []) + many.get("ED", []))
    names, editors = _private_names(custom, author_names, editor_names)
    authors = tuple(map(str, names or author_names))
    common = _common_private(custom)
    if old_id and not ours:  # an older paperbrowse export: AD held the organisation
        common["organisation"] = first.get("AD")
        if common["organisation"] and authors == (common["organisation"],):
            authors, names = (), ()  # the organisation stood in for the authors
    published, parts = None, DAY
    if "DA" in first:
        published, parts = _ris_date(first["DA"], "DA")
    elif "PY" in first or "Y1" in first:
        tag = "PY" if "PY" in first else "Y1"
        published, parts = _ris_date(first[tag], tag)
    kind = first.get("TY", "").strip()
    bib: dict[str, Any] = {}
    container_tags = ("JO", "T2") if ours else ("JO", "JF", "JA", "T2")
    for tag in container_tags:
        if tag in first and tag not in synthesised:
            bib["container"] = first[tag]
            break
    for tag, name in (
        ("T3", "series"),
        ("VL", "volume"),
        ("IS", "number"),
        ("ET", "edition"),
        ("PB", "publisher"),
        ("CY", "address"),
    ):
        if tag in first and tag not in synthesised:
            bib[name] = first[tag]
    if "SP" in first:
        bib["pages"] = f"{first['SP']}–{first['EP']}" if "EP" in first else first["SP"]
    if ours:
        entry_type = _str(custom, "entry-type")
        arxiv_id = _str(custom, "arxiv-id")
        bib |= _private_fields(custom)
    else:
        entry_type = _RIS_TO_BIBTEX.get(kind)
        if kind == "THES" and "master" in first.get("M3", "").lower():
            entry_type = "mastersthesis"
        if kind in ("RPRT", "THES") and "publisher" in bib:
            bib["institution"] = bib.pop("publisher")
        if "SN" in first:
            bib["isbn" if _ISBN.fullmatch(first["SN"]) else "issn"] = first["SN"]
        # in paperbrowse's own files the arXiv id is in AN; others may have it elsewhere
        candidates = many.get("AN", []) if old_id else many.get("AN", []) + many.get("UR", [])
        arxiv_id = None
        for value in candidates:
            if arxiv_id := normalise_arxiv_id(value.removesuffix(".pdf")):
                break
    doi = _doi(first.get("DO"))
    if arxiv_id is None and not (ours or old_id) and doi and (match := _ARXIV_DOI.match(doi)):
        arxiv_id = normalise_arxiv_id(match.group(1))
    categories = bib.pop("categories", None) or ()
    given_id = custom.get("paperbrowse-id") if ours else old_id
    return Paper(
        id=_paper_id(given_id, title, arxiv_id),
        title=title,
        abstract=first.get("AB") or first.get("N2") or "",
        authors=authors,
        names=names if len(names) == len(authors) else (),
        published=published,
        date_parts=parts,
        arxiv_id=arxiv_id,
        sources=(source,),
        url=first.get("UR"),
        doi=doi,
        categories=categories,
        entry_type=entry_type,
        citation_key=None if old_id else _citation_key(first.get("ID")),
        editors=editors,
        **common,
        **bib,
    )


def parse_ris(text: str, source: str) -> Iterator[Record]:
    """Read RIS text: records from ``TY  - `` to ``ER  - ``.

    Yields:
        A :class:`Paper` per record, or a SourceError located ``"line N"``
        (the record's ``TY`` line, or the offending line) for: a record with no
        title or a bad date; a record not closed by ``ER`` before the next
        ``TY`` or the end of the file (its fields are not imported); text
        outside a record.
    """
    record: list[tuple[str, str, int]] | None = None
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.lstrip("\ufeff")
        match = _RIS_LINE.match(line)
        tag, value = (match.group(1), match.group(2) or "") if match else (None, line)
        if tag == "TY":
            if record is not None:
                yield SourceError(source, f"line {start}", "record has no ER line before next TY")
            record, start = [(tag, value, number)], number
        elif record is None:
            if line.strip():
                yield SourceError(source, f"line {number}", f"text outside a record: {line[:40]!r}")
        elif tag == "ER":
            try:
                yield _ris_paper(record, source)
            except _Bad as exc:
                yield SourceError(source, f"line {start}", str(exc))
            record = None
        elif tag is not None:
            record.append((tag, value, number))
        else:  # a continuation line of the previous value
            prev_tag, prev_value, prev_line = record[-1]
            record[-1] = (prev_tag, f"{prev_value}\n{line}", prev_line)
    if record is not None:
        yield SourceError(source, f"line {start}", "record has no ER line (file ends)")


# -- files -----------------------------------------------------------------------------

_PARSERS: dict[str, Callable[[str, str], Iterator[Record]]] = {
    "json": parse_json_export,
    "csv": parse_csv_export,
    "csljson": parse_csljson,
    "ris": parse_ris,
}


def read_export(path: Path | str, fmt: str | None = None) -> Iterator[Record]:
    """Read a file exported by paperbrowse (or another tool) in JSON, CSV, CSL-JSON or RIS.

    The file is read at once (UTF-8, with or without a byte-order mark) when
    this is called, so an unreadable file raises here, not while iterating.

    Args:
        path: the file.
        fmt: ``json``, ``csv``, ``csljson`` (aliases ``csl``, ``csl-json``) or
            ``ris``; by default from the file name as
            :func:`paperbrowse.core.export.format_for_path` reads it
            (``.csl.json`` is CSL-JSON, any other ``.json`` paperbrowse JSON).

    Returns:
        An iterator of records, :class:`Paper` or SourceError, in file order;
        ``Paper.sources`` and ``SourceError.source`` are the file name.

    Raises:
        ValueError: the format is unknown, cannot be guessed, or is one not
            read here (BibTeX: use ``read_bibtex``; Markdown is not re-imported).
        SourceUnavailable: the file is missing, unreadable or not UTF-8; the
            message names the path.
    """
    path = Path(path)
    name = normalise_format(fmt) if fmt else format_for_path(path)
    if name is None:
        raise ValueError(
            f"cannot tell the format of {path.name}; choose one of {', '.join(READABLE_FORMATS)}"
        )
    if name == "bibtex":
        raise ValueError("read BibTeX with paperbrowse.core.sources.bibtex.read_bibtex")
    if name not in _PARSERS:
        raise ValueError(
            f"{name} exports are for people and are not re-imported; "
            f"choose one of {', '.join(READABLE_FORMATS)}"
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceUnavailable(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SourceUnavailable(
            f"{path} is not UTF-8 text (line {line}); save it as UTF-8"
        ) from exc
    return _PARSERS[name](text, path.name)
