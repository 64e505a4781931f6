"""Text analysis of the index: how titles, abstracts, names and queries become terms.

The analyzer of every searched text field (:func:`make_analyzer`) and of the
``spell`` field (:func:`make_spelling_analyzer`), and the token filters they
chain. Existing indexes pickle the analyzer in their Whoosh schema, naming each
filter class by module path: indexes written before this module existed name
``paperbrowse.core.index.GreekFilter`` and so on, which
:mod:`paperbrowse.core.index` keeps importable; new ones name this module.
Changing what a filter does changes the terms: bump
:data:`paperbrowse.core.schema.SCHEMA_VERSION` so indexes are rebuilt.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata

from whoosh.analysis import (
    CharsetFilter,
    Filter,
    IntraWordFilter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
    Token,
)
from whoosh.lang import stemmer_for_language
from whoosh.support.charset import accent_map

#: Greek letters as they are spelled out in queries (``β-VAE`` → ``beta-VAE``).
GREEK_NAMES = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ζ": "zeta",
    "η": "eta", "θ": "theta", "ι": "iota", "κ": "kappa", "λ": "lambda", "μ": "mu",
    "ν": "nu", "ξ": "xi", "π": "pi", "ρ": "rho", "σ": "sigma", "ς": "sigma", "τ": "tau",
    "υ": "upsilon", "φ": "phi", "χ": "chi", "ψ": "psi", "ω": "omega",
}  # fmt: skip
_GREEK = re.compile("[" + "".join(GREEK_NAMES) + "]", re.IGNORECASE)
_BRITISH = re.compile(r"^(\w{3,}?)(is|ys)(ation|ations|e|ed|es|ing|er|ers)$")


def _greek_name(match: re.Match[str]) -> str:
    """The name of a matched Greek letter; ``µ`` (micro sign) and other
    compatibility forms that match case-insensitively map through NFKC."""
    letter = unicodedata.normalize("NFKC", match.group()).lower()
    return GREEK_NAMES.get(letter, match.group())


class GreekFilter(Filter):
    """Spell Greek letters out (``β`` → ``beta``, ``χ^2`` → ``chi^2``), so the
    letters, which would otherwise be one-character tokens, can be searched
    for by name. Runs before word splitting."""

    def __call__(self, tokens):
        for t in tokens:
            t.text = spell_greek(t.text)
            yield t


def spell_greek(text: str) -> str:
    """``text`` with its Greek letters spelled out (:class:`GreekFilter`)."""
    return _GREEK.sub(_greek_name, text) if _GREEK.search(text) else text


class SpellingVariantFilter(Filter):
    """Map British ``-ise``/``-isation``/``-yse`` spellings to American
    ``-ize``/``-ization``/``-yze`` before stemming (Porter stems
    ``factorisation`` and ``factorization`` differently). Applied at index and
    query time alike, so the odd false friend (``promise`` → ``promize``)
    still matches itself."""

    def __call__(self, tokens):
        for t in tokens:
            t.text = americanise(t.text)
            yield t


def americanise(text: str) -> str:
    """``text`` with a British ``-ise``/``-yse`` ending made American
    (:class:`SpellingVariantFilter`)."""
    m = _BRITISH.match(text)
    return f"{m.group(1)}{m.group(2)[0]}z{m.group(3)}" if m else text


class ByModeFilter(Filter):
    """One filter when indexing, another when parsing a query: Whoosh's
    ``MultiFilter``, which fails on an empty field (it calls ``next()`` on the
    token stream, a ``RuntimeError`` inside a generator since PEP 479)."""

    def __init__(self, index: Filter, query: Filter) -> None:
        self.index = index
        self.query = query

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, ByModeFilter)
            and self.index == other.index
            and self.query == other.query
        )

    def __call__(self, tokens):
        for first in tokens:
            chosen = self.index if first.mode == "index" else self.query
            return chosen(itertools.chain([first], tokens))
        return iter(())


class CompactPositionsFilter(Filter):
    """Number token positions 0, 1, 2... again after stop words were dropped,
    keeping a joined form at the position of its last sub-word (as
    ``IntraWordFilter`` placed it), so ``"bootstrap your own latent"`` and
    ``"diffusion based"`` still match as phrases. (``StopFilter``'s own
    renumbering would move every joined form one position on.)"""

    def __call__(self, tokens):
        last_original = None
        position = -1
        for t in tokens:
            if t.positions:
                if t.pos != last_original:
                    position += 1
                    last_original = t.pos
                t.pos = position
            yield t


def make_analyzer():
    """Return the analyzer of every searched text field.

    Tokens are split on white space, Greek letters spelled out, then split
    into sub-words at hyphens, case changes and letter-digit changes with the
    joined form kept as well (``WF-VAE`` → ``wf``, ``vae``, ``wfvae``;
    ``CycleDiffusion`` → ``cycle``, ``diffusion``, ``cyclediffusion``), lower-
    cased, accent-folded (``Matérn`` → ``matern``), British spellings made
    American, English stop words dropped (see :class:`CompactPositionsFilter`
    for positions) and Porter-stemmed. The same analyzer runs on queries; a query
    word that gives several tokens must match all of them
    (``multitoken_query="and"`` on the fields).
    """
    return (
        RegexTokenizer(r"\S+")
        | GreekFilter()
        | ByModeFilter(
            index=IntraWordFilter(mergewords=True, mergenums=True),
            query=IntraWordFilter(mergewords=False, mergenums=False),
        )
        | LowercaseFilter()
        | CharsetFilter(accent_map)
        | SpellingVariantFilter()
        | StopFilter(minsize=1, renumber=False)
        | CompactPositionsFilter()
        | StemFilter()
    )


def make_spelling_analyzer():
    """Return the analyzer of the ``spell`` field: words, lower case, accents
    folded, no stemming, so suggestions are real words (``diffusion``, not
    ``diffus``)."""
    return RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)


# ------------------------------------------------ one token, without the chain

#: ``[(position, text), ...]``: the terms one token gives, in the analyzer's order.
Terms = list[tuple[int, str]]
#: Words whose stem :func:`token_analysis` keeps (``StemFilter``'s own cache size).
STEM_CACHE = 50_000


def _intraword_index(iwf: IntraWordFilter):
    """``IntraWordFilter.__call__`` on one token whose position is 0: the
    filter's own shortcut for a plain word or number, else the filter itself."""

    def stage(terms: Terms) -> Terms:
        out: Terms = []
        newpos = 0
        for _, text in terms:
            if (text.isalpha() and (text.islower() or text.isupper())) or text.isdigit():
                out.append((newpos, text))
                newpos += 1
                continue
            token = Token(positions=True, mode="index")
            token.text, token.pos = text, newpos
            for t in iwf(iter((token,))):
                out.append((t.pos, t.text))
                newpos = t.pos + 1
        return out

    return stage


