from paperbrowse.core.index import PaperIndex


def test_latent_diffusion_finds_latent_diffusion_papers(index: PaperIndex) -> None:
    results = index.search("latent diffusion")
    assert results.total > 10
    top = results.hits[0]
    title = top.paper.title.lower()
    assert "latent" in title and "diffusion" in title
