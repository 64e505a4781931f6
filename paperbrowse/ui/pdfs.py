"""PDFs in the app: download (``d``), attach a local file (``a``), open (``O``), and
download the PDFs of every bookmarked paper (palette, ``D``).

A mixin of :class:`~paperbrowse.ui.screens.main.MainScreen`, as
:class:`~paperbrowse.ui.screens.organising.OrganiseActions` is, over
:mod:`paperbrowse.core.pdfs` (the same calls as ``paperbrowse pdf`` and
``paperbrowse attach``, :mod:`paperbrowse.cli_pdf`). Every download, check,
extraction and index update runs in a thread worker; the UI thread only reads
the attachments map (:attr:`PdfActions.pdfs`, read from the library with the
bookmarks, so a cursor move costs one ``stat`` of the PDF, no SQLite query).

Attaching stores the paper with a new library revision
(:meth:`Library.attach`): the worker then catches the search index up
(:meth:`IndexStore.catch_up`), as an import does, so the paper is re-indexed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.markup import escape
from textual import work
from textual.message import Message
from textual.widgets import Label, ProgressBar
from textual.worker import get_current_worker

from paperbrowse.core.library import Attachment, is_disk_full
from paperbrowse.core.models import Paper
from paperbrowse.core.pdfs import ArxivPdfClient, PdfError, PdfInfo, PdfStore
from paperbrowse.core.sources.common import SourceUnavailable
from paperbrowse.ui.screens.organising import OrganiseActions

#: Failures listed in the bulk download's notification (the rest are counted).
FAILURES_SHOWN = 5


def pdf_client(on_retry=None) -> ArxivPdfClient:
    """The arXiv PDF client the app downloads with (tests replace this factory).

    Args:
        on_retry: called with each :class:`~paperbrowse.core.sources.http.RetryNotice`.
    """
    return ArxivPdfClient(on_retry=on_retry)


def pdf_state(attachment: Attachment) -> PdfInfo:
    """What the detail pane says of a recorded PDF: its size now (one ``stat``),
    or ``missing`` when the file is gone (never an error)."""
    try:
        size: int | None = attachment.path.stat().st_size
        missing = False
    except OSError:
        size, missing = attachment.bytes, True
    return PdfInfo(
        attachment.paper_id,
        attachment.path,
        attachment.kind,
        attachment.pages,
        size,
        missing,
        attachment.error,
    )


def viewer_command(path: Path, environ: dict[str, str] | None = None) -> list[str] | None:
    """The command that opens ``path`` in the desktop's PDF viewer: ``open`` on
    macOS, ``xdg-open`` on Linux with a display (``$DISPLAY`` or
    ``$WAYLAND_DISPLAY``); ``None`` without a display or an opener (then the
    app shows the path instead, as ``paperbrowse open`` prints it)."""
    env = os.environ if environ is None else environ
    if sys.platform == "darwin":
        opener = shutil.which("open")
    elif env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        opener = shutil.which("xdg-open")
    else:
        opener = None
    return [opener, str(path)] if opener else None


def one_line(exc: BaseException) -> str:
    """The first line of ``str(exc)`` (the class name if it is empty)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class PdfReady(Message):
    """A PDF was downloaded (``d``) or attached (``a``), or could not be.

    Attributes:
        paper: the paper.
        info: the PDF attached, or ``None`` when ``error`` says why not.
        error: one line, or ``None``.
        index_error: why the search index could not add the paper now (it
            adds it at the next start), or ``None``.
    """

    def __init__(
        self,
        paper: Paper,
        info: PdfInfo | None,
        error: str | None = None,
        index_error: str | None = None,
    ) -> None:
        super().__init__()
        self.paper = paper
        self.info = info
        self.error = error
        self.index_error = index_error


class PdfBulkProgress(Message):
    """The bulk download reached paper ``done + 1`` of ``total`` (``title``)."""

    def __init__(self, done: int, total: int, title: str) -> None:
        super().__init__()
        self.done = done
        self.total = total
        self.title = title


