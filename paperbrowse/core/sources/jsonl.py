"""Import the arXiv metadata snapshot (JSON Lines).

The snapshot is the file ``arxiv-metadata-oai-snapshot.json`` published by
Cornell University on Kaggle (dataset ``Cornell-University/arxiv``, refreshed
from arXiv's OAI-PMH metadata): several GB, one JSON object per line::

    {"id": "0704.0001", "submitter": "Pavel Nadolsky",
     "authors": "C. Bal\\'azs, E. L. Berger, P. M. Nadolsky, C.-P. Yuan",
     "title": "Calculation of prompt diphoton production ...",
     "comments": "37 pages, 15 figures; published version",
     "journal-ref": "Phys.Rev.D76:013009,2007", "doi": "10.1103/PhysRevD.76.013009",
     "report-no": "ANL-HEP-PR-07-12", "categories": "hep-ph", "license": null,
     "abstract": "  A fully differential calculation ...",
     "versions": [{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}, ...],
     "update_date": "2008-11-13",
     "authors_parsed": [["Balázs", "C.", ""], ["Berger", "E. L.", ""], ...]}

:func:`read_jsonl` streams it line by line in constant memory and reports
progress in bytes, so a caller can show a progress bar with an ETA against
:func:`file_size`; ``skip`` resumes an interrupted import.
"""

from __future__ import annotations

import email.utils
import json
import os
import re
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

from paperbrowse.core.models import Name, Paper, paper_id_for
from paperbrowse.core.sources.common import (
    Record,
    SourceError,
    SourceUnavailable,
    clean_text,
    normalise_arxiv_id,
    normalise_doi,
)

#: Default number of bytes between two progress reports.
PROGRESS_STEP = 1 << 20

_AUTHOR_SEPARATOR = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+")
_PARENTHESES = re.compile(r"\([^()]*\)")


def file_size(path: Path | str) -> int:
    """Size of the file in bytes: the total that ``progress`` counts up to.

    Raises:
        SourceUnavailable: the file is missing or unreadable (message names it).
    """
    try:
        return os.path.getsize(path)
    except OSError as exc:
        raise SourceUnavailable(
            f"cannot read the snapshot file {path}: {exc.strerror or exc}"
        ) from exc


def _authors(record: dict[str, Any]) -> tuple[tuple[str, ...], tuple[Name, ...]]:
    """``(display names, split names)``: split names only from ``authors_parsed``."""
    parsed = record.get("authors_parsed")
    if isinstance(parsed, list) and parsed:
        names: list[Name] = []
        for parts in parsed:
            if isinstance(parts, list):
                # [last, first, suffix]: displayed "first last suffix"
                last, first, suffix = (
                    clean_text(p) if isinstance(p, str) else "" for p in [*parts, "", "", ""][:3]
                )
                name = Name(family=last, given=first, suffix=suffix) if last else None
                if name is None and (first or suffix):
                    name = Name(literal=" ".join(x for x in (first, suffix) if x))
                if name is not None:
                    names.append(name)
        if names:
            return tuple(str(n) for n in names), tuple(names)
    text = record.get("authors")
    if not isinstance(text, str):
        return (), ()
    text = _PARENTHESES.sub(" ", " ".join(text.split()))  # affiliations in parentheses
    split = _AUTHOR_SEPARATOR.split(text)
    return tuple(name for part in split if (name := clean_text(part))), ()


def _published(record: dict[str, Any]) -> date | None:
    versions = record.get("versions")
    if isinstance(versions, list) and versions and isinstance(versions[0], dict):
        created = versions[0].get("created")
        if isinstance(created, str):
            try:
                return email.utils.parsedate_to_datetime(created).date()
            except (TypeError, ValueError, IndexError, OverflowError):
                pass
    update = record.get("update_date")
    if isinstance(update, str):
        try:
            return date.fromisoformat(update[:10])
        except ValueError:
            return None
    return None


#: The snapshot's fields and the JSON type each must have when present and not
#: ``null`` (``str``: a JSON string; ``list``: an array). A record with a field
#: of another type is reported, not imported with the field dropped.
FIELD_TYPES: dict[str, type] = {
    "id": str,
    "submitter": str,
    "authors": str,
    "title": str,
    "comments": str,
    "journal-ref": str,
    "doi": str,
    "report-no": str,
    "categories": str,
    "license": str,
    "abstract": str,
    "versions": list,
    "update_date": str,
    "authors_parsed": list,
}

