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
)
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
            if _GREEK.search(t.text):
                t.text = _GREEK.sub(_greek_name, t.text)
            yield t


class SpellingVariantFilter(Filter):
    """Map British ``-ise``/``-isation``/``-yse`` spellings to American
    ``-ize``/``-ization``/``-yze`` before stemming (Porter stems
    ``factorisation`` and ``factorization`` differently). Applied at index and
    query time alike, so the odd false friend (``promise`` → ``promize``)
    still matches itself."""

    def __call__(self, tokens):
        for t in tokens:
            m = _BRITISH.match(t.text)
            if m:
                t.text = f"{m.group(1)}{m.group(2)[0]}z{m.group(3)}"
            yield t


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
