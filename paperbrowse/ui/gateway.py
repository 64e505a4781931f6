"""The one door from the user interface into the search engine.

The app, its main screen and the result list reach the
:class:`~paperbrowse.core.index.PaperIndex` only through an
:class:`EngineGateway`. It serialises engine access (one lock: one search,
page fetch, similar-papers query or highlighting at a time, so a burst of
keystrokes never runs searches side by side on two cores), pages through the
query a search was already resolved to, and highlights abstracts.

Every method that takes the lock blocks: call it from a Textual thread worker
(``@work(thread=True)`` or ``run_worker(..., thread=True)``), never on the UI
thread. Only :meth:`EngineGateway.cached_highlight` is for the UI thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from paperbrowse.core.models import Filters, Paper, Results, Segment

if TYPE_CHECKING:
    from paperbrowse.core.index import PaperIndex

#: Seconds a caller waiting for the engine checks, between looks, whether it
#: was cancelled meanwhile (a newer keystroke replaced its search).
WAIT_POLL_SECONDS = 0.005
#: Highlighted abstracts kept per result set (the detail pane's recent papers).
HIGHLIGHT_CACHE = 256


class EngineGateway:
    """Serialised access to one :class:`PaperIndex` (or none yet, while it opens).

    Args:
        index: the opened index, or ``None`` until the app has opened it
            (set :attr:`index` then).

    Attributes:
        index: the engine, or ``None``.
        lock: held while the engine works for the UI.
        page_calls: ``(offset, limit)`` of every :meth:`page` call, in order (tests
            and benchmarks read it).
    """

    def __init__(self, index: PaperIndex | None = None) -> None:
        self.index = index
        self.lock = threading.Lock()
        self.page_calls: list[tuple[int, int]] = []
        #: highlighted abstracts by paper id, for the result set :attr:`_highlights_of`
        self._highlights: dict[str, tuple[Segment, ...]] = {}
        self._highlights_of: Results | None = None

    def _acquire(self, is_cancelled: Callable[[], bool] | None) -> bool:
        """Take the lock; ``False`` (lock not taken) if ``is_cancelled()`` turns true first."""
        if is_cancelled is None:
            self.lock.acquire()
            return True
        while not self.lock.acquire(timeout=WAIT_POLL_SECONDS):
            if is_cancelled():
                return False
        if is_cancelled():
            self.lock.release()
            return False
        return True

    def _engine(self) -> PaperIndex:
        if self.index is None:
            raise RuntimeError("the index is not open yet")
        return self.index

    def search(
        self,
        text: str,
        *,
        sort: str,
        limit: int,
        filters: Filters,
        facets: bool = True,
        is_cancelled: Callable[[], bool] | None = None,
    ) -> Results | None:
        """The search bar's query, in the engine's forgiving mode (plain-word fallback,
        spelling correction, relaxation: :meth:`PaperIndex.search`); the first
        ``limit`` hits, and the facets if ``facets``. Blocking.

        The abstract of the first hit is highlighted too, while the lock is held, so
        that the detail pane shows it at once (:meth:`cached_highlight`).

        Returns:
            The results, or ``None`` when ``is_cancelled()`` turned true while
            waiting for the engine (the search did not run).

        Raises:
            IndexDamaged, Exception: whatever :meth:`PaperIndex.search` raises.
        """
        if not self._acquire(is_cancelled):
            return None
        try:
            index = self._engine()
            results = index.search(
                text, sort=sort, limit=limit, filters=filters, forgiving=True, facets=facets
            )
            if results.hits:
                self._remember(results, results.hits[0].paper)
            return results
        finally:
            self.lock.release()

    def page(self, first: Results, offset: int, limit: int) -> Results:
        """Hits ``offset`` to ``offset + limit - 1`` of the query ``first`` was resolved
        to (its corrected or plain-word text, relaxed or not, same sort and
        filters): no second correction or relaxation, no facets. Blocking.

        Raises:
            Exception: whatever the engine raised (the result list shows it).
        """
        with self.lock:
            self.page_calls.append((offset, limit))
            return self._engine().page(first, offset, limit)

    def similar(self, paper: Paper, *, limit: int, filters: Filters) -> Results:
        """The papers most like ``paper`` (:meth:`PaperIndex.similar`). Blocking."""
        with self.lock:
            return self._engine().similar(paper.id, limit=limit, filters=filters)

    def highlight(self, paper: Paper, results: Results) -> tuple[Segment, ...]:
        """``paper``'s abstract as ``(text, matched)`` segments, the terms of ``results``
        marked (:meth:`PaperIndex.highlight`); kept for :meth:`cached_highlight`.
        Blocking."""
        with self.lock:
            return self._remember(results, paper)

    def _remember(self, results: Results, paper: Paper) -> tuple[Segment, ...]:
        """Highlight ``paper`` for ``results`` and keep it (the lock is held)."""
        segments = self._engine().highlight(paper.abstract, results)
        if self._highlights_of is not results:
            self._highlights, self._highlights_of = {}, results
        if len(self._highlights) >= HIGHLIGHT_CACHE:
            self._highlights.pop(next(iter(self._highlights)))
        self._highlights[paper.id] = segments
        return segments

    def cached_highlight(self, paper: Paper, results: Results) -> tuple[Segment, ...] | None:
        """``paper``'s abstract highlighted for ``results`` if already done, else ``None``.

        Never waits for the engine: for the UI thread. (A plain dict read under
        the GIL; the worst case of a race is ``None`` and a worker.)
        """
        if self._highlights_of is not results:
            return None
        return self._highlights.get(paper.id)
