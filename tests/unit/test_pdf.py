"""PDFs: text normalisation, extraction, the store (attach, cache, bad files), download.

The PDFs are built here with fpdf2; text with ligature characters is set in
``tests/fixtures/pdf_dejavu_subset.ttf`` (a subset of DejaVu Sans: ASCII,
Latin-1, the ligatures U+FB00–U+FB06). Downloads go through the fake
transport of ``tests/fakes.py``.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from fakes import FakeTime, recording_http
from fpdf import FPDF

from paperbrowse.cli import cli
from paperbrowse.core.library import LIBRARY_SCHEMA_VERSION, Library
from paperbrowse.core.locations import Locations
from paperbrowse.core.models import Paper
from paperbrowse.core.pdfs import (
    ArxivPdfClient,
    NoPdfSource,
    NotAPdf,
    PdfStore,
    TruncatedPdf,
    describe,
    file_size,
    read_pdf,
)
from paperbrowse.core.pdfs.normalise import (
    dehyphenate,
    join_accents,
    normalise_pages,
    normalise_text,
)
from paperbrowse.core.sources.arxiv import ArxivUnavailable

FONT = Path(__file__).resolve().parents[1] / "fixtures" / "pdf_dejavu_subset.ttf"
BYOL = Paper(id="pb:6da686ffb410", title="Bootstrap your own latent", arxiv_id="2006.07733")
PDF_TYPE, HTML = "application/pdf", "text/html"
NO_ARXIV = Paper(id="pb:0000000000aa", title="From stripe to checkerboard order")


def build_pdf(path: Path, pages: list[list[str]], **encryption: str) -> Path:
    """A PDF with one page per item, its lines written top to bottom."""
    pdf = FPDF()
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.set_font("DejaVu", size=11)
    if encryption:
        pdf.set_encryption(**encryption)
    for lines in pages:
        pdf.add_page()
        for line in lines:
            pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


def two_column_pdf(path: Path) -> Path:
    """One page: a left column drawn first, then a right column beside it, line
    for line at the same heights (an extractor reading across would mix them)."""
    pdf = FPDF()
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.set_font("DejaVu", size=10)
    pdf.add_page()
    for x, side in ((10, "left"), (110, "right")):
        for i in range(12):
            pdf.text(x, 20 + 6 * i, f"{side} column line {i:02d}")
    pdf.output(str(path))
    return path


def image_only_pdf(path: Path) -> Path:
    pdf = FPDF()
    for _ in range(2):
        pdf.add_page()
        pdf.rect(20, 20, 100, 60, style="F")
    pdf.output(str(path))
    return path


@pytest.fixture
def store(tmp_path: Path) -> PdfStore:
    locations = Locations.resolve(tmp_path / "data").ensure()
    return PdfStore(locations, Library(locations.library_path))


# -- normalisation -----------------------------------------------------------


def test_ligatures_and_split_accents_are_joined() -> None:
    assert normalise_text("the \ufb01rst e\ufb00ect \ufb02ows, \ufb03ce") == (
        "the first effect flows, ffice"
    )
    # TeX's accents come before the letter; other producers put them after it
    assert join_accents("caf´e Fran¸cois na¨ıve ´et´e") == "café François naïve été"
    assert join_accents("cafe´ and e´") == "café and é"
    assert join_accents("x^2 and a ´ b") == "x^2 and a ´ b"  # nothing to compose with


def test_hyphenation_at_line_ends_is_undone_but_real_compounds_keep_it() -> None:
    assert dehyphenate("the coeffi-\ncients are\nfine") == "the coefficients\nare\nfine"
    assert dehyphenate("self-\nsupervised", {"self-supervised"}) == "self-supervised\n"
    assert dehyphenate("Smith-\nJones") == "Smith-\nJones"  # capital: not a split word
    pages = normalise_pages(["a self-supervised model", "is self-\nsupervised and coeffi-\ncient"])
    assert pages[1] == "is self-supervised\nand coefficient"


def test_running_headers_and_page_numbers_are_dropped() -> None:
    words = ["alpha", "beta", "gamma", "delta"]
    pages = [f"Preprint - Under review {n}\n{w} text\n{n}" for n, w in enumerate(words, 1)]
    assert normalise_pages(pages) == [f"{w} text" for w in words]


# -- extraction ----------------------------------------------------------------


def test_extracted_text_is_normalised(tmp_path: Path) -> None:
    path = build_pdf(
        tmp_path / "a.pdf",
        [["The \ufb01rst e\ufb03cient work\ufb02ow", "caf´e and r´esum´e"], ["page two"]],
    )
    raw = __import__("pypdf").PdfReader(path).pages[0].extract_text()
    assert "\ufb01" in raw and "´" in raw  # the PDF really holds the ligature and the accent
    extracted = read_pdf(path)
    assert extracted.page_count == 2 and extracted.error is None
    assert extracted.pages[0].split("\n") == ["The first efficient workflow", "café and résumé"]
    assert extracted.pages[1] == "page two"


def test_a_two_column_page_reads_column_after_column(tmp_path: Path) -> None:
    text = read_pdf(two_column_pdf(tmp_path / "two.pdf")).pages[0]
    lines = text.split("\n")
    assert lines[:12] == [f"left column line {i:02d}" for i in range(12)]
    assert lines[12:] == [f"right column line {i:02d}" for i in range(12)]


def test_file_sizes_read_as_people_read_them() -> None:
    assert [file_size(n) for n in (120, 45_400, 99_999, 100_000, 523_000, 12_345_678)] == [
        "1 kB",
        "45 kB",
        "100 kB",
        "0.1 MB",
        "0.5 MB",
        "12.3 MB",
    ]


# -- the store: good and bad files -------------------------------------------------


def test_attach_copies_records_and_reindexes_the_paper(store: PdfStore, tmp_path: Path) -> None:
    source = build_pdf(tmp_path / "mine.pdf", [["Bootstrap \ufb01ndings"], ["two"], ["three"]])
    before = store.library.revision()
    info = store.attach_file(BYOL, source)
    assert info.path == store.file_for(BYOL.id) and info.path.name == "pb%3A6da686ffb410.pdf"
    assert info.path.read_bytes() == source.read_bytes() and info.kind == "copied"
    assert (info.pages, info.missing, info.error) == (3, False, None)
    assert describe(info) == f"PDF: 3 pages, {round(info.bytes / 1e3)} kB"
    assert describe(store.info(NO_ARXIV.id)) == "no PDF"
    # the paper (not stored before) is stored with a new revision: the index re-reads it
    changed = [p.id for _, p in store.library.stored_papers(since=before)]
    assert changed == [BYOL.id] and store.library.revision() == before + 1
    assert store.pages(BYOL.id) == ["Bootstrap findings", "two", "three"]
    assert store.library.attachment(BYOL.id).extracted_at is not None


def test_link_records_the_users_file(store: PdfStore, tmp_path: Path) -> None:
    source = build_pdf(tmp_path / "mine.pdf", [["linked text"]])
    info = store.attach_file(BYOL, source, link=True)
    assert (info.kind, info.path) == ("linked", source)
    assert not store.file_for(BYOL.id).exists()
    assert store.pages(BYOL.id) == ["linked text"]
    store.remove(BYOL.id)
    assert source.exists() and store.info(BYOL.id) is None  # the user's file is kept


def test_text_is_cached_and_extracted_again_when_the_file_changes(
    store: PdfStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = build_pdf(tmp_path / "mine.pdf", [["first version"]])
    store.attach_file(BYOL, source, link=True)
    from paperbrowse.core.pdfs import store as store_module

    calls: list[Path] = []
    real = store_module.read_pdf
    monkeypatch.setattr(store_module, "read_pdf", lambda p: calls.append(p) or real(p))
    assert store.pages(BYOL.id) == ["first version"] and calls == []  # from the cache
    build_pdf(source, [["second version, longer"]])
    assert store.pages(BYOL.id) == ["second version, longer"] and calls == [source]
    assert store.pages(BYOL.id) == ["second version, longer"] and len(calls) == 1


def test_not_a_pdf_and_truncated_files_are_refused(store: PdfStore, tmp_path: Path) -> None:
    html = tmp_path / "paper.pdf"
    html.write_text("<html><body>Access denied</body></html>")
    with pytest.raises(NotAPdf, match=r"paper\.pdf is not a PDF .*HTML"):
        store.attach_file(BYOL, html)
    whole = build_pdf(tmp_path / "whole.pdf", [["some text"] * 40] * 3).read_bytes()
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(TruncatedPdf, match=r"cut\.pdf is truncated or damaged"):
        store.attach_file(BYOL, cut)
    assert store.info(BYOL.id) is None and list(store.folder.glob("*")) == []
    padded = tmp_path / "padded.pdf"  # padding after the end marker is not truncation
    padded.write_bytes(whole + b"\0" * 5000)
    assert store.attach_file(BYOL, padded).pages == 3


def test_encrypted_and_image_only_pdfs_are_attached_without_text(
    store: PdfStore, tmp_path: Path
) -> None:
    locked = build_pdf(tmp_path / "locked.pdf", [["secret"]], owner_password="o", user_password="u")
    info = store.attach_file(BYOL, locked)
    assert info.error is not None and "encrypted with a password" in info.error
    assert store.pages(BYOL.id) is None and "no text" in info.describe()
    scanned = store.attach_file(NO_ARXIV, image_only_pdf(tmp_path / "scan.pdf"))
    assert scanned.pages == 2 and "no text layer" in scanned.error
    assert store.pages(NO_ARXIV.id) is None


def test_a_removed_file_is_reported_not_an_error(store: PdfStore, tmp_path: Path) -> None:
    info = store.attach_file(BYOL, build_pdf(tmp_path / "mine.pdf", [["text"]]))
    info.path.unlink()
    gone = store.info(BYOL.id)
    assert gone.missing and gone.describe() == f"PDF: missing ({info.path})"
    assert store.pages(BYOL.id) is None


# -- download ------------------------------------------------------------------


def test_download_through_the_polite_client(store: PdfStore, tmp_path: Path, no_network) -> None:
    body = build_pdf(tmp_path / "arxiv.pdf", [["Bootstrap your own latent"]]).read_bytes()
    http, seen = recording_http(
        lambda request: httpx.Response(
            200, content=body, headers={"Content-Type": "application/pdf"}
        )
    )
    clock = FakeTime()
    with ArxivPdfClient(http, sleep=clock.sleep, clock=clock.clock) as client:
        data, url = client.download(BYOL)
        info = store.save_download(BYOL, data, url)
    assert str(seen[0].url) == "https://arxiv.org/pdf/2006.07733"
    assert seen[0].headers["User-Agent"].startswith("paperbrowse/")
    assert info.kind == "downloaded" and store.pages(BYOL.id) == ["Bootstrap your own latent"]


def test_download_failures_have_clear_messages(no_network) -> None:
    answers = iter(
        [
            httpx.Response(404),
            httpx.Response(
                200, content=b"<html>captcha</html>", headers={"Content-Type": "text/html"}
            ),
        ]
    )
    http, _ = recording_http(lambda request: next(answers))
    clock = FakeTime()
    with ArxivPdfClient(http, sleep=clock.sleep, clock=clock.clock) as client:
        with pytest.raises(NoPdfSource, match="no arXiv id known for pb:0000000000aa.*attach"):
            client.download(NO_ARXIV)
        with pytest.raises(NoPdfSource, match="arXiv has no PDF for 2006.07733"):
            client.download(BYOL)
        with pytest.raises(NotAPdf, match="did not answer with a PDF .text/html"):
            client.download(BYOL)

    def offline(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno -3] Temporary failure in name resolution")

    http, seen = recording_http(offline)
    with (
        ArxivPdfClient(http, sleep=clock.sleep, clock=clock.clock) as client,
        pytest.raises(ArxivUnavailable, match="Check your internet connection"),
    ):
        client.download(BYOL)
    assert len(seen) == 1  # offline fails fast, no retries


# -- library migration -------------------------------------------------------------


def test_migration_4_to_5_keeps_rows(tmp_path: Path) -> None:
    path = tmp_path / "library.sqlite3"
    library = Library(path)
    library.store_papers([BYOL])
    library.add_tag(NO_ARXIV, "physics")
    with sqlite3.connect(path) as db:  # back to the schema-4 layout
        for table in ("attachments", "watches", "watch_papers", "seen"):
            db.execute(f"DROP TABLE {table}")
        db.execute("PRAGMA user_version=4")
    again = Library(path)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == LIBRARY_SCHEMA_VERSION == 6
    assert again.stored_paper(BYOL.id) == BYOL and again.revision() == 1
    assert again.bookmark(NO_ARXIV.id).tags == ("physics",)
    assert again.attachments() == []
    again.attach(BYOL, tmp_path / "x.pdf", "linked", size=10, pages=1)
    assert again.attachment(BYOL.id).pages == 1 and again.revision() == 2


# -- command line ------------------------------------------------------------------


def test_cli_attach_list_refuse_open_detach(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    library = Library(Locations.resolve(data).ensure().library_path)
    library.store_papers([BYOL])
    runner = CliRunner()
    good = build_pdf(tmp_path / "good.pdf", [["one"], ["two"]])
    result = runner.invoke(cli, ["--data-dir", str(data), "attach", "2006.07733", str(good)])
    assert result.exit_code == 0, result.output
    assert "PDF: 2 pages" in result.output
    listed = runner.invoke(cli, ["--data-dir", str(data), "pdf", "--list"])
    assert BYOL.id in listed.output and "copied" in listed.output
    extract = runner.invoke(cli, ["--data-dir", str(data), "pdf", "--extract"])
    assert extract.exit_code == 0 and "0 PDFs extracted, 0 without text" in extract.output
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.7\n1 0 obj")
    refused = runner.invoke(cli, ["--data-dir", str(data), "attach", BYOL.id, str(bad)])
    assert refused.exit_code == 2
    assert "bad.pdf is truncated or damaged" in refused.output and "Traceback" not in refused.output
    kept = library.attachment(BYOL.id).path
    assert kept.read_bytes() == good.read_bytes()  # the good one stays
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    opened = runner.invoke(cli, ["--data-dir", str(data), "open", BYOL.id])
    assert opened.exit_code == 0 and opened.output.splitlines()[-1] == str(kept)  # no display
    detached = runner.invoke(cli, ["--data-dir", str(data), "detach", BYOL.id])
    assert "PDF detached" in detached.output and not kept.exists()
    assert library.attachment(BYOL.id) is None and good.exists()


def test_cli_downloads_bookmarked_papers_and_lists_failures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_network
) -> None:
    from paperbrowse import cli_pdf

    body = build_pdf(tmp_path / "arxiv.pdf", [["Bootstrap"], ["your own latent"]]).read_bytes()
    online = [True]

    def answer(request: httpx.Request) -> httpx.Response:
        if not online[0]:
            raise httpx.ConnectError("[Errno -2] Name or service not known")
        return httpx.Response(200, content=body, headers={"Content-Type": PDF_TYPE})

    http, seen = recording_http(answer)
    clock = FakeTime()
    monkeypatch.setattr(
        cli_pdf,
        "ArxivPdfClient",
        lambda **kw: ArxivPdfClient(http, sleep=clock.sleep, clock=clock.clock, **kw),
    )
    data = tmp_path / "data"
    library = Library(Locations.resolve(data).ensure().library_path)
    library.add(BYOL)
    library.add(NO_ARXIV)
    runner = CliRunner()
    result = runner.invoke(cli, ["--data-dir", str(data), "pdf", "--bookmarked"])
    assert result.exit_code == 1
    assert "1 downloaded, 0 already had a PDF, 1 failed" in result.output
    assert "error: pb:0000000000aa: no arXiv id known" in result.output
    assert library.attachment(BYOL.id).kind == "downloaded" and len(seen) == 1
    again = runner.invoke(cli, ["--data-dir", str(data), "pdf", "--bookmarked"])
    assert "0 downloaded, 1 already had a PDF, 1 failed" in again.output and len(seen) == 1
    online[0] = False
    offline = runner.invoke(cli, ["--data-dir", str(data), "pdf", "--force", BYOL.id])
    assert offline.exit_code == 1 and "arXiv could not be reached" in offline.output
    assert "Traceback" not in offline.output and library.attachment(BYOL.id).pages == 2
    # offline, the first failure stops the run: the others are not tried (3 s each)
    for number in range(3):
        library.add(
            Paper(id=f"pb:00000000000{number}", title=f"t{number}", arxiv_id=f"2101.0000{number}")
        )
    before = len(seen)
    many = runner.invoke(cli, ["--data-dir", str(data), "pdf", "--bookmarked", "--force"])
    assert many.exit_code == 1 and "arXiv cannot be reached" in many.output
    assert "0 downloaded, 0 already had a PDF, 1 failed, 4 not tried" in many.output
    requests = len(seen) - before  # one paper, with its retries
    assert 0 < requests <= 4


def test_stale_pdfs_are_extracted_again_in_bulk(store: PdfStore, tmp_path: Path) -> None:
    linked = build_pdf(tmp_path / "linked.pdf", [["old text"]])
    store.attach_file(BYOL, linked, link=True)
    store.attach_file(NO_ARXIV, image_only_pdf(tmp_path / "scan.pdf"))
    assert store.stale() == []  # extracted when attached; the scan is known to have no text
    build_pdf(linked, [["new text, edited by the user"]])
    revision = store.library.revision()
    seen: list[tuple[int, int]] = []
    done = store.refresh(lambda n, total: seen.append((n, total)))
    assert [paper_id for paper_id, _ in done] == [BYOL.id] and seen == [(1, 1)]
    assert store.pages(BYOL.id) == ["new text, edited by the user"]
    assert [p.id for _, p in store.library.stored_papers(since=revision)] == [BYOL.id]
    assert store.stale() == []


def test_a_read_only_library_attaches_nothing(tmp_path: Path) -> None:
    from paperbrowse.core.library import ReadOnlyLibrary

    locations = Locations.resolve(tmp_path / "data").ensure()
    Library(locations.library_path)
    store = PdfStore(locations, Library(locations.library_path, read_only=True))
    with pytest.raises(ReadOnlyLibrary):
        store.attach_file(BYOL, build_pdf(tmp_path / "a.pdf", [["text"]]))
    assert not store.folder.exists() or list(store.folder.iterdir()) == []


def test_the_pdf_url_is_configurable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from paperbrowse import config
    from paperbrowse.core.pdfs import fetch

    assert config.SOURCE_VARIABLES["arxiv_pdf_url"] == fetch.PDF_URL_VARIABLE
    path = tmp_path / "config.toml"
    path.write_text('[sources]\narxiv_pdf_url = "http://localhost:8000/pdf/"\n')
    environ: dict[str, str] = {}
    config.apply_sources(config.load_config(path), environ)
    monkeypatch.setenv(fetch.PDF_URL_VARIABLE, environ[fetch.PDF_URL_VARIABLE])
    with ArxivPdfClient() as client:
        assert client.url_for(BYOL) == "http://localhost:8000/pdf/2006.07733"


# -- faults: moved data directories, repaired files, leftovers ---------------------


def test_a_copied_or_moved_data_dir_keeps_its_pdfs(tmp_path: Path) -> None:
    import shutil

    from paperbrowse.core.fulltext import CachedFullText

    first = Locations.resolve(tmp_path / "d1").ensure()
    store = PdfStore(first, Library(first.library_path))
    store.attach_file(BYOL, build_pdf(tmp_path / "mine.pdf", [["copied armadillo"]]))
    linked = build_pdf(tmp_path / "linked.pdf", [["linked narwhal"]])
    store.attach_file(NO_ARXIV, linked, link=True)
    with sqlite3.connect(first.library_path) as db:
        stored = dict(db.execute("SELECT paper_id, path FROM attachments").fetchall())
    assert stored == {BYOL.id: "pb%3A6da686ffb410.pdf", NO_ARXIV.id: str(linked)}
    shutil.copytree(tmp_path / "d1", tmp_path / "d6")
    (tmp_path / "d1").rename(tmp_path / "x")
    copy = Locations.resolve(tmp_path / "d6")
    moved = PdfStore(copy, Library(copy.library_path))
    info = moved.info(BYOL.id)
    assert not info.missing and info.path == tmp_path / "d6" / "pdfs" / "pb%3A6da686ffb410.pdf"
    assert moved.stale() == []  # the caches still match their files: nothing to extract
    assert CachedFullText(moved.folder)(BYOL.id) == ["copied armadillo"]
    assert CachedFullText(moved.folder)(NO_ARXIV.id) == ["linked narwhal"]
    moved.remove(BYOL.id)
    assert not info.path.exists() and (tmp_path / "x" / "pdfs" / info.path.name).exists()


def test_old_absolute_rows_into_another_data_dirs_pdfs_are_found_by_name(tmp_path: Path) -> None:
    import json

    from paperbrowse.core.fulltext import CachedFullText

    locations = Locations.resolve(tmp_path / "d6").ensure()
    store = PdfStore(locations, Library(locations.library_path))
    info = store.attach_file(BYOL, build_pdf(tmp_path / "mine.pdf", [["old row text"]]))
    old = str(tmp_path / "gone" / "pdfs" / info.path.name)
    with sqlite3.connect(locations.library_path) as db:  # as written before relative paths
        db.execute("UPDATE attachments SET path = ?", (old,))
    cache = store.cache_for(BYOL.id)
    cache.write_text(json.dumps({**json.loads(cache.read_text()), "source": old}))
    assert store.info(BYOL.id).path == info.path and not store.info(BYOL.id).missing
    assert CachedFullText(store.folder)(BYOL.id) == ["old row text"] and store.stale() == []


def test_a_damaged_linked_pdf_is_extracted_again_once_repaired(
    store: PdfStore, tmp_path: Path
) -> None:
    import os

    good = build_pdf(tmp_path / "good.pdf", [["repaired quokka text"]]).read_bytes()
    linked = tmp_path / "x.pdf"
    linked.write_bytes(good)
    store.attach_file(BYOL, linked, link=True)
    linked.write_bytes(good[: len(good) // 2])
    os.utime(linked, ns=(10**18, 10**18))
    assert store.stale() == [BYOL.id]
    [(_, damaged)] = store.refresh()
    assert "truncated or damaged" in damaged.error and store.stale() == []
    linked.write_bytes(good)
    os.utime(linked, ns=(2 * 10**18, 2 * 10**18))
    assert store.stale() == [BYOL.id]
    [(_, repaired)] = store.refresh()
    assert repaired.error is None and store.pages(BYOL.id) == ["repaired quokka text"]


def test_pdfs_without_text_still_count_as_pdfs_for_the_index(
    store: PdfStore, tmp_path: Path
) -> None:
    from paperbrowse.core.fulltext import CachedFullText
    from paperbrowse.core.schema import paper_doc

    locked = build_pdf(tmp_path / "locked.pdf", [["secret"]], owner_password="o", user_password="u")
    store.attach_file(BYOL, locked)
    store.attach_file(NO_ARXIV, image_only_pdf(tmp_path / "scan.pdf"))
    source = CachedFullText(store.folder)
    for paper in (BYOL, NO_ARXIV):
        assert source(paper.id) == [] and store.pages(paper.id) is None
        doc = paper_doc(paper, 0, source(paper.id))
        assert doc["has"] == "pdf" and "fulltext" not in doc
    assert source("pb:nothing") is None and store.stale() == []


def test_encrypted_pdfs_have_no_page_count_and_empty_files_are_named(
    store: PdfStore, tmp_path: Path
) -> None:
    locked = build_pdf(tmp_path / "locked.pdf", [["secret"]], owner_password="o", user_password="u")
    info = store.attach_file(BYOL, locked)
    assert info.pages is None and "0 pages" not in info.describe()
    assert info.describe().endswith("; no text")
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    with pytest.raises(NotAPdf, match=r"empty\.pdf is empty"):
        store.attach_file(NO_ARXIV, empty)


def test_one_line_pages_and_numbered_body_lines_are_kept() -> None:
    pages = [f"Page {i} wombat filler text lorem ipsum" for i in range(200)]
    assert normalise_pages(pages) == pages  # stripping would leave every page empty
    table = [
        f"Proceedings of Widgets 2024\nResults table\nmethod accuracy {i}\n"
        f"section {i} has the armadillo{i}\nResults table"
        for i in range(6)
    ]
    cleaned = normalise_pages(table)
    assert cleaned[3] == "method accuracy 3\nsection 3 has the armadillo3"
    words = ["aardvark", "bison", "cheetah", "dingo"]
    running = [f"Journal of Things, page {i + 1}\nabout {w}\n{i + 1}" for i, w in enumerate(words)]
    assert normalise_pages(running) == [f"about {w}" for w in words]


def test_pages_that_are_only_headers_are_no_text(tmp_path: Path) -> None:
    path = build_pdf(tmp_path / "numbers.pdf", [[str(i)] for i in range(1, 5)])
    extracted = read_pdf(path)
    assert extracted.page_count == 4 and "no text layer" in extracted.error


def test_temporary_files_of_killed_writers_are_removed(store: PdfStore, tmp_path: Path) -> None:
    import os
    import time

    store.folder.mkdir(parents=True)
    old = store.folder / ".pb%3A6da686ffb410.pdf.0badcafe.tmp"
    old.write_bytes(b"%PDF-1.7 half")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    fresh = store.folder / ".other.pdf.12345678.tmp"  # another writer, still at it
    fresh.write_bytes(b"%PDF-")
    store.attach_file(BYOL, build_pdf(tmp_path / "a.pdf", [["text"]]))
    assert not old.exists() and fresh.exists()


def test_a_read_only_library_links_nothing(tmp_path: Path) -> None:
    from paperbrowse.core.library import ReadOnlyLibrary

    locations = Locations.resolve(tmp_path / "data").ensure()
    Library(locations.library_path)
    store = PdfStore(locations, Library(locations.library_path, read_only=True))
    with pytest.raises(ReadOnlyLibrary, match="read-only"):
        store.attach_file(BYOL, build_pdf(tmp_path / "a.pdf", [["text"]]), link=True)
    assert not store.folder.exists() or list(store.folder.iterdir()) == []


def test_cli_missing_linked_file_empty_list_and_plurals(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    library = Library(Locations.resolve(data).ensure().library_path)
    library.store_papers([BYOL])
    runner = CliRunner()
    base = ["--data-dir", str(data)]
    assert runner.invoke(cli, [*base, "pdf", "--list"]).output == "No PDFs attached.\n"
    both = runner.invoke(cli, [*base, "pdf", "--list", "--extract"])
    assert both.exit_code == 2 and "--extract" in both.output
    linked = build_pdf(tmp_path / "x.pdf", [["text"]])
    assert runner.invoke(cli, [*base, "attach", BYOL.id, str(linked), "--link"]).exit_code == 0
    build_pdf(linked, [["changed text, longer"]])
    extract = runner.invoke(cli, [*base, "pdf", "--extract"])
    assert "1 PDF extracted, 0 without text" in extract.output
    linked.unlink()
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    opened = runner.invoke(cli, [*base, "open", BYOL.id])
    assert opened.exit_code == 1 and f"error: PDF missing: {linked}" in opened.output
    listed = runner.invoke(cli, [*base, "pdf", "--list"])
    assert f"PDF: missing ({linked})" in listed.output
    # --extract notices the deleted file: its words leave the index
    revision = library.revision()
    gone = runner.invoke(cli, [*base, "pdf", "--extract"])
    assert "0 PDFs extracted, 0 without text, 1 missing" in gone.output
    assert f"warning: {BYOL.id}: PDF missing: {linked}" in gone.output
    assert [p.id for _, p in library.stored_papers(since=revision)] == [BYOL.id]
    assert "1 missing" not in runner.invoke(cli, [*base, "pdf", "--extract"]).output
    library.store_papers([NO_ARXIV])
    other = build_pdf(tmp_path / "y.pdf", [["text"]])
    runner.invoke(cli, [*base, "attach", NO_ARXIV.id, str(other), "--link"])
    other.unlink()
    again = runner.invoke(cli, [*base, "pdf", NO_ARXIV.id])  # nowhere to download it from
    assert again.exit_code == 1 and f"error: PDF missing: {other}" in again.output


def test_check_lists_pdfs_whose_file_is_gone(locations: Locations, tmp_path: Path) -> None:
    library = Library(locations.library_path)
    store = PdfStore(locations, library)
    linked = build_pdf(tmp_path / "x.pdf", [["text"]])
    store.attach_file(BYOL, linked, link=True)
    store.attach_file(NO_ARXIV, build_pdf(tmp_path / "y.pdf", [["kept"]]))
    linked.unlink()
    result = CliRunner().invoke(cli, ["--data-dir", str(locations.data_dir), "check"])
    assert f"PDF missing: {BYOL.id}: {linked}" in result.output
    assert "PDF missing" not in result.output.replace(f"PDF missing: {BYOL.id}", "")
    assert result.exit_code == 0, result.output  # the user's file, not damage to mend
    zero = store.info(NO_ARXIV.id)
    assert "0 pages" not in type(zero)(BYOL.id, linked, "linked", 0, 10).describe()
