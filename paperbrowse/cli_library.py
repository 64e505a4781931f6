"""Library commands: import papers (``add``), organise bookmarks, list and export them.

Registered on the main group by :mod:`paperbrowse.cli`. Every command works
on the core objects (:class:`~paperbrowse.core.library.Library`,
:func:`~paperbrowse.core.ingest.import_records`); nothing here touches the UI.

Exit status: 0 on success; 1 when an import read some bad records (the good
ones are imported, the bad ones listed on standard error), or when some of
the paper ids given to a command taking several (``list add``, ``list
remove``) are unknown or ambiguous (the others are done; each failure is
reported with the closest candidates), or when ``export`` selects no
bookmark (nothing is written); 2 for a usage error, the unknown or
ambiguous paper of a command taking one id (nothing is done), an unknown list
(or, for ``export``, an unknown tag), or a source that cannot be reached.
"""

from __future__ import annotations

import signal
import sys
import threading
from datetime import date
from pathlib import Path

import click

from paperbrowse.cli_context import Context, pass_context
from paperbrowse.core.library import STATUSES, Bookmark, DiskFull, ReadOnlyLibrary
from paperbrowse.core.models import Paper, papers
from paperbrowse.core.sources.common import SourceUnavailable, normalise_arxiv_id
from paperbrowse.core.sources.request import SourceRequest

#: Bad records listed on standard error before "... and N more".
ERRORS_SHOWN = 20


# ------------------------------------------------------------------- import
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


# ----------------------------------------------------------------- organise
def resolve_refs(obj: Context, refs: tuple[str, ...] | list[str]) -> tuple[list[Paper], bool]:
    """The papers ``refs`` name, with every unknown or ambiguous one reported on stderr.

    A reference is any form :mod:`paperbrowse.core.resolve` accepts: a
    paperbrowse id, an arXiv id or URL, a DOI or doi.org URL, a citation key.
    Each is looked up in the library first, then (only if needed, since it may
    have to be built) in the search index.

    Returns:
        ``(papers found in the order given, True if every reference was found)``.
    """
    from paperbrowse.core.resolve import resolve

    library = obj.library()
    found: list[Paper] = []
    ok = True
    index = None
    for ref in refs:
        answer = resolve(ref, library)
        if not answer:
            if index is None:
                index = obj.open_index(quiet=True).index
            answer = resolve(ref, library, index)
        if answer.paper is not None:
            found.append(answer.paper)
            continue
        ok = False
        click.echo(f"error: {answer.message()}", err=True)
    if not ok:
        click.echo("Find ids with 'paperbrowse search QUERY' or 'paperbrowse bookmarks'.", err=True)
    return found, ok


def _paper(obj: Context, ref: str) -> Paper:
    """The one paper ``ref`` names (see :func:`resolve_refs`).

    Exits with status 2 (nothing done) if it is unknown or ambiguous.
    """
    found, ok = resolve_refs(obj, [ref])
    if not ok:
        sys.exit(2)
    return found[0]


def _value_error(exc: ValueError) -> click.ClickException:
    return click.UsageError(str(exc))


@click.command()
@click.argument("paper_id")
@click.argument("tags", nargs=-1)
@click.option("--remove", "-r", is_flag=True, help="Remove these tags instead of adding them.")
@pass_context
def tag(obj: Context, paper_id: str, tags: tuple[str, ...], remove: bool) -> None:
    """Add TAGS to a paper (bookmarking it), or remove them with --remove.

    Without TAGS, prints the paper's tags. 'paperbrowse tags' lists every tag.
    PAPER_ID is any id form: pb:…, arxiv:…, an arXiv id or URL, a DOI or
    doi.org URL, or a citation key.

    \b
    Examples:
      paperbrowse tag 2006.07733 thesis
      paperbrowse tag https://doi.org/10.1103/PhysRevB.74.024520 physics
      paperbrowse tag grill2020byol --remove thesis
    """
    paper = _paper(obj, paper_id)
    library = obj.library()
    try:
        for value in tags:
            if remove:
                library.remove_tag(paper.id, value)
            else:
                library.add_tag(paper, value)
    except ValueError as exc:
        raise _value_error(exc) from exc
    mark = library.bookmark(paper.id)
    click.echo(", ".join(mark.tags) if mark and mark.tags else "(no tags)")