class PdfBulkFinished(Message):
    """The bulk download ended.

    Attributes:
        downloaded: PDFs downloaded; skipped: papers that had one already.
        failures: ``"<paper id>: <one line>"`` per paper without a new PDF.
        stopped: why it stopped early (arXiv unreachable), or ``None``.
        index_error: as :attr:`PdfReady.index_error`.
    """

    def __init__(
        self,
        downloaded: int,
        skipped: int,
        failures: list[str],
        stopped: str | None = None,
        index_error: str | None = None,
    ) -> None:
        super().__init__()
        self.downloaded = downloaded
        self.skipped = skipped
        self.failures = failures
        self.stopped = stopped
        self.index_error = index_error


class PdfActions:
    """The PDF actions of the main screen (a mixin: see the module)."""

    if TYPE_CHECKING:  # provided by MainScreen
        app: Any
        library: Any
        bookmarked: frozenset[str]
        query_one: Any
        notify: Any
        post_message: Any
        _selected_paper: Any
        _show_detail: Any

    #: paper id -> its recorded PDF (read with the bookmarks: :meth:`reload_pdfs`).
    pdfs: dict[str, Attachment]
    #: The library revision :attr:`pdfs` was read at (``None``: not read yet).
    pdfs_revision: int | None = None

    # ---------------------------------------------------------------- state
    def pdf_store(self) -> PdfStore:
        """The PDFs of the app's data directory."""
        return PdfStore(self.app.locations, self.library)

    def reload_pdfs(self, *, force: bool = False) -> None:
        """Read which papers have a PDF from the library, if it changed since.

        Attaching, detaching and extracting each take a new library revision
        (also from another process: ``paperbrowse attach``), so a listing costs
        one small query (the revision, ~0.2 ms) and the map (~6 ms for 1,000
        PDFs) is read again only after such a change, or with ``force``.
        """
        revision = self.library.revision()
        if force or revision != self.pdfs_revision:
            self.pdfs = {found.paper_id: found for found in self.library.attachments()}
            self.pdfs_revision = revision

    def pdf_info(self, paper_id: str) -> PdfInfo | None:
        """``paper_id``'s PDF as the detail pane shows it, ``None`` if it has none
        (from :attr:`pdfs` and one ``stat``: cheap enough for every cursor move)."""
        found = self.pdfs.get(paper_id)
        return pdf_state(found) if found is not None else None

    def _pdf_changed(self) -> None:
        """Re-read the attachments and redraw the detail pane."""
        from paperbrowse.ui.widgets import ResultList

        self.reload_pdfs(force=True)
        self._show_detail(self.query_one(ResultList).current_hit)

    def _catch_up_index(self) -> str | None:
        """Add the papers stored since the index's revision (those given a PDF) to
        the search index; in a worker. Returns why it could not, or ``None``."""
        from paperbrowse.core.fulltext import index_store
        from paperbrowse.core.index import WRITER_BUSY

        try:
            index_store(self.app.locations).catch_up(
                self.library,
                on_wait=lambda: self.app.call_from_thread(
                    self.notify, WRITER_BUSY, title="Index busy", timeout=10
                ),
            )
        except Exception as exc:  # the PDF stays attached; a later start catches up
            return one_line(exc)
        return None

    # ---------------------------------------------------------- d: download
    def action_download_pdf(self) -> None:
        """Download the selected paper's arXiv PDF, extract its text and re-index it,
        off the UI thread; a notification says how it went."""
        paper = self._selected_paper()
        if paper is None:
            return
        self.reload_pdfs()  # attached meanwhile by `paperbrowse attach`? (~0.2 ms)
        info = self.pdf_info(paper.id)
        if info is not None and not info.missing:  # first: it may have no arXiv id
            self.notify(
                f"{info.describe()} already: O opens it, a replaces it with a file.",
                title="PDF attached",
                markup=False,
            )
            return
        if not paper.arxiv_id:
            self.notify(
                "No arXiv id is known for this paper: press a to attach a local PDF file.",
                title="No PDF to download",
                severity="warning",
                timeout=8,
            )
            return
        self.notify(f"Downloading the PDF of arXiv:{paper.arxiv_id}…", timeout=3, markup=False)
        self.download_pdf(paper)

    @work(thread=True, group="pdf", exit_on_error=False)
    def download_pdf(self, paper: Paper) -> None:
        """Download, check and extract ``paper``'s PDF, then catch the index up;
        posts :class:`PdfReady`."""
        store = self.pdf_store()
        try:
            with pdf_client(on_retry=self._retry_notice) as client:
                data, url = client.download(paper)
            info = store.save_download(paper, data, url)
            store.pages(paper.id)  # cached by the download; extracted here otherwise
        except Exception as exc:  # offline, no PDF, a bad file, a full disk: one line
            self.post_message(PdfReady(paper, None, one_line(exc)))
            return
        self.post_message(PdfReady(paper, info, index_error=self._catch_up_index()))

    def _retry_notice(self, notice) -> None:
        """arXiv is busy: say it is retrying (called in the worker)."""
        self.app.call_from_thread(self.notify, str(notice), timeout=4, markup=False)

    def on_pdf_ready(self, message: PdfReady) -> None:
        self._pdf_changed()
        title = message.paper.title
        if message.info is None:
            self.notify(
                f"{title}: {message.error}",
                title="No PDF",
                severity="error",
                timeout=12,
                markup=False,
            )
            return
        info = message.info
        text = f"{title}: {info.describe()} ({info.kind})"
        if info.error:
            text += f"\nAttached, but {info.error}"
        if message.index_error:
            text += f"\nThe search index adds it at the next start: {message.index_error}"
        self.notify(
            text,
            title="PDF attached",
            severity="warning" if info.error or message.index_error else "information",
            timeout=8,
            markup=False,
        )

    # ------------------------------------------------------------ a: attach
    def action_attach_pdf(self) -> None:
        """Ask for a local PDF file and attach it to the selected paper (copied in
        or linked), in the dialog's worker; then re-index the paper."""
        paper = self._selected_paper()
        if paper is None:
            return
        from paperbrowse.ui.screens.attach_pdf import AttachPdfScreen

        store = self.pdf_store()

        def attach(path: Path, *, link: bool) -> PdfInfo:
            return store.attach_file(paper, path, link=link)

        def done(info: PdfInfo | None) -> None:
            if info is not None:
                self._pdf_changed()
                self.reindex_attached(paper, info)

        self.app.push_screen(AttachPdfScreen(paper, attach, Path.cwd()), done)

    @work(thread=True, group="pdf", exit_on_error=False)
    def reindex_attached(self, paper: Paper, info: PdfInfo) -> None:
        """Catch the index up after ``paper`` got the PDF ``info``; posts :class:`PdfReady`."""
        self.post_message(PdfReady(paper, info, index_error=self._catch_up_index()))

    # -------------------------------------------------------------- O: open
    def action_open_pdf(self) -> None:
        """Open the selected paper's PDF: the attached file in the desktop's viewer
        (without a display: its path is shown and copied), a missing file is
        reported; a paper without one opens its arXiv PDF in the browser."""
        paper = self._selected_paper()
        if paper is None:
            return
        info = self.pdf_info(paper.id)
        if info is None:
            OrganiseActions.action_open_pdf(self)  # type: ignore[arg-type]
            return
        if info.missing:
            self.notify(
                f"PDF missing ({info.path}): a attaches it again, d downloads it.",
                severity="warning",
                timeout=10,
                markup=False,
            )
            return
        command = viewer_command(info.path)
        if command is None:
            self.app.copy_to_clipboard(str(info.path))
            self.notify(
                f"No display here: the PDF is {info.path} (path copied)",
                title="PDF",
                timeout=10,
                markup=False,
            )
            return
        self.notify(f"Opening {info.path}", timeout=3, markup=False)
        self._start_viewer(command)

    @work(thread=True, group="viewer", exit_on_error=False)
    def _start_viewer(self, command: list[str]) -> None:
        """Start the viewer detached (its own session, no terminal I/O)."""
        try:
            subprocess.Popen(  # noqa: S603 - the opener found by viewer_command
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        except OSError as exc:
            self.app.call_from_thread(
                self.notify, f"Cannot open {command[-1]}: {one_line(exc)}", severity="error"
            )

    # ------------------------------------------------- D: bookmarked papers
    def action_download_bookmarked_pdfs(self) -> None:
        """Download the arXiv PDFs of every bookmarked paper that has none, with a
        progress bar; failures are summarised at the end."""
        if not self.bookmarked:
            self.notify("No bookmarked papers yet: b bookmarks one.", severity="warning")
            return
        bar = self.query_one("#importing")
        if bar.display:
            self.notify(
                "An import or a download is running: try again when it has finished.",
                severity="warning",
            )
            return
        self.query_one("#importing-label", Label).update("Downloading the PDFs of bookmarks…")
        self.query_one("#importing-progress", ProgressBar).update(total=None, progress=0)
        bar.display = True
        self.download_bookmarked_pdfs()

    @work(thread=True, exclusive=True, group="pdf-bulk", exit_on_error=False)
    def download_bookmarked_pdfs(self) -> None:
        """The bulk download (see :meth:`action_download_bookmarked_pdfs`): one
        paper at a time, at arXiv's pace; stops if arXiv cannot be reached.
        Posts :class:`PdfBulkProgress` and :class:`PdfBulkFinished`."""
        worker = get_current_worker()
        store = self.pdf_store()
        downloaded = skipped = 0
        failures: list[str] = []
        stopped: str | None = None
        try:
            papers = [mark.paper for mark in self.library.bookmarks()]
            with pdf_client(on_retry=self._retry_notice) as client:
                for number, paper in enumerate(papers):
                    if worker.is_cancelled:
                        break
                    self.post_message(PdfBulkProgress(number, len(papers), paper.title))
                    info = store.info(paper.id)
                    if info is not None and not info.missing:
                        skipped += 1
                        continue
                    if not paper.arxiv_id:
                        failures.append(f"{paper.id}: no arXiv id (a attaches a file)")
                        continue
                    try:
                        data, url = client.download(paper)
                        info = store.save_download(paper, data, url)
                    except SourceUnavailable as exc:
                        stopped = one_line(exc)
                        break
                    except (PdfError, OSError) as exc:
                        failures.append(f"{paper.id}: {one_line(exc)}")
                        if isinstance(exc, OSError) and is_disk_full(exc):
                            stopped = one_line(exc)
                            break
                        continue
                    downloaded += 1
                    if info.error:
                        failures.append(f"{paper.id}: attached, but {info.error}")
                self.post_message(PdfBulkProgress(len(papers), len(papers), ""))
        except Exception as exc:  # the library cannot be read: one line
            stopped = one_line(exc)
        index_error = self._catch_up_index() if downloaded else None
        self.post_message(PdfBulkFinished(downloaded, skipped, failures, stopped, index_error))

    def on_pdf_bulk_progress(self, message: PdfBulkProgress) -> None:
        self.query_one("#importing-progress", ProgressBar).update(
            total=message.total, progress=message.done
        )
        if message.title:
            self.query_one("#importing-label", Label).update(
                f"PDF {message.done + 1} of {message.total}: {escape(message.title)}"
            )

    def on_pdf_bulk_finished(self, message: PdfBulkFinished) -> None:
        self.query_one("#importing").display = False
        self._pdf_changed()
        lines = [
            f"{message.downloaded} downloaded, {message.skipped} already had a PDF, "
            f"{len(message.failures)} failed"
        ]
        if message.stopped:
            lines.insert(0, f"Stopped: {message.stopped}")
        lines += [f"• {line}" for line in message.failures[:FAILURES_SHOWN]]
        if len(message.failures) > FAILURES_SHOWN:
            lines.append(
                f"… and {len(message.failures) - FAILURES_SHOWN} more "
                "('paperbrowse pdf --bookmarked' lists them all)"
            )
        if message.index_error:
            lines.append(f"The search index adds them at the next start: {message.index_error}")
        trouble = message.stopped or message.failures or message.index_error
        self.notify(
            "\n".join(lines),
            title="PDFs of bookmarks",
            severity="warning" if trouble else "information",
            timeout=15,
            markup=False,
        )
