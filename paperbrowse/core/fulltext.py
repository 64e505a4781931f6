"""The full text of attached PDFs as the search index reads it.

:mod:`paperbrowse.core.pdfs` extracts a PDF's text once (slowly, about 50
pages a second) and caches it beside the file as ``<data>/pdfs/<id>.pages.json``
(see :meth:`~paperbrowse.core.pdfs.PdfStore.pages`). The index reads only that
cache, through :class:`CachedFullText`: a build or catch-up over 100k papers
asks it once per paper, so a paper without a PDF must cost no more than one
failed ``open`` (no SQLite query, no PDF library imported), and a search's
body snippets must never wait for an extraction.

:func:`index_store` is the one way the CLI, the app and the importers make an
:class:`~paperbrowse.core.generations.IndexStore`, so each of them indexes the
same full texts.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from paperbrowse.core.generations import IndexStore
from paperbrowse.core.locations import Locations

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def safe_name(paper_id: str) -> str:
    """``paper_id`` as a file name: characters outside ``[A-Za-z0-9._-]`` as ``%XX``."""
    return _UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode()), paper_id)


def pdf_folder(locations: Locations) -> Path:
    """``<data>/pdfs/``: downloaded and copied PDFs and the text caches of all."""
    return locations.data_dir / "pdfs"


def cache_path(folder: Path, paper_id: str) -> Path:
    """Where the extracted text of ``paper_id``'s PDF is cached in ``folder``."""
    return folder / f"{safe_name(paper_id)}.pages.json"


def read_cache(cache: Path, extractor: str | None = None) -> list[str] | None:
    """The page texts cached in ``cache`` while they match their PDF.

    The cache (JSON: ``source`` path, its ``size`` in bytes and ``mtime_ns``,
    the ``extractor`` name and version, ``pages``) is fresh while the PDF at
    ``source`` has that size and modification time, and, when ``extractor``
    is given, was made by it.

    Returns:
        One string per page, page 1 first; ``None`` when there is no cache, it
        is unreadable or stale, or its PDF is gone. Never raises.
    """
    try:
        data = json.loads(cache.read_text(encoding="utf-8"))
        source = os.stat(data["source"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    fresh = (
        isinstance(data, dict)
        and (extractor is None or data.get("extractor") == extractor)
        and data.get("size") == source.st_size
        and data.get("mtime_ns") == source.st_mtime_ns
        and isinstance(data.get("pages"), list)
    )
    return [str(page) for page in data["pages"]] if fresh else None


class CachedFullText:
    """A :data:`~paperbrowse.core.schema.FullTextSource` over the text caches
    of one data directory: paper id → page texts, or ``None``.

    Never extracts: a PDF attached but not yet extracted has no full text
    until :meth:`PdfStore.pages` or :meth:`PdfStore.refresh` caches it (which
    then bumps the paper's library revision, so the index catches up).

    Args:
        folder: the PDF folder (:func:`pdf_folder`).
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def __call__(self, paper_id: str) -> list[str] | None:
        return read_cache(cache_path(self.folder, paper_id))


def index_store(locations: Locations) -> IndexStore:
    """The index of ``locations``, reading the PDFs' full text from its text caches."""
    return IndexStore(locations.index_root, fulltext=CachedFullText(pdf_folder(locations)))
