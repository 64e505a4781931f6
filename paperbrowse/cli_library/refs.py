"""Paper references given on the command line (ids, arXiv ids, DOIs, citation keys) → papers."""

from __future__ import annotations

import sys

import click

from paperbrowse.cli_context import Context
from paperbrowse.core.models import Paper


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


def one_paper(obj: Context, ref: str) -> Paper:
    """The one paper ``ref`` names (see :func:`resolve_refs`).

    Exits with status 2 (nothing done) if it is unknown or ambiguous.
    """
    found, ok = resolve_refs(obj, [ref])
    if not ok:
        sys.exit(2)
    return found[0]


def usage_error(exc: ValueError) -> click.ClickException:
    """The library's ValueError (a bad tag, list name or key) as a usage error (exit status 2)."""
    return click.UsageError(str(exc))
