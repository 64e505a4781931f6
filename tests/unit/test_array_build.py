"""The array build (issue 20, build 1) writes the index the per-posting build
writes: the same searches give the same hits, in the same order, with the same
scores and highlights, on the bundled corpus and on a generated one, for random
queries of every class; and the same terms hold the same postings."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from generated import generated_papers
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import index as whoosh_index
from whoosh.analysis import IDTokenizer, LowercaseFilter
from whoosh.fields import BOOLEAN, ID, KEYWORD, NUMERIC, TEXT, Schema, UnknownFieldError

from paperbrowse.core.engine import segments, writing
from paperbrowse.core.engine.codec import ArrayCodec, CompactPositions
from paperbrowse.core.engine.query import QueryError
from paperbrowse.core.engine.segments import TokenTerms, index_items
from paperbrowse.core.index import IndexStore
from paperbrowse.core.schema import make_analyzer, make_schema
from paperbrowse.core.sources.captures import bundled_corpus_dir, corpus_files, load_captures

REPO = Path(__file__).resolve().parents[2]


def _generated(docs: int, seed: int) -> list:
    return generated_papers(docs, seed=seed)


@pytest.fixture(scope="module")
def bundled():
    return load_captures(corpus_files(bundled_corpus_dir())).papers


@pytest.fixture(scope="module")
def generated():
    return _generated(600, seed=7)


def _build(folder: Path, papers, array_build: bool, monkeypatch, parallel: bool = False):
    monkeypatch.setattr(segments, "ARRAY_BUILD", array_build)
    monkeypatch.setattr(segments, "PENDING_DOCS", 37)  # several flushes, uneven
    if parallel:
        monkeypatch.setattr(writing, "PARALLEL_FROM", 1)
        monkeypatch.setattr(writing, "BATCH", 16)
    return IndexStore(folder).build(papers, "c")


def _queries(papers, seed: int, per_class: int = 6) -> list[str]:
    """Random queries of every class, from the papers' own words."""
    rng = random.Random(seed)
    words = [w for p in papers for w in p.abstract.split() if w.isalpha() and len(w) > 3]
    titles = [w for p in papers for w in p.title.split() if w.isalpha() and len(w) > 3]
    authors = [a.split()[-1] for p in papers for a in p.authors if a.split()]
    abstracts = [p.abstract.split() for p in papers if len(p.abstract.split()) > 5]
    out = []
    for _ in range(per_class):
        out.append(rng.choice(words))  # one term
        out.append(f"{rng.choice(words)} {rng.choice(words)}")  # two terms
        text = rng.choice(abstracts)
        i = rng.randrange(len(text) - 2)
        out.append(f'"{text[i]} {text[i + 1]}"')  # phrase
        out.append(f"{rng.choice(words)}~")  # fuzzy
        out.append(f"title:{rng.choice(titles)}")  # field
        if authors:  # the bundled captures name no authors
            out.append(f"authors:{rng.choice(authors)}")
        out.append(f"{rng.choice(words)[:4]}*")  # prefix
        first = rng.randrange(2015, 2025)
        out.append(f"{rng.choice(words)} year:[{first} TO {first + 2}]")  # range
    return out


def _answers(index, queries: list[str]) -> dict[str, tuple]:
    out = {}
    for text in queries:
        try:
            results = index.search(text, limit=30, facets=True)
        except QueryError as exc:  # a stop word alone: the same message from both
            out[text] = (str(exc), None, None, None, [])
            continue
        hits = [(h.paper.id, h.rank, h.score, h.title, h.snippet) for h in results.hits]
        out[text] = (results.total, results.facets, results.suggestion, results.ran, hits)
    return out


def _assert_same(got: dict, expected: dict) -> None:
    for text, (total, facets, suggestion, ran, hits) in expected.items():
        g_total, g_facets, g_suggestion, g_ran, g_hits = got[text]
        assert (g_total, g_facets, g_suggestion, g_ran) == (total, facets, suggestion, ran), text
        assert [h[0] for h in g_hits] == [h[0] for h in hits], text
        for (_, _, score, title, snippet), (_, _, g_score, g_title, g_snippet) in zip(
            hits, g_hits, strict=True
        ):
            assert g_score == pytest.approx(score, rel=1e-9, abs=1e-9), text
            assert (g_title, g_snippet) == (title, snippet), text


