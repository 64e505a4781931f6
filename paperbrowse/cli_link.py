"""``paperbrowse link``: tie the corpus's papers to their arXiv records by title.

Registered on the main group by :mod:`paperbrowse.cli`; the work is done by
:mod:`paperbrowse.core.link` (the matching rule is in its docstring).

Exit status: 0 when the run finished (papers left unmatched or ambiguous are
listed, not failures); 1 when arXiv could not be reached or answered with an
error (the papers linked before are stored; run again to continue); 2 for a
usage error or an unknown paper id; 130 on Ctrl-C.
"""

from __future__ import annotations

import os
import sys

import click

from paperbrowse.cli_context import Context, pass_context
from paperbrowse.core.models import papers as papers_word

#: Titles listed per kind in the closing summary before "… and N more".
SHOWN = 5


@click.command("link")
@click.argument("paper_ids", nargs=-1)
@click.option("--dry-run", "-n", is_flag=True, help="Look up and report only; store nothing.")
@click.option(
    "--limit",
    type=click.IntRange(1),
    default=None,
    help="Look up at most this many papers (those without an arXiv id, in corpus order).",
)
@pass_context
def link(obj: Context, paper_ids: tuple[str, ...], dry_run: bool, limit: int | None) -> None:
    """Give the corpus's papers their arXiv ids, authors, dates and links.

    The captures list titles and abstracts only. This looks each paper
    without an arXiv id up on the arXiv API by its exact title (case,
    punctuation and LaTeX ignored; a longer or shorter title does not
    match) and adds what arXiv knows: arXiv id, authors, first-version date,
    categories, DOI and the abstract page, so the paper can be opened,
    fetched and cited. A title shared by several arXiv papers is left alone
    and listed, as is an arXiv paper first submitted more than a year after
    the paper's listing date. Bookmarks, tags and notes stay with the paper.

    Ten titles go in one request, one request every 3 seconds: the bundled
    corpus takes about two minutes. Papers already linked are skipped, so an
    interrupted run continues where it stopped. PAPER_IDS (any id form, as
    for 'tag') restrict the run to those papers.

    \b
    Examples:
      paperbrowse link --dry-run --limit 20
      paperbrowse link
      paperbrowse link pb:2aac8423016f
    """
    from paperbrowse.core.library import DiskFull, ReadOnlyLibrary
    from paperbrowse.core.link import corpus_papers, link_library
    from paperbrowse.core.sources import arxiv
    from paperbrowse.core.sources.request import ARXIV_URL_VARIABLE

    library = obj.library()
    if not dry_run and library.read_only is not None:
        raise click.ClickException(str(library.read_only_error()))
    if paper_ids:
        from paperbrowse.cli_library import resolve_refs

        found, ok = resolve_refs(obj, paper_ids)
        if not ok:
            sys.exit(2)
        candidates = [library.stored_paper(i) or p for i, p in {p.id: p for p in found}.items()]
    else:
        obj.open_index(quiet=True)  # a first run builds it here, with its progress bar
        candidates = corpus_papers(obj.corpus, library)
    already = sum(1 for p in candidates if p.arxiv_id)
    todo = [p for p in candidates if not p.arxiv_id]
    if limit is not None:
        todo = todo[:limit]
    if not todo:
        click.echo(f"Nothing to link: {papers_word(already)} already have an arXiv id.")
        return
    err = _stderr()
    client = arxiv.ArxivClient(
        base_url=os.environ.get(ARXIV_URL_VARIABLE, arxiv.API_URL),
        on_retry=lambda notice: err.print(f"{notice}…", markup=False, highlight=False),
    )
    progress = _progress(err)
    with client, progress:
        task = progress.add_task("Looking titles up on arXiv", total=len(todo), counts="")
        summary_box: list = []

        def report(summary) -> None:
            summary_box[:] = [summary]
            progress.update(task, completed=summary.looked_up, counts=_counts(summary))

        try:
            summary = link_library(
                todo,
                client,
                locations=obj.locations,
                corpus=obj.corpus,
                library=library,
                dry_run=dry_run,
                progress=report,
                on_wait=lambda: err.print(
                    "Another import is running in this data directory; waiting for it…"
                ),
            )
        except arxiv.ArxivUnavailable as exc:
            progress.stop()
            click.echo(f"error: {exc}", err=True)
            _stored_so_far(summary_box, dry_run)
            sys.exit(1)
        except KeyboardInterrupt:
            progress.stop()
            click.echo("Interrupted.", err=True)
            _stored_so_far(summary_box, dry_run)
            sys.exit(130)
        except (ReadOnlyLibrary, DiskFull) as exc:
            progress.stop()
            raise click.ClickException(str(exc)) from exc
        except OSError as exc:
            progress.stop()
            raise click.ClickException(f"cannot write {obj.locations.data_dir}: {exc}") from exc
    _print_summary(summary, already, dry_run)
    if summary.errors:
        sys.exit(1)


def _stderr():
    from rich.console import Console

    return Console(stderr=True)


def _progress(err):
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[counts]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )


def _counts(summary) -> str:
    from paperbrowse.core.link import AMBIGUOUS, LINKED, NOT_FOUND, REJECTED

    return (
        f"matched {summary.count(LINKED)} · ambiguous {summary.count(AMBIGUOUS)} · "
        f"not found {summary.count(NOT_FOUND) + summary.count(REJECTED)}"
    )


def _stored_so_far(summary_box: list, dry_run: bool) -> None:
    if dry_run or not summary_box:
        click.echo("Nothing was stored; run 'paperbrowse link' again to retry.", err=True)
        return
    stored = summary_box[0].stored
    click.echo(
        f"{papers_word(stored).capitalize()} linked and stored before that; "
        "run 'paperbrowse link' again to continue (linked papers are skipped).",
        err=True,
    )


def _print_summary(summary, already: int, dry_run: bool) -> None:
    from paperbrowse.core.link import AMBIGUOUS, FAILED, LINKED, NOT_FOUND, REJECTED

    verb = "would link" if dry_run else "linked"
    for outcome in summary.with_status(LINKED):
        record = outcome.record
        click.echo(f"{verb} {outcome.paper.id} → arXiv {record.arxiv_id}  {outcome.paper.title}")
    for status, heading in (
        (AMBIGUOUS, "ambiguous (several arXiv papers have the title; left alone)"),
        (REJECTED, "rejected (an arXiv paper has the title but cannot be this one)"),
        (NOT_FOUND, "not found on arXiv"),
        (FAILED, "not looked up (arXiv answered with an error)"),
    ):
        outcomes = summary.with_status(status)
        if not outcomes:
            continue
        click.echo(f"{len(outcomes)} {heading}:")
        for outcome in outcomes[:SHOWN]:
            detail = f" ({outcome.reason})" if status in (AMBIGUOUS, REJECTED) else ""
            click.echo(f"  {outcome.paper.id}  {outcome.paper.title}{detail}")
        if len(outcomes) > SHOWN:
            click.echo(f"  … and {len(outcomes) - SHOWN} more")
    for error in summary.errors:
        click.echo(f"error: {error}", err=True)
    stored = "nothing stored (dry run)" if dry_run else f"stored {summary.stored}"
    skipped = f", {already} already linked" if already else ""
    click.echo(f"arXiv link: {summary}{skipped}; {stored}")


#: The commands this module adds to the main group.
COMMANDS = [link]
