"""RIS export, the tagged format of Research Information Systems.

Each line is a tag, two spaces, ``-``, a space and the value; ``TY`` opens and
``ER`` closes a record; tag meanings as Zotero, EndNote and rispy read them.
paperbrowse's own data rides in a ``C8`` line
(:func:`paperbrowse.core.export.common.private_data`), so a re-import
(:mod:`paperbrowse.core.sources.exported`) gives back every field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from paperbrowse.core.export.common import (
    export_keys,
    genre_of,
    is_preprint,
    journal_doi,
    private_data,
)
from paperbrowse.core.library import Bookmark
from paperbrowse.core.models import Name, Paper

#: BibTeX entry type → RIS ``TY`` (the RIS type list; the types Zotero and rispy read).
RIS_TYPES: dict[str, str] = {
    "article": "JOUR",
    "inproceedings": "CPAPER",
    "conference": "CPAPER",
    "incollection": "CHAP",
    "inbook": "CHAP",
    "book": "BOOK",
    "mvbook": "BOOK",
    "proceedings": "CONF",
    "booklet": "PAMP",
    "techreport": "RPRT",
    "report": "RPRT",
    "manual": "RPRT",
    "phdthesis": "THES",
    "mastersthesis": "THES",
    "thesis": "THES",
    "unpublished": "UNPB",
    "online": "ELEC",
    "electronic": "ELEC",
    "www": "ELEC",
    "dataset": "DATA",
    "software": "COMP",
    "patent": "PAT",
    "misc": "GEN",
}

#: The ``C8`` value that carries :func:`private_data` starts with this word.
RIS_PRIVATE_PREFIX = "paperbrowse "


def ris_type(paper: Paper) -> str:
    """The RIS ``TY`` of ``paper``.

    From :attr:`Paper.entry_type` by :data:`RIS_TYPES` (a type not in it is
    ``GEN``); a book with editors but no authors is ``EDBOOK``; a preprint (an
    arXiv paper without a venue, ``misc`` or untyped) is ``UNPB``. A paper
    without an entry type is ``JOUR`` when it has a journal reference, a
    container or a DOI other than arXiv's, else ``GEN``.
    """
    if is_preprint(paper):
        return "UNPB"
    if paper.entry_type:
        kind = RIS_TYPES.get(paper.entry_type, "GEN")
        return "EDBOOK" if kind == "BOOK" and paper.editors and not paper.authors else kind
    if paper.journal_ref or paper.container or journal_doi(paper.doi):
        return "JOUR"
    return "GEN"


def ris_name(name: Name) -> str:
    """A name for an ``AU``/``A2`` line: ``Family, Given[, Suffix]``.

    The particle stays with the family name (``van der Berg, Vincent``,
    ``Del Maestro, Adrian``); a literal (corporate) name is written as it is
    (``World Health Organization``); a suffix is the third part
    (``King, Martin Luther, Jr.``), with an empty given part if there is none.
    """
    if name.literal:
        return name.literal
    last = name.last
    if name.suffix:
        return f"{last}, {name.given}, {name.suffix}"
    return f"{last}, {name.given}" if name.given else last


def read_ris_name(value: str) -> Name:
    """The :class:`Name` of a RIS ``AU`` value (the inverse of :func:`ris_name`).

    ``Family, Given[, Suffix]``; leading lower-case words of the family part
    are the particle (BibTeX's rule for the von part: ``van der Berg`` →
    particle ``van der``, family ``Berg``; ``Del Maestro`` stays one family
    name). A value without a comma is a literal name.
    """
    value = value.strip()
    if "," not in value:
        return Name(literal=value) if value else Name()
    last, _, rest = value.partition(",")
    given, _, suffix = rest.partition(",")
    words = last.split()
    particle: list[str] = []
    while len(words) > 1 and words[0][:1].islower():
        particle.append(words.pop(0))
    return Name(
        family=" ".join(words),
        given=given.strip(),
        particle=" ".join(particle),
        suffix=suffix.strip(),
    )


def split_pages(pages: str) -> tuple[str, str | None]:
    """Split pages: ``"12–20"`` (en dash, ``-`` or ``--``) → ``("12", "20")``.

    A single page or an article number (``"e1234"``) → ``("e1234", None)``.
    """
    first, sep, last = re.sub(r"\s*(?:--|–|-)\s*", "–", pages, count=1).partition("–")
    return (first, last) if sep and first and last else (pages, None)


def _ris_line(tag: str, value: str) -> str:
    return f"{tag}  - " + "\r\n".join(value.splitlines())


def ris_date(paper: Paper) -> str | None:
    """The ``DA`` value: ``2020/06/13/``, ``2020/06//``; ``None`` for a year-only or no date.

    RIS dates are ``YYYY/MM/DD/other``, parts left empty when unknown; a
    year alone is written as ``PY`` only.
    """
    parts = paper.date_list
    if len(parts) < 2:
        return None
    return f"{parts[0]:04d}/{parts[1]:02d}/" + (f"{parts[2]:02d}/" if len(parts) == 3 else "/")


def ris_record(bookmark: Bookmark, key: str) -> list[tuple[str, str]]:
    """The ``(tag, value)`` lines of one RIS record, ``TY`` first and ``ER`` last.

    Tags (RIS tag list, as Zotero and rispy read them): ``TY`` (:func:`ris_type`);
    ``ID`` the citation key; ``TI``; ``AU`` per author and ``A2`` per editor
    (:func:`ris_name`; a paper without author names has no ``AU``); ``JO``
    the journal of a ``JOUR`` record (else its arXiv journal reference), else
    ``T2`` the book or proceedings title; ``T3`` series; ``VL``; ``IS``
    (BibTeX ``number``); ``SP``/``EP`` from the pages; ``ET`` edition; ``PB``
    publisher (for reports and theses the institution when there is no
    publisher); ``CY`` address; ``SN`` ISBN, else ISSN; ``M3`` a thesis's
    kind; ``PY`` the year and ``DA`` the date with only its known parts
    (:func:`ris_date`); ``AB``; ``DO``; ``UR``; for arXiv papers ``DB``
    ``arXiv`` and ``AN`` ``arXiv:ID``; ``KW`` per tag; ``N1`` the user's
    note; ``C8`` ``paperbrowse {json}``: the :func:`private_data`, plus
    ``fields`` for the BibTeX note, institution, howpublished, journal
    reference, comment, categories, an ISSN next to an ISBN, and pages or
    names the tags above would not give back as they are.
    Organisations are never written as ``AD`` (that is the authors' address).
    """
    p = bookmark.paper
    kind = ris_type(p)
    private = private_data(bookmark)
    fields: dict[str, Any] = {}
    synthesised: list[str] = []
    lines = [("TY", kind), ("ID", key), ("TI", p.title)]
    names = p.author_names if p.authors else ()
    lines += [("AU", ris_name(n)) for n in names]
    lines += [("A2", ris_name(n)) for n in p.editors]
    if any(read_ris_name(ris_name(n)) != n for n in (*names, *p.editors)) or (
        p.authors and not p.names
    ):
        private["names"] = {
            "authors": [n.to_dict() for n in p.names],
            "editors": [n.to_dict() for n in p.editors],
        }
    if p.container is not None:
        lines.append(("JO" if kind == "JOUR" else "T2", p.container))
    elif p.journal_ref and kind == "JOUR":
        lines.append(("JO", p.journal_ref))  # as the BibTeX export's journal
        synthesised.append("JO")
    for tag, value in (("T3", p.series), ("VL", p.volume), ("IS", p.number)):
        if value is not None:
            lines.append((tag, value))
    if p.pages is not None:
        first, last = split_pages(p.pages)
        lines.append(("SP", first))
        if last is not None:
            lines.append(("EP", last))
        if (f"{first}–{last}" if last is not None else first) != p.pages:
            fields["pages"] = p.pages
    for tag, value in (("ET", p.edition), ("PB", p.publisher), ("CY", p.address)):
        if value is not None:
            lines.append((tag, value))
    if p.institution is not None:
        if p.publisher is None and kind in ("RPRT", "THES"):
            lines.append(("PB", p.institution))
            synthesised.append("PB")
        fields["institution"] = p.institution
    if p.isbn is not None or p.issn is not None:
        lines.append(("SN", p.isbn if p.isbn is not None else p.issn or ""))
        if p.isbn is not None:
            fields["isbn"] = p.isbn
            if p.issn is not None:
                fields["issn"] = p.issn
        else:
            fields["issn"] = p.issn
        synthesised.append("SN")
    if (genre := genre_of(p)) is not None:
        lines.append(("M3", genre))
        synthesised.append("M3")
    if p.published:
        lines.append(("PY", f"{p.published.year:04d}"))
        if (when := ris_date(p)) is not None:
            lines.append(("DA", when))
    for tag, value in (("AB", p.abstract), ("DO", p.doi), ("UR", p.url)):
        if value:
            lines.append((tag, value))
    if p.arxiv_id:
        lines += [("DB", "arXiv"), ("AN", f"arXiv:{p.arxiv_id}")]
    lines += [("KW", tag) for tag in bookmark.tags]
    if bookmark.note:
        lines.append(("N1", bookmark.note))
    for name in ("note", "howpublished", "journal_ref", "comment"):
        if (value := getattr(p, name)) is not None:
            fields[name] = value
    if p.categories:
        fields["categories"] = list(p.categories)
    if fields:
        private["fields"] = fields
    if synthesised:
        private["synthesised"] = synthesised
    lines.append(("C8", RIS_PRIVATE_PREFIX + json.dumps(private, ensure_ascii=False)))
    lines.append(("ER", ""))
    return lines


def render_ris(bookmarks: Sequence[Bookmark]) -> str:
    """RIS records (:func:`ris_record`), CRLF line ends, a blank line between records.

    Each line is the tag, two spaces, ``-``, a space and the value; a value
    spanning several lines continues on the next lines, which carry no tag.
    """
    records = []
    for bm, key in zip(bookmarks, export_keys(bookmarks), strict=True):
        lines = [_ris_line(tag, value) for tag, value in ris_record(bm, key)]
        records.append("\r\n".join(lines) + "\r\n")
    return "\r\n".join(records)
