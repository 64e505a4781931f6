"""BibTeX export: one entry per paper, as faithful to the source as BibTeX allows.

The entries follow the BibTeX format (Patashnik, *BibTeXing*, 1988) with the
biblatex data model's field semantics (biber's ``biber-tool.conf``), written
with bibtexparser v2. What :mod:`paperbrowse.core.sources.bibtex` reads comes
back out: the entry type and citation key as imported, every modelled field
(:data:`paperbrowse.core.models.BIB_FIELDS`), and every field paperbrowse
does not model, verbatim (:attr:`Paper.extra`); a field whose decoded value
is unchanged is written in the source's own LaTeX (:attr:`Paper.latex`), so
its brace-protected capitals and macros survive.

Choices (see :func:`render_bibtex`):

* **Entry type**: :attr:`Paper.entry_type`; without one, ``@article`` for a
  paper with a container (journal) or an arXiv ``journal_ref``, else ``@misc``
  (an arXiv preprint: ``eprint``, ``archivePrefix = {arXiv}``,
  ``primaryClass``).
* **Names** are written ``Family, Given`` (``Del Maestro, Adrian``;
  ``van der Berg, Vincent``; ``King, Jr., Martin``), so BibTeX, biber and
  pybtex split them as the source did; corporate names are braced whole
  (``{World Health Organization}``).
* **Titles** from other sources are protected only where a style must not
  re-case them: words with a capital after their first letter (``{LoRA}``,
  ``{GPT}-4``-style words are braced whole), nothing else.
* **Dates**: ``year``, ``month`` (a macro: ``jun``) and ``day`` for the parts
  that are known, never more.
* **paperbrowse's own data** (upvotes, the Hugging Face organisation, the
  paper id, reading status and lists) is not written: no style field can hold
  it without printing it, and the CSL-JSON and JSON exports carry it. The
  bookmark's tags go in ``keywords`` and its note in ``annote`` (both valid for
  every entry type; standard styles print neither).
* A paper without author names gets no ``author`` field (citations then lead
  with the title, as styles do for anonymous works).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from functools import lru_cache

import bibtexparser
from bibtexparser.middlewares import AddEnclosingMiddleware, RemoveEnclosingMiddleware
from bibtexparser.model import Entry, Field
from pylatexenc.latexencode import (
    RULE_CALLABLE,
    UnicodeToLatexConversionRule,
    UnicodeToLatexEncoder,
)

from paperbrowse.core.citekeys import base_key, export_keys
from paperbrowse.core.library import Bookmark
from paperbrowse.core.models import Name, Paper
from paperbrowse.core.sources.bibtex import (
    BOOKTITLE_TYPES,
    SCHOOL_TYPES,
    balanced_braces,
    latex_text,
    split_authors,
)

#: (``--`` –, ``---`` —, two backquotes “, ``''`` ”, ``!``` ¡, ``?``` ¿).
_LIGATURE_PAIRS = frozenset({"--", "``", "''", "!`", "?`"})
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
    if not char.isascii():
        latex = _pylatexenc_encoder().unicode_to_latex(char)
        if _ACCENT.fullmatch(latex.strip()):
            # an accent: braced whole ({\~a}, {\"u}), as BibTeX wants accents written,
            # or BibTeX's name splitter and purify$ take "\~" for a tie
            return 1, "{" + latex.strip() + "}"
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
    encoder = _bibtex_encoder(not balanced_braces(value))
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


#: pylatexenc's LaTeX for an accented letter: ``\'e``, ``\~a``, ``\H{o}``, ``\c{c}``.
_ACCENT = re.compile(r"\\(?:[^A-Za-z\s]\s*\\?[A-Za-z]+|[A-Za-z]\{\\?[A-Za-z]+\})")
_NEEDS_GROUP = re.compile(r"(?:^|\s)and(?:\s|$)|,", re.IGNORECASE)
#: A title word a style must not re-case: a capital after its first letter.
_KEEP_CASE = re.compile(r"\w[\w']*?[A-Z]|^[A-Z]$")
#: A title word: leading punctuation, the word, trailing punctuation.
_WORD = re.compile(r"([^\w]*)(.*?)([^\w]*)", re.DOTALL)


def _part(text: str) -> str:
    """One name part, braced when BibTeX would split it (an ``and`` or a comma inside)."""
    latex = bibtex_text(text)
    return "{" + latex + "}" if _NEEDS_GROUP.search(text) else latex


def bibtex_name(name: Name) -> str:
    """A name in BibTeX's ``von Last, Jr, First`` form.

    ``Del Maestro, Adrian``, ``van der Berg, Vincent``, ``King, Jr., Martin
    Luther``; a corporate (literal) name braced whole: ``{World Health
    Organization}``; a family name alone as it is (``Plato``).
    """
    if name.literal:
        return "{" + bibtex_text(name.literal) + "}"
    last = " ".join(_part(x) for x in (name.particle, name.family) if x)
    if not name.given and not name.suffix:
        return last if " " not in name.family else "{" + last + "}" if not name.particle else last
    pieces = [last] + ([_part(name.suffix)] if name.suffix else []) + [_part(name.given)]
    return ", ".join(pieces)


def bibtex_names(names: Sequence[Name]) -> str:
    """Names joined by `` and `` (see :func:`bibtex_name`)."""
    return " and ".join(bibtex_name(n) for n in names)


def bibtex_title(title: str) -> str:
    """A title's LaTeX, braces only around words a style must keep as they are.

    A word (between spaces) with a capital after its first letter (``LoRA``,
    ``WF-VAE``, ``GPT-4``, ``iPhone``) or a single capital letter (``A``) is
    braced whole; the rest is left to the style's casing.
    """
    words = title.split(" ")
    out = []
    for word in words:
        head, core, tail = _WORD.fullmatch(word).groups()  # type: ignore[union-attr]
        if core and any(_KEEP_CASE.search(piece) for piece in re.split(r"[-–/]", core)):
            out.append(bibtex_text(head) + "{" + bibtex_text(core) + "}" + bibtex_text(tail))
        else:
            out.append(bibtex_text(word))
    return " ".join(out)


def _pages(pages: str) -> str:
    """Pages with BibTeX's ``--`` for a range (``12426–12437`` → ``12426--12437``)."""
    return bibtex_text(pages.replace("–", "\x00")).replace("\x00", "--")


