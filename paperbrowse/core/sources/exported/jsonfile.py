"""Read paperbrowse's JSON export (``{"papers": [Paper.to_dict(), ...]}``) back to papers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from paperbrowse.core.models import (
    Paper,
    parse_partial_date,
)
from paperbrowse.core.sources.common import (
    Record,
    SourceError,
)
from paperbrowse.core.sources.exported.values import (
    _Bad,
    _int,
    _iso_date,
    _json_items,
    _pairs,
    _paper_id,
    _run,
    _str,
    _strings,
)


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
