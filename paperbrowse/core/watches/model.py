"""What a watch is: :class:`Watch`, :class:`WatchPaper`, :class:`WatchError`, names.

The records :class:`~paperbrowse.core.watches.store.WatchStore` reads from the
library's ``watches`` table and the rules a watch's name follows (see the
package docstring, :mod:`paperbrowse.core.watches`, for what watches do).
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass

from paperbrowse.core.models import Filters, Paper

#: Longest watch name, in characters.
MAX_NAME_CHARS = 100

#: How a paper came to a watch (``WatchPaper.via``).
VIA_ARXIV = "arxiv"
VIA_HF = "hf"
VIA_LOCAL = "local"


class WatchError(ValueError):
    """A bad watch name, query or filter, or an unknown or duplicate watch; the
    message names it."""


@dataclass(frozen=True, slots=True)
class Watch:
    """One watch, as stored.

    Attributes:
        name: as the user wrote it (unique case-insensitively).
        query: the local query, Whoosh's query language ("" matches every paper).
        arxiv_query: an arXiv API ``search_query`` to poll, or ``None``.
        hf: whether to poll the Hugging Face daily papers.
        years: inclusive ``(first, last)`` publication years, or ``None``.
        organisation: exact organisation display name, or ``None``.
        created_at: ISO 8601 time (UTC) it was made.
        updated_at: ISO 8601 time (UTC) of its last update that reached every
            source, or ``None``.
        total: papers it holds.
        unseen: of those, papers not seen yet (in any watch).
    """

    name: str
    query: str
    arxiv_query: str | None = None
    hf: bool = False
    years: tuple[int, int] | None = None
    organisation: str | None = None
    created_at: str = ""
    updated_at: str | None = None
    total: int = 0
    unseen: int = 0

    @property
    def filters(self) -> Filters:
        """The local filters as the index takes them."""
        return Filters(years=self.years, organisation=self.organisation)

    def describe(self) -> str:
        """One line: ``diffusion  "diffusion"  arXiv: cat:cs.LG  HF  2024–2026``."""
        parts = [self.name, json.dumps(self.query, ensure_ascii=False)]
        if self.arxiv_query:
            parts.append(f"arXiv: {self.arxiv_query}")
        if self.hf:
            parts.append("Hugging Face")
        described = self.filters.describe()
        if described:
            parts.append(described)
        return "  ".join(parts)


@dataclass(frozen=True, slots=True)
class WatchPaper:
    """A paper a watch holds.

    Attributes:
        paper: the paper as recorded when the watch got it (the library's
            merged copy when it has one).
        added_at: ISO 8601 time (UTC) the watch got it.
        seen: whether it was marked seen (in any watch).
        via: :data:`VIA_ARXIV`, :data:`VIA_HF` or :data:`VIA_LOCAL`.
    """

    paper: Paper
    added_at: str
    seen: bool
    via: str


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def check_name(name: str) -> str:
    """A watch name with runs of spaces collapsed to one and the ends trimmed.

    Raises:
        WatchError: empty, longer than :data:`MAX_NAME_CHARS`, or holding a
            newline, tab or other control character (Unicode categories Cc,
            Zl, Zp): a name is one line of printable text.
    """
    bad = [c for c in name if unicodedata.category(c) in ("Cc", "Zl", "Zp")]
    if bad:
        raise WatchError(
            f"watch name {name!r} has a newline or control character ({bad[0]!r}); "
            "give a name on one line of printable text"
        )
    cleaned = " ".join(name.split())
    if not cleaned:
        raise WatchError("a watch needs a name")
    if len(cleaned) > MAX_NAME_CHARS:
        raise WatchError(f"watch name longer than {MAX_NAME_CHARS} characters: {cleaned[:20]!r}…")
    return cleaned


def check_arxiv_query(query: str) -> str:
    """An arXiv API ``search_query`` (``cat:cs.LG AND abs:diffusion``), stripped,
    checked for the mistakes arXiv would answer with an error or nothing at all.

    The check is the search's own query checker
    (:func:`~paperbrowse.core.engine.query.check_query`) with no field
    treated as numeric or text: balanced quotes and parentheses, and ``AND`` /
    ``OR`` with a term on each side (arXiv's query syntax shares these rules).

    Raises:
        WatchError: empty, or not well formed; the message names the column.
    """
    from paperbrowse.core.engine.query import QueryError, check_query

    text = query.strip()
    if not text:
        raise WatchError("the arXiv query is empty")
    try:
        check_query(text, numeric_fields=(), text_fields=())
    except QueryError as exc:
        raise WatchError(
            f"the arXiv query {text!r} does not parse: column {exc.column}: {exc.reason}"
        ) from None
    return text
