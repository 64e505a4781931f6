"""Indexes written before core/index.py was split still open and search.

Whoosh pickles the schema, analyzer and all, into every index's table of
contents, naming each filter class by its module path; an index written
before the split names ``paperbrowse.core.index.GreekFilter`` and its kin.
The fixture is such an index, written by ``IndexStore.build`` at schema 6
(tests/fixtures/README.md).
"""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from paperbrowse.core.generations import IndexStore
from paperbrowse.core.schema import make_schema

FIXTURE = Path(__file__).parent.parent / "fixtures" / "index_schema6_before_split.tar.gz"


@pytest.fixture
def old_store(tmp_path: Path) -> IndexStore:
    with tarfile.open(FIXTURE) as archive:
        archive.extractall(tmp_path / "index", filter="data")
    return IndexStore(tmp_path / "index")


def test_the_fixture_names_the_old_module_paths() -> None:
    with tarfile.open(FIXTURE) as archive:
        toc = next(m for m in archive.getmembers() if m.name.endswith(".toc"))
        pickled = archive.extractfile(toc).read()
    assert b"paperbrowse.core.index\nGreekFilter" in pickled
    assert b"paperbrowse.core.index\nCompactPositionsFilter" in pickled
    assert b"paperbrowse.core.engine.analysis" not in pickled


def test_an_index_written_before_the_split_opens_and_searches(old_store: IndexStore) -> None:
    index = old_store.open()
    analyzer = index._ix.schema["title"].analyzer
    assert any(type(f).__module__ == "paperbrowse.core.engine.analysis" for f in analyzer.items)
    assert index.doc_count() == 6
    results = index.search("latent diffusion", forgiving=True)
    assert results.total >= 3
    assert all("latent" in (h.paper.title + h.paper.abstract).lower() for h in results.hits)
    # the filters analyse as the new ones do: a phrase across a hyphen, the acronym
    assert index.search('"multi modal latent diffusion"').total == 1
    assert index.search("title:β-VAE OR title:diffusion").total == 6


def test_new_indexes_name_the_new_module_paths() -> None:
    items = make_schema()["abstract"].analyzer.items
    modules = {type(f).__module__ for f in items if type(f).__module__.startswith("paperbrowse")}
    assert modules == {"paperbrowse.core.engine.analysis"}
