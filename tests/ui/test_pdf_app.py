"""PDFs in the app (issue 18): attach a local file (``a``), download from arXiv
(``d``), open (``O``), the detail pane's PDF line, the bookmarks' PDFs in bulk,
and a snapshot of the attach dialog at 80×24.

PDFs are built with fpdf2 (:func:`tests.unit.test_pdf.build_pdf`); downloads go
through the fake transport of ``tests/fakes.py`` (the app's client factory,
:func:`paperbrowse.ui.pdfs.pdf_client`, is replaced).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from fakes import FakeTime, recording_http
from textual.pilot import Pilot
from textual.widgets import Input, Label, Static

from paperbrowse.core.index import IndexStore
from paperbrowse.core.pdfs import ArxivPdfClient, PdfStore
from paperbrowse.ui import keys
from paperbrowse.ui import pdfs as ui_pdfs
from paperbrowse.ui.app import PaperBrowseApp
from paperbrowse.ui.screens.attach_pdf import AttachPdfScreen
from paperbrowse.ui.widgets import ResultList
from tests.ui.test_snapshots import QUERY, show_query, wait_until
from tests.unit.test_pdf import build_pdf

PDF_TYPE = "application/pdf"


def recorded_notes(app: PaperBrowseApp) -> list[str]:
    """Every notification's message from now on, in order (the toasts may be dropped)."""
    seen: list[str] = []
    notify = app.notify

    def record(message: str, **kwargs) -> None:
        seen.append(message)
        notify(message, **kwargs)

    app.notify = record  # type: ignore[method-assign]
    return seen


def pdf_line(app: PaperBrowseApp) -> str:
    """The detail pane's PDF line as shown ("" when hidden)."""
    line = app.main.query_one("#detail-pdf", Static)
    return str(line.render()) if line.display else ""


def with_arxiv_ids(locations, library, index, count: int) -> list:
    """The first ``count`` hits of :data:`QUERY` (corpus papers have no arXiv id),
    stored in the library with made-up arXiv ids and indexed so; returns them."""
    papers = [
        replace(hit.paper, arxiv_id=f"2112.{10752 + n}")
        for n, hit in enumerate(index.search(QUERY).hits[:count])
    ]
    library.store_papers(papers)
    IndexStore(locations.index_root).catch_up(library)
    return papers


def index_current(app: PaperBrowseApp) -> bool:
    current = IndexStore(app.locations.index_root).read_current()
    return current is not None and current[1].revision >= app.library.revision()


def current_paper(app: PaperBrowseApp):
    hit = app.main.query_one(ResultList).current_hit
    assert hit is not None
    return hit.paper


async def attach(pilot: Pilot, app: PaperBrowseApp, text: str) -> AttachPdfScreen:
    """Open the attach dialog with ``a``, type ``text`` in its field, press enter."""
    await pilot.press("a")
    await wait_until(
        pilot,
        lambda: isinstance(app.screen, AttachPdfScreen) and app.screen.query("#attach-path"),
        "the attach dialog",
    )
    dialog = app.screen
    assert isinstance(dialog, AttachPdfScreen)
    dialog.query_one("#attach-path", Input).value = text
    await pilot.press("enter")
    return dialog


