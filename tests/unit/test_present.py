"""The shared presentation module: Rich tables for the CLI and the app, no Textual."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from rich.console import Console

from paperbrowse.core.library import Library
from paperbrowse.core.locations import Locations
from paperbrowse.present import bookmark_table, hit_table, sparkline

#: Runs a CLI search in a fresh interpreter, as if on a terminal (Rich tables, with
#: facets) and prints the table's first line, then the UI modules loaded.
CLI_SEARCH = """
import sys
from paperbrowse.cli import cli
try:
    cli.main(["--data-dir", sys.argv[1], "search", "latent", "diffusion", "--facets"],
             prog_name="paperbrowse", standalone_mode=False)
finally:
    loaded = sorted(m for m in sys.modules
                    if m.split(".")[0] == "textual" or m.startswith("paperbrowse.ui"))
    print("LOADED:" + ",".join(loaded))
"""


def test_a_cli_search_on_a_terminal_imports_no_user_interface(locations: Locations) -> None:
    env = {**os.environ, "FORCE_COLOR": "1", "TTY_COMPATIBLE": "1", "COLUMNS": "120"}
    out = subprocess.run(
        [sys.executable, "-c", CLI_SEARCH, str(locations.data_dir)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert "hits for 'latent diffusion'" in out.stdout  # the Rich table was printed
    assert "Facets" in out.stdout
    assert out.stdout.strip().splitlines()[-1] == "LOADED:"


def test_the_present_module_imports_no_textual() -> None:
    code = (
        "import sys, paperbrowse.present\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'textual'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_old_ui_render_names_are_the_same_objects() -> None:
    import paperbrowse.present as present
    import paperbrowse.ui.render as render

    for name in render.__all__:
        assert getattr(render, name) is getattr(present, name)


def test_hit_and_bookmark_tables_render_the_papers(index, tmp_path: Path) -> None:
    results = index.search('title:"latent diffusion"', limit=3)
    console = Console(width=160, record=True, color_system=None)
    console.print(hit_table(results))
    text = console.export_text()
    assert f"{results.total} hits for" in text
    assert results.hits[0].paper.id in text
    library = Library(tmp_path / "lib.sqlite3")
    library.add(results.hits[0].paper)
    console.print(bookmark_table(library.bookmarks()))
    assert "Reading list: 1 paper" in console.export_text()


def test_sparkline_scales_to_the_largest_count() -> None:
    assert sparkline([1, 0, 4]) == "▂ █"
    assert sparkline([]) == ""
