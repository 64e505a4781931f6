"""The core layer must be usable without a terminal: no Textual, no Rich."""

import subprocess
import sys


def test_core_imports_no_ui_libraries() -> None:
    code = (
        "import sys\n"
        "import paperbrowse.core.index, paperbrowse.core.library, paperbrowse.core.export\n"
        "import paperbrowse.core.service, paperbrowse.core.sources.captures\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'textual', 'rich'})\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_every_index_store_reads_the_pdfs_text() -> None:
    """An IndexStore made without the full-text source builds or catches up an
    index that silently loses the PDFs' text (the app's catch-up after `a` did):
    only core/fulltext.index_store makes one (generations.py defines it)."""
    import ast
    from pathlib import Path

    root = Path(__file__).parents[2] / "paperbrowse"
    allowed = {root / "core" / "fulltext.py", root / "core" / "generations.py"}
    found = []
    for path in sorted(root.rglob("*.py")):
        if path in allowed:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name == "IndexStore":
                    found.append(f"{path.relative_to(root)}:{node.lineno}")
    assert found == [], "use paperbrowse.core.fulltext.index_store(locations)"
