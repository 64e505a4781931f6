"""``token_analysis`` (the analyzer of one token as plain functions, issue 20)
gives exactly what Whoosh's generator chain gives: over the vocabulary of the
bundled corpus and of a generated one, for every field's analyzer, and for
generated tokens (case changes, hyphens and other delimiters, digits, Greek
letters, accents, possessives, stop words, British spellings)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from generated import generated_papers
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.analysis import RegexTokenizer, StopFilter, SubstitutionFilter

from paperbrowse.core.engine.analysis import make_analyzer, make_spelling_analyzer, token_analysis
from paperbrowse.core.engine.segments import TokenTerms
from paperbrowse.core.schema import make_schema, paper_doc
from paperbrowse.core.sources.captures import bundled_corpus_dir, corpus_files, load_captures

REPO = Path(__file__).resolve().parents[2]
ANALYZERS = {"text": make_analyzer(), "spell": make_spelling_analyzer()}


def _chain(analyzer, token: str) -> list[tuple[int, str]]:
    return [(t.pos, t.text) for t in analyzer(token, mode="index", positions=True)]


def _tokens(analyzer, texts) -> list[str]:
    """The distinct tokens of ``texts`` as the analyzer's tokenizer finds them."""
    finditer = analyzer.items[0].expression.finditer
    return list(dict.fromkeys(m[0] for text in texts for m in finditer(text)))


def _generated_papers(docs: int) -> list:
    return generated_papers(docs, seed=11)


def _texts(papers) -> list[str]:
    """Every text a document of ``papers`` gives its analysed fields."""
    text_fields = ("title", "abstract", "authors", "organisation", "spell")
    docs = (paper_doc(p, n) for n, p in enumerate(papers))
    return [doc[name] for doc in docs for name in text_fields if doc.get(name)]


@pytest.fixture(scope="module")
def corpus_texts() -> list[str]:
    bundled = load_captures(corpus_files(bundled_corpus_dir())).papers
    return _texts(bundled) + _texts(_generated_papers(3000))


@pytest.mark.parametrize("name", sorted(ANALYZERS))
def test_token_analysis_equals_the_chain_on_the_corpora(name, corpus_texts) -> None:
    analyzer = ANALYZERS[name]
    analyse = token_analysis(analyzer)
    assert analyse is not None
    tokens = _tokens(analyzer, corpus_texts)
    assert len(tokens) > 10_000
    differ = [t for t in tokens if analyse(t) != _chain(analyzer, t)]
    assert differ == []


def test_the_schema_fields_get_a_token_analysis() -> None:
    schema = make_schema()
    for name in ("title", "abstract", "authors", "organisation", "fulltext", "spell"):
        assert token_analysis(schema[name].analyzer) is not None, name


SAMPLES = [
    "WF-VAE", "β-VAE", "χ^2", "CycleDiffusion", "O'Neil's", "A's+B's&C's", "---", "SD500",
    "Super-Duper-XL500-42-AutoCoder!", "factorisation", "Analysing", "the", "The", "of-the",
    "Matérn", "µ-law", "ΣΔ", "x86_64", "3.14", "e.g.", "self-supervised", "GPT-4o", "(BYOL)",
    "non-i.i.d.", "ResNet-50s", "Ωmega", "naïve", "œuvre", "ß", "İstanbul", "a-b-c-d", "42",
]  # fmt: skip


@pytest.mark.parametrize("token", SAMPLES)
def test_token_analysis_equals_the_chain_on_hard_tokens(token) -> None:
    for analyzer in ANALYZERS.values():
        for tok in _tokens(analyzer, [token]):
            assert token_analysis(analyzer)(tok) == _chain(analyzer, tok), tok


_ALPHABET = st.sampled_from(
    list("abcXYZeisEIS019") + list("-_'.()/+&") + list("αβΣχµéüØı") + ["\u0301", "ß", "ﬁ"]
)
_WORDS = st.sampled_from(
    ["the", "and", "of", "A", "optimise", "analyse", "colour", "Normalisation", "ised", "lyse"]
)
_TOKEN = st.lists(st.one_of(_ALPHABET, _WORDS), min_size=1, max_size=8).map("".join)


