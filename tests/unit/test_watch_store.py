"""The watch store: definitions, papers newest first, seen once per paper, the migration."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest

from paperbrowse.core import library as library_module
from paperbrowse.core.library import Library, ReadOnlyLibrary
from paperbrowse.core.models import Paper
from paperbrowse.core.watches import (
    VIA_ARXIV,
    VIA_LOCAL,
    Watch,
    WatchError,
    WatchStore,
    arxiv_window_query,
    digest,
    hf_days,
)


@pytest.fixture
def store(tmp_path: Path) -> WatchStore:
    return WatchStore(Library(tmp_path / "library.db"))


def paper(n: int, published: date | None, title: str | None = None) -> Paper:
    return Paper(
        id=f"arxiv:2603.{n:05d}",
        title=title or f"Paper {n}",
        authors=tuple(f"Author {k}" for k in range(n % 9)),
        published=published,
        arxiv_id=f"2603.{n:05d}",
    )


def watch_id(store: WatchStore, name: str) -> int:
    return store._state(name)["watch_id"]


def test_add_list_get_remove(store):
    made = store.add(
        "  Diffusion   models ", "diffusion", arxiv_query="cat:cs.LG", years=(2024, 2026)
    )
    assert made == Watch(
        name="Diffusion models",
        query="diffusion",
        arxiv_query="cat:cs.LG",
        years=(2024, 2026),
        created_at=made.created_at,
    )
    store.add("agents", "agent*", hf=True, organisation="NVIDIA")
    assert [w.name for w in store.list()] == ["agents", "Diffusion models"]
    assert store.get("DIFFUSION MODELS").filters.years == (2024, 2026)
    assert store.get("agents").hf and store.get("agents").organisation == "NVIDIA"
    with pytest.raises(WatchError, match="already a watch named 'agents'"):
        store.add("AGENTS", "x")
    with pytest.raises(WatchError, match="needs a name"):
        store.add("   ", "x")
    with pytest.raises(WatchError, match="watch 'z': the arXiv query is empty"):
        store.add("z", "x", arxiv_query="  ")
    with pytest.raises(WatchError, match=r"'ti:\(' does not parse: column 4: unclosed group"):
        store.add("z", "x", arxiv_query="ti:(")
    with pytest.raises(WatchError, match="newline or control character"):
        store.add("two\nlines", "x")
    with pytest.raises(WatchError, match="no watch named 'nope'; the watches are: agents, Diff"):
        store.get("nope")
    assert store.remove("AGENTS") == "agents" and store.remove("agents") is None
    assert [w.name for w in store.list()] == ["Diffusion models"]


def test_papers_newest_first_with_seen_marks(store):
    store.add("w", "")
    wid = watch_id(store, "w")
    added = store.record_found(
        wid,
        [paper(1, date(2026, 3, 1)), paper(2, None), paper(3, date(2026, 3, 9))],
        VIA_ARXIV,
        {},
    )
    assert [p.id for p in added] == ["arxiv:2603.00001", "arxiv:2603.00002", "arxiv:2603.00003"]
    # recorded again: nothing new (idempotent), the first record of a paper stays
    assert store.record_found(wid, [paper(3, date(2026, 3, 9), "Changed")], VIA_LOCAL, {}) == []
    listed = store.papers("w")
    assert [w.paper.id for w in listed] == [
        "arxiv:2603.00003",
        "arxiv:2603.00001",
        "arxiv:2603.00002",  # undated last
    ]
    assert listed[0].paper.title == "Paper 3" and listed[0].via == VIA_ARXIV
    assert not any(w.seen for w in listed)
    assert (store.get("w").total, store.get("w").unseen) == (3, 3)

    assert store.mark_seen(["arxiv:2603.00001", "arxiv:2603.00001"]) == 1
    assert store.mark_seen(["arxiv:2603.00001"]) == 0
    assert store.is_seen("arxiv:2603.00001")
    assert [w.paper.id for w in store.papers("w", unseen_only=True)] == [
        "arxiv:2603.00003",
        "arxiv:2603.00002",
    ]
    assert store.mark_unseen(["arxiv:2603.00001"]) == 1
    assert store.mark_all_seen("w") == 3
    assert store.unseen_counts() == {"w": 0}


def test_seen_is_once_per_paper_across_watches(store):
    store.add("a", "")
    store.add("b", "")
    shared = paper(7, date(2026, 3, 7))
    store.record_found(watch_id(store, "a"), [shared, paper(8, None)], VIA_ARXIV, {})
    store.record_found(watch_id(store, "b"), [shared], VIA_LOCAL, {})
    assert store.unseen_counts() == {"a": 2, "b": 1}
    inbox = store.inbox()
    assert [(p.id, names) for p, names in inbox] == [
        ("arxiv:2603.00007", ("a", "b")),  # once, with both watches
        ("arxiv:2603.00008", ("a",)),  # undated last
    ]
    store.mark_all_seen("b")
    assert store.unseen_counts() == {"a": 1, "b": 0}
    assert [p.id for p, _names in store.inbox()] == ["arxiv:2603.00008"]
    # removing a watch keeps the papers seen
    store.remove("b")
    assert store.is_seen(shared.id)
    assert store.unseen_counts() == {"a": 1}


def test_the_cursor_moves_with_the_papers_in_one_transaction(store, monkeypatch):
    store.add("w", "")
    wid = watch_id(store, "w")

    class Boom(Exception):
        pass

    def papers():
        yield paper(1, None)
        raise Boom

    with pytest.raises(Boom):
        store.record_found(wid, papers(), VIA_ARXIV, {"arxiv_start": 100})
    assert store._state("w")["arxiv_start"] == 0 and store.get("w").total == 0
    store.record_found(wid, [paper(1, None)], VIA_ARXIV, {"arxiv_start": 100})
    assert store._state("w")["arxiv_start"] == 100 and store.get("w").total == 1


def test_a_schema_4_library_is_migrated_and_keeps_its_bookmarks(tmp_path, monkeypatch):
    path = tmp_path / "old.db"
    monkeypatch.setattr(library_module, "LIBRARY_SCHEMA_VERSION", 4)
    old = Library(path)
    old.add(paper(1, date(2026, 1, 1)))
    monkeypatch.undo()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 4
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "watches" not in tables
    upgraded = Library(path)
    assert upgraded.ids() == {"arxiv:2603.00001"}
    store = WatchStore(upgraded)
    store.add("w", "x")
    assert [w.name for w in store.list()] == ["w"]


def test_a_read_only_library_lists_watches_and_refuses_changes(tmp_path):
    path = tmp_path / "library.db"
    WatchStore(Library(path)).add("w", "x")
    store = WatchStore(Library(path, read_only=True))
    assert [w.name for w in store.list()] == ["w"]
    with pytest.raises(ReadOnlyLibrary):
        store.add("v", "y")
    with pytest.raises(ReadOnlyLibrary):
        store.mark_all_seen("w")


def test_hf_days_and_the_arxiv_range():
    today = date(2026, 3, 22)
    assert hf_days(None, today, 3) == [date(2026, 3, 20), date(2026, 3, 21), date(2026, 3, 22)]
    assert hf_days(date(2026, 3, 21), today, 3) == [today]
    assert hf_days(date(2026, 3, 1), today, 2) == [date(2026, 3, 21), today]
    assert hf_days(today, today, 7) == []
    assert (
        arxiv_window_query("cat:cs.LG OR cat:cs.CV", "202603150000", "202603221200")
        == "(cat:cs.LG OR cat:cs.CV) AND submittedDate:[202603150000 TO 202603221200]"
    )


def test_digest_groups_by_watch_and_leaves_empty_ones_out():
    many = Paper(
        id="arxiv:2603.00009",
        title="A Big Collaboration",
        authors=tuple(f"A{k}" for k in range(8)),
        published=date(2026, 3, 2),
        arxiv_id="2603.00009",
    )
    doi_only = Paper(id="pb:1", title="Journal Paper", doi="10.1000/xyz")
    text = digest({"a": [many, doi_only], "empty": []})
    assert text == (
        "== a (2 new) ==\n"
        "\n"
        "* A Big Collaboration\n"
        "  A0, A1, A2, A3, A4, A5 et al.\n"
        "  arXiv:2603.00009  https://arxiv.org/abs/2603.00009 (2026-03-02)\n"
        "\n"
        "* Journal Paper\n"
        "  https://doi.org/10.1000/xyz\n"
    )
    assert digest({"empty": []}) == ""
