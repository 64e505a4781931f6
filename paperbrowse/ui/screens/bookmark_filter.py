"""The bookmarks narrowing dialog: a list, tag or status."""

from __future__ import annotations

from contextlib import suppress

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import (
    Label,
    OptionList,
)
from textual.widgets.option_list import Option, OptionDoesNotExist

from paperbrowse.core.library import STATUSES
from paperbrowse.ui.organise import (
    STATUS_MARKS,
    STATUS_STYLES,
    Narrowing,
    tag_label,
)


class BookmarkFilterScreen(ModalScreen[str | None]):
    """Narrow the bookmarks to one reading list, tag or reading status.

    Each choice shows its number of bookmarks. Dismisses with the chosen
    option id (``all``, ``list:NAME``, ``tag:TAG``, ``status:STATUS``; see
    :meth:`Narrowing.parse`), or ``None`` when cancelled.
    """

    BINDINGS = [Binding("escape,f", "cancel", "Cancel")]

    def __init__(
        self,
        total: int,
        lists: list[tuple[str, int]],
        tags: list[tuple[str, int]],
        statuses: dict[str, int],
        active: Narrowing | None,
    ) -> None:
        super().__init__()
        self.total = total
        self.lists = lists
        self.tags = tags
        self.statuses = statuses
        self.active = active

    def compose(self) -> ComposeResult:
        active = self.active.option_id if self.active else "all"

        def option(option_id: str, label: Text) -> Option:
            mark = Text("● " if option_id == active else "  ", style="bold")
            return Option(mark + label, id=option_id)

        def counted(heading: str, name: str, count: int, style: str = "") -> Text:
            text = Text(f"{heading:<8}", style="dim")
            text.append(name, style=style or "bold")
            text.append(f"  {count}", style="dim")
            return text

        options: list[Option | None] = [
            option("all", Text(f"All bookmarks  {self.total}", style="bold"))
        ]
        if self.lists:
            options.append(None)
        for name, n in self.lists:
            options.append(option(f"list:{name}", counted("List", name, n)))
        if self.tags:
            options.append(None)
        for tag, n in self.tags:
            options.append(option(f"tag:{tag}", counted("Tag", tag_label(tag), n)))
        options.append(None)
        for status in STATUSES:
            label = f"{STATUS_MARKS[status]} {status}"
            n = self.statuses.get(status, 0)
            style = f"bold {STATUS_STYLES[status]}"
            options.append(option(f"status:{status}", counted("Status", label, n, style)))
        with Vertical(id="narrow-dialog"):
            yield Label("Narrow the bookmarks", classes="dialog-title")
            yield Label(
                Text("↑↓ move · enter chooses (again: undoes) · esc closes", style="dim"),
                classes="dialog-keys-top",
            )
            yield OptionList(*options, id="narrow-options")

    def on_mount(self) -> None:
        options = self.query_one("#narrow-options", OptionList)
        options.focus()
        if self.active is not None:
            # a list or tag that is gone leaves the highlight on "All"
            with suppress(OptionDoesNotExist):
                options.highlighted = options.get_option_index(self.active.option_id)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        choice = event.option.id or "all"
        if self.active is not None and choice == self.active.option_id:
            choice = "all"  # choosing the active value again undoes it
        self.dismiss(choice)

    def action_cancel(self) -> None:
        self.dismiss(None)
