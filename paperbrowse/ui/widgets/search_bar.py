"""The search bar: the query input, with the query history on the up key."""

from __future__ import annotations

from textual.binding import Binding

from paperbrowse.ui.widgets.ordered_input import OrderedInput


class SearchBar(OrderedInput):
    """The query input, with the query history on the up arrow.

    ``up`` recalls older queries, ``down`` newer ones and then the text being
    typed; ``down`` on that text (an app binding, so focus moves before the
    next key is read) or ``enter`` moves to the results.

    Attributes:
        history: the queries to recall, oldest first (set by the app).
    """

    BINDINGS = [Binding("up", "history_back", "Older query", show=False)]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.history: list[str] = []
        self._position: int | None = None  # index into history while recalling
        self._draft = ""

    @property
    def recalling(self) -> bool:
        """True while the value is a recalled query (``down`` goes newer)."""
        return self._position is not None

    def _recall(self, value: str) -> None:
        self.value = value
        self.cursor_position = len(value)

    def action_history_back(self) -> None:
        """Show the previous (older) query of the history."""
        if not self.history:
            return
        if self._position is None:
            self._draft = self.value
            self._position = len(self.history)
        if self._position > 0:
            self._position -= 1
            self._recall(self.history[self._position])

    def history_forward(self) -> None:
        """Show the next (newer) query, and after the newest the text typed before."""
        if self._position is None:
            return
        self._position += 1
        if self._position >= len(self.history):
            self._position = None
            self._recall(self._draft)
        else:
            self._recall(self.history[self._position])

    def forget_position(self) -> None:
        """Leave history recall (the user edited the recalled query)."""
        self._position = None
