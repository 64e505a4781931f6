"""A radio set laid out as a grid, chosen with the arrow keys."""

from __future__ import annotations

from textual.binding import Binding
from textual.message import Message
from textual.widgets import RadioButton, RadioSet


class ChoiceGrid(RadioSet):
    """A :class:`~textual.widgets.RadioSet` laid out as a grid, chosen with the arrows.

    The arrow keys choose at once (``left``/``right`` the previous/next choice,
    ``up``/``down`` the one a row up/down, :attr:`columns` apart, staying put at
    an edge); ``space`` chooses the highlighted choice; ``enter`` posts
    :class:`ChoiceGrid.Submitted`, which a dialog takes as "confirm".

    Args:
        columns: choices per row, as the grid's CSS ``grid-size`` lays them out.
    """

    BINDINGS = [
        Binding("left", "move(-1)", "Previous choice", show=False),
        Binding("right", "move(1)", "Next choice", show=False),
        Binding("up", "move_row(-1)", "Choice above", show=False),
        Binding("down", "move_row(1)", "Choice below", show=False),
        Binding("space", "toggle_button", "Choose", show=False),
        Binding("enter", "submit", "Confirm", show=False),
    ]

    class Submitted(Message):
        """Enter was pressed on the grid (the choice is :attr:`RadioSet.pressed_button`)."""

        def __init__(self, grid: ChoiceGrid) -> None:
            super().__init__()
            self.grid = grid

        @property
        def control(self) -> ChoiceGrid:
            return self.grid

    def __init__(self, *buttons: RadioButton, columns: int = 3, **kwargs) -> None:
        super().__init__(*buttons, **kwargs)
        self.columns = columns
        #: The choice the arrows last made. ``pressed_index`` follows only when the
        #: button's change message has been handled, so arrows typed together (a
        #: paste, ``tmux send-keys Right Right``) count from this one instead.
        self._chosen: int | None = None
        self._pending: list[int] = []

    def _choose(self, index: int) -> None:
        buttons = list(self.query(RadioButton))
        if not 0 <= index < len(buttons):
            return
        self._selected = index
        self._chosen = index
        self._pending.append(index)
        buttons[index].value = True

    def _current(self) -> int:
        if self._chosen is not None:
            return self._chosen
        return self.pressed_index if self.pressed_index >= 0 else (self._selected or 0)

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        """Follow a choice made another way (the mouse); the arrows' own are known."""
        if event.radio_set is not self:
            return
        if event.index in self._pending:
            del self._pending[: self._pending.index(event.index) + 1]
        else:
            self._chosen = event.index

    def action_move(self, step: int) -> None:
        """Choose the previous (``-1``) or next (``1``) choice, in reading order."""
        self._choose(self._current() + step)

    def action_move_row(self, rows: int) -> None:
        """Choose the choice ``rows`` rows down (negative: up), in the same column."""
        self._choose(self._current() + rows * self.columns)

    def action_submit(self) -> None:
        self.post_message(self.Submitted(self))
