"""The unscored matching set equals what Whoosh's matcher finds, query kind by kind."""

from __future__ import annotations

import pytest

from paperbrowse.core.index import PaperIndex
from paperbrowse.core.matching import Postings, match_set, top_scored

QUERIES = [
    "diffusion",
    "latent diffusion",
    "latent OR video",
    "latent NOT diffusion",
    "NOT diffusion",
    "(latent OR video) AND NOT model",
    '"language model"',
    'title:"latent diffusion" OR agent',
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


@pytest.mark.parametrize("text", QUERIES)
def test_the_matching_set_is_whooshs(index: PaperIndex, text: str) -> None:
    q = index.parse(text)
    with index._searcher() as searcher:
        live = set(range(searcher.reader().doc_count_all()))
        expected = set(searcher.docs_for_query(q))
        assert match_set(searcher, q, live) == expected


def test_deleted_documents_are_left_out(index: PaperIndex) -> None:
    q = index.parse("diffusion")
    with index._searcher() as searcher:
        everything = set(searcher.docs_for_query(q))
        live = set(range(searcher.reader().doc_count_all())) - set(sorted(everything)[:5])
        assert match_set(searcher, q, live) == everything - set(sorted(everything)[:5])


def test_postings_decode_every_block(index: PaperIndex) -> None:
    with index._searcher() as searcher:
        reader = searcher.reader()
        for field, text in [("abstract", "model"), ("title", "diffus"), ("spell", "the")]:
            expected = list(reader.postings(field, text).all_ids())
            assert len(expected) > 128 or field == "title"  # several blocks
            assert Postings(reader).docs(field, text) == expected
        assert Postings(reader).docs("abstract", "zzzznotaword") == []


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
]


@pytest.mark.parametrize("text", SCORED)
def test_the_scored_top_is_whooshs(index: PaperIndex, text: str) -> None:
    q = index.parse(text)
    with index._searcher() as searcher:
        postings = Postings(searcher.reader())
        live = set(range(searcher.reader().doc_count_all()))
        candidates = match_set(searcher, q, live, postings)
        ours = top_scored(searcher, q, candidates, 20, postings)
        theirs = [(h.docnum, h.score) for h in searcher.search(q, limit=20)]
    assert ours is not None and len(ours) == len(theirs) > 0
    assert [d for d, _ in ours] == [d for d, _ in theirs]
    assert [s for _, s in ours] == pytest.approx([s for _, s in theirs], rel=1e-9)


def test_the_scored_top_respects_the_candidates(index: PaperIndex) -> None:
    q = index.parse("diffusion")
    with index._searcher() as searcher:
        postings = Postings(searcher.reader())
        live = set(range(searcher.reader().doc_count_all()))
        allowed = set(sorted(match_set(searcher, q, live, postings))[::3])
        ours = top_scored(searcher, q, allowed, 10, postings)
        theirs = [h.docnum for h in searcher.search(q, limit=10, filter=allowed)]
    assert [d for d, _ in ours] == theirs


@pytest.mark.parametrize("text", ['"language model"', "vidoe~", "diffus*", "latent NOT video"])
def test_other_query_shapes_are_left_to_whoosh(index: PaperIndex, text: str) -> None:
    q = index.parse(text)
    with index._searcher() as searcher:
        postings = Postings(searcher.reader())
        assert top_scored(searcher, q, {0, 1}, 10, postings) is None
