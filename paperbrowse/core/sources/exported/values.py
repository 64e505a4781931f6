"""Checked values of one exported record, shared by the readers of this package.

Text, numbers, lists, names, dates, DOIs and citation keys read from a record,
each raising :class:`_Bad` (a ValueError whose message names the field) when
the value has the wrong type; :func:`_run` turns that into a SourceError at
the record's location. Also the private data paperbrowse writes into its own
CSL-JSON and RIS files (:func:`paperbrowse.core.export.private_data`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

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
    normalise_doi,
)

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


# -- paperbrowse's private data (CSL-JSON custom, RIS C8) --------------------------

_PRIVATE_FIELDS = frozenset(BIB_FIELDS) | {"categories"}


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
