"""The tags dialog: a paper's tags, with completion from the library's tags."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import (
    Input,
    Label,
)

from paperbrowse.core.library import normalise_tag
from paperbrowse.core.models import Paper
from paperbrowse.ui.organise import (
    split_tags,
    tag_label,
)
from paperbrowse.ui.screens.common import short_title
from paperbrowse.ui.widgets import OrderedInput


class TagSuggester(Suggester):
    """Completes the tag being typed (after the last comma) from the known tags."""

    def __init__(self, known: list[str]) -> None:
        super().__init__(use_cache=False, case_sensitive=False)
        self.known = known

    async def get_suggestion(self, value: str) -> str | None:
        head, comma, last = value.rpartition(",")
        fragment = last.lstrip()
        if not fragment:
            return None
        typed = {t.strip() for t in head.split(",")}
        for tag in self.known:
            if tag.startswith(fragment) and tag != fragment and tag not in typed:
                return value + tag[len(fragment) :]
        return None


class TagsScreen(ModalScreen[tuple[str, ...] | None]):
    """Edit the tags of a paper as one comma-separated line.

    Enter checks every tag (see :func:`~paperbrowse.core.library.normalise_tag`)
    and dismisses with them (normalised, de-duplicated, in the order typed);
    esc dismisses with ``None``. The right arrow completes a known tag.
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, paper: Paper, tags: tuple[str, ...], known: list[tuple[str, int]]) -> None:
        super().__init__()
        self.paper = paper
        self.tags = tags
        self.known = known

    def compose(self) -> ComposeResult:
        with Vertical(id="tags-dialog", classes="organise-dialog"):
            yield Label(f"Tags for “{short_title(self.paper.title)}”", classes="dialog-title")
            yield OrderedInput(
                ", ".join(self.tags),
                placeholder="comma separated, e.g. diffusion, to cite",
                suggester=TagSuggester([t for t, _ in self.known]),
                id="tags-input",
            )
            yield Label("", id="tags-error")
            if self.known:
                used = " · ".join(f"{tag_label(t)} {n}" for t, n in self.known[:20])
                yield Label(Text(f"Your tags: {used}", style="dim"), id="tags-known")
            yield Label(
                Text("enter saves · esc cancels · → completes a tag", style="dim"),
                classes="dialog-keys",
            )

    def on_mount(self) -> None:
        self.query_one("#tags-input", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        tags: list[str] = []
        for raw in split_tags(event.value):
            try:
                tag = normalise_tag(raw)
            except ValueError as exc:
                self.query_one("#tags-error", Label).update(Text(str(exc), style="bold red"))
                return
            if tag not in tags:
                tags.append(tag)
        self.dismiss(tuple(tags))

    def action_cancel(self) -> None:
        self.dismiss(None)
