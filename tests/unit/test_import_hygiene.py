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