@click.command()
@pass_context
def tags(obj: Context) -> None:
    """List every tag with the number of bookmarks carrying it."""
    for name, count in obj.library().tags():
        click.echo(f"{name}\t{count}")


@click.command()
@click.argument("paper_id")
@click.argument("text", required=False)
@click.option("--edit", "-e", is_flag=True, help="Edit the note in $EDITOR.")
@click.option("--clear", is_flag=True, help="Delete the note.")
@pass_context
def note(obj: Context, paper_id: str, text: str | None, edit: bool, clear: bool) -> None:
    """Show, set (TEXT), edit (--edit) or delete (--clear) the note on a paper.

    Setting a note bookmarks the paper. Use '-' as TEXT to read the note from
    standard input.
    """
    paper = _paper(obj, paper_id)
    library = obj.library()
    current = library.note(paper.id)
    if clear:
        new: str | None = ""
    elif edit:
        new = click.edit(current or "")
    elif text == "-":
        new = sys.stdin.read()
    else:
        new = text
    if new is None:
        click.echo(current or "(no note)")
        return
    library.set_note(paper, new)
    click.echo("note deleted" if not new.strip() else "note saved", err=True)


@click.command()
@click.argument("paper_id")
@click.argument("value", type=click.Choice([*STATUSES, "none"]))
@pass_context
def status(obj: Context, paper_id: str, value: str) -> None:
    """Set a paper's reading status: to-read, reading, read, or none (bookmarking it)."""
    paper = _paper(obj, paper_id)
    obj.library().set_status(paper, None if value == "none" else value)
    click.echo(f"{paper.title}: {value}", err=True)


@click.group("list", invoke_without_command=True)
@click.pass_context
def list_group(ctx: click.Context) -> None:
    """Named reading lists. Without a subcommand, lists them with their counts."""
    if ctx.invoked_subcommand is None:
        for name, count in ctx.obj.library().lists():
            click.echo(f"{name}\t{count}")


@list_group.command("create")
@click.argument("name")
@pass_context
def list_create(obj: Context, name: str) -> None:
    """Create an empty reading list."""
    try:
        created = obj.library().create_list(name)
    except ValueError as exc:
        raise _value_error(exc) from exc
    click.echo(f"created list {name!r}" if created else f"list {name!r} exists", err=True)


@list_group.command("add")
@click.argument("name")
@click.argument("paper_ids", nargs=-1, required=True)
@pass_context
def list_add(obj: Context, name: str, paper_ids: tuple[str, ...]) -> None:
    """Put papers on the list NAME (created if needed; the papers are bookmarked).

    The papers found are added even if some ids are unknown or ambiguous;
    those are reported and the exit status is 1.
    """
    library = obj.library()
    try:
        library.bookmarks(list=name)  # ValueError for a bad name before any lookup
    except ValueError as exc:
        raise _value_error(exc) from exc
    found, ok = resolve_refs(obj, paper_ids)
    for paper in found:
        library.add_to_list(name, paper)
    click.echo(f"{name}: {papers(len(library.bookmarks(list=name)))}", err=True)
    if not ok:
        sys.exit(1)


@list_group.command("remove")
@click.argument("name")
@click.argument("paper_ids", nargs=-1, required=True)
@pass_context
def list_remove(obj: Context, name: str, paper_ids: tuple[str, ...]) -> None:
    """Take papers off the list NAME (they stay bookmarked).

    Unknown or ambiguous ids are reported (exit status 1); the others are done.
    """
    library = obj.library()
    try:
        library.bookmarks(list=name)  # ValueError for a bad name before any lookup
    except ValueError as exc:
        raise _value_error(exc) from exc
    found, ok = resolve_refs(obj, paper_ids)
    for paper in found:
        library.remove_from_list(name, paper.id)
    if not ok:
        sys.exit(1)


@click.command()
@click.argument("paper_id")
@click.argument("new_key", required=False)
@pass_context
def key(obj: Context, paper_id: str, new_key: str | None) -> None:
    """Print the citation key of a paper, or rename it to NEW_KEY.

    A paper imported with a key (from a .bib) keeps it; any other paper gets
    one the first time it is needed, in the scheme first author's family
    name + year + first significant title word, ASCII-folded, with a, b …
    on collision (borovitskiy2020matern). Once given, a key never changes
    unless renamed here. Keys are unique, compared ignoring case.

    \b
    Examples:
      paperbrowse key 2006.07733
      paperbrowse key 2006.07733 grill2020byol
    """
    paper = _paper(obj, paper_id)
    library = obj.library()
    if new_key is None:
        click.echo(library.citation_key(paper))
        return
    try:
        click.echo(library.rename_key(paper, new_key))
    except ValueError as exc:
        raise _value_error(exc) from exc