_JSON_TYPE_NAMES = {
    str: "a string",
    list: "an array",
    dict: "an object",
    bool: "true/false",
    int: "a number",
    float: "a number",
}

#: UTF-16 surrogate code points: JSON can spell them (``"\\ud800"``) but a lone one
#: cannot be encoded as UTF-8 (SQLite would refuse the whole batch).
_SURROGATE = re.compile("[\ud800-\udfff]")
#: A surrogate code point in a line's bytes: a JSON escape (``\\uD83D``), or
#: UTF-8-encoded (``json.loads`` decodes bytes with ``surrogatepass``).
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}|\xed[\xa0-\xbf]")


def _json_type(value: Any) -> str:
    return _JSON_TYPE_NAMES.get(type(value), type(value).__name__)


def _type_problem(record: dict[str, Any]) -> str | None:
    """Why ``record`` cannot be imported for a field of the wrong JSON type, or ``None``."""
    for key, wanted in FIELD_TYPES.items():
        value = record.get(key)
        if value is not None and not isinstance(value, wanted):
            shown = repr(value) if isinstance(value, (int, float, bool)) else _json_type(value)
            return f"'{key}' must be {_JSON_TYPE_NAMES[wanted]}, not {shown}"
    for n, version in enumerate(record.get("versions") or ()):
        if not isinstance(version, dict):
            return f"'versions[{n}]' must be an object, not {_json_type(version)}"
        created = version.get("created")
        if created is not None and not isinstance(created, str):
            return f"'versions[{n}].created' must be a date string, not {created!r}"[:200]
    for n, parts in enumerate(record.get("authors_parsed") or ()):
        if not isinstance(parts, list) or not all(p is None or isinstance(p, str) for p in parts):
            return f"'authors_parsed[{n}]' must be an array of strings [last, first, suffix]"
    return None


