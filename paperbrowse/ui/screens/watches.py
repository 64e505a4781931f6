"""The watches dialog (``w``): the inbox and each watch with its unseen and total
papers; choosing one lists its papers in the main screen (see
:mod:`paperbrowse.ui.screens.watches_view`)."""

from __future__ import annotations

from contextlib import suppress

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option, OptionDoesNotExist

from paperbrowse.core.watches import Watch

#: The option id of the inbox (a watch's is ``watch:NAME``).
INBOX = "inbox"
#: Cells a watch name takes in the dialog (longer names end in ``…``).
NAME_CELLS = 36


def watch_option_id(name: str) -> str:
    """The dialog's option id of watch ``name``: ``watch:NAME``."""
    return f"watch:{name}"


class WatchesScreen(ModalScreen[str | None]):
    """The inbox and the watches, each with its counts, to choose one to list.

    The first line is ``Inbox  N unseen`` (papers not seen in any watch, each
    counted once), then one line per watch: its name, ``N unseen of TOTAL``.
    Dismisses with :data:`INBOX`, ``watch:NAME`` (see :func:`watch_option_id`),
    or ``None`` when closed (``esc`` or ``w``).

    Args:
        watches: the watches with their counts (:meth:`WatchStore.list`).
        inbox: unseen papers over all watches, each paper once.
        active: the option id of what the main screen lists now, to start on.
    """

    BINDINGS = [Binding("escape,w", "cancel", "Close")]

    def __init__(self, watches: list[Watch], inbox: int, active: str | None = None) -> None:
        super().__init__()
        self.watches = watches
        self.inbox = inbox
        self.active = active

    def compose(self) -> ComposeResult:
        inbox = Text("Inbox", style="bold")
        inbox.append(f"  {self.inbox} unseen", style="bold green" if self.inbox else "dim")
        options: list[Option | None] = [Option(inbox, id=INBOX)]
        if self.watches:
            options.append(None)
        for watch in self.watches:
            name = Text(watch.name, style="bold")
            name.truncate(NAME_CELLS, overflow="ellipsis", pad=True)
            counts = Text(f" {watch.unseen:>5} unseen", style="green" if watch.unseen else "dim")
            counts.append(f" of {watch.total:>5}", style="dim")
            options.append(Option(name + counts, id=watch_option_id(watch.name)))
        with Vertical(id="watches-dialog"):
            yield Label("Watches", classes="dialog-title")
            yield Label(
                Text("↑↓ move · enter lists its papers, newest first · esc closes", style="dim"),
                classes="dialog-keys-top",
            )
            yield OptionList(*options, id="watches-options")
            if not self.watches:
                yield Label(
                    Text(
                        "No watches yet. In a shell: paperbrowse watch add NAME QUERY "
                        "[--arxiv Q] [--hf], then paperbrowse update.",
                        style="dim",
                    ),
                    id="watches-none",
                )

    def on_mount(self) -> None:
        options = self.query_one("#watches-options", OptionList)
        options.focus()
        if self.active is not None:
            with suppress(OptionDoesNotExist):  # a watch removed meanwhile: stay on the inbox
                options.highlighted = options.get_option_index(self.active)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id or INBOX)

    def action_cancel(self) -> None:
        self.dismiss(None)
