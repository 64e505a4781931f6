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

from paperbrowse.core.sources.common import Record, SourceUnavailable, normalise_arxiv_id

#: Environment variables that point the network importers elsewhere (a local
#: server replaying recorded responses, a mirror).
ARXIV_URL_VARIABLE = "PAPERBROWSE_ARXIV_URL"
HF_URL_VARIABLE = "PAPERBROWSE_HF_URL"

#: Source kinds, with what the app's import dialog asks for.
KINDS: dict[str, str] = {
    "arxiv": "arXiv ids (2006.07733 2106.09685) or an arXiv search query (cat:cs.LG AND ti:latent)",
    "hf": "a day of Hugging Face daily papers (2026-03-23)",
    "bibtex": "BibTeX files (refs.bib)",
    "jsonl": "an arXiv metadata snapshot, JSON Lines (arxiv-metadata-oai-snapshot.json)",
    "captures": "page captures in the bundled format (captures/*.txt)",
}


@dataclass(frozen=True)
class SourceRequest:
    """What to import.

    Attributes:
        kind: one of :data:`KINDS`.
        ids: arXiv ids (``arxiv`` by id).
        query: an arXiv API ``search_query`` (``arxiv`` by search).
        max_results: most papers for an arXiv search.
        day: the day (``hf``).
        paths: input files (``bibtex``, ``jsonl``, ``captures``).
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
        query; ``hf``: a date ``YYYY-MM-DD`` (empty: today); the file kinds:
        white-space separated paths, ``~`` expanded, relative to ``cwd``.

        Raises:
            ValueError: unknown kind, empty input, a bad date, or a missing
                file; the message names it.
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
        return None, "records"

    def records(self, progress: Callable[[int], None] | None = None) -> Iterator[Record]:
        """Open the source and yield its records (see ``sources.common``).

        Args:
            progress: for ``jsonl``, called with the bytes read so far.

        Raises:
            SourceUnavailable: when iterated, if the service or file cannot be
                read at all (the message names it).
        """
        if self.kind == "arxiv":
            from paperbrowse.core.sources.arxiv import API_URL, ArxivClient

            with ArxivClient(base_url=os.environ.get(ARXIV_URL_VARIABLE, API_URL)) as client:
                if self.ids:
                    yield from client.fetch_ids(list(self.ids))
                elif self.query:
                    yield from client.search(self.query, max_results=self.max_results)
        elif self.kind == "hf":
            from paperbrowse.core.sources.hf import API_URL, DailyPapersClient

            with DailyPapersClient(base_url=os.environ.get(HF_URL_VARIABLE, API_URL)) as client:
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
        else:
            raise SourceUnavailable(f"unknown source {self.kind!r}")
