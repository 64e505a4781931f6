"""``paperbrowse update``: :func:`update_watches` polls arXiv, Hugging Face and the library.

What "new" means per source, and why an update is resumable and idempotent,
is told in the package docstring (:mod:`paperbrowse.core.watches`). This
module holds the fetching (:class:`_Run`), the cursors' arithmetic
(:func:`arxiv_time`, :func:`arxiv_window_query`, :func:`hf_days`) and the
:class:`UpdateReport`; what a run found is written through
:meth:`~paperbrowse.core.watches.store.WatchStore.record_found`.

The tunables read while a run goes (:data:`FIRST_DAYS`,
:data:`ARXIV_OVERLAP_DAYS`, :data:`LOCAL_CHUNK`) are looked up on the package
at each use, so setting ``paperbrowse.core.watches.LOCAL_CHUNK`` (the tests
do) changes them as before the split.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from paperbrowse.core.models import Paper
from paperbrowse.core.sources.common import SourceError, SourceUnavailable
from paperbrowse.core.watches.model import VIA_ARXIV, VIA_HF, VIA_LOCAL, Watch
from paperbrowse.core.watches.store import WatchStore

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

_ARXIV_TIME = "%Y%m%d%H%M"


def _tunable(name: str) -> int:
    """The package's value of the tunable ``name`` (``LOCAL_CHUNK`` …), read at each use."""
    return getattr(sys.modules[__package__], name)


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
        unfinished: watch name → why its sources were not all done in this
            run, short phrases (``"arXiv could not be reached"``, ``"arXiv
            answered an error"``, ``"more arXiv entries wait for the next
            run"``), each once; a watch absent here got everything its
            sources had. An unfinished watch keeps its cursors where they
            stopped and its ``updated_at``.
    """

    new: dict[str, list[Paper]] = field(default_factory=dict)
    unreachable: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    imported: int = 0
    unfinished: dict[str, list[str]] = field(default_factory=dict)

    def stopped(self, watch: str, reason: str) -> None:
        """Note that ``watch`` was not finished because of ``reason`` (kept once)."""
        reasons = self.unfinished.setdefault(watch, [])
        if reason not in reasons:
            reasons.append(reason)

    @property
    def ok(self) -> bool:
        """True when every service was reached and answered usably (exit status 0)."""
        return not self.unreachable and not self.errors

    @property
    def count(self) -> int:
        """New (watch, paper) pairs in this run."""
        return sum(len(papers) for papers in self.new.values())


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
                start_at = arxiv_time(until - timedelta(days=_tunable("ARXIV_OVERLAP_DAYS")))
            else:
                start_at = arxiv_time(now - timedelta(days=_tunable("FIRST_DAYS")))
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
                self.report.stopped(watch.name, "more arXiv entries wait for the next run")
                return False
            try:
                records, total = self.arxiv.search_page(
                    query, offset, sort_by="submittedDate", sort_order="ascending"
                )
            except SourceUnavailable as exc:
                self.unreachable("arXiv", exc)
                self.report.stopped(watch.name, "arXiv could not be reached")
                return False
            if total is None:  # an error answer: the range stays to be done
                reasons = "; ".join(str(r) for r in records if isinstance(r, SourceError))
                self.report.errors.append(f"watch {watch.name!r}: {reasons}")
                self.report.stopped(watch.name, "arXiv answered an error")
                return False
            if not records and offset < total:
                # arXiv sometimes answers an empty page in the middle of a result list
                self.report.errors.append(
                    f"watch {watch.name!r}: arXiv answered no entries from entry {offset + 1}"
                    f" of {total}; the next 'paperbrowse update' asks again from there"
                )
                self.report.stopped(watch.name, "arXiv answered an empty page")
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
                self.report.stopped(watch.name, "Hugging Face could not be reached")
                return False
            papers = self.hf_day(day)
            if papers is None:
                down = "Hugging Face" in self.down
                failed = "could not be reached" if down else "answered an error"
                self.report.stopped(watch.name, f"Hugging Face {failed}")
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
        chunk_size = _tunable("LOCAL_CHUNK")
        if revision > since:
            for _rev, paper in library.stored_papers(since):
                if _rev > revision:
                    break  # stored after this run looked: the next run's
                chunk.append(paper)
                if len(chunk) >= chunk_size:
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

    See the package docstring for what "new" means per source, resumability and
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
        reported in ``unreachable`` once and not asked again in this run; each
        watch that needed it is in ``unfinished`` with the reason. The rest
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
            if "arXiv" in run.down:  # not asked again in this run (offline fails fast)
                report.stopped(watch.name, "arXiv could not be reached")
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
