"""Link papers known only by title (the bundled captures) to their arXiv records.

The captures list titles and abstracts only, so their papers have ``pb:`` ids
and no arXiv id: nothing to open, fetch or cite. :func:`link_library` looks
their titles up on the arXiv API and, for a paper whose title matches one
arXiv entry exactly, merges that entry into the paper (``paperbrowse link``).

**Matching rule.** Both titles are reduced to a key (:func:`title_key`):
LaTeX fragments decoded to Unicode (``Mat\\'ern`` → ``Matérn``,
:mod:`paperbrowse.core.latex`) and braces dropped, Unicode NFKC, case folded, every run of
punctuation and white space made one space. Accents are kept: ``Matérn`` and
``Matern`` are different titles. An arXiv entry matches a paper when the keys
are equal; a title that is only contained in a longer one ("… Low
Computation" vs "… Low Computation: an Extended Version") does not match.

* an entry whose first version (``<published>``) is more than
  :data:`MAX_DAYS_AFTER` days after the paper's date is **rejected**: a
  paper cannot be listed a year before it was written, so it is another
  paper with the same title (the year of a capture's date is inferred when
  the page leaves it out, hence a year's slack rather than none);
* if the remaining entries are more than one distinct paper (arXiv ids), the
  paper is **ambiguous** and left alone: the ids are reported, nothing is
  chosen;
* if none remain, it is **not found** (or rejected, saying why).

The author count a daily-papers capture shows is not checked: arXiv's feed
gives the authors of the latest version, which may differ from the first.

**Applying a match.** The paper keeps its id (``pb:…``, so its bookmark,
tags, note, lists and citation key stay attached), its title, organisation
and upvotes, and gains from the arXiv record, merged with
:meth:`~paperbrowse.core.models.Paper.merged_with`: the arXiv id, the author
list (split into names by :attr:`Paper.author_names`), the abstract if
longer, the categories, DOI, journal reference, comment, the abstract page as
its link, and ``arXiv API`` among its sources. The **date** is arXiv's first
version: a capture's date is the day Hugging Face listed the paper (its year
often inferred), not a publication date, and under the merge rules a
listing and a preprint are of equal authority, which would keep the listing
date; a date from a published venue (a journal import) is kept. The capture's
listing date is not lost: the captures themselves are never changed.

**Lookups.** Titles are looked up :data:`TITLES_PER_REQUEST` at a time
(``ti:"…" OR ti:"…"``, :meth:`ArxivClient.search_titles`), one request per
3 s as arXiv asks; the 379 bundled papers take 38 requests, about two
minutes. A title in a batch whose answer was cut short (more entries than
asked for) and that found no entry is asked again alone.

**Storing.** Linked papers are stored in the library batch by batch
(:meth:`Library.store_papers`, one transaction each) under the import lock,
then the search index catches up once (:meth:`IndexStore.catch_up`). A run
that stops half way has stored the batches before; linking again skips the
papers that have an arXiv id (resumable).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from paperbrowse.core.latex import latex_to_unicode
from paperbrowse.core.models import Paper, authority
from paperbrowse.core.sources.common import SourceError

if TYPE_CHECKING:
    from paperbrowse.core.library import Library
    from paperbrowse.core.locations import Locations
    from paperbrowse.core.service import Corpus
    from paperbrowse.core.sources.arxiv import ArxivClient

#: Titles per arXiv request.
TITLES_PER_REQUEST = 10
#: Entries asked for per title: room for other papers holding the title as a phrase.
ENTRIES_PER_TITLE = 5
#: Entries asked for when a title is asked again alone.
ENTRIES_ALONE = 50
#: Days an arXiv first version may come after the paper's date (see the module docstring).
MAX_DAYS_AFTER = 365

#: What :attr:`LinkOutcome.status` may be.
LINKED, AMBIGUOUS, NOT_FOUND, REJECTED, FAILED = (
    "linked",
    "ambiguous",
    "not found",
    "rejected",
    "failed",
)

_PUNCTUATION = re.compile(r"[\W_]+")


def title_key(title: str) -> str:
    """The key titles are matched by (see the module docstring).

    ``"Bootstrap your own latent: A new approach"`` → ``"bootstrap your own
    latent a new approach"``; ``"Mat\\'ern kernels"`` → ``"matérn kernels"``.
    """
    text = unicodedata.normalize("NFKC", latex_to_unicode(title)).casefold()
    text = text.replace("{", "").replace("}", "")  # LaTeX grouping: "Mat{é}rn" is "Matérn"
    return " ".join(_PUNCTUATION.sub(" ", text).split())


@dataclass(frozen=True, slots=True)
class LinkOutcome:
    """What linking one paper found.

    Attributes:
        paper: the paper as it was (the library's copy, else the capture's).
        status: :data:`LINKED`, :data:`AMBIGUOUS`, :data:`NOT_FOUND`,
            :data:`REJECTED` or :data:`FAILED` (arXiv answered with an error).
        record: the arXiv record it was linked to (``LINKED``), else ``None``.
        linked: the paper with the record merged in (``LINKED``), else ``None``.
        candidates: arXiv ids of the entries with the same title (all of
            them when ambiguous or rejected).
        reason: why it was not linked, in words; ``""`` when linked.
    """

    paper: Paper
    status: str
    record: Paper | None = None
    linked: Paper | None = None
    candidates: tuple[str, ...] = ()
    reason: str = ""


def linked_paper(paper: Paper, record: Paper) -> Paper:
    """``paper`` with the arXiv ``record`` merged in (see the module docstring).

    Args:
        paper: the paper to link (any id; it is kept).
        record: an arXiv record (:func:`~paperbrowse.core.sources.arxiv.parse_atom`).
    """
    merged = paper.merged_with(replace(record, id=paper.id, citation_key=None))
    merged = replace(merged, id=paper.id, title=paper.title)
    if record.published and authority(paper) < 2:
        merged = replace(merged, published=record.published, date_parts=record.date_parts)
    return merged


def match_title(paper: Paper, entries: Iterable[Paper]) -> LinkOutcome:
    """Apply the matching rule (module docstring) to one paper and arXiv's entries.

    Args:
        paper: the paper to link.
        entries: arXiv records, any titles; those whose key differs are ignored.

    Returns:
        The outcome; a ``LINKED`` one carries the merged paper.
    """
    key = title_key(paper.title)
    same: dict[str, Paper] = {}
    for entry in entries:
        if entry.arxiv_id and title_key(entry.title) == key:
            same.setdefault(entry.arxiv_id, entry)
    if not same:
        return LinkOutcome(paper, NOT_FOUND, reason="no arXiv entry has this title")
    ids = tuple(same)
    kept = {i: e for i, e in same.items() if not _too_late(paper, e)}
    if not kept:
        first = next(iter(same.values()))
        return LinkOutcome(
            paper,
            REJECTED,
            candidates=ids,
            reason=(
                f"arXiv {first.arxiv_id} has this title but was first submitted on "
                f"{first.published}, more than a year after the paper's date "
                f"({paper.published}): another paper with the same title"
            ),
        )
    if len(kept) > 1:
        return LinkOutcome(
            paper,
            AMBIGUOUS,
            candidates=tuple(kept),
            reason=f"{len(kept)} arXiv papers have this title: {', '.join(kept)}",
        )
    record = next(iter(kept.values()))
    return LinkOutcome(paper, LINKED, record, linked_paper(paper, record), ids)


def _too_late(paper: Paper, entry: Paper) -> bool:
    if paper.published is None or entry.published is None:
        return False
    return (entry.published - paper.published).days > MAX_DAYS_AFTER


@dataclass
class LinkSummary:
    """What a link run did.

    Attributes:
        outcomes: one per paper looked up, in the order looked up.
        skipped: papers not looked up because they already have an arXiv id.
        stored: papers written to the library (0 for a dry run).
        errors: arXiv's error answers (one per failed request).
        revision: the library revision after the run.
    """

    outcomes: list[LinkOutcome] = field(default_factory=list)
    skipped: int = 0
    stored: int = 0
    errors: list[SourceError] = field(default_factory=list)
    revision: int = 0

    def count(self, status: str) -> int:
        """Number of papers with this outcome status."""
        return sum(1 for o in self.outcomes if o.status == status)

    def with_status(self, status: str) -> list[LinkOutcome]:
        """The outcomes with this status, in the order looked up."""
        return [o for o in self.outcomes if o.status == status]

    @property
    def looked_up(self) -> int:
        """Papers whose titles were looked up."""
        return len(self.outcomes)

    def __str__(self) -> str:
        return (
            f"looked up {self.looked_up}, linked {self.count(LINKED)}, "
            f"ambiguous {self.count(AMBIGUOUS)}, not found {self.count(NOT_FOUND)}, "
            f"rejected {self.count(REJECTED)}, failed {self.count(FAILED)}"
        )


def corpus_papers(corpus: Corpus, library: Library) -> list[Paper]:
    """The corpus's papers as the library knows them now.

    The library's stored copy of a paper (an import or an earlier link
    extended it) replaces the capture's. One library lookup per paper.
    """
    from paperbrowse.core.sources.captures import load_captures

    papers = []
    for paper in load_captures(corpus.files()).papers:
        papers.append(library.stored_paper(paper.id) or paper)
    return papers


def look_up(
    papers: Sequence[Paper],
    client: ArxivClient,
    *,
    batch_size: int = TITLES_PER_REQUEST,
    on_batch: Callable[[list[LinkOutcome], list[SourceError]], None] | None = None,
) -> tuple[list[LinkOutcome], list[SourceError]]:
    """Look the papers' titles up on arXiv and match them (no storing).

    Args:
        papers: the papers to link (their arXiv ids are not looked at).
        client: the arXiv client (its politeness spaces the requests).
        batch_size: titles per request.
        on_batch: called after each request's papers are matched, with
            their outcomes and the request's errors (to store and report as
            the run goes).

    Returns:
        ``(outcomes in the order of papers, arXiv's error answers)``.

    Raises:
        ArxivUnavailable: arXiv could not be reached; ``on_batch`` has seen
            the batches before.
    """
    outcomes: list[LinkOutcome] = []
    errors: list[SourceError] = []
    for start in range(0, len(papers), max(1, batch_size)):
        batch = list(papers[start : start + max(1, batch_size)])
        records, complete = client.search_titles([p.title for p in batch], ENTRIES_PER_TITLE)
        done, failed = _match_batch(batch, records)
        if not failed and not complete:
            done = [_alone(client, o, failed) if o.status == NOT_FOUND else o for o in done]
        outcomes += done
        errors += failed
        if on_batch is not None:
            on_batch(done, failed)
    return outcomes, errors


def _match_batch(batch: list[Paper], records: list) -> tuple[list[LinkOutcome], list[SourceError]]:
    entries = [r for r in records if isinstance(r, Paper)]
    failed = [r for r in records if isinstance(r, SourceError)]
    if failed and not entries:
        reason = f"arXiv answered with an error: {failed[0].reason}"
        return [LinkOutcome(p, FAILED, reason=reason) for p in batch], failed
    return [match_title(p, entries) for p in batch], failed


def _alone(client: ArxivClient, outcome: LinkOutcome, failed: list[SourceError]) -> LinkOutcome:
    """Ask for one title alone (its batch's answer was cut short)."""
    records, complete = client.search_titles([outcome.paper.title], ENTRIES_ALONE)
    done, errors = _match_batch([outcome.paper], records)
    failed += errors
    result = done[0]
    if result.status == NOT_FOUND and not complete:
        reason = f"not among the first {ENTRIES_ALONE} arXiv entries holding this title"
        result = replace(result, reason=reason)
    return result


def link_library(
    papers: Sequence[Paper],
    client: ArxivClient,
    *,
    locations: Locations,
    corpus: Corpus,
    library: Library,
    dry_run: bool = False,
    batch_size: int = TITLES_PER_REQUEST,
    progress: Callable[[LinkSummary], None] | None = None,
    on_wait: Callable[[], None] | None = None,
) -> LinkSummary:
    """Link papers to arXiv and store the linked ones (``paperbrowse link``).

    Args:
        papers: candidates (:func:`corpus_papers`, or papers the user named);
            those with an arXiv id already are skipped and counted.
        client: the arXiv client.
        locations: the data directory (index and library).
        corpus: the captures the index is built from, if it must be built.
        library: where linked papers are stored.
        dry_run: look up and match only; nothing is written (no lock taken).
        batch_size: titles per arXiv request.
        progress: called with the running summary after every request.
        on_wait: see :func:`~paperbrowse.core.ingest.import_lock`.

    Returns:
        The summary; :attr:`LinkSummary.stored` counts the papers written.

    Raises:
        ArxivUnavailable: arXiv could not be reached; the batches linked
            before are stored (and indexed).
        ImportBusy: another import holds the lock and ``on_wait`` is ``None``.
        ReadOnlyLibrary, DiskFull, OSError: the library or index cannot be
            written (batches before stay stored).
    """
    todo = [p for p in papers if not p.arxiv_id]
    summary = LinkSummary(skipped=len(papers) - len(todo), revision=library.revision())

    def batch_done(outcomes: list[LinkOutcome], errors: list[SourceError]) -> None:
        summary.outcomes += outcomes
        summary.errors += errors
        linked = [
            # merged into the library's copy as it is now (another process may have
            # changed it since the candidates were read)
            linked_paper(library.stored_paper(o.paper.id) or o.paper, o.record)
            for o in outcomes
            if o.record is not None and o.status == LINKED
        ]
        if linked and not dry_run:
            summary.revision = library.store_papers(linked)
            summary.stored += len(linked)
        if progress is not None:
            progress(summary)

    if dry_run:
        look_up(todo, client, batch_size=batch_size, on_batch=batch_done)
        return summary

    from paperbrowse.core.fulltext import index_store
    from paperbrowse.core.ingest import import_lock
    from paperbrowse.core.service import open_index

    with import_lock(locations, on_wait):
        open_index(locations, corpus, library=library)  # built, or caught up, first
        try:
            look_up(todo, client, batch_size=batch_size, on_batch=batch_done)
        finally:
            if summary.stored:
                index_store(locations).catch_up(library)
    return summary
