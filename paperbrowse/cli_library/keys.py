"""``paperbrowse key``: show or set a bookmark's citation key."""

from __future__ import annotations

import click

from paperbrowse.cli_context import Context, pass_context
from paperbrowse.cli_library.refs import one_paper, usage_error


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
    paper = one_paper(obj, paper_id)
    library = obj.library()
    if new_key is None:
        click.echo(library.citation_key(paper))
        return
    try:
        click.echo(library.rename_key(paper, new_key))
    except ValueError as exc:
        raise usage_error(exc) from exc
