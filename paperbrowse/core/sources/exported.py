"""Re-import paperbrowse's own exports: JSON, CSV, CSL-JSON and RIS.

What :mod:`paperbrowse.core.export` writes in these formats reads back to the
same papers: equal ``id``, ``title``, ``abstract``, ``authors``,
``published``, ``arxiv_id``, ``doi`` and ``url`` (and, where the format
carries them, ``organisation``, ``org_handle``, ``upvotes``, ``author_count``
and ``categories``). Dates are exported to the day in all four formats, so
``published`` comes back exactly. Files from other tools in these formats are
read too, as far as they use the same fields; a date given only to the year
or month becomes the first day of that year or month (as the BibTeX importer
does), since :attr:`Paper.published` is a plain date.

Not read here: BibTeX (use :func:`paperbrowse.core.sources.bibtex.read_bibtex`)
and Markdown, which is written for people and is not meant to be re-imported.
Bookmark data in the exports (tags, status, note, lists, time added) is not
part of a :class:`Paper` and is not returned.

Formats (see :mod:`paperbrowse.core.export` for how they are written):

* ``json``: paperbrowse's JSON, ``{"papers": [Paper.to_dict(), ...]}`` (a
  bare array of such objects is accepted too). Location of a bad item:
  ``"item N"`` (1-based); a file that is not JSON: ``"line L, column C"``.
* ``csv``: RFC 4180 with a header row naming :data:`~paperbrowse.core.export.CSV_COLUMNS`
  (only ``title`` is required); authors separated by ``;``. Location:
  ``"line N"``, the line the row starts on.
* ``csljson``: a CSL-JSON array (CSL 1.0.2 data schema,
  https://github.com/citation-style-language/schema/blob/master/schemas/input/csl-data.json).
  Names are rebuilt as ``given [dropping-particle] [non-dropping-particle]
  family [suffix]`` or taken from ``literal``; ``issued`` from ``date-parts``,
  an EDTF/ISO string, ``raw`` or ``literal``; the arXiv id from ``number``
  (``arXiv:ID``) or ``archive_location``. The paper id, organisation,
  handle, upvotes and author count come from ``custom`` (``paperbrowse-id``
  …) when present; a single ``literal`` author equal to
  ``custom["organisation"]`` is the organisation standing in for authors,
  so ``authors`` stays empty. Location: ``"item N (id)"``.
* ``ris``: RIS records (``TY  - `` … ``ER  - ``); lines without a tag continue
  the previous value. ``TI``/``T1`` title, ``AU``/``A1`` authors (``Last,
  First[, Suffix]`` → ``First Last Suffix``), ``DA`` then ``PY``/``Y1`` date
  (``YYYY/MM/DD/``), ``AB``/``N2``, ``DO``, ``UR``, ``AN`` arXiv id
  (``arXiv:ID``), ``AD`` organisation (a single ``AU`` equal to it is the
  organisation standing in for authors), ``ID`` the paper id when it has
  paperbrowse's form (``arxiv:…``, ``pb:`` + 12 hex digits). Location:
  ``"line N"``.

In files not written by paperbrowse (no ``paperbrowse-id``, no
paperbrowse ``ID``), the arXiv id is also taken from an arxiv.org ``URL``/``UR``
or an arXiv DOI (``10.48550/arXiv.ID``); paperbrowse's own files carry it
explicitly, so a paper with an arXiv link but no arXiv id comes back as it was.
DOIs lose a ``doi:`` or resolver prefix but keep their case, so they round-trip.

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
from datetime import date
from pathlib import Path
from typing import Any

from paperbrowse.core.export import format_for_path, normalise_format
from paperbrowse.core.models import Paper, paper_id_for
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
_RIS_LINE = re.compile(r"^([A-Z][A-Z0-9]) {1,2}-(?: (.*))?$")


class _Bad(ValueError):
    """One record is unusable; the message says why."""


# -- shared helpers -----------------------------------------------------------------


def _doi(text: str | None) -> str | None:
    """The DOI without ``doi:`` or resolver URL, case kept (so exports round-trip)."""
    if not text or not normalise_doi(text):
        return None
    return _DOI_PREFIX.sub("", text.strip())


def _make_date(year: int, month: int | None, day: int | None, what: str) -> date:
    try:
        return date(year, month or 1, day or 1)
    except ValueError as exc:
        raise _Bad(f"{what}: {exc}") from None


def _iso_date(text: str, what: str) -> date:
    """``2020-06-13``, ``2020-06`` or ``2020`` (anything after is ignored)."""
    match = _ISO_DATE.match(text.strip())
    if not match:
        raise _Bad(f"{what}: {text!r} is not a date (YYYY-MM-DD)")
    year, month, day = (int(g) if g else None for g in match.groups())
    return _make_date(year or 0, month, day, what)


def _str(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None or value == "":
        return None
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


def _paper_id(given: object, title: str, arxiv_id: str | None) -> str:
    if isinstance(given, str) and given.strip():
        return given.strip()
    return paper_id_for(title, arxiv_id)


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
    published = _str(data, "published")
    arxiv_id = _str(data, "arxiv_id")
    return Paper(
        id=_paper_id(data.get("id"), title, arxiv_id),
        title=title,
        abstract=_str(data, "abstract") or "",
        authors=_strings(data, "authors"),
        author_count=_int(data, "author_count"),
        organisation=_str(data, "organisation"),
        org_handle=_str(data, "org_handle"),
        published=_iso_date(published, "published") if published else None,
        upvotes=_int(data, "upvotes"),
        arxiv_id=arxiv_id,
        sources=(source,),
        url=_str(data, "url"),
        doi=_str(data, "doi"),
        categories=_strings(data, "categories"),
    )


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


def _csv_paper(row: dict[str | None, Any], source: str) -> Paper:
    if row.get(None):
        raise _Bad(f"{len(row[None])} more fields than the header has")
    if any(value is None for value in row.values()):
        raise _Bad("fewer fields than the header has")

    def cell(name: str) -> str:
        return (row.get(name) or "").strip()

    title = cell("title")
    if not title:
        raise _Bad("no title")
    published = None
    if cell("published"):
        published = _iso_date(cell("published"), "published")
    elif cell("year"):
        published = _iso_date(cell("year"), "year")
    upvotes = None
    if cell("upvotes"):
        if not cell("upvotes").isdigit():
            raise _Bad(f"upvotes: expected a whole number, found {cell('upvotes')!r}")
        upvotes = int(cell("upvotes"))
    arxiv_id = normalise_arxiv_id(cell("arxiv_id")) or cell("arxiv_id") or None
    return Paper(
        id=_paper_id(cell("id"), title, arxiv_id),
        title=title,
        abstract=row.get("abstract") or "",
        authors=tuple(a.strip() for a in cell("authors").split(";") if a.strip()),
        organisation=cell("organisation") or None,
        published=published,
        upvotes=upvotes,
        arxiv_id=arxiv_id,
        sources=(source,),
        url=cell("url") or None,
        doi=_doi(cell("doi")) or cell("doi") or None,
    )


def parse_csv_export(text: str, source: str) -> Iterator[Record]:
    """Read paperbrowse CSV export text (a header row, then one paper per row).

    Yields:
        A :class:`Paper` per row, or a SourceError located ``"line N"`` (the
        line the row starts on) for a row without a title, with more or fewer
        fields than the header, or with a bad date or upvote count; one
        SourceError located ``"line 1"`` if the header has no ``title`` column.
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


