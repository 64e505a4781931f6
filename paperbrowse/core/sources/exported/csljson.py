"""Read CSL-JSON (CSL 1.0.2 data schema), paperbrowse's own or another tool's, to papers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from paperbrowse.core.models import (
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
    _ARXIV_DOI,
    _Bad,
    _citation_key,
    _common_private,
    _doi,
    _iso_date,
    _json_items,
    _make_date,
    _paper_id,
    _private_fields,
    _private_names,
    _run,
    _str,
    _strings,
)

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
    # an arXiv page made for citations: the paper's own link is the private one
    url = _str(custom.get("fields") or {}, "url") if "URL" in synthesised else _str(item, "URL")
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
        url=url,
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
