"""The index's documents: the Whoosh schema and how a :class:`Paper` fills it.

:func:`make_schema` lists the fields, :func:`paper_doc` makes one paper's
document, :func:`title_acronyms` the acronyms indexed with its title, and
:data:`FIELD_BOOSTS` the fields a query word without ``field:`` searches.
The analysis of the text fields is :mod:`paperbrowse.core.engine.analysis`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence

from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from paperbrowse.core.engine.analysis import make_analyzer, make_spelling_analyzer
from paperbrowse.core.engine.codec import CompactPositions, MemoFrequency
from paperbrowse.core.models import Paper, normalise_title

#: Bump whenever the schema or analysis changes: existing indexes are rebuilt.
SCHEMA_VERSION = 7

#: Fields searched by a query word without a ``field:`` prefix, and their boosts.
FIELD_BOOSTS: dict[str, float] = {
    "title": 3.0,
    "abstract": 1.0,
    "authors": 2.0,
    "organisation": 1.5,
    # the PDF's text: a match there counts, but less than one in the abstract
    "fulltext": 0.5,
}

#: Where a paper's full text comes from: paper id → the text of each page of
#: its PDF, page 1 first, or ``None`` when it has no PDF (the PDF store).
FullTextSource = Callable[[str], Sequence[str] | None]

#: The pages of a paper's text are joined with this in the ``fulltext`` field.
PAGE_BREAK = "\n\f\n"


def make_schema() -> Schema:
    """Return the Whoosh schema.

    Fields: ``id`` (unique), ``title``/``abstract``/``authors``/
    ``organisation`` (analysed text), ``spell`` (the unstemmed words of title
    and abstract: the vocabulary of "did you mean"), ``org`` (organisation
    name as is, for its facet), ``year`` (int, absent when unknown),
    ``date`` (int ``YYYYMMDD``, 0 when unknown; sortable), ``upvotes`` (int,
    0 when unknown; sortable), ``source`` (comma-separated capture names),
    ``arxiv`` (arXiv id), ``doi`` (lower-case DOI), ``title_key`` (see
    :func:`~paperbrowse.core.models.normalise_title`; with ``arxiv`` and
    ``doi``, the keys an import de-duplicates by), ``pos`` (input order, tie-breaker), ``data`` (the
    whole :class:`Paper` as JSON, stored only), ``fulltext`` (the text of
    the paper's PDF, analysed as the abstract is, with positions for phrases;
    not stored: a snippet reads the pages again from the PDF store) and
    ``has`` (keywords: ``pdf`` when the paper has a PDF, for ``has:pdf``).
    """
    analyzer = make_analyzer()

    def text() -> TEXT:
        field = TEXT(analyzer=analyzer, multitoken_query="and")
        field.format = CompactPositions(field_boost=field.format.field_boost, token_local=True)
        return field

    spell = TEXT(analyzer=make_spelling_analyzer(), phrase=False)
    spell.format = MemoFrequency(field_boost=spell.format.field_boost, token_local=True)

    return Schema(
        id=ID(stored=True, unique=True),
        title=text(),
        abstract=text(),
        authors=text(),
        organisation=text(),
        fulltext=text(),
        has=KEYWORD(lowercase=True),
        spell=spell,
        org=ID(sortable=True),
        year=NUMERIC(int, bits=32, sortable=True),
        date=NUMERIC(int, bits=32, sortable=True),
        upvotes=NUMERIC(int, bits=32, sortable=True),
        source=KEYWORD(commas=True, lowercase=True),
        arxiv=ID,
        doi=ID,
        title_key=ID,
        pos=NUMERIC(int, bits=32, sortable=True),
        data=STORED,
    )


#: Words of a title that an acronym may skip ("Learning with Noisy Labels", LNL).
_MINOR_WORDS = frozenset(
    {"a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "of", "on", "or", "the"}
    | {"to", "via", "with"}
)
_TITLE_WORD = re.compile(r"[^\W_]+")
_TITLE_HEAD = re.compile(r":|\s(?:--|-|–|—)\s")
#: A token written as an acronym: two or more capitals (``BYOL``, ``LCMs``, ``ViT``).
_ACRONYM_TOKEN = re.compile(r"\b[^\W\d_]*[A-Z][^\W\d_]*[A-Z][^\W\d_]*\b")
#: Two capitals with only letters between: where a word of :data:`_ACRONYM_TOKEN` is.
_ACRONYM_HINT = re.compile(r"[A-Z][^\W\d_]*?[A-Z]")
_WORD_CHAR = re.compile(r"\w")
_WORD_REST = re.compile(r"\w*")


def acronym_tokens(text: str) -> list[str]:
    """``_ACRONYM_TOKEN.findall(text)``, 4× faster: a match is a whole word
    (``\\w`` characters between two boundaries) of letters with two capitals,
    so the search looks for two capitals with letters between
    (:data:`_ACRONYM_HINT`, a fast scan for a capital) and tries the
    expression at the start of their word; a word that fails is skipped.
    The expression alone tries at every word (``\\b`` first)."""
    found: list[str] = []
    search, word_char = _ACRONYM_HINT.search, _WORD_CHAR.match
    at = 0
    while (hint := search(text, at)) is not None:
        start = hint.start()
        while start and word_char(text, start - 1):
            start -= 1
        token = _ACRONYM_TOKEN.match(text, start)
        if token is not None:
            found.append(token.group())
            at = token.end()
        else:  # no match inside a word either (a match is a whole word)
            at = _WORD_REST.match(text, hint.start()).end()
    return found


def title_acronyms(title: str, abstract: str = "") -> tuple[str, ...]:
    """The acronyms a paper names itself by: tokens of its title or abstract
    written with capitals (``BYOL``, ``LCMs``, ``ViT``) whose capitals are the
    initials of the words of the title's head, minor words (``for``,
    ``with``...) counted or skipped: "Bootstrap your own latent: ..." with
    "Bootstrap Your Own Latent (BYOL)" in its abstract gives ``("BYOL",)``.

    The head is the whole title or its part before a colon or a spaced dash
    (``--``, ``–``, ``—``): a paper whose title *is* the expansion is the one
    that defines the acronym; one whose title merely starts with a common
    phrase ("Latent diffusion models for ...", LDM) or ends "... with
    Bootstrap Your Own Latent" uses it. At least 3 capitals. The acronyms are
    indexed with the title (:func:`paper_doc`), so the acronym finds the
    defining paper as its title words would.

    Returns:
        The acronym tokens as written, first occurrence first, no repeats.
    """
    head = _TITLE_HEAD.split(title, maxsplit=1)[0]
    words = _TITLE_WORD.findall(head)
    if not 3 <= len(words) <= 12:
        return ()
    major = [w for w in words if w.lower() not in _MINOR_WORDS]
    initials = {"".join(w[0] for w in run).lower() for run in (words, major) if len(run) >= 3}
    found: dict[str, None] = {}
    for token in acronym_tokens(f"{title}\n{abstract}"):
        capitals = "".join(c for c in token if c.isupper()).lower()
        if capitals in initials and len(token) <= 2 * len(capitals) + 1:
            found.setdefault(token, None)
    return tuple(found)


def paper_doc(paper: Paper, pos: int, pages: Sequence[str] | None = None) -> dict:
    """The Whoosh document of ``paper`` (field name → value, see
    :func:`make_schema`); ``pos`` is its input order (0-based), the tie-breaker
    of sorts; ``pages`` the text of each page of its PDF (see
    :data:`FullTextSource`), ``None`` when it has none."""
    acronyms = title_acronyms(paper.title, paper.abstract)
    doc = {
        "id": paper.id,
        # a title's acronyms are searched as title words ("byol" finds BYOL's paper)
        "title": f"{paper.title}\n{' '.join(acronyms)}" if acronyms else paper.title,
        "abstract": paper.abstract,
        "authors": "; ".join(paper.authors),
        "organisation": " ".join(x for x in (paper.organisation, paper.org_handle) if x),
        "spell": f"{paper.title}\n{paper.abstract}",
        "date": int(paper.published.strftime("%Y%m%d")) if paper.published else 0,
        "upvotes": paper.upvotes or 0,
        "source": ",".join(paper.sources),
        "pos": pos,
        "data": json.dumps(paper.to_dict(), ensure_ascii=False),
    }
    if pages is not None:
        doc["has"] = "pdf"
        text = PAGE_BREAK.join(pages)
        if text.strip():
            doc["fulltext"] = text
    if paper.year:
        doc["year"] = paper.year
    if paper.arxiv_id:
        doc["arxiv"] = paper.arxiv_id
    if paper.organisation:
        doc["org"] = paper.organisation
    if paper.doi:
        doc["doi"] = paper.doi.lower()
    key = normalise_title(paper.title)
    if key:
        doc["title_key"] = key
    return doc
