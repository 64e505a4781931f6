"""Where paperbrowse keeps its files. One function per path.

The data directory comes from, in order: an explicit ``--data-dir`` (passed
in as ``override``), the ``PAPERBROWSE_DATA_DIR`` environment variable, then
platformdirs' user data dir (``$XDG_DATA_HOME/paperbrowse`` on Linux, by
default ``~/.local/share/paperbrowse``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "paperbrowse"
ENV_DATA_DIR = "PAPERBROWSE_DATA_DIR"


def default_data_dir() -> Path:
    """Return the data directory when nothing overrides it (platformdirs)."""
    env = os.environ.get(ENV_DATA_DIR)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


@dataclass(frozen=True)
class Locations:
    """The paths of one paperbrowse data directory.

    Attributes:
        data_dir: root of everything paperbrowse writes.
    """

    data_dir: Path

    @classmethod
    def resolve(cls, override: Path | str | None = None) -> Locations:
        """Build from ``override`` if given, else :func:`default_data_dir`."""
        base = Path(override).expanduser() if override else default_data_dir()
        return cls(base.resolve())

    @property
    def index_root(self) -> Path:
        """Folder holding the index generations and the ``CURRENT`` pointer."""
        return self.data_dir / "index"

    @property
    def library_path(self) -> Path:
        """SQLite database of bookmarks."""
        return self.data_dir / "library.sqlite3"

    @property
    def history_path(self) -> Path:
        """The query history (JSON list)."""
        return self.data_dir / "history.json"

    def ensure(self) -> Locations:
        """Create the data directory if needed and return ``self``.

        Raises:
            OSError: the directory cannot be created (permissions, full disk).
        """
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return self
