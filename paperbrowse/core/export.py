"""Reading-list export: Markdown, BibTeX, CSV, JSON, CSL-JSON and RIS.

The ``render_*`` functions are pure (bookmarks in, text out); :func:`export`
writes the text atomically (temporary file, then ``os.replace``), so an
existing file is never left half-written. Every format but Markdown and
BibTeX is read back by :func:`paperbrowse.core.sources.exported.read_export`
(BibTeX by :mod:`paperbrowse.core.sources.bibtex`); dates are written to the
day in all of them except BibTeX (year and month).

*BibTeX* entries follow the BibTeX format as read by bibtexparser and biber:
``@misc`` for preprints, values LaTeX-encoded with pylatexenc (``Matérn`` →
``Mat\\'ern``, ``%`` → ``\\%``), tags in ``keywords``, the note in ``annote``.
Citation keys are ``<first author's surname or organisation><year><first
significant title word>`` (:func:`bibtex_key`). Keys are made unique in
bookmark order (oldest first): the first paper with a given base key gets it
bare, the next ones ``a``, ``b`` … ``z``, ``aa`` … appended. So adding
bookmarks never changes the keys already given out; removing one can change
the suffix of a later paper that shares its base key. The CSL-JSON export
uses the same keys as item ids.

*CSL-JSON* (:func:`render_csljson`) follows the CSL 1.0.2 data schema
(https://github.com/citation-style-language/schema/blob/master/schemas/input/csl-data.json,
variables: https://docs.citationstyles.org/en/stable/specification.html#appendix-iv-variables).
*RIS* (:func:`render_ris`) follows the RIS format of Research Information
Systems (tag, two spaces, ``-``, space, value; ``TY`` opens and ``ER`` closes
a record), with the tag meanings Zotero and EndNote use on import.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bibtexparser
from bibtexparser.model import Entry, Field
from pylatexenc.latexencode import unicode_to_latex

from paperbrowse import __version__
from paperbrowse.core.library import Bookmark
from paperbrowse.core.models import normalise_title, papers

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


def _when(bookmark: Bookmark) -> str:
    return bookmark.paper.published.isoformat() if bookmark.paper.published else ""


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
        meta = [x for x in (p.byline, _when(bm)) if x]
        if p.upvotes is not None:
            meta.append(f"{p.upvotes} upvotes")
        if p.arxiv_id:
            meta.append(f"arXiv:{p.arxiv_id}")
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
        lines.append(f"Bookmarked {bm.added_at.date().isoformat()}.")
        lines.append("")
    return "\n".join(lines)


def _key_part(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", normalise_title(text))


def bibtex_key(bookmark: Bookmark) -> str:
    """The base citation key, author-year-word style.

    ``<first author's surname><year><first title word>`` (``grill2020bootstrap``);
    the organisation handle stands in for authors when only it is known; with
    neither, the first two significant title words and the year
    (``lineartime2023``); the year is left out when unknown. See
    :func:`citation_keys` for how keys are made unique.
    """
    p = bookmark.paper
    who = ""
    if p.authors:
        first_author = p.authors[0]
        surname = first_author.split(",")[0] if "," in first_author else first_author.split()[-1]
        who = _key_part(surname)
    elif p.org_handle or p.organisation:
        who = _key_part(p.org_handle or p.organisation or "")
    words = [_key_part(w) for w in re.findall(r"[A-Za-z0-9]+", p.title) if w.lower() not in _STOP]
    words = [w for w in words if w] or ["paper"]
    if who:
        return f"{who}{p.year or ''}{words[0]}"
    return f"{''.join(words[:2])}{p.year or ''}"


def _letters(n: int) -> str:
    """0 → ``a``, 25 → ``z``, 26 → ``aa``, 27 → ``ab`` …"""
    out = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        out = chr(ord("a") + rest) + out
    return out


def citation_keys(bookmarks: Sequence[Bookmark]) -> list[str]:
    """Unique citation keys for ``bookmarks``, in their order.

    Each paper gets its :func:`bibtex_key`; a key already given to an earlier
    paper gets the first free suffix ``a``, ``b`` … ``z``, ``aa`` … Because
    keys are handed out in order, appending bookmarks never changes the keys
    of those before them.
    """
    used: set[str] = set()
    keys = []
    for bm in bookmarks:
        base = key = bibtex_key(bm)
        n = 0
        while key in used:
            key = f"{base}{_letters(n)}"
            n += 1
        used.add(key)
        keys.append(key)
    return keys


def _latex(value: str) -> str:
    return unicode_to_latex(value, non_ascii_only=False, replacement_latex_protection="braces")


def render_bibtex(bookmarks: Sequence[Bookmark]) -> str:
    """BibTeX entries, one ``@misc`` per paper, keys from :func:`citation_keys`."""
    entries = []
    for bm, key in zip(bookmarks, citation_keys(bookmarks), strict=True):
        p = bm.paper
        fields = [Field("title", "{" + _latex(p.title) + "}")]
        if p.authors:
            fields.append(Field("author", " and ".join(_latex(a) for a in p.authors)))
        elif p.organisation:
            fields.append(Field("author", "{" + _latex(p.organisation) + "}"))
        if p.year:
            fields.append(Field("year", str(p.year)))
        if p.published:
            fields.append(Field("month", p.published.strftime("%b").lower()))
        if p.arxiv_id:
            fields += [Field("eprint", p.arxiv_id), Field("archiveprefix", "arXiv")]
        if p.doi:
            fields.append(Field("doi", p.doi))
        if p.url:
            fields.append(Field("url", p.url))
        if p.abstract:
            fields.append(Field("abstract", _latex(p.abstract)))
        notes = []
        if p.upvotes is not None:
            notes.append(f"{p.upvotes} upvotes on Hugging Face")
        if notes:
            fields.append(Field("note", _latex("; ".join(notes))))
        if bm.tags:
            fields.append(Field("keywords", _latex(", ".join(bm.tags))))
        if bm.note:
            fields.append(Field("annote", _latex(bm.note)))
        entries.append(Entry("misc", key, fields))
    library = bibtexparser.Library(entries)
    return bibtexparser.write_string(library)


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
)


def render_csv(bookmarks: Sequence[Bookmark]) -> str:
    """CSV (RFC 4180, header row) with :data:`CSV_COLUMNS`.

    Authors, tags and lists are joined by ``; `` (so a name containing ``; ``
    does not survive a re-import); dates are ISO 8601; empty cells for
    missing values.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for bm in bookmarks:
        p = bm.paper
        writer.writerow(
            [
                p.id,
                p.title,
                "; ".join(p.authors),
                p.organisation or "",
                p.published.isoformat() if p.published else "",
                p.year or "",
                "" if p.upvotes is None else p.upvotes,
                p.arxiv_id or "",
                p.doi or "",
                p.url or "",
                bm.added_at.isoformat(),
                bm.status or "",
                "; ".join(bm.tags),
                "; ".join(bm.lists),
                bm.note,
                p.abstract,
            ]
        )
    return out.getvalue()


