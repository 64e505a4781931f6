"""Query history: the queries a user ran, recalled with the up arrow.

Stored as a JSON list (oldest first) in ``history.json`` in the user's data
folder, written atomically (temporary file, then ``os.replace``), so two
instances can only ever lose each other's newest entry, never corrupt the file.
A damaged file is treated as empty and replaced on the next write.
"""

from __future__ import annotations

import json
from pathlib import Path

from paperbrowse.core.atomic import write_json_atomic

#: Queries kept; the oldest go first.
HISTORY_LIMIT = 200


class QueryHistory:
    """Recent distinct queries, oldest first.

    Args:
        path: the JSON file (created on the first :meth:`add`).
        limit: how many queries to keep.
    """

    def __init__(self, path: Path, limit: int = HISTORY_LIMIT) -> None:
        self.path = Path(path)
        self.limit = limit
        self._entries = self._load()

    def _load(self) -> list[str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        if not isinstance(data, list):
            return []
        return [q for q in data if isinstance(q, str) and q.strip()][-self.limit :]

    @property
    def entries(self) -> list[str]:
        """The queries, oldest first (a copy)."""
        return list(self._entries)

    def add(self, query: str) -> bool:
        """Record ``query`` as the newest entry (moved there if already present).

        Blank queries are ignored. Returns True when the history changed.

        Raises:
            OSError: the file cannot be written (the in-memory history is kept).
        """
        query = query.strip()
        if not query or (self._entries and self._entries[-1] == query):
            return False
        self._entries = [q for q in self._entries if q != query] + [query]
        self._entries = self._entries[-self.limit :]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_json_atomic(self.path, self._entries)
        return True
