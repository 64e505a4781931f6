"""Drive the "organise your library" features of the app as a user, and check the screen
and the library.

Covers: tags (t), the note (n), the reading status (r), reading lists (l), the bookmarks
view's counts and narrowing (B, f, x) with the export of the narrowed set (e), opening
a paper's page and PDF (o, O) without blocking, copying BibTeX and a citation (c, C),
and the help screen and command palette entries of these keys.

The Pilot helpers come from ``test_app.py``. Papers with authors,
links and arXiv ids are bookmarked through the library before the app starts (the
bundled corpus has none), and then reached in the bookmarks view.
"""

from __future__ import annotations

import threading
from datetime import date

import bibtexparser
import pytest
from test_app import (  # the shared Pilot helpers
    QUERY,
    detail,
    listed,
    paste_query,
    prompt_text,
    rendered_text,
    run,
    run_command,
    status,
    toasts,
    wait_for_results,
    wait_for_toast,
    wait_until,
)
from textual.pilot import Pilot
from textual.widgets import Input, Label, OptionList, TextArea
from textual.widgets._footer import FooterKey

from paperbrowse.core.index import PaperIndex
from paperbrowse.core.library import Library
from paperbrowse.core.locations import Locations
from paperbrowse.core.models import MONTH, YEAR, Name, Paper, paper_id_for
from paperbrowse.core.service import Corpus
from paperbrowse.ui.app import PaperBrowseApp
from paperbrowse.ui.screens import (
    BookmarkFilterScreen,
    ConfirmScreen,
    ExportScreen,
    HelpScreen,
    ListsScreen,
    NoteScreen,
    TagsScreen,
)
from paperbrowse.ui.widgets import BOOKMARK_MARK, DetailPane, ResultList, SearchBar

BYOL = Paper(
    id=paper_id_for("Bootstrap your own latent", "2006.07733"),
    title="Bootstrap your own latent: A new approach to self-supervised learning",
    abstract="We introduce BYOL, a new approach to self-supervised image representation.",
    authors=("Jean-Bastien Grill", "Florian Strub", "Florent Altché", "Corentin Tallec"),
    published=date(2020, 6, 13),
    arxiv_id="2006.07733",
    url="https://huggingface.co/papers/2006.07733",
)
LDM = Paper(
    id=paper_id_for("High-Resolution Image Synthesis with Latent Diffusion Models", "2112.10752"),
    title="High-Resolution Image Synthesis with Latent Diffusion Models",
    authors=("Robin Rombach", "Andreas Blattmann"),
    published=date(2021, 12, 20),
    arxiv_id="2112.10752",
)
NO_LINK = Paper(id=paper_id_for("A paper nobody links to"), title="A paper nobody links to")


# ------------------------------------------------------------------- helpers
@pytest.fixture
def app(
    locations: Locations, corpus: Corpus, library: Library, index: PaperIndex
) -> PaperBrowseApp:
    return PaperBrowseApp(locations, corpus, library=library, index=index)


async def start_on(pilot: Pilot, query: str = QUERY, row: int = 0) -> Paper:
    """Show the results of ``query``, move to the list and down to ``row``; its paper."""
    app = pilot.app
    assert isinstance(app, PaperBrowseApp)
    await wait_for_results(pilot, "")
    await paste_query(pilot, query)
    await pilot.press("down", *["j"] * row)
    hit = app.query_one(ResultList).current_hit
    assert hit is not None
    return hit.paper


async def open_modal(pilot: Pilot, key: str, kind: type) -> object:
    await pilot.press(key)
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, kind), kind.__name__)
    return pilot.app.screen


async def closed(pilot: Pilot) -> None:
    await wait_until(pilot, lambda: len(pilot.app.screen_stack) == 1, "the dialog to close")


def row_of(app: PaperBrowseApp, paper: Paper) -> str:
    results = app.query_one(ResultList)
    ids = [h.paper.id for h in listed(results)]
    return prompt_text(results, ids.index(paper.id))


def facets(app: PaperBrowseApp) -> str:
    return rendered_text(app.query_one("#facets"))


