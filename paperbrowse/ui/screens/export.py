"""The export dialog: what (reading list or results), where and in which format."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import (
    Button,
    Input,
    Label,
    RadioButton,
    RadioSet,
)

from paperbrowse.core.models import papers
from paperbrowse.ui.widgets import ChoiceGrid, OrderedInput

#: Most current results an export writes (the first ones, in the order shown).
RESULTS_EXPORT_CAP = 1000


class ExportChoice(NamedTuple):
    """What the export dialog was asked to write.

    Attributes:
        path: the file (``~`` expanded).
        fmt: a key of :data:`paperbrowse.core.export.FORMATS` (``md``, ``bib``…).
        scope: ``"bookmarks"`` (the reading list, or its narrowed set) or
            ``"results"`` (the current results, at most :data:`RESULTS_EXPORT_CAP`).
    """

    path: Path
    fmt: str
    scope: str


class ExportScreen(ModalScreen[ExportChoice | None]):
    """Ask what, where and in which format to export.

    Keyboard: the focus starts on the formats; the arrows choose a format
    (a grid of three columns), ``tab`` goes to the file name and the buttons,
    ``shift+tab`` back to the choice of what to export (when the current
    results can be exported too); ``enter`` exports from anywhere, ``esc``
    cancels. Dismisses with an :class:`ExportChoice`, or ``None``.

    Args:
        count: the bookmarks to export (0: only the results can be).
        default_dir: where the file goes by default.
        fmt: the format chosen at first.
        what: names a narrowed set of bookmarks (``3 papers on list Thesis``).
        stem: the default file name (without extension) for the bookmarks.
        results: how many current results there are (``None``: no results to
            offer, as in the bookmarks view); at most :data:`RESULTS_EXPORT_CAP`
            of them are exported, and the dialog says so.
        scope: the choice made at first, ``"bookmarks"`` or ``"results"``.
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        count: int,
        default_dir: Path,
        fmt: str = "md",
        *,
        what: str | None = None,
        stem: str = "reading-list",
        results: int | None = None,
        scope: str = "bookmarks",
    ) -> None:
        super().__init__()
        self.count = count
        self.default_dir = default_dir
        self.fmt = fmt
        self.what = what
        self.stem = stem
        self.results = results
        self.scope = "results" if results and (scope == "results" or not count) else "bookmarks"

    def _stem(self, scope: str) -> str:
        return "search-results" if scope == "results" else self.stem

    def _results_label(self) -> str:
        n = self.results or 0
        if n > RESULTS_EXPORT_CAP:
            return f"Results: first {RESULTS_EXPORT_CAP:,} of {n:,}"
        return f"Results: {papers(n)}"

    def compose(self) -> ComposeResult:
        bookmarks = f"Bookmarks: {self.what or papers(self.count)}"
        # the exporter loads the BibTeX and LaTeX libraries: imported when this
        # dialog opens, not when the app (or another screen) starts
        from paperbrowse.core.export import FORMAT_LABELS, FORMATS

        with Vertical(id="export-dialog"):
            reading = self.what or f"the reading list ({papers(self.count)})"
            title = f"Export {reading}" + (" or the current results" if self.results else "")
            yield Label(title, id="export-title")
            if self.results:
                with ChoiceGrid(id="export-scope", columns=2):
                    yield RadioButton(
                        bookmarks,
                        value=self.scope == "bookmarks",
                        name="bookmarks",
                        disabled=not self.count,
                    )
                    yield RadioButton(
                        self._results_label(), value=self.scope == "results", name="results"
                    )
            else:
                yield Label(bookmarks, id="export-what")
            with ChoiceGrid(id="export-format", columns=3):
                for name in FORMATS:
                    yield RadioButton(FORMAT_LABELS[name], value=name == self.fmt, name=name)
            yield Label("File:")
            yield OrderedInput(
                str(self.default_dir / f"{self._stem(self.scope)}{FORMATS[self.fmt]}"),
                id="export-path",
            )
            with Horizontal(id="export-buttons"):
                yield Label(
                    Text("arrows choose · tab: next · enter exports · esc cancels", style="dim"),
                    classes="dialog-keys",
                )
                yield Button("Export", variant="primary", id="export-ok")
                yield Button("Cancel", id="export-cancel")

    def on_mount(self) -> None:
        self.query_one("#export-format").focus()

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        from paperbrowse.core.export import FORMATS

        event.stop()
        path_input = self.query_one("#export-path", Input)
        value = path_input.value
        if event.radio_set.id == "export-scope":
            new_scope = event.pressed.name or "bookmarks"
            path = Path(value)
            ext = next((e for e in FORMATS.values() if path.name.endswith(e)), "")
            if path.name[: len(path.name) - len(ext)] == self._stem(self.scope):
                path_input.value = str(path.with_name(self._stem(new_scope) + ext))
            self.scope = new_scope
            return
        new = event.pressed.name or "md"
        # swap a known extension (longest first: ".csl.json" before ".json")
        for ext in sorted(FORMATS.values(), key=len, reverse=True):
            if value.lower().endswith(ext):
                path_input.value = value[: -len(ext)] + FORMATS[new]
                break
        else:
            if not Path(value).suffix:
                path_input.value = value + FORMATS[new]
        self.fmt = new

    def on_choice_grid_submitted(self, event: ChoiceGrid.Submitted) -> None:
        event.stop()
        self._finish()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._finish()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "export-ok":
            self._finish()
        else:
            self.dismiss(None)

    def _finish(self) -> None:
        value = self.query_one("#export-path", Input).value.strip()
        if not value:
            self.notify("Give a file name to export to.", severity="warning")
            return
        self.dismiss(ExportChoice(Path(value).expanduser(), self.fmt, self.scope))

    def action_cancel(self) -> None:
        self.dismiss(None)
