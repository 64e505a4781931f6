"""Every id finds its paper: ids, arXiv ids and URLs, DOIs, citation keys; unknown and ambiguous."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from paperbrowse.core.ingest import import_records
from paperbrowse.core.library import Library
from paperbrowse.core.models import Paper, paper_id_for
from paperbrowse.core.resolve import (
    AMBIGUOUS,
    FOUND,
    UNKNOWN,
    arxiv_id_of,
    doi_of,
    resolve,
)
from paperbrowse.core.service import open_index


@pytest.mark.parametrize(
    "text",
    [
        "2006.07733",
        "2006.07733v2",
        "arXiv:2006.07733",
        "arxiv:2006.07733v1",
        "https://arxiv.org/abs/2006.07733",
        "https://arxiv.org/abs/2006.07733v3/",
        "http://arxiv.org/pdf/2006.07733",
        "https://arxiv.org/pdf/2006.07733v2.pdf",
        "https://www.arxiv.org/abs/2006.07733?context=cs",
        "https://export.arxiv.org/abs/2006.07733",
        "arxiv.org/abs/2006.07733",
    ],
)
def test_arxiv_id_forms(text: str) -> None:
    assert arxiv_id_of(text) == "2006.07733"


def test_old_style_and_non_arxiv_ids() -> None:
    assert arxiv_id_of("cond-mat/0603029") == "cond-mat/0603029"
    assert arxiv_id_of("https://arxiv.org/abs/cond-mat/0603029v2") == "cond-mat/0603029"
    assert arxiv_id_of("https://arxiv.org/pdf/cond-mat/0603029v1.pdf") == "cond-mat/0603029"
    for other in (
        "grill2020byol",
        "10.1103/PhysRevB.74.024520",
        "https://example.org/abs/2006.07733",
    ):
        assert arxiv_id_of(other) is None


@pytest.mark.parametrize(
    "text",
    [
        "10.1103/PhysRevB.74.024520",
        "10.1103/physrevb.74.024520",
        "doi:10.1103/PhysRevB.74.024520",
        "DOI: 10.1103/PhysRevB.74.024520",
        "https://doi.org/10.1103/PhysRevB.74.024520",
        "http://dx.doi.org/10.1103/PhysRevB.74.024520",
        "https://doi.org/10.1103%2FPhysRevB.74.024520",
        "doi.org/10.1103/PHYSREVB.74.024520",
    ],
)
def test_doi_forms(text: str) -> None:
    assert doi_of(text) == "10.1103/physrevb.74.024520"


def test_not_dois() -> None:
    for other in ("2006.07733", "grill2020byol", "https://example.org/10.1103/x", "10.12/"):
        assert doi_of(other) is None


STRIPE = Paper(
    id=paper_id_for("From stripe to checkerboard order on the square lattice"),
    title="From stripe to checkerboard order on the square lattice",
    authors=("Adrian Del Maestro", "Bernd Rosenow", "Subir Sachdev"),
    published=date(2006, 7, 1),
    date_parts=2,
    doi="10.1103/PhysRevB.74.024520",
    arxiv_id="cond-mat/0603029",
    citation_key="delmaestro2006stripe",
)


@pytest.fixture
def imported(locations, corpus, library):
    """The library and index after importing STRIPE, an arXiv paper, and BYOL's arXiv id
    onto the corpus's BYOL (which keeps its pb: id)."""
    index = open_index(locations, corpus, library=library).index
    byol = next(p for p in index.all_papers() if p.title.startswith("Bootstrap your own latent"))
    assert byol.id.startswith("pb:") and byol.arxiv_id is None
    lora = Paper(
        id="arxiv:2106.09685",
        title="LoRA: Low-Rank Adaptation of Large Language Models",
        arxiv_id="2106.09685",
        authors=("Edward J. Hu",),
        published=date(2021, 6, 17),
    )
    byol_arxiv = Paper(
        id="arxiv:2006.07733", title=byol.title, arxiv_id="2006.07733", authors=byol.authors
    )
    import_records([STRIPE, lora, byol_arxiv], locations=locations, corpus=corpus, library=library)
    return library, open_index(locations, corpus, library=library).index, byol


