"""Modal screens: key help, facet filters, reading-list export, organising the
library (tags, note, reading lists, narrowing the bookmarks) and confirming a
removal."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import replace
from pathlib import Path
from typing import NamedTuple

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import (
    Button,
    Input,
    Label,
    OptionList,
    RadioButton,
    RadioSet,
    Static,
    TextArea,
)
from textual.widgets.option_list import Option, OptionDoesNotExist

from paperbrowse.core.library import STATUSES, Library, normalise_tag
from paperbrowse.core.models import Facets, Filters, Paper, papers
from paperbrowse.ui.organise import (
    STATUS_MARKS,
    STATUS_STYLES,
    Narrowing,
    split_tags,
    tag_label,
)
from paperbrowse.ui.render import SPARKS
from paperbrowse.ui.widgets import ChoiceGrid, OrderedInput

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


class FilterScreen(ModalScreen[Filters | None]):
    """Choose a facet value to narrow the results: a year (or the papers
    without a date), an organisation, bookmarked papers only, or no filter.

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
        if self.facets.undated or active.undated:
            mark = "● " if active.undated else "  "
            n = self.facets.undated
            # the count under the years' counts ("2024     1")
            label = Text(f"{mark}undated{' ' * max(1, 3 - len(str(n)))}{n}")
            label.append("  no publication date", style="dim")
            options.append(Option(label, id="undated"))
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
            yield Label("Narrow the results", classes="dialog-title")
            yield Label(
                Text("↑↓ move · enter chooses (again: undoes) · esc closes", style="dim"),
                classes="dialog-keys-top",
            )
            yield OptionList(*options, id="filter-options")

    def on_mount(self) -> None:
        self.query_one("#filter-options", OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.toggled(event.option.id or "clear"))

    def toggled(self, choice: str) -> Filters:
        """The filters after choosing ``choice`` (``year:2025``, ``undated``,
        ``org:NAME``, ``bookmarked`` or ``clear``); choosing an active value
        turns it off. A year and ``undated`` replace each other (one choice in
        the year facet)."""
        f = self.filters
        if choice == "clear":
            return Filters()
        kind, _, value = choice.partition(":")
        if kind == "year":
            year = int(value)
            years = None if f.years == (year, year) and not f.undated else (year, year)
            return Filters(years=years, organisation=f.organisation, ids=f.ids)
        if kind == "undated":
            undated = not (f.undated and f.years is None)
            return Filters(undated=undated, organisation=f.organisation, ids=f.ids)
        if kind == "org":
            org = None if f.organisation == value else value
            return replace(f, organisation=org)
        ids = None if f.ids is not None else self.bookmarked
        return replace(f, ids=ids)

    def action_cancel(self) -> None:
        self.dismiss(None)


# ------------------------------------------------------------- organising
def _short(title: str, limit: int = 60) -> str:
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"


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
            yield Label(f"Tags for “{_short(self.paper.title)}”", classes="dialog-title")
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
            yield Label(f"Note on “{_short(self.paper.title)}”", classes="dialog-title")
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
            yield Label(f"Reading lists for “{_short(self.paper.title)}”", classes="dialog-title")
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
