"""Index damage that kept the file's time, met by a search (issue 15): a clear
message (``IndexDamaged``), never a ``zlib.error`` traceback; the command line
rebuilds and searches again, the app says it in its status line."""

from __future__ import annotations

import asyncio
import zlib

import pytest
from click.testing import CliRunner
from textual.widgets import Static

from paperbrowse.cli import cli
from paperbrowse.core.index import IndexDamaged, IndexStore
from paperbrowse.core.library import Library
from paperbrowse.core.service import open_index


def damage_reads(monkeypatch) -> None:
    """Every stored-document read fails as a bit-flipped, compressed segment does."""
    from whoosh.reading import SegmentReader

    def broken(self, docnum):
        raise zlib.error("Error -3 while decompressing data: invalid distance too far back")

    monkeypatch.setattr(SegmentReader, "stored_fields", broken)


def test_a_search_over_damaged_bytes_raises_index_damaged(locations, corpus, library, monkeypatch):
    index = open_index(locations, corpus, library=library).index
    damage_reads(monkeypatch)
    with pytest.raises(IndexDamaged) as caught:
        index.search("", limit=5000)
    message = str(caught.value)
    assert "the index" in message and "is damaged" in message
    assert "paperbrowse check" in message
    assert "zlib" not in type(caught.value).__name__
    assert "invalid distance" in caught.value.reason
    monkeypatch.undo()
    # the damaged searcher was not kept: the next search reads afresh
    assert index.search("", limit=5).total > 0


def test_the_cli_search_rebuilds_and_answers(locations, monkeypatch):
    runner = CliRunner()
    data = str(locations.data_dir)
    before = IndexStore(locations.index_root).read_current()[0]
    from whoosh.reading import SegmentReader

    real = SegmentReader.stored_fields
    calls = {"n": 0}

    def broken_once(self, docnum):
        calls["n"] += 1
        if calls["n"] == 1:
            raise zlib.error("Error -3 while decompressing data: incorrect header check")
        return real(self, docnum)

    monkeypatch.setattr(SegmentReader, "stored_fields", broken_once)
    result = runner.invoke(cli, ["--data-dir", data, "search", "latent", "-n", "3"])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert "is damaged" in result.output  # the warning of the rebuild
    assert (
        len([line for line in result.output.splitlines() if line.startswith(("pb:", "arxiv:"))])
        == 3
    )
    after = IndexStore(locations.index_root).read_current()[0]
    assert after != before and not before.exists()  # rebuilt, the damaged generation removed


def test_a_damaged_index_in_another_command_is_a_message(locations, monkeypatch):
    damage_reads(monkeypatch)
    result = CliRunner().invoke(
        cli, ["--data-dir", str(locations.data_dir), "similar", "arxiv:2006.07733"]
    )
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_the_app_shows_the_damage_in_its_status_line(locations, corpus, monkeypatch):
    from paperbrowse.ui.app import PaperBrowseApp

    library = Library(locations.library_path)
    index = open_index(locations, corpus, library=library).index
    app = PaperBrowseApp(locations, corpus, library=library, index=index)

    async def scenario() -> str:
        async with app.run_test(size=(120, 40)) as pilot:
            for _ in range(100):
                if app.results is not None:
                    break
                await pilot.pause(0.05)
            # damage met while the query runs (the app's pages of papers are cached)
            from paperbrowse.core.index import PaperIndex

            def broken(self, *args, **kwargs):
                raise zlib.error("Error -3 while decompressing data: incorrect header check")

            monkeypatch.setattr(PaperIndex, "_run", broken)
            await pilot.press(*"model")
            text = ""
            for _ in range(100):
                await pilot.pause(0.05)
                text = str(app.query_one("#status", Static).render())
                if "damaged" in text:
                    break
            return text

    text = asyncio.run(scenario())
    assert "is damaged" in text and "paperbrowse check" in text, text
