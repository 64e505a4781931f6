"""Read RIS records (``TY  -`` … ``ER  -``), paperbrowse's own or another tool's, to papers."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date
from typing import Any

from paperbrowse.core.export import (
    RIS_PRIVATE_PREFIX,
    read_ris_name,
)
from paperbrowse.core.models import (
    DAY,
    Paper,
)
from paperbrowse.core.sources.common import (
    Record,
    SourceError,
    normalise_arxiv_id,
)
from paperbrowse.core.sources.exported.values import (
    _ARXIV_DOI,
    _OUR_ID,
    _RIS_DATE,
    _RIS_LINE,
    _Bad,
    _citation_key,
    _common_private,
    _doi,
    _make_date,
    _paper_id,
    _private_fields,
    _private_names,
    _str,
)

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
