"""``schema.acronym_tokens`` finds exactly what the acronym expression's
``findall`` finds (it only gets there faster): on the bundled corpus, a
generated one, hard cases, and generated text over letters, capitals,
digits, underscores, non-decimal numerals, marks and spaces."""

from __future__ import annotations

from generated import generated_papers
from hypothesis import given, settings
from hypothesis import strategies as st

from paperbrowse.core.schema import _ACRONYM_TOKEN, acronym_tokens, title_acronyms
from paperbrowse.core.sources.captures import bundled_corpus_dir, corpus_files, load_captures


def test_the_corpora_give_the_expressions_tokens() -> None:
    bundled = load_captures(corpus_files(bundled_corpus_dir())).papers
    papers = bundled + generated_papers(2000, seed=5)
    texts = [f"{p.title}\n{p.abstract}" for p in papers]
    found = [acronym_tokens(t) for t in texts]
    assert found == [_ACRONYM_TOKEN.findall(t) for t in texts]
    assert sum(map(len, found)) > 1000  # the texts have acronyms to find


HARD = [
    "BYOL", "BYOL2 xBYOL _BYOL BYOL_x", "x²AB", "²AB", "ÉBYOL ÅBC ΣΔBC", "a-BYOL-b", "MiT's",
    "LCMs, ViT-B/16 (CLIP).", "AB", "A B", "aBCd", "ABC1DEF GHI", "", "Ab" * 50 + "1", "ABⅫCD",
]  # fmt: skip


def test_hard_cases_give_the_expressions_tokens() -> None:
    for text in HARD:
        assert acronym_tokens(text) == _ACRONYM_TOKEN.findall(text), text
    assert acronym_tokens("x²AB and ABC1DEF GHI") == ["x²AB", "GHI"]


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ABCXYZabcxyz019_²Ⅻ ÉéΣσ-'.\n\u0301")), max_size=40))
def test_generated_text_gives_the_expressions_tokens(text) -> None:
    assert acronym_tokens(text) == _ACRONYM_TOKEN.findall(text)


def test_a_title_finds_its_acronym_as_before() -> None:
    abstract = "We introduce Bootstrap Your Own Latent (BYOL), a new approach. BYOL works."
    assert title_acronyms("Bootstrap your own latent: a new approach", abstract) == ("BYOL",)
