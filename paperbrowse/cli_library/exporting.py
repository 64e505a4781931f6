"""Bookmarks out: ``bookmarks`` lists them, ``export`` writes them in a format.

Both choose bookmarks by reading list, tag and status; an unknown list or
tag is reported with the closest names (exit status 2), an empty choice
makes ``export`` write nothing and exit with status 1.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from paperbrowse.cli_context import Context, pass_context
from paperbrowse.cli_library.refs import usage_error
from paperbrowse.core.library import STATUSES, Bookmark
from paperbrowse.core.models import papers


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
        raise usage_error(exc) from exc


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
            raise usage_error(exc) from exc
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
