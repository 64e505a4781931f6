"""Reading-list export: Markdown, BibTeX, CSV, JSON, CSL-JSON and RIS.

The ``render_*`` functions are pure (bookmarks in, text out); :func:`export`
writes the text atomically (temporary file, then ``os.replace``), so an
existing file is never left half-written. Every format but Markdown and
BibTeX is read back by :func:`paperbrowse.core.sources.exported.read_export`
(BibTeX by :mod:`paperbrowse.core.sources.bibtex`); dates are written to the
day in all of them.

*BibTeX* entries follow the BibTeX format as read by bibtexparser and biber:
``@misc`` for preprints, values LaTeX-encoded with pylatexenc (``Matérn`` →
``Mat\\'ern``, ``%`` → ``\\%``) so that they decode back to the same text
(:func:`bibtex_text`), tags in ``keywords``, the note in ``annote``; the
fields are listed at :func:`render_bibtex`.
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
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import bibtexparser
from bibtexparser.middlewares import AddEnclosingMiddleware, RemoveEnclosingMiddleware
from bibtexparser.model import Entry, Field
from pylatexenc.latexencode import (
    RULE_CALLABLE,
    UnicodeToLatexConversionRule,
    UnicodeToLatexEncoder,
)

from paperbrowse import __version__
from paperbrowse.core.atomic import write_text_atomic
from paperbrowse.core.library import Bookmark
from paperbrowse.core.models import Paper, normalise_title, paper_id_for, papers

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


#: Two ASCII characters that TeX, and pylatexenc in the importer, read as one
#: (``--`` –, ``---`` —, two backquotes “, ``''`` ”, ``!``` ¡, ``?``` ¿).
_LIGATURE_PAIRS = frozenset({"--", "``", "''", "!`", "?`"})
#: Author names BibTeX would split or reorder unless the whole name is braced.
_NAME_NEEDS_BRACES = re.compile(r"(?:^|\s)and(?:\s|$)|,|^\s*others\s*$", re.IGNORECASE)
#: ASCII words and single spaces between them: nothing in them needs encoding.
_PLAIN_RUN = re.compile(r"[A-Za-z0-9]+(?: [A-Za-z0-9]+)*")
_MONTH_MACROS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


@lru_cache(maxsize=1)
def _pylatexenc_encoder() -> UnicodeToLatexEncoder:
    return UnicodeToLatexEncoder(
        non_ascii_only=False, replacement_latex_protection="braces", unknown_char_warning=False
    )


@lru_cache(maxsize=4096)
def _kept_as_is(char: str) -> bool:
    """True when pylatexenc's LaTeX for ``char`` does not read back as ``char``.

    ``"`` (written ``''``, read back ``”``), ``‐`` (written ``-``), ``ﬁ``
    (written ``fi``) … are written as they are instead: UTF-8 in a ``.bib``
    file is read by bibtexparser, biber and (with ``inputenc``) LaTeX. White
    space is left to pylatexenc: the importer collapses it anyway.
    """
    if char.isspace() or (char.isascii() and char.isalnum()):
        return False
    # deferred: the importer's decoder loads pylatexenc.latex2text, which export needs only here
    from paperbrowse.core.sources.bibtex import latex_text

    return latex_text(_pylatexenc_encoder().unicode_to_latex(char)) != char


def _bibtex_rule(text: str, pos: int, *, macro_braces: bool) -> tuple[int, str] | None:
    char = text[pos]
    if text[pos : pos + 2] in _LIGATURE_PAIRS:
        return 1, char + "{}"  # "-{}-" stays two hyphens, "'{}'" two apostrophes
    if char == "@":
        line_start = text.rfind("\n", 0, pos) + 1
        if line_start and not text[line_start:pos].strip():
            return 1, "{@}"  # bibtexparser takes an "@" opening a line for a new entry
    if macro_braces and char in "{}":
        return 1, "{\\textbraceleft}" if char == "{" else "{\\textbraceright}"
    if _kept_as_is(char):
        return 1, char
    return None


@lru_cache(maxsize=2)
def _bibtex_encoder(macro_braces: bool) -> UnicodeToLatexEncoder:
    def rule(text: str, pos: int) -> tuple[int, str] | None:
        return _bibtex_rule(text, pos, macro_braces=macro_braces)

    ours = UnicodeToLatexConversionRule(RULE_CALLABLE, rule, replacement_latex_protection="none")
    return UnicodeToLatexEncoder(
        conversion_rules=[ours, "defaults"],
        non_ascii_only=False,
        replacement_latex_protection="braces",
        unknown_char_warning=False,
    )


def _balanced_braces(text: str) -> bool:
    depth = 0
    for char in text:
        if char in "{}":
            depth += 1 if char == "{" else -1
            if depth < 0:
                return False
    return depth == 0


def _composes(pair: str) -> bool:
    """True for two characters NFC leaves alone one by one but merges (Hangul jamo …)."""
    return not unicodedata.is_normalized("NFC", pair) and all(
        unicodedata.is_normalized("NFC", char) for char in pair
    )


def _nfc_pieces(text: str) -> Iterator[tuple[str, bool]]:
    """Split ``text`` into ``(piece, as_is)``: the ``as_is`` pieces are what NFC
    normalisation would change (combining marks it would merge into the letter
    before them or reorder, characters it would replace), the others the rest.

    A base character NFC leaves alone stays with the text before it, so that
    :func:`_bibtex_rule` still sees its neighbours (``-`` next to ``-``).
    """
    start = i = 0
    while i < len(text):
        j = i + 1
        while j < len(text) and (unicodedata.combining(text[j]) or _composes(text[j - 1 : j + 1])):
            j += 1
        if not unicodedata.is_normalized("NFC", text[i:j]):
            cut = i + 1 if unicodedata.is_normalized("NFC", text[i]) else i
            if start < cut:
                yield text[start:cut], False
            yield text[cut:j], True
            start = j
        i = j
    if start < len(text):
        yield text[start:], False


def bibtex_text(value: str) -> str:
    """``value`` as the LaTeX of a BibTeX field that reads back as ``value``.

    pylatexenc's :func:`~pylatexenc.latexencode.unicode_to_latex` does the
    encoding (``Matérn`` → ``Mat\\'ern``, ``%`` → ``\\%``, ``–`` →
    ``{\\textendash}``, ``“`` → ``{\\textquotedblleft}``), with these
    exceptions so that :func:`paperbrowse.core.sources.bibtex.latex_text`
    decodes the result back to ``value`` (up to runs of white space, which
    it collapses):

    * ASCII pairs that TeX reads as one character are broken with ``{}``:
      ``--`` → ``-{}-``, ``''`` → ``'{}'``, two backquotes, ``!``` and ``?```;
    * characters whose LaTeX would come back different are kept as they are
      (``"``, which pylatexenc writes ``''``; ``ﬁ``; ``‐``), and so is text
      that NFC normalisation, which pylatexenc applies first, would change
      (``a`` + U+0301 stays decomposed);
    * braces are written ``\\{`` ``\\}`` when they pair up; otherwise as
      ``{\\textbraceleft}`` ``{\\textbraceright}``, as BibTeX itself counts
      ``\\{`` as a brace and would end the value at the wrong place;
    * an ``@`` opening a line is written ``{@}``: bibtexparser would take it
      for the start of a new entry.
    """
    encoder = _bibtex_encoder(not _balanced_braces(value))
    if unicodedata.is_normalized("NFC", value):
        return _encode(encoder, value)
    # pylatexenc normalises to NFC first ("a" + U+0301 → "á", written \'a):
    # what NFC would change is written as it is
    return "".join(p if as_is else _encode(encoder, p) for p, as_is in _nfc_pieces(value))


def _encode(encoder: UnicodeToLatexEncoder, text: str) -> str:
    """``encoder.unicode_to_latex(text)``, faster: runs of ASCII words pass through.

    The rest goes to pylatexenc in pieces that keep what :func:`_bibtex_rule`
    looks at together: neighbouring punctuation, and a line's start.
    """
    out: list[str] = []
    done = 0
    for match in _PLAIN_RUN.finditer(text):
        if done < match.start():
            out.append(encoder.unicode_to_latex(text[done : match.start()]))
        out.append(match.group())
        done = match.end()
    if done < len(text):
        out.append(encoder.unicode_to_latex(text[done:]))
    return "".join(out)


def _bibtex_name(name: str) -> str:
    latex = bibtex_text(name)
    return "{" + latex + "}" if _NAME_NEEDS_BRACES.search(latex) else latex


def _id_needs_writing(paper: Paper) -> bool:
    """True when the importer would not make ``paper.id`` from the entry.

    It makes ids from the title and the arXiv id, which in other files may be
    given by an arxiv.org ``url`` or an arXiv ``doi``. A paper whose id was
    made from an earlier title, or with such a link but no arXiv id, gets
    ``paperbrowse-id``.
    """
    from paperbrowse.core.sources.bibtex import entry_arxiv_id  # deferred, as in _kept_as_is

    found = paper.arxiv_id or entry_arxiv_id({"url": paper.url or "", "doi": paper.doi or ""})
    return found != paper.arxiv_id or paper.id != paper_id_for(paper.title, found)


def _bibtex_entry(bookmark: Bookmark, key: str) -> Entry:
    p = bookmark.paper
    fields = [Field("title", "{" + bibtex_text(p.title) + "}")]
    if p.authors:
        fields.append(Field("author", " and ".join(_bibtex_name(a) for a in p.authors)))
    elif p.organisation:
        # what classic styles sort and label by when there is no author
        fields.append(Field("key", bibtex_text(p.organisation)))
    if p.organisation:
        fields.append(Field("institution", bibtex_text(p.organisation)))
    if p.published:
        fields += [
            Field("year", str(p.published.year)),
            Field("month", _MONTH_MACROS[p.published.month - 1]),  # written bare: a macro
            Field("date", p.published.isoformat()),
        ]
    if p.arxiv_id:
        fields += [Field("eprint", p.arxiv_id), Field("archivePrefix", "arXiv")]
        if p.categories:
            fields.append(Field("primaryClass", p.categories[0]))
    if p.doi:
        fields.append(Field("doi", p.doi))
    if p.url:
        fields.append(Field("url", p.url))
    if p.abstract:
        fields.append(Field("abstract", bibtex_text(p.abstract)))
    if p.upvotes is not None:
        fields.append(Field("note", f"{p.upvotes} upvotes on Hugging Face"))
    if _id_needs_writing(p):
        fields.append(Field("paperbrowse-id", p.id))
    if bookmark.tags:
        fields.append(Field("keywords", bibtex_text(", ".join(bookmark.tags))))
    if bookmark.note:
        fields.append(Field("annote", bibtex_text(bookmark.note)))
    entry = Entry("misc", key, fields)
    # AddEnclosingMiddleware(reuse_previous_enclosing=True) writes the month bare
    entry.parser_metadata[RemoveEnclosingMiddleware.metadata_key()] = {"month": "no-enclosing"}
    return entry


def render_bibtex(bookmarks: Sequence[Bookmark]) -> str:
    """BibTeX entries, one ``@misc`` per paper, keys from :func:`citation_keys`.

    Fields: ``title`` (braced whole, so styles keep its capitals); ``author``,
    names joined by ``and``, a name containing ``and``, a comma or being
    ``others`` braced whole (``{Barnes and Noble}``); for a paper with an
    organisation but no authors, ``key`` (what classic styles sort and label
    by) and, whenever known, ``institution``: the organisation; ``year``,
    ``month`` (a macro: ``may``) and biblatex's ``date`` (``2023-05-17``,
    the full date); ``eprint``, ``archivePrefix = {arXiv}`` and
    ``primaryClass`` (the first category) for arXiv papers; ``doi``;
    ``url``; ``abstract``; ``note`` (``N upvotes on Hugging Face``);
    ``paperbrowse-id`` when the importer would not make the paper's id from
    the title and arXiv id (rare: :func:`_id_needs_writing`); ``keywords``
    (tags); ``annote`` (the bookmark's note). Text is encoded by
    :func:`bibtex_text`. :func:`paperbrowse.core.sources.bibtex.read_bibtex`
    reads back the id, title, abstract, authors, organisation, date, arXiv
    id, first category, DOI, URL and upvotes as they were (white space
    collapsed); not the organisation handle, the author count, the other
    categories, tags or notes.
    """
    return _write_bibtex(
        [
            _bibtex_entry(bm, key)
            for bm, key in zip(bookmarks, citation_keys(bookmarks), strict=True)
        ]
    )


def render_bibtex_entry(bookmark: Bookmark, key: str | None = None) -> str:
    """One BibTeX entry, as :func:`render_bibtex` writes it, with citation key ``key``.

    Args:
        bookmark: the paper (a paper not bookmarked: ``Bookmark(paper, now)``).
        key: the citation key; by default :func:`bibtex_key` (the key the paper
            has in an export where no other paper shares it).
    """
    return _write_bibtex([_bibtex_entry(bookmark, key or bibtex_key(bookmark))])


def _write_bibtex(entries: list[Entry]) -> str:
    unparse = [
        AddEnclosingMiddleware(
            reuse_previous_enclosing=True, enclose_integers=True, default_enclosing="{"
        )
    ]
    return bibtexparser.write_string(bibtexparser.Library(entries), unparse_stack=unparse)


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
