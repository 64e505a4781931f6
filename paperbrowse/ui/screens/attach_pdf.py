"""The attach dialog: a local PDF file for the selected paper, copied in or linked."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rich.markup import escape
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, RadioButton

from paperbrowse.core.models import Paper
from paperbrowse.core.pdfs import PdfError, PdfInfo
from paperbrowse.ui.screens.common import short_title
from paperbrowse.ui.widgets import ChoiceGrid

#: Radio button labels of the two ways to attach, by ``link`` value.
ATTACH_WAYS = {False: "copy into the library", True: "link to the file"}

#: ``attach(path, link=...)``: what the dialog calls, off the UI thread, to attach
#: the file (:meth:`PdfStore.attach_file` for the paper).
Attacher = Callable[..., PdfInfo]


class AttachPdfScreen(ModalScreen[PdfInfo | None]):
    """Ask for a local PDF file and attach it to ``paper``.

    The path may start with ``~`` and be relative to ``cwd``. ``enter`` (in the
    field or on the choices) attaches in a thread worker; a file that cannot
    be attached (missing, not a PDF, truncated: :class:`PdfError`, or an
    :class:`OSError`) is explained under the field, one line, and the dialog
    stays open. Dismisses with the :class:`PdfInfo` attached, or ``None`` when
    cancelled with ``esc``.

    Args:
        paper: the paper the PDF is for (its title heads the dialog).
        attach: called as ``attach(path, link=bool)`` in a thread worker.
        cwd: the folder a relative path is read from.
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, paper: Paper, attach: Attacher, cwd: Path) -> None:
        super().__init__()
        self.paper = paper
        self.attach = attach
        self.cwd = cwd
        #: True while the worker attaches (a second enter is ignored).
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical(id="attach-dialog"):
            yield Label(
                f"Attach a PDF to “{escape(short_title(self.paper.title, 45))}”", id="attach-title"
            )
            yield Input(
                placeholder="~/Downloads/paper.pdf", id="attach-path", select_on_focus=False
            )
            yield Label("", id="attach-error")
            with ChoiceGrid(id="attach-way", columns=2):
                for link, label in ATTACH_WAYS.items():
                    yield RadioButton(label, value=not link, name="link" if link else "copy")
            with Horizontal(id="attach-buttons"):
                yield Label(
                    Text("tab: choices · enter attaches · esc cancels", style="dim"),
                    classes="dialog-keys",
                )
                yield Button("Attach", variant="primary", id="attach-ok")
                yield Button("Cancel", id="attach-cancel")

    def on_mount(self) -> None:
        self.query_one("#attach-path", Input).focus()

    @property
    def link(self) -> bool:
        """The "link to the file" choice is made."""
        pressed = self.query_one(ChoiceGrid).pressed_button
        return pressed is not None and pressed.name == "link"

    def path(self) -> Path | None:
        """The file typed, ``~`` expanded, made absolute from :attr:`cwd`; ``None`` if empty."""
        text = self.query_one("#attach-path", Input).value.strip()
        if not text:
            return None
        return self.cwd / Path(text).expanduser()

    def on_choice_grid_submitted(self, event: ChoiceGrid.Submitted) -> None:
        event.stop()
        self._submit()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "attach-ok":
            self._submit()
        else:
            self.action_cancel()

    def show_error(self, message: str) -> None:
        """Show ``message`` (one line) under the field; the dialog stays open."""
        self.busy = False
        self.query_one("#attach-error", Label).update(f"[b red]{escape(message)}[/]")

    def _submit(self) -> None:
        if self.busy:
            return
        path = self.path()
        if path is None:
            self.show_error("Type the path of a PDF file.")
            return
        if not path.is_file():
            self.show_error(f"{path}: no such file")
            return
        self.busy = True
        self.query_one("#attach-error", Label).update(f"Attaching {escape(str(path))}…")
        self._attach_file(path, self.link)

    @work(thread=True, exclusive=True, group="attach", exit_on_error=False)
    def _attach_file(self, path: Path, link: bool) -> None:
        """Check, copy (or link) and extract the file off the UI thread."""
        try:
            info = self.attach(path, link=link)
        except PdfError as exc:
            self.app.call_from_thread(self.show_error, f"{exc}; nothing was attached")
            return
        except OSError as exc:
            where = exc.filename or path
            why = exc.strerror or str(exc)
            self.app.call_from_thread(self.show_error, f"{where}: {why}; nothing was attached")
            return
        except Exception as exc:  # a read-only or full library: one line, no traceback
            self.app.call_from_thread(self.show_error, str(exc).splitlines()[0])
            return
        self.app.call_from_thread(self._done, info)

    def _done(self, info: PdfInfo) -> None:
        self.busy = False
        if self.is_current:
            self.dismiss(info)

    def action_cancel(self) -> None:
        """Close without attaching; ignored while a file is being attached (a
        fraction of a second), so that the main screen learns what was attached."""
        if not self.busy:
            self.dismiss(None)
