"""Import the arXiv metadata snapshot (JSON Lines).

The snapshot is the file ``arxiv-metadata-oai-snapshot.json`` published by
Cornell University on Kaggle (dataset ``Cornell-University/arxiv``, refreshed
from arXiv's OAI-PMH metadata): several GB, one JSON object per line::

    {"id": "0704.0001", "submitter": "Pavel Nadolsky",
     "authors": "C. Bal\\'azs, E. L. Berger, P. M. Nadolsky, C.-P. Yuan",
     "title": "Calculation of prompt diphoton production ...",
     "comments": "37 pages, 15 figures; published version",
     "journal-ref": "Phys.Rev.D76:013009,2007", "doi": "10.1103/PhysRevD.76.013009",
     "report-no": "ANL-HEP-PR-07-12", "categories": "hep-ph", "license": null,
     "abstract": "  A fully differential calculation ...",
     "versions": [{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}, ...],
     "update_date": "2008-11-13",
     "authors_parsed": [["Balázs", "C.", ""], ["Berger", "E. L.", ""], ...]}

:func:`read_jsonl` streams it line by line in constant memory and reports
progress in bytes, so a caller can show a progress bar with an ETA against
:func:`file_size`; ``skip`` resumes an interrupted import.
"""

from __future__ import annotations

import email.utils
import json
import os
import re
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

from paperbrowse.core.models import Paper, paper_id_for
from paperbrowse.core.sources.common import (
    Record,
    SourceError,
    SourceUnavailable,
    clean_text,
    normalise_arxiv_id,
    normalise_doi,
)

#: Default number of bytes between two progress reports.
PROGRESS_STEP = 1 << 20

_AUTHOR_SEPARATOR = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+")
_PARENTHESES = re.compile(r"\([^()]*\)")


def file_size(path: Path | str) -> int:
    """Size of the file in bytes: the total that ``progress`` counts up to.

    Raises:
        SourceUnavailable: the file is missing or unreadable (message names it).
    """
    try:
        return os.path.getsize(path)
    except OSError as exc:
        raise SourceUnavailable(
            f"cannot read the snapshot file {path}: {exc.strerror or exc}"
        ) from exc


def _authors(record: dict[str, Any]) -> tuple[str, ...]:
    parsed = record.get("authors_parsed")
    if isinstance(parsed, list) and parsed:
        names = []
        for parts in parsed:
            if isinstance(parts, list):
                # [last, first, suffix]: displayed "first last suffix"
                ordered = [*parts[1:2], *parts[:1], *parts[2:3]]
                name = clean_text(" ".join(p for p in ordered if isinstance(p, str)))
                if name:
                    names.append(name)
        if names:
            return tuple(names)
    text = record.get("authors")
    if not isinstance(text, str):
        return ()
    text = _PARENTHESES.sub(" ", " ".join(text.split()))  # affiliations in parentheses
    return tuple(name for part in _AUTHOR_SEPARATOR.split(text) if (name := clean_text(part)))


def _published(record: dict[str, Any]) -> date | None:
    versions = record.get("versions")
    if isinstance(versions, list) and versions and isinstance(versions[0], dict):
        try:
            return email.utils.parsedate_to_datetime(versions[0].get("created")).date()
        except (TypeError, ValueError):
            pass
    update = record.get("update_date")
    if isinstance(update, str):
        try:
            return date.fromisoformat(update[:10])
        except ValueError:
            return None
    return None