def entry_type(paper: Paper) -> str:
    """The BibTeX entry type written for ``paper`` (see the module docstring)."""
    if paper.entry_type:
        return paper.entry_type
    if paper.container or paper.journal_ref:
        return "article"
    return "misc"


def _source_latex(paper: Paper, field: str, value: str) -> str | None:
    """The source's LaTeX for ``field`` if it still decodes to ``value``."""
    for name, raw in paper.latex:
        if name == field:
            return raw if latex_text(raw) == value else None
    return None


def _text(paper: Paper, field: str, value: str, encode=None) -> str:
    raw = _source_latex(paper, field, value)
    if raw is not None:
        return raw
    return (encode or bibtex_text)(value)


_MONTH_MACROS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def bibtex_fields(paper: Paper, *, tags: Sequence[str] = (), note: str = "") -> list[Field]:
    """The fields of ``paper``'s entry, in the order they are written.

    Args:
        paper: the paper.
        tags: the bookmark's tags, written in ``keywords`` (after any
            keywords the source had).
        note: the bookmark's note, written in ``annote`` unless the source
            had an ``annote`` of its own (which is kept).
    """
    kind = entry_type(paper)
    fields: list[Field] = []

    def add(name: str, value: str | None) -> None:
        if value:
            fields.append(Field(name, value))

    names = paper.author_names
    if names:
        add("author", bibtex_names(names) + (" and others" if _incomplete(paper) else ""))
    if paper.editors:
        add("editor", bibtex_names(paper.editors))
    add("title", _text(paper, "title", paper.title, bibtex_title))
    container = paper.container
    if not container and paper.journal_ref and kind == "article":
        container = paper.journal_ref
    if container:
        name = "booktitle" if kind in BOOKTITLE_TYPES else "journal"
        add(name, _text(paper, "container", container))
    for field in ("volume", "number"):
        value = getattr(paper, field)
        add(field, value and _text(paper, field, value))
    if paper.pages:
        add("pages", _text(paper, "pages", paper.pages, _pages))
    for field in ("edition", "series", "publisher"):
        value = getattr(paper, field)
        add(field, value and _text(paper, field, value))
    if paper.institution:
        name = "school" if kind in SCHOOL_TYPES else "institution"
        add(name, _text(paper, "institution", paper.institution))
    add("address", paper.address and _text(paper, "address", paper.address))
    if paper.published:
        add("year", str(paper.published.year))
        if paper.month:
            fields.append(Field("month", _MONTH_MACROS[paper.month - 1]))
        if paper.day:
            add("day", str(paper.day))
    # an eprint of another archive (kept in extra, with its eprinttype) is the
    # entry's own: the arXiv id (from its url or DOI) must not replace it
    own_eprint = any(name.lower() == "eprint" for name, _ in paper.extra)
    if paper.arxiv_id and not own_eprint:
        add("eprint", paper.arxiv_id)
        add("archivePrefix", "arXiv")
        if paper.categories:
            add("primaryClass", paper.categories[0])
    add("doi", paper.doi)
    add("isbn", paper.isbn)
    add("issn", paper.issn)
    add("url", paper.url)
    add("howpublished", paper.howpublished and _text(paper, "howpublished", paper.howpublished))
    add("note", paper.note and _text(paper, "note", paper.note))
    add("abstract", paper.abstract and _text(paper, "abstract", paper.abstract))
    written = {f.key.lower() for f in fields}
    keywords = ""
    for name, raw in paper.extra:
        low = name.lower()
        if low in written:
            continue  # a value the record now holds itself (an update filled it in)
        if low == "keywords":
            keywords = raw
            continue
        written.add(low)
        fields.append(Field(name, raw))
    if tags:
        have = {k.strip().casefold() for k in keywords.split(",")}
        mine = [bibtex_text(t) for t in tags if bibtex_text(t).casefold() not in have]
        keywords = ", ".join(([keywords] if keywords else []) + mine)
    add("keywords", keywords)
    if note and "annote" not in written:
        add("annote", bibtex_text(note))
    return fields


