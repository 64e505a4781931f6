"""The unscored matching set equals what Whoosh's matcher finds, query kind by kind."""

from __future__ import annotations

import numpy as np
import pytest
from whoosh import query
from whoosh.query.terms import FuzzyTerm

from paperbrowse.core.engine.matching import match_set
from paperbrowse.core.engine.postings import (
    DecodedCache,
    Postings,
    TermPostings,
    Vocabulary,
    segment_words,
)
from paperbrowse.core.engine.scoring import top_scored
from paperbrowse.core.index import PaperIndex

QUERIES = [
    "diffusion",
    "latent diffusion",
    "latent OR video",
    "latent NOT diffusion",
    "NOT diffusion",
    "(latent OR video) AND NOT model",
    '"language model"',
    'title:"latent diffusion" OR agent',
    '"large language model"',
    '"model video"~4',
    '"language model" NOT agent',
    "diffus*",
    "vidoe~",
    "transformr~2",
    "year:2024",
    "year:[2023 TO 2024] diffusion",
    "date:>20240601",
    "upvotes:>=50",
    "authors:wang",
    "organisation:meta",
    "title:[a TO c]",
    "a",
    "the",
]


def docs(mask: np.ndarray) -> set[int]:
    return set(np.flatnonzero(mask).tolist())


def everything(searcher) -> np.ndarray:
    return np.ones(searcher.reader().doc_count_all(), dtype=bool)


def postings_of(index: PaperIndex, searcher) -> Postings:
    """The postings of a search as the index makes them (numeric columns included)."""
    return index._postings(searcher)


@pytest.mark.parametrize("columns", [True, False], ids=["columns", "trie-terms"])
@pytest.mark.parametrize("text", QUERIES)
def test_the_matching_set_is_whooshs(index: PaperIndex, text: str, columns: bool) -> None:
    q = index.parse(text)
    with index._searcher() as searcher:
        postings = postings_of(index, searcher) if columns else Postings(searcher.reader())
        expected = set(searcher.docs_for_query(q))
        assert docs(match_set(searcher, q, everything(searcher), postings)) == expected


def test_deleted_documents_are_left_out(index: PaperIndex) -> None:
    q = index.parse("diffusion")
    with index._searcher() as searcher:
        found = sorted(searcher.docs_for_query(q))
        live = everything(searcher)
        live[found[:5]] = False
        got = match_set(searcher, q, live, Postings(searcher.reader()))
        assert docs(got) == set(found[5:])


def test_postings_are_whooshs(index: PaperIndex) -> None:
    with index._searcher() as searcher:
        reader = searcher.reader()
        postings = Postings(reader)
        for field, text in [("abstract", "model"), ("title", "diffus"), ("spell", "the")]:
            m = reader.postings(field, text)
            ids, weights, positions = [], [], []
            while m.is_active():
                ids.append(m.id())
                weights.append(m.weight())
                if field != "spell":
                    positions.extend(m.value_as("positions"))
                m.next()
            assert len(ids) > 128 or field == "title"
            assert Postings(reader).term(field, text).positions is None  # read when asked
            got = postings.term(field, text, positions=True)
            assert got.ids.tolist() == ids
            assert got.weights.tolist() == weights
            if field == "spell":
                assert got.positions is None
            else:
                assert got.positions.tolist() == positions
                assert got.counts.sum() == len(positions)
        assert postings.docs("abstract", "zzzznotaword").tolist() == []
        assert postings.docs("nosuchfield", "model").tolist() == []


SCORED = [
    "diffusion",
    "latent diffusion",
    "latent OR video",
    "title:agent",
    "video generation",
    "year:[2023 TO 2024]",
    "year:[2023 TO 2024] diffusion",
    "date:>20240601 OR agent",
    "upvotes:>=5",
    '"language model"',
    '"diffusion model" video',
    'title:"large language"',
    '"large language model" OR agent',
    '"model video"~4',
]


@pytest.mark.parametrize("text", SCORED)
def test_the_scored_top_is_whooshs(index: PaperIndex, text: str) -> None:
    q = index.parse(text)
    with index._searcher() as searcher:
        postings = postings_of(index, searcher)
        candidates = match_set(searcher, q, everything(searcher), postings)
        ours = top_scored(searcher, q, candidates, 20, postings)
        theirs = [(h.docnum, h.score) for h in searcher.search(q, limit=20)]
    assert ours is not None and len(ours) == len(theirs) > 0
    assert [d for d, _ in ours] == [d for d, _ in theirs]
    assert [s for _, s in ours] == pytest.approx([s for _, s in theirs], rel=1e-9)


