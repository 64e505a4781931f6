"""Watches: named saved searches that ``paperbrowse update`` keeps filled with new papers.

A **watch** is a query over the local index (Whoosh's query language, with
optional year and organisation filters) plus, optionally, sources to poll: an
arXiv API query (``cat:cs.LG AND abs:diffusion``) and/or the Hugging Face daily
papers. The watches live in the library database (tables ``watches``,
``watch_papers`` and ``seen``, created by the library's schema migration 5);
this module holds their SQL and runs on the library's connections and
transactions.

:func:`update_watches` polls every watch's sources for what appeared since its
last successful update, imports it through the ordinary pipeline
(:func:`~paperbrowse.core.ingest.import_records`: de-duplicated, stored,
indexed) and records which papers each watch brought:

* **arXiv**: the watch's query restricted to ``submittedDate:[FROM TO TO]``
  (GMT, ``YYYYMMDDHHMM``), where ``FROM`` is the end of the last finished
  range less :data:`ARXIV_OVERLAP_DAYS` (the first time: :data:`FIRST_DAYS`
  days back) and ``TO`` is now. The overlap is there because arXiv lists a
  paper only once it is announced, up to three days (over a weekend) after
  its submission date: a range ending now may not hold yet what was
  submitted just before; the papers fetched twice add nothing. The
  range is fixed when it starts and kept with an offset of entries done, so
  the result list is stable (newer submissions fall after ``TO``) and paging
  (``sortBy=submittedDate``, ascending, ``page_size`` per request, 3 s apart)
  can stop and resume at any page. Every arXiv result belongs to the watch:
  the arXiv query is its filter.
* **Hugging Face**: each day from the day after the last one fetched for good
  up to today, at most :data:`MAX_DAYS` days (older days are skipped, and
  said so). Today is fetched but not counted as done (its list grows during
  the day), so the next update fetches it again. Each day is fetched once per
  run, however many watches ask for it. A featured paper belongs to the watch
  when it matches the watch's local query.
* **Local**: papers stored in the library since the watch last looked
  (its library revision cursor, starting when the watch was made) that match
  the local query, whatever brought them (``paperbrowse add``, another watch).

**Resumable.** Each page or day is imported first, then its papers and the
watch's cursor are recorded in one transaction. An update stopped anywhere
(offline, Ctrl-C, ``kill``) resumes at the first page or day not recorded; a
page imported but not recorded is fetched again, and importing it again
changes nothing. **Idempotent:** a paper is recorded once per watch
(``INSERT OR IGNORE``), so running ``update`` twice adds nothing.

**Seen** is per paper, not per watch: marking a paper seen in one watch marks
it seen in every watch that has it (table ``seen``).

Nothing here imports the UI; :class:`WatchStore` is the data the app shows.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from paperbrowse.core.library import Library
from paperbrowse.core.models import Filters, Paper
from paperbrowse.core.sources.common import SourceError, SourceUnavailable

if TYPE_CHECKING:
    from paperbrowse.core.locations import Locations
    from paperbrowse.core.service import Corpus
    from paperbrowse.core.sources.arxiv import ArxivClient
    from paperbrowse.core.sources.hf import DailyPapersClient

#: Days of arXiv submissions a new watch looks back on its first update.
FIRST_DAYS = 7
#: Days each arXiv range reaches back before the end of the previous one
#: (submission to announcement takes up to about three and a half days).
ARXIV_OVERLAP_DAYS = 4
#: Stored papers matched against a watch's local query per index search.
LOCAL_CHUNK = 5000
#: Most days of Hugging Face daily papers one update fetches per watch.
MAX_DAYS = 7
#: Most arXiv entries one update fetches per watch; the rest waits for the next run.
MAX_ARXIV_PER_RUN = 1000
#: Longest watch name, in characters.
MAX_NAME_CHARS = 100

#: How a paper came to a watch (``WatchPaper.via``).
VIA_ARXIV = "arxiv"
VIA_HF = "hf"
VIA_LOCAL = "local"

_ARXIV_TIME = "%Y%m%d%H%M"


class WatchError(ValueError):
    """A bad watch name, query or filter, or an unknown or duplicate watch; the
    message names it."""


@dataclass(frozen=True, slots=True)
class Watch:
    """One watch, as stored.

    Attributes:
        name: as the user wrote it (unique case-insensitively).
        query: the local query, Whoosh's query language ("" matches every paper).
        arxiv_query: an arXiv API ``search_query`` to poll, or ``None``.
        hf: whether to poll the Hugging Face daily papers.
        years: inclusive ``(first, last)`` publication years, or ``None``.
        organisation: exact organisation display name, or ``None``.
        created_at: ISO 8601 time (UTC) it was made.
        updated_at: ISO 8601 time (UTC) of its last update that reached every
            source, or ``None``.
        total: papers it holds.
        unseen: of those, papers not seen yet (in any watch).
    """

    name: str
    query: str
    arxiv_query: str | None = None
    hf: bool = False
    years: tuple[int, int] | None = None
    organisation: str | None = None
    created_at: str = ""
    updated_at: str | None = None
    total: int = 0
    unseen: int = 0

    @property
    def filters(self) -> Filters:
        """The local filters as the index takes them."""
        return Filters(years=self.years, organisation=self.organisation)

    def describe(self) -> str:
        """One line: ``diffusion  "diffusion"  arXiv: cat:cs.LG  HF  2024–2026``."""
        parts = [self.name, json.dumps(self.query, ensure_ascii=False)]
        if self.arxiv_query:
            parts.append(f"arXiv: {self.arxiv_query}")
        if self.hf:
            parts.append("Hugging Face")
        described = self.filters.describe()
        if described:
            parts.append(described)
        return "  ".join(parts)


@dataclass(frozen=True, slots=True)
class WatchPaper:
    """A paper a watch holds.

    Attributes:
        paper: the paper as recorded when the watch got it (the library's
            merged copy when it has one).
        added_at: ISO 8601 time (UTC) the watch got it.
        seen: whether it was marked seen (in any watch).
        via: :data:`VIA_ARXIV`, :data:`VIA_HF` or :data:`VIA_LOCAL`.
    """

    paper: Paper
    added_at: str
    seen: bool
    via: str


@dataclass
class UpdateReport:
    """What :func:`update_watches` did.

    Attributes:
        new: watch name → the papers it got in this run, in the order they came.
        unreachable: one message per service that could not be reached (the
            :class:`SourceUnavailable` text, naming the service and URL).
        errors: answers that are not the network failing but are not usable
            either (arXiv error entries, HTTP 4xx, records that could not be
            read), one line each naming the watch or day; what they concern
            is fetched again next time.
        notices: what the user should know but is no error: days of daily
            papers skipped, an arXiv range left for the next run.
        imported: papers new to the library.
    """

    new: dict[str, list[Paper]] = field(default_factory=dict)
    unreachable: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    imported: int = 0

    @property
    def ok(self) -> bool:
        """True when every service was reached and answered usably (exit status 0)."""
        return not self.unreachable and not self.errors

    @property
    def count(self) -> int:
        """New (watch, paper) pairs in this run."""
        return sum(len(papers) for papers in self.new.values())


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def check_name(name: str) -> str:
    """A watch name with white space collapsed.

    Raises:
        WatchError: empty, longer than :data:`MAX_NAME_CHARS`, or with a control character.
    """
    cleaned = " ".join(name.split())
    if not cleaned:
        raise WatchError("a watch needs a name")
    if len(cleaned) > MAX_NAME_CHARS:
        raise WatchError(f"watch name longer than {MAX_NAME_CHARS} characters: {cleaned[:20]!r}…")
    if any(ord(c) < 32 for c in name if c not in "\t\n\r"):
        raise WatchError(f"watch name {cleaned!r} has a control character")
    return cleaned


class WatchStore:
    """The watches of one library: define them, list their papers, mark papers seen.

    Every method opens its own connection on the library's database (see
    :class:`~paperbrowse.core.library.Library`); writes are one ``BEGIN
    IMMEDIATE`` transaction each and raise what the library's writes raise
    (``ReadOnlyLibrary``, ``DiskFull``).

    Args:
        library: the library holding the watches (schema 5 or later).
        clock: the current time, ISO 8601 UTC (tests fix it).
    """

    def __init__(self, library: Library, clock: Callable[[], str] = _now) -> None:
        self.library = library
        self.clock = clock

    # -- connections (the library's own, so migrations, WAL, read-only and a
    # full disk behave as for every other table) ---------------------------------
    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        with self.library.connect() as db:
            yield db

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        with self.library.connect() as db, self.library.transaction(db):
            yield db

    # -- definitions -----------------------------------------------------------
    def add(
        self,
        name: str,
        query: str,
        *,
        arxiv_query: str | None = None,
        hf: bool = False,
        years: tuple[int, int] | None = None,
        organisation: str | None = None,
    ) -> Watch:
        """Make a watch. Its local part starts now: papers stored in the library
        from now on that match ``query`` come to it.

        Raises:
            WatchError: a bad name, an empty arXiv query, or a watch of that
                name exists.
        """
        name = check_name(name)
        if arxiv_query is not None and not arxiv_query.strip():
            raise WatchError(f"watch {name!r}: the arXiv query is empty")
        filters = {"years": list(years) if years else None, "organisation": organisation}
        now = self.clock()
        try:
            with self._writing() as db:
                revision = db.execute("SELECT revision FROM library_state WHERE id = 1").fetchone()[
                    0
                ]
                db.execute(
                    "INSERT INTO watches(name, name_key, query, arxiv_query, hf, filters,"
                    " created_at, local_revision) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        name,
                        _name_key(name),
                        query.strip(),
                        arxiv_query.strip() if arxiv_query else None,
                        int(hf),
                        json.dumps(filters),
                        now,
                        revision,
                    ),
                )
        except sqlite3.IntegrityError:
            raise WatchError(f"there is already a watch named {name!r}") from None
        return self.get(name)

    def remove(self, name: str) -> bool:
        """Delete a watch and its record of papers (the papers stay in the
        library, and stay seen). Returns False if there was no such watch."""
        with self._writing() as db:
            row = db.execute(
                "SELECT watch_id FROM watches WHERE name_key = ?", (_name_key(name),)
            ).fetchone()
            if row is None:
                return False
            db.execute("DELETE FROM watch_papers WHERE watch_id = ?", row)
            db.execute("DELETE FROM watches WHERE watch_id = ?", row)
        return True

    _SELECT = (
        "SELECT w.name, w.query, w.arxiv_query, w.hf, w.filters, w.created_at, w.updated_at,"
        " (SELECT COUNT(*) FROM watch_papers p WHERE p.watch_id = w.watch_id),"
        " (SELECT COUNT(*) FROM watch_papers p WHERE p.watch_id = w.watch_id"
        "  AND p.paper_id NOT IN (SELECT paper_id FROM seen))"
        " FROM watches w"
    )

    @staticmethod
    def _watch(row: tuple) -> Watch:
        name, query, arxiv_query, hf, filters, created, updated, total, unseen = row
        extra = json.loads(filters or "{}")
        years = tuple(extra["years"]) if extra.get("years") else None
        return Watch(
            name=name,
            query=query,
            arxiv_query=arxiv_query,
            hf=bool(hf),
            years=years,  # type: ignore[arg-type]
            organisation=extra.get("organisation"),
            created_at=created,
            updated_at=updated,
            total=total,
            unseen=unseen,
        )

    def get(self, name: str) -> Watch:
        """The watch named ``name`` (case-insensitively).

        Raises:
            WatchError: no such watch; the message lists the watches there are.
        """
        with self._reading() as db:
            row = db.execute(self._SELECT + " WHERE w.name_key = ?", (_name_key(name),)).fetchone()
        if row is None:
            names = [w.name for w in self.list()]
            known = f"; the watches are: {', '.join(names)}" if names else "; there are none yet"
            raise WatchError(f"no watch named {name!r}{known}")
        return self._watch(row)

    def list(self) -> list[Watch]:
        """Every watch, by name (case-insensitively), with its counts."""
        with self._reading() as db:
            rows = db.execute(self._SELECT + " ORDER BY w.name_key").fetchall()
        return [self._watch(row) for row in rows]

    def unseen_counts(self) -> dict[str, int]:
        """Watch name → papers not seen yet (the app's inbox list)."""
        return {w.name: w.unseen for w in self.list()}

    # -- papers ------------------------------------------------------------------
    def papers(self, name: str, *, unseen_only: bool = False) -> list[WatchPaper]:
        """The papers of a watch, newest first: by publication date (undated
        last), then the time the watch got them, then id.

        Raises:
            WatchError: no such watch.
        """
        self.get(name)
        sql = (
            "SELECT p.paper, p.added_at, s.paper_id IS NOT NULL, p.via"
            " FROM watch_papers p JOIN watches w ON w.watch_id = p.watch_id"
            " LEFT JOIN seen s ON s.paper_id = p.paper_id WHERE w.name_key = ?"
            + (" AND s.paper_id IS NULL" if unseen_only else "")
            + " ORDER BY p.published IS NULL, p.published DESC, p.added_at DESC, p.paper_id"
        )
        with self._reading() as db:
            rows = db.execute(sql, (_name_key(name),)).fetchall()
        return [
            WatchPaper(Paper.from_dict(json.loads(payload)), added, bool(seen), via)
            for payload, added, seen, via in rows
        ]

    def inbox(self) -> list[tuple[Paper, tuple[str, ...]]]:
        """Every unseen paper of every watch, once each, newest first (as
        :meth:`papers` orders them), with the names of the watches holding it:
        the app's inbox screen.

        Returns:
            ``[(paper, ("diffusion", "video")), …]``, the watch names sorted
            case-insensitively; the paper is one of the copies the watches
            recorded (they differ only if it was updated in between).
        """
        with self._reading() as db:
            rows = db.execute(
                "SELECT p.paper_id, MIN(p.paper), MAX(p.published), MAX(p.added_at),"
                " GROUP_CONCAT(w.name, char(31))"
                " FROM watch_papers p JOIN watches w ON w.watch_id = p.watch_id"
                " WHERE p.paper_id NOT IN (SELECT paper_id FROM seen)"
                " GROUP BY p.paper_id ORDER BY MAX(p.published) IS NULL,"
                " MAX(p.published) DESC, MAX(p.added_at) DESC, p.paper_id"
            ).fetchall()
        return [
            (
                Paper.from_dict(json.loads(payload)),
                tuple(sorted(names.split("\x1f"), key=str.casefold)),
            )
            for _id, payload, _published, _added, names in rows
        ]

    def is_seen(self, paper_id: str) -> bool:
        """Whether ``paper_id`` was marked seen."""
        with self._reading() as db:
            row = db.execute("SELECT 1 FROM seen WHERE paper_id = ?", (paper_id,)).fetchone()
        return row is not None

    def mark_seen(self, paper_ids: Iterable[str]) -> int:
        """Mark papers seen (in every watch). Returns how many were not seen before."""
        now = self.clock()
        with self._writing() as db:
            before = db.total_changes
            db.executemany(
                "INSERT OR IGNORE INTO seen(paper_id, seen_at) VALUES (?, ?)",
                [(paper_id, now) for paper_id in paper_ids],
            )
            return db.total_changes - before

    def mark_unseen(self, paper_ids: Iterable[str]) -> int:
        """Undo :meth:`mark_seen`. Returns how many were seen before."""
        with self._writing() as db:
            before = db.total_changes
            db.executemany("DELETE FROM seen WHERE paper_id = ?", [(p,) for p in paper_ids])
            return db.total_changes - before

    def mark_all_seen(self, name: str) -> int:
        """Mark every paper of a watch seen. Returns how many were unseen.

        Raises:
            WatchError: no such watch.
        """
        self.get(name)
        now = self.clock()
        with self._writing() as db:
            before = db.total_changes
            db.execute(
                "INSERT OR IGNORE INTO seen(paper_id, seen_at)"
                " SELECT p.paper_id, ? FROM watch_papers p JOIN watches w"
                " ON w.watch_id = p.watch_id WHERE w.name_key = ?",
                (now, _name_key(name)),
            )
            return db.total_changes - before

    # -- update bookkeeping (used by update_watches) -----------------------------
    def _state(self, name: str) -> dict:
        with self._reading() as db:
            db.row_factory = sqlite3.Row
            row = db.execute(
                "SELECT * FROM watches WHERE name_key = ?", (_name_key(name),)
            ).fetchone()
        if row is None:
            raise WatchError(f"no watch named {name!r}")
        return dict(row)

    def record_found(
        self, watch_id: int, papers: Iterable[Paper], via: str, cursor: dict[str, object]
    ) -> list[Paper]:
        """Record ``papers`` for a watch and move its cursor, in one transaction.

        Returns:
            The papers the watch did not have before.
        """
        now = self.clock()
        added: list[Paper] = []
        with self._writing() as db:
            for paper in papers:
                cursor_ = db.execute(
                    "INSERT OR IGNORE INTO watch_papers(watch_id, paper_id, added_at, published,"
                    " via, paper) VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        watch_id,
                        paper.id,
                        now,
                        paper.published.isoformat() if paper.published else None,
                        via,
                        json.dumps(paper.to_dict(), ensure_ascii=False, sort_keys=True),
                    ),
                )
                if cursor_.rowcount:
                    added.append(paper)
            if cursor:
                columns = ", ".join(f"{column} = ?" for column in cursor)
                db.execute(
                    f"UPDATE watches SET {columns} WHERE watch_id = ?",
                    (*cursor.values(), watch_id),
                )
        return added


