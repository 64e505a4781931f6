"""Bookmarks in SQLite: persistence, toggling, concurrency, damaged files."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from paperbrowse.core.library import LIBRARY_SCHEMA_VERSION, Library, LibraryError
from paperbrowse.core.models import Paper


def paper(n: int) -> Paper:
    return Paper(id=f"pb:{n:012d}", title=f"Paper number {n}", abstract="An abstract.")


def test_bookmarks_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "library.sqlite3"
    first = Library(path)
    assert first.add(paper(1)) is True
    assert first.add(paper(1)) is False  # already there: kept once, time unchanged
    first.add(paper(2))
    again = Library(path)
    assert [b.paper.id for b in again.bookmarks()] == [paper(1).id, paper(2).id]
    # the stored copy, with the citation key each got when bookmarked (no authors, no year:
    # the first two title words; the second one collides and takes the suffix a)
    assert [b.paper for b in again.bookmarks()] == [
        replace(paper(1), citation_key="papernumber"),
        replace(paper(2), citation_key="papernumbera"),
    ]
    assert paper(2).id in again and paper(3).id not in again
    assert len(again) == 2


def test_added_at_is_recorded_in_utc(tmp_path: Path) -> None:
    library = Library(tmp_path / "l.sqlite3")
    before = datetime.now(UTC).replace(microsecond=0)
    library.add(paper(1))
    added = library.bookmarks()[0].added_at
    assert added.tzinfo is not None and before <= added <= datetime.now(UTC)


def test_toggle_and_remove(tmp_path: Path) -> None:
    library = Library(tmp_path / "l.sqlite3")
    toggled = library.toggle(paper(1))
    assert toggled and toggled.bookmarked is True and toggled.removed is None
    assert library.ids() == frozenset({paper(1).id})
    toggled = library.toggle(paper(1))
    assert not toggled and toggled.removed.paper.id == paper(1).id
    assert library.ids() == frozenset()
    library.add(paper(2))
    removed = library.remove(paper(2).id)
    assert removed and removed.paper.id == paper(2).id
    assert library.remove(paper(2).id) is None


def test_schema_version_is_set(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "l.sqlite3"
    Library(path)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == LIBRARY_SCHEMA_VERSION


def test_threads_with_separate_instances(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite3"
    Library(path)

    def work(n: int) -> bool:
        return Library(path).toggle(paper(n))

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert all(pool.map(work, range(80)))
    assert len(Library(path)) == 80


def test_two_processes_at_once(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite3"
    Library(path)
    script = (
        "import sys\n"
        "from paperbrowse.core.library import Library\n"
        "from paperbrowse.core.models import Paper\n"
        "lib = Library(sys.argv[1])\n"
        "start = int(sys.argv[2])\n"
        "for n in range(start, start + 40):\n"
        "    lib.add(Paper(id=f'pb:{n:012d}', title=f'P{n}'))\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", script, str(path), str(start)])
        for start in (0, 1000)
    ]
    for n in range(2000, 2040):
        Library(path).add(paper(n))
    assert [p.wait(timeout=60) for p in procs] == [0, 0]
    assert len(Library(path)) == 120


def test_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "library.sqlite3"
    path.write_text("this is not sqlite " * 100)
    with pytest.raises(LibraryError, match="library.sqlite3"):
        Library(path)
    assert path.read_text().startswith("this is not sqlite")  # left as it was


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "l.sqlite3"
    Library(path).add(paper(1))
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version={LIBRARY_SCHEMA_VERSION + 1}")
    with pytest.raises(LibraryError, match="newer paperbrowse"):
        Library(path)


def test_paper_json_round_trip() -> None:
    from datetime import date

    p = Paper(
        id="arxiv:2006.07733",
        title="Bootstrap your own latent",
        authors=("Jean-Bastien Grill", "Florian Strub"),
        published=date(2020, 6, 13),
        upvotes=3,
        arxiv_id="2006.07733",
        sources=("a.txt",),
    )
    assert Paper.from_dict(json.loads(json.dumps(p.to_dict()))) == p


# -- schema version 2: migration ----------------------------------------------------

# The version 1 layout exactly as paperbrowse 1.0 created it.
V1_STATEMENTS = (
    "CREATE TABLE IF NOT EXISTS bookmarks ("
    " paper_id TEXT PRIMARY KEY, added_at TEXT NOT NULL, paper TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS bookmarks_added ON bookmarks(added_at)",
)


def make_v1_library(path: Path, papers: list[tuple[Paper, str]]) -> None:
    import sqlite3

    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    for statement in V1_STATEMENTS:
        db.execute(statement)
    for p, added in papers:
        db.execute(
            "INSERT INTO bookmarks(paper_id, added_at, paper) VALUES (?, ?, ?)",
            (p.id, added, json.dumps(p.to_dict())),
        )
    db.execute("PRAGMA user_version=1")
    db.close()


def test_version_1_library_upgrades_keeping_bookmarks_and_times(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "library.sqlite3"
    make_v1_library(
        path, [(paper(2), "2025-01-02T03:04:05+00:00"), (paper(1), "2025-03-01T00:00:00+00:00")]
    )
    library = Library(path)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == LIBRARY_SCHEMA_VERSION
    marks = library.bookmarks()
    # keys are given in the order the papers were bookmarked
    assert [(b.paper, b.added_at) for b in marks] == [
        (replace(paper(2), citation_key="papernumber"), datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)),
        (replace(paper(1), citation_key="papernumbera"), datetime(2025, 3, 1, tzinfo=UTC)),
    ]
    assert marks[0].tags == () and marks[0].status is None and marks[0].note == ""
    assert library.revision() == 0 and library.stored_count() == 0
    # the new tables work on the migrated file, and reopening does not migrate again
    assert library.add_tag(paper(1), "kept") is True
    assert Library(path).bookmark(paper(1).id).tags == ("kept",)


def test_version_2_stored_papers_gain_their_keys(tmp_path: Path) -> None:
    import sqlite3

    from paperbrowse.core.library import _MIGRATIONS

    path = tmp_path / "library.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    for version in (1, 2):
        for statement in _MIGRATIONS[version]:
            db.execute(statement)
    stored = replace(
        paper(7), title="Attention Is All You Need", arxiv_id="1706.03762", doi="10.X/AB"
    )
    db.execute(
        "INSERT INTO papers(paper_id, paper, revision, updated_at) VALUES (?, ?, 4, 'then')",
        (stored.id, json.dumps(stored.to_dict())),
    )
    db.execute("PRAGMA user_version=2")
    db.close()
    library = Library(path)
    assert library.stored_paper(stored.id) == stored
    for probe in (
        Paper(id="x:1", title="other", abstract="", arxiv_id="1706.03762"),
        Paper(id="x:2", title="other", abstract="", doi="10.x/ab"),
        Paper(id="x:3", title="attention is all you need!", abstract=""),
    ):
        assert library.find_stored(probe) == stored


def test_find_stored_follows_the_order_and_refuses_contradicting_ids(tmp_path: Path) -> None:
    library = Library(tmp_path / "l.sqlite3")
    a = replace(paper(1), title="Same Title", arxiv_id="2001.00001")
    b = replace(paper(2), title="Unrelated", doi="10.1/b")
    library.store_papers([a, b])
    assert library.find_stored(replace(paper(9), arxiv_id="2001.00001")) == a
    assert library.find_stored(replace(paper(9), doi="10.1/B")) == b
    # same title, another arXiv id: another work
    assert library.find_stored(replace(paper(9), title="same title", arxiv_id="1999.9")) is None
    assert library.find_stored(replace(paper(9), title="same title")) == a
    assert library.find_stored(paper(9)) is None
    assert library.find_stored(paper(2)) == b  # by id


def test_concurrent_opens_migrate_once(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite3"
    make_v1_library(path, [(paper(1), "2025-01-01T00:00:00+00:00")])
    with ThreadPoolExecutor(max_workers=6) as pool:
        libraries = list(pool.map(lambda _: Library(path), range(6)))
    assert [len(lib) for lib in libraries] == [1] * 6
    assert libraries[0].revision() == 0


def test_newer_schema_is_refused_naming_the_file(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "my-library.sqlite3"
    Library(path)
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version=99")
    with pytest.raises(
        LibraryError, match=rf"my-library\.sqlite3.*schema 99 > {LIBRARY_SCHEMA_VERSION}"
    ):
        Library(path)


def test_bookmark_positional_construction_still_works() -> None:
    from paperbrowse.core.library import Bookmark

    when = datetime(2026, 1, 1, tzinfo=UTC)
    bm = Bookmark(paper(1), when)
    assert (bm.paper, bm.added_at, bm.tags, bm.note, bm.status, bm.lists) == (
        paper(1),
        when,
        (),
        "",
        None,
        (),
    )


# -- tags, status, notes, lists -------------------------------------------------


def test_tags_are_normalised_and_case_insensitively_unique(tmp_path: Path) -> None:
    from paperbrowse.core.library import normalise_tag

    library = Library(tmp_path / "l.sqlite3")
    assert normalise_tag("  Deep   Learning ") == "deep learning"
    assert library.add_tag(paper(1), "Deep Learning") is True  # bookmarks paper(1) too
    assert paper(1).id in library
    assert library.add_tag(paper(1), " deep  LEARNING") is False
    assert library.add_tag(paper(1), "GP") is True
    library.add_tag(paper(2), "gp")
    assert library.bookmark(paper(1).id).tags == ("deep learning", "gp")
    assert library.tags() == [("deep learning", 1), ("gp", 2)]
    assert [b.paper.id for b in library.bookmarks(tag="GP")] == [paper(1).id, paper(2).id]
    assert library.remove_tag(paper(1).id, "Gp") is True
    assert library.remove_tag(paper(1).id, "gp") is False
    assert library.tags() == [("deep learning", 1), ("gp", 1)]
    assert library.set_tags(paper(2), ["B", "a", "b"]) == ("a", "b")
    assert library.bookmark(paper(2).id).tags == ("a", "b")


@pytest.mark.parametrize("bad", ["", "   ", "a,b", "x;y", "bell\x07", "x" * 101])
def test_invalid_tags_are_refused(tmp_path: Path, bad: str) -> None:
    library = Library(tmp_path / "l.sqlite3")
    with pytest.raises(ValueError, match="tag"):
        library.add_tag(paper(1), bad)
    assert len(library) == 0  # nothing bookmarked by a refused change


def test_reading_status(tmp_path: Path) -> None:
    library = Library(tmp_path / "l.sqlite3")
    library.set_status(paper(1), "reading")  # bookmarks it
    library.set_status(paper(2), "to-read")
    library.add(paper(3))
    assert library.bookmark(paper(1).id).status == "reading"
    assert [b.paper.id for b in library.bookmarks(status="to-read")] == [paper(2).id]
    library.set_status(paper(1), None)
    assert library.bookmark(paper(1).id).status is None
    with pytest.raises(ValueError, match=r"'done'.*'to-read', 'reading', 'read'"):
        library.set_status(paper(1), "done")
    with pytest.raises(ValueError, match="'finished'"):
        library.bookmarks(status="finished")


def test_notes_outlive_their_bookmark(tmp_path: Path) -> None:
    library = Library(tmp_path / "l.sqlite3")
    before = datetime.now(UTC).replace(microsecond=0)
    library.set_note(paper(1), "  Read section 3 first.\nThen the appendix.  ")
    bm = library.bookmark(paper(1).id)
    assert bm.note == "Read section 3 first.\nThen the appendix."
    assert bm.note_updated_at is not None and before <= bm.note_updated_at <= datetime.now(UTC)
    assert library.remove(paper(1).id)
    assert library.bookmark(paper(1).id) is None
    assert library.note(paper(1).id) == "Read section 3 first.\nThen the appendix."
    library.add(paper(1))
    assert library.bookmark(paper(1).id).note.startswith("Read section 3")
    library.set_note(paper(1), "   ")  # empty: deletes
    assert library.note(paper(1).id) == "" and library.bookmark(paper(1).id).note_updated_at is None
    assert library.note("pb:unknown") == ""


def test_unbookmarking_drops_tags_status_and_lists(tmp_path: Path) -> None:
    library = Library(tmp_path / "l.sqlite3")
    library.add_tag(paper(1), "gp")
    library.set_status(paper(1), "read")
    library.add_to_list("Thesis", paper(1))
    assert not library.toggle(paper(1))
    assert library.tags() == [] and library.lists() == [("Thesis", 0)]
    assert library.toggle(paper(1))
    bm = library.bookmark(paper(1).id)
    assert (bm.tags, bm.status, bm.lists) == ((), None, ())


def test_reading_lists(tmp_path: Path) -> None:
    library = Library(tmp_path / "l.sqlite3")
    assert library.create_list("  Thesis   chapter 2 ") is True
    assert library.create_list("THESIS CHAPTER 2") is False  # case-insensitively the same
    assert library.add_to_list("thesis chapter 2", paper(1)) is True  # bookmarks paper(1)
    assert library.add_to_list("Thesis chapter 2", paper(1)) is False
    assert library.add_to_list("Reading group", paper(1)) is True  # created on the way
    library.add_to_list("Reading group", paper(2))
    assert library.lists() == [("Reading group", 2), ("Thesis chapter 2", 1)]
    assert library.bookmark(paper(1).id).lists == ("Reading group", "Thesis chapter 2")
    assert [b.paper.id for b in library.bookmarks(list="reading GROUP")] == [
        paper(1).id,
        paper(2).id,
    ]
    assert library.bookmarks(list="no such list") == []

    library.rename_list("reading group", "Journal club")
    library.rename_list("journal club", "Journal Club")  # only the case: allowed
    with pytest.raises(ValueError, match="already a reading list called 'thesis chapter 2'"):
        library.rename_list("Journal Club", "thesis chapter 2")
    with pytest.raises(ValueError, match="no reading list called 'Nope'"):
        library.rename_list("Nope", "Other")
    with pytest.raises(ValueError, match="name"):
        library.create_list("   ")
    assert library.lists() == [("Journal Club", 2), ("Thesis chapter 2", 1)]

    assert library.remove_from_list("Journal Club", paper(2).id) is True
    assert library.remove_from_list("Journal Club", paper(2).id) is False
    assert paper(2).id in library  # still bookmarked
    assert library.delete_list("Journal Club") is True
    assert library.delete_list("Journal Club") is False
    assert library.lists() == [("Thesis chapter 2", 1)]
    assert len(library) == 2


def test_filters_combine_with_and(tmp_path: Path) -> None:
    library = Library(tmp_path / "l.sqlite3")
    for n in range(1, 5):
        library.add(paper(n))
    for n in (1, 2, 3):
        library.add_tag(paper(n), "gp")
    for n in (2, 3, 4):
        library.add_to_list("Thesis", paper(n))
    for n in (3, 4):
        library.set_status(paper(n), "to-read")
    found = library.bookmarks(list="thesis", tag="gp", status="to-read")
    assert [b.paper.id for b in found] == [paper(3).id]
    assert [b.paper.id for b in library.bookmarks(list="thesis", tag="gp")] == [
        paper(2).id,
        paper(3).id,
    ]
    assert len(library.bookmarks()) == 4


# -- the store of imported papers ------------------------------------------------


def rich(n: int, title: str | None = None) -> Paper:
    from datetime import date

    return Paper(
        id=f"pb:{n:012d}",
        title=title or f"Imported paper {n}",
        authors=("Zoë Ça", "Jan van der Berg"),
        published=date(2024, 1, 1 + n % 28),
        sources=("import.bib",),
    )


def test_store_papers_revisions(tmp_path: Path) -> None:
    library = Library(tmp_path / "l.sqlite3")
    assert library.revision() == 0 and library.stored_count() == 0
    assert library.store_papers(rich(n) for n in range(3)) == 1
    assert library.store_papers([rich(3), rich(0, "Imported paper 0, revised")]) == 2
    assert library.store_papers([rich(1), rich(2)]) == 2  # unchanged: no new revision
    assert library.store_papers([]) == 2
    assert library.revision() == 2 and library.stored_count() == 4
    assert [(r, p.id) for r, p in library.stored_papers()] == [
        (1, rich(1).id),
        (1, rich(2).id),
        (2, rich(0).id),
        (2, rich(3).id),
    ]
    assert [p.title for _, p in library.stored_papers(since=1)] == [
        "Imported paper 0, revised",
        "Imported paper 3",
    ]
    assert list(library.stored_papers(since=2)) == []
    assert library.stored_paper(rich(3).id) == rich(3)
    assert library.stored_paper("pb:nothing") is None
    # the last of two records with one id wins
    assert library.store_papers([rich(5, "first"), rich(5, "second")]) == 3
    assert library.stored_paper(rich(5).id).title == "second"


def test_store_papers_is_all_or_nothing(tmp_path: Path) -> None:
    library = Library(tmp_path / "l.sqlite3")
    library.store_papers([rich(0)])

    def broken():
        for n in range(1, 1200):  # more than one staging batch
            if n == 700:
                raise RuntimeError("parser failed half-way")
            yield rich(n)

    with pytest.raises(RuntimeError, match="half-way"):
        library.store_papers(broken())
    assert library.stored_count() == 1 and library.revision() == 1
    with pytest.raises(TypeError, match="expected a Paper"):
        library.store_papers([rich(1), {"id": "pb:x", "title": "a dict"}])  # type: ignore[list-item]
    assert library.stored_count() == 1 and library.revision() == 1


def test_stored_papers_streams_one_snapshot(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite3"
    reader, writer = Library(path), Library(path)
    reader.store_papers(rich(n) for n in range(2500))
    rows = reader.stored_papers()
    first = next(rows)
    assert first == (1, rich(0))
    assert writer.store_papers([rich(9999)]) == 2  # not blocked by the open reader
    rest = list(rows)
    assert len(rest) == 2499 and all(r == 1 for r, _ in rest)  # the new row is not in it
    assert [p.id for _, p in reader.stored_papers(since=1)] == [rich(9999).id]


def test_two_libraries_on_one_file_store_at_once(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite3"
    slow, fast = Library(path), Library(path, busy_timeout=0.5)

    def parsing():
        for n in range(10):
            if n == 5:  # the other instance writes while this one is still parsing
                assert fast.add(paper(1)) is True
                assert fast.store_papers([rich(100)]) == 1
            yield rich(n)

    assert slow.store_papers(parsing()) == 2
    assert slow.stored_count() == 11 and paper(1).id in slow
    assert {r for r, _ in fast.stored_papers()} == {1, 2}

    with ThreadPoolExecutor(max_workers=6) as pool:
        revisions = list(
            pool.map(
                lambda k: Library(path).store_papers(rich(1000 + 10 * k + i) for i in range(10)),
                range(6),
            )
        )
    assert sorted(revisions) == [3, 4, 5, 6, 7, 8]
    assert fast.stored_count() == 71 and fast.revision() == 8


def test_two_processes_store_papers(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite3"
    Library(path)
    script = (
        "import sys\n"
        "from paperbrowse.core.library import Library\n"
        "from paperbrowse.core.models import Paper\n"
        "lib = Library(sys.argv[1])\n"
        "start = int(sys.argv[2])\n"
        "for batch in range(5):\n"
        "    first = start + 10 * batch\n"
        "    ns = range(first, first + 10)\n"
        "    lib.store_papers([Paper(id=f'pb:{n:012d}', title=f'P{n}') for n in ns])\n"
        "    lib.add_tag(Paper(id=f'pb:{first:012d}', title=f'P{first}'), 'imported')\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", script, str(path), str(start)])
        for start in (0, 1000)
    ]
    assert [p.wait(timeout=60) for p in procs] == [0, 0]
    library = Library(path)
    assert library.revision() == 10 and library.stored_count() == 100
    assert library.tags() == [("imported", 10)]


# -- citation keys -------------------------------------------------------------


def authored(n: int, family: str, year: int, title: str, key: str | None = None) -> Paper:
    from datetime import date

    return Paper(
        id=f"pb:{n:012d}",
        title=title,
        authors=(f"Ann {family}",),
        published=date(year, 1, 1),
        date_parts=1,
        citation_key=key,
    )


def test_generated_keys_are_assigned_once_and_never_recomputed(tmp_path: Path) -> None:
    library = Library(tmp_path / "l.sqlite3")
    a = authored(1, "Müller", 2020, "On the Matérn kernel")
    assert library.citation_key(a) == "muller2020matern"
    # the record changes (a new title): the key stays what it was
    changed = replace(a, title="Completely different words")
    assert library.citation_key(changed) == "muller2020matern"
    library.add(changed)
    assert library.bookmark(a.id).paper.citation_key == "muller2020matern"
    # another paper with the same base key gets the first free suffix
    b = authored(2, "Muller", 2020, "Matern again")
    library.add(b)
    assert library.bookmark(b.id).paper.citation_key == "muller2020materna"
    assert library.paper_for_key("muller2020materna") == b.id
    assert library.paper_for_key("MULLER2020MATERN") == a.id  # BibTeX ignores case
    assert library.paper_for_key("nobody1999") is None
    assert library.citation_key(a.id) == "muller2020matern"
    with pytest.raises(KeyError):
        library.citation_key("pb:unknown")


def test_imported_keys_are_kept_and_a_clash_takes_a_suffix(tmp_path: Path) -> None:
    library = Library(tmp_path / "l.sqlite3")
    first = authored(1, "Grill", 2020, "Bootstrap your own latent", key="grill2020byol")
    other = authored(2, "Grill", 2021, "Something else", key="grill2020byol")
    keyless = authored(3, "Grill", 2020, "Bootstrap a second time")
    library.store_papers([first, other, keyless])
    assert library.stored_key(first.id) == "grill2020byol"
    assert library.stored_key(other.id) == "grill2020byola"  # taken by another paper
    assert library.stored_key(keyless.id) is None  # generated only when first needed
    library.add(keyless)
    assert library.stored_key(keyless.id) == "grill2020bootstrap"
    # storing again (a re-import) changes nothing
    library.store_papers([first, other])
    assert library.stored_key(other.id) == "grill2020byola"
    # a later import bringing the paper's own key replaces a generated one
    library.store_papers([replace(keyless, citation_key="mine2020")])
    assert library.stored_key(keyless.id) == "mine2020"
    # ... but never an imported or renamed one
    library.store_papers([replace(first, citation_key="changed2020")])
    assert library.stored_key(first.id) == "grill2020byol"


def test_rename_key(tmp_path: Path) -> None:
    library = Library(tmp_path / "l.sqlite3")
    a = authored(1, "Lee", 2019, "Graphs")
    b = authored(2, "Kim", 2019, "Trees")
    library.add(a)
    library.add(b)
    assert library.rename_key(a.id, "  lee-graphs ") == "lee-graphs"
    assert library.bookmark(a.id).paper.citation_key == "lee-graphs"
    assert library.paper_for_key("lee2019graphs") is None
    with pytest.raises(ValueError, match="already used by pb:000000000001"):
        library.rename_key(b, "LEE-GRAPHS")
    for bad in ("", "has space", "a{b", "x" * 201):
        with pytest.raises(ValueError, match="not a usable citation key"):
            library.rename_key(b, bad)
    assert library.stored_key(b.id) == "kim2019trees"
    library.rename_key(a, "Lee-Graphs")  # its own key in another case is fine
    assert library.stored_key(a.id) == "Lee-Graphs"
    with pytest.raises(KeyError):
        library.rename_key("pb:unknown", "free")
    # a paper given whole need not be known yet
    c = authored(3, "Ng", 2018, "Nets")
    assert library.rename_key(c, "ng-nets") == "ng-nets" and c.id not in library


def test_bookmarks_prefer_the_stored_record_and_fall_back_to_their_copy(tmp_path: Path) -> None:
    library = Library(tmp_path / "l.sqlite3")
    a = authored(1, "Grill", 2020, "Bootstrap your own latent")
    library.add(a)
    assert library.bookmark(a.id).paper.container is None
    enriched = replace(a, container="NeurIPS", volume="33", citation_key="grill2020byol")
    library.store_papers([enriched])
    got = library.bookmark(a.id).paper
    assert (got.container, got.volume) == ("NeurIPS", "33")
    # the key assigned at bookmark time was generated: the import's own key replaces it
    assert got.citation_key == "grill2020byol"
    b = authored(2, "Kim", 2019, "Trees")
    library.add(b)
    assert library.bookmark(b.id).paper == replace(b, citation_key="kim2019trees")


def test_stored_papers_with_partial_dates_read_back(tmp_path: Path) -> None:
    library = Library(tmp_path / "l.sqlite3")
    a = authored(1, "Lee", 2019, "Graphs")
    library.store_papers([a])
    back = library.stored_paper(a.id)
    assert back == a and back.date_iso == "2019" and back.to_dict()["published"] == "2019"


# -- undo of a removal ---------------------------------------------------------


def test_remove_returns_everything_and_restore_puts_it_back(tmp_path: Path) -> None:
    library = Library(tmp_path / "l.sqlite3")
    library.add(paper(1))
    library.set_tags(paper(1), ["gp", "thesis"])
    library.set_status(paper(1), "reading")
    library.add_to_list("Thesis", paper(1))
    library.add_to_list("Group", paper(1))
    library.set_note(paper(1), "Section 3.")
    before = library.bookmark(paper(1).id)
    assert library.organised(paper(1).id)

    removed = library.remove(paper(1).id)
    assert removed == before
    assert (removed.tags, removed.status, removed.lists) == (
        ("gp", "thesis"),
        "reading",
        ("Group", "Thesis"),
    )
    assert library.bookmark(paper(1).id) is None and library.tags() == []
    library.delete_list("Group")  # deleted in between: restore creates it again

    library.restore(removed)
    assert library.bookmark(paper(1).id) == before  # same added_at, note time, key
    assert dict(library.lists()) == {"Group": 1, "Thesis": 1}


def test_toggle_off_then_restore(tmp_path: Path) -> None:
    library = Library(tmp_path / "l.sqlite3")
    library.add_tag(paper(1), "gp")
    before = library.bookmark(paper(1).id)
    toggled = library.toggle(paper(1))
    assert not toggled and toggled.removed == before
    library.restore(toggled.removed)
    assert library.bookmark(paper(1).id) == before


def test_restore_over_a_new_bookmark_keeps_what_was_added_since(tmp_path: Path) -> None:
    library = Library(tmp_path / "l.sqlite3")
    library.add_tag(paper(1), "old")
    removed = library.remove(paper(1).id)
    library.add_tag(paper(1), "new")  # bookmarked again, later
    library.restore(removed)
    bm = library.bookmark(paper(1).id)
    assert bm.tags == ("new", "old") and bm.added_at == removed.added_at


def test_organised(tmp_path: Path) -> None:
    library = Library(tmp_path / "l.sqlite3")
    library.add(paper(1))
    assert not library.organised(paper(1).id)
    assert not library.organised("pb:unknown")
    library.set_status(paper(2), "read")
    library.add_to_list("L", paper(3))
    library.add_tag(paper(4), "t")
    library.set_note(paper(5), "n")
    assert [library.organised(paper(n).id) for n in (2, 3, 4, 5)] == [True] * 4
    library.remove(paper(5).id)
    assert library.organised(paper(5).id)  # the note outlives the bookmark
