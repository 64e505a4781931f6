"""Command line interface. Parses arguments, builds core objects, prints.

``paperbrowse`` with no command starts the Textual app (imported lazily, so
``paperbrowse search`` never pays for loading the UI).
"""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import click

from paperbrowse import __version__
from paperbrowse.cli_context import Context, pass_context
from paperbrowse.cli_library import COMMANDS
from paperbrowse.cli_link import COMMANDS as LINK_COMMANDS
from paperbrowse.cli_pdf import COMMANDS as PDF_COMMANDS
from paperbrowse.cli_watch import COMMANDS as WATCH_COMMANDS
from paperbrowse.core.engine.query import QueryError
from paperbrowse.core.index import SORTS, SUGGEST_BELOW, IndexDamaged
from paperbrowse.core.models import Filters, Hit, Results


class _Group(click.Group):
    """The main group: a full disk, a read-only library or a damaged index met by
    any command ends it with one message (exit status 1), never a traceback."""

    def invoke(self, ctx: click.Context):
        from paperbrowse.core.index import IndexDamaged
        from paperbrowse.core.library import DiskFull, ReadOnlyLibrary, is_disk_full

        try:
            return super().invoke(ctx)
        except (DiskFull, ReadOnlyLibrary, IndexDamaged) as exc:
            raise click.ClickException(str(exc)) from exc
        except OSError as exc:
            if not is_disk_full(exc) or not isinstance(ctx.obj, Context):
                raise
            full = DiskFull.from_error(exc, ctx.obj.locations.data_dir, "nothing was changed")
            raise click.ClickException(str(full)) from exc