# --------------------------------------------------------------------- update
def arxiv_time(moment: datetime) -> str:
    """``moment`` as arXiv's ``submittedDate`` ranges take it: ``YYYYMMDDHHMM`` in GMT."""
    return moment.astimezone(UTC).strftime(_ARXIV_TIME)


def arxiv_window_query(query: str, start: str, end: str) -> str:
    """The watch's arXiv query restricted to submissions from ``start`` to ``end``
    (``YYYYMMDDHHMM``, both included): ``(Q) AND submittedDate:[start TO end]``."""
    return f"({query}) AND submittedDate:[{start} TO {end}]"


def hf_days(last_done: date | None, today: date, max_days: int = MAX_DAYS) -> list[date]:
    """The days to fetch: from the day after ``last_done`` to ``today``, the
    last ``max_days`` of them (the first update: the last ``max_days`` days)."""
    first = today - timedelta(days=max_days - 1)
    if last_done is not None:
        first = max(first, last_done + timedelta(days=1))
    return [first + timedelta(days=n) for n in range((today - first).days + 1)]


class _Run:
    """One :func:`update_watches` call: the clients, the import, the report."""

    def __init__(
        self,
        store: WatchStore,
        locations: Locations,
        corpus: Corpus,
        arxiv: ArxivClient | None,
        hf: DailyPapersClient | None,
        report: UpdateReport,
        on_wait: Callable[[], None] | None,
    ) -> None:
        self.store = store
        self.locations = locations
        self.corpus = corpus
        self.arxiv = arxiv
        self.hf = hf
        self.report = report
        self.on_wait = on_wait
        self.down: set[str] = set()  # services found unreachable in this run
        self.hf_days: dict[date, list[Paper] | None] = {}  # None: failed this run
        self._index: tuple[int, object] | None = None  # (library revision, PaperIndex)

    def unreachable(self, service: str, exc: SourceUnavailable) -> None:
        self.down.add(service)
        self.report.unreachable.append(str(exc))

    def import_papers(self, records: list, where: str) -> list[Paper]:
        """Import records; the stored papers they became (the library's merged
        copy, with the id the paper has there), in record order."""
        from paperbrowse.core.ingest import import_records

        papers = [r for r in records if isinstance(r, Paper)]
        for error in records:
            if isinstance(error, SourceError):
                self.report.errors.append(f"{where}: {error}")
        if not papers:
            return []
        summary = import_records(
            papers,
            locations=self.locations,
            corpus=self.corpus,
            library=self.store.library,
            on_wait=self.on_wait,
        )
        self.report.imported += summary.added
        stored: dict[str, Paper] = {}
        for paper in papers:
            found = self.store.library.find_stored(paper) or paper
            stored.setdefault(found.id, found)
        return list(stored.values())

    # -- arXiv ------------------------------------------------------------------
    def arxiv_pages(self, watch: Watch, state: dict, now: datetime, limit: int) -> bool:
        """Fetch the watch's arXiv range page by page; True if it finished."""
        assert self.arxiv is not None and watch.arxiv_query
        start_at = state["arxiv_window_from"]
        end_at = state["arxiv_window_to"]
        offset = state["arxiv_start"]
        if not start_at:  # a new range: from the end of the last one to now
            if state["arxiv_until"]:
                until = datetime.strptime(state["arxiv_until"], _ARXIV_TIME).replace(tzinfo=UTC)
                start_at = arxiv_time(until - timedelta(days=ARXIV_OVERLAP_DAYS))
            else:
                start_at = arxiv_time(now - timedelta(days=FIRST_DAYS))
            end_at = arxiv_time(now)
            offset = 0
            self.store.record_found(
                state["watch_id"],
                (),
                VIA_ARXIV,
                {"arxiv_window_from": start_at, "arxiv_window_to": end_at, "arxiv_start": 0},
            )
        query = arxiv_window_query(watch.arxiv_query, start_at, end_at)
        fetched = 0
        new = self.report.new.setdefault(watch.name, [])
        while True:
            if fetched >= limit:
                self.report.notices.append(
                    f"watch {watch.name!r}: stopped after {fetched} arXiv entries this run; "
                    "the next 'paperbrowse update' goes on from there"
                )
                return False
            try:
                records, total = self.arxiv.search_page(
                    query, offset, sort_by="submittedDate", sort_order="ascending"
                )
            except SourceUnavailable as exc:
                self.unreachable("arXiv", exc)
                return False
            if total is None:  # an error answer: the range stays to be done
                reasons = "; ".join(str(r) for r in records if isinstance(r, SourceError))
                self.report.errors.append(f"watch {watch.name!r}: {reasons}")
                return False
            if not records and offset < total:
                # arXiv sometimes answers an empty page in the middle of a result list
                self.report.errors.append(
                    f"watch {watch.name!r}: arXiv answered no entries from entry {offset + 1}"
                    f" of {total}; the next 'paperbrowse update' asks again from there"
                )
                return False
            papers = self.import_papers(records, f"watch {watch.name!r}")
            offset += len(records)
            fetched += len(records)
            done = not records or offset >= total
            cursor: dict[str, object] = {"arxiv_start": offset}
            if done:
                cursor = {
                    "arxiv_until": end_at,
                    "arxiv_window_from": None,
                    "arxiv_window_to": None,
                    "arxiv_start": 0,
                }
            new += self.store.record_found(state["watch_id"], papers, VIA_ARXIV, cursor)
            if done:
                return True

    # -- Hugging Face -------------------------------------------------------------
    def hf_day(self, day: date) -> list[Paper] | None:
        """The stored papers featured on ``day`` (fetched and imported once per
        run), or ``None`` when the day could not be had."""
        if day in self.hf_days:
            return self.hf_days[day]
        assert self.hf is not None
        result: list[Paper] | None
        try:
            records = list(self.hf.fetch_date(day))
        except SourceUnavailable as exc:
            self.unreachable("Hugging Face", exc)
            result = None
        else:
            failed = [r for r in records if isinstance(r, SourceError) and r.location == "response"]
            if failed:
                self.report.errors.append(f"Hugging Face daily papers {day}: {failed[0]}")
                result = None
            else:
                result = self.import_papers(records, f"Hugging Face daily papers {day}")
        self.hf_days[day] = result
        return result

    def hf_updates(self, watch: Watch, state: dict, today: date, max_days: int) -> bool:
        """Fetch the watch's days of daily papers; True if all were had."""
        last = date.fromisoformat(state["hf_until"]) if state["hf_until"] else None
        days = hf_days(last, today, max_days)
        if last is not None and days and (days[0] - last).days > 1:
            self.report.notices.append(
                f"watch {watch.name!r}: Hugging Face daily papers from {last + timedelta(days=1)}"
                f" to {days[0] - timedelta(days=1)} skipped (at most {max_days} days per update)"
            )
        new = self.report.new.setdefault(watch.name, [])
        for day in days:
            if "Hugging Face" in self.down:
                return False
            papers = self.hf_day(day)
            if papers is None:
                return False
            matching = self.matching(watch, papers)
            # today's list still grows: it is fetched again next time
            cursor = {"hf_until": day.isoformat()} if day < today else {}
            new += self.store.record_found(state["watch_id"], matching, VIA_HF, cursor)
        return True

    # -- local ----------------------------------------------------------------------
    def index(self):
        """The index, opened again only when the library moved on since the last open."""
        from paperbrowse.core.service import open_index

        revision = self.store.library.revision()
        if self._index is None or self._index[0] != revision:
            opened = open_index(self.locations, self.corpus, library=self.store.library)
            self._index = (revision, opened.index)
        return self._index[1]

    def matching(self, watch: Watch, papers: list[Paper]) -> list[Paper]:
        """The papers among ``papers`` that the watch's local query and filters match."""
        if not papers:
            return []
        from dataclasses import replace

        from paperbrowse.core.engine.query import QueryError

        by_id = {p.id: p for p in papers}
        filters = replace(watch.filters, ids=frozenset(by_id))
        try:
            results = self.index().search(watch.query, filters=filters, limit=None)
        except QueryError as exc:
            self.report.errors.append(f"watch {watch.name!r}: its query does not parse: {exc}")
            return []
        return [by_id[hit.paper.id] for hit in results.hits if hit.paper.id in by_id]

    def local(self, watch: Watch, state: dict) -> None:
        """Add the library's papers stored since the watch last looked that match
        it, :data:`LOCAL_CHUNK` papers per search; the cursor moves with each chunk."""
        library = self.store.library
        revision = library.revision()
        since = state["local_revision"]
        new = self.report.new.setdefault(watch.name, [])
        chunk: list[Paper] = []
        if revision > since:
            for _rev, paper in library.stored_papers(since):
                if _rev > revision:
                    break  # stored after this run looked: the next run's
                chunk.append(paper)
                if len(chunk) >= LOCAL_CHUNK:
                    new += self.store.record_found(
                        state["watch_id"], self.matching(watch, chunk), VIA_LOCAL, {}
                    )
                    chunk = []
        new += self.store.record_found(
            state["watch_id"], self.matching(watch, chunk), VIA_LOCAL, {"local_revision": revision}
        )


