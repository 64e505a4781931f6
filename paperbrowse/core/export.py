"""Reading-list export: Markdown, BibTeX, CSV, JSON, CSL-JSON and RIS.

The ``render_*`` functions are pure (bookmarks in, text out); :func:`export`
writes the text atomically (temporary file, then ``os.replace``), so an
existing file is never left half-written. JSON, CSV, CSL-JSON and RIS are read
back by :func:`paperbrowse.core.sources.exported.read_export`, BibTeX by
:mod:`paperbrowse.core.sources.bibtex`; Markdown is for people.

Every format uses the same citation keys (:func:`export_keys`: each paper's
own key, generated ones made unique) and writes dates with only the parts
known (``2020``, ``2020-06``, ``2020-06-13``; never an invented month or day).

*BibTeX*: :mod:`paperbrowse.core.export_bibtex` (re-exported here).

*CSL-JSON* (:func:`render_csljson`) follows the CSL 1.0.2 data schema
(https://github.com/citation-style-language/schema/blob/master/schemas/input/csl-data.json;
variables: https://docs.citationstyles.org/en/stable/specification.html#appendix-iv-variables).
*RIS* (:func:`render_ris`) follows the RIS format of Research Information
Systems (tag, two spaces, ``-``, space, value; ``TY`` opens and ``ER`` closes
a record), with the tag meanings Zotero, EndNote and rispy use.

What each format carries: JSON everything (:meth:`Paper.to_dict` plus the
bookmark); CSL-JSON and RIS the bibliographic record in their own
variables/tags plus, where citation styles do not print it, paperbrowse's own
data (:func:`private_data`: paper id, organisation, upvotes, author count,
entry type, reading status, lists, extra BibTeX fields) so that a re-import
gives back every field; CSV every field, names as display strings. A paper
without author names (only an organisation, or only a count of authors) has
no author in any citation format: styles then lead with the title.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from paperbrowse import __version__
from paperbrowse.core import citekeys
from paperbrowse.core.atomic import write_text_atomic
from paperbrowse.core.export_bibtex import (  # noqa: F401  (re-exported)
    bibtex_text,
    render_bibtex,
    render_bibtex_entry,
)
from paperbrowse.core.library import Bookmark
from paperbrowse.core.models import (
    BIB_FIELDS,
    Name,
    Paper,
    papers,
)

#: Format name -> the file extension it is written with.
FORMATS: dict[str, str] = {
    "md": ".md",
    "bibtex": ".bib",
    "csv": ".csv",
    "json": ".json",
    "csljson": ".csl.json",
    "ris": ".ris",
}
#: Format name -> a label for people (menus, dialogs).
FORMAT_LABELS: dict[str, str] = {
    "md": "Markdown",
    "bibtex": "BibTeX",
    "csv": "CSV",
    "json": "JSON",
    "csljson": "CSL-JSON",
    "ris": "RIS",
}
_ALIASES = {
    "markdown": "md",
    "bib": "bibtex",
    "csl": "csljson",
    "csl-json": "csljson",
    "csl_json": "csljson",
}
_STOP = {"a", "an", "the", "on", "of", "in", "for", "to", "and", "with", "is", "are", "via", "from"}


def normalise_format(name: str) -> str:
    """Return the canonical format name: a key of :data:`FORMATS`.

    Aliases: ``markdown`` (md), ``bib`` (bibtex), ``csl``, ``csl-json`` (csljson);
    case is ignored.

    Raises:
        ValueError: unknown format; the message lists the known ones.
    """
    key = _ALIASES.get(name.lower(), name.lower())
    if key not in FORMATS:
        raise ValueError(f"unknown export format {name!r}; choose one of {', '.join(FORMATS)}")
    return key


def format_for_path(path: Path | str) -> str | None:
    """Guess the format from a file name, or ``None``.

    ``.bib`` → bibtex, ``.csv``, ``.ris``, ``.md``/``.markdown`` → md;
    ``.csl.json`` (and ``.csljson``) → csljson, any other ``.json`` → json
    (paperbrowse's own JSON).
    """
    name = Path(path).name.lower()
    if name.endswith((".csl.json", ".csljson")):
        return "csljson"
    if name.endswith(".markdown"):
        return "md"
    suffix = Path(name).suffix
    for fmt, ext in FORMATS.items():
        if suffix == ext:
            return fmt
    return None


def render_markdown(bookmarks: Sequence[Bookmark]) -> str:
    """A Markdown reading list: a heading, then one section per paper.

    Each section gives the title, a meta line (who, date, upvotes, arXiv id),
    the reading status, tags and lists when set, the link, the abstract, the
    note as a block quote, and the bookmark date. Markdown is for people: it
    is not read back by the importers.
    """
    lines = [
        "# Reading list",
        "",
        f"{papers(len(bookmarks))}, exported by paperbrowse {__version__}.",
        "",
    ]
    for number, bm in enumerate(bookmarks, 1):
        p = bm.paper
        lines.append(f"## {number}. {p.title}")
        lines.append("")
        meta = [x for x in (p.byline, p.venue, p.date_iso) if x]
        if p.upvotes is not None:
            meta.append(f"{p.upvotes} upvotes")
        if p.arxiv_id:
            meta.append(f"arXiv:{p.arxiv_id}")
        if p.doi and not _ARXIV_DOI.match(p.doi):
            meta.append(f"doi:{p.doi}")
        if meta:
            lines.append("*" + " · ".join(meta) + "*")
            lines.append("")
        mine = []
        if bm.status:
            mine.append(f"**Status:** {bm.status}")
        if bm.tags:
            mine.append(f"**Tags:** {', '.join(bm.tags)}")
        if bm.lists:
            mine.append(f"**Lists:** {', '.join(bm.lists)}")
        if mine:
            lines.append(" · ".join(mine))
            lines.append("")
        if p.url:
            lines.append(f"<{p.url}>")
            lines.append("")
        if p.abstract:
            lines.append(p.abstract)
            lines.append("")
        if bm.note:
            note_lines = bm.note.splitlines()
            lines.append(f"> **Note:** {note_lines[0]}")
            lines.extend(f"> {line}".rstrip() for line in note_lines[1:])
            lines.append("")
        if bm.added_at is not None:
            lines.append(f"Bookmarked {bm.added_at.date().isoformat()}.")
        lines.append("")
    return "\n".join(lines)


# -- BibTeX: paperbrowse.core.export_bibtex (re-exported here) --------------------


# -- citation keys of an export ----------------------------------------------------


def export_keys(bookmarks: Sequence[Bookmark]) -> list[str]:
    """The citation key of each bookmark in an export, in order, all distinct.

    :func:`paperbrowse.core.citekeys.export_keys` of the papers (each
    paper's own key; generated ones made unique), so the BibTeX key, the
    CSL-JSON ``id`` and the RIS ``ID`` of a paper agree and ``@key`` cites the
    same paper whichever file pandoc is given.
    """
    return citekeys.export_keys(bm.paper for bm in bookmarks)


# -- CSV and JSON ----------------------------------------------------------------------

#: The CSV export's columns, in order. ``note`` is the user's note (the
#: bookmark's); ``bibtex_note`` the BibTeX ``note`` field (:attr:`Paper.note`).
#: ``published`` is the known date (``2020``, ``2020-06``, ``2020-06-13``);
#: ``authors``, ``editors``, ``categories``, ``tags`` and ``lists`` are joined by
#: ``; ``; ``extra`` and ``latex`` are JSON arrays of ``[name, value]`` pairs
#: (:attr:`Paper.extra`, :attr:`Paper.latex`).
CSV_COLUMNS = (
    "id",
    "title",
    "authors",
    "organisation",
    "published",
    "year",
    "upvotes",
    "arxiv_id",
    "doi",
    "url",
    "added_at",
    "status",
    "tags",
    "lists",
    "note",
    "abstract",
    "entry_type",
    "citation_key",
    "editors",
    "container",
    "volume",
    "number",
    "pages",
    "edition",
    "series",
    "publisher",
    "institution",
    "address",
    "isbn",
    "issn",
    "howpublished",
    "bibtex_note",
    "journal_ref",
    "comment",
    "extra",
    "latex",
    "author_count",
    "org_handle",
    "categories",
)


def render_csv(bookmarks: Sequence[Bookmark]) -> str:
    """CSV (RFC 4180, header row) with :data:`CSV_COLUMNS`, one row per paper.

    Empty cells for missing values. Names are written in display form
    (``Adrian Del Maestro``), so a re-import splits them again by rule of
    thumb (:meth:`Name.parse`) rather than as the source split them; a name
    containing ``; `` does not survive. Everything else is read back by
    :func:`paperbrowse.core.sources.exported.parse_csv_export`.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for bm in bookmarks:
        p = bm.paper
        cells: dict[str, object] = {
            "id": p.id,
            "title": p.title,
            "authors": "; ".join(p.authors),
            "organisation": p.organisation,
            "published": p.date_iso,
            "year": p.year,
            "upvotes": p.upvotes,
            "arxiv_id": p.arxiv_id,
            "doi": p.doi,
            "url": p.url,
            "added_at": bm.added_at.isoformat() if bm.added_at else None,
            "status": bm.status,
            "tags": "; ".join(bm.tags),
            "lists": "; ".join(bm.lists),
            "note": bm.note,
            "abstract": p.abstract,
            "entry_type": p.entry_type,
            "citation_key": p.citation_key,
            "editors": "; ".join(map(str, p.editors)),
            "bibtex_note": p.note,
            "extra": json.dumps([list(x) for x in p.extra], ensure_ascii=False) if p.extra else "",
            "latex": json.dumps([list(x) for x in p.latex], ensure_ascii=False) if p.latex else "",
            "author_count": p.author_count,
            "org_handle": p.org_handle,
            "categories": "; ".join(p.categories),
        }
        for name in BIB_FIELDS:
            if name != "note":
                cells[name] = getattr(p, name)
        writer.writerow(["" if cells[c] is None else cells[c] for c in CSV_COLUMNS])
    return out.getvalue()


def render_json(bookmarks: Sequence[Bookmark]) -> str:
    """JSON: ``{"exported_by": "paperbrowse X.Y", "papers": [...]}``.

    Each paper is :meth:`Paper.to_dict` (where ``note`` is the BibTeX note
    field, present only when set) plus the bookmark's ``added_at`` (ISO 8601),
    ``status`` (string or null), ``tags`` and ``lists`` (lists of strings)
    and ``user_note`` (the user's note, ``""`` if none). Files written before
    0.x had the user's note under ``note``; the importer still reads them
    (a paper with ``added_at`` but no ``user_note`` is such a file's).
    """
    items = [
        bm.paper.to_dict()
        | {
            "added_at": bm.added_at.isoformat() if bm.added_at else None,
            "status": bm.status,
            "tags": list(bm.tags),
            "lists": list(bm.lists),
            "user_note": bm.note,
        }
        for bm in bookmarks
    ]
    return (
        json.dumps(
            {"exported_by": f"paperbrowse {__version__}", "papers": items},
            ensure_ascii=False,
            indent=2,
        )
        + "\n"
    )


# -- what citation formats cannot hold ------------------------------------------------

_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.", re.IGNORECASE)
#: The BibTeX types read as theses, and the genre (CSL ``genre``, RIS ``M3``) each gets.
_THESIS_GENRE = {"phdthesis": "PhD thesis", "mastersthesis": "Master's thesis", "thesis": "Thesis"}
_REPORT_TYPES = frozenset({"techreport", "report", "manual"})


def _journal_doi(doi: str | None) -> bool:
    """True for a DOI other than arXiv's own (``10.48550/arXiv.…``)."""
    return bool(doi) and not _ARXIV_DOI.match(doi or "")


def _is_preprint(p: Paper) -> bool:
    """An arXiv paper with no venue (container, journal reference) of its own: a preprint."""
    venue = p.container or p.journal_ref
    return bool(p.arxiv_id) and not venue and p.entry_type in (None, "misc", "online")


def _genre(p: Paper) -> str | None:
    """A thesis's kind (``PhD thesis``), or a report's BibTeX ``type`` field."""
    given = dict(p.extra).get("type")
    if p.entry_type in _THESIS_GENRE:
        return given or _THESIS_GENRE[p.entry_type or ""]
    return given if p.entry_type in _REPORT_TYPES else None


#: The version of :func:`private_data`'s layout (files before it had no ``version``).
PRIVATE_VERSION = 2


def private_data(bookmark: Bookmark) -> dict[str, Any]:
    """paperbrowse's own data of a paper, kept where citation styles do not print it.

    The CSL-JSON export writes it as the item's ``custom`` object (CSL 1.0.2),
    the RIS export as JSON in a ``C8`` (custom 8) line; re-import reads it
    back. Only keys with a value are written:

    * ``paperbrowse-id`` and ``version`` (:data:`PRIVATE_VERSION`) always;
      ``organisation``, ``org-handle``, ``upvotes``, ``author-count``,
      ``arxiv-id``, ``entry-type`` (the BibTeX type, so a re-import gets
      the type back, not the citation format's nearest type);
    * the bookmark's ``status``, ``lists`` and ``added`` (ISO 8601 time);
    * ``extra``: the BibTeX fields paperbrowse does not model, ``[[name, value], …]``;
      ``latex``: the source's own LaTeX of modelled fields (:attr:`Paper.latex`).

    The formats add ``fields`` (paper fields they have no tag or variable for,
    ``{"journal_ref": …}``), ``synthesised`` (their variables or tags that were
    made from something else and must not be read back as what they name) and
    ``names`` (the authors split as :class:`Name` dicts, when the format's own
    name form would not give the same split back).
    """
    p = bookmark.paper
    data: dict[str, Any] = {"paperbrowse-id": p.id, "version": PRIVATE_VERSION}
    for name, value in (
        ("organisation", p.organisation),
        ("org-handle", p.org_handle),
        ("upvotes", p.upvotes),
        ("author-count", p.author_count),
        ("arxiv-id", p.arxiv_id),
        ("entry-type", p.entry_type),
        ("status", bookmark.status),
        ("lists", list(bookmark.lists)),
        ("added", bookmark.added_at.isoformat() if bookmark.added_at else None),
        ("extra", [list(pair) for pair in p.extra]),
        ("latex", [list(pair) for pair in p.latex]),
    ):
        if value is not None and value != []:
            data[name] = value
    return data


# -- CSL-JSON ----------------------------------------------------------------------

#: BibTeX entry type → CSL 1.0.2 item type.
CSL_TYPES: dict[str, str] = {
    "article": "article-journal",
    "inproceedings": "paper-conference",
    "conference": "paper-conference",
    "incollection": "chapter",
    "inbook": "chapter",
    "book": "book",
    "mvbook": "book",
    "proceedings": "book",
    "booklet": "pamphlet",
    "techreport": "report",
    "report": "report",
    "manual": "report",
    "phdthesis": "thesis",
    "mastersthesis": "thesis",
    "thesis": "thesis",
    "unpublished": "manuscript",
    "online": "webpage",
    "electronic": "webpage",
    "www": "webpage",
    "dataset": "dataset",
    "software": "software",
    "patent": "patent",
    "misc": "article",
}


def csl_type(paper: Paper) -> str:
    """The CSL 1.0.2 item ``type`` of ``paper``.

    From :attr:`Paper.entry_type` by :data:`CSL_TYPES` (``misc`` is
    ``article``, CSL's type for preprints and other unpublished articles: CSL
    1.0.2 has no ``preprint``; a type not in the table is ``document``). A
    paper without an entry type is ``article-journal`` when it has a journal
    reference, a container or a DOI other than arXiv's, else ``article``.
    """
    if paper.entry_type:
        return CSL_TYPES.get(paper.entry_type, "document")
    if paper.journal_ref or paper.container or _journal_doi(paper.doi):
        return "article-journal"
    return "article"


def csl_name(name: Name) -> dict[str, str]:
    """A :class:`Name` as a CSL name object.

    ``{"literal": …}`` for a corporate name; else ``family``, ``given``,
    ``non-dropping-particle`` (the BibTeX "von" part, ``van der``: printed
    with the family name even when only the family name is shown, as
    pandoc and citeproc-js read BibTeX's von part) and ``suffix``, each only
    when not empty.
    """
    if name.literal:
        return {"literal": name.literal}
    out = {"family": name.family}
    for key, value in (
        ("given", name.given),
        ("non-dropping-particle", name.particle),
        ("suffix", name.suffix),
    ):
        if value:
            out[key] = value
    return out


#: Paper fields and the CSL 1.0.2 variables they are written to (as text).
_CSL_TEXT = (
    ("container", "container-title"),
    ("volume", "volume"),
    ("pages", "page"),
    ("edition", "edition"),
    ("series", "collection-title"),
    ("publisher", "publisher"),
    ("address", "publisher-place"),
    ("isbn", "ISBN"),
    ("issn", "ISSN"),
    ("note", "note"),
)


def csl_item(bookmark: Bookmark, key: str) -> dict[str, Any]:
    """One CSL-JSON item (a dict ready for ``json.dumps``) for ``bookmark``.

    Variables (CSL 1.0.2, https://docs.citationstyles.org/en/stable/specification.html#appendix-iv-variables):

    * ``id`` and ``citation-key``: ``key`` (see :func:`export_keys`);
    * ``type``: :func:`csl_type`; ``genre``: a thesis's kind (``PhD thesis``);
    * ``title``, ``abstract``, ``DOI``, ``URL``;
    * ``author`` and ``editor``: :func:`csl_name` objects. A paper without
      author names (only an organisation, or only a count of authors, as the
      Hugging Face daily pages give) has no ``author``: styles then lead the
      citation with the title ("*Title* (2025)"); the organisation and the
      count are kept in ``custom`` only;
    * ``issued``: ``{"date-parts": [[2020]]}``, ``[[2020, 6]]`` or
      ``[[2020, 6, 13]]``: only the parts known (:attr:`Paper.date_list`);
    * ``container-title`` (an arXiv journal reference stands in for a
      missing journal), ``volume``, ``issue`` (BibTeX ``number``; a
      report's ``number`` is ``number``), ``page``, ``edition``,
      ``collection-title`` (series), ``publisher`` (for reports and theses
      the institution or school when there is no publisher), ``publisher-place``
      (address), ``ISBN``, ``ISSN``, ``note`` (the BibTeX ``note`` field);
    * a preprint (an arXiv paper without a venue): ``number`` ``arXiv:ID`` and
      ``publisher`` ``arXiv``, as Zotero writes a preprint's archive ID and
      repository;
    * ``categories``: subject categories; ``keyword``: tags joined by ``, ``;
      ``annote``: the user's note (annotations are not printed by citation
      styles, unlike ``note``);
    * ``custom``: :func:`private_data`, plus ``fields`` for
      ``institution``, ``howpublished``, ``journal_ref`` and ``comment`` when
      CSL has no variable for them here.

    ``citation-key``, ``categories`` and ``custom`` are CSL 1.0.2 variables
    that citeproc-py 0.11 does not know: give it :func:`for_citeproc` items.
    """
    p = bookmark.paper
    kind = csl_type(p)
    item: dict[str, Any] = {"id": key, "citation-key": key, "type": kind, "title": p.title}
    custom = private_data(bookmark)
    fields: dict[str, str] = {}
    synthesised: list[str] = []
    if p.authors:
        item["author"] = [csl_name(n) for n in p.author_names]
        if not p.names:
            custom["names"] = {"authors": []}  # the split above is a guess (Name.parse)
    if p.editors:
        item["editor"] = [csl_name(n) for n in p.editors]
    if p.date_list:
        item["issued"] = {"date-parts": [p.date_list]}
    for name, variable in _CSL_TEXT:
        if (value := getattr(p, name)) is not None:
            item[variable] = value
    if p.container is None and p.journal_ref and kind == "article-journal":
        item["container-title"] = p.journal_ref  # as the BibTeX export's journal
        synthesised.append("container-title")
    if p.number is not None:
        item["number" if kind == "report" else "issue"] = p.number
    if p.institution is not None:
        if "publisher" not in item and kind in ("report", "thesis"):
            item["publisher"] = p.institution
            synthesised.append("publisher")
        fields["institution"] = p.institution
    if (genre := _genre(p)) is not None:
        item["genre"] = genre
        synthesised.append("genre")
    if _is_preprint(p) and "number" not in item and "publisher" not in item:
        item["number"] = f"arXiv:{p.arxiv_id}"
        item["publisher"] = "arXiv"
        synthesised += ["number", "publisher"]
    for name in ("howpublished", "journal_ref", "comment"):
        if (value := getattr(p, name)) is not None:
            fields[name] = value
    if p.abstract:
        item["abstract"] = p.abstract
    if p.doi:
        item["DOI"] = p.doi
    if p.url:
        item["URL"] = p.url
    if p.categories:
        item["categories"] = list(p.categories)
    if bookmark.tags:
        item["keyword"] = ", ".join(bookmark.tags)
    if bookmark.note:
        item["annote"] = bookmark.note
    if fields:
        custom["fields"] = fields
    if synthesised:
        custom["synthesised"] = sorted(set(synthesised))
    item["custom"] = custom
    return item


def render_csljson(bookmarks: Sequence[Bookmark]) -> str:
    """CSL-JSON: a JSON array of :func:`csl_item` items (for pandoc, citeproc-js, Zotero).

    Valid against the CSL 1.0.2 data schema
    (https://github.com/citation-style-language/schema/blob/master/schemas/input/csl-data.json).
    """
    keys = export_keys(bookmarks)
    items = [csl_item(bm, key) for bm, key in zip(bookmarks, keys, strict=True)]
    return json.dumps(items, ensure_ascii=False, indent=2) + "\n"


def for_citeproc(items: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """CSL-JSON items with only the keys citeproc-py accepts.

    citeproc-py (0.11) warns "The following arguments for Reference are
    unsupported" for CSL 1.0.2 variables it does not know (``citation-key``,
    ``categories``, ``custom``); none of them is printed by a style, so they
    are dropped here (``id`` and ``type`` are kept). Give the result to
    :class:`citeproc.source.json.CiteProcJSON`.
    """
    from citeproc import VARIABLES  # deferred: only citation formatting needs citeproc

    known = {"id", "type", *(v.replace("_", "-") for v in VARIABLES), "DOI", "ISBN", "ISSN"}
    known |= {"URL", "PMCID", "PMID"}
    return [{k: v for k, v in item.items() if k in known} for item in items]


# -- RIS -------------------------------------------------------------------------------

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
    if _is_preprint(paper):
        return "UNPB"
    if paper.entry_type:
        kind = RIS_TYPES.get(paper.entry_type, "GEN")
        return "EDBOOK" if kind == "BOOK" and paper.editors and not paper.authors else kind
    if paper.journal_ref or paper.container or _journal_doi(paper.doi):
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
    if (genre := _genre(p)) is not None:
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


RENDERERS = {
    "md": render_markdown,
    "bibtex": render_bibtex,
    "csv": render_csv,
    "json": render_json,
    "csljson": render_csljson,
    "ris": render_ris,
}


def render(bookmarks: Sequence[Bookmark], fmt: str) -> str:
    """Render ``bookmarks`` in format ``fmt`` (see :func:`normalise_format`).

    Raises:
        ValueError: unknown format.
    """
    return RENDERERS[normalise_format(fmt)](bookmarks)


def export(bookmarks: Sequence[Bookmark], path: Path | str, fmt: str | None = None) -> Path:
    """Write the reading list to ``path``; the format defaults from its extension, else Markdown.

    Returns:
        The absolute path written.

    Raises:
        ValueError: unknown format.
        OSError: the file cannot be written (nothing is left half-written).
    """
    path = Path(path).expanduser().resolve()
    fmt = normalise_format(fmt) if fmt else (format_for_path(path) or "md")
    write_text_atomic(path, render(bookmarks, fmt))
    return path