def _unsurrogate(value: Any, depth: int = 0) -> Any:
    """``value`` with lone surrogates in its strings (down to three levels of
    arrays and objects, as deep as the snapshot's fields go) replaced by U+FFFD."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if depth >= 3:
        return value
    if isinstance(value, list):
        return [_unsurrogate(v, depth + 1) for v in value]
    if isinstance(value, dict):
        return {k: _unsurrogate(v, depth + 1) for k, v in value.items()}
    return value


def snapshot_record(record: Any, source: str, line: int, *, surrogates: bool = True) -> Record:
    """Turn one decoded snapshot object into a record; never raises.

    Any JSON value is accepted: anything that is not a usable snapshot object
    gives a :class:`SourceError` with the reason (a field of the wrong type,
    see :data:`FIELD_TYPES`; no id or title; an id that is not an arXiv id).
    Lone UTF-16 surrogates (``"\\ud800"``, which JSON allows and UTF-8 cannot
    encode) are replaced by U+FFFD.

    Args:
        record: the object of one line.
        source: name recorded in ``Paper.sources`` and ``SourceError.source``.
        line: its 1-based line number, for the error location.
        surrogates: ``False`` when the caller knows the object holds no lone
            surrogate (its JSON text has no ``\\uD800``–``\\uDFFF`` escape):
            the strings are then not searched for them.

    Returns:
        See :func:`_snapshot_record`.
    """
    try:
        return _snapshot_record(record, source, line, surrogates)
    except Exception as exc:  # noqa: BLE001 - a record must never stop an import
        reason = f"cannot be read ({type(exc).__name__}: {exc})"[:300]
        return SourceError(source, f"line {line}", reason)


def _snapshot_record(record: Any, source: str, line: int, surrogates: bool = True) -> Record:
    """Turn one decoded snapshot object into a record.

    Args:
        record: the object of one line.
        source: name recorded in ``Paper.sources`` and ``SourceError.source``.
        line: its 1-based line number, for the error location.

    Returns:
        A :class:`Paper` (``arxiv_id`` from ``id``, ``url`` its arXiv abstract
        page, names from ``authors_parsed`` as ``First Last Suffix``, else the
        ``authors`` string split at commas and ``and``, ``published`` = the
        date of the first version's ``created``, else ``update_date``,
        ``categories`` from the space-separated list, primary first, ``doi``
        normalised), or a :class:`SourceError` located ``"line N"`` when ``id``
        or ``title`` is missing or ``id`` is not an arXiv id.
    """
    location = f"line {line}"
    if not isinstance(record, dict):
        return SourceError(
            source, location, f"expected a JSON object, found {type(record).__name__}"
        )
    problem = _type_problem(record)
    if problem:
        return SourceError(source, location, problem)
    if surrogates:
        record = _unsurrogate(record)
    raw_id = record.get("id")
    if not isinstance(raw_id, str) or not raw_id.strip():
        return SourceError(source, location, "no 'id'")
    arxiv_id = normalise_arxiv_id(raw_id)
    if arxiv_id is None:
        return SourceError(source, location, f"'id' {raw_id!r} is not an arXiv id")
    title = clean_text(record.get("title")) if isinstance(record.get("title"), str) else ""
    if not title:
        return SourceError(source, location, f"no 'title' for {arxiv_id}")
    authors, names = _authors(record)
    abstract = record.get("abstract")
    categories = record.get("categories")
    doi = record.get("doi")
    return Paper(
        id=paper_id_for(title, arxiv_id),
        title=title,
        abstract=clean_text(abstract) if isinstance(abstract, str) else "",
        authors=authors,
        author_count=len(authors) if authors else None,
        published=_published(record),
        arxiv_id=arxiv_id,
        sources=(source,),
        url=f"https://arxiv.org/abs/{arxiv_id}",
        doi=normalise_doi(doi) if isinstance(doi, str) else None,
        categories=tuple(dict.fromkeys(categories.split())) if isinstance(categories, str) else (),
        names=names,
        journal_ref=_text(record, "journal-ref"),
        comment=_text(record, "comments"),
    )


def _text(record: dict[str, Any], key: str) -> str | None:
    value = record.get(key)
    return (clean_text(value) or None) if isinstance(value, str) else None


def read_jsonl(
    path: Path | str,
    *,
    progress: Callable[[int], None] | None = None,
    skip: int = 0,
    progress_step: int = PROGRESS_STEP,
) -> Iterator[Record]:
    """Stream an arXiv metadata snapshot (or any file of such lines).

    The file is read one line at a time, never whole, so memory use does not
    grow with its size; records are yielded as their lines are read.

    Args:
        path: the ``.json`` / ``.jsonl`` snapshot, UTF-8.
        progress: called with the number of bytes read so far (from the start
            of the file, skipped lines included) about every ``progress_step``
            bytes and once at the end with the file size; with
            :func:`file_size` as the total it drives a progress bar with ETA.
        skip: number of records to pass over without parsing, to resume an
            interrupted import. Every non-blank line yields exactly one record
            (a paper or an error), so pass the number of records the
            interrupted run had received; blank lines are not counted.
        progress_step: bytes between two ``progress`` calls.

    Returns:
        An iterator of records, one per non-blank line after the skipped
        ones: a :class:`Paper` (see :func:`snapshot_record`), or a
        :class:`SourceError` ``(file name, "line N", reason)`` for a line that
        is not UTF-8 JSON or lacks ``id`` / ``title``; the following lines are
        still read.

    Raises:
        SourceUnavailable: the file cannot be opened (raised by this call, not
            while iterating); the message names the path.
    """
    path = Path(path)
    try:
        path.open("rb").close()
    except OSError as exc:
        raise SourceUnavailable(
            f"cannot read the snapshot file {path}: {exc.strerror or exc}"
        ) from exc
    if skip < 0:
        raise ValueError(f"skip must be >= 0, not {skip}")
    return _stream(path, progress, skip, max(1, progress_step))


def _stream(
    path: Path, progress: Callable[[int], None] | None, skip: int, step: int
) -> Iterator[Record]:
    source = path.name
    consumed = reported = 0
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise SourceUnavailable(
            f"cannot read the snapshot file {path}: {exc.strerror or exc}"
        ) from exc
    with handle:
        for number, raw in enumerate(handle, 1):
            consumed += len(raw)
            if progress is not None and consumed - reported >= step:
                progress(consumed)
                reported = consumed
            line = raw.strip()
            if not line:
                continue
            if skip:
                skip -= 1
                continue
            try:
                record = json.loads(line)
            except UnicodeDecodeError as exc:
                yield SourceError(source, f"line {number}", f"not UTF-8 text ({exc.reason})")
                continue
            except ValueError as exc:
                yield SourceError(source, f"line {number}", f"not JSON: {exc}")
                continue
            except RecursionError:
                yield SourceError(
                    source, f"line {number}", "not a snapshot record: JSON nested too deeply"
                )
                continue
            # a lone surrogate comes from an escape or surrogate bytes: else skip the search
            escaped = (b"\\u" in line or b"\xed" in line) and bool(_SURROGATE_ESCAPE.search(line))
            yield snapshot_record(record, source, number, surrogates=escaped)
    if progress is not None and consumed != reported:
        progress(consumed)