@list_group.command("rename")
@click.argument("old")
@click.argument("new")
@pass_context
def list_rename(obj: Context, old: str, new: str) -> None:
    """Rename a reading list."""
    try:
        obj.library().rename_list(old, new)
    except ValueError as exc:
        raise _value_error(exc) from exc


@list_group.command("delete")
@click.argument("name")
@pass_context
def list_delete(obj: Context, name: str) -> None:
    """Delete a reading list (its papers stay bookmarked)."""
    if not obj.library().delete_list(name):
        click.echo(f"error: no list named {name!r}", err=True)
        sys.exit(2)


# ------------------------------------------------------- bookmarks, export
def _selection_options(func):
    """--list / --tag / --status: which bookmarks a command works on."""
    func = click.option(
        "--status", "status_", type=click.Choice(STATUSES), help="Only this reading status."
    )(func)
    func = click.option("--tag", "tag_", metavar="TAG", help="Only bookmarks with this tag.")(func)
    return click.option("--list", "list_", metavar="NAME", help="Only this reading list.")(func)


def _selected(obj: Context, list_: str | None, tag_: str | None, status_: str | None):
    library = obj.library()
    if list_ is not None and list_.casefold() not in {n.casefold() for n, _ in library.lists()}:
        click.echo(f"error: no reading list named {list_!r}", err=True)
        names = ", ".join(n for n, _ in library.lists()) or "none yet"
        click.echo(f"Lists: {names}", err=True)
        sys.exit(2)
    try:
        return library.bookmarks(list=list_, tag=tag_, status=status_)
    except ValueError as exc:
        raise _value_error(exc) from exc


def _bookmark_line(bm: Bookmark) -> str:
    year = str(bm.paper.year) if bm.paper.year else "----"
    extras = [bm.status or "", ",".join(bm.tags), "; ".join(bm.lists)]
    return "\t".join([f"{bm.added_at:%Y-%m-%d}", bm.paper.id, year, bm.paper.title, *extras])


@click.command()
@_selection_options
@click.option("--json", "as_json", is_flag=True, help="Print bookmarks as JSON.")
@pass_context
def bookmarks(
    obj: Context, list_: str | None, tag_: str | None, status_: str | None, as_json: bool
) -> None:
    """List bookmarked papers, oldest first, with status, tags and lists.

    Plain output (not a terminal) has one tab-separated line per bookmark:
    date added, id, year, title, status, tags, lists.
    """
    marks = _selected(obj, list_, tag_, status_)
    if as_json:
        from paperbrowse.core.export import render_json

        click.echo(render_json(marks), nl=False)
        return
    if not marks:
        where = " matching that selection" if (list_ or tag_ or status_) else ""
        click.echo(f"No bookmarks yet{where}: press b on a paper in the app.", err=True)
        return
    from rich.console import Console

    out = Console()
    if out.is_terminal:
        from paperbrowse.present import bookmark_table

        out.print(bookmark_table(marks))
        return
    for bm in marks:
        click.echo(_bookmark_line(bm))


def _known_names(kind: str, given: str, known: list[tuple[str, int]]) -> list[str]:
    """Lines naming the closest ``known`` names to ``given``, then all of them (15 at most).

    Args:
        kind: ``"tag"`` or ``"reading list"``, for the wording.
        given: the name the user typed.
        known: ``(name, bookmarks)`` pairs, as ``Library.tags()`` / ``lists()`` give.
    """
    import difflib

    if not known:
        return [f"There is no {kind} yet."]
    by_key = {name.casefold(): name for name, _ in known}
    close = difflib.get_close_matches(given.casefold(), list(by_key), n=3, cutoff=0.5)
    lines = []
    if close:
        lines.append("Did you mean " + " or ".join(repr(by_key[c]) for c in close) + "?")
    shown = sorted(known, key=lambda item: (-item[1], item[0].casefold()))
    names = ", ".join(f"{name} ({count})" for name, count in shown[:15])
    more = f", … and {len(shown) - 15} more" if len(shown) > 15 else ""
    lines.append(f"{kind.capitalize()}s: {names}{more}")
    return lines


