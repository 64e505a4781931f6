"""The search bar's forgiving policy: fallback, spelling correction, relaxation.

A forgiving search (``PaperIndex.search(..., forgiving=True)``) first runs the
query as typed (its plain words when it is malformed: that fallback is the
search's own). When that finds fewer than :data:`SUGGEST_BELOW` hits,
:meth:`Forgiving.resolve` decides what the user sees instead:

* nothing found and the spelling correction (:meth:`Forgiving.correct`)
  finds something: the correction is run, and said so in the notice;
* the correction finds more: it is offered as :attr:`Results.suggestion`;
* a query with syntax that found nothing: a looser form is offered
  (:meth:`Forgiving.loosened`);
* plain words that no paper has all of: the papers with some of them are
  listed after those with all (:meth:`Forgiving.relax`).

The policy runs queries through the :class:`~paperbrowse.core.search.PaperIndex`
it is given, using these of its members: ``parse``, ``_parse_plain``,
``_or_parse``, ``_run``, ``_highlight_terms``, ``_tables_for``,
``_vocabulary`` and ``analyzer``. Paging further down a
resolved query (``PaperIndex.page``) decides nothing again.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
from whoosh import query

from paperbrowse.core.engine.analysis import make_spelling_analyzer
from paperbrowse.core.engine.matching import match_set
from paperbrowse.core.engine.query import QueryError, plain_words
from paperbrowse.core.models import Facets
from paperbrowse.core.models import papers as _papers
from paperbrowse.core.schema import FIELD_BOOSTS

if TYPE_CHECKING:
    from paperbrowse.core.search import PaperIndex

#: A query finding fewer hits than this gets a spelling check ("did you mean").
SUGGEST_BELOW = 3

#: Words of a query that the spelling check may correct: not field names
#: (``title:``), wildcards (``diff*``), fuzzy terms (``term~``) or numbers.
_CORRECTABLE = re.compile(r"(?<![\w*?~])[^\W\d_]+(?![\w:*?~])")
_OPERATOR_WORDS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO"}


@dataclass(frozen=True)
class Resolved:
    """What a search ran and found: the query as resolved by the policy.

    Attributes:
        q: the Whoosh query run (the AND query when relaxed).
        ran: the text run when it differs from the text typed (plain words,
            a correction), else ``None``.
        total: papers matching (with some of the words, when relaxed).
        page: ``(docnum, score)`` of the first hits, best first.
        counts: facet counts, when asked for.
        notice: what to tell the user about how the query ran, or ``""``.
        suggestion: a correction or looser form to offer, or ``None``.
        relaxed: the words were also run with ``OR`` (see :meth:`Forgiving.relax`).
        terms: analysed terms per field, for highlighting.
    """

    q: query.Query
    ran: str | None
    total: int
    page: list[tuple[int, float]]
    counts: Facets | None
    notice: str = ""
    suggestion: str | None = None
    relaxed: bool = False
    terms: dict[str, frozenset[str]] | None = None


class Forgiving:
    """The forgiving policy over one :class:`~paperbrowse.core.search.PaperIndex`."""

    def __init__(self, index: PaperIndex) -> None:
        self._index = index
        self._spell = make_spelling_analyzer()

    def resolve(
        self, searcher, text: str, first: Resolved, sort: str, limit, filters, facets, postings
    ) -> Resolved:
        """Decide what a forgiving search that found fewer than
        :data:`SUGGEST_BELOW` hits shows instead (see the module's list).

        Args:
            searcher: the search's Whoosh searcher.
            text: the query as typed (not blank).
            first: what the query found as typed (its plain words when
                malformed: ``first.ran``); ``first.terms`` unused.
            sort, limit, filters, facets: as the search was asked (``limit``
                counts from rank 0).
            postings: the search's :class:`~paperbrowse.core.engine.postings.Postings`.

        Returns:
            The resolved query, its hits and terms, the notice and the suggestion.
        """
        index = self._index
        r, suggestion = first, None
        corrected = self.correct(r.ran or text, searcher, postings)
        if corrected:
            try:
                cq = index._parse_plain(corrected) if r.ran else index.parse(corrected)
            except QueryError:  # corrected into nothing searchable ('title:as')
                corrected = None
        if corrected:
            c_found, c_counts = index._run(searcher, cq, sort, limit, filters, facets, postings)
            c_total = c_found.total if c_found is not None else 0
            if r.total == 0 and c_total:
                notice = f"nothing matched {r.ran or text!r}; showing {corrected!r}"
                r = replace(
                    r, ran=corrected, q=cq, total=c_total, page=c_found.page, counts=c_counts,
                    notice=notice,
                )  # fmt: skip
            elif c_total > r.total:
                suggestion = corrected
        if suggestion is None and r.total == 0 and not r.ran:
            suggestion = self.loosened(searcher, text, postings)
        r = replace(r, suggestion=suggestion, terms=index._highlight_terms(searcher, r.q))
        if r.total >= SUGGEST_BELOW:
            return r
        relaxed = self.relax(searcher, r.ran or text, sort, limit, filters, facets, postings)
        if relaxed is None or relaxed[0].total <= r.total:
            return r
        or_found, or_terms, or_counts = relaxed
        shown = {d for d, _ in r.page}
        page = r.page + [(d, s) for d, s in or_found.page if d not in shown]
        if limit is not None:
            page = page[:limit]
        some = or_found.total - r.total
        relaxed_notice = (
            f"{_papers(r.total)} with every word, {some} more with some of them"
            if r.total
            else f"no paper has every word; {_papers(some)} with some of them"
        )
        terms = r.terms or {}
        return replace(
            r,
            page=page,
            total=or_found.total,
            counts=or_counts,
            notice=f"{r.notice}; {relaxed_notice}" if r.notice else relaxed_notice,
            relaxed=True,
            terms={
                f: terms.get(f, frozenset()) | or_terms.get(f, frozenset())
                for f in set(terms) | set(or_terms)
            },
        )

    def relax(self, searcher, text: str, sort, limit, filters, facets, postings=None):
        """Run ``text`` with OR between its words, most matching words first.

        The forgiving search's answer to a query whose words do not all occur
        in any paper (``how to make diffusion sampling faster``). Only plain
        word queries are relaxed: a query with operators, quotes, fields or
        ranges means exactly what it says.

        Returns:
            ``(_Found, terms, facets)``, or ``None`` when ``text`` is not
            plain words or has a single word.
        """
        if text != plain_words(text) or len(text.split()) < 2:
            return None
        q = self._index._or_parse(text)
        found, counts = self._index._run(searcher, q, sort, limit, filters, facets, postings)
        if found is None:
            return None
        terms = self._index._highlight_terms(searcher, q)
        return found, terms, counts

    def loosened(self, searcher, text: str, postings) -> str | None:
        """A looser form of ``text`` that finds papers, for a query with syntax
        that found none: its phrases unquoted (``"smooth nowcasting"`` →
        ``smooth nowcasting``, ``title:"a b"`` → ``title:(a b)``), then its
        ``AND`` made ``OR`` (``smooth AND nowcasting`` → ``smooth OR
        nowcasting``), then the words of a field's phrase joined by ``OR``
        (``title:(smooth OR nowcasting)``). Plain words are counted as the forgiving search runs
        them (relaxed to OR); ``None`` when no form finds anything."""
        unquoted = _FIELD_PHRASE.sub(r"\1:(\2)", text).replace('"', "")
        either = _FIELD_PHRASE.sub(lambda m: f"{m[1]}:({' OR '.join(m[2].split())})", text)
        forms = [unquoted, _AND.sub("OR", unquoted), _AND.sub("OR", either.replace('"', ""))]
        tables = self._index._tables_for(searcher)
        for form in dict.fromkeys(f for f in forms if f != text):
            plain = form == plain_words(form) and len(form.split()) > 1
            try:
                q = self._index._or_parse(form) if plain else self._index.parse(form)
            except QueryError:
                continue
            if q is query.NullQuery:
                continue
            if np.any(match_set(searcher, q, tables.live, postings)):
                return form
        return None

    def correct(self, text: str, searcher, postings) -> str | None:
        """Return ``text`` with its unknown words spelled as words of the index.

        The "did you mean" of the search bar and the CLI. A word is *known*,
        and left as it is, when it is in the index's vocabulary (the ``spell``
        field: unstemmed words of titles and abstracts) or when the fields it
        is searched in hold it (``rose`` is a title word of RoseLoRA;
        ``organisation:adobe`` names an organisation; author names): a query
        that finds what it names is never "corrected".

        Each unknown word's candidates are the indexed words within edit
        distance 1 (words of up to 4 letters) or 2, sharing its first letter
        (:class:`~paperbrowse.core.engine.postings.Vocabulary`), ranked by
        ``log(document frequency) - 3 × typo cost`` (:func:`typo_cost`: an
        omitted, added or swapped letter, a neighbouring key or a vowel for a
        vowel costs 1, another substitution 1.5). The best
        :data:`_CANDIDATES` are then tried *in the whole query*, one count
        each: a candidate with which the corrected query finds papers wins,
        then one that those papers contain as written (``grokking linear
        estimatrs`` → ``estimators``, the word of the one paper, not the
        commoner ``estimates`` that only shares its stem), then by
        ``log(papers found) - 3 × typo cost``. Queries with more than
        :data:`_CHECKED_WORDS` unknown words skip the counts. Operators,
        field names, wildcards, fuzzy terms and numbers are left as they are.

        Args:
            text: the query text.
            searcher: an open Whoosh searcher of the index.
            postings: its :class:`~paperbrowse.core.engine.postings.Postings`.

        Returns:
            The corrected query text, or ``None`` when every word is known or
            no correction is found.
        """
        reader = searcher.reader()
        vocabulary = self._index._vocabulary(self._index._tables_for(searcher))
        spell = self._spell
        fielded = _fielded_spans(text)
        unknown: list[tuple[re.Match[str], list[tuple[str, float]]]] = []
        for match in _CORRECTABLE.finditer(text):
            word = match.group(0)
            if word in _OPERATOR_WORDS:
                continue
            folded = "".join(t.text for t in spell(word))
            if len(folded) < 3 or ("spell", folded) in reader:
                continue
            field = next((f for lo, hi, f in fielded if lo <= match.start() < hi), None)
            if self._known(reader, word, field):
                continue
            maxdist = 1 if len(folded) <= 4 else 2
            words = vocabulary.within(reader, "spell", folded, maxdist, prefix=1)
            if not words:
                continue
            costed = [(w.decode(), typo_cost(folded, w.decode())) for w in words]
            costed.sort(
                key=lambda wc: (
                    math.log(reader.doc_frequency("spell", wc[0]) or 1) - _EDIT_PENALTY * wc[1]
                ),
                reverse=True,
            )
            unknown.append((match, costed[:_CANDIDATES]))
        if not unknown:
            return None
        chosen = [ranked[0][0] for _, ranked in unknown]

        def spelled(choice: list[str]) -> str:
            parts, at = [], 0
            for (match, _), word in zip(unknown, choice, strict=True):
                parts += [text[at : match.start()], word]
                at = match.end()
            return "".join(parts) + text[at:]

        if len(unknown) <= _CHECKED_WORDS:
            tables = self._index._tables_for(searcher)
            for i, (_, ranked) in enumerate(unknown):
                if len(ranked) < 2:
                    continue

                def support(candidate: tuple[str, float], i: int = i) -> tuple:
                    word, cost = candidate
                    trial = [*chosen[:i], word, *chosen[i + 1 :]]
                    found = self._count_with(searcher, spelled(trial), word, tables, postings)
                    count, literal = found
                    papers = literal or count or reader.doc_frequency("spell", word) or 1
                    return (count > 0, literal > 0, math.log(papers) - _EDIT_PENALTY * cost)

                chosen[i] = max(ranked, key=support)[0]
        return spelled(chosen)

    def _known(self, reader, word: str, field: str | None) -> bool:
        """True if every analysed token of ``word`` is indexed in ``field``
        (any searched field when ``None``): the word finds something as typed."""
        tokens = [t.text for t in self._index.analyzer(word)]
        fields = [field] if field in FIELD_BOOSTS else list(FIELD_BOOSTS)
        return any(all((f, t) in reader for t in tokens) for f in fields) if tokens else True

    def _count_with(self, searcher, text: str, word: str, tables, postings) -> tuple[int, int]:
        """``(papers matching text, those of them whose title or abstract has
        word as written)``; ``(0, 0)`` when ``text`` is not a query."""
        try:
            q = self._index.parse(text)
        except QueryError:
            return 0, 0
        if q is query.NullQuery:
            return 0, 0
        matched = match_set(searcher, q, tables.live, postings)
        count = int(np.count_nonzero(matched))
        if not count:
            return 0, 0
        spelled = postings.mask(postings.docs("spell", word))
        return count, int(np.count_nonzero(matched & spelled))


#: Cost of one edit in :meth:`PaperIndex.correct`, against log document frequency:
#: a word one edit further away must be e³ ≈ 20 times as frequent to win.
_EDIT_PENALTY = 3.0

#: Candidate corrections per unknown word tried in the whole query (one count each).
_CANDIDATES = 4

#: Queries with more unknown words than this are corrected word by word, uncounted.
_CHECKED_WORDS = 3

#: ``field:"a phrase"`` in query text, unquoted as ``field:(a phrase)``.
_FIELD_PHRASE = re.compile(r'\b([A-Za-z_]+):"([^"]*)"')
_AND = re.compile(r"\bAND\b")

#: A field's value in query text: ``field:word``, ``field:"a phrase"``, ``field:(a b)``.
_FIELD_VALUE = re.compile(r'\b([A-Za-z_]+):("[^"]*"?|\([^)]*\)?|[^\s()"]+)')


def _fielded_spans(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, field)`` of each ``field:value`` of query ``text``."""
    return [(m.start(2), m.end(2), m.group(1)) for m in _FIELD_VALUE.finditer(text)]


