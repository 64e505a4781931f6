"""Read paperbrowse's CSV export back to papers.

RFC 4180 with a header row naming :data:`~paperbrowse.core.export.CSV_COLUMNS`.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from paperbrowse.core.models import (
    BIB_FIELDS,
    DAY,
    Name,
    Paper,
)
from paperbrowse.core.sources.common import (
    Record,
    SourceError,
    normalise_arxiv_id,
)
from paperbrowse.core.sources.exported.values import (
    _Bad,
    _doi,
    _iso_date,
    _pairs,
    _paper_id,
)


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