# ---------------------------------------------------------------- 1. tags
async def test_t_edits_the_tags_of_the_selected_paper(app: PaperBrowseApp) -> None:
    async with run(app) as pilot:
        paper = await start_on(pilot, row=1)
        assert paper.id not in app.library

        dialog = await open_modal(pilot, "t", TagsScreen)
        tags_input = dialog.query_one("#tags-input", Input)
        assert dialog.focused is tags_input and tags_input.value == ""
        await pilot.press(*"Diffusion, to  cite,diffusion")
        await pilot.press("enter")
        await closed(pilot)

        # saved normalised and de-duplicated; tagging bookmarked the paper
        assert app.library.bookmark(paper.id).tags == ("diffusion", "to cite")
        assert row_of(app, paper).startswith(BOOKMARK_MARK + paper.title)
        assert "#diffusion #to cite" in row_of(app, paper)
        assert "#diffusion #to cite" in detail(app, "library")
        assert detail(app, "title") == BOOKMARK_MARK + paper.title
        await wait_for_toast(pilot, "#diffusion #to cite (bookmarked)")
        assert isinstance(app.focused, ResultList)  # the focus comes back to the list

        # the dialog is prefilled; a bad tag keeps it open with the reason
        dialog = await open_modal(pilot, "t", TagsScreen)
        tags_input = dialog.query_one("#tags-input", Input)
        assert tags_input.value == "diffusion, to cite"
        await pilot.press("end", *", a;b", "enter")
        error = str(dialog.query_one("#tags-error", Label).render())
        assert "cannot contain" in error
        assert app.screen is dialog

        # a known tag completes with the right arrow
        tags_input.value = "to cite, dif"
        tags_input.cursor_position = len(tags_input.value)
        await wait_until(
            pilot, lambda: tags_input._suggestion == "to cite, diffusion", "a tag suggestion"
        )
        await pilot.press("right", *", vae", "enter")
        await closed(pilot)
        assert app.library.bookmark(paper.id).tags == ("diffusion", "to cite", "vae")
        assert "#vae" in row_of(app, paper)

        # esc cancels
        dialog = await open_modal(pilot, "t", TagsScreen)
        dialog.query_one("#tags-input", Input).value = ""
        await pilot.press("escape")
        await closed(pilot)
        assert app.library.bookmark(paper.id).tags == ("diffusion", "to cite", "vae")


async def test_t_in_the_search_bar_types_a_t(app: PaperBrowseApp) -> None:
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        await pilot.press("t")
        assert isinstance(app.focused, SearchBar) and app.query_one(SearchBar).value == "t"
        assert len(app.screen_stack) == 1


async def test_empty_tags_on_a_paper_that_is_not_bookmarked_change_nothing(
    app: PaperBrowseApp,
) -> None:
    async with run(app) as pilot:
        await start_on(pilot)
        await open_modal(pilot, "t", TagsScreen)
        await pilot.press("enter")
        await closed(pilot)
        assert len(app.library) == 0
        await wait_for_toast(pilot, "nothing changed")


# ---------------------------------------------------------------- 2. note
async def test_n_writes_the_note_and_esc_discards(app: PaperBrowseApp) -> None:
    async with run(app) as pilot:
        paper = await start_on(pilot)
        assert not app.query_one("#detail-note").display  # not bookmarked: no library part

        dialog = await open_modal(pilot, "n", NoteScreen)
        area = dialog.query_one("#note-text", TextArea)
        assert dialog.focused is area and area.text == ""
        await pilot.press(*"Read section 3", "enter", *"for the loss")
        await pilot.press("ctrl+s")
        await closed(pilot)

        assert app.library.note(paper.id) == "Read section 3\nfor the loss"
        assert paper.id in app.library
        shown = detail(app, "note")
        assert shown.startswith("Note") and "Read section 3\nfor the loss" in shown
        assert app.query_one("#detail-note").display
        library_part = detail(app, "library")
        for label in ("Bookmarked", "Status", "Tags", "Lists"):
            assert label in library_part
        await wait_for_toast(pilot, "Note saved")

        # prefilled; changes discarded with esc, without a question
        dialog = await open_modal(pilot, "n", NoteScreen)
        area = dialog.query_one("#note-text", TextArea)
        assert area.text == "Read section 3\nfor the loss"
        await pilot.press(*" and more")
        assert area.text.endswith("loss and more")  # the caret starts at the end
        await pilot.press("escape")
        await closed(pilot)
        assert app.library.note(paper.id) == "Read section 3\nfor the loss"
        assert isinstance(app.focused, ResultList)

        # emptying it deletes the note, the bookmark stays
        dialog = await open_modal(pilot, "n", NoteScreen)
        dialog.query_one("#note-text", TextArea).text = ""
        await pilot.press("ctrl+s")
        await closed(pilot)
        assert app.library.note(paper.id) == ""
        assert paper.id in app.library
        assert "No note yet" in detail(app, "note")