def update_watches(
    store: WatchStore,
    *,
    locations: Locations,
    corpus: Corpus,
    arxiv: ArxivClient | None = None,
    hf: DailyPapersClient | None = None,
    names: Iterable[str] | None = None,
    now: datetime | None = None,
    max_days: int = MAX_DAYS,
    max_arxiv: int = MAX_ARXIV_PER_RUN,
    on_wait: Callable[[], None] | None = None,
) -> UpdateReport:
    """Poll the watches' sources, import what is new, record what each watch got.

    See the module docstring for what "new" means per source, resumability and
    idempotency. Sources are polled watch by watch (arXiv, then Hugging Face);
    then every watch's local query runs over the papers stored since it last
    looked, so a paper one watch brought also comes to another that matches it.

    Args:
        store: the watches.
        locations, corpus: the data directory and corpus, as for
            :func:`~paperbrowse.core.ingest.import_records`.
        arxiv: the arXiv client (its ``page_size`` is the page size); ``None``
            skips arXiv (made by the caller, so tests inject a recorded transport).
        hf: the Hugging Face client; ``None`` skips Hugging Face.
        names: only these watches (default: all).
        now: the current time (UTC; default: now).
        max_days: most days of daily papers per watch.
        max_arxiv: most arXiv entries per watch in this run.
        on_wait: see :func:`~paperbrowse.core.ingest.import_lock`.

    Returns:
        The :class:`UpdateReport`. A service that cannot be reached is
        reported in ``unreachable`` and not asked again in this run; the rest
        carries on, and the watches that reached everything get their
        ``updated_at`` set.

    Raises:
        WatchError: an unknown name in ``names``.
        ImportBusy, DiskFull, ReadOnlyLibrary: as the import raises them.
    """
    now = now or datetime.now(UTC)
    today = now.astimezone(UTC).date()
    report = UpdateReport()
    run = _Run(store, locations, corpus, arxiv, hf, report, on_wait)
    watches = [store.get(n) for n in names] if names is not None else store.list()
    complete: dict[str, bool] = {}
    for watch in watches:
        report.new.setdefault(watch.name, [])
        ok = True
        if watch.arxiv_query and arxiv is not None:
            if "arXiv" in run.down:
                ok = False
            else:
                state = store._state(watch.name)
                ok = run.arxiv_pages(watch, state, now, max_arxiv) and ok
        if watch.hf and hf is not None:
            state = store._state(watch.name)
            ok = run.hf_updates(watch, state, today, max_days) and ok
        complete[watch.name] = ok
    for watch in watches:
        run.local(watch, store._state(watch.name))
        if complete[watch.name]:
            state = store._state(watch.name)
            store.record_found(state["watch_id"], (), VIA_LOCAL, {"updated_at": store.clock()})
    return report


