"""Messages posted by workers to the app (events up, state down)."""

from __future__ import annotations

from textual.message import Message

from paperbrowse.core.index import PaperIndex
from paperbrowse.core.models import Paper, Results


class SearchCompleted(Message):
    """A search worker finished.

    Attributes:
        query: the query text searched.
        sort: the sort order used.
        results: the results, or ``None`` if ``error`` is set.
        error: a message for the user when the query could not be run.
    """

    def __init__(
        self,
        query: str,
        sort: str,
        results: Results | None,
        error: str | None = None,
    ) -> None:
        super().__init__()
        self.query = query
        self.sort = sort
        self.results = results
        self.error = error


class IndexProgress(Message):
    """Progress of an index build, in documents."""

    def __init__(self, done: int, total: int) -> None:
        super().__init__()
        self.done = done
        self.total = total

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, IndexProgress)


class IndexReady(Message):
    """The index is open (and was built first if ``built``); ``recovered`` says
    why a damaged index was rebuilt, if it was."""

    def __init__(
        self, index: PaperIndex, built: bool, warnings: list[str], recovered: str | None = None
    ) -> None:
        super().__init__()
        self.index = index
        self.built = built
        self.warnings = warnings
        self.recovered = recovered


class IndexFailed(Message):
    """The index could neither be opened nor built."""

    def __init__(self, error: str) -> None:
        super().__init__()
        self.error = error


class SimilarCompleted(Message):
    """A similar-papers worker finished.

    Attributes:
        paper: the paper the others are similar to.
        results: its most similar papers, or ``None`` if ``error`` is set.
        error: what went wrong, for the user.
    """

    def __init__(self, paper: Paper, results: Results | None, error: str | None = None) -> None:
        super().__init__()
        self.paper = paper
        self.results = results
        self.error = error
