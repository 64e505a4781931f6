"""Highlighting's one scan over words and compound names marks what a scan
for words, then one for compound names (every word analysed), marks."""

from __future__ import annotations

import random

from paperbrowse.core.engine.highlight import _COMPOUND, WORD_PATTERN, WordAnalyzer, match_spans
from paperbrowse.core.index import PaperIndex, make_analyzer


def _two_scans(text: str, terms: frozenset[str], words: WordAnalyzer) -> list[tuple[int, int]]:
    """Every word analysed, then every compound name's joined form; overlaps merged."""
    spans = [m.span() for m in WORD_PATTERN.finditer(text) if words.terms(m[0]) & terms]
    spans += [m.span() for m in _COMPOUND.finditer(text) if words.joined(m[0]) & terms]
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def test_one_scan_marks_what_two_scans_mark(index: PaperIndex) -> None:
    analyzer = make_analyzer()
    rng = random.Random(11)
    papers = [h.paper for h in index.search("", limit=None).hits]
    vocabulary = sorted({t.text for p in papers for t in analyzer(p.abstract)})
    glue = ["-", ".", "'", "’", "/", " ", " ", "--", ". ", "-."]
    compared = compounds = 0
    for paper in papers:
        words = WordAnalyzer(analyzer)  # a fresh memo: nothing decided before
        tokens = WORD_PATTERN.findall(paper.abstract)
        made = "".join(f"{rng.choice(tokens)}{rng.choice(glue)}" for _ in range(60))
        for text in (paper.abstract, paper.title, made):
            own = sorted({t.text for t in analyzer(text)})
            picked = rng.sample(own, min(3, len(own))) + rng.sample(vocabulary, 10)
            joined = [t for m in _COMPOUND.finditer(text) for t in words.joined(m[0])]
            terms = frozenset(picked + rng.sample(joined, min(2, len(joined))))
            reference = WordAnalyzer(analyzer)
            assert match_spans(text, terms, words) == _two_scans(text, terms, reference), text
            compared += 1
            compounds += bool(joined)
    assert compared > 300 and compounds > 100


def test_a_plain_word_is_ascii_letters_in_one_case_or_capitalised() -> None:
    from paperbrowse.core.engine.highlight import _plain

    def by_methods(word: str) -> bool:
        return (
            word.isascii()
            and word.isalpha()
            and (word.islower() or word[1:].islower() or word.isupper())
        )

    rng = random.Random(3)
    letters = "abcXYZé9_ßΣ"
    words = ["".join(rng.choice(letters) for _ in range(rng.randint(1, 5))) for _ in range(5000)]
    words += ["Diffusion", "diffusion", "VAE", "WFvae", "aB", "A", "a", "ABc", "Matérn"]
    assert [_plain(w) for w in words] == [by_methods(w) for w in words]
    assert sum(map(_plain, words)) > 500  # both answers occur
