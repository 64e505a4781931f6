"""``paperbrowse add …``: import papers from arXiv, Crossref, Hugging Face and files.

Exit status 1 when some records were bad (the good ones are imported, the
bad ones listed on standard error), 2 when a source cannot be reached.
"""

from __future__ import annotations

import signal
import sys
import threading
from datetime import date
from pathlib import Path

import click

from paperbrowse.cli_context import Context, pass_context
from paperbrowse.core.library import DiskFull, ReadOnlyLibrary
from paperbrowse.core.sources.common import SourceUnavailable, normalise_arxiv_id
from paperbrowse.core.sources.request import SourceRequest

#: Bad records listed on standard error before "... and N more".
ERRORS_SHOWN = 20


@click.group()
def add() -> None:
    """Import papers into your library and the search index.

    Each paper is matched against the papers already known by arXiv id, DOI,
    then title; a match keeps its id and gains the new metadata. Importing
    the same input twice changes nothing. A summary says how many papers were
    added, updated and skipped, and which records could not be read.

    \b
    Examples:
      paperbrowse add arxiv 2006.07733 2106.09685
      paperbrowse add arxiv --query 'cat:cs.LG AND ti:latent' --max 200
      paperbrowse add doi 10.1103/PhysRevB.74.024520 https://doi.org/10.1109/CVPR.2016.90
      paperbrowse add hf --date 2026-03-23
      paperbrowse add bibtex refs.bib
      paperbrowse add jsonl arxiv-metadata-oai-snapshot.json
      paperbrowse add captures ~/captures/*.txt
    """


def _run_import(obj: Context, request: SourceRequest, batch_size: int | None = None) -> None:
    """Run one import with a Rich progress bar on standard error, then print the summary.

    Args:
        obj: the command context.
        request: what to import.
        batch_size: papers per transaction and index commit (default
            :data:`~paperbrowse.core.ingest.BATCH_SIZE`).
    """
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from paperbrowse.core.ingest import BATCH_SIZE, ImportInterrupted, import_records

    err = Console(stderr=True)
    library = obj.library()
    if library.read_only is not None:
        raise click.ClickException(str(library.read_only_error()))
    obj.open_index()  # a first run builds the index here, with its own progress bar
    try:
        total, unit = request.size()
    except SourceUnavailable as exc:
        raise click.ClickException(str(exc)) from exc
    columns = [SpinnerColumn(), TextColumn("[progress.description]{task.description}"), BarColumn()]
    columns.append(DownloadColumn() if unit == "bytes" else MofNCompleteColumn())
    columns += [TextColumn("{task.fields[counts]}"), TimeElapsedColumn(), TimeRemainingColumn()]
    # The input is read a batch at a time, then the batch is stored and indexed
    # (most of the time): a 30 s speed window sees either a burst of reading or a
    # pause, so the time left is estimated over 10 minutes instead.
    with Progress(
        *columns,
        console=err,
        transient=True,
        disable=not err.is_terminal,
        speed_estimate_period=600,
    ) as progress:
        task = progress.add_task(f"Importing {request.label}", total=total, counts="")

        def advance(position: int) -> None:
            progress.update(task, completed=position)

        restart = request.skip > 0

        def report(summary) -> None:
            nonlocal restart
            if restart:
                # the skipped records were passed over at reading speed: time
                # what is left by the import's own pace (the first report
                # comes once records after the skipped ones are read)
                restart = False
                done = next(t.completed for t in progress.tasks if t.id == task)
                progress.reset(task, completed=done)
            progress.update(task, counts=str(summary))
            if unit == "records":
                progress.update(task, completed=summary.read)

        def waiting() -> None:
            err.print("Another import is running in this data directory; waiting for it…")

        def retrying(notice) -> None:
            # "arXiv is busy (HTTP 503); retrying in 4 s (retry 2 of 3)…", above the bar
            err.print(f"{notice}…", markup=False, highlight=False)

        interrupted = threading.Event()

        def on_sigint(signum, frame) -> None:
            interrupted.set()  # seen even if the KeyboardInterrupt gets lost
            signal.default_int_handler(signum, frame)

        previous_handler = signal.signal(signal.SIGINT, on_sigint)
        try:
            summary = import_records(
                request.records(advance, on_retry=retrying),
                locations=obj.locations,
                corpus=obj.corpus,
                library=library,
                batch_size=batch_size or BATCH_SIZE,
                progress=report,
                on_wait=waiting,
                interrupted=interrupted.is_set,
            )
        except SourceUnavailable as exc:
            progress.stop()
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
        except ImportInterrupted as stop:
            progress.stop()
            done = stop.summary
            click.echo(
                f"Interrupted. Stored before the interruption: {done.committed} records "
                f"({done}); the batch being read was dropped whole.",
                err=True,
            )
            if request.kind == "jsonl":
                click.echo(f"Resume with --skip {request.skip + done.committed}.", err=True)
            sys.exit(130)
        except DiskFull as exc:
            progress.stop()
            click.echo(f"error: {exc}", err=True)
            done = getattr(exc, "summary", None)
            if request.kind == "jsonl" and done is not None and done.committed:
                click.echo(f"Resume with --skip {request.skip + done.committed}.", err=True)
            sys.exit(1)
        except ReadOnlyLibrary as exc:
            progress.stop()
            raise click.ClickException(str(exc)) from exc
        except OSError as exc:
            progress.stop()
            raise click.ClickException(f"cannot write {obj.locations.data_dir}: {exc}") from exc
        finally:
            signal.signal(signal.SIGINT, previous_handler)
    for error in summary.errors[:ERRORS_SHOWN]:
        click.echo(f"error: {error}", err=True)
    if len(summary.errors) > ERRORS_SHOWN:
        click.echo(f"… and {len(summary.errors) - ERRORS_SHOWN} more bad records", err=True)
    click.echo(
        f"{request.label}: added {summary.added}, updated {summary.updated}, "
        f"skipped {summary.skipped}, errors {len(summary.errors)}"
    )
    if summary.errors:
        sys.exit(1)