def test_every_form_finds_the_paper(imported) -> None:
    library, index, byol = imported
    for ref in (
        "2006.07733",
        "2006.07733v2",
        "arXiv:2006.07733",
        "https://arxiv.org/pdf/2006.07733v1.pdf",
        byol.id,
    ):
        answer = resolve(ref, library, index)
        assert answer.status == FOUND and answer.paper.id == byol.id, ref
    assert resolve("2006.07733", library, index).read_as == "arxiv"
    for ref in (
        "cond-mat/0603029",
        "https://arxiv.org/abs/cond-mat/0603029v2",
        "10.1103/PHYSREVB.74.024520",
        "https://doi.org/10.1103/PhysRevB.74.024520",
        "delmaestro2006stripe",
        "DelMaestro2006Stripe",
        STRIPE.id,
    ):
        answer = resolve(ref, library, index)
        assert answer and answer.paper.id == STRIPE.id, ref
    lora = resolve("arxiv:2106.09685", library, index)
    assert lora.paper.id == "arxiv:2106.09685" and lora.read_as == "id"
    assert resolve("2106.09685v1", library, index).paper.id == "arxiv:2106.09685"


def test_the_library_alone_finds_bookmarks_and_stored_papers(tmp_path) -> None:
    library = Library(tmp_path / "l.sqlite3")
    marked = replace(STRIPE, id="pb:000000000001", citation_key=None)
    library.add(marked)
    assert resolve("10.1103/physrevb.74.024520", library).paper.id == marked.id
    key = library.stored_key(marked.id)
    assert key == "delmaestro2006stripe"  # a capitalised particle is part of the name
    answer = resolve(key, library)
    assert answer.read_as == "key" and answer.paper.citation_key == key


def test_unknown_ids_come_with_the_closest_candidates(imported) -> None:
    library, index, byol = imported
    near = resolve("delmaestro2006strip", library, index)
    assert near.status == UNKNOWN and not near
    assert near.candidates[0].id == STRIPE.id
    assert "delmaestro2006stripe" in near.message()
    assert "no paper with id, arXiv id, DOI or citation key 'delmaestro2006strip'" in near.message()

    words = resolve("bootstrap latent", library, index)  # not an id: search hits suggested
    assert words.status == UNKNOWN and byol.id in [p.id for p in words.candidates]

    missing = resolve("2101.00001v2", library, index)
    assert missing.status == UNKNOWN and missing.read_as == "arxiv"
    assert "paperbrowse add arxiv 2101.00001" in missing.message()
    assert resolve("pb:000000000000", library, index).status == UNKNOWN
    assert resolve("10.9999/none", library, index).read_as == "doi"
    assert resolve("   ", library, index).status == UNKNOWN


def test_two_papers_with_one_doi_are_ambiguous(tmp_path) -> None:
    library = Library(tmp_path / "l.sqlite3")
    a = Paper(id="pb:00000000000a", title="Preprint", doi="10.1000/X")
    b = Paper(id="pb:00000000000b", title="Journal version", doi="10.1000/x")
    library.store_papers([a, b])
    answer = resolve("doi:10.1000/X", library)
    assert answer.status == AMBIGUOUS and not answer
    assert {p.id for p in answer.candidates} == {a.id, b.id}
    assert "matches 2 papers" in answer.message() and "Journal version" in answer.message()


def test_a_stored_paper_is_shown_with_the_key_the_library_gave_it(tmp_path) -> None:
    # the .bib key "smith2020" was already another paper's: the stored record still
    # carries it, but the library gave this paper "smith2020a"; a user rename too
    library = Library(tmp_path / "library.sqlite3")
    first = Paper("pb:one", "First paper", "", ("Ann Smith",), citation_key="smith2020")
    second = Paper("pb:two", "Second paper", "", ("Bob Smith",), citation_key="smith2020")
    library.store_papers([first, second])
    assert library.stored_key("pb:two") == "smith2020a"
    found = resolve("smith2020a", library)
    assert found.paper.id == "pb:two" and found.paper.citation_key == "smith2020a"
    assert resolve("pb:two", library).paper.citation_key == "smith2020a"
    library.rename_key("pb:one", "annsmith")
    assert resolve("pb:one", library).paper.citation_key == "annsmith"
