"""The PDFs of the library's papers: files in ``<data>/pdfs/``, text cached beside them.

Layout (``<data>`` is :attr:`Locations.data_dir`):

* ``pdfs/<safe-id>.pdf``: a downloaded or copied PDF; ``<safe-id>`` is the
  paper id with every character outside ``[A-Za-z0-9._-]`` percent-escaped
  (``pb:6da686ffb410`` → ``pb%3A6da686ffb410``), so two ids never share a file.
  The library records it by file name (relative to ``pdfs/``), so a data
  directory copied or moved elsewhere keeps it. A linked PDF stays where the
  user keeps it; the library records its absolute path.
* ``pdfs/<safe-id>.pages.json``: the extracted, normalised text, as
  ``{"extractor": "pypdf 7.1.1/1", "source": file name in pdfs/ or absolute
  path of a linked file, "size": bytes, "mtime_ns": int, "pages": [str, ...]}``,
  plus ``"error": one line`` (and ``"pages": []``) when the last extraction
  found no text (encrypted, image-only, damaged); rewritten (atomically) when
  the PDF's size or modification time, or the extractor, differ from what it
  records, so a file repaired since is extracted again.
* ``pdfs/.<name>.<hex>.tmp``: a file being written; one left by a killed
  process is removed by the next attach, download or extraction once it is
  an hour old (:data:`STALE_TEMP_SECONDS`).

Every file is written to a temporary file in ``pdfs/`` and renamed, and a PDF
is checked (``%PDF-`` magic, end marker, pypdf opens it) before it takes its
place, so a bad download never replaces a good file. The library's
``attachments`` table (:meth:`Library.attach`) records which paper has which
PDF; a recorded file that was since deleted is reported (:attr:`PdfInfo.missing`),
not an error.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from paperbrowse.core.atomic import write_json_atomic
from paperbrowse.core.fulltext import (
    cache_path,
    cache_source,
    pdf_folder,
    read_cache_data,
    safe_name,
)
from paperbrowse.core.library import Attachment, Library
from paperbrowse.core.locations import Locations
from paperbrowse.core.models import Paper
from paperbrowse.core.pdfs.errors import PdfError
from paperbrowse.core.pdfs.extract import Extracted, extractor_version, read_pdf

#: What the detail pane shows for a paper without a PDF.
NO_PDF = "no PDF"
_CHUNK = 1 << 20
#: A temporary file in ``pdfs/`` older than this (seconds) was left by a
#: process that died while writing it; it is removed.
STALE_TEMP_SECONDS = 3600.0


@dataclass(frozen=True, slots=True)
class PdfInfo:
    """What is known of a paper's PDF, for the detail pane and ``pdf --list``.

    Attributes:
        paper_id: the paper's id.
        path: where the PDF is (or was).
        kind: ``"downloaded"``, ``"copied"`` or ``"linked"``.
        pages: page count (``None``: unknown, e.g. encrypted with a password).
        bytes: file size in bytes (the current file's; as recorded if missing).
        missing: the file is no longer there (deleted or moved by the user).
        error: why it has no searchable text, one line, or ``None``.
    """

    paper_id: str
    path: Path
    kind: str
    pages: int | None
    bytes: int | None
    missing: bool = False
    error: str | None = None

    def describe(self) -> str:
        """``"PDF: 8 pages, 0.5 MB"``, ``"PDF: missing (PATH)"``, with ``"; no text"``
        when it has none."""
        if self.missing:
            return f"PDF: missing ({self.path})"
        parts = []
        if self.pages:  # None: unknown (encrypted); 0 was recorded for such files before
            parts.append(f"{self.pages} page{'s' if self.pages != 1 else ''}")
        if self.bytes is not None:
            parts.append(file_size(self.bytes))
        text = "PDF: " + (", ".join(parts) or "unknown size")
        return text + ("; no text" if self.error else "")


def file_size(size: int) -> str:
    """A size in bytes as people read it: ``"0.5 MB"`` from 100 kB on, else
    ``"12 kB"`` (decimal units, as file managers show them)."""
    if size >= 100_000:
        return f"{size / 1e6:.1f} MB"
    return f"{max(1, round(size / 1e3))} kB"


def describe(info: PdfInfo | None) -> str:
    """:meth:`PdfInfo.describe`, or :data:`NO_PDF` for ``None``."""
    return info.describe() if info is not None else NO_PDF


class PdfStore:
    """The PDFs of one data directory, recorded in its library.

    Thread-safe as the :class:`Library` is (each call its own connection); the
    extraction in :meth:`pages` is slow (about 50 pages a second), so an app
    calls it off its UI thread.

    Args:
        locations: the data directory; PDFs go to ``<data>/pdfs/``.
        library: the library recording the attachments.
    """

    def __init__(self, locations: Locations, library: Library) -> None:
        self.locations = locations
        self.library = library
        self.folder = pdf_folder(locations)

    def file_for(self, paper_id: str) -> Path:
        """Where a downloaded or copied PDF of ``paper_id`` is kept."""
        return self.folder / f"{safe_name(paper_id)}.pdf"

    def cache_for(self, paper_id: str) -> Path:
        """Where the extracted text of ``paper_id``'s PDF is cached."""
        return cache_path(self.folder, paper_id)

    # -- adding -----------------------------------------------------------

    def attach_file(self, paper: Paper, source: Path | str, *, link: bool = False) -> PdfInfo:
        """Attach the local PDF ``source`` to ``paper``: copied into ``pdfs/``,
        or with ``link`` recorded where it is (its absolute path); its text is
        extracted and cached at once.

        Returns:
            The :class:`PdfInfo`; its ``error`` says when the PDF is attached
            without text (encrypted, image-only).

        Raises:
            PdfError: ``source`` is missing, not a PDF (:class:`NotAPdf`) or
                truncated/damaged (:class:`TruncatedPdf`); nothing is attached.
            OSError: the copy cannot be written (disk full, permissions).
        """
        source = Path(source).expanduser().absolute()
        if not source.exists():
            raise PdfError(f"{source}: no such file")
        if not source.is_file():
            raise PdfError(f"{source} is not a file")
        if self.library.read_only is not None:  # before a file is written for nothing
            raise self.library.read_only_error()
        if link:
            extracted = self._read(source)
            return self._record(paper, source, "linked", extracted, _sha256(source))
        with open(source, "rb") as fh:
            return self._install(paper, iter(lambda: fh.read(_CHUNK), b""), "copied", str(source))

    def save_download(self, paper: Paper, data: bytes, url: str) -> PdfInfo:
        """Keep ``data`` (the PDF downloaded from ``url``) as ``paper``'s PDF, as
        :meth:`attach_file` does a copy (checked before it replaces an older file;
        error messages name ``url``)."""
        return self._install(paper, [data], "downloaded", f"the download {url}")

    def _install(self, paper: Paper, parts, kind: str, shown: str) -> PdfInfo:
        """Write ``parts`` to a temporary file in ``pdfs/``, check and extract it,
        then rename it to :meth:`file_for` and record it (messages name ``shown``)."""
        if self.library.read_only is not None:  # before a file is written for nothing
            raise self.library.read_only_error()
        self.folder.mkdir(parents=True, exist_ok=True)
        self.sweep_temporary()
        target = self.file_for(paper.id)
        tmp = self.folder / f".{target.name}.{secrets.token_hex(4)}.tmp"
        digest = hashlib.sha256()
        try:
            with open(tmp, "wb") as fh:
                for part in parts:
                    digest.update(part)
                    fh.write(part)
                fh.flush()
                os.fsync(fh.fileno())
            extracted = self._read(tmp, shown)
            if extracted.error is not None:  # attached without text: name the kept file
                extracted = replace(extracted, error=extracted.error.replace(str(tmp), str(target)))
            os.replace(tmp, target)
        finally:
            if tmp.exists():
                tmp.unlink()
        return self._record(paper, target, kind, extracted, digest.hexdigest())

    @staticmethod
    def _read(path: Path, shown: str | None = None) -> Extracted:
        """:func:`read_pdf`, with messages naming ``shown`` instead of a temporary file."""
        try:
            return read_pdf(path)
        except PdfError as exc:
            if shown is None:
                raise
            raise type(exc)(str(exc).replace(str(path), shown)) from None

    def _record(
        self, paper: Paper, path: Path, kind: str, extracted: Extracted, sha256: str
    ) -> PdfInfo:
        size = path.stat().st_size
        self._write_cache(paper.id, path, extracted.pages, extracted.error)
        self.library.attach(
            paper,
            path,
            kind,
            size=size,
            pages=extracted.page_count,
            sha256=sha256,
            extracted=True,
            error=extracted.error,
        )
        return PdfInfo(paper.id, path, kind, extracted.page_count, size, False, extracted.error)

    # -- reading ----------------------------------------------------------

    def info(self, paper_id: str) -> PdfInfo | None:
        """What is known of ``paper_id``'s PDF, ``None`` if it has none.

        A recorded file that is gone gives ``missing=True`` (never an error).
        """
        found = self.library.attachment(paper_id)
        if found is None:
            return None
        return self._info(found)

    @staticmethod
    def _info(found: Attachment) -> PdfInfo:
        try:
            size = found.path.stat().st_size
            missing = False
        except OSError:
            size, missing = found.bytes, True
        return PdfInfo(
            found.paper_id, found.path, found.kind, found.pages, size, missing, found.error
        )

    def infos(self) -> list[PdfInfo]:
        """:meth:`info` of every attached PDF, oldest attached first."""
        return [self._info(found) for found in self.library.attachments()]

    def pages(self, paper_id: str) -> list[str] | None:
        """The normalised text of ``paper_id``'s PDF, one string per page, page 1 first.

        From the cache when it matches the file (size, modification time,
        extractor); else extracted now (slow: call off the UI thread), cached,
        and recorded in the library (:meth:`Library.set_extracted`).

        Returns:
            ``None`` when the paper has no PDF, its file is missing, or it has
            no text (encrypted, image-only, damaged since): never raises for those.
        """
        found = self.library.attachment(paper_id)
        if found is None:
            return None
        try:
            found.path.stat()
        except OSError:  # missing: reported by info(), not an extraction error
            return None
        cached = self._read_cache(paper_id, found.path)
        if cached is not None:  # extracted from the file as it is now, text or not
            return None if cached.get("error") is not None else list(cached["pages"])
        try:
            extracted = read_pdf(found.path)
        except (PdfError, OSError) as exc:
            self._remember(paper_id, found.path, [], str(exc))
            self._note(paper_id, None, str(exc))
            return None
        self._remember(paper_id, found.path, extracted.pages, extracted.error)
        self._note(paper_id, extracted.page_count, extracted.error)
        return None if extracted.error is not None else extracted.pages

    def stale(self) -> list[str]:
        """Ids of the attached PDFs whose last extraction is not of the file as it
        is now (never extracted, changed since, e.g. a damaged file repaired, or
        extracted by an older extractor); missing files are left out, and so
        are files whose last extraction, of the same size and modification
        time, found no text."""
        ids = []
        for found in self.library.attachments():
            try:
                found.path.stat()
            except OSError:
                continue
            if self._read_cache(found.paper_id, found.path) is None:
                ids.append(found.paper_id)
        return ids

    def refresh(
        self, progress: Callable[[int, int], None] | None = None
    ) -> list[tuple[str, PdfInfo | None]]:
        """Extract the text of every :meth:`stale` PDF (slow: run it off the UI thread).

        Args:
            progress: called with ``(done, total)`` after each PDF.

        Attached PDFs whose file is gone since their text was cached are
        handled first (:meth:`forget_missing`): their words leave the index.

        Returns:
            ``(paper_id, info)`` per PDF extracted, ``info.error`` saying why
            one has no text; then one per file found missing
            (``info.missing``).
        """
        self.sweep_temporary()
        gone = self.forget_missing()
        ids = self.stale()
        done = []
        for number, paper_id in enumerate(ids, 1):
            self.pages(paper_id)
            done.append((paper_id, self.info(paper_id)))
            if progress is not None:
                progress(number, len(ids))
        return done + [(info.paper_id, info) for info in gone]

    def forget_missing(self) -> list[PdfInfo]:
        """Drop the cached text of attached PDFs whose file is gone (deleted or
        moved by the user) and record why (a new revision of the paper, so the
        index drops its words and ``has:pdf``); the attachment stays, reported
        as missing, until the file is back or it is detached. Nothing is done
        for a read-only library.

        Returns:
            The :class:`PdfInfo` of each PDF found missing now (not those
            already handled by an earlier call).
        """
        if self.library.read_only is not None:
            return []
        gone = []
        for found in self.library.attachments():
            cache = self.cache_for(found.paper_id)
            if found.path.exists() or not cache.exists():
                continue
            cache.unlink(missing_ok=True)
            self._note(found.paper_id, None, f"{found.path} is missing")
            gone.append(self.info(found.paper_id))
        return [info for info in gone if info is not None]

    def _note(self, paper_id: str, pages: int | None, error: str | None) -> None:
        """Record an extraction in the library, unless it is read-only."""
        if self.library.read_only is None:
            self.library.set_extracted(paper_id, pages, error)

    def _read_cache(self, paper_id: str, path: Path) -> dict | None:
        """The cache of ``paper_id`` if it was made from ``path`` as it is now by
        this extractor (:func:`read_cache_data` compares its size and time),
        else ``None``."""
        cache = self.cache_for(paper_id)
        data = read_cache_data(cache, extractor_version())
        if data is None or cache_source(cache, str(data["source"])) != path:
            return None
        return data

    def _write_cache(
        self, paper_id: str, path: Path, pages: list[str], error: str | None = None
    ) -> None:
        """Cache ``pages`` (or, with ``error``, that ``path`` has no text) for
        ``path`` as it is now; see the module docstring for the format."""
        stat = path.stat()
        self.folder.mkdir(parents=True, exist_ok=True)
        data = {
            "extractor": extractor_version(),
            "source": path.name if path.parent == self.folder else str(path),
            "size": stat.st_size,
            "mtime_ns": stat.st_mtime_ns,
            "pages": pages if error is None else [],
        }
        if error is not None:
            data["error"] = error
        write_json_atomic(self.cache_for(paper_id), data)

    def _remember(self, paper_id: str, path: Path, pages: list[str], error: str | None) -> None:
        """:meth:`_write_cache` after an extraction outside an attach: skipped for a
        read-only library, and a cache that cannot be written is only not kept."""
        if self.library.read_only is not None:
            return
        with contextlib.suppress(OSError):
            self._write_cache(paper_id, path, pages, error)

    def sweep_temporary(self, max_age: float = STALE_TEMP_SECONDS) -> list[Path]:
        """Remove the temporary files (``.*.tmp``) in ``pdfs/`` older than
        ``max_age`` seconds: left by a process killed while writing. Errors
        (a read-only folder) are ignored. Returns the files removed."""
        removed = []
        cutoff = time.time() - max_age
        try:
            candidates = list(self.folder.glob(".*.tmp"))
        except OSError:
            return removed
        for tmp in candidates:
            try:
                if tmp.is_file() and tmp.stat().st_mtime < cutoff:
                    tmp.unlink()
                    removed.append(tmp)
            except OSError:
                continue
        return removed

    def remove(self, paper_id: str) -> PdfInfo | None:
        """Detach ``paper_id``'s PDF: the library forgets it, the cached text is
        deleted, and a downloaded or copied file in ``pdfs/`` too (a linked
        file, the user's own, is left alone). Returns what it was, or ``None``."""
        found = self.library.detach(paper_id)
        if found is None:
            return None
        info = self._info(found)
        self.cache_for(paper_id).unlink(missing_ok=True)
        if found.kind != "linked" and found.path.parent == self.folder:
            found.path.unlink(missing_ok=True)
        return info


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        shutil.copyfileobj(fh, _Hasher(digest), _CHUNK)
    return digest.hexdigest()


class _Hasher:
    """A file-like sink feeding a hash (for :func:`shutil.copyfileobj`)."""

    def __init__(self, digest) -> None:
        self.digest = digest

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        return len(data)