async def test_attach_a_pdf_shows_it_in_the_detail_pane_and_reindexes(
    locations, corpus, library, index, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    build_pdf(tmp_path / "paper.pdf", [["Latent diffusion"], ["page two"], ["a quokka carillon"]])
    app = PaperBrowseApp(locations, corpus, library=library, index=index)
    async with app.run_test(size=(120, 40)) as pilot:
        await show_query(pilot, QUERY)
        paper = current_paper(app)
        assert pdf_line(app) == ""  # no PDF: no line (and no change to the other screenshots)
        before = library.revision()
        await attach(pilot, app, "~/paper.pdf")  # ~ is expanded
        await wait_until(pilot, lambda: len(app.screen_stack) == 1, "the dialog to close")
        found = library.attachment(paper.id)
        assert found is not None and found.kind == "copied" and found.pages == 3
        assert found.path.parent == locations.data_dir / "pdfs"
        assert pdf_line(app).startswith("PDF: 3 pages, ") and " kB" in pdf_line(app)
        # the paper is stored with a new revision, and the index catches up with it
        assert library.revision() > before
        await wait_until(pilot, lambda: index_current(app), "the index to catch up")
        # the catch-up indexed the PDF's text: a phrase of its page 3 finds the paper
        await pilot.press("slash", "ctrl+u")
        await show_query(pilot, '"quokka carillon"')
        assert current_paper(app).id == paper.id
        assert "Matched on p. 3: " in pdf_line(app)


async def test_a_file_that_is_not_a_pdf_is_refused_in_the_dialog(
    locations, corpus, library, index, tmp_path: Path
) -> None:
    notes = tmp_path / "notes.pdf"
    notes.write_text("<html>not a pdf</html>")
    app = PaperBrowseApp(locations, corpus, library=library, index=index)
    async with app.run_test(size=(80, 24)) as pilot:
        await show_query(pilot, QUERY)
        paper = current_paper(app)
        dialog = await attach(pilot, app, str(notes))
        error = dialog.query_one("#attach-error", Label)
        await wait_until(pilot, lambda: "not a PDF" in str(error.render()), "the refusal")
        assert "notes.pdf is not a PDF" in str(error.render())
        assert "nothing was attached" in str(error.render())
        assert app.screen is dialog  # stays open to type another path
        dialog.query_one("#attach-path", Input).value = str(tmp_path / "absent.pdf")
        await pilot.press("enter")
        assert "absent.pdf: no such file" in str(error.render())
        await pilot.press("escape")
        await wait_until(pilot, lambda: len(app.screen_stack) == 1, "the dialog to close")
        assert library.attachment(paper.id) is None and pdf_line(app) == ""
        # attached by another process (paperbrowse attach): shown from the next listing on
        good = build_pdf(tmp_path / "good.pdf", [["one"], ["two"]])
        PdfStore(locations, library).attach_file(paper, good)
        app.main.search_again()
        await wait_until(pilot, lambda: pdf_line(app).startswith("PDF: 2 pages"), "the line")


async def test_download_attaches_the_arxiv_pdf_and_offline_says_so(
    locations, corpus, library, index, tmp_path: Path, monkeypatch, no_network
) -> None:
    body = build_pdf(tmp_path / "arxiv.pdf", [["one"], ["two"]]).read_bytes()
    online = [True]

    def answer(request: httpx.Request) -> httpx.Response:
        if not online[0]:
            raise httpx.ConnectError("[Errno -2] Name or service not known")
        return httpx.Response(200, content=body, headers={"Content-Type": PDF_TYPE})

    http, seen = recording_http(answer)
    clock = FakeTime()
    monkeypatch.setattr(
        ui_pdfs,
        "pdf_client",
        lambda on_retry=None: ArxivPdfClient(
            http, sleep=clock.sleep, clock=clock.clock, on_retry=on_retry
        ),
    )
    first, second = with_arxiv_ids(locations, library, index, 2)
    app = PaperBrowseApp(locations, corpus, library=library, index=index)
    async with app.run_test(size=(120, 40)) as pilot:
        notes = recorded_notes(app)
        await show_query(pilot, QUERY)
        app.main.action_download_bookmarked_pdfs()
        assert notes[-1] == "No bookmarked papers yet: b bookmarks one."
        await pilot.press("j", "j")  # a paper without an arXiv id: say so, suggest a
        assert not current_paper(app).arxiv_id
        await pilot.press("d")
        assert "No arXiv id is known for this paper: press a" in notes[-1]
        await pilot.press("g")
        paper = current_paper(app)
        assert paper.id == first.id and paper.arxiv_id == first.arxiv_id
        await pilot.press("d")
        await wait_until(pilot, lambda: pdf_line(app).startswith("PDF: 2 pages"), "the PDF")
        assert [str(r.url) for r in seen] == [f"https://arxiv.org/pdf/{paper.arxiv_id}"]
        assert library.attachment(paper.id).kind == "downloaded"
        await wait_until(pilot, lambda: any("PDF: 2 pages" in n for n in notes), "the notice")
        await wait_until(pilot, lambda: index_current(app), "the index to catch up")
        await pilot.press("d")  # has one: not downloaded again
        assert len(seen) == 1 and "already" in notes[-1]
        # offline: the next paper's download fails with the clear message, nothing attached
        online[0] = False
        await pilot.press("j")
        other = current_paper(app)
        assert other.id == second.id and other.arxiv_id
        await pilot.press("d")
        await wait_until(
            pilot, lambda: any("arXiv could not be reached" in n for n in notes), "the failure"
        )
        assert library.attachment(other.id) is None and pdf_line(app) == ""
        assert not any("Traceback" in n for n in notes)


async def test_open_without_display_shows_the_path_and_a_removed_file_is_missing(
    locations, corpus, library, index, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(ui_pdfs.sys, "platform", "linux")
    started: list[list[str]] = []
    monkeypatch.setattr(ui_pdfs.subprocess, "Popen", lambda cmd, **kw: started.append(cmd))
    linked = build_pdf(tmp_path / "mine.pdf", [["only page"]])
    app = PaperBrowseApp(locations, corpus, library=library, index=index)
    async with app.run_test(size=(120, 40)) as pilot:
        notes = recorded_notes(app)
        await show_query(pilot, QUERY)
        dialog = await attach(pilot, app, "")
        assert "Type the path" in str(dialog.query_one("#attach-error", Label).render())
        await pilot.press("tab", "right")  # to the choices: "link to the file"
        dialog.query_one("#attach-path", Input).value = str(linked)
        await pilot.press("enter")
        await wait_until(pilot, lambda: len(app.screen_stack) == 1, "the dialog to close")
        paper = current_paper(app)
        assert app.library is library  # an empty library (len 0) is the one given
        assert library.attachment(paper.id).kind == "linked"
        assert pdf_line(app).startswith("PDF: 1 page, ")
        # moving the cursor reads the PDF line from memory: no library query per move
        asked: list[str] = []
        real = library.attachment
        library.attachment = lambda pid: asked.append(pid) or real(pid)
        await pilot.press("j", "k")
        await pilot.pause(0.1)
        assert pdf_line(app).startswith("PDF: 1 page, ") and asked == []
        del library.attachment
        await pilot.press("O")
        assert notes[-1] == f"No display here: the PDF is {linked} (path copied)"
        assert started == []
        # with a display, the viewer is started (detached) on the file
        monkeypatch.setenv("DISPLAY", ":0")
        monkeypatch.setattr(ui_pdfs.shutil, "which", lambda name: f"/usr/bin/{name}")
        await pilot.press("O")
        await wait_until(pilot, lambda: bool(started), "the viewer")
        assert started == [["/usr/bin/xdg-open", str(linked)]]
        # the user deletes the file: reported, not an error
        linked.unlink()
        await pilot.press("O")
        assert notes[-1].startswith(f"PDF missing ({linked})")
        await pilot.press("j", "k")  # the detail pane shows it when it next shows the paper
        assert pdf_line(app).startswith(f"PDF: missing ({linked})")


async def test_bulk_download_of_bookmarks_summarises_failures(
    locations, corpus, library, index, tmp_path: Path, monkeypatch, no_network
) -> None:
    body = build_pdf(tmp_path / "arxiv.pdf", [["one"]]).read_bytes()
    good, gone, attached = with_arxiv_ids(locations, library, index, 3)
    no_id = index.search(QUERY).hits[3].paper
    for paper in (good, gone, attached, no_id):
        library.add(paper)
    PdfStore(locations, library).attach_file(attached, tmp_path / "arxiv.pdf")

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith(gone.arxiv_id):
            return httpx.Response(404, text="not found")
        return httpx.Response(200, content=body, headers={"Content-Type": PDF_TYPE})

    http, seen = recording_http(answer)
    clock = FakeTime()
    monkeypatch.setattr(
        ui_pdfs,
        "pdf_client",
        lambda on_retry=None: ArxivPdfClient(http, sleep=clock.sleep, clock=clock.clock),
    )
    app = PaperBrowseApp(locations, corpus, library=library, index=index)
    async with app.run_test(size=(120, 40)) as pilot:
        notes = recorded_notes(app)
        await show_query(pilot, QUERY)
        titles = {title: action for title, _, action in keys.palette_commands()}
        assert titles["Download PDFs of bookmarked papers"] == "download_bookmarked_pdfs"
        app.main.action_download_bookmarked_pdfs()  # the palette's command
        assert app.main.query_one("#importing").display
        await wait_until(pilot, lambda: any("downloaded" in n for n in notes), "the summary")
        summary = next(n for n in notes if "downloaded" in n)
        assert summary.splitlines()[0] == "1 downloaded, 1 already had a PDF, 2 failed"
        assert f"• {gone.id}: arXiv has no PDF for {gone.arxiv_id}" in summary
        assert f"• {no_id.id}: no arXiv id (a attaches a file)" in summary
        assert not app.main.query_one("#importing").display
        assert library.attachment(good.id).kind == "downloaded"
        assert library.attachment(gone.id) is None and len(seen) == 2
        await wait_until(pilot, lambda: index_current(app), "the index to catch up")


@pytest.mark.parametrize("size", [(80, 24)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_attach_dialog_snapshot(snap_compare, locations, corpus, library, index, size) -> None:
    """The attach dialog at 80×24: title, path field, the two ways, its keys."""
    app = PaperBrowseApp(locations, corpus, library=library, index=index)

    async def run_before(pilot: Pilot) -> None:
        await show_query(pilot, QUERY)
        await pilot.press("a")
        await wait_until(pilot, lambda: len(app.screen_stack) == 2, "the attach dialog")
        field = app.screen.query_one("#attach-path", Input)
        field.cursor_blink = False
        field.value = "~/papers/latent-diffusion.pdf"
        await pilot.pause(0.1)
        app.clear_notifications()
        await pilot.pause(0.1)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


async def test_a_phrase_only_in_a_pdf_finds_the_paper_with_its_page_in_list_and_detail(
    locations, corpus, library, index, tmp_path: Path
) -> None:
    from paperbrowse.core.fulltext import index_store
    from tests.ui.test_app import rendered_text

    paper = index.search('title:"bootstrap your own latent"').hits[0].paper
    pdf = build_pdf(
        tmp_path / "byol.pdf",
        [["Bootstrap your own latent"], ["Related work"], ["A unicorn zebrafish tessellation."]],
    )
    PdfStore(locations, library).attach_file(paper, pdf)
    index_store(locations).catch_up(library)
    app = PaperBrowseApp(locations, corpus, library=library, index=index)
    async with app.run_test(size=(120, 40)) as pilot:
        await show_query(pilot, '"zebrafish tessellation"')
        assert current_paper(app).id == paper.id
        rows = rendered_text(app.main.query_one(ResultList))
        assert "p. 3: " in rows and "zebrafish tessellation" in rows
        assert "Matched on p. 3: " in pdf_line(app) and "zebrafish tessellation" in pdf_line(app)
        assert pdf_line(app).startswith("PDF: 3 pages")


async def test_download_on_a_paper_with_a_pdf_says_it_has_one_even_without_an_arxiv_id(
    locations, corpus, library, index, tmp_path: Path
) -> None:
    app = PaperBrowseApp(locations, corpus, library=library, index=index)
    async with app.run_test(size=(120, 40)) as pilot:
        await show_query(pilot, QUERY)
        paper = current_paper(app)
        assert not paper.arxiv_id  # the bundled corpus has none
        PdfStore(locations, library).attach_file(paper, build_pdf(tmp_path / "p.pdf", [["x"]]))
        notes = recorded_notes(app)
        await pilot.press("d")
        await wait_until(pilot, lambda: notes, "a notification")
        assert notes[0].startswith("PDF: 1 page") and "already" in notes[0]