@add.command("arxiv")
@click.argument("ids", nargs=-1)
@click.option("--query", "-q", "search_query", help="An arXiv API search_query instead of ids.")
@click.option(
    "--max",
    "max_results",
    default=100,
    show_default=True,
    type=click.IntRange(1, 30_000),
    help="At most this many papers for --query.",
)
@pass_context
def add_arxiv(
    obj: Context, ids: tuple[str, ...], search_query: str | None, max_results: int
) -> None:
    """Import papers from the arXiv API, by id or by search query.

    IDS are arXiv ids in any usual form (2006.07733, 2006.07733v2,
    arXiv:2006.07733, https://arxiv.org/abs/2006.07733, cond-mat/0603029).
    The API is asked politely: one request every 3 seconds, with retries and
    back-off when it is busy.
    """
    if bool(ids) == bool(search_query):
        raise click.UsageError("give arXiv ids or --query, not both and not neither")
    bad = [i for i in ids if normalise_arxiv_id(i) is None]
    if bad:
        raise click.BadParameter(f"not an arXiv id: {bad[0]!r}", param_hint="IDS")
    request = SourceRequest("arxiv", ids=ids, query=search_query, max_results=max_results)
    _run_import(obj, request)


@add.command("doi")
@click.argument("dois", nargs=-1, required=True)
@pass_context
def add_doi(obj: Context, dois: tuple[str, ...]) -> None:
    """Import papers by DOI from Crossref (type, authors, venue, pages, date, abstract).

    DOIS in any usual form (10.1103/PhysRevB.74.024520, doi:10.1103/…,
    https://doi.org/10.1103/…, any case). One request per DOI, a second
    apart, with retries and back-off when Crossref is busy. Set
    PAPERBROWSE_MAILTO=you@example.org to send Crossref a contact address,
    as its etiquette asks. A DOI Crossref does not know is reported and the
    others are imported (exit status 1).
    """
    from paperbrowse.core.sources.crossref import parse_doi

    bad = [d for d in dois if parse_doi(d) is None]
    if bad:
        raise click.BadParameter(f"not a DOI: {bad[0]!r}", param_hint="DOIS")
    _run_import(obj, SourceRequest("doi", ids=dois))


def _day(ctx, param, value: str | None) -> date:
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2026-03-23") from None


@add.command("hf")
@click.option(
    "--date",
    "day",
    callback=_day,
    metavar="YYYY-MM-DD",
    help="The day whose daily papers to import (default: today).",
)
@pass_context
def add_hf(obj: Context, day: date) -> None:
    """Import a day of Hugging Face daily papers (upvotes, organisation, arXiv id)."""
    _run_import(obj, SourceRequest("hf", day=day))


_existing_file = click.Path(exists=True, dir_okay=False, path_type=Path)


@add.command("bibtex")
@click.argument("files", nargs=-1, required=True, type=_existing_file)
@pass_context
def add_bibtex(obj: Context, files: tuple[Path, ...]) -> None:
    """Import BibTeX files (title, authors, year, abstract, DOI, arXiv eprint, URL).

    LaTeX in the fields is turned into Unicode. A broken entry is reported with
    its line and key; the other entries are imported.
    """
    _run_import(obj, SourceRequest("bibtex", paths=files))


@add.command("jsonl")
@click.argument("file", type=_existing_file)
@click.option(
    "--skip",
    default=0,
    type=click.IntRange(min=0),
    help="Records to pass over: resume an interrupted import where it stopped.",
)
@click.option(
    "--batch",
    "batch_size",
    default=None,
    type=click.IntRange(min=1),
    help="Papers per transaction and index commit (default 10000).",
)
@pass_context
def add_jsonl(obj: Context, file: Path, skip: int, batch_size: int | None) -> None:
    """Import an arXiv metadata snapshot (JSON Lines), streamed in constant memory.

    One JSON object per line with id, title, abstract, authors, categories,
    update_date and versions, as in the arXiv dataset on Kaggle. Batches are
    stored as they complete: an interrupted import keeps them, and --skip
    resumes after them.
    """
    _run_import(obj, SourceRequest("jsonl", paths=(file,), skip=skip), batch_size)


@add.command("captures")
@click.argument("paths", nargs=-1, required=True, type=_existing_file)
@pass_context
def add_captures(obj: Context, paths: tuple[Path, ...]) -> None:
    """Import Hugging Face page captures (the bundled corpus's text format) from any path."""
    _run_import(obj, SourceRequest("captures", paths=paths))


@add.command("file")
@click.argument("paths", nargs=-1, required=True, type=_existing_file)
@pass_context
def add_file(obj: Context, paths: tuple[Path, ...]) -> None:
    """Import reference files, the format told by the name: .bib (BibTeX), .csl.json
    (CSL-JSON, as Zotero and pandoc write it), .ris, and paperbrowse's own .json and
    .csv exports (a .json holding a JSON array is read as CSL-JSON).

    Re-importing an export gives back the same records; a broken record is reported
    with its file and line or item, and the others are imported.
    """
    _run_import(obj, SourceRequest("file", paths=paths))
