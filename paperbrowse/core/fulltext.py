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


def cache_source(cache: Path, source: str) -> Path:
    """The PDF a cache's ``source`` names: a bare file name (a PDF in the cache's
    own folder, ``<data>/pdfs/``) is resolved against that folder, so a moved
    data directory keeps its caches; an absolute path into the ``pdfs`` folder
    of another data directory (a cache written before the data directory was
    moved) is taken by file name in this one when it is not found where it was;
    any other absolute path (a linked file) is taken as it is."""
    path = Path(source)
    if not path.is_absolute():
        return cache.parent / path
    if path.parent.name == "pdfs" and path.parent != cache.parent and not path.exists():
        return cache.parent / path.name
    return path


def read_cache_data(cache: Path, extractor: str | None = None) -> dict | None:
    """The JSON of ``cache`` while it matches its PDF (see :func:`read_cache`):
    ``{"extractor", "source", "size", "mtime_ns", "pages", "error"?}``, or ``None``
    when there is no cache, it is unreadable or stale, or its PDF is gone.
    Never raises."""
    try:
        data = json.loads(cache.read_text(encoding="utf-8"))
        source = os.stat(cache_source(cache, data["source"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    fresh = (
        isinstance(data, dict)
        and (extractor is None or data.get("extractor") == extractor)
        and data.get("size") == source.st_size
        and data.get("mtime_ns") == source.st_mtime_ns
        and isinstance(data.get("pages"), list)
        and (data.get("error") is None or isinstance(data.get("error"), str))
    )
    return data if fresh else None


def read_cache(cache: Path, extractor: str | None = None) -> list[str] | None:
    """The page texts cached in ``cache`` while they match their PDF.

    The cache (JSON: ``source``, the PDF's file name in the cache's folder or
    the absolute path of a linked file, see :func:`cache_source`; its ``size``
    in bytes and ``mtime_ns``, the ``extractor`` name and version, ``pages``;
    ``error``, one line, when the PDF has no text) is fresh while the PDF has
    that size and modification time, and, when ``extractor`` is given, was
    made by it.

    Returns:
        One string per page, page 1 first; ``[]`` for a PDF attached without
        text (encrypted, image-only, damaged: ``error`` set), so the index
        still knows it has a PDF (``has:pdf``); ``None`` when there is no
        cache, it is unreadable or stale, or its PDF is gone. Never raises.
    """
    data = read_cache_data(cache, extractor)
    if data is None:
        return None
    if data.get("error") is not None:
        return []
    return [str(page) for page in data["pages"]]


class CachedFullText:
    """A :data:`~paperbrowse.core.schema.FullTextSource` over the text caches
    of one data directory: paper id → page texts; ``[]`` for a PDF attached
    without text (encrypted, image-only, damaged: ``has:pdf`` finds it,
    ``fulltext:`` does not); ``None`` when it has no PDF, its text is not
    cached yet, or its file is gone (see :func:`read_cache`).

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
