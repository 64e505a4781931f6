"""The help screen: every key of the app and the query syntax."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import (
    Label,
    Static,
)

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