@pytest.mark.parametrize("corpus", ["bundled", "generated"])
def test_the_array_build_answers_as_the_posting_build(tmp_path, corpus, request, monkeypatch):
    papers = request.getfixturevalue(corpus)
    old = _build(tmp_path / "old", papers, False, monkeypatch)
    new = _build(tmp_path / "new", papers, True, monkeypatch)
    queries = _queries(papers, seed=len(papers))
    expected = _answers(old, queries)
    found = [v[0] for v in expected.values() if isinstance(v[0], int) and v[0] > 0]
    assert len(found) > len(queries) // 2  # most queries find papers
    _assert_same(_answers(new, queries), expected)


def _terms(
    folder: Path, fields=("title", "abstract", "authors", "spell"), stored: bool = False
) -> dict:
    """Every term's postings: ``{(field, btext): [(doc, weight, value)]}``, and
    each of ``fields``' length of each document (with ``stored``, also every
    document's stored fields under ``"stored"``)."""
    ix = whoosh_index.open_dir(str(folder))
    out = {}
    with ix.reader() as reader:
        for field, btext in reader.all_terms():
            m = reader.postings(field, btext)
            got = []
            while m.is_active():
                got.append((m.id(), m.weight(), m.value() or b""))
                m.next()
            out[field, btext] = got
        for field in fields:
            out[field] = [reader.doc_field_length(d, field) for d in range(reader.doc_count_all())]
        if stored:
            out["stored"] = list(reader.all_stored_fields())
    return out


def test_the_array_build_writes_the_same_postings_in_parallel(tmp_path, generated, monkeypatch):
    old = _build(tmp_path / "old", generated, False, monkeypatch)
    single = _build(tmp_path / "single", generated, True, monkeypatch)
    new = _build(tmp_path / "new", generated, True, monkeypatch, parallel=True)  # the last
    expected = _terms(_folder(old))
    assert len(expected) > 5_000
    assert _terms(_folder(single)) == expected  # term by term, posting by posting
    # a parallel build numbers the documents per worker: the same terms, each
    # in as many documents
    parallel = _terms(_folder(new))
    assert parallel.keys() == expected.keys()
    assert {k: len(v) for k, v in parallel.items()} == {k: len(v) for k, v in expected.items()}


def _folder(index) -> Path:
    """The Whoosh folder of a built index (its current generation)."""
    return Path(index._ix.storage.folder)


def test_token_ids_become_the_analyzers_postings() -> None:
    """Positions and frequencies from the arrays equal the analyzer's own, for
    texts with stop words, joined sub-words, repeats and an empty text."""
    analyzer = make_analyzer()
    memo = TokenTerms(analyzer)
    texts = ["The WF-VAE of β-VAE and the VAE", "", "latent latent diffusion-based models", "a"]
    tokens = [memo.token_ids(t)[0] for t in texts]
    term, doc, freq, positions = memo.postings([3, 4, 9, 12], tokens)
    got: dict[tuple[int, str], list[int]] = {}
    at = 0
    for t, d, f in zip(term.tolist(), doc.tolist(), freq.tolist(), strict=True):
        got[d, memo.terms[t]] = positions[at : at + f].tolist()
        at += f
    assert at == len(positions)
    expected: dict[tuple[int, str], list[int]] = {}
    for d, text in zip([3, 4, 9, 12], texts, strict=True):
        for tok in analyzer(text, mode="index", positions=True):
            expected.setdefault((d, tok.text), []).append(tok.pos)
    assert got == expected
    assert memo.token_ids(texts[0])[1] == sum(len(v) for (d, _), v in expected.items() if d == 3)
    assert np.all(np.diff(term) >= 0)


@settings(max_examples=300, deadline=None)
@given(
    st.integers(min_value=-(2**31), max_value=2**31 - 1),
    st.text(max_size=12),
)
def test_index_items_are_the_fields_own(number, text) -> None:
    """The plain trie terms of a number and items of an id are ``Field.index``'s."""
    schema = make_schema()
    for name in ("date", "year", "upvotes", "pos"):
        assert index_items(schema[name], number) == list(schema[name].index(number))
    for name in ("id", "org", "arxiv", "doi", "title_key", "source", "has"):
        assert index_items(schema[name], text) == list(schema[name].index(text))
    with pytest.raises(ValueError):
        index_items(schema["pos"], 2**31)


def _odd_schema() -> Schema:
    """Fields the plain path takes and leaves: scorable keywords, floats,
    bools, an id with a lower-casing analyzer, stored ids."""
    body = TEXT(analyzer=make_analyzer())
    body.format = CompactPositions(token_local=True)  # the array path's, as the schema's
    return Schema(
        id=ID(stored=True, unique=True),
        body=body,
        tags=KEYWORD(commas=True, scorable=True),
        kind=KEYWORD(lowercase=True),
        score=NUMERIC(float),
        big=NUMERIC(int, bits=64, sortable=True),
        flag=BOOLEAN(),
        lower=ID(analyzer=IDTokenizer() | LowercaseFilter()),
    )