def _incomplete(paper: Paper) -> bool:
    """True when the author list is known to be cut short.

    Either more authors are counted than named, or the source's own list
    ended in ``and others`` (kept in :attr:`Paper.latex`) and no fuller list
    has replaced it since.
    """
    if paper.author_count is not None:
        return paper.author_count > len(paper.authors)
    for name, raw in paper.latex:
        if name == "author":
            names, complete = split_authors(raw)
            return not complete and names == paper.authors
    return False


def _entry(paper: Paper, key: str, tags: Sequence[str] = (), note: str = "") -> Entry:
    entry = Entry(entry_type(paper), key, bibtex_fields(paper, tags=tags, note=note))
    # AddEnclosingMiddleware(reuse_previous_enclosing=True) writes the month bare,
    # when it is a month macro (a month kept as written, "Summer", stays braced)
    if entry.fields_dict.get("month") and entry.fields_dict["month"].value in _MONTH_MACROS:
        entry.parser_metadata[RemoveEnclosingMiddleware.metadata_key()] = {"month": "no-enclosing"}
    return entry


def render_bibtex(bookmarks: Sequence[Bookmark]) -> str:
    """BibTeX entries for ``bookmarks``, in their order.

    Keys from :func:`paperbrowse.core.citekeys.export_keys` (each paper's
    own key; generated ones made unique). Fields from :func:`bibtex_fields`;
    text encoded by :func:`bibtex_text`. Reading the result with
    :func:`paperbrowse.core.sources.bibtex.parse_bibtex` gives back every
    bibliographic value of each paper (tested field by field), but not
    paperbrowse's own data (see the module docstring).
    """
    keys = export_keys(bm.paper for bm in bookmarks)
    return _write(
        [_entry(bm.paper, key, bm.tags, bm.note) for bm, key in zip(bookmarks, keys, strict=True)]
    )


def render_bibtex_entry(bookmark: Bookmark, key: str | None = None) -> str:
    """One BibTeX entry, as :func:`render_bibtex` writes it.

    Args:
        bookmark: the paper (a paper not bookmarked: ``Bookmark(paper, now)``).
        key: the citation key; by default the paper's own, else
            :func:`~paperbrowse.core.citekeys.base_key`.
    """
    paper = bookmark.paper
    chosen = key or paper.citation_key or base_key(paper)
    return _write([_entry(paper, chosen, bookmark.tags, bookmark.note)])


def _write(entries: list[Entry]) -> str:
    unparse = [
        AddEnclosingMiddleware(
            reuse_previous_enclosing=True, enclose_integers=True, default_enclosing="{"
        )
    ]
    return bibtexparser.write_string(bibtexparser.Library(entries), unparse_stack=unparse)
