"""Shared fixtures: one index over the bundled corpus, built once per session.

Each test gets its own copy of the data directory, so bookmarks and rebuilds
in one test never leak into another. ``no_network`` blocks the real HTTP
transport (the online importers' tests use it with the fakes of ``tests/fakes.py``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from paperbrowse.core.index import PaperIndex
from paperbrowse.core.library import Library
from paperbrowse.core.locations import Locations
from paperbrowse.core.service import Corpus, open_index

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def corpus() -> Corpus:
    return Corpus.bundled()


@pytest.fixture(scope="session")
def built_data_dir(tmp_path_factory: pytest.TempPathFactory, corpus: Corpus) -> Path:
    data_dir = tmp_path_factory.mktemp("built") / "data"
    open_index(Locations.resolve(data_dir), corpus)
    return data_dir


@pytest.fixture
def locations(tmp_path: Path, built_data_dir: Path) -> Locations:
    """A private data directory holding a ready index of the bundled corpus."""
    data_dir = tmp_path / "data"
    shutil.copytree(built_data_dir, data_dir)
    return Locations.resolve(data_dir)


@pytest.fixture
def index(locations: Locations, corpus: Corpus) -> PaperIndex:
    opened = open_index(locations, corpus)
    assert not opened.built, "the copied index should be current"
    return opened.index


@pytest.fixture
def library(locations: Locations) -> Library:
    return Library(locations.library_path)


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Never touch the real user's data: point XDG and our variable at tmp_path."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.delenv("PAPERBROWSE_DATA_DIR", raising=False)
    # nor the real user's config file (the CLI reads it)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.delenv("PAPERBROWSE_CONFIG", raising=False)


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any request through httpx's real transport fail the test."""
    import httpx  # here: most tests never need it

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a test tried to use the network")

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", refuse)
