"""The reading lists dialog: put a paper on lists, create and remove lists."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import (
    Input,
    Label,
    OptionList,
)
from textual.widgets.option_list import Option

from paperbrowse.core.library import Library
from paperbrowse.core.models import Paper, papers
from paperbrowse.ui.screens.common import short_title
from paperbrowse.ui.widgets import OrderedInput


class ListsScreen(ModalScreen[bool]):
    """Put the paper on reading lists or take it off, and create lists.

    Each list shows a checkbox-like mark (``[x]`` when the paper is on it)
    and its paper count; enter toggles. Typing a name in the input and
    pressing enter creates that list (if new) and puts the paper on it.
    Changes are written to the library at once; the screen dismisses with
    True if anything changed.
    """

    BINDINGS = [Binding("escape", "close", "Close")]

    def __init__(self, library: Library, paper: Paper) -> None:
        super().__init__()
        self.library = library
        self.paper = paper
        self.changed = False

    def compose(self) -> ComposeResult:
        with Vertical(id="lists-dialog", classes="organise-dialog"):
            yield Label(
                f"Reading lists for “{short_title(self.paper.title)}”", classes="dialog-title"
            )
            yield OptionList(id="lists-options")
            yield OrderedInput(
                placeholder="New list: type a name, enter adds the paper", id="lists-new"
            )
            yield Label(
                Text("enter: add to / take off a list · tab: new list · esc: close", style="dim"),
                classes="dialog-keys",
            )

    def on_mount(self) -> None:
        self._fill()
        options = self.query_one("#lists-options", OptionList)
        if options.option_count and not options.get_option_at_index(0).disabled:
            options.focus()
        else:
            self.query_one("#lists-new", Input).focus()

    def _memberships(self) -> set[str]:
        bookmark = self.library.bookmark(self.paper.id)
        return {name.casefold() for name in bookmark.lists} if bookmark else set()

    def _fill(self, highlight: str | None = None) -> None:
        """(Re)build the options from the library, highlighting list ``highlight``."""
        options = self.query_one("#lists-options", OptionList)
        keep = options.highlighted
        on = self._memberships()
        lists = self.library.lists()
        if not lists:
            options.set_options([Option(Text("No reading lists yet", style="dim"), disabled=True)])
            return
        prompts = []
        for name, count in lists:
            mark = "[x]" if name.casefold() in on else "[ ]"
            prompt = Text(f"{mark} ", style="bold green" if name.casefold() in on else "")
            prompt.append(name, style="bold")
            prompt.append(f"  {papers(count)}", style="dim")
            prompts.append(Option(prompt, id=f"list:{name}"))
        options.set_options(prompts)
        if highlight is not None:
            names = [name.casefold() for name, _ in lists]
            if highlight.casefold() in names:
                options.highlighted = names.index(highlight.casefold())
        else:
            options.highlighted = min(keep or 0, len(lists) - 1)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        name = (event.option.id or "").removeprefix("list:")
        if not name:
            return
        if name.casefold() in self._memberships():
            self.library.remove_from_list(name, self.paper.id)
            self.notify(f"Taken off {name}", timeout=2)
        else:
            self.library.add_to_list(name, self.paper)
            self.notify(f"Added to {name}", timeout=2)
        self.changed = True
        self._fill(name)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        name = " ".join(event.value.split())
        if not name:
            return
        existed = name.casefold() in {n.casefold() for n, _ in self.library.lists()}
        try:
            self.library.add_to_list(name, self.paper)
        except ValueError as exc:
            self.notify(str(exc), severity="error")
            return
        self.changed = True
        self.notify(f"Added to {name}" if existed else f"Created list {name}, added", timeout=2)
        event.input.value = ""
        self._fill(name)
        self.query_one("#lists-options", OptionList).focus()

    def action_close(self) -> None:
        self.dismiss(self.changed)