def snapshot_record(record: Any, source: str, line: int) -> Record:
    """Turn one decoded snapshot object into a record.

    Args:
        record: the object of one line.
        source: name recorded in ``Paper.sources`` and ``SourceError.source``.
        line: its 1-based line number, for the error location.

    Returns:
        A :class:`Paper` (``arxiv_id`` from ``id``, ``url`` its arXiv abstract
        page, names from ``authors_parsed`` as ``First Last Suffix``, else the
        ``authors`` string split at commas and ``and``, ``published`` = the
        date of the first version's ``created``, else ``update_date``,
        ``categories`` from the space-separated list, primary first, ``doi``
        normalised), or a :class:`SourceError` located ``"line N"`` when ``id``
        or ``title`` is missing or ``id`` is not an arXiv id.
    """
    location = f"line {line}"
    if not isinstance(record, dict):
        return SourceError(
            source, location, f"expected a JSON object, found {type(record).__name__}"
        )
    raw_id = record.get("id")
    if not isinstance(raw_id, str) or not raw_id.strip():
        return SourceError(source, location, "no 'id'")
    arxiv_id = normalise_arxiv_id(raw_id)
    if arxiv_id is None:
        return SourceError(source, location, f"'id' {raw_id!r} is not an arXiv id")
    title = clean_text(record.get("title")) if isinstance(record.get("title"), str) else ""
    if not title:
        return SourceError(source, location, f"no 'title' for {arxiv_id}")
    authors = _authors(record)
    abstract = record.get("abstract")
    categories = record.get("categories")
    doi = record.get("doi")
    return Paper(
        id=paper_id_for(title, arxiv_id),
        title=title,
        abstract=clean_text(abstract) if isinstance(abstract, str) else "",
        authors=authors,
        author_count=len(authors) if authors else None,
        published=_published(record),
        arxiv_id=arxiv_id,
        sources=(source,),
        url=f"https://arxiv.org/abs/{arxiv_id}",
        doi=normalise_doi(doi) if isinstance(doi, str) else None,
        categories=tuple(dict.fromkeys(categories.split())) if isinstance(categories, str) else (),
    )


def read_jsonl(
    path: Path | str,
    *,
    progress: Callable[[int], None] | None = None,
    skip: int = 0,
    progress_step: int = PROGRESS_STEP,
) -> Iterator[Record]:
    """Stream an arXiv metadata snapshot (or any file of such lines).

    The file is read one line at a time, never whole, so memory use does not
    grow with its size; records are yielded as their lines are read.

    Args:
        path: the ``.json`` / ``.jsonl`` snapshot, UTF-8.
        progress: called with the number of bytes read so far (from the start
            of the file, skipped lines included) about every ``progress_step``
            bytes and once at the end with the file size; with
            :func:`file_size` as the total it drives a progress bar with ETA.
        skip: number of records to pass over without parsing, to resume an
            interrupted import. Every non-blank line yields exactly one record
            (a paper or an error), so pass the number of records the
            interrupted run had received; blank lines are not counted.
        progress_step: bytes between two ``progress`` calls.

    Returns:
        An iterator of records, one per non-blank line after the skipped
        ones: a :class:`Paper` (see :func:`snapshot_record`), or a
        :class:`SourceError` ``(file name, "line N", reason)`` for a line that
        is not UTF-8 JSON or lacks ``id`` / ``title``; the following lines are
        still read.

    Raises:
        SourceUnavailable: the file cannot be opened (raised by this call, not
            while iterating); the message names the path.
    """
    path = Path(path)
    try:
        path.open("rb").close()
    except OSError as exc:
        raise SourceUnavailable(
            f"cannot read the snapshot file {path}: {exc.strerror or exc}"
        ) from exc
    if skip < 0:
        raise ValueError(f"skip must be >= 0, not {skip}")
    return _stream(path, progress, skip, max(1, progress_step))


def _stream(
    path: Path, progress: Callable[[int], None] | None, skip: int, step: int
) -> Iterator[Record]:
    source = path.name
    consumed = reported = 0
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise SourceUnavailable(
            f"cannot read the snapshot file {path}: {exc.strerror or exc}"
        ) from exc
    with handle:
        for number, raw in enumerate(handle, 1):
            consumed += len(raw)
            if progress is not None and consumed - reported >= step:
                progress(consumed)
                reported = consumed
            line = raw.strip()
            if not line:
                continue
            if skip:
                skip -= 1
                continue
            try:
                record = json.loads(line)
            except UnicodeDecodeError as exc:
                yield SourceError(source, f"line {number}", f"not UTF-8 text ({exc.reason})")
                continue
            except ValueError as exc:
                yield SourceError(source, f"line {number}", f"not JSON: {exc}")
                continue
            yield snapshot_record(record, source, number)
    if progress is not None and consumed != reported:
        progress(consumed)