def render_json(bookmarks: Sequence[Bookmark]) -> str:
    """JSON: ``{"exported_by": ..., "papers": [...]}``.

    Each paper is :meth:`Paper.to_dict` plus ``added_at`` (ISO 8601),
    ``status`` (string or null), ``tags`` and ``lists`` (lists of strings)
    and ``note`` (string, ``""`` if none).
    """
    items = [
        bm.paper.to_dict()
        | {
            "added_at": bm.added_at.isoformat(),
            "status": bm.status,
            "tags": list(bm.tags),
            "lists": list(bm.lists),
            "note": bm.note,
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


# -- names ---------------------------------------------------------------------

#: Lower-case words taken as a particle before the family name ("van der").
NAME_PARTICLES = frozenset(
    {"van", "von", "der", "den", "de", "del", "della", "dei", "degli", "di", "da", "das"}
    | {"do", "dos", "du", "des", "la", "le", "lo", "ten", "ter", "zu", "zum", "zur"}
    | {"af", "av", "al", "el", "bin", "ibn"}
)
_NAME_SUFFIXES = frozenset({"Jr.", "Jr", "Sr.", "Sr", "II", "III", "IV"})


@dataclass(frozen=True, slots=True)
class NameParts:
    """A personal name split for citation formats (CSL ``given``/``family``, RIS ``Last, First``).

    Attributes:
        given: given names (``"Jean-Bastien"``); may be empty.
        particle: words before the family name (``"van der"``); may be empty.
        family: the family name: the last word of the name (``"Grill"``).
        suffix: ``Jr.``, ``III`` …; may be empty.
    """

    given: str
    particle: str
    family: str
    suffix: str = ""

    def __str__(self) -> str:
        return " ".join(x for x in (self.given, self.particle, self.family, self.suffix) if x)


def split_name(name: str) -> NameParts | None:
    """Split a ``"Given [particle] Family [Jr.]"`` name, or ``None`` if it cannot be split.

    The last word is the family name, preceded by any particles
    (:data:`NAME_PARTICLES`, lower-case, or capitalised when not the first
    word: ``"Jan Van Eyck"``). ``None`` for single words (``"Plato"``,
    organisations such as ``"Adobe"``), names with a comma or with runs of
    spaces, which formats should write as one literal string. For every
    split, ``str(split_name(n)) == n``.
    """
    if "," in name:
        return None
    tokens = name.split(" ")
    if len(tokens) < 2 or "" in tokens:
        return None
    suffix = tokens.pop() if len(tokens) >= 3 and tokens[-1] in _NAME_SUFFIXES else ""
    family = tokens.pop()
    particle: list[str] = []
    while tokens and (
        tokens[-1] in NAME_PARTICLES or (len(tokens) > 1 and tokens[-1].lower() in NAME_PARTICLES)
    ):
        particle.insert(0, tokens.pop())
    return NameParts(" ".join(tokens), " ".join(particle), family, suffix)


# -- CSL-JSON ------------------------------------------------------------------

_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.", re.IGNORECASE)


def _journal_doi(doi: str | None) -> bool:
    """True for a DOI other than arXiv's own (``10.48550/arXiv.…``)."""
    return bool(doi) and not _ARXIV_DOI.match(doi or "")


def _csl_name(name: str) -> dict[str, str]:
    parts = split_name(name)
    if parts is None:
        return {"literal": name}
    out = {"family": parts.family}
    if parts.given:
        out["given"] = parts.given
    if parts.particle:
        out["non-dropping-particle"] = parts.particle
    if parts.suffix:
        out["suffix"] = parts.suffix
    return out


def csl_item(bookmark: Bookmark, key: str) -> dict[str, Any]:
    """One CSL-JSON item (a dict ready for ``json.dumps``) for ``bookmark``.

    Mapping (CSL 1.0.2 variables):

    * ``id`` and ``citation-key``: ``key``, the BibTeX citation key, so
      ``@key`` cites the same paper with the ``.bib`` or the CSL file;
    * ``type``: ``article-journal`` when a DOI other than arXiv's
      (``10.48550/arXiv.…``) is known, else ``article`` (CSL's type for
      preprints);
    * ``title``, ``abstract``, ``DOI``, ``URL`` as they are;
    * ``author``: ``{"family", "given", "non-dropping-particle", "suffix"}``
      per :func:`split_name`, ``{"literal": name}`` for names that cannot be
      split; a paper with only an organisation gets it as a literal author;
    * ``issued``: ``{"date-parts": [[year, month, day]]}``;
    * arXiv id: ``number`` = ``"arXiv:<id>"`` (as Zotero maps a preprint's
      Archive ID), plus ``publisher`` = ``"arXiv"`` for preprints;
    * ``categories``: subject categories; ``keyword``: tags joined by ``, ``;
      ``annote``: the user's note (``note`` is printed by some styles, so
      private notes stay out of it);
    * ``custom``: what CSL has no variable for: ``paperbrowse-id`` (our
      paper id, used on re-import), ``organisation``, ``org-handle``,
      ``upvotes``, ``author-count``, ``status``, ``lists``, ``added``.
    """
    p = bookmark.paper
    item: dict[str, Any] = {
        "id": key,
        "citation-key": key,
        "type": "article-journal" if _journal_doi(p.doi) else "article",
        "title": p.title,
    }
    if p.authors:
        item["author"] = [_csl_name(a) for a in p.authors]
    elif p.organisation:
        item["author"] = [{"literal": p.organisation}]
    if p.published:
        item["issued"] = {"date-parts": [[p.published.year, p.published.month, p.published.day]]}
    if p.abstract:
        item["abstract"] = p.abstract
    if p.doi:
        item["DOI"] = p.doi
    if p.url:
        item["URL"] = p.url
    if p.arxiv_id:
        item["number"] = f"arXiv:{p.arxiv_id}"
        if item["type"] == "article":
            item["publisher"] = "arXiv"
    if p.categories:
        item["categories"] = list(p.categories)
    if bookmark.tags:
        item["keyword"] = ", ".join(bookmark.tags)
    if bookmark.note:
        item["annote"] = bookmark.note
    custom: dict[str, Any] = {"paperbrowse-id": p.id}
    for name, value in (
        ("organisation", p.organisation),
        ("org-handle", p.org_handle),
        ("upvotes", p.upvotes),
        ("author-count", p.author_count),
        ("status", bookmark.status),
        ("lists", list(bookmark.lists)),
        ("added", bookmark.added_at.isoformat()),
    ):
        if value is not None and value != []:
            custom[name] = value
    item["custom"] = custom
    return item


def render_csljson(bookmarks: Sequence[Bookmark]) -> str:
    """CSL-JSON: a JSON array of :func:`csl_item` items (for pandoc, citeproc, Zotero)."""
    items = [csl_item(bm, key) for bm, key in zip(bookmarks, citation_keys(bookmarks), strict=True)]
    return json.dumps(items, ensure_ascii=False, indent=2) + "\n"


# -- RIS -------------------------------------------------------------------------


def ris_name(name: str) -> str:
    """An author for an RIS ``AU`` line: ``"van der Berg, Vincent"``, ``"King, Martin, Jr."``.

    Names :func:`split_name` cannot split are written as they are.
    """
    parts = split_name(name)
    if parts is None:
        return name
    last = " ".join(x for x in (parts.particle, parts.family) if x)
    if not parts.given:
        return last if not parts.suffix else f"{last}, , {parts.suffix}"
    return ", ".join(x for x in (last, parts.given, parts.suffix) if x)


def _ris_line(tag: str, value: str) -> str:
    return f"{tag}  - " + "\r\n".join(value.splitlines())


def render_ris(bookmarks: Sequence[Bookmark]) -> str:
    """RIS records, CRLF line ends, a blank line between records.

    Mapping: ``TY`` ``JOUR`` when a DOI other than arXiv's is known, else
    ``UNPB`` (unpublished work: a preprint); ``ID`` our paper id; ``TI``;
    ``AU`` one per author as :func:`ris_name` (a paper with only an
    organisation gets it as its one ``AU``); ``PY`` the year and ``DA``
    ``YYYY/MM/DD/``; ``AB``; ``DO``; ``UR``; for arXiv papers ``DB`` ``arXiv``
    and ``AN`` ``arXiv:<id>`` (Zotero: Archive, Loc. in Archive); ``AD`` the
    organisation (author affiliation); ``KW`` one per tag; ``N1`` the note;
    ``ER`` closes the record. Values spanning several lines continue on the
    next lines, which carry no tag.
    """
    records = []
    for bm in bookmarks:
        p = bm.paper
        lines = [
            _ris_line("TY", "JOUR" if _journal_doi(p.doi) else "UNPB"),
            _ris_line("ID", p.id),
            _ris_line("TI", p.title),
        ]
        authors = p.authors or ((p.organisation,) if p.organisation else ())
        lines += [_ris_line("AU", ris_name(a)) for a in authors]
        if p.published:
            lines.append(_ris_line("PY", f"{p.published.year:04d}"))
            lines.append(_ris_line("DA", p.published.strftime("%Y/%m/%d/")))
        optional = [("AB", p.abstract), ("DO", p.doi), ("UR", p.url)]
        if p.arxiv_id:
            optional += [("DB", "arXiv"), ("AN", f"arXiv:{p.arxiv_id}")]
        optional += [("AD", p.organisation)]
        optional += [("KW", tag) for tag in bm.tags]
        optional += [("N1", bm.note)]
        lines += [_ris_line(tag, value) for tag, value in optional if value]
        lines.append("ER  - ")
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


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` through a temporary file in the same folder.

    Raises:
        OSError: the folder does not exist or is not writable; ``path`` is untouched.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


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
