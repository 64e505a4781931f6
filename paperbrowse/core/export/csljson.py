"""CSL-JSON export, following the CSL 1.0.2 data schema.

Schema: https://github.com/citation-style-language/schema/blob/master/schemas/input/csl-data.json;
variables: https://docs.citationstyles.org/en/stable/specification.html#appendix-iv-variables.
What citation styles do not print is kept in each item's ``custom`` object
(:func:`paperbrowse.core.export.common.private_data`), so a re-import
(:mod:`paperbrowse.core.sources.exported`) gives back every field.
"""

from __future__ import annotations

import json
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
    if paper.journal_ref or paper.container or journal_doi(paper.doi):
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


#: The ``genre`` of a report without a BibTeX ``type`` field (as BibTeX's styles print it).
_REPORT_GENRE = {"techreport": "Technical report"}

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
    * ``type``: :func:`csl_type`; ``genre``: a thesis's kind (``PhD thesis``),
      a report's BibTeX ``type`` (a ``techreport`` without one: ``Technical
      report``);
    * ``title``, ``abstract``, ``DOI``;
    * ``URL``: an arXiv paper's abstract page (``https://arxiv.org/abs/ID``),
      where citations point; its own link, when another, is kept in
      ``custom`` ``fields`` as ``url``; else the paper's link;
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
    * a preprint (an arXiv paper without a venue): ``number`` ``arXiv:ID``
      (a preprint's archive ID, as Zotero writes it) and ``container-title``
      ``arXiv``, which Harvard styles print as "arXiv [Preprint]" (Zotero's
      ``publisher`` "arXiv" prints as a bare "arXiv.");
    * ``categories``: subject categories; ``keyword``: tags joined by ``, ``;
      ``annote``: the user's note (annotations are not printed by citation
      styles, unlike ``note``);
    * ``custom``: :func:`private_data`, plus ``fields`` for
      ``institution``, ``howpublished``, ``journal_ref``, ``comment`` and
      ``url`` when CSL has no variable for them here, and ``synthesised``:
      the variables made for citation styles, not read back.

    The formatted citation (:func:`paperbrowse.core.cite.format_citation`)
    is made from this item, so a citation and a CSL-JSON export agree.

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
    if (genre := genre_of(p) or _REPORT_GENRE.get(p.entry_type or "")) is not None:
        item["genre"] = genre
        synthesised.append("genre")
    if is_preprint(p) and "number" not in item:
        item["number"] = f"arXiv:{p.arxiv_id}"
        item["container-title"] = "arXiv"
        synthesised += ["container-title", "number"]
    for name in ("howpublished", "journal_ref", "comment"):
        if (value := getattr(p, name)) is not None:
            fields[name] = value
    if p.abstract:
        item["abstract"] = p.abstract
    if p.doi:
        item["DOI"] = p.doi
    arxiv_page = f"https://arxiv.org/abs/{p.arxiv_id}" if p.arxiv_id else None
    if arxiv_page and p.url != arxiv_page:
        item["URL"] = arxiv_page  # cited at its arXiv page; the paper's own link kept private
        synthesised.append("URL")
        if p.url:
            fields["url"] = p.url
    elif p.url:
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
