"""One description of "what to import", shared by ``paperbrowse add`` and the app.

:class:`SourceRequest` names a source kind and its arguments; :meth:`records`
opens it and yields the importer's record stream. The command line builds a
request from its options, the app from the import dialog's text
(:meth:`SourceRequest.from_text`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from paperbrowse.core.sources.common import Record, SourceUnavailable, normalise_arxiv_id

if TYPE_CHECKING:
    from paperbrowse.core.sources.http import RetryNotice

#: Environment variables that point the network importers elsewhere (a local
#: server replaying recorded responses, a mirror).
ARXIV_URL_VARIABLE = "PAPERBROWSE_ARXIV_URL"
HF_URL_VARIABLE = "PAPERBROWSE_HF_URL"
CROSSREF_URL_VARIABLE = "PAPERBROWSE_CROSSREF_URL"
#: Accepted aliases of :data:`ARXIV_URL_VARIABLE` and :data:`HF_URL_VARIABLE`
#: (the names issue 19 gives; the first one set wins, the short name first).
ARXIV_API_URL_VARIABLE = "PAPERBROWSE_ARXIV_API_URL"
HF_API_URL_VARIABLE = "PAPERBROWSE_HF_API_URL"
URL_ALIASES: dict[str, tuple[str, ...]] = {
    ARXIV_URL_VARIABLE: (ARXIV_URL_VARIABLE, ARXIV_API_URL_VARIABLE),
    HF_URL_VARIABLE: (HF_URL_VARIABLE, HF_API_URL_VARIABLE),
}


def service_url(variable: str, default: str) -> str:
    """The base URL a network importer uses: the first of ``variable`` and its
    aliases (:data:`URL_ALIASES`) set in the environment, else ``default``.

    Example: ``service_url(ARXIV_URL_VARIABLE, arxiv.API_URL)`` reads
    ``PAPERBROWSE_ARXIV_URL``, then ``PAPERBROWSE_ARXIV_API_URL``.
    """
    for name in URL_ALIASES.get(variable, (variable,)):
        value = os.environ.get(name, "").strip()
        if value:
            return value
    return default


#: Environment variable with the contact address sent to Crossref (its
#: etiquette: requests with a ``mailto:`` go to the "polite" pool).
MAILTO_VARIABLE = "PAPERBROWSE_MAILTO"

#: Source kinds, with what the app's import dialog asks for.
KINDS: dict[str, str] = {
    "arxiv": "arXiv ids (2006.07733 2106.09685) or an arXiv search query (cat:cs.LG AND ti:latent)",
    "hf": "a day of Hugging Face daily papers (2026-03-23)",
    "bibtex": "BibTeX files (refs.bib)",
    "jsonl": "an arXiv metadata snapshot, JSON Lines (arxiv-metadata-oai-snapshot.json)",
    "captures": "page captures in the bundled format (captures/*.txt)",
    "doi": "DOIs, looked up at Crossref (10.1103/PhysRevB.74.024520 https://doi.org/10.…)",
    "file": "reference files: CSL-JSON, RIS, BibTeX, or paperbrowse's JSON or CSV export",
}


@dataclass(frozen=True)
class SourceRequest:
    """What to import.

    Attributes:
        kind: one of :data:`KINDS`.
        ids: arXiv ids (``arxiv`` by id), or DOIs (``doi``).
        query: an arXiv API ``search_query`` (``arxiv`` by search).
        max_results: most papers for an arXiv search.
        day: the day (``hf``).
        paths: input files (``bibtex``, ``jsonl``, ``captures``, ``file``).
        skip: JSON Lines records to pass over (resuming).
    """

    kind: str
    ids: tuple[str, ...] = ()
    query: str | None = None
    max_results: int = 100
    day: date | None = None
    paths: tuple[Path, ...] = field(default=())
    skip: int = 0

    @classmethod
    def from_text(cls, kind: str, text: str, *, cwd: Path | None = None) -> SourceRequest:
        """Build a request from one line of user input (the app's import dialog).

        ``arxiv``: white-space separated arXiv ids, else the text is a search
        query; ``doi``: white-space separated DOIs (any form
        :func:`~paperbrowse.core.sources.crossref.parse_doi` accepts);
        ``hf``: a date ``YYYY-MM-DD`` (empty: today); the file kinds:
        white-space separated paths, ``~`` expanded, relative to ``cwd``.

        Raises:
            ValueError: unknown kind, empty input, a bad date, text that is
                not a DOI, or a missing file; the message names it.
        """
        text = text.strip()
        if kind not in KINDS:
            raise ValueError(f"unknown source {kind!r}; use one of {', '.join(KINDS)}")
        if kind == "hf":
            if not text:
                return cls(kind, day=date.today())
            try:
                return cls(kind, day=date.fromisoformat(text))
            except ValueError:
                raise ValueError(f"{text!r} is not a date like 2026-03-23") from None
        if not text:
            raise ValueError(f"say what to import: {KINDS[kind]}")
        if kind == "arxiv":
            words = text.split()
            if all(normalise_arxiv_id(w) for w in words):
                return cls(kind, ids=tuple(words))
            return cls(kind, query=text)
        if kind == "doi":
            from paperbrowse.core.sources.crossref import parse_doi

            words = text.split()
            bad = [w for w in words if parse_doi(w) is None]
            if bad:
                raise ValueError(f"not a DOI: {bad[0]!r} (a DOI starts with 10.)")
            return cls(kind, ids=tuple(words))
        base = cwd or Path.cwd()
        paths = tuple((base / Path(p).expanduser()).resolve() for p in text.split())
        missing = [p for p in paths if not p.is_file()]
        if missing:
            raise ValueError(f"no such file: {missing[0]}")
        return cls(kind, paths=paths)

    @property
    def label(self) -> str:
        """A short name for progress bars and summaries (``arXiv``, ``refs.bib``)."""
        if self.kind == "arxiv":
            return "arXiv"
        if self.kind == "doi":
            return "Crossref"
        if self.kind == "hf":
            return f"Hugging Face daily papers {self.day}"
        return ", ".join(p.name for p in self.paths)

    def size(self) -> tuple[int | None, str]:
        """``(total, unit)`` for a progress bar: bytes of a snapshot, else records if known."""
        if self.kind == "jsonl":
            from paperbrowse.core.sources.jsonl import file_size

            return file_size(self.paths[0]), "bytes"
        if self.kind == "arxiv":
            return (len(self.ids) if self.ids else self.max_results), "records"
        if self.kind == "doi":
            from paperbrowse.core.sources.crossref import parse_doi

            return len({parse_doi(i) or i for i in self.ids}), "records"  # repeats fetched once
        return None, "records"

    def records(
        self,
        progress: Callable[[int], None] | None = None,
        on_retry: Callable[[RetryNotice], None] | None = None,
    ) -> Iterator[Record]:
        """Open the source and yield its records (see ``sources.common``).

        Args:
            progress: for ``jsonl``, called with the bytes read so far.
            on_retry: for the web services (``arxiv``, ``doi``, ``hf``), called
                with a :class:`~paperbrowse.core.sources.http.RetryNotice`
                before each wait for a retry ("arXiv is busy (HTTP 503);
                retrying in 4 s (retry 2 of 3)").

        Raises:
            SourceUnavailable: when iterated, if the service or file cannot be
                read at all (the message names it).
        """
        if self.kind == "arxiv":
            from paperbrowse.core.sources.arxiv import API_URL, ArxivClient

            with ArxivClient(
                base_url=service_url(ARXIV_URL_VARIABLE, API_URL), on_retry=on_retry
            ) as client:
                if self.ids:
                    yield from client.fetch_ids(list(self.ids))
                elif self.query:
                    yield from client.search(self.query, max_results=self.max_results)
        elif self.kind == "doi":
            from paperbrowse.core.sources import crossref

            mailto = os.environ.get(MAILTO_VARIABLE) or None
            try:
                client = crossref.CrossrefClient(
                    base_url=os.environ.get(CROSSREF_URL_VARIABLE, crossref.API_URL),
                    mailto=mailto,
                    on_retry=on_retry,
                )
            except ValueError as exc:
                raise SourceUnavailable(f"{MAILTO_VARIABLE}: {exc}") from exc
            with client:
                yield from client.fetch_dois(list(self.ids))
        elif self.kind == "hf":
            from paperbrowse.core.sources.hf import API_URL, DailyPapersClient

            with DailyPapersClient(
                base_url=service_url(HF_URL_VARIABLE, API_URL), on_retry=on_retry
            ) as client:
                yield from client.fetch_date(self.day or date.today())
        elif self.kind == "bibtex":
            from paperbrowse.core.sources.bibtex import read_bibtex

            for path in self.paths:
                yield from read_bibtex(path)
        elif self.kind == "jsonl":
            from paperbrowse.core.sources.jsonl import read_jsonl

            for path in self.paths:
                yield from read_jsonl(path, progress=progress, skip=self.skip)
        elif self.kind == "captures":
            from paperbrowse.core.sources.captures import read_captures

            yield from read_captures(self.paths)
        elif self.kind == "file":
            yield from _read_files(self.paths)
        else:
            raise SourceUnavailable(f"unknown source {self.kind!r}")


def _read_files(paths: tuple[Path, ...]) -> Iterator[Record]:
    """Reference files by their extension: ``.bib`` (BibTeX), ``.csl.json`` (CSL-JSON),
    ``.ris``, ``.json`` (paperbrowse's JSON export, or a CSL-JSON array), ``.csv``.

    Raises:
        SourceUnavailable: a file whose format cannot be told from its name, or
            that cannot be read (the message names it).
    """
    from paperbrowse.core.export import format_for_path
    from paperbrowse.core.sources.bibtex import read_bibtex
    from paperbrowse.core.sources.exported import READABLE_FORMATS, read_export

    for path in paths:
        fmt = format_for_path(path)
        if fmt == "bibtex":
            yield from read_bibtex(path)
            continue
        if fmt == "json" and _looks_like_csl(path):
            fmt = "csljson"
        if fmt not in READABLE_FORMATS:
            known = ".bib, .csl.json, .ris, .json, .csv"
            raise SourceUnavailable(f"cannot tell the format of {path}: name it {known}")
        yield from read_export(path, fmt)


def _looks_like_csl(path: Path) -> bool:
    """True for a ``.json`` file holding a JSON array (CSL-JSON), not paperbrowse's object."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    except OSError:
        return False
    return head.startswith(b"[")