def _csl_name(name: Any) -> str:
    if not isinstance(name, dict):
        raise _Bad(f"author: expected a name object, found {type(name).__name__}")
    if isinstance(name.get("literal"), str) and name["literal"].strip():
        return name["literal"]
    parts = [name.get(k) for k in ("given", "dropping-particle", "non-dropping-particle", "family")]
    parts.append(name.get("suffix"))
    text = " ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())
    if not text:
        raise _Bad("author: a name with neither family, given nor literal")
    return text


def _csl_date(value: Any) -> date | None:
    if value is None:
        return None
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
        return _make_date(numbers[0], numbers[1] or None, numbers[2] or None, "issued")
    for key in ("raw", "literal", "edtf"):
        if isinstance(value.get(key), str):
            return _iso_date(value[key], "issued")
    return None


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


def _csl_paper(item: Any, source: str) -> Paper:
    if not isinstance(item, dict):
        raise _Bad(f"expected a JSON object, found {type(item).__name__}")
    title = _str(item, "title")
    if not title or not title.strip():
        raise _Bad("no title")
    custom = item.get("custom") if isinstance(item.get("custom"), dict) else {}
    names = item.get("author") or []
    if not isinstance(names, list):
        raise _Bad("author: expected a list of names")
    authors = tuple(_csl_name(n) for n in names)
    organisation = _str(custom, "organisation")
    if organisation and authors == (organisation,) and "literal" in names[0]:
        authors = ()  # the organisation stood in for the authors
    our_id = custom.get("paperbrowse-id")
    arxiv_id = _csl_arxiv(item, ours=isinstance(our_id, str))
    return Paper(
        id=_paper_id(our_id, title, arxiv_id),
        title=title,
        abstract=_str(item, "abstract") or "",
        authors=authors,
        author_count=_int(custom, "author-count"),
        organisation=organisation,
        org_handle=_str(custom, "org-handle"),
        published=_csl_date(item.get("issued")),
        upvotes=_int(custom, "upvotes"),
        arxiv_id=arxiv_id,
        sources=(source,),
        url=_str(item, "URL"),
        doi=_doi(_str(item, "DOI")),
        categories=_strings(item, "categories"),
    )