@pytest.mark.parametrize(
    "text", ["latent video", "diffusion agent model", "how to make diffusion sampling faster"]
)
def test_the_relaxed_query_scores_with_whooshs_coordination(index: PaperIndex, text: str):
    # the forgiving search's OR of the words, a paper holding more of them
    # first: Whoosh's CoordMatcher, its scores read document by document
    # (Whoosh's collector re-counts the query's terms as its sub-matchers run
    # out, so its own ranking drifts from these scores at later documents)
    q = index._or_parser.parse(text)
    assert q.scale == pytest.approx(0.9)
    with index._searcher() as searcher:
        postings = postings_of(index, searcher)
        candidates = match_set(searcher, q, everything(searcher), postings)
        ours = top_scored(searcher, q, candidates, 25, postings)
        m = q.matcher(searcher)
        whooshs = {}
        while m.is_active():
            whooshs[m.id()] = m.score()
            m.next()
    theirs = sorted(whooshs.items(), key=lambda item: (-item[1], item[0]))[:25]
    assert ours is not None and len(ours) == len(theirs) == 25
    assert [d for d, _ in ours] == [d for d, _ in theirs]
    assert [s for _, s in ours] == pytest.approx([s for _, s in theirs], rel=1e-9)


def test_the_scored_top_respects_the_candidates(index: PaperIndex) -> None:
    q = index.parse("diffusion")
    with index._searcher() as searcher:
        postings = Postings(searcher.reader())
        matched = np.flatnonzero(match_set(searcher, q, everything(searcher), postings))
        allowed = set(matched[::3].tolist())
        mask = postings.mask(matched[::3])
        ours = top_scored(searcher, q, mask, 10, postings)
        theirs = [h.docnum for h in searcher.search(q, limit=10, filter=allowed)]
    assert [d for d, _ in ours] == theirs


@pytest.mark.parametrize("text", ["diffus*", "latent NOT video"])
def test_other_query_shapes_are_left_to_whoosh(index: PaperIndex, text: str) -> None:
    q = index.parse(text)
    with index._searcher() as searcher:
        postings = Postings(searcher.reader())
        assert top_scored(searcher, q, postings.mask(np.array([0, 1])), 10, postings) is None


@pytest.mark.parametrize("text", ["vidoe~", "difusion~", "difusion~ model"])
def test_a_fuzzy_word_scores_as_the_indexed_words_it_stands_for(index: PaperIndex, text: str):
    # Whoosh drops the field boosts of a fuzzy word's expansions; here a
    # title match counts three times, as it does for a word typed exactly.
    q = index.parse(text)
    with index._searcher() as searcher:
        postings = Postings(searcher.reader())
        candidates = match_set(searcher, q, everything(searcher), postings)
        ours = top_scored(searcher, q, candidates, 20, postings)

        def spelled_out(node):
            if isinstance(node, FuzzyTerm):
                words = postings.expand(node)
                whooshs = sorted(set(node._btexts(searcher.reader())))
                assert [w.decode() for w in words] == whooshs  # no swaps here
                return query.Or([query.Term(node.fieldname, w, boost=node.boost) for w in words])
            if isinstance(node, query.Term):
                return node
            return type(node)([spelled_out(c) for c in node.subqueries], boost=node.boost)

        theirs = [(h.docnum, h.score) for h in searcher.search(spelled_out(q), limit=20)]
    assert len(ours) == len(theirs) > 5
    assert [d for d, _ in ours] == [d for d, _ in theirs]
    assert [s for _, s in ours] == pytest.approx([s for _, s in theirs], rel=1e-9)


def test_a_fuzzy_word_counts_a_swap_of_two_letters_as_one_edit(index: PaperIndex):
    with index._searcher() as searcher:
        vocabulary = Vocabulary()
        assert b"video" in vocabulary.within(searcher.reader(), "title", "vdieo", 1, 1)
        assert b"video" not in vocabulary.within(searcher.reader(), "title", "vdieo", 1, 2)
        assert vocabulary.within(searcher.reader(), "nosuchfield", "video", 1) == []
        # the term list of a prefix is read once and reused
        first = vocabulary._lists[("title", "v")]
        vocabulary.within(searcher.reader(), "title", "vidoe", 1, 1)
        assert vocabulary._lists[("title", "v")] is first


def test_a_fuzzy_words_expansion_is_kept_for_the_index_state(index: PaperIndex, monkeypatch):
    with index._searcher() as searcher:
        vocabulary = Vocabulary()
        first = vocabulary.within(searcher.reader(), "title", "vdieo", 1, 1)
        first.append(b"changed by the caller")  # a copy: the kept answer stays
        monkeypatch.setattr(Vocabulary, "_within", lambda *a: pytest.fail("computed again"))
        again = vocabulary.within(searcher.reader(), "title", "vdieo", 1, 1)
        assert b"video" in again and b"changed by the caller" not in again


