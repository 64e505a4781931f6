"""Modal screens: key help, facet filters and reading-list export."""

from __future__ import annotations

from pathlib import Path

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, RadioButton, RadioSet, Static
from textual.widgets.option_list import Option

from paperbrowse.core.export import FORMAT_LABELS, FORMATS
from paperbrowse.core.models import Facets, Filters, papers
from paperbrowse.ui.render import SPARKS

QUERY_HELP = [
    ("latent diffusion", "both words, anywhere (title, abstract, authors, organisation)"),
    ("WF-VAE  wfvae  wf vae", "hyphenated and CamelCase names, joined or split"),
    ("how to make diffusion faster", "no paper has every word: the best with most of them"),
    ("difusion modle", "misspelled: corrected from the index's words (ctrl+y accepts)"),
    ('"latent diffusion"', "the exact phrase"),
    ("latent OR flow", "either word"),
    ("latent NOT audio", "without a word"),
    ('title:"latent diffusion"', "only in a field: title, abstract, authors, organisation"),
    ("year:[2020 TO 2023]", "a year range (dated papers only); year:2025, upvotes:>5"),
    ("diff*", "a wildcard"),
    ("difusion~", "a fuzzy term: one edit away (difusion~2: two)"),
    ("(latent OR hidden) AND space", "grouping"),
]


class HelpScreen(ModalScreen[None]):
    """Every key binding of the app, and the query syntax."""

    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss", "Close", show=True),
    ]

    def __init__(self, keys: list[tuple[str, str]]) -> None:
        super().__init__()
        self.keys = keys

    def compose(self) -> ComposeResult:
        keys = Table(title="Keys", title_justify="left", show_header=False, box=None, expand=True)
        keys.add_column(style="bold cyan", no_wrap=True)
        keys.add_column()
        for key, description in self.keys:
            keys.add_row(key, description)
        syntax = Table(
            title="Query syntax", title_justify="left", show_header=False, box=None, expand=True
        )
        syntax.add_column(style="bold green", no_wrap=True)
        syntax.add_column()
        for example, meaning in QUERY_HELP:
            syntax.add_row(example, meaning)
        with Vertical(id="help-dialog"):
            with VerticalScroll():
                yield Static(keys, id="help-keys")
                yield Static(syntax, id="help-syntax")
            yield Label(Text("esc, q or ? closes this help", style="dim"))

    def action_dismiss(self) -> None:
        self.dismiss(None)


class ExportScreen(ModalScreen[tuple[Path, str] | None]):
    """Ask where and in which format to export the reading list.

    Dismisses with ``(path, format)``, or ``None`` when cancelled.
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, count: int, default_dir: Path, fmt: str = "md") -> None:
        super().__init__()
        self.count = count
        self.default_dir = default_dir
        self.fmt = fmt

    def compose(self) -> ComposeResult:
        with Vertical(id="export-dialog"):
            yield Label(f"Export the reading list ({papers(self.count)})", id="export-title")
            with RadioSet(id="export-format"):
                for name in FORMATS:
                    yield RadioButton(FORMAT_LABELS[name], value=name == self.fmt, name=name)
            yield Label("File:")
            yield Input(
                str(self.default_dir / f"reading-list{FORMATS[self.fmt]}"), id="export-path"
            )
            with Horizontal(id="export-buttons"):
                yield Button("Export", variant="primary", id="export-ok")
                yield Button("Cancel", id="export-cancel")

    def on_mount(self) -> None:
        self.query_one("#export-path", Input).focus()

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        new = event.pressed.name or "md"
        path_input = self.query_one("#export-path", Input)
        value = path_input.value
        # swap a known extension (longest first: ".csl.json" before ".json")
        for ext in sorted(FORMATS.values(), key=len, reverse=True):
            if value.lower().endswith(ext):
                path_input.value = value[: -len(ext)] + FORMATS[new]
                break
        else:
            if not Path(value).suffix:
                path_input.value = value + FORMATS[new]
        self.fmt = new

    def on_input_submitted(self, event: Input.Submitted) -> None:
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
        self.dismiss((Path(value).expanduser(), self.fmt))

    def action_cancel(self) -> None:
        self.dismiss(None)


class FilterScreen(ModalScreen[Filters | None]):
    """Choose a facet value to narrow the results: a year, an organisation,
    bookmarked papers only, or no filter.

    Each year and organisation is listed with its hit count for the current
    query (and a bar for years). Dismisses with the new :class:`Filters`, or
    ``None`` when cancelled.
    """

    BINDINGS = [Binding("escape,f", "cancel", "Cancel")]

    def __init__(self, facets: Facets, filters: Filters, bookmarked: frozenset[str]) -> None:
        super().__init__()
        self.facets = facets
        self.filters = filters
        self.bookmarked = bookmarked

    def compose(self) -> ComposeResult:
        options: list[Option | None] = []
        active = self.filters
        options.append(Option(Text("All papers (no filter)", style="bold"), id="clear"))
        options.append(None)
        top = max((n for _, n in self.facets.years), default=1)
        for year, n in self.facets.years:
            bar = SPARKS[-1] * max(1, round(n / top * 20))
            mark = "● " if active.years == (year, year) else "  "
            options.append(Option(Text(f"{mark}{year}  {n:>4}  {bar}"), id=f"year:{year}"))
        if self.facets.organisations:
            options.append(None)
        for org, n in self.facets.organisations[:30]:
            mark = "● " if active.organisation == org else "  "
            options.append(Option(Text(f"{mark}{org}  ({n})"), id=f"org:{org}"))
        options.append(None)
        mark = "● " if active.ids is not None else "  "
        label = f"{mark}Bookmarked only ({papers(len(self.bookmarked))})"
        options.append(Option(Text(label), id="bookmarked"))
        with Vertical(id="filter-dialog"):
            yield Label("Narrow the results (enter chooses, again to undo; esc closes)")
            yield OptionList(*options, id="filter-options")

    def on_mount(self) -> None:
        self.query_one("#filter-options", OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.toggled(event.option.id or "clear"))

    def toggled(self, choice: str) -> Filters:
        """The filters after choosing ``choice`` (``year:2025``, ``org:NAME``,
        ``bookmarked`` or ``clear``); choosing an active value turns it off."""
        f = self.filters
        if choice == "clear":
            return Filters()
        kind, _, value = choice.partition(":")
        if kind == "year":
            year = int(value)
            years = None if f.years == (year, year) else (year, year)
            return Filters(years=years, organisation=f.organisation, ids=f.ids)
        if kind == "org":
            org = None if f.organisation == value else value
            return Filters(years=f.years, organisation=org, ids=f.ids)
        ids = None if f.ids is not None else self.bookmarked
        return Filters(years=f.years, organisation=f.organisation, ids=ids)

    def action_cancel(self) -> None:
        self.dismiss(None)