# -------------------------------------------------------------- 3. status
async def test_r_cycles_the_reading_status(app: PaperBrowseApp) -> None:
    async with run(app) as pilot:
        paper = await start_on(pilot, row=2)
        expected = [("to-read", "○"), ("reading", "◐"), ("read", "●")]
        for value, mark in expected:
            await pilot.press("r")
            assert app.library.bookmark(paper.id).status == value
            assert row_of(app, paper).startswith(f"{BOOKMARK_MARK}{mark} {paper.title}")
            assert f"{mark} {value}" in detail(app, "library")
            await wait_for_toast(pilot, f"Status: {mark} {value}")
        await pilot.press("r")
        assert app.library.bookmark(paper.id).status is None  # still bookmarked
        assert row_of(app, paper).startswith(BOOKMARK_MARK + paper.title)
        assert "none (r)" in detail(app, "library")
        await wait_for_toast(pilot, "Status cleared")


# --------------------------------------------------------------- 4. lists
def list_labels(dialog: ListsScreen) -> list[str]:
    options = dialog.query_one("#lists-options", OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def test_l_puts_the_paper_on_reading_lists(app: PaperBrowseApp) -> None:
    async with run(app) as pilot:
        paper = await start_on(pilot)

        # no lists yet: the name input has the focus
        dialog = await open_modal(pilot, "l", ListsScreen)
        assert isinstance(dialog, ListsScreen)
        assert dialog.focused is dialog.query_one("#lists-new", Input)
        await pilot.press(*"Thesis", "enter")
        assert list_labels(dialog) == ["[x] Thesis  1 paper"]
        assert dialog.focused is dialog.query_one("#lists-options", OptionList)
        await pilot.press("tab", *"Reading group", "enter")
        assert list_labels(dialog) == ["[x] Reading group  1 paper", "[x] Thesis  1 paper"]

        # enter on a list takes the paper off it, and again puts it back
        options = dialog.query_one("#lists-options", OptionList)
        assert options.highlighted == 0
        await pilot.press("down", "enter")
        assert list_labels(dialog)[1] == "[ ] Thesis  0 papers"
        await pilot.press("escape")
        await closed(pilot)

        assert app.library.bookmark(paper.id).lists == ("Reading group",)
        assert dict(app.library.lists()) == {"Reading group": 1, "Thesis": 0}
        assert "Reading group" in detail(app, "library")
        assert isinstance(app.focused, ResultList)

        # a second paper goes on both lists
        await pilot.press("j")
        second = app.query_one(ResultList).current_hit.paper
        dialog = await open_modal(pilot, "l", ListsScreen)
        assert list_labels(dialog) == ["[ ] Reading group  1 paper", "[ ] Thesis  0 papers"]
        await pilot.press("enter", "down", "enter", "escape")
        await closed(pilot)
        assert app.library.bookmark(second.id).lists == ("Reading group", "Thesis")
        assert dict(app.library.lists()) == {"Reading group": 2, "Thesis": 1}
        assert "Reading group, Thesis" in detail(app, "library")


# ---------------------------------------------------- 5. the bookmarks view
@pytest.fixture
def organised(library: Library, index: PaperIndex) -> list[Paper]:
    """Four bookmarks: three on Thesis, one on Reading group, tags and statuses."""
    hits = index.search(QUERY).hits
    first, second, third, fourth = (h.paper for h in hits[:4])
    for paper in (first, second, third, fourth):
        library.add(paper)
    for paper in (first, second, third):
        library.add_to_list("Thesis", paper)
    library.add_to_list("Reading group", fourth)
    library.set_tags(first, ["diffusion"])
    library.set_tags(third, ["diffusion", "vae"])
    library.set_status(first, "to-read")
    library.set_status(second, "to-read")
    library.set_status(third, "read")
    return [first, second, third, fourth]


async def narrow(pilot: Pilot, option_id: str) -> None:
    app = pilot.app
    dialog = await open_modal(pilot, "f", BookmarkFilterScreen)
    options = dialog.query_one("#narrow-options", OptionList)
    options.highlighted = options.get_option_index(option_id)
    await pilot.press("enter")
    await closed(pilot)
    assert isinstance(app, PaperBrowseApp)


def shown_ids(app: PaperBrowseApp) -> list[str]:
    return [h.paper.id for h in listed(app.query_one(ResultList))]


async def test_bookmarks_view_counts_and_narrows_to_a_list_tag_or_status(
    app: PaperBrowseApp, organised: list[Paper], tmp_path
) -> None:
    first, second, third, fourth = organised
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        await pilot.press("down", "B")
        assert shown_ids(app) == [p.id for p in organised]
        line = facets(app)
        assert "All 4" in line
        assert "Lists: Reading group 1, Thesis 3" in line
        assert "Tags: #diffusion 2, #vae 1" in line
        assert "All 4 · ○ to-read 2, ● read 1 · Lists" in line
        assert "#diffusion" in row_of(app, first) and "#vae" in row_of(app, third)
        assert row_of(app, third).startswith(f"{BOOKMARK_MARK}● ")

        # the picker lists every list, tag and status with its count
        dialog = await open_modal(pilot, "f", BookmarkFilterScreen)
        options = dialog.query_one("#narrow-options", OptionList)
        labels = {
            options.get_option_at_index(i).id: str(options.get_option_at_index(i).prompt)
            for i in range(options.option_count)
        }
        assert labels["all"].strip().startswith("● All bookmarks") and "4" in labels["all"]
        assert "Thesis  3" in labels["list:Thesis"]
        assert "#diffusion  2" in labels["tag:diffusion"]
        assert "◐ reading  0" in labels["status:reading"]
        await pilot.press("escape")
        await closed(pilot)

        await narrow(pilot, "list:Thesis")
        assert shown_ids(app) == [first.id, second.id, third.id]
        assert "3 papers on list Thesis of 4" in status(app)
        assert app.query_one(ResultList).border_title == "Bookmarks on list Thesis"
        await wait_for_toast(pilot, "Bookmarks: 3 papers on list Thesis")

        # e exports the narrowed set, and the dialog says so
        dialog = await open_modal(pilot, "e", ExportScreen)
        title = str(dialog.query_one("#export-title", Label).render())
        assert title == "Export 3 papers on list Thesis"
        path = dialog.query_one("#export-path", Input)
        assert path.value.endswith("thesis.md")
        target = tmp_path / "thesis.md"
        path.value = str(target)
        await pilot.press("enter")
        await wait_until(pilot, target.exists, "the export")
        await wait_for_toast(pilot, f"Wrote 3 papers on list Thesis to {target}")
        text = target.read_text(encoding="utf-8")
        assert all(p.title in text for p in (first, second, third))
        assert fourth.title not in text

        await narrow(pilot, "tag:diffusion")
        assert shown_ids(app) == [first.id, third.id]
        assert "2 papers tagged #diffusion" in status(app)

        # choosing the active value again shows every bookmark; so does x
        await narrow(pilot, "tag:diffusion")
        assert len(shown_ids(app)) == 4
        await narrow(pilot, "status:to-read")
        assert shown_ids(app) == [first.id, second.id]
        await pilot.press("x")
        assert len(shown_ids(app)) == 4
        assert status(app).startswith("Bookmarks: 4 papers")


async def test_a_status_change_in_a_narrowed_view_moves_the_paper_out(
    app: PaperBrowseApp, organised: list[Paper]
) -> None:
    first, second, *_ = organised
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        await pilot.press("down", "B")
        await narrow(pilot, "status:to-read")
        assert shown_ids(app) == [first.id, second.id]
        await pilot.press("r")  # first: to-read -> reading
        assert app.library.bookmark(first.id).status == "reading"
        assert shown_ids(app) == [second.id]
        assert detail(app, "title") == BOOKMARK_MARK + second.title  # the next one
        assert "○ to-read 1, ◐ reading 1, ● read 1" in facets(app)
        assert "1 paper with status to-read" in status(app)


async def test_exporting_an_empty_narrowed_set_only_warns(
    app: PaperBrowseApp, organised: list[Paper]
) -> None:
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        await pilot.press("down", "B")
        await narrow(pilot, "status:reading")
        assert shown_ids(app) == []
        await pilot.press("e")
        await wait_for_toast(pilot, "No bookmarks with status reading to export")
        assert len(app.screen_stack) == 1


# ---------------------------------------------------------------- 6. links
@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bool]]:
    """Record ``webbrowser.open`` calls as ``(url, called on the main thread)``."""
    calls: list[tuple[str, bool]] = []

    def fake_open(url: str, *args, **kwargs) -> bool:
        calls.append((url, threading.current_thread() is threading.main_thread()))
        return True

    monkeypatch.setattr("webbrowser.open", fake_open)
    monkeypatch.setenv("DISPLAY", ":0")  # a graphical session
    return calls