PREFIXES = ["", "a", "v", "la", "tra", "zzz", "\u00e9", "\uffff", "0"]


def test_a_segments_words_are_the_terms_whoosh_lists(index: PaperIndex):
    """The term dictionary read with NumPy lists what Whoosh's cursor does,
    for every field holding text and for prefixes before, inside and after
    a field's terms."""
    read = 0
    with index._searcher() as searcher:
        reader = searcher.reader()
        for leaf, _ in reader.leaf_readers():
            for field in ["title", "abstract", "authors", "spell", "id", "organisation"]:
                for prefix in PREFIXES:
                    wanted = [b.decode() for b in leaf.expand_prefix(field, prefix.encode())]
                    got = segment_words(leaf, field, prefix.encode())
                    assert got is not None, "the bundled index's dictionary is memory-mapped"
                    assert got == wanted, (field, prefix)
                    read += len(got)
    assert read > 10_000


def test_fuzzy_words_over_several_segments_are_whooshs(locations, corpus, library):
    """An import adds a segment: a word found only there, or in both, is
    found once, as Whoosh's multi-segment expansion finds it."""
    from paperbrowse.core.ingest import import_records
    from paperbrowse.core.models import Paper, paper_id_for
    from paperbrowse.core.service import open_index

    titles = ["Videography of quasars", "Vidoe is not a word but is indexed", "Video at scale"]
    papers = [Paper(id=paper_id_for(t), title=t, abstract="Text.") for t in titles]
    import_records(papers, locations=locations, corpus=corpus, library=library)
    index = open_index(locations, corpus, library=library).index
    with index._searcher() as searcher:
        reader = searcher.reader()
        assert len(list(reader.leaf_readers())) >= 2
        for text, field in [("vidoe", "title"), ("videograpy", "title"), ("quasrs", "title")]:
            q = FuzzyTerm(field, text, maxdist=2, prefixlength=1)
            whooshs = sorted(set(q._btexts(reader)))
            found = Vocabulary().within(reader, field, text, 2, 1)
            assert [w.decode() for w in found] == whooshs
            assert whooshs, text


def _term(n: int, weight: float = 1.0) -> TermPostings:
    return TermPostings(np.arange(n, dtype=np.int32), np.full(n, weight, dtype=np.float32))


def test_kept_postings_are_dropped_least_recently_used_first() -> None:
    kept = DecodedCache(limit=100)
    kept.put(("abstract", "a"), _term(20))
    kept.put(("abstract", "b"), _term(20, 2.0))
    kept.put(("abstract", "huge"), _term(60))  # over a quarter: not kept
    assert kept.get(("abstract", "huge")) is None
    assert kept.get(("abstract", "a")) is not None  # now the most recent
    for n in range(4):
        kept.put(("title", str(n)), _term(20))
    assert kept.get(("abstract", "b")) is None  # dropped first
    ids, weights, _, _ = kept.get(("abstract", "a"))
    assert ids.tolist() == list(range(20)) and weights.tolist() == [1.0] * 20


@pytest.mark.parametrize("first", ["language", "model language", "agent"])
def test_searches_drawing_on_kept_postings_answer_as_fresh_ones(index: PaperIndex, first):
    second = ['"language model"', "language model", "languag~ video", "year:[2023 TO 2024] model"]
    fresh = {}
    for text in second:
        index._tables = None  # a new index state: nothing kept
        fresh[text] = index.search(text, limit=20, facets=True)
    index._tables = None
    index.search(first, limit=20)  # fills the kept postings
    for text in second:
        again = index.search(text, limit=20, facets=True)
        assert again.total == fresh[text].total
        assert [(h.paper.id, h.score) for h in again.hits] == [
            (h.paper.id, h.score) for h in fresh[text].hits
        ]
        assert again.facets == fresh[text].facets
    assert index._tables.cache["postings"]._size > 0


def test_per_document_arrays_are_kept_apart_from_the_postings() -> None:
    kept = DecodedCache(limit=100)
    kept.put(("abstract", "a"), _term(20))
    calls = []

    def lengths():
        calls.append(1)
        return np.zeros(1_000, dtype=np.uint8)

    first = kept.per_document(("lengths", "abstract"), lengths)
    assert kept.per_document(("lengths", "abstract"), lengths) is first
    assert len(calls) == 1  # computed once
    assert kept.get(("abstract", "a")) is not None  # 1,000 values pushed out no postings
    assert kept.per_document(("lengths", "title"), lambda: None) is None