def _check_selection_names(obj: Context, list_: str | None, tag_: str | None) -> None:
    """Exit with status 2, naming the closest known names, for an unknown list or tag."""
    from paperbrowse.core.library import normalise_tag

    library = obj.library()
    if list_ is not None:
        lists = library.lists()
        if list_.casefold() not in {name.casefold() for name, _ in lists}:
            click.echo(f"error: no reading list named {list_!r}", err=True)
            for line in _known_names("reading list", list_, lists):
                click.echo(line, err=True)
            sys.exit(2)
    if tag_ is not None:
        try:
            wanted = normalise_tag(tag_)
        except ValueError as exc:
            raise _value_error(exc) from exc
        tags_in_use = library.tags()
        if wanted not in {name for name, _ in tags_in_use}:
            click.echo(f"error: no bookmark has the tag {tag_!r}", err=True)
            for line in _known_names("tag", wanted, tags_in_use):
                click.echo(line, err=True)
            sys.exit(2)


def _nothing_to_export(
    obj: Context,
    list_: str | None,
    tag_: str | None,
    status_: str | None,
    output: Path | None,
) -> None:
    """Say on standard error that the selection is empty (and why), and exit with status 1."""
    library = obj.library()
    unwritten = f" {output} was not written." if output is not None else ""
    filters = [
        (option, value)
        for option, value in (("--list", list_), ("--tag", tag_), ("--status", status_))
        if value is not None
    ]
    if not filters:
        click.echo(
            f"Nothing to export: no bookmarks yet (press b on a paper in the app, or "
            f"paperbrowse tag ID TAG).{unwritten}",
            err=True,
        )
        sys.exit(1)
    chosen = " and ".join(f"{option} {value!r}" for option, value in filters)
    click.echo(f"Nothing to export: no bookmark matches {chosen}.{unwritten}", err=True)
    if len(filters) > 1:
        alone = {"--list": {"list": list_}, "--tag": {"tag": tag_}, "--status": {"status": status_}}
        counts = [
            f"{option} {value!r} alone: {papers(len(library.bookmarks(**alone[option])))}"
            for option, value in filters
        ]
        click.echo("; ".join(counts), err=True)
    elif status_ is not None:
        in_use: dict[str, int] = {}
        for mark in library.bookmarks():
            if mark.status:
                in_use[mark.status] = in_use.get(mark.status, 0) + 1
        names = ", ".join(f"{s} ({n})" for s, n in in_use.items()) or "none set yet"
        click.echo(f"Statuses in use: {names}", err=True)
    sys.exit(1)


@click.command()
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(
        ["md", "markdown", "bibtex", "bib", "csv", "json", "csljson", "csl", "ris"],
        case_sensitive=False,
    ),
    default=None,
    help="Output format (default: from the file extension, else md).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write (default: standard output).",
)
@_selection_options
@pass_context
def export(
    obj: Context,
    fmt: str | None,
    output: Path | None,
    list_: str | None,
    tag_: str | None,
    status_: str | None,
) -> None:
    """Export the reading list (the bookmarks), or the part chosen by list, tag or status.

    When nothing is chosen (no bookmarks yet, or none with that tag, list and
    status) nothing is written, no file is created, and the exit status is 1;
    an unknown tag or list is reported with the closest names (exit status 2).

    \b
    Examples:
      paperbrowse export -o reading.md
      paperbrowse export --tag diffusion -o diffusion.bib
      paperbrowse export --list Thesis --format csljson
    """
    from paperbrowse.core import export as exporter

    _check_selection_names(obj, list_, tag_)
    marks = _selected(obj, list_, tag_, status_)
    if not marks:
        _nothing_to_export(obj, list_, tag_, status_, output)
    if output is None:
        click.echo(exporter.render(marks, fmt or "md"), nl=False)
        return
    try:
        written = exporter.export(marks, output, fmt)
    except OSError as exc:
        raise click.ClickException(f"cannot write {output}: {exc.strerror or exc}") from exc
    click.echo(f"Wrote {papers(len(marks))} to {written}", err=True)


COMMANDS = [add, tag, tags, note, status, key, list_group, bookmarks, export]
