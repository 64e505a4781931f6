"""The facet filter dialog: year, organisation, bookmarks, with hit counts."""

from __future__ import annotations

from dataclasses import replace

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import (
    Label,
    OptionList,
)
from textual.widgets.option_list import Option

from paperbrowse.core.models import Facets, Filters, papers
from paperbrowse.present import SPARKS


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
