"""Highlighting marks the words whose indexed terms match; snippets pick the best window."""

from __future__ import annotations

import random

from paperbrowse.core.engine.highlight import (
    WORD_PATTERN,
    WordAnalyzer,
    highlight,
    match_spans,
    plain,
    snippet,
)
from paperbrowse.core.index import PaperIndex, make_analyzer


def test_spans_cover_exactly_the_matching_words_of_every_abstract(index: PaperIndex) -> None:
    """Every word whose indexed terms meet the query terms is inside a marked
    span, and every marked span holds at least one such word (or is a
    hyphenated name matched by its joined form)."""
    analyzer = make_analyzer()
    words = WordAnalyzer(analyzer)
    rng = random.Random(7)
    papers = index.search("", limit=None).hits
    vocabulary = sorted({t.text for h in papers for t in analyzer(h.paper.abstract)})
    for hit in papers:
        text = hit.paper.abstract
        own = [t.text for t in analyzer(text)]
        terms = set(rng.sample(vocabulary, 20)) | set(rng.sample(own, min(3, len(own))))
        spans = match_spans(text, terms, words)
        matching = [
            m.span()
            for m in WORD_PATTERN.finditer(text)
            if {t.text for t in analyzer(m.group(), mode="index")} & terms
        ]
        for start, end in matching:
            assert any(s <= start and end <= e for s, e in spans), (hit.paper.title, start)
        for s, e in spans:
            inside = [m for m in matching if s <= m[0] and m[1] <= e]
            joined = {t.text for t in analyzer(text[s:e], mode="index")} & terms
            assert inside or joined, (hit.paper.title, text[s:e])
        assert spans == sorted(spans)
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))


def test_compound_words_highlight_for_their_joined_and_split_forms() -> None:
    analyzer = make_analyzer()
    words = WordAnalyzer(analyzer)
    text = "We extend CycleDiffusion and WF-VAE."

    def marked(query: str) -> list[str]:
        terms = {t.text for t in analyzer(query, mode="query")}
        return [text[s:e] for s, e in match_spans(text, terms, words)]

    assert marked("cyclediffusion") == ["CycleDiffusion"]  # the joined form
    assert marked("diffusion") == ["CycleDiffusion"]  # a part
    assert marked("wfvae") == ["WF-VAE"]  # the hyphenated name, by its joined form
    assert marked("vae") == ["VAE"]
    assert marked("extending") == ["extend"]


def test_highlight_keeps_the_text_and_marks_stems() -> None:
    words = WordAnalyzer(make_analyzer())
    text = "Diffusion-based models: diffusing Matérn kernels"
    segs = highlight(text, {"diffus", "matern"}, words)
    assert plain(segs) == text
    assert [t for t, m in segs if m] == ["Diffusion", "diffusing", "Matérn"]


def test_dotted_tokens_highlight_by_their_parts() -> None:
    # the index splits latent.github.io into latent, github, io (and the joined form)
    words = WordAnalyzer(make_analyzer())
    text = "see latent.github.io and latent. Then"
    assert [text[s:e] for s, e in match_spans(text, {"latent"}, words)] == ["latent", "latent"]
    assert match_spans(text, {"latent"}, words) == [(4, 10), (25, 31)]


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


def test_words_skipped_unanalysed_could_not_have_matched(index: PaperIndex) -> None:
    """A plain word not yet analysed is skipped when its first letters are no
    query term's; a memo that already holds every word (so nothing is
    skipped) marks exactly the same spans, for every title and abstract."""
    analyzer = make_analyzer()
    rng = random.Random(11)
    papers = [h.paper for h in index.search("", limit=None).hits]
    texts = [t for p in papers for t in (p.title, p.abstract) if t]
    vocabulary = sorted({t.text for text in texts for t in analyzer(text)})
    warm = WordAnalyzer(analyzer)
    for text in texts:
        for word in WORD_PATTERN.findall(text):
            warm.terms(word)
    analysed = distinct = 0
    for text in texts:
        own = [t.text for t in analyzer(text)]
        terms = set(rng.sample(vocabulary, 15)) | set(rng.sample(own, min(4, len(own))))
        cold = WordAnalyzer(analyzer)
        assert match_spans(text, terms, cold) == match_spans(text, terms, warm), text[:60]
        analysed += len(cold._memo)
        distinct += len(set(WORD_PATTERN.findall(text)))
    assert analysed < distinct / 2  # most words were never analysed


def test_each_word_is_decided_once_per_query_for_the_latest_queries() -> None:
    words = WordAnalyzer(make_analyzer())
    diffusion, model = frozenset({"diffus"}), frozenset({"model"})
    text = "Diffusion models diffuse; models of diffusion."
    first = match_spans(text, diffusion, words)
    assert [text[s:e] for s, e in first] == ["Diffusion", "diffuse", "diffusion"]
    assert words.decisions(diffusion)["Diffusion"] is True
    assert words.decisions(diffusion)["models"] is False
    assert [text[s:e] for s, e in match_spans(text, model, words)] == ["models", "models"]
    assert words.decisions(model)["models"] is True  # the same word, another query
    assert match_spans(text, diffusion, words) == first
    for n in range(WordAnalyzer.KEEP_QUERIES):
        words.decisions(frozenset({f"w{n}"}))
    assert "Diffusion" not in words.decisions(diffusion)  # pushed out: decided afresh
