"""Organising bookmarks: ``tag``, ``tags``, ``note``, ``status`` and the ``list`` group."""

from __future__ import annotations

import sys

import click

from paperbrowse.cli_context import Context, pass_context
from paperbrowse.cli_library.refs import one_paper, resolve_refs, usage_error
from paperbrowse.core.library import STATUSES
from paperbrowse.core.models import papers


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
    paper = one_paper(obj, paper_id)
    library = obj.library()
    try:
        for value in tags:
            if remove:
                library.remove_tag(paper.id, value)
            else:
                library.add_tag(paper, value)
    except ValueError as exc:
        raise usage_error(exc) from exc
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
    paper = one_paper(obj, paper_id)
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
    paper = one_paper(obj, paper_id)
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
        raise usage_error(exc) from exc
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
        raise usage_error(exc) from exc
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
        raise usage_error(exc) from exc
    found, ok = resolve_refs(obj, paper_ids)
    for paper in found:
        library.remove_from_list(name, paper.id)
    if not ok:
        sys.exit(1)


@list_group.command("rename")
@click.argument("old")
@click.argument("new")
@pass_context
def list_rename(obj: Context, old: str, new: str) -> None:
    """Rename a reading list."""
    try:
        obj.library().rename_list(old, new)
    except ValueError as exc:
        raise usage_error(exc) from exc


@list_group.command("delete")
@click.argument("name")
@pass_context
def list_delete(obj: Context, name: str) -> None:
    """Delete a reading list (its papers stay bookmarked)."""
    if not obj.library().delete_list(name):
        click.echo(f"error: no list named {name!r}", err=True)
        sys.exit(2)
