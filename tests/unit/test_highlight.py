"""Highlighting equals what Whoosh's analyzer finds; snippets pick the best window."""

from __future__ import annotations

import random

from paperbrowse.core.highlight import WordAnalyzer, highlight, match_spans, plain, snippet
from paperbrowse.core.index import PaperIndex, make_analyzer


def test_fast_spans_equal_the_analyzer_on_every_abstract(index: PaperIndex) -> None:
    analyzer = make_analyzer()
    words = WordAnalyzer(analyzer)
    rng = random.Random(7)
    papers = index.search("", limit=None).hits
    vocabulary = sorted({t.text for h in papers for t in analyzer(h.paper.abstract)})
    for hit in papers:
        text = hit.paper.abstract
        own = [t.text for t in analyzer(text)]
        terms = set(rng.sample(vocabulary, 20)) | set(rng.sample(own, min(3, len(own))))
        expected = [
            (t.startchar, t.endchar)
            for t in analyzer(text, chars=True, mode="query")
            if t.text in terms
        ]
        assert match_spans(text, terms, words) == expected, hit.paper.title


def test_highlight_keeps_the_text_and_marks_stems() -> None:
    words = WordAnalyzer(make_analyzer())
    text = "Diffusion-based models: diffusing Matérn kernels"
    segs = highlight(text, {"diffus", "matern"}, words)
    assert plain(segs) == text
    assert [t for t, m in segs if m] == ["Diffusion", "diffusing", "Matérn"]


def test_dotted_tokens_are_whole_words() -> None:
    words = WordAnalyzer(make_analyzer())
    text = "see latent.github.io and latent. Then"
    assert [text[s:e] for s, e in match_spans(text, {"latent"}, words)] == ["latent"]
    assert match_spans(text, {"latent"}, words) == [(25, 31)]


def test_snippet_chooses_the_window_with_most_matches() -> None:
    words = WordAnalyzer(make_analyzer())
    filler = "lorem ipsum dolor sit amet " * 20
    text = f"Latent once. {filler} Here latent diffusion and more diffusion. {filler}"
    segs = snippet(text, {"latent", "diffus"}, words, width=120)
    body = plain(segs)
    assert body.startswith("…") and body.endswith("…")
    assert "Here latent diffusion" in body
    assert len(body) <= 125
    assert [t.lower() for t, m in segs if m] == ["latent", "diffusion", "diffusion"]


def test_snippet_without_matches_is_the_opening() -> None:
    words = WordAnalyzer(make_analyzer())
    text = "An opening sentence. " * 30
    body = plain(snippet(text, {"zebra"}, words, width=100))
    assert text.startswith(body.rstrip("…"))
