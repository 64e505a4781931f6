"""A yes/no confirmation dialog (removing an organised bookmark)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import (
    Label,
)


class ConfirmScreen(ModalScreen[bool]):
    """Ask a yes/no question before a destructive action.

    ``y`` or ``enter`` dismisses with True; ``n`` or ``esc`` with False. Small
    enough for an 80×24 terminal (the question wraps).

    Args:
        question: the question, plain text (``Remove the bookmark of …?``).
        yes: what ``y`` does, for the key line (``removes``).
        no: what ``n`` does (``keeps it``).
    """

    BINDINGS = [
        Binding("y,enter", "answer(True)", "Yes", show=False),
        Binding("n,escape", "answer(False)", "No", show=False),
    ]

    def __init__(self, question: str, *, yes: str = "yes", no: str = "no") -> None:
        super().__init__()
        self.question = question
        self.yes = yes
        self.no = no

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog", classes="organise-dialog"):
            yield Label(self.question, id="confirm-question")
            yield Label(
                Text(f"y or enter: {self.yes} · n or esc: {self.no}", style="dim"),
                classes="dialog-keys",
            )

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
