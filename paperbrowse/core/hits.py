"""Hits: one page of a search's ``(docnum, score)`` made into :class:`Hit` s.

Each hit's paper is read from the index's stored data, its title and the best
fragment of its abstract highlighted with the query's terms. A paper that
matched the query in its full text only (no term of the query in its title,
abstract, authors or organisation) also gets the best fragment of that text
and its page (:attr:`Hit.body_snippet`, :attr:`Hit.body_page`): the text is
not stored in the index, so its pages are read again from the full-text
source (:data:`~paperbrowse.core.schema.FullTextSource`), for the hits of
the page shown only.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import replace

from paperbrowse.core.engine.highlight import WordAnalyzer, highlight, match_spans, snippet
from paperbrowse.core.models import Hit, Paper, Segment
from paperbrowse.core.schema import FullTextSource


def make_hits(
    searcher,
    page: Sequence[tuple[int, float]],
    terms: dict[str, frozenset[str]],
    sort: str,
    words: WordAnalyzer,
    first_rank: int = 0,
    fulltext: FullTextSource | None = None,
) -> list[Hit]:
    """The :class:`Hit` of each ``(docnum, score)`` of ``page``, ranks from ``first_rank``.

    Args:
        searcher: the search's Whoosh searcher (the papers are read from it).
        page: ``(document number, score)`` pairs, best first.
        terms: the query's analysed terms per field (:attr:`Results.terms`).
        sort: the search's sort; scores are kept for ``relevance`` only.
        words: the index analyzer, per word (for highlighting).
        fulltext: the papers' PDF pages, for body snippets; ``None``: none.
    """
    title_terms = terms.get("title", frozenset())
    abstract_terms = terms.get("abstract", frozenset())
    body_terms = terms.get("fulltext", frozenset()) if fulltext is not None else frozenset()
    hits = []
    for rank, (docnum, score) in enumerate(page, first_rank):
        paper = Paper.from_dict(json.loads(searcher.stored_fields(docnum)["data"]))
        hit = Hit(
            paper=paper,
            rank=rank,
            score=score if sort == "relevance" else 0.0,
            title=highlight(paper.title, title_terms, words),
            snippet=snippet(paper.abstract, abstract_terms, words),
        )
        if body_terms and not _shows_a_match(hit, terms, words):
            found = body_snippet(_pages(fulltext, paper.id), body_terms, words)
            if found is not None:
                hit = replace(hit, body_snippet=found[0], body_page=found[1])
        hits.append(hit)
    return hits


def body_snippet(
    pages: Sequence[str] | None, terms: Collection[str], words: WordAnalyzer, width: int = 220
) -> tuple[tuple[Segment, ...], int] | None:
    """The best-matching fragment of a paper's full text, and its 1-based page.

    The page is the first one holding every distinct query word; when none
    does, the one holding the most (ties: the most matches, then the earliest
    page). The fragment is :func:`~paperbrowse.core.engine.highlight.snippet`
    of that page. Words are matched one by one: a phrase's page is the one
    where its words are. Pages after the first complete one are not read, so
    a common word costs one page, not the whole PDF (``fulltext:network`` over
    30 hits of 10 pages: about 130 ms when every page was scanned).

    Returns:
        ``(segments, page)``, or ``None`` when no page holds a term of ``terms``.
    """
    best: tuple[tuple[int, int], int, str] | None = None
    wanted = len(terms)
    for number, text in enumerate(pages or (), 1):
        spans = match_spans(text, terms, words)
        if not spans:
            continue
        found = {text[s:e].casefold() for s, e in spans}
        key = (len(found), len(spans))
        if best is None or key > best[0]:
            best = (key, number, text)
        if len(found) >= wanted and _holds_every_term(found, terms, words):
            break  # every query word is here: no later page beats it
    if best is None:
        return None
    return snippet(best[2], terms, words, width), best[1]


def _holds_every_term(found: set[str], terms: Collection[str], words: WordAnalyzer) -> bool:
    """True if the matched words ``found`` (as written) stand for every term of
    ``terms`` (``networks`` and ``network`` are one term)."""
    held: set[str] = set()
    for word in found:
        held |= words.terms(word) | words.joined(word)
    return held >= set(terms)


def _shows_a_match(hit: Hit, terms: dict[str, frozenset[str]], words: WordAnalyzer) -> bool:
    """True if a term of the query is in the hit's title, abstract (its
    snippet holds a match whenever the abstract does), authors or organisation."""
    if any(matched for _, matched in hit.title) or any(matched for _, matched in hit.snippet):
        return True
    paper = hit.paper
    authors = terms.get("authors")
    if authors and match_spans("; ".join(paper.authors), authors, words):
        return True
    organisation = terms.get("organisation")
    named = " ".join(x for x in (paper.organisation, paper.org_handle) if x)
    return bool(organisation and named and match_spans(named, organisation, words))


def _pages(fulltext: FullTextSource, paper_id: str) -> Sequence[str] | None:
    """The pages of ``paper_id``'s PDF, or ``None`` when the source has none or
    fails: a PDF that cannot be read again costs its snippet, not the search."""
    try:
        return fulltext(paper_id)
    except Exception:
        return None