@click.group(
    cls=_Group,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="PAPERBROWSE_DATA_DIR",
    help="Where the index and bookmarks live (default: the platform's user data dir).",
)
@click.option(
    "--corpus",
    "corpus_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder of page captures to index instead of the bundled corpus.",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Configuration file (default: $PAPERBROWSE_CONFIG, else config.toml in the "
    "platform's user config dir).",
)
@click.version_option(__version__, prog_name="paperbrowse")
@click.pass_context
def cli(
    ctx: click.Context, data_dir: Path | None, corpus_dir: Path | None, config_file: Path | None
) -> None:
    """paperbrowse: search, read and bookmark research papers in the terminal.

    Without a command, opens the app on the bundled corpus.
    """
    ctx.obj = Context(data_dir, corpus_dir, config_file)
    if ctx.invoked_subcommand is None:
        from paperbrowse.ui.app import run_app

        # the app shows the configuration's problems as a notification
        run_app(ctx.obj.locations, ctx.obj.corpus, config=ctx.obj.config)
    else:
        ctx.obj.warn_config()


def _hit_line(hit) -> str:
    p = hit.paper
    year = str(p.year) if p.year else "----"
    return f"{p.id}\t{year}\t{p.title}"


def _year_range(ctx, param, value: str | None) -> tuple[int, int] | str | None:
    """``2023`` → (2023, 2023); ``2020-2023`` or ``2020..2023`` → (2020, 2023);
    ``undated`` → ``"undated"`` (papers without a date)."""
    if value is None:
        return None
    if value.strip().lower() == "undated":
        return "undated"
    parts = [p for p in value.replace("..", "-").split("-") if p.strip()]
    try:
        years = [int(p) for p in parts]
    except ValueError:
        years = []
    if len(years) not in (1, 2):
        raise click.BadParameter(f"{value!r} is not a year, a range like 2020-2023, or 'undated'")
    return (min(years), max(years))


def _filters(obj: Context, years, organisation, bookmarked) -> Filters:
    ids = obj.library().ids() if bookmarked else None
    if years == "undated":
        return Filters(undated=True, organisation=organisation, ids=ids)
    return Filters(years=years, organisation=organisation, ids=ids)


def _facet_lines(results: Results) -> list[str]:
    facets = results.facets
    if facets is None:
        return []
    years = [f"{y} {n}" for y, n in facets.years]
    if facets.undated:
        years.append(f"undated {facets.undated}")
    lines = ["Years: " + ", ".join(years)] if years else []
    if facets.organisations:
        lines.append("Organisations: " + ", ".join(f"{o} {n}" for o, n in facets.organisations))
    return lines


def _body(hit: Hit) -> dict:
    """A hit's match in its PDF's full text, for ``--json``: ``{"body": {"page":
    3, "snippet": "…"}}`` when it matched only there, else nothing."""
    if not hit.body_snippet:
        return {}
    snippet = "".join(part for part, _ in hit.body_snippet)
    return {"body": {"page": hit.body_page, "snippet": snippet}}


def _print_results(results: Results, as_json: bool, with_facets: bool) -> None:
    if as_json:
        payload: dict = {
            "query": results.query,
            "sort": results.sort,
            "total": results.total,
            "filters": results.filters.describe(),
            "ran": results.ran,
            "relaxed": results.relaxed,
            "notice": results.notice or None,
            "suggestion": results.suggestion,
            "hits": [
                {"rank": h.rank + 1, "score": round(h.score, 4), **h.paper.to_dict(), **_body(h)}
                for h in results.hits
            ],
        }
        if with_facets and results.facets is not None:
            payload["facets"] = {
                "years": {str(y): n for y, n in results.facets.years},
                "undated": results.facets.undated,
                "organisations": dict(results.facets.organisations),
            }
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    from rich.console import Console

    out = Console()
    if not out.is_terminal:
        for hit in results.hits:
            click.echo(_hit_line(hit))
        for line in _facet_lines(results) if with_facets else []:
            click.echo(line, err=True)
        return
    from paperbrowse.present import facet_table, hit_table

    out.print(hit_table(results))
    if with_facets and results.facets is not None:
        out.print(facet_table(results.facets))


_filter_options = [
    click.option(
        "--year",
        "years",
        callback=_year_range,
        metavar="YEAR[-YEAR]|undated",
        help="Only papers published in this year or range (2023, 2020-2023), or 'undated'.",
    ),
    click.option(
        "--org",
        "organisation",
        metavar="NAME",
        help="Only papers of this organisation: its name or Hugging Face handle, any case.",
    ),
    click.option("--bookmarked", is_flag=True, help="Only bookmarked papers."),
]


def filter_options(func):
    for option in reversed(_filter_options):
        func = option(func)
    return func


@cli.command()
@click.argument("query", nargs=-1, required=False)
@click.option("--limit", "-n", default=20, show_default=True, type=click.IntRange(min=1))
@click.option("--sort", type=click.Choice(SORTS), default="relevance", show_default=True)
@filter_options
@click.option("--facets", "with_facets", is_flag=True, help="Also count hits per year and org.")
@click.option("--json", "as_json", is_flag=True, help="Print hits as JSON.")
@click.option(
    "--strict",
    is_flag=True,
    help="Run the query exactly as typed: no spelling correction, no relaxing to "
    "some of the words (a correction is only suggested).",
)
@pass_context
def search(
    obj: Context,
    query: tuple[str, ...],
    limit: int,
    sort: str,
    years: tuple[int, int] | None,
    organisation: str | None,
    bookmarked: bool,
    with_facets: bool,
    as_json: bool,
    strict: bool,
) -> None:
    """Search the index. QUERY uses Whoosh's query language.

    Forgiving by default, like the app: a query that finds nothing runs as its
    spelling correction, and plain words that no paper has together list the
    papers with the most of them; what was run is said on standard error (and
    in --json as "ran", "notice" and "suggestion"). --strict runs the query as
    typed. A query that does not parse is an error either way (exit status 2).

    \b
    Examples:
      paperbrowse search latent diffusion
      paperbrowse search 'title:"latent diffusion"' --json
      paperbrowse search 'year:[2023 TO 2025]' --sort date
      paperbrowse search diffusion --year 2025 --facets
      paperbrowse search 'difusion~' 'NOT audio'
      paperbrowse search --strict 'wavlet video'
    """
    text = " ".join(query)
    index = obj.open_index(quiet=True).index
    filters = _filters(obj, years, organisation, bookmarked)

    def run():
        if not strict and text.strip():
            index.parse(text)  # a malformed query is an error, not its plain words
        return index.search(
            text,
            sort=sort,
            limit=limit,
            filters=filters,
            facets=with_facets,
            forgiving=not strict,
        )

    try:
        try:
            results = run()
        except IndexDamaged as exc:  # damage that kept the file's time: rebuild, search again
            index = obj.open_index(quiet=True, damaged=f"the index is damaged ({exc.reason})").index
            results = run()
    except QueryError as exc:
        click.echo(f"error: {exc}", err=True)
        click.echo("See 'paperbrowse search --help' for the query syntax.", err=True)
        sys.exit(2)
    _print_results(results, as_json, with_facets)
    if results.ran is not None and results.ran != text:
        click.echo(f"searched for {results.ran!r} instead: {results.notice}", err=True)
    elif results.notice:
        click.echo(results.notice, err=True)
    if results.total == 0 and organisation:
        _unknown_organisation(index, organisation)
    suggestion = results.suggestion
    if strict and text.strip() and results.total < SUGGEST_BELOW:
        suggestion = index.correct(text)
    if suggestion:
        click.echo(f"Did you mean: paperbrowse search {shlex.quote(suggestion)}", err=True)


def _unknown_organisation(index, organisation: str) -> None:
    """When ``--org`` chose no paper at all, say so on stderr with the closest
    organisations the index knows (a typo gave an empty answer and no reason)."""
    from rapidfuzz import process

    if index.search("", limit=0, filters=Filters(organisation=organisation)).total:
        return  # the organisation exists; the query found none of its papers
    facets = index.search("", limit=0, facets=True).facets
    names = [name for name, _ in facets.organisations] if facets is not None else []
    close = [m[0] for m in process.extract(organisation, names, limit=3, score_cutoff=50)]
    hint = f"; closest: {', '.join(close)}" if close else ""
    click.echo(f"no paper is from an organisation named {organisation!r}{hint}", err=True)


@cli.command()
@click.argument("paper_id")
@click.option("--limit", "-n", default=10, show_default=True, type=click.IntRange(min=1))
@filter_options
@click.option("--json", "as_json", is_flag=True, help="Print hits as JSON.")
@pass_context
def similar(
    obj: Context,
    paper_id: str,
    limit: int,
    years: tuple[int, int] | None,
    organisation: str | None,
    bookmarked: bool,
    as_json: bool,
) -> None:
    """List the papers most similar to PAPER_ID (more-like-this on title and abstract).

    PAPER_ID is an id as 'paperbrowse search' prints it (pb:6da686ffb410,
    arxiv:2006.07733), an arXiv id or URL, a DOI or doi.org URL, or a citation key.
    An unknown or ambiguous id is reported with the closest candidates (exit status 2).
    """
    from paperbrowse.cli_library import resolve_refs

    index = obj.open_index(quiet=True).index
    found, ok = resolve_refs(obj, [paper_id])
    if not ok:
        sys.exit(2)
    filters = _filters(obj, years, organisation, bookmarked)
    try:
        results = index.similar(found[0].id, limit=limit, filters=filters)
    except KeyError:
        click.echo(f"error: {found[0].id} is in your library but not in the index", err=True)
        click.echo("Find ids with 'paperbrowse search QUERY'.", err=True)
        sys.exit(2)
    _print_results(results, as_json, False)


@cli.command("index")
@click.option("--rebuild", is_flag=True, help="Rebuild even if the index is up to date.")
@pass_context
def index_cmd(obj: Context, rebuild: bool) -> None:
    """Build the search index if it is missing or stale, and report on it.

    An index behind the library (papers stored by an import that was killed
    before it indexed them, or while another process held the index) is
    caught up, and said to be: "up to date" only when its library revision
    is the library's.
    """
    from paperbrowse.core.fulltext import index_store
    from paperbrowse.core.index import WRITER_BUSY

    library = obj.library()
    store = index_store(obj.locations)

    def behind() -> bool:
        current = store.read_current()
        if current is None or current[1].revision >= library.revision():
            return False
        click.echo(
            f"index behind the library: catching up (index at revision {current[1].revision}, "
            f"library at {library.revision()})",
            err=True,
        )
        return True

    was_behind = not rebuild and behind()
    opened = obj.open_index(rebuild=rebuild)  # catches up unless another process writes
    if not opened.built and store.read_current() and behind():
        store.catch_up(library, on_wait=lambda: click.echo(WRITER_BUSY, err=True))
        was_behind = True
    current = store.read_current()
    state = "rebuilt" if opened.built else "caught up" if was_behind else "up to date"
    docs = current[1].docs if current is not None else opened.index.stamp.docs
    click.echo(f"index {state}: {docs} papers, {obj.locations.index_root}")


@cli.command("check")
@pass_context
def check_cmd(obj: Context) -> None:
    """Check the library and the search index for damage, and mend the index.

    \b
    Checks:
      the library: SQLite's integrity check (read-only);
      the index: every file against the checksum written when it was committed;
      counts: the index holds every paper of the corpus and the library.
    A damaged index is rebuilt from the corpus and the library (nothing is lost);
    an index behind the library is caught up. Exit status 1 if a problem remains.
    """
    from paperbrowse.core.service import check_data

    try:
        library = obj.library()
    except click.ClickException as exc:  # too damaged to open: say so, and what to restore
        report = check_data(obj.locations, obj.corpus, None)
        click.echo(f"library: DAMAGED ({obj.locations.library_path})")
        for problem in report.library or [exc.message]:
            click.echo(f"  {problem}")
        _restore_hint(obj)
        sys.exit(1)
    report = check_data(obj.locations, obj.corpus, library)
    click.echo(
        f"library: {'ok' if not report.library else 'DAMAGED'} "
        f"({report.library_papers} imported papers, {obj.locations.library_path})"
    )
    for problem in report.library:
        click.echo(f"  {problem}")
    if report.library:
        _restore_hint(obj)
    for missing in report.missing_pdfs:  # the user's to re-attach or detach; not damage
        click.echo(f"PDF missing: {missing}")
    if report.index:
        click.echo(f"index: DAMAGED ({obj.locations.index_root})")
        for problem in report.index:
            click.echo(f"  {problem}")
        reason = "; ".join(report.index[:3])
        opened = obj.open_index(damaged=f"the index is damaged ({reason})")
        click.echo(f"index: rebuilt, {opened.index.stamp.docs} papers")
        report = check_data(obj.locations, obj.corpus, library)
    else:
        click.echo(
            f"index: ok ({report.files_checked} files match their checksums, "
            f"{report.index_docs} papers)"
        )
    if report.counts:
        for problem in report.counts:
            click.echo(f"counts: {problem}")
        opened = obj.open_index(rebuild=any("not in the index" in p for p in report.counts))
        from paperbrowse.core.fulltext import index_store

        index_store(obj.locations).catch_up(library)
        report = check_data(obj.locations, obj.corpus, library)
        click.echo("counts: mended" if not report.counts else "counts: still wrong")
    else:
        click.echo("counts: ok (the index holds every paper of the corpus and the library)")
    if not report.ok:
        sys.exit(1)


def _restore_hint(obj: Context) -> None:
    """Name the backup to restore a damaged library from (or say there is none)."""
    from paperbrowse.core.backup import backup_folder, list_backups

    folder = backup_folder(obj.locations.library_path)
    daily = [b for b in list_backups(folder) if not b.before_restore]
    if not daily:
        click.echo(f"  no backup to restore from in {folder}")
        return
    newest = daily[0]
    click.echo(
        f"  restore the last backup ({newest.day.isoformat()}, {newest.path}) with:\n"
        f"    paperbrowse backup restore {newest.day.isoformat()}\n"
        "  (restoring first keeps the damaged file in the backups folder; "
        "'paperbrowse backup list' lists the other backups)"
    )


@cli.group("backup")
def backup_group() -> None:
    """Backups of the library (bookmarks, tags, notes, lists, imported papers).

    \b
    One is made automatically at most once a day, before the first change of
    the day, in DATA_DIR/backups/library-YYYY-MM-DD.sqlite3; the last 7 are kept.
    """


@backup_group.command("list")
@pass_context
def backup_list(obj: Context) -> None:
    """List the backups, newest first."""
    from paperbrowse.core.backup import backup_folder, list_backups

    folder = backup_folder(obj.locations.library_path)
    backups = list_backups(folder)
    if not backups:
        click.echo(f"No backups yet in {folder}.", err=True)
        return
    for backup in backups:
        kind = "  (before a restore)" if backup.before_restore else ""
        click.echo(f"{backup.day.isoformat()}\t{backup.size:>12,} bytes\t{backup.path}{kind}")


@backup_group.command("now")
@pass_context
def backup_now_cmd(obj: Context) -> None:
    """Back up the library now (replacing today's backup)."""
    import sqlite3

    from paperbrowse.core.backup import BackupError, backup_now

    path = obj.locations.library_path
    try:
        written = backup_now(path)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    except (OSError, sqlite3.Error) as exc:
        raise click.ClickException(f"cannot back up {path}: {exc}") from exc
    click.echo(f"Backed up the library to {written}")


@backup_group.command("restore")
@click.argument("which", required=False, metavar="[DATE|FILE]")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@pass_context
def backup_restore(obj: Context, which: str | None, yes: bool) -> None:
    """Replace the library with a backup: the newest, that of DATE (YYYY-MM-DD), or FILE.

    The current library is first copied to the backups folder
    (library-…-before-restore.sqlite3), so a restore can be undone by
    restoring that file. The search index catches up at the next command.
    Close the app and wait for imports to end first.
    """
    import sqlite3

    from paperbrowse.core.backup import BackupError, backup_folder, find_backup, restore
    from paperbrowse.core.ingest import ImportBusy, import_lock
    from paperbrowse.core.library import LIBRARY_SCHEMA_VERSION

    path = obj.locations.library_path
    try:
        source = find_backup(backup_folder(path), which)
        if not yes:
            click.confirm(f"Replace {path} with {source}?", abort=True, err=True)
        with import_lock(obj.locations, on_wait=None):
            safety = restore(path, source, newest_schema=LIBRARY_SCHEMA_VERSION)
    except (BackupError, ImportBusy) as exc:
        raise click.ClickException(str(exc)) from exc
    except (OSError, sqlite3.Error) as exc:
        raise click.ClickException(f"cannot restore {path}: {exc}; it is unchanged") from exc
    click.echo(f"Restored {path} from {source}")
    if safety is not None:
        click.echo(f"The library as it was is kept in {safety}")
    try:  # the index holds the papers of the old library: rebuild it from the restored one
        obj.open_index(rebuild=True, quiet=True)
    except click.ClickException as exc:
        click.echo(
            f"warning: the index was not rebuilt ({exc.message}); "
            "run 'paperbrowse index --rebuild'",
            err=True,
        )


for _command in [*COMMANDS, *LINK_COMMANDS, *PDF_COMMANDS, *WATCH_COMMANDS]:
    cli.add_command(_command)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="paperbrowse")
