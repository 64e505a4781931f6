"""Phrases checked on the positions of the candidate documents only (a table
of flags, binary searches, or a merge of sorted keys) find the documents a
plain reading of every position finds, for any slop."""

from __future__ import annotations

import numpy as np
import pytest
from whoosh import query

from paperbrowse.core.engine import matching
from paperbrowse.core.engine.matching import _gathered, _phrase
from paperbrowse.core.engine.postings import TermPostings


class _Postings:
    """What :func:`_phrase` reads of a search's postings, over made-up terms."""

    def __init__(self, count: int, terms: dict[str, TermPostings]) -> None:
        self.count = count
        self.terms = terms
        self.reader = type("Reader", (), {"schema": {"abstract": None}})()

    def term(self, field, text, positions=False) -> TermPostings:
        return self.terms[text]

    def mask(self, ids):
        found = np.zeros(self.count, dtype=bool)
        found[ids] = True
        return found


def _term(rng, count: int, share: float, span: int) -> TermPostings:
    ids = np.flatnonzero(rng.random(count) < share).astype(np.int32)
    counts = rng.integers(1, 6, size=len(ids)).astype(np.int32)
    positions = [np.sort(rng.choice(span, size=c, replace=False)) for c in counts]
    flat = np.concatenate(positions) if positions else np.zeros(0)
    return TermPostings(ids, counts.astype(np.float32), flat.astype(np.uint32), counts)


def _every_position(terms: list[TermPostings], slop: int, count: int) -> set[int]:
    """The phrase's documents, read position by position."""
    held = []
    for t in terms:
        starts = np.cumsum(t.counts) - t.counts
        held.append(
            {
                int(d): set(t.positions[s : s + c].tolist())
                for d, s, c in zip(t.ids, starts, t.counts, strict=True)
            }
        )
    found = set()
    for doc in range(count):
        if not all(doc in h for h in held):
            continue
        ends = held[0][doc]
        for h in held[1:]:
            ends = {p for p in h[doc] if any(1 <= p - e <= slop for e in ends)}
        if ends:
            found.add(doc)
    return found


@pytest.mark.parametrize("way", ["table", "search", "merge"])
@pytest.mark.parametrize("slop", [1, 2, 3, 12])
def test_phrase_documents_equal_those_read_from_every_position(
    monkeypatch: pytest.MonkeyPatch, way: str, slop: int
) -> None:
    """Every way of matching a next word's positions (a table of flags,
    binary search, and for adjacent words a merge of the sorted keys)."""
    monkeypatch.setattr(matching, "DENSE_LIMIT", 1 << 26 if way == "table" else 0)
    monkeypatch.setattr(matching, "MERGE_ADJACENT", way == "merge")
    rng = np.random.default_rng(slop * 3 + ["table", "search", "merge"].index(way))
    count, checked = 600, 0
    for _ in range(25):
        words = ["a", "b", "c"][: rng.integers(2, 4)]
        span = int(rng.choice([6, 20, 300]))
        terms = {w: _term(rng, count, rng.choice([0.05, 0.5, 0.95]), span) for w in words}
        q = query.Phrase("abstract", words, slop=slop)
        got = _phrase(_Postings(count, terms), q)
        truth = _every_position([terms[w] for w in words], slop, count)
        assert set(np.flatnonzero(got).tolist()) == truth
        checked += len(truth)
    assert checked > 50  # phrases were found, not only ruled out


@pytest.mark.parametrize("share", [0.0, 0.01, 0.2, 1.0])
def test_gathered_positions_are_those_of_the_chosen_documents(share: float) -> None:
    rng = np.random.default_rng(int(share * 100))
    t = _term(rng, 3_000, 0.4, 300)
    docs = rng.random(3_000) < share
    found, lens = _gathered(t, docs)
    starts = np.cumsum(t.counts) - t.counts
    inside = docs[t.ids]
    want = [t.positions[s : s + c] for s, c in zip(starts[inside], t.counts[inside], strict=True)]
    assert lens.tolist() == t.counts[inside].tolist()
    assert found.tolist() == (np.concatenate(want).tolist() if want else [])


def test_a_phrases_documents_are_kept_for_the_index_state(index, monkeypatch) -> None:
    first = index.search('"language model"', limit=30)
    assert first.total > 0
    monkeypatch.setattr(matching, "_phrase", lambda *a: pytest.fail("positions read again"))
    again = index.search('"language model"', limit=30)
    assert again.total == first.total
    assert [(h.paper.id, h.score) for h in again.hits] == [
        (h.paper.id, h.score) for h in first.hits
    ]