@settings(max_examples=400, deadline=None)
@given(_TOKEN)
def test_token_analysis_equals_the_chain_on_generated_tokens(text) -> None:
    for analyzer in ANALYZERS.values():
        analyse = token_analysis(analyzer)
        for tok in _tokens(analyzer, [text]):
            assert analyse(tok) == _chain(analyzer, tok), tok


def test_an_unknown_filter_gets_no_token_analysis() -> None:
    """An analyzer with a filter it does not know (or a stop filter that
    renumbers) goes Whoosh's way."""
    assert token_analysis(RegexTokenizer() | SubstitutionFilter("a", "b")) is None
    assert token_analysis(RegexTokenizer() | StopFilter(renumber=True)) is None
    assert token_analysis(RegexTokenizer(r"\s+", gaps=True)) is None
    memo = TokenTerms(RegexTokenizer() | SubstitutionFilter("a", "b"))
    ids, length = memo.token_ids("banana bread")
    assert length == 2 and [memo.terms[n] for n in memo.flat_term] == ["bbnbnb", "brebd"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(_ALPHABET, _WORDS, st.sampled_from([" ", "\n", "*", "..", "a.b"]))))
def test_the_spelling_tokenizer_finds_the_same_tokens_without_groups(parts) -> None:
    """The ``spell`` field's tokenizer has a group: its tokens come from an
    expression without it (``findall``), and are its matches."""
    text = "".join(parts)
    analyzer = ANALYZERS["spell"]
    memo = TokenTerms(analyzer)
    assert memo._matches is not None
    expected = [m[0] for m in analyzer.items[0].expression.finditer(text)]
    assert memo._matches(text) == expected


def test_the_spelling_tokenizer_matches_no_white_space_at_any_code_point() -> None:
    """No match of the ``spell`` field's expression holds a character
    ``str.split()`` splits at: a text's matches are its chunks' matches, one
    after another, so ``TokenTerms`` memoises the chunks."""
    memo = TokenTerms(ANALYZERS["spell"])
    assert memo._findall is str.split and memo._matches is not None
    text = "".join(f"a{chr(cp)}a.b*" for cp in range(sys.maxunicode + 1))
    whole = memo._matches(text)
    assert [m for chunk in text.split() for m in memo._matches(chunk)] == whole
    assert not [m for m in whole if any(c.isspace() for c in m)]
    assert len(text.split()) > 20 and len(whole) > 100_000  # both split the text


_SPACES = st.sampled_from([" ", "\n", "\x1f", "\u3000", "*", "..", "a.b"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_ALPHABET, _WORDS, _SPACES)))
def test_chunked_spelling_postings_are_the_analyzers(parts) -> None:
    """The ``spell`` field's memo of chunks gives a text the terms, positions
    and length the analyzer gives the whole text."""
    text = "".join(parts)
    analyzer = ANALYZERS["spell"]
    memo = TokenTerms(analyzer)
    ids, length = memo.token_ids(text)
    term, doc, freq, positions = memo.postings([0], [ids])
    got: dict[str, list[int]] = {}
    at = 0
    for t, f in zip(term.tolist(), freq.tolist(), strict=True):
        got[memo.terms[t]] = positions[at : at + f].tolist()
        at += f
    expected: dict[str, list[int]] = {}
    for pos, term_text in _chain(analyzer, text):
        expected.setdefault(term_text, []).append(pos)
    assert got == expected
    assert length == sum(map(len, expected.values()))


def test_the_text_tokenizer_splits_as_str_split_at_every_code_point() -> None:
    """``\\S+`` (the text fields' tokenizer) finds the tokens ``str.split()``
    does, whatever the white space: ``TokenTerms`` uses the faster one."""
    expression = make_analyzer().items[0].expression
    text = "".join(f"a{chr(cp)}" for cp in range(sys.maxunicode + 1)) + "b"
    assert text.split() == expression.findall(text)
    assert TokenTerms(make_analyzer())._findall is str.split


def test_a_new_token_twice_in_a_text_gets_one_id() -> None:
    memo = TokenTerms(make_analyzer())
    text = "novel words novel zebra-ish words"
    ids, length = memo.token_ids(text)
    assert ids[0] == ids[2] != ids[1] == ids[4] != ids[3]
    assert len(memo.token_id) == 3 and len(memo.counts) == len(memo.count) == 3
    assert length == len(_chain(make_analyzer(), text)) == 7
