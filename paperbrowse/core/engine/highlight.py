"""Highlighting: mark the words of a text that match a query.

Matching is done on analysed forms, with the same analyzer as the index, so a
query for ``diffusion`` highlights ``diffusion-based`` and ``Diffusion``, and
``matern`` highlights ``Matérn``. The output is a tuple of
:data:`~paperbrowse.core.models.Segment` ``(text, matched)`` pairs; the UI
turns them into styled text. The terms to mark are those of the query that
exist in the index (:func:`query_terms`).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Collection, Iterable

from whoosh import query
from whoosh.query.terms import FuzzyTerm

from paperbrowse.core.engine.postings import Vocabulary
from paperbrowse.core.models import Segment

Span = tuple[int, int]

#: A word, as highlighted: the parts the index analyzer splits tokens into
#: (``WF-VAE`` → ``WF``, ``VAE``; ``latent.github.io`` → ``latent``, ...).
WORD_PATTERN = re.compile(r"\w+", re.UNICODE)
_COMPOUND = re.compile(r"(?<!\w)\w++(?:[-.'’/]\w++)+", re.UNICODE)  # one try per word
#: A word, or a compound (:data:`_COMPOUND`: group 1 is set), in one scan.
_WORD_OR_COMPOUND = re.compile(r"\w++((?:[-.'’/]\w++)+)?", re.UNICODE)


class WordAnalyzer:
    """A token-local Whoosh analyzer, memoised per distinct word.

    The index analyzer (tokenise, lower-case, fold accents, drop stop words,
    stem) treats each token on its own, so analysing every distinct word once
    and tokenising with the same pattern gives the same terms as running the
    analyzer over the text, about 20 times faster. Used to highlight the
    abstracts of every hit on each keystroke.

    Args:
        analyzer: a Whoosh analyzer whose filters act on single tokens.
        max_words: bound on the memo (distinct words), to bound memory.
    """

    def __init__(self, analyzer: Callable[..., Iterable], max_words: int = 200_000) -> None:
        self.analyzer = analyzer
        self.max_words = max_words
        self._memo: dict[str, frozenset[str]] = {}
        self._joined: dict[str, frozenset[str]] = {}
        self._decided: dict[frozenset[str], dict[str, bool]] = {}
        self._lock = threading.Lock()  # searches run in worker threads

    #: Query term sets whose word decisions are kept (:meth:`decisions`).
    KEEP_QUERIES = 8

    def decisions(self, words: frozenset[str]) -> dict[str, bool]:
        """Whether each word seen so far matches one of ``words`` (a query's
        analysed terms): kept for the :attr:`KEEP_QUERIES` latest term sets,
        so the hits of a page, its next pages and the detail pane decide each
        distinct word once."""
        with self._lock:
            got = self._decided.pop(words, None)
            if got is None or len(got) >= self.max_words:
                got = {}
            self._decided[words] = got  # most recent last
            while len(self._decided) > self.KEEP_QUERIES:
                del self._decided[next(iter(self._decided))]
            return got

    def terms(self, word: str) -> frozenset[str]:
        """The indexed terms of one word: none for a stop word, several for a
        compound (``CycleDiffusion`` → ``cycl``, ``diffus``, ``cyclediffus``)."""
        try:
            return self._memo[word]
        except KeyError:
            pass
        terms = frozenset(t.text for t in self.analyzer(word, mode="index"))
        if len(self._memo) >= self.max_words:
            self._memo.clear()
        self._memo[word] = terms
        return terms

    def joined(self, compound: str) -> frozenset[str]:
        """The terms of a hyphenated or dotted name that none of its parts has:
        its joined form (``WF-VAE`` → ``wfvae``); empty for most names."""
        try:
            return self._joined[compound]
        except KeyError:
            pass
        parts = frozenset().union(*(self.terms(p) for p in WORD_PATTERN.findall(compound)))
        extra = self.terms(compound) - parts
        if len(self._joined) >= self.max_words:
            self._joined.clear()
        self._joined[compound] = extra
        return extra

    def __call__(self, text: str) -> Iterable[tuple[int, int, frozenset[str]]]:
        """Yield ``(start, end, terms)`` for each word of ``text``."""
        for m in WORD_PATTERN.finditer(text):
            yield m.start(), m.end(), self.terms(m.group())


#: An ASCII word of letters in one case, or capitalised (:func:`_plain`).
_PLAIN_WORD = re.compile(r"[a-z]+|[A-Z][a-z]*|[A-Z]+")


def _plain(word: str) -> bool:
    """True for an ASCII word of letters in one case (or capitalised): one
    the index analyzer neither splits nor spells out (Greek, accents)."""
    return _PLAIN_WORD.fullmatch(word) is not None


def match_spans(text: str, words: Collection[str], analyzer: WordAnalyzer) -> list[Span]:
    """Return ``(start, end)`` offsets of the words of ``text`` with a term in ``words``.

    A word is a run of letters and digits; a hyphenated or dotted name
    (``WF-VAE``) is marked whole when its joined form (``wfvae``) matched.
    One pass over the words and one over the compound names, each word's
    terms looked up in the memo of ``analyzer``; overlapping spans (a
    compound and its parts) are merged. A plain word not in the memo is
    analysed only if its first two letters are those of a query term: the
    analyzer only ever lower-cases such a word and strips a suffix (stop
    words, the British ``-ise`` and Porter's steps keep its first letters),
    so the others cannot match, and a page of hits seen for the first time
    analyses a few dozen words instead of thousands. Each distinct word is
    decided once per query (:meth:`WordAnalyzer.decisions`).

    Args:
        text: the text to scan.
        words: analysed query terms (e.g. stemmed ``"diffus"``).
        analyzer: the index analyzer wrapped in a :class:`WordAnalyzer`.
    """
    if not words or not text:
        return []
    words = words if isinstance(words, frozenset) else frozenset(words)
    memo, terms, joined = analyzer._memo, analyzer.terms, analyzer.joined
    decided = analyzer.decisions(words)
    starts = {w[:2] for w in words}
    plain_word = _PLAIN_WORD.fullmatch

    def decide(word: str) -> bool:
        got = memo.get(word)
        if got is None and word[:2].lower() not in starts and plain_word(word):
            hit = False  # its terms cannot start as any query term does
        else:
            hit = not (terms(word) if got is None else got).isdisjoint(words)
        decided[word] = hit
        return hit

    spans = []
    compounds = []
    # one scan: a word, or a hyphenated or dotted name (then also its words)
    for m in _WORD_OR_COMPOUND.finditer(text):
        if m[1] is None:  # a word alone: the common case, kept short
            hit = decided.get(m[0])
            if hit or (hit is None and decide(m[0])):
                spans.append(m.span())
            continue
        base = m.start()
        for w in WORD_PATTERN.finditer(m[0]):
            hit = decided.get(w[0])
            if hit or (hit is None and decide(w[0])):
                spans.append((base + w.start(), base + w.end()))
        # a name matched by its joined form (wfvae → WF-VAE)
        if not joined(m[0]).isdisjoint(words):
            compounds.append(m.span())
    if not compounds:
        return spans
    merged: list[Span] = []
    for start, end in sorted(spans + compounds):
        if merged and start < merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def segments(
    text: str, spans: Iterable[Span], start: int = 0, end: int | None = None
) -> tuple[Segment, ...]:
    """Cut ``text[start:end]`` into segments, marking the characters in ``spans``."""
    end = len(text) if end is None else end
    out: list[Segment] = []
    pos = start
    for s, e in sorted(spans):
        s, e = max(s, start), min(e, end)
        if e <= s or s < pos:
            continue
        if s > pos:
            out.append((text[pos:s], False))
        out.append((text[s:e], True))
        pos = e
    if pos < end:
        out.append((text[pos:end], False))
    return tuple(out)


def highlight(text: str, words: Collection[str], analyzer: WordAnalyzer) -> tuple[Segment, ...]:
    """Return the whole of ``text`` as segments with the query's matches marked."""
    return segments(text, match_spans(text, words, analyzer))


def _snap_left(text: str, pos: int) -> int:
    if pos <= 0:
        return 0
    space = text.rfind(" ", 0, pos)
    return space + 1 if space != -1 and pos - space < 20 else pos


def _snap_right(text: str, pos: int) -> int:
    if pos >= len(text):
        return len(text)
    space = text.rfind(" ", 0, pos)
    return space if space > pos - 20 else pos


def snippet(
    text: str, words: Collection[str], analyzer: WordAnalyzer, width: int = 220
) -> tuple[Segment, ...]:
    """Return the best-matching fragment of ``text``, at most about ``width`` characters.

    The fragment is the window holding the most distinct matched words (ties:
    the most matches, then the earliest). ``…`` marks text cut on either side.
    Without any match, the opening of the text is returned.
    """
    spans = match_spans(text, words, analyzer)
    if len(text) <= width:
        return segments(text, spans)
    best_start, best_key = 0, (0, 0)
    for anchor, _ in spans:
        start = max(0, anchor - width // 5)
        inside = [(s, e) for s, e in spans if s >= start and e <= start + width]
        key = (len({text[s:e].casefold() for s, e in inside}), len(inside))
        if key > best_key:
            best_start, best_key = start, key
    start = _snap_left(text, best_start)
    end = _snap_right(text, min(len(text), start + width))
    body = segments(text, spans, start, end)
    prefix: tuple[Segment, ...] = (("…", False),) if start > 0 else ()
    suffix: tuple[Segment, ...] = (("…", False),) if end < len(text) else ()
    return prefix + body + suffix


def plain(segs: Iterable[Segment]) -> str:
    """Join segments back into a plain string."""
    return "".join(text for text, _ in segs)


def _positive_leaves(q: query.Query) -> Iterable[query.Query]:
    """Leaf queries that a hit matched, skipping negated parts (``NOT x``)."""
    if isinstance(q, query.Not):
        return
    if isinstance(q, query.AndNot):
        yield from _positive_leaves(q.a)
        return
    if q.is_leaf():
        yield q
        return
    for child in q.children():
        yield from _positive_leaves(child)


def query_terms(
    q: query.Query,
    reader,
    vocabulary: Vocabulary | None = None,
    fields: Collection[str] | None = None,
) -> dict[str, frozenset[str]]:
    """Analysed terms of ``q`` that exist in the index, per text field.

    Only the terms of ``fields`` are kept (every field when ``None``; the
    search passes the fields a plain query word searches).

    Wildcard, prefix and fuzzy terms are expanded to the indexed words they
    match (fuzzy words through ``vocabulary``, as the search expanded them).
    (Whoosh's own ``Query.existing_terms`` cannot be used: in 2.7 it
    reuses its ``fieldname`` argument as a loop variable and drops the terms
    of every field after the first.)
    """
    by_field: dict[str, set[str]] = {}
    for leaf in _positive_leaves(q):
        if isinstance(leaf, FuzzyTerm) and vocabulary is not None:
            words = vocabulary.within(
                reader, leaf.fieldname, leaf.text, leaf.maxdist, leaf.prefixlength
            )
            expanded = [(leaf.fieldname, w) for w in words]
        else:
            expanded = leaf.expanded_terms(reader, phrases=True)
        for fieldname, text in expanded:
            if fields is not None and fieldname not in fields:
                continue
            if isinstance(text, bytes):
                text = text.decode("utf-8")
            if (fieldname, text) in reader:
                by_field.setdefault(fieldname, set()).add(text)
    return {k: frozenset(v) for k, v in by_field.items()}