def parse_csljson(text: str, source: str) -> Iterator[Record]:
    """Read CSL-JSON text: an array of items (a single item object is accepted too).

    Yields:
        A :class:`Paper` per item, or a SourceError located ``"item N"`` (with
        the item's ``id`` when it has one) for an item without a title or with
        a malformed name or date; one SourceError located ``"line L, column
        C"`` if the text is not JSON.
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


def _ris_author(value: str) -> str:
    """``"Last, First, Suffix"`` → ``"First Last Suffix"``; a name without comma as it is."""
    if "," not in value:
        return value.strip()
    last, _, rest = value.partition(",")
    given, _, suffix = rest.partition(",")
    return " ".join(x.strip() for x in (given, last, suffix) if x.strip())


def _ris_date(value: str, tag: str) -> date:
    match = _RIS_DATE.fullmatch(value.strip())
    if not match:
        raise _Bad(f"{tag}: {value!r} is not a date (YYYY/MM/DD/)")
    year, month, day = (int(g) if g else None for g in match.groups())
    return _make_date(year or 0, month, day, tag)


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
    authors = tuple(_ris_author(a) for a in many.get("AU", []) + many.get("A1", []))
    organisation = first.get("AD")
    if organisation and authors == (organisation,):
        authors = ()  # the organisation stood in for the authors
    published = None
    if "DA" in first:
        published = _ris_date(first["DA"], "DA")
    elif "PY" in first or "Y1" in first:
        tag = "PY" if "PY" in first else "Y1"
        published = _ris_date(first[tag], tag)
    given_id = first.get("ID") if _OUR_ID.fullmatch(first.get("ID", "")) else None
    # in paperbrowse's own files the arXiv id is in AN; others may have it elsewhere
    candidates = many.get("AN", []) if given_id else many.get("AN", []) + many.get("UR", [])
    arxiv_id = None
    for value in candidates:
        if arxiv_id := normalise_arxiv_id(value.removesuffix(".pdf")):
            break
    doi = _doi(first.get("DO"))
    if arxiv_id is None and not given_id and doi and (match := _ARXIV_DOI.match(doi)):
        arxiv_id = normalise_arxiv_id(match.group(1))
    return Paper(
        id=_paper_id(given_id, title, arxiv_id),
        title=title,
        abstract=first.get("AB") or first.get("N2") or "",
        authors=authors,
        organisation=organisation,
        published=published,
        arxiv_id=arxiv_id,
        sources=(source,),
        url=first.get("UR"),
        doi=doi,
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