_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_VOWELS = frozenset("aeiouy")


def _neighbours() -> dict[str, frozenset[str]]:
    """Keys next to each letter on a QWERTY keyboard (same row, and the rows
    above and below at the same or next column)."""
    where = {c: (r, i) for r, row in enumerate(_KEYBOARD_ROWS) for i, c in enumerate(row)}
    near: dict[str, set[str]] = {c: set() for c in where}
    for a, (ra, ia) in where.items():
        for b, (rb, ib) in where.items():
            if a != b and abs(ra - rb) <= 1 and (ib - ia if rb >= ra else ia - ib) in (-1, 0, 1):
                near[a].add(b)
    return {c: frozenset(n) for c, n in near.items()}


_NEAR_KEYS = _neighbours()


def _substitution_cost(a: str, b: str) -> float:
    """1 for a neighbouring key or a vowel for a vowel (``speach``), else 1.5."""
    if a == b:
        return 0.0
    if b in _NEAR_KEYS.get(a, ()) or (a in _VOWELS and b in _VOWELS):
        return 1.0
    return 1.5


def typo_cost(typed: str, word: str) -> float:
    """How likely a typing slip turned ``word`` into ``typed``, as a weighted
    optimal-string-alignment distance: a letter left out or added, two
    neighbouring letters swapped, a neighbouring key or a vowel for a vowel
    cost 1 each; another substitution 1.5 (``flw`` is 1 from ``flow``, a
    letter left out, and 1.5 from ``few``). Lower case ASCII QWERTY.
    """
    prev2: list[float] = []
    prev = [float(j) for j in range(len(word) + 1)]
    for i in range(1, len(typed) + 1):
        row = [float(i)] + [0.0] * len(word)
        for j in range(1, len(word) + 1):
            sub = _substitution_cost(typed[i - 1], word[j - 1])
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + sub)
            if i > 1 and j > 1 and typed[i - 1] == word[j - 2] and typed[i - 2] == word[j - 1]:
                row[j] = min(row[j], prev2[j - 2] + 1)
        prev2, prev = prev, row
    return prev[len(word)]


def edit_distance(a: str, b: str) -> int:
    """Optimal-string-alignment distance: insertions, deletions, substitutions
    and swaps of two adjacent letters each count 1 (``modle`` → ``model`` is 1)."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], prev2[j - 2] + 1)
        prev2, prev = prev, row
    return prev[len(b)]