async def test_o_and_capital_o_open_the_page_and_the_pdf(
    app: PaperBrowseApp, library: Library, opened: list[tuple[str, bool]]
) -> None:
    library.add(BYOL)
    library.add(LDM)
    library.add(NO_LINK)
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        await pilot.press("down", "B")
        assert detail(app, "title") == BOOKMARK_MARK + BYOL.title

        await pilot.press("o")
        await wait_until(pilot, lambda: len(opened) == 1, "the browser")
        assert opened[0] == (BYOL.url, False)  # off the UI thread
        await wait_for_toast(pilot, f"Opening {BYOL.url}")
        await pilot.press("O")
        await wait_until(pilot, lambda: len(opened) == 2, "the browser")
        assert opened[1][0] == "https://arxiv.org/pdf/2006.07733"

        await pilot.press("j", "o")  # no url: the arXiv page
        await wait_until(pilot, lambda: len(opened) == 3, "the browser")
        assert opened[2][0] == "https://arxiv.org/abs/2112.10752"

        await pilot.press("j", "o", "O")
        await wait_for_toast(pilot, "No link is known")
        await wait_for_toast(pilot, "No PDF is known")
        await pilot.pause(0.1)
        assert len(opened) == 3


async def test_a_failing_browser_is_reported(
    app: PaperBrowseApp, library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("webbrowser.open", lambda url, *a, **k: False)
    monkeypatch.setenv("DISPLAY", ":0")
    library.add(BYOL)
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        await pilot.press("down", "B", "O")
        await wait_for_toast(pilot, "Cannot open https://arxiv.org/pdf/2006.07733")
        assert app.is_running


async def test_without_a_display_the_link_is_copied_not_opened(
    app: PaperBrowseApp, library: Library, opened: list[tuple[str, bool]], monkeypatch
) -> None:
    """Over SSH webbrowser would run lynx inside our terminal: copy the link instead."""
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    library.add(BYOL)
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        await pilot.press("down", "B", "O")
        await wait_for_toast(pilot, "copied the link https://arxiv.org/pdf/2006.07733")
        assert app.clipboard == "https://arxiv.org/pdf/2006.07733"
        assert opened == []


# ------------------------------------------------------------- 7. copying
async def test_c_copies_the_bibtex_entry_and_capital_c_a_citation(
    app: PaperBrowseApp, library: Library
) -> None:
    library.add(BYOL)
    library.set_tags(BYOL, ["ssl"])
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        await pilot.press("down", "B", "c")
        parsed = bibtexparser.parse_string(app.clipboard)
        assert not parsed.failed_blocks
        [entry] = parsed.entries
        assert entry.key == "grill2020bootstrap"
        assert entry["eprint"] == "2006.07733"
        assert "Bootstrap your own latent" in entry["title"]
        assert entry["keywords"] == "ssl"  # as the export writes it
        await wait_for_toast(pilot, f"Copied BibTeX entry for “{BYOL.title}”")

        await pilot.press("C")
        # citeproc-py, paperbrowse's Harvard style (Cite Them Right)
        assert app.clipboard == (
            "Grill, J.-B. et al. (2020) “Bootstrap your own latent: A new approach to "
            "self-supervised learning”, arXiv [Preprint]. "
            "Available at: https://arxiv.org/abs/2006.07733."
        )
        await wait_for_toast(pilot, "Copied citation")


async def test_copied_keys_match_a_full_export(app: PaperBrowseApp, library: Library) -> None:
    """Two bookmarks with the same base key: the second copies with its export suffix."""
    twin = Paper(
        id=paper_id_for("Bootstrap everything", "2101.00001"),
        title="Bootstrap everything",
        authors=("Anna Grill",),
        published=date(2020, 1, 2),
        arxiv_id="2101.00001",
    )
    library.add(BYOL)
    library.add(twin)
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        await pilot.press("down", "B", "j", "c")
        [entry] = bibtexparser.parse_string(app.clipboard).entries
        assert entry.key == "grill2020bootstrapa"
        await pilot.press("C")
        assert app.clipboard == (
            "Grill, A. (2020) “Bootstrap everything”, arXiv [Preprint]. "
            "Available at: https://arxiv.org/abs/2101.00001."
        )


async def test_copying_a_paper_that_is_not_bookmarked(app: PaperBrowseApp) -> None:
    async with run(app) as pilot:
        paper = await start_on(pilot)
        await pilot.press("c")
        [entry] = bibtexparser.parse_string(app.clipboard).entries
        assert paper.title in entry["title"]
        assert len(app.library) == 0  # copying does not bookmark
        await pilot.press("C")
        assert paper.title in app.clipboard
        assert any("Copied citation" in t for t in toasts(app))


# ------------------------------------------------------ 8. help and palette
async def test_help_and_palette_offer_the_new_keys(
    app: PaperBrowseApp, organised: list[Paper]
) -> None:
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        await pilot.press("down", "question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), "the help screen")
        keys = rendered_text(app.screen.query_one("#help-keys"))
        for needle in ("Tags", "Note", "Cycle status", "Reading lists", "PDF", "BibTeX"):
            assert needle in keys
        await pilot.press("escape")
        await closed(pilot)

        # footer stays uncluttered: the new keys are not shown there
        footer_keys = {b.key for _, b, _, _ in app.screen.active_bindings.values() if b.show}
        assert not footer_keys & {"t", "n", "r", "l", "o", "O", "c", "C"}

        paper = app.query_one(ResultList).current_hit.paper
        await run_command(pilot, "Cycle reading status")
        assert app.library.bookmark(paper.id).status == "to-read"
        await run_command(pilot, "Narrow bookmarks")
        await wait_until(pilot, lambda: isinstance(app.screen, BookmarkFilterScreen), "picker")
        assert app.main.view == "bookmarks"
        await pilot.press("escape")
        await closed(pilot)
        await run_command(pilot, "Edit note")
        await wait_until(pilot, lambda: isinstance(app.screen, NoteScreen), "the note")
        await pilot.press("escape")
        await closed(pilot)


async def test_the_detail_pane_keeps_the_focus_through_a_dialog(app: PaperBrowseApp) -> None:
    async with run(app) as pilot:
        paper = await start_on(pilot)
        await pilot.press("enter")  # read the paper in the detail pane
        assert isinstance(app.focused, DetailPane)
        await open_modal(pilot, "t", TagsScreen)
        await pilot.press(*"later", "enter")
        await closed(pilot)
        assert isinstance(app.focused, DetailPane)
        assert "#later" in detail(app, "library")
        assert app.library.bookmark(paper.id).tags == ("later",)


# ------------------------------------------- 9. removing safely, and undo
def footer_keys(app: PaperBrowseApp) -> set[str]:
    """Keys the footer shows now (enabled bindings with ``show``)."""
    return {b.key for _, b, enabled, _ in app.screen.active_bindings.values() if b.show and enabled}


def footer_on_screen(app: PaperBrowseApp) -> list[str]:
    """Descriptions of the footer's keys that fit on the screen."""
    width = app.screen.size.width
    return [key.description for key in app.query(FooterKey) if key.region.right <= width]


def organise_byol(library: Library) -> None:
    library.add(BYOL)
    library.set_tags(BYOL, ["ssl", "later"])
    library.set_status(BYOL, "read")
    library.add_to_list("Thesis", BYOL)


async def test_b_on_an_organised_paper_asks_first_and_u_restores_it(
    app: PaperBrowseApp, library: Library
) -> None:
    organise_byol(library)
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        await pilot.press("down", "B")
        assert app.query_one(ResultList).current_hit.paper.id == BYOL.id
        assert "u" not in footer_keys(app)  # nothing to undo yet
        dialog = await open_modal(pilot, "b", ConfirmScreen)
        question = str(dialog.query_one("#confirm-question", Label).render())
        assert question == (
            f"Remove the bookmark of “{BYOL.title[:59].rstrip()}…”? "
            "Its 2 tags, status ‘read’ and 1 list go with it."
        )
        assert BYOL.id in library  # nothing happens before the answer
        await pilot.press("y")
        await closed(pilot)
        assert BYOL.id not in library
        assert library.bookmark(BYOL.id) is None
        await wait_for_toast(pilot, "Removed bookmark")
        assert "u" in footer_keys(app)  # the footer offers the undo now
        assert not prompt_text(app.query_one(ResultList), 0).startswith(BOOKMARK_MARK)

        await pilot.press("u")
        restored = library.bookmark(BYOL.id)
        assert restored is not None
        assert restored.tags == ("later", "ssl")
        assert restored.status == "read"
        assert restored.lists == ("Thesis",)
        await wait_for_toast(pilot, "Restored the bookmark of")
        assert "#later #ssl" in detail(app, "library") and "Thesis" in detail(app, "library")
        assert prompt_text(app.query_one(ResultList), 0).startswith(BOOKMARK_MARK)
        assert "u" not in footer_keys(app)
        await pilot.press("u")
        await wait_for_toast(pilot, "Nothing to undo")


@pytest.mark.parametrize("key", ["n", "escape"])
async def test_n_or_esc_keeps_the_organised_bookmark(
    app: PaperBrowseApp, library: Library, key: str
) -> None:
    organise_byol(library)
    library.set_note(BYOL, "Read section 3 again.")
    before = library.bookmark(BYOL.id)
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        await pilot.press("down", "B")
        dialog = await open_modal(pilot, "b", ConfirmScreen)
        assert "(its note stays)" in str(dialog.query_one("#confirm-question", Label).render())
        await pilot.press(key)
        await closed(pilot)
        assert library.bookmark(BYOL.id) == before
        await wait_for_toast(pilot, "Kept the bookmark")
        assert app.main.undo_stack == []


async def test_a_plain_bookmark_goes_at_once_and_ctrl_z_brings_it_back(
    app: PaperBrowseApp, library: Library
) -> None:
    async with run(app, size=(80, 24)) as pilot:
        paper = await start_on(pilot, row=2)
        await pilot.press("b")
        assert paper.id in library
        assert "Undo" not in footer_on_screen(app)
        await pilot.press("b")  # not organised: no question
        assert len(app.screen_stack) == 1
        assert paper.id not in library
        await pilot.pause()
        assert "Undo" in footer_on_screen(app)  # within 80 columns
        await pilot.press("ctrl+z")
        assert paper.id in library
        assert BOOKMARK_MARK in detail(app, "title")
        await wait_for_toast(pilot, f"Restored the bookmark of “{paper.title}”")


async def test_removed_tags_list_and_cleared_status_can_be_undone(
    app: PaperBrowseApp, library: Library
) -> None:
    organise_byol(library)
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        await pilot.press("down", "B")
        # tags: keep one
        dialog = await open_modal(pilot, "t", TagsScreen)
        dialog.query_one("#tags-input", Input).value = "ssl"
        await pilot.press("enter")
        await closed(pilot)
        assert library.bookmark(BYOL.id).tags == ("ssl",)
        # status: read → none
        await pilot.press("r")
        assert library.bookmark(BYOL.id).status is None
        # lists: take it off Thesis
        await open_modal(pilot, "l", ListsScreen)
        await pilot.press("enter", "escape")
        await closed(pilot)
        assert library.bookmark(BYOL.id).lists == ()

        await pilot.press("u")
        assert library.bookmark(BYOL.id).lists == ("Thesis",)
        await wait_for_toast(pilot, "on Thesis")
        await pilot.press("u")
        assert library.bookmark(BYOL.id).status == "read"
        await pilot.press("u")
        assert library.bookmark(BYOL.id).tags == ("later", "ssl")
        assert app.main.undo_stack == []


async def test_a_deleted_note_can_be_undone(app: PaperBrowseApp, library: Library) -> None:
    library.add(BYOL)
    library.set_note(BYOL, "Compare with SimCLR.")
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        await pilot.press("down", "B")
        dialog = await open_modal(pilot, "n", NoteScreen)
        dialog.query_one("#note-text", TextArea).text = ""
        await pilot.press("ctrl+s")
        await closed(pilot)
        assert library.note(BYOL.id) == ""
        await pilot.press("u")
        assert library.note(BYOL.id) == "Compare with SimCLR."
        assert "Compare with SimCLR." in detail(app, "note")


async def test_help_names_the_undo_keys(app: PaperBrowseApp) -> None:
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        await pilot.press("down", "question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), "the help screen")
        keys = rendered_text(app.screen.query_one("#help-keys"))
        assert "u  ctrl+z" in keys and "Undo" in keys


# ------------------------------------------------ 10. the record in the pane
PRB = Paper(
    id=paper_id_for("From stripe to checkerboard order on the square lattice"),
    title="From stripe to checkerboard order on the square lattice",
    authors=("Adrian Del Maestro", "Bernd Rosenow", "Subir Sachdev"),
    names=(
        Name("Del Maestro", "Adrian"),
        Name("Rosenow", "Bernd"),
        Name("Sachdev", "Subir"),
    ),
    author_count=3,
    published=date(2006, 7, 1),
    date_parts=MONTH,
    entry_type="article",
    container="Physical Review B",
    volume="74",
    number="2",
    pages="024520",
    publisher="American Physical Society",
    doi="10.1103/PhysRevB.74.024520",
    citation_key="delmaestro2006stripe",
)
YEAR_ONLY = Paper(
    id=paper_id_for("World health statistics 2020"),
    title="World health statistics 2020",
    published=date(2020, 1, 1),
    date_parts=YEAR,
    entry_type="techreport",
    institution="World Health Organization",
)


def meta_rows(app: PaperBrowseApp) -> dict[str, str]:
    """The detail pane's metadata rows, ``{label: value}``."""
    rows = {}
    for line in detail(app, "meta").splitlines():
        label, _, value = line.strip().partition("  ")
        rows[label] = value.strip()
    return rows


async def test_the_detail_pane_shows_the_record(app: PaperBrowseApp, library: Library) -> None:
    library.add(PRB)
    library.add(YEAR_ONLY)
    library.add(BYOL)
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        await pilot.press("down", "B")
        rows = meta_rows(app)
        assert rows["Type"] == "journal article (@article)"
        assert rows["Venue"] == "Physical Review B 74(2), 024520"
        assert rows["Publisher"] == "American Physical Society"
        assert rows["Date"] == "Jul 2006"  # the month is known, the day is not
        assert rows["DOI"] == "10.1103/PhysRevB.74.024520"
        assert rows["Key"] == "delmaestro2006stripe"  # the imported key, kept

        await pilot.press("j")
        rows = meta_rows(app)
        assert rows["Date"] == "2020"  # no invented month or day
        assert rows["Type"] == "technical report (@techreport)"
        assert rows["Institution"] == "World Health Organization"
        assert "Authors" not in rows and "Venue" not in rows and "DOI" not in rows
        key = library.bookmark(YEAR_ONLY.id).paper.citation_key
        assert key and rows["Key"] == key  # assigned by the library

        await pilot.press("j")
        rows = meta_rows(app)
        assert rows["arXiv"] == "2006.07733"
        assert rows["Date"] == "13 Jun 2020"


async def test_capital_c_copies_a_citation_of_a_paper_without_authors(
    app: PaperBrowseApp, library: Library
) -> None:
    library.add(YEAR_ONLY)
    library.add(PRB)
    async with run(app) as pilot:
        await wait_for_results(pilot, "")
        await pilot.press("down", "B", "C")
        assert app.clipboard == (
            "World health statistics 2020 (2020). Technical report. World Health Organization."
        )
        await pilot.press("j", "C")
        assert app.clipboard == (
            "Del Maestro, A., Rosenow, B. and Sachdev, S. (2006) “From stripe to checkerboard "
            "order on the square lattice”, Physical Review B, 74(2), p. 024520. "
            "Available at: https://doi.org/10.1103/PhysRevB.74.024520."
        )
