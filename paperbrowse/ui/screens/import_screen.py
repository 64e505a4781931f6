"""The import dialog: which source (arXiv, DOIs, HF daily, files, captures) and what."""

from __future__ import annotations

from pathlib import Path

from rich.markup import escape
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, RadioButton, RadioSet

from paperbrowse.core.sources.request import KINDS, SourceRequest
from paperbrowse.ui.widgets import ChoiceGrid, OrderedInput

#: Radio button labels of the source kinds.
KIND_LABELS = {
    "arxiv": "arXiv",
    "hf": "HF daily",
    "bibtex": "BibTeX",
    "jsonl": "JSON Lines",
    "captures": "Captures",
    "doi": "DOI",
    "file": "File",
}
PLACEHOLDERS = {
    "arxiv": "2006.07733 2106.09685   or   cat:cs.LG AND ti:latent",
    "hf": "2026-03-23 (empty: today)",
    "bibtex": "refs.bib (paths separated by spaces)",
    "jsonl": "arxiv-metadata-oai-snapshot.json",
    "captures": "captures/page.txt",
    "doi": "10.1103/PhysRevB.74.024520 https://doi.org/10.1109/CVPR.2016.90",
    "file": "library.csl.json refs.ris reading-list.json (.bib .csl.json .ris .json .csv)",
}


class ImportScreen(ModalScreen[SourceRequest | None]):
    """Ask what to import: a source kind and one line of ids, query, date or paths.

    Keyboard: the focus starts in the text field; ``tab`` goes to the buttons
    and the sources, ``shift+tab`` back; on the sources the arrows choose (a
    grid of four columns) and the text typed stays. ``enter`` imports from the
    field or the sources, ``esc`` cancels. Dismisses with a
    :class:`SourceRequest`, or ``None`` when cancelled. Input that cannot be
    used (a bad date, a missing file) is explained under the field and the
    dialog stays open.
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, cwd: Path, kind: str = "arxiv") -> None:
        super().__init__()
        self.cwd = cwd
        self.kind = kind

    def compose(self) -> ComposeResult:
        with Vertical(id="import-dialog"):
            yield Label("Import papers into your library", id="import-title")
            yield Label(KINDS[self.kind], id="import-help")
            # select_on_focus off: coming back with tab keeps the text, the caret at its end
            yield OrderedInput(
                placeholder=PLACEHOLDERS[self.kind], id="import-text", select_on_focus=False
            )
            yield Label("", id="import-error")
            with ChoiceGrid(id="import-kind", columns=4):
                for kind in KINDS:
                    yield RadioButton(
                        KIND_LABELS[kind], value=kind == self.kind, name=kind, id=f"kind-{kind}"
                    )
            with Horizontal(id="import-buttons"):
                yield Label(
                    Text("tab: sources · arrows choose · enter imports · esc cancels", style="dim"),
                    classes="dialog-keys",
                )
                yield Button("Import", variant="primary", id="import-ok")
                yield Button("Cancel", id="import-cancel")

    def on_mount(self) -> None:
        self.query_one("#import-text", Input).focus()

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        event.stop()
        self.kind = event.pressed.name or "arxiv"
        self.query_one("#import-help", Label).update(KINDS[self.kind])
        self.query_one("#import-text", Input).placeholder = PLACEHOLDERS[self.kind]
        self.query_one("#import-error", Label).update("")

    def on_choice_grid_submitted(self, event: ChoiceGrid.Submitted) -> None:
        event.stop()
        self._submit()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "import-ok":
            self._submit()
        else:
            self.dismiss(None)

    def _submit(self) -> None:
        text = self.query_one("#import-text", Input).value
        try:
            request = SourceRequest.from_text(self.kind, text, cwd=self.cwd)
        except ValueError as exc:
            self.query_one("#import-error", Label).update(f"[b red]{escape(str(exc))}[/]")
            return
        self.dismiss(request)

    def action_cancel(self) -> None:
        self.dismiss(None)
