"""The note dialog: the user's note on a paper."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import (
    Label,
    TextArea,
)

from paperbrowse.core.models import Paper
from paperbrowse.ui.screens.common import short_title


class NoteScreen(ModalScreen[str | None]):
    """Write the note on a paper: ctrl+s dismisses with the text, esc with ``None``."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("escape", "cancel", "Discard"),
    ]

    def __init__(self, paper: Paper, note: str) -> None:
        super().__init__()
        self.paper = paper
        self.note = note

    def compose(self) -> ComposeResult:
        with Vertical(id="note-dialog", classes="organise-dialog"):
            yield Label(f"Note on “{short_title(self.paper.title)}”", classes="dialog-title")
            yield TextArea(self.note, soft_wrap=True, id="note-text")
            yield Label(
                Text("ctrl+s saves · esc discards the changes", style="dim"),
                classes="dialog-keys",
            )

    def on_mount(self) -> None:
        area = self.query_one("#note-text", TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    def action_save(self) -> None:
        self.dismiss(self.query_one("#note-text", TextArea).text)

    def action_cancel(self) -> None:
        self.dismiss(None)
