"""Crossref work records (``/works/{doi}`` JSON) to :class:`~paperbrowse.core.models.Paper`.

The mapping is described in the package docstring
(:mod:`paperbrowse.core.sources.crossref`): work types, titles, names, dates
with their known parts, pages, JATS abstracts and arXiv ids;
:func:`parse_work` reads one HTTP answer into a record.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from paperbrowse.core.models import DAY, MONTH, YEAR, Name, Paper, paper_id_for
from paperbrowse.core.sources.common import (
    Record,
    SourceError,
    clean_text,
    normalise_arxiv_id,
    normalise_doi,
)

#: Default name of this source in ``Paper.sources`` and ``SourceError.source``.
SOURCE = "Crossref"

#: Crossref work ``type`` → BibTeX entry type (Crossref's type list:
#: ``GET /types``). Types not listed become ``misc``.
ENTRY_TYPES: dict[str, str] = {
    "journal-article": "article",
    "proceedings-article": "inproceedings",
    "book-chapter": "incollection",
    "book-section": "incollection",
    "book-part": "incollection",
    "book-track": "incollection",
    "reference-entry": "incollection",
    "book": "book",
    "monograph": "book",
    "edited-book": "book",
    "reference-book": "book",
    "book-set": "book",
    "book-series": "book",
    "proceedings": "proceedings",
    "proceedings-series": "proceedings",
    "report": "techreport",
    "report-component": "techreport",
    "report-series": "techreport",
    "dissertation": "phdthesis",
    "posted-content": "misc",
    "dataset": "misc",
}

#: Work types whose ``container-title`` is a series, not what the work is part of.
_BOOK_TYPES = frozenset({"book", "monograph", "edited-book", "reference-book", "book-set"})
#: Work types whose second ``container-title`` is the series of the first
#: (Springer's chapters: the book, then "Lecture Notes in Computer Science").
_PART_TYPES = frozenset(
    {"book-chapter", "book-section", "book-part", "book-track", "proceedings-article"}
)
#: ``relation`` types that link a work to another form of the same work.
_SAME_WORK = frozenset(
    {
        "has-preprint",
        "is-preprint-of",
        "has-version",
        "is-version-of",
        "is-identical-to",
        "is-same-as",
        "has-manuscript",
        "is-manuscript-of",
        "has-manifestation",
        "is-manifestation-of",
    }
)
#: Date fields tried for the publication date, most authoritative first.
_DATE_FIELDS = (
    "issued",
    "published",
    "published-print",
    "published-online",
    "posted",
    "approved",
)

_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(?P<id>.+)$", re.IGNORECASE)
_ALT_ARXIV = re.compile(r"^(?:arxiv:|https?://(?:www\.)?arxiv\.org/(?:abs|pdf)/)", re.IGNORECASE)
_PAGE_RANGE = re.compile(r"^\s*([^\s\-–—]+)\s*(?:-{1,2}|–|—)\s*([^\s\-–—]+)\s*$")
_BLOCK_TAG = re.compile(
    r"</?(?:[\w.-]+:)?(?:p|title|sec|list|list-item|def-list|disp-quote|br|break|label)\b[^>]*>",
    re.IGNORECASE,
)
_LEADING_ABSTRACT = re.compile(
    r"^\s*<(?:[\w.-]+:)?title\b[^>]*>\s*(?:abstract|summary)\s*\.?\s*</(?:[\w.-]+:)?title>",
    re.IGNORECASE,
)
_TAG = re.compile(r"<[^<>]+>")
_ET_AL = frozenset({"et al", "et al.", "others", "and others", "et. al."})


def jats_to_text(markup: str | None) -> str:
    """Reduce a JATS XML fragment (Crossref's ``abstract``) to plain text.

    Block elements (``<jats:p>``, ``<jats:title>``, ``<jats:sec>`` …) become
    white space, inline ones (``<jats:italic>``, ``<jats:sub>``, MathML) are
    dropped keeping their text (``CuO<jats:sub>2</jats:sub>`` → ``CuO2``), a
    leading ``<jats:title>Abstract</jats:title>`` heading is removed, entities
    are decoded, white space collapsed and LaTeX fragments turned into
    Unicode (:func:`~paperbrowse.core.sources.common.clean_text`).
    """
    if not markup:
        return ""
    text = _LEADING_ABSTRACT.sub("", markup)
    text = _BLOCK_TAG.sub(" ", text)
    text = _TAG.sub("", text)
    return clean_text(html.unescape(text))


def format_pages(page: str | None) -> str | None:
    """Crossref's ``page`` as the Paper record keeps it: a range with an en dash.

    ``"12426-12437"`` → ``"12426–12437"`` (what BibTeX's ``--`` becomes);
    a single page or article number is kept as given; ``None``/``""`` → ``None``.
    """
    if not page or not page.strip():
        return None
    match = _PAGE_RANGE.match(page)
    if match:
        return f"{match.group(1)}–{match.group(2)}"
    return page.strip()


def _first(value: Any) -> str | None:
    """The first non-empty text of a Crossref list field (or of the string itself),
    tags stripped and entities decoded (titles carry ``<i>``, ``&amp;``)."""
    items = value if isinstance(value, list) else [value]
    for item in items:
        if isinstance(item, str) and (text := jats_to_text(item)):
            return text
    return None


def _plain(value: Any) -> str | None:
    """A scalar field (``volume``, ``issue``, ``page`` …) as stripped text, or ``None``."""
    if isinstance(value, str | int) and not isinstance(value, bool):
        text = " ".join(str(value).split())
        return text or None
    return None


def _title(work: Mapping[str, Any]) -> str:
    title = _first(work.get("title")) or ""
    subtitle = _first(work.get("subtitle")) or ""
    if subtitle and subtitle.casefold() not in title.casefold():
        separator = " " if title.endswith((":", "?", "!", ".")) else ": "
        title = f"{title}{separator}{subtitle}" if title else subtitle
    return title


def _name(person: Any) -> Name | None:
    """A Crossref contributor (``given``, ``family``, ``suffix``, ``name``) as a Name."""
    if not isinstance(person, Mapping):
        return None
    family = clean_text(person.get("family"))
    given = clean_text(person.get("given"))
    suffix = clean_text(person.get("suffix"))
    literal = clean_text(person.get("name"))
    if not family:
        if literal:
            return Name(literal=literal)
        return Name(literal=given) if given else None
    # A lower-case "von" part ("van der Berg") is a particle, as BibTeX splits it;
    # a capitalised one ("Del Maestro") stays part of the family name.
    words = family.split(" ")
    particle: list[str] = []
    while len(words) > 1 and words[0][:1].islower():
        particle.append(words.pop(0))
    return Name(family=" ".join(words), given=given, particle=" ".join(particle), suffix=suffix)


def _people(value: Any) -> tuple[tuple[Name, ...], bool]:
    """Contributors in order (``sequence: first`` first) and whether the list is complete."""
    people = [p for p in value if isinstance(p, Mapping)] if isinstance(value, list) else []
    people.sort(key=lambda p: p.get("sequence") != "first")  # stable: the rest keep their order
    names: list[Name] = []
    complete = True
    for person in people:
        name = _name(person)
        if name is None:
            continue
        if str(name).casefold().strip() in _ET_AL:
            complete = False
            continue
        names.append(name)
    return tuple(names), complete


def _date_parts(value: Any) -> list[int]:
    """``{"date-parts": [[2020, 6, 13]]}`` → ``[2020, 6, 13]``, the known parts only."""
    if not isinstance(value, Mapping):
        return []
    rows = value.get("date-parts")
    if not isinstance(rows, list) or not rows or not isinstance(rows[0], list):
        return []
    parts: list[int] = []
    for part in rows[0][:3]:
        try:
            number = int(part)
        except (TypeError, ValueError):
            break
        parts.append(number)
    return parts


def _valid(parts: list[int]) -> list[int]:
    """The longest prefix of ``parts`` that is a real date (a bad day drops the day)."""
    while parts:
        year, month, day = (parts + [1, 1])[:3]
        try:
            date(year, month, day)
        except (ValueError, OverflowError):
            parts = parts[:-1]
            continue
        return parts
    return []


def _published(work: Mapping[str, Any]) -> tuple[date | None, int]:
    """The publication date and how many parts of it are known.

    ``issued`` (Crossref's earliest of print and online publication) decides;
    when another date field agrees with it and knows more (``issued`` 2015,
    ``published-online`` 2015-11-18), the fuller date is taken.
    """
    candidates = [p for f in _DATE_FIELDS if (p := _valid(_date_parts(work.get(f))))]
    if not candidates:
        return None, DAY
    best = candidates[0]
    for other in candidates[1:]:
        if len(other) > len(best) and other[: len(best)] == best:
            best = other
    year, month, day = (best + [1, 1])[:3]
    return date(year, month, day), (YEAR, MONTH, DAY)[len(best) - 1]


def arxiv_of_doi(doi: str | None) -> str | None:
    """The arXiv id of an arXiv DOI (``10.48550/arXiv.2006.07733`` → ``2006.07733``)."""
    match = _ARXIV_DOI.match(doi.strip()) if doi else None
    return normalise_arxiv_id(match.group("id")) if match else None


def _arxiv_id(work: Mapping[str, Any], doi: str | None) -> str | None:
    """An arXiv id for the work: its own arXiv DOI, a same-work relation, an alternative id."""
    if arxiv_id := arxiv_of_doi(doi):
        return arxiv_id
    relation = work.get("relation")
    if isinstance(relation, Mapping):
        for kind, links in relation.items():
            if kind not in _SAME_WORK or not isinstance(links, list):
                continue
            for link in links:
                if not isinstance(link, Mapping) or not isinstance(link.get("id"), str):
                    continue
                id_type = str(link.get("id-type", "")).lower()
                if id_type == "arxiv":
                    found = normalise_arxiv_id(link["id"])
                elif id_type == "doi":
                    found = arxiv_of_doi(link["id"])
                else:
                    found = None
                if found:
                    return found
    for alternative in work.get("alternative-id") or ():
        if not isinstance(alternative, str) or not _ALT_ARXIV.match(alternative.strip()):
            continue  # a bare number may be the publisher's own id, not arXiv's
        if found := normalise_arxiv_id(alternative):
            return found
    return None


def _entry_type(work: Mapping[str, Any]) -> str:
    kind = str(work.get("type") or "")
    if kind == "dissertation":
        degrees = " ".join(str(d) for d in work.get("degree") or ())
        if re.search(r"\bmaster|\bM\.?(?:Sc|A|Phil|S|Eng)\b", degrees, re.IGNORECASE):
            return "mastersthesis"
    return ENTRY_TYPES.get(kind, "misc")


def _institution(work: Mapping[str, Any]) -> str | None:
    institutions = work.get("institution")
    if isinstance(institutions, Mapping):
        institutions = [institutions]
    for item in institutions or ():
        if isinstance(item, Mapping) and (name := _first(item.get("name"))):
            return name
    return None


def work_to_paper(work: Mapping[str, Any], source: str = SOURCE) -> Paper:
    """Map a Crossref work (the ``message`` of ``/works/{doi}``) to a :class:`Paper`.

    Args:
        work: the work record as decoded from JSON.
        source: name recorded in ``Paper.sources``.

    Returns:
        The paper: ``entry_type`` from ``type`` (:data:`ENTRY_TYPES`;
        ``dissertation`` with a master's ``degree`` → ``mastersthesis``);
        ``title`` = ``title[0]`` (+ ``": " + subtitle[0]``), tags stripped;
        ``names``/``authors`` from ``author`` (``given``, ``family`` with a
        lower-case particle split off, ``suffix``; ``name`` as a literal),
        ``sequence: first`` first, and ``author_count`` only when the list is
        complete (an ``et al.`` entry makes it incomplete); ``editors`` from
        ``editor``; ``container`` = ``container-title[0]`` (for books the
        container title is their ``series``; for chapters and proceedings
        papers a second container title is the series); ``volume``;
        ``number`` = ``issue``; ``pages`` = ``page`` with an en dash, else
        ``article-number``; ``publisher``; ``address`` =
        ``publisher-location``; ``isbn`` = ``ISBN[0]``; ``issn`` = ``ISSN[0]``;
        ``edition`` = ``edition-number``; ``institution`` (reports, theses) or,
        for posted content, ``howpublished`` (the preprint server, else
        ``"Preprint"``); ``published``/``date_parts`` from the dates (see
        :func:`_published`); ``abstract`` from JATS; ``url`` = ``URL``; ``doi``
        lower case; ``arxiv_id`` when known (then ``id`` is ``arxiv:<id>``).

    Raises:
        ValueError: the work has no title (the message names its DOI).
    """
    doi = normalise_doi(work.get("DOI") if isinstance(work.get("DOI"), str) else None)
    title = _title(work)
    if not title:
        raise ValueError(f"the record of {doi or 'this DOI'} has no title")
    kind = str(work.get("type") or "")
    names, complete = _people(work.get("author"))
    editors, _ = _people(work.get("editor"))
    containers = [t for t in (work.get("container-title") or ()) if _first(t)]
    container = series = None
    if kind in _BOOK_TYPES:
        series = _first(containers)
    else:
        container = _first(containers)
        if kind in _PART_TYPES and len(containers) > 1:
            second = _first(containers[1:])
            series = second if second != container else None
    published, date_parts = _published(work)
    arxiv_id = _arxiv_id(work, doi)
    institution = _institution(work)
    howpublished = None
    if kind == "posted-content":
        howpublished = institution or _first(work.get("group-title"))
        if not howpublished and work.get("subtype") == "preprint":
            howpublished = "Preprint"
        institution = None
    authors = tuple(str(n) for n in names)
    return Paper(
        id=paper_id_for(title, arxiv_id),
        title=title,
        abstract=_first(work.get("abstract")) or "",
        authors=authors,
        author_count=len(authors) if authors and complete else None,
        published=published,
        arxiv_id=arxiv_id,
        sources=(source,),
        url=_plain(work.get("URL")) or (f"https://doi.org/{doi}" if doi else None),
        doi=doi,
        names=names,
        date_parts=date_parts,
        entry_type=_entry_type(work),
        editors=editors,
        container=container,
        volume=_plain(work.get("volume")),
        number=_plain(work.get("issue")),
        pages=format_pages(_plain(work.get("page"))) or _plain(work.get("article-number")),
        edition=_plain(work.get("edition-number")),
        series=series,
        publisher=_first(work.get("publisher")),
        institution=institution,
        address=_first(work.get("publisher-location")),
        isbn=_first(work.get("ISBN")),
        issn=_first(work.get("ISSN")),
        howpublished=howpublished,
    )


def parse_work(body: str | bytes, doi: str, source: str = SOURCE) -> Record:
    """Read one ``/works/{doi}`` answer (HTTP 200) into a record.

    Args:
        body: the JSON text ``{"status": "ok", "message-type": "work", "message": {...}}``.
        doi: the DOI asked for (names the record in errors).
        source: name recorded in ``Paper.sources`` / ``SourceError.source``.

    Returns:
        A :class:`Paper` (:func:`work_to_paper`), or a :class:`SourceError`
        located ``"doi <doi>"`` when the body is not JSON, its status is not
        ``ok``, its message is not a work, or the work has no title.
    """
    location = f"doi {doi}"
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        start = body[:60] if isinstance(body, str) else body[:60].decode("utf-8", "replace")
        return SourceError(source, location, f"Crossref's answer is not JSON: {start!r}")
    if not isinstance(data, Mapping) or data.get("status") != "ok":
        status = data.get("status") if isinstance(data, Mapping) else None
        return SourceError(source, location, f"Crossref answered with status {status!r}")
    message = data.get("message")
    if not isinstance(message, Mapping) or data.get("message-type", "work") != "work":
        return SourceError(source, location, "Crossref's answer holds no work record")
    try:
        return work_to_paper(message, source)
    except ValueError as exc:
        return SourceError(source, location, str(exc))
