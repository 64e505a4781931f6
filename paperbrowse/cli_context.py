"""What every command shares: the data locations, the corpus, the library, the index.

Kept apart from :mod:`paperbrowse.cli` so the command modules
(:mod:`paperbrowse.cli_library`) and the main group import it without cycles.
"""

from __future__ import annotations

from pathlib import Path

import click

from paperbrowse.config import apply_sources, load_config
from paperbrowse.core.index import WRITER_BUSY
from paperbrowse.core.library import DiskFull, Library, LibraryError, is_disk_full
from paperbrowse.core.locations import Locations
from paperbrowse.core.service import Corpus, OpenedIndex, open_index


class Context:
    """What every command needs: the data locations, the corpus and the user's
    configuration (:mod:`paperbrowse.config`; ``config_file``: ``--config``)."""

    def __init__(
        self, data_dir: Path | None, corpus_dir: Path | None, config_file: Path | None = None
    ) -> None:
        self.config = load_config(config_file)
        # [sources] feed the PAPERBROWSE_*_URL variables; one set in the environment wins
        apply_sources(self.config)
        self.locations = Locations.resolve(data_dir)
        self.corpus = Corpus(corpus_dir) if corpus_dir else Corpus.bundled()
        self._library: Library | None = None

    def open_index(
        self, rebuild: bool = False, quiet: bool = False, damaged: str | None = None
    ) -> OpenedIndex:
        """Open the index, building it with a Rich progress bar when needed
        (``damaged``: see :func:`~paperbrowse.core.service.open_index`)."""
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

        err = Console(stderr=True)
        try:
            library = self.library()
            # one open_index call: the bar appears with the first progress report,
            # that is only when a build happens
            with Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=err,
                transient=True,
                disable=quiet or not err.is_terminal,
            ) as progress:
                tasks: list = []

                def report(done: int, total: int) -> None:
                    if not tasks:
                        tasks.append(progress.add_task("Building the search index", total=total))
                    progress.update(tasks[0], completed=done, total=total)

                def waiting() -> None:
                    err.print(WRITER_BUSY, highlight=False, soft_wrap=True)

                opened = open_index(
                    self.locations,
                    self.corpus,
                    library=library,
                    rebuild=rebuild,
                    progress=report,
                    on_wait=waiting,
                    damaged=damaged,
                )
        except OSError as exc:
            if is_disk_full(exc):
                full = DiskFull.from_error(
                    exc, self.locations.data_dir, "the index was not changed"
                )
                raise click.ClickException(str(full)) from exc
            raise click.ClickException(str(exc)) from exc
        except RuntimeError as exc:
            raise click.ClickException(str(exc)) from exc
        if opened.recovered:
            err.print(
                f"[yellow]warning:[/] {opened.recovered}; rebuilt it from the captures and "
                "your imported papers (bookmarks are kept in the library, untouched)",
                highlight=False,
            )
        for problem in opened.capture_errors:
            err.print(f"[yellow]warning:[/] skipped a capture: {problem}", highlight=False)
        if not quiet and opened.built:
            stamp = opened.index.stamp
            err.print(
                f"Indexed {stamp.docs} papers ({opened.entries} entries) "
                f"in {stamp.seconds:.2f} s into {self.locations.index_root}",
                highlight=False,
            )
        return opened

    def library(self) -> Library:
        if self._library is None:
            try:
                self._library = Library(self.locations.ensure().library_path, auto_backup=True)
            except (LibraryError, OSError) as exc:
                raise click.ClickException(str(exc)) from exc
        return self._library

    def warn_config(self) -> None:
        """Print the configuration file's problems on stderr, as warnings."""
        for problem in self.config.problems:
            click.echo(f"warning: {problem}", err=True)


pass_context = click.make_pass_decorator(Context)