def _odd_docs(n: int) -> list[dict]:
    rng = random.Random(n)
    words = ["alpha", "Beta-VAE", "gamma", "the", "of", "delta", "Diffusion", "x86", "ΣΔ", "naïve"]
    docs = []
    for i in range(n):
        doc = {
            "id": f"d{i}",
            "body": " ".join(rng.choice(words) for _ in range(rng.randrange(0, 12))),
            "tags": ",".join(rng.sample(["a", "b", "c", "d"], rng.randrange(0, 4))),
            "kind": rng.choice(["Paper", "BOOK", "paper"]),
            "score": rng.random() * 10,
            "big": rng.randrange(-(2**40), 2**40),
            "flag": rng.random() < 0.5,
            "lower": rng.choice(["AbC", "abc", "XyZ"]),
        }
        docs.append({k: v for k, v in doc.items() if rng.random() < 0.9 or k == "id"})
    return docs


def _write(folder: Path, docs: list[dict], array_build: bool, monkeypatch) -> Path:
    monkeypatch.setattr(segments, "ARRAY_BUILD", array_build)
    monkeypatch.setattr(segments, "PENDING_DOCS", 23)
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), _odd_schema())
    writer = segments.ArraySegmentWriter(ix, codec=ArrayCodec())
    for i, doc in enumerate(docs):
        if array_build and i % 17 == 5:  # a document that fails part way is not added
            with pytest.raises(ValueError):
                writer.add_document(**{**doc, "big": 2**70})
        if i % 29 == 3:
            writer.add_document(**doc, _boost=2.0)  # Whoosh's own path
        else:
            writer.add_document(**doc)
    writer.commit()
    return folder


def test_the_plain_fields_write_the_same_postings(tmp_path, monkeypatch) -> None:
    """Numbers, ids and keywords as arrays (and the fields left to Whoosh)
    give the per-posting build's terms, postings and lengths, and a
    document whose number is out of range adds nothing. (Its first field:
    Whoosh keeps what a failing document wrote before, the postings and the
    lengths column of its earlier fields, on its own path and on this.)"""
    docs = _odd_docs(300)
    old = _write(tmp_path / "old", docs, False, monkeypatch)
    new = _write(tmp_path / "new", docs, True, monkeypatch)
    expected = _field_terms(old)
    assert len(expected) > 500
    assert _field_terms(new) == expected


def _field_terms(folder: Path) -> dict:
    return _terms(folder, ("body", "tags"), stored=True)


def test_a_field_added_to_the_writers_schema_is_indexed(tmp_path, monkeypatch) -> None:
    """The writer's memo of the fields follows Whoosh's ``add_field``/``remove_field``."""
    monkeypatch.setattr(segments, "ARRAY_BUILD", True)
    ix = whoosh_index.create_in(str(tmp_path), _odd_schema())
    writer = segments.ArraySegmentWriter(ix, codec=ArrayCodec())
    writer._plan("kind")  # a plan made before the schema changes
    writer.remove_field("kind")
    writer.add_field("kind", ID(stored=True))
    writer.add_document(id="a", kind="Paper", body="latent diffusion")
    with pytest.raises(UnknownFieldError):
        writer.add_document(id="b", nofield="x")
    writer.commit()
    with whoosh_index.open_dir(str(tmp_path)).searcher() as searcher:
        assert list(searcher.documents()) == [{"id": "a", "kind": "Paper"}]
        assert searcher.doc_count() == 1
        assert list(searcher.lexicon("kind")) == [b"Paper"]  # as is: an ID now


def test_successive_writers_of_an_index_share_the_token_memo(tmp_path):
    # each Whoosh writer unpickles the index's schema afresh: a memo kept per
    # analyzer object was relearned from nothing at every segment a worker began
    from whoosh import index as whoosh_index

    from paperbrowse.core.engine.segments import token_terms
    from paperbrowse.core.schema import make_schema

    ix = whoosh_index.create_in(str(tmp_path), make_schema())
    first = ix.schema["title"].analyzer
    second = whoosh_index.open_dir(str(tmp_path)).schema["title"].analyzer
    assert first is not second
    memo = token_terms(first)
    memo.token_ids("Bootstrap your own latent")
    assert token_terms(second) is memo
    assert "Bootstrap" in memo.token_id  # learned once, known to both
    # an analyzer that differs gets a memo of its own
    assert token_terms(ix.schema["spell"].analyzer) is not memo