# ---------------------------------------------------------------------- digest
def digest(new: dict[str, list[Paper]]) -> str:
    """A plain-text digest of new papers grouped by watch, for a terminal or a mail.

    Each watch with papers gets a heading ``== name (N new) ==`` and one
    block per paper: the title, the authors (the first six, then "et al."),
    and the arXiv id with its abstract page (or the paper's URL / DOI).
    Watches without papers are left out; no papers gives ``""``.
    """
    from paperbrowse.core.sources.arxiv import abs_url

    blocks: list[str] = []
    for name, papers in new.items():
        if not papers:
            continue
        lines = [f"== {name} ({len(papers)} new) =="]
        for paper in papers:
            lines.append("")
            lines.append(f"* {paper.title}")
            if paper.authors:
                authors = ", ".join(paper.authors[:6])
                if len(paper.authors) > 6:
                    authors += " et al."
                lines.append(f"  {authors}")
            when = f" ({paper.published.isoformat()})" if paper.published else ""
            if paper.arxiv_id:
                lines.append(f"  arXiv:{paper.arxiv_id}  {abs_url(paper.arxiv_id)}{when}")
            elif paper.url or paper.doi:
                lines.append(f"  {paper.url or 'https://doi.org/' + (paper.doi or '')}{when}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + ("\n" if blocks else "")


def digest_json(new: dict[str, list[Paper]]) -> list[dict]:
    """The digest as JSON-ready data: ``[{"watch": name, "papers": [Paper.to_dict()…]}]``."""
    return [
        {"watch": name, "papers": [paper.to_dict() for paper in papers]}
        for name, papers in new.items()
    ]
