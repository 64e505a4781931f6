"""Watch commands: ``watch add|list|rm|show|seen`` and ``update`` (issue 19).

Registered on the main group by :mod:`paperbrowse.cli`. The commands work on
:class:`~paperbrowse.core.watches.WatchStore` and
:func:`~paperbrowse.core.watches.update_watches`; nothing here touches the UI.

The services are asked at the URLs of ``[sources] arxiv_url`` / ``hf_url`` in
the configuration file, or of the environment variables
``PAPERBROWSE_ARXIV_URL`` (alias ``PAPERBROWSE_ARXIV_API_URL``) and
``PAPERBROWSE_HF_URL`` (alias ``PAPERBROWSE_HF_API_URL``), which win.

Exit status: 0 on success; 1 when ``update`` could not reach a service, or
got an error answer or unreadable records (everything else is kept and
recorded; the rest is fetched next time); 2 for a usage error, an unknown
watch, a duplicate name, a bad name or a query (local or arXiv) that does not
parse, or a paper that is unknown or not in the watch; 130 on Ctrl-C (what
was recorded before it stays, ``update`` resumes there).

After ``update`` each watch gets one line: ``diffusion: 3 new, 5 unseen``, or,
when one of its sources could not be reached or answered an error,
``diffusion: not updated (arXiv could not be reached)`` (``…; not finished
(…)`` after the papers that did come).
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import click

from paperbrowse.cli_context import Context, pass_context
from paperbrowse.core.library import DiskFull, ReadOnlyLibrary

if TYPE_CHECKING:
    from paperbrowse.core.watches import UpdateReport


def _store(obj: Context):
    from paperbrowse.core.watches import WatchStore

    return WatchStore(obj.library())


def _fail(message: str, status: int = 2) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(status)


def _papers(count: int) -> str:
    """``1 paper``, ``3 papers``."""
    return f"{count} paper" if count == 1 else f"{count} papers"


#: What 'watch list' says when there is no watch yet (on stderr).
NO_WATCHES = (
    "No watches yet; make one with 'paperbrowse watch add NAME QUERY', e.g.\n"
    "  paperbrowse watch add diffusion 'diffusion' --arxiv 'cat:cs.LG AND abs:diffusion' --hf"
)


def _years(ctx, param, value: str | None) -> tuple[int, int] | None:
    """``2023`` → (2023, 2023); ``2020-2023`` → (2020, 2023)."""
    if value is None:
        return None
    parts = [p for p in value.replace("..", "-").split("-") if p.strip()]
    try:
        years = [int(p) for p in parts]
    except ValueError:
        years = []
    if len(years) not in (1, 2):
        raise click.BadParameter(f"{value!r} is not a year or a range like 2020-2023")
    return (min(years), max(years))


@click.group("watch")
def watch_group() -> None:
    """Watches: saved searches that 'paperbrowse update' fills with new papers.

    A watch is a query over your index (the search's query language) and,
    optionally, sources to poll for new papers: an arXiv API query and the
    Hugging Face daily papers. Papers the sources bring, and papers imported
    later that match the query, come to the watch; each is unseen until you
    mark it seen (once per paper, in every watch that has it).

    \b
    Examples:
      paperbrowse watch add diffusion 'diffusion' --arxiv 'cat:cs.LG AND abs:diffusion' --hf
      paperbrowse watch list
      paperbrowse update --print
      paperbrowse watch show diffusion --new
      paperbrowse watch seen diffusion
    """


@watch_group.command("add")
@click.argument("name")
@click.argument("query")
@click.option("--arxiv", "arxiv_query", help="An arXiv API search_query to poll.")
@click.option("--hf", is_flag=True, help="Poll the Hugging Face daily papers.")
@click.option("--year", "years", callback=_years, help="Only papers of these years (2020-2023).")
@click.option("--org", "organisation", help="Only papers of this organisation.")
@pass_context
def watch_add(
    obj: Context,
    name: str,
    query: str,
    arxiv_query: str | None,
    hf: bool,
    years: tuple[int, int] | None,
    organisation: str | None,
) -> None:
    """Make a watch NAME for QUERY ('' for every paper its sources bring)."""
    from paperbrowse.core.engine.query import QueryError, check_query
    from paperbrowse.core.watches import WatchError

    try:
        check_query(query)
    except QueryError as exc:
        _fail(f"the query {query!r} does not parse: {exc}")
    try:
        watch = _store(obj).add(
            name, query, arxiv_query=arxiv_query, hf=hf, years=years, organisation=organisation
        )
    except WatchError as exc:
        _fail(str(exc))
    except (ReadOnlyLibrary, DiskFull) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Watching {watch.describe()}")
    if not (watch.arxiv_query or watch.hf):
        click.echo(
            "It polls no source: it gets the papers you import that match it.",
            err=True,
        )


@watch_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the watches as JSON.")
@pass_context
def watch_list(obj: Context, as_json: bool) -> None:
    """List the watches with their unseen and total papers."""
    watches = _store(obj).list()
    if as_json:
        rows = [
            {
                "name": w.name,
                "query": w.query,
                "arxiv": w.arxiv_query,
                "hf": w.hf,
                "years": list(w.years) if w.years else None,
                "organisation": w.organisation,
                "unseen": w.unseen,
                "total": w.total,
                "created_at": w.created_at,
                "updated_at": w.updated_at,
            }
            for w in watches
        ]
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not watches:
        click.echo(NO_WATCHES, err=True)
        return
    for w in watches:
        updated = w.updated_at or "never updated"
        click.echo(f"{w.unseen:>4} unseen {w.total:>5} total  {w.describe()}  ({updated})")


@watch_group.command("rm")
@click.argument("name")
@pass_context
def watch_rm(obj: Context, name: str) -> None:
    """Delete the watch NAME (its papers stay in your library)."""
    try:
        removed = _store(obj).remove(name)
    except (ReadOnlyLibrary, DiskFull) as exc:
        raise click.ClickException(str(exc)) from exc
    if removed is None:
        _fail(f"no watch named {name!r}")
    click.echo(f"Deleted the watch {removed!r}")


@watch_group.command("show")
@click.argument("name")
@click.option("--new", "new_only", is_flag=True, help="Only unseen papers, as a digest.")
@click.option("--json", "as_json", is_flag=True, help="Print the papers as JSON.")
@click.option("--mark-seen", is_flag=True, help="Then mark the papers shown seen.")
@pass_context
def watch_show(obj: Context, name: str, new_only: bool, as_json: bool, mark_seen: bool) -> None:
    """List the papers of the watch NAME, newest first; '*' marks unseen ones.

    With --new, only the unseen papers, as the plain-text digest 'update
    --print' gives (for a mail).
    """
    from paperbrowse.core.watches import WatchError, digest

    store = _store(obj)
    try:
        watch = store.get(name)
        papers = store.papers(name, unseen_only=new_only)
    except WatchError as exc:
        _fail(str(exc))
    if as_json:
        rows = [
            {**w.paper.to_dict(), "seen": w.seen, "via": w.via, "added_at": w.added_at}
            for w in papers
        ]
        click.echo(json.dumps({"watch": watch.name, "papers": rows}, indent=2, ensure_ascii=False))
    elif new_only:
        click.echo(digest({watch.name: [w.paper for w in papers]}), nl=False)
    elif not papers:
        click.echo("No papers yet — run 'paperbrowse update'.", err=True)
    else:
        for w in papers:
            p = w.paper
            when = p.published.isoformat() if p.published else "----------"
            click.echo(f"{' ' if w.seen else '*'} {p.id}\t{when}\t{p.title}")
    if mark_seen and papers:
        try:
            store.mark_seen(w.paper.id for w in papers)
        except (ReadOnlyLibrary, DiskFull) as exc:
            raise click.ClickException(str(exc)) from exc


def _watch_ids(
    obj: Context, watch: str, held: dict[str, tuple[str | None, str | None]], refs: tuple[str, ...]
) -> list[str]:
    """The ids of the watch's papers that ``refs`` name, in the order given.

    ``held`` maps each paper id the watch holds to its (bare arXiv id, lower-case
    DOI), either ``None``.

    A reference is anything :mod:`paperbrowse.core.resolve` reads (a
    paperbrowse id, an arXiv id or URL, a DOI, a citation key), as for every
    other command. A paper's watch id may differ from the id the library
    resolves it to (a corpus paper with a ``pb:`` id and an arXiv id): a
    reference also names the watch's paper with the same arXiv id or DOI.

    Exits with status 2 (nothing marked) when a reference names no paper (the
    resolver's message with the closest candidates) or a paper the watch
    does not hold ("not in the watch").
    """
    from paperbrowse.cli_library.refs import resolve_refs
    from paperbrowse.core.resolve import arxiv_id_of, doi_of

    ids: list[str] = []
    outside: list[str] = []
    for ref in refs:
        if ref in held:  # the id as 'watch show' prints it: no lookup needed
            ids.append(ref)
            continue
        found, ok = resolve_refs(obj, [ref])
        if not ok:
            sys.exit(2)
        paper = found[0]
        if paper.id in held:
            ids.append(paper.id)
            continue
        arxiv, doi = arxiv_id_of(paper.arxiv_id or ""), doi_of(paper.doi or "")
        same = [i for i, (a, d) in held.items() if (arxiv and a == arxiv) or (doi and d == doi)]
        if same:
            ids.append(same[0])
        else:
            outside.append(ref)
    if outside:
        _fail(f"not in the watch {watch!r}: {', '.join(outside)}")
    return list(dict.fromkeys(ids))


@watch_group.command("seen")
@click.argument("name")
@click.argument("paper_ids", nargs=-1)
@click.option("--unseen", is_flag=True, help="Mark the papers unseen again instead.")
@pass_context
def watch_seen(obj: Context, name: str, paper_ids: tuple[str, ...], unseen: bool) -> None:
    """Mark PAPER_IDS of the watch NAME seen (all of its papers when none are given).

    A paper is named as for every other command: its id as 'watch show'
    prints it, an arXiv id or URL, a DOI or a citation key. Seen is once per
    paper: a paper marked seen here is seen in every watch.
    """
    from paperbrowse.core.resolve import arxiv_id_of, doi_of
    from paperbrowse.core.watches import WatchError

    store = _store(obj)
    try:
        watch = store.get(name)
        held = {
            w.paper.id: (arxiv_id_of(w.paper.arxiv_id or ""), doi_of(w.paper.doi or ""))
            for w in store.papers(name)
        }
    except WatchError as exc:
        _fail(str(exc))
    ids = _watch_ids(obj, watch.name, held, paper_ids)
    try:
        if unseen:
            count = store.mark_unseen(ids or held)
            click.echo(f"{_papers(count)} marked unseen")
        elif ids:
            count = store.mark_seen(ids)
            click.echo(f"{_papers(count)} marked seen")
        else:
            count = store.mark_all_seen(name)
            click.echo(f"{_papers(count)} marked seen")
    except (ReadOnlyLibrary, DiskFull) as exc:
        raise click.ClickException(str(exc)) from exc


# -------------------------------------------------------------------- update
def _clients(on_retry):
    """The arXiv and Hugging Face clients, at the configured URLs."""
    from paperbrowse.core.sources import arxiv, hf
    from paperbrowse.core.sources.request import ARXIV_URL_VARIABLE, HF_URL_VARIABLE, service_url

    return (
        arxiv.ArxivClient(
            base_url=service_url(ARXIV_URL_VARIABLE, arxiv.API_URL), on_retry=on_retry
        ),
        hf.DailyPapersClient(base_url=service_url(HF_URL_VARIABLE, hf.API_URL), on_retry=on_retry),
    )


@click.command("update")
@click.argument("names", nargs=-1)
@click.option(
    "--print", "print_digest", is_flag=True, help="Print the new papers as a plain-text digest."
)
@click.option("--json", "as_json", is_flag=True, help="Print the new papers as JSON.")
@click.option(
    "--days",
    type=click.IntRange(1, 60),
    default=7,
    show_default=True,
    help="At most this many days of Hugging Face daily papers per watch.",
)
@pass_context
def update(
    obj: Context, names: tuple[str, ...], print_digest: bool, as_json: bool, days: int
) -> None:
    """Fetch what appeared since the last update for every watch (or NAMES).

    arXiv is asked for the submissions since the last update (the first time:
    the last week), Hugging Face for each day's papers since the last day
    fetched (at most --days); what comes is imported into your library and
    index like 'paperbrowse add' does. Running it twice adds nothing; an
    update stopped midway (offline, Ctrl-C) goes on where it stopped.

    With --print the new papers are printed grouped by watch (title, authors,
    arXiv link), for a cron job or a mail; the summary then goes to stderr.
    """
    from paperbrowse.core.ingest import ImportBusy, ImportInterrupted
    from paperbrowse.core.watches import WatchError, digest, digest_json, update_watches

    library = obj.library()
    if library.read_only is not None:
        raise click.ClickException(str(library.read_only_error()))
    store = _store(obj)
    if not store.list():
        _fail("no watches yet; make one with 'paperbrowse watch add NAME QUERY'")
    obj.open_index(quiet=print_digest or as_json)  # a first run builds the index here

    def retrying(notice) -> None:
        click.echo(f"{notice}…", err=True)

    def waiting() -> None:
        click.echo("Another import is running in this data directory; waiting for it…", err=True)

    arxiv, hf = _clients(retrying)
    try:
        with arxiv, hf:
            report = update_watches(
                store,
                locations=obj.locations,
                corpus=obj.corpus,
                arxiv=arxiv,
                hf=hf,
                names=names or None,
                max_days=days,
                on_wait=waiting,
            )
    except WatchError as exc:
        _fail(str(exc))
    except (KeyboardInterrupt, ImportInterrupted):
        click.echo(
            "Interrupted; what was recorded stays, 'paperbrowse update' goes on from there.",
            err=True,
        )
        sys.exit(130)
    except (ImportBusy, ReadOnlyLibrary, DiskFull) as exc:
        _fail(str(exc), 1)
    for message in report.unreachable:
        click.echo(f"error: {message}", err=True)
    for message in report.errors:
        click.echo(f"error: {message}", err=True)
    for message in report.notices:
        click.echo(f"note: {message}", err=True)
    counts = {w.name: w.unseen for w in store.list()}
    summary = [
        _summary(name, papers, counts.get(name, 0), report) for name, papers in report.new.items()
    ]
    if as_json:
        click.echo(json.dumps(digest_json(report.new), indent=2, ensure_ascii=False))
    elif print_digest:
        # nothing new prints nothing: cron mails only a digest with papers in it
        click.echo(digest(report.new), nl=False)
    for line in summary:
        click.echo(line, err=print_digest or as_json)
    if not report.ok:
        sys.exit(1)


def _summary(name: str, papers: list, unseen: int, report: UpdateReport) -> str:
    """One watch's line after ``update``: ``diffusion: 3 new, 5 unseen``; a watch
    whose sources were not all done says why: ``diffusion: not updated (arXiv
    could not be reached)``, or, when some papers came before it stopped,
    ``diffusion: 2 new, 4 unseen; not finished (arXiv could not be reached)``."""
    reasons = report.unfinished.get(name)
    counted = f"{name}: {len(papers)} new, {unseen} unseen"
    if not reasons:
        return counted
    why = "; ".join(reasons)
    if not papers:
        return f"{name}: not updated ({why})"
    return f"{counted}; not finished ({why})"


COMMANDS = [watch_group, update]
