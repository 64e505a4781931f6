"""PDF commands: download (``pdf``), attach a local file (``attach``), open, list, detach.

Registered on the main group by :mod:`paperbrowse.cli` (:data:`COMMANDS`).
Works on :mod:`paperbrowse.core.pdfs`; the text of each PDF is extracted
right after it is downloaded or attached (one PDF takes a fraction of a second).

Exit status: 0 on success; 1 when a download failed (arXiv unreachable, no
PDF for the paper; with several papers each failure is listed on standard
error, the others are done) or a recorded PDF is missing; 2 for a usage
error, an unknown or ambiguous id, or a refused file. Every error message
starts with ``error:``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import NoReturn

import click

from paperbrowse.cli_context import Context, pass_context
from paperbrowse.cli_library import resolve_refs
from paperbrowse.core.library import is_disk_full
from paperbrowse.core.models import Paper
from paperbrowse.core.pdfs import ArxivPdfClient, PdfError, PdfInfo, PdfStore
from paperbrowse.core.sources.common import SourceUnavailable


def _plural(count: int, noun: str) -> str:
    """``"1 PDF"``, ``"2 PDFs"``."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _store(obj: Context) -> PdfStore:
    return PdfStore(obj.locations, obj.library())


def _open_file(path: Path) -> str:
    """Open ``path`` in the desktop's viewer (``xdg-open``/``open``); without a
    display or an opener, return the path for the user instead."""
    if sys.platform == "darwin":
        opener = shutil.which("open")
    elif sys.platform.startswith("win"):
        os.startfile(path)  # type: ignore[attr-defined]  # noqa: S606
        return f"opened {path}"
    else:
        graphical = os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
        opener = shutil.which("xdg-open") if graphical else None
    if opener is None:
        return str(path)
    subprocess.Popen([opener, str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return f"opened {path}"


def _report(paper: Paper, info: PdfInfo) -> None:
    click.echo(f"{paper.id}: {info.describe()} ({info.kind}, {info.path})")
    if info.error:
        click.echo(f"warning: {info.error}", err=True)


@click.command()
@click.argument("paper_ids", nargs=-1)
@click.option("--bookmarked", is_flag=True, help="Download the PDFs of every bookmarked paper.")
@click.option("--force", is_flag=True, help="Download again even if a PDF is attached.")
@click.option("--list", "list_", is_flag=True, help="List the attached PDFs.")
@click.option("--open", "open_", is_flag=True, help="Open the PDF (downloading it if needed).")
@click.option(
    "--extract", is_flag=True, help="Extract the text of PDFs changed since (or never) extracted."
)
@pass_context
def pdf(
    obj: Context,
    paper_ids: tuple[str, ...],
    bookmarked: bool,
    force: bool,
    list_: bool,
    open_: bool,
    extract: bool,
) -> None:
    """Download the arXiv PDF of each PAPER_ID into <data>/pdfs/ and extract its text.

    Papers that already have a PDF are skipped (--force downloads again).
    Requests follow arXiv's rate limit (one every 3 s) with retries; a paper
    without an arXiv id can get a PDF with 'paperbrowse attach ID FILE'.

    \b
    Examples:
      paperbrowse pdf 2006.07733
      paperbrowse pdf --bookmarked
      paperbrowse pdf --open grill2020bootstrap
      paperbrowse pdf --list
      paperbrowse pdf --extract
    """
    if list_ + extract + bool(paper_ids or bookmarked) > 1:
        raise click.UsageError("give one of: paper ids or --bookmarked, --list, --extract")
    store = _store(obj)
    if extract:
        _extract(store)
        return
    if list_:
        infos = store.infos()
        if not infos:
            click.echo("No PDFs attached.")
        for info in infos:
            click.echo(f"{info.paper_id}\t{info.describe()}\t{info.kind}\t{info.path}")
            if info.error and not info.missing:
                click.echo(f"  {info.error}")
        return
    papers: list[Paper] = []
    if paper_ids:
        papers, ok = resolve_refs(obj, list(paper_ids))
        if not ok:
            sys.exit(2)
    if bookmarked:
        papers += [bm.paper for bm in obj.library().bookmarks()]
    if not papers:
        raise click.UsageError("give paper ids, or --bookmarked (or --list)")
    papers = list({paper.id: paper for paper in papers}.values())
    if len(papers) == 1:
        _one(store, papers[0], force, open_)
        return
    _many(store, papers, force, open_)


def _extract(store: PdfStore) -> None:
    """Extract the text of every stale PDF with a progress bar; list those without text."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    err = Console(stderr=True)
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as progress:
        task = progress.add_task("Extracting text", total=None)
        done = store.refresh(lambda n, total: progress.update(task, completed=n, total=total))
    gone = [info for _, info in done if info is not None and info.missing]
    done = [(paper_id, info) for paper_id, info in done if info is None or not info.missing]
    without = [(paper_id, info) for paper_id, info in done if info is None or info.error]
    summary = f"{_plural(len(done), 'PDF')} extracted, {len(without)} without text"
    click.echo(summary + (f", {len(gone)} missing" if gone else ""))
    for paper_id, info in without:
        click.echo(f"warning: {paper_id}: {info.error if info else 'detached meanwhile'}", err=True)
    for info in gone:
        click.echo(f"warning: {info.paper_id}: PDF missing: {info.path}", err=True)


def _file_error(exc: OSError) -> NoReturn:
    """Report a file that cannot be read or written (exit 2); a full disk goes
    to the main group's handler (one message, exit 1)."""
    if is_disk_full(exc):
        raise exc
    click.echo(
        f"error: {exc.filename or ''}: {exc.strerror or exc}; nothing was attached", err=True
    )
    sys.exit(2)


def _download(store: PdfStore, client: ArxivPdfClient, paper: Paper) -> PdfInfo:
    data, url = client.download(paper)
    return store.save_download(paper, data, url)


def _one(store: PdfStore, paper: Paper, force: bool, open_: bool) -> None:
    """Download ``paper``'s PDF unless it has one (or ``force``), report it, and
    with ``open_`` open it. A recorded file that is gone is downloaded again
    when arXiv has the paper, except for ``open_``: then, and for a paper
    without an arXiv id, it is reported (exit status 1), as are download failures."""
    info = store.info(paper.id)
    if info is not None and info.missing and not force and (open_ or not paper.arxiv_id):
        click.echo(f"error: PDF missing: {info.path}", err=True)
        sys.exit(1)
    if info is None or info.missing or force:
        try:
            with ArxivPdfClient(on_retry=lambda n: click.echo(str(n), err=True)) as client:
                info = _download(store, client, paper)
        except (PdfError, SourceUnavailable) as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
        except OSError as exc:
            _file_error(exc)
    _report(paper, info)
    if open_:
        click.echo(_open_file(info.path))


def _many(store: PdfStore, papers: list[Paper], force: bool, open_: bool) -> None:
    """Download several PDFs with a Rich progress bar; failures listed at the end."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    err = Console(stderr=True)
    failures: list[str] = []
    done = skipped = untried = 0
    with (
        ArxivPdfClient(on_retry=lambda n: err.print(str(n), highlight=False)) as client,
        Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=True,
            disable=not err.is_terminal,
        ) as progress,
    ):
        task = progress.add_task("Downloading PDFs", total=len(papers))
        for number, paper in enumerate(papers):
            info = store.info(paper.id)
            if info is not None and not info.missing and not force:
                skipped += 1
            else:
                try:
                    info = _download(store, client, paper)
                    done += 1
                    if info.error:
                        failures.append(f"{paper.id}: attached, but {info.error}")
                except PdfError as exc:
                    failures.append(f"{paper.id}: {exc}")
                except SourceUnavailable as exc:  # offline: the others would fail alike
                    failures.append(f"{paper.id}: {exc}")
                    untried = len(papers) - number - 1
                    break
                except OSError as exc:
                    if is_disk_full(exc):
                        raise
                    failures.append(f"{paper.id}: {exc}")
            progress.advance(task)
    summary = f"{done} downloaded, {skipped} already had a PDF, {len(failures)} failed"
    if untried:
        summary += f", {untried} not tried (arXiv cannot be reached)"
    click.echo(summary)
    for line in failures:
        click.echo(f"error: {line}", err=True)
    if failures:
        sys.exit(1)


@click.command()
@click.argument("paper_id")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--link", is_flag=True, help="Record the file where it is instead of copying it.")
@pass_context
def attach(obj: Context, paper_id: str, file: Path, link: bool) -> None:
    """Attach the local PDF FILE to PAPER_ID (copied into <data>/pdfs/, or --link).

    The file is checked to be a readable PDF and its text is extracted. An
    encrypted or image-only PDF is attached with a warning that it has no
    text; a file that is not a PDF, or is truncated, is refused (exit status 2).
    """
    found, ok = resolve_refs(obj, [paper_id])
    if not ok:
        sys.exit(2)
    try:
        info = _store(obj).attach_file(found[0], file, link=link)
    except PdfError as exc:
        click.echo(f"error: {exc}; nothing was attached", err=True)
        sys.exit(2)
    except OSError as exc:
        _file_error(exc)
    _report(found[0], info)


@click.command("open")
@click.argument("paper_id")
@pass_context
def open_pdf(obj: Context, paper_id: str) -> None:
    """Open PAPER_ID's PDF in the desktop's viewer (without a display: print its path).

    A paper without a PDF is downloaded first, as 'paperbrowse pdf --open'; a
    recorded PDF whose file is gone is reported ("PDF missing: PATH", exit status 1).
    """
    found, ok = resolve_refs(obj, [paper_id])
    if not ok:
        sys.exit(2)
    _one(_store(obj), found[0], force=False, open_=True)


@click.command()
@click.argument("paper_id")
@pass_context
def detach(obj: Context, paper_id: str) -> None:
    """Forget PAPER_ID's PDF (a downloaded or copied file is deleted; a linked one is kept)."""
    found, ok = resolve_refs(obj, [paper_id])
    if not ok:
        sys.exit(2)
    info = _store(obj).remove(found[0].id)
    click.echo(f"{found[0].id}: " + ("PDF detached" if info else "had no PDF"))


COMMANDS = [pdf, attach, open_pdf, detach]
