"""The paperbrowse Textual app: the lifecycle around the main screen.

Built from injected objects (:class:`PaperBrowseApp` takes the locations, the
corpus, and optionally an opened index and a library), so tests run it over a
data folder in ``tmp_path``. The app keeps the lifecycle: it opens (or builds)
the index in a thread worker, holds the library, the configuration, the query
history and the one :class:`~paperbrowse.ui.gateway.EngineGateway` through which
the engine is reached, runs imports, applies the theme and shows
notifications. What the user searches, reads and organises lives on the
:class:`~paperbrowse.ui.screens.main.MainScreen` (:attr:`PaperBrowseApp.main`).

Start-up cost: only what the first screen needs is imported here. The modal
screens (:mod:`paperbrowse.ui.screens`, :mod:`paperbrowse.ui.importing`), the
exporter (BibTeX and LaTeX libraries), the importers and :mod:`webbrowser`
are imported where they are first used.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from rich.markup import escape
from textual import work
from textual.app import App, SystemCommand
from textual.notifications import Notify, SeverityLevel
from textual.screen import ModalScreen, Screen
from textual.widgets import Label, ProgressBar
from textual.worker import get_current_worker

from paperbrowse.config import Config, remember_theme, remembered_theme
from paperbrowse.core.history import QueryHistory
from paperbrowse.core.index import WRITER_BUSY, PaperIndex
from paperbrowse.core.library import Library
from paperbrowse.core.locations import Locations
from paperbrowse.core.models import papers
from paperbrowse.core.service import Corpus, open_index
from paperbrowse.ui import keys
from paperbrowse.ui.gateway import EngineGateway
from paperbrowse.ui.messages import IndexFailed, IndexProgress, IndexReady
from paperbrowse.ui.paging import PAGE_SIZE
from paperbrowse.ui.screens.main import MainScreen

if TYPE_CHECKING:
    from paperbrowse.core.sources.request import SourceRequest
    from paperbrowse.ui.importing import ImportFinished, ImportProgress

__all__ = ["PAGE_SIZE", "PaperBrowseApp", "run_app"]  # PAGE_SIZE: benchmarks import it here

#: Most toasts on screen at once: a new one takes the place of the oldest.
MAX_TOASTS = 3
#: Longest time, in seconds, a routine (``information``) toast stays on screen;
#: warnings and errors keep the time they ask for.
INFO_TOAST_SECONDS = 4.0
#: A terminal this short or shorter has no room for toasts beside a dialog.
SMALL_TERMINAL_ROWS = 30


class PaperBrowseApp(App[None]):
    """Search, read and bookmark papers.

    Args:
        locations: where the index and library live.
        corpus: the captures the index reflects (built on first run).
        library: the bookmarks store; opened from ``locations`` if omitted.
        index: an already opened index; opened (or built) in a worker if omitted.
        config: the user's configuration (:mod:`paperbrowse.config`): first sort
            order, theme, keymap; the defaults if omitted.

    Attributes:
        engine: the one door into the engine (:attr:`index` is its index).
        main: the main screen (search bar, results, detail), the first screen.
    """

    TITLE = "paperbrowse"
    CSS_PATH = "app.tcss"

    def __init__(
        self,
        locations: Locations,
        corpus: Corpus,
        *,
        library: Library | None = None,
        index: PaperIndex | None = None,
        config: Config | None = None,
    ) -> None:
        super().__init__()
        # checked here (not on mount) so that the main screen starts with its sort order
        self.config = (config or Config()).checked(self.available_themes, keys.binding_ids())
        #: The theme last applied or remembered (see :meth:`_remember_theme`).
        self._theme_kept: str | None = None
        self.locations = locations
        self.corpus = corpus
        # not ``library or ...``: a Library without bookmarks has len() 0, so is falsy
        self.library = (
            library
            if library is not None
            else Library(locations.ensure().library_path, auto_backup=True)
        )
        self.engine = EngineGateway(index)
        self.history = QueryHistory(locations.history_path)
        self.main = MainScreen(sort=self.config.sort)

    @property
    def index(self) -> PaperIndex | None:
        """The open index, or ``None`` while it is being opened or built."""
        return self.engine.index

    @index.setter
    def index(self, index: PaperIndex | None) -> None:
        self.engine.index = index

    @property
    def results(self):
        """The main screen's results (:attr:`MainScreen.results`), read-only: for
        scripts and benchmarks that wait for the first listing."""
        return self.main.results

    def get_default_screen(self) -> Screen:
        """The :class:`MainScreen` (made in ``__init__``, so tests can reach it early)."""
        return self.main

    def on_mount(self) -> None:
        self._apply_config()
        if self.index is None:
            self.load_index()

    # ------------------------------------------------------------------ config
    def _apply_config(self) -> None:
        """Apply the user's configuration: the first sort order, the keymap (by binding
        id, through :meth:`App.set_keymap`) and the theme: the one last chosen in the
        app (``<data dir>/state.json``) while the config's ``theme`` is unchanged, else
        the config's. The file's problems show as one warning notification."""
        config = self.config
        if config.keys:
            self.set_keymap(dict(config.keys))
        chosen = remembered_theme(self.locations.data_dir, config.theme)
        theme = chosen if chosen in self.available_themes else config.theme
        if theme:
            self.theme = theme
        self._theme_kept = self.theme
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        if config.problems:
            self.notify(
                "\n".join(config.problems),
                title="Configuration file",
                severity="warning",
                timeout=20,
                markup=False,
            )

    def _remember_theme(self, theme) -> None:
        """A theme was chosen (the palette's "Theme" command): keep it in the state file
        so that the next start uses it (see :func:`paperbrowse.config.remembered_theme`)."""
        if theme.name == self._theme_kept:
            return
        self._theme_kept = theme.name
        try:
            remember_theme(self.locations.ensure().data_dir, theme.name, self.config.theme)
        except OSError as exc:
            self.notify(f"Cannot remember the theme: {exc}", severity="warning")

    # ------------------------------------------------------------------ toasts
    NOTIFICATION_TIMEOUT = 3

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """As :meth:`App.notify`; a routine (``information``) toast stays at most
        :data:`INFO_TOAST_SECONDS` (3 s by default), so toasts do not cover the
        abstract for long."""
        if severity == "information":
            timeout = min(timeout or self.NOTIFICATION_TIMEOUT, INFO_TOAST_SECONDS)
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    def on_notify(self, event: Notify) -> None:
        """Before a toast is shown (Textual's own handler adds it next), drop the
        oldest so that at most :data:`MAX_TOASTS` are on screen."""
        shown = list(self._notifications)
        for old in shown[: max(0, len(shown) - MAX_TOASTS + 1)]:
            self._unnotify(old, refresh=False)

    # ------------------------------------------------------------------ index
    @work(thread=True, exclusive=True, group="index", exit_on_error=False)
    def load_index(self) -> None:
        """Open the index, building it first if it is missing or stale."""
        worker = get_current_worker()
        try:
            opened = open_index(
                self.locations,
                self.corpus,
                library=self.library,
                progress=lambda done, total: self.post_message(IndexProgress(done, total)),
                is_cancelled=lambda: worker.is_cancelled,
                on_wait=lambda: self.call_from_thread(
                    self.notify, WRITER_BUSY, title="Index busy", timeout=10
                ),
            )
        except Exception as exc:  # shown to the user; the app stays usable for bookmarks
            self.post_message(IndexFailed(str(exc)))
            return
        self.post_message(
            IndexReady(
                opened.index,
                opened.built,
                [str(e) for e in opened.capture_errors],
                recovered=opened.recovered,
            )
        )

    def on_index_progress(self, message: IndexProgress) -> None:
        self.main.query_one("#building-progress", ProgressBar).update(
            total=message.total, progress=message.done
        )

    def on_index_ready(self, message: IndexReady) -> None:
        self.index = message.index
        if message.recovered:
            self.notify(
                f"{message.recovered}. It was rebuilt from the captures and your imported "
                "papers; bookmarks are untouched.",
                title="Index repaired",
                severity="warning",
                timeout=15,
            )
        for warning in message.warnings:
            self.notify(warning, title="Capture skipped", severity="warning", timeout=10)
        if message.built:
            stamp = message.index.stamp
            self.notify(
                f"Indexed {papers(stamp.docs)} in {stamp.seconds:.1f} s", title="Index ready"
            )
        if self.main.is_mounted:  # else the screen lists the papers as it mounts
            self.main.index_opened()

    def on_index_failed(self, message: IndexFailed) -> None:
        self.main.query_one("#building-label", Label).update(
            f"Cannot open the index: {message.error}"
        )
        self.notify(message.error, title="Index error", severity="error", timeout=30)

    # ---------------------------------------------------------------- screens
    def push_screen(self, screen, *args, **kwargs):  # type: ignore[override]
        """Open a screen; a dialog on a small terminal first clears the toasts, which
        would cover its last lines (the keys it takes) at 80×24."""
        if isinstance(screen, ModalScreen) and self.size.height <= SMALL_TERMINAL_ROWS:
            self.clear_notifications()
        return super().push_screen(screen, *args, **kwargs)

    # ----------------------------------------------------------------- import
    def action_import_papers(self) -> None:
        """Ask what to import (arXiv, HF daily, BibTeX, JSON Lines, captures), then import it."""
        if self.index is None:
            self.notify("The index is still being built.", severity="warning")
            return

        from paperbrowse.ui.importing import ImportScreen

        def chosen(request: SourceRequest | None) -> None:
            if request is not None:
                self.main.query_one("#importing-label", Label).update(
                    f"Importing {escape(request.label)}…"
                )
                self.main.query_one("#importing-progress", ProgressBar).update(total=None)
                self.main.query_one("#importing").display = True
                self.run_import(request)

        self.push_screen(ImportScreen(Path.cwd()), chosen)

    @work(thread=True, exclusive=True, group="import", exit_on_error=False)
    def run_import(self, request: SourceRequest) -> None:
        """Import off the UI thread; posts :class:`ImportProgress` and :class:`ImportFinished`.

        Uses the same core call as ``paperbrowse add``; searches keep running
        while it works (Whoosh readers never wait for the writer).
        """
        from paperbrowse.core.ingest import ImportInterrupted, import_records
        from paperbrowse.ui.importing import ImportFinished, ImportProgress

        label = request.label
        try:
            summary = import_records(
                request.records(
                    # "arXiv is busy (HTTP 503); retrying in 4 s (retry 2 of 3)" in the label
                    on_retry=lambda notice: self.call_from_thread(
                        lambda: self.main.query_one("#importing-label", Label).update(
                            f"Importing {escape(label)}: {escape(str(notice))}…"
                        )
                    )
                ),
                locations=self.locations,
                corpus=self.corpus,
                library=self.library,
                progress=lambda s: self.post_message(ImportProgress(label, s)),
                on_wait=lambda: self.post_message(ImportProgress(label, None)),
                on_takeover=lambda message: self.call_from_thread(
                    self.notify, message, title="Import", severity="warning", timeout=15
                ),
            )
        except ImportInterrupted as stop:
            self.post_message(ImportFinished(label, stop.summary, "interrupted"))
            return
        except Exception as exc:  # offline, unreadable file, full disk: the user sees why
            self.post_message(ImportFinished(label, None, str(exc)))
            return
        self.post_message(ImportFinished(label, summary))

    def on_import_progress(self, message: ImportProgress) -> None:
        text = (
            f"Importing {escape(message.label)}: {message.summary}"
            if message.summary is not None
            else "Another import is running in this data directory; waiting for it…"
        )
        self.main.query_one("#importing-label", Label).update(text)

    def on_import_finished(self, message: ImportFinished) -> None:
        self.main.query_one("#importing").display = False
        summary = message.summary
        if summary is None:
            self.notify(
                f"{message.label}: {message.error}",
                title="Import failed",
                severity="error",
                timeout=15,
            )
            return
        lines = [f"{message.label}: {summary}"]
        lines += [f"• {error}" for error in summary.errors[:5]]
        if len(summary.errors) > 5:
            lines.append(f"… and {len(summary.errors) - 5} more (paperbrowse add lists them all)")
        self.notify(
            "\n".join(lines),
            title="Import interrupted" if message.error else "Import finished",
            severity="warning" if summary.errors or message.error else "information",
            timeout=15,
        )
        if self.index is not None:
            self.sub_title = papers(self.index.doc_count())
        self.main.search_again()

    def action_help(self) -> None:
        """Show every key binding and the query syntax."""
        from paperbrowse.ui.screens import HelpScreen

        self.push_screen(HelpScreen(self.key_help()))

    def key_help(self) -> list[tuple[str, str]]:
        """``(keys, description)`` for every key, for the help screen (from the key
        table, :mod:`paperbrowse.ui.keys`, with the user's ``[keys]`` overrides)."""
        return keys.help_rows(self.config.keys)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for title, help_text, action in keys.palette_commands(self.config.keys):
            # the main screen's actions (help and import forward to the app's)
            yield SystemCommand(title, help_text, getattr(self.main, f"action_{action}"))


def run_app(locations: Locations, corpus: Corpus, config: Config | None = None) -> None:
    """Open the library and run the app until the user quits (``config``: see
    :class:`PaperBrowseApp`).

    Raises:
        click.ClickException: the data directory or library cannot be opened.
    """
    import click

    from paperbrowse.core.library import LibraryError

    try:
        library = Library(locations.ensure().library_path, auto_backup=True)
    except (LibraryError, OSError) as exc:
        raise click.ClickException(str(exc)) from exc
    PaperBrowseApp(locations, corpus, library=library, config=config).run()