def _stop(stop: StopFilter):
    """``StopFilter.__call__`` (stop words removed, not renumbered)."""
    stops, least, most = stop.stops, stop.min, stop.max

    def stage(terms: Terms) -> Terms:
        return [
            (pos, text)
            for pos, text in terms
            if len(text) >= least and (most is None or len(text) <= most) and text not in stops
        ]

    return stage


def _compact(terms: Terms) -> Terms:
    """:class:`CompactPositionsFilter` on one token's terms."""
    out: Terms = []
    last_original = None
    position = -1
    for pos, text in terms:
        if pos != last_original:
            position += 1
            last_original = pos
        out.append((position, text))
    return out


def _stem(stem: StemFilter):
    """``StemFilter.__call__``, its stemming function (``stemfn``, or its
    language's) memoised here (a pure function of the word)."""
    stemfn = functools.lru_cache(maxsize=STEM_CACHE)(
        stemmer_for_language(stem.lang) if stem.lang else stem.stemfn
    )
    ignore = stem.ignore

    def stage(terms: Terms) -> Terms:
        return [(pos, text if text in ignore else stemfn(text)) for pos, text in terms]

    return stage


def _text_stage(fns: list):
    """A stage that maps every term's text through the functions ``fns`` in turn."""
    if len(fns) == 1:
        fn = fns[0]
        return lambda terms: [(pos, fn(text)) for pos, text in terms]

    def stage(terms: Terms) -> Terms:
        out: Terms = []
        for pos, text in terms:
            for fn in fns:
                text = fn(text)
            out.append((pos, text))
        return out

    return stage


def _index_stage(item):
    """The stage of one filter of an analyzer in index mode: a function of
    a term's text (filters that only change texts), a function of the terms,
    or ``None`` when it is not a filter :func:`token_analysis` knows."""
    kind = type(item)
    if kind is ByModeFilter:
        return _index_stage(item.index)
    if kind is IntraWordFilter:
        return _intraword_index(item)
    if kind is LowercaseFilter:
        return ("text", str.lower)
    if kind is CharsetFilter:
        charmap = item.charmap
        return ("text", lambda text: text.translate(charmap))
    if kind is GreekFilter:
        return ("text", spell_greek)
    if kind is SpellingVariantFilter:
        return ("text", americanise)
    if kind is StopFilter and not item.renumber:
        return _stop(item)
    if kind is CompactPositionsFilter:
        return _compact
    if kind is StemFilter:
        return _stem(item)
    return None


def token_analysis(analyzer):
    """A plain function giving what ``analyzer`` gives one token in index mode
    with positions, without Whoosh's generator chain (about 5× faster).

    ``analyzer`` must be a ``CompositeAnalyzer`` whose first item is a
    (matching) ``RegexTokenizer`` and ``token`` one match of its expression:
    the tokenizer then yields ``token`` itself at position 0. Each filter is
    done by a stage that does what the filter's ``__call__`` does (with the
    filter's own split/merge, stop list and stemming function):
    ``ByModeFilter`` (its index filter), ``IntraWordFilter``,
    ``LowercaseFilter``, ``CharsetFilter``, :class:`GreekFilter`,
    :class:`SpellingVariantFilter`, ``StopFilter`` (without renumbering),
    :class:`CompactPositionsFilter`, ``StemFilter``;
    ``tests/unit/test_analysis_token.py`` compares it with the chain.

    Returns:
        ``token → [(position, term), ...]`` as
        ``[(t.pos, t.text) for t in analyzer(token, mode="index", positions=True)]``,
        or ``None`` when the analyzer has a filter or tokenizer this does not know.
    """
    items = getattr(analyzer, "items", None)
    if not items or type(items[0]) is not RegexTokenizer or items[0].gaps:
        return None
    stages: list = []
    texts: list = []  # consecutive text functions, made one stage
    for item in items[1:]:
        stage = _index_stage(item)
        if stage is None:
            return None
        if isinstance(stage, tuple):
            texts.append(stage[1])
            continue
        if texts:
            stages.append(_text_stage(texts))
            texts = []
        stages.append(stage)
    if texts:
        stages.append(_text_stage(texts))

    def analyse(token: str) -> Terms:
        terms: Terms = [(0, token)]
        for stage in stages:
            terms = stage(terms)
        return terms

    return analyse
