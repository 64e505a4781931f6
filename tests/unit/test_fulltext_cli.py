"""Issue 18's "done when", end to end through the command line on the bundled
corpus: a paper with an attached PDF is found by a phrase that occurs only on
page 3 of its body, with the snippet and the page; ``has:pdf`` and
``fulltext:`` work; detaching takes the full text out of the index."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from test_pdf import build_pdf

from paperbrowse.cli import cli

PHRASE = "unicorn zebrafish tessellation"


def _search(runner: CliRunner, data: Path, query: str) -> dict:
    result = runner.invoke(cli, ["--data-dir", str(data), "search", "--json", "--strict", query])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_a_phrase_only_on_page_3_finds_its_paper_with_snippet_and_page(tmp_path: Path) -> None:
    data = tmp_path / "data"
    runner = CliRunner()
    byol = _search(runner, data, 'title:"bootstrap your own latent"')["hits"][0]
    assert _search(runner, data, f'"{PHRASE}"')["total"] == 0
    pdf = build_pdf(
        tmp_path / "byol.pdf",
        [
            ["Bootstrap your own latent", "An online and a target network."],
            ["Related work on contrastive methods."],
            ["Results. A " + PHRASE + " appears here only,", "and nowhere else."],
            ["References"],
        ],
    )
    attached = runner.invoke(cli, ["--data-dir", str(data), "attach", byol["id"], str(pdf)])
    assert attached.exit_code == 0, attached.output

    found = _search(runner, data, f'"{PHRASE}"')
    assert [h["id"] for h in found["hits"]] == [byol["id"]]
    body = found["hits"][0]["body"]
    assert body["page"] == 3 and PHRASE in " ".join(body["snippet"].split())
    assert [h["id"] for h in _search(runner, data, "has:pdf")["hits"]] == [byol["id"]]
    assert [h["id"] for h in _search(runner, data, "fulltext:zebrafish")["hits"]] == [byol["id"]]
    # a word of the title is not in the full text field only: no body snippet for it
    title_hit = _search(runner, data, "bootstrap latent")["hits"][0]
    assert title_hit["id"] == byol["id"] and "body" not in title_hit

    detached = runner.invoke(cli, ["--data-dir", str(data), "detach", byol["id"]])
    assert detached.exit_code == 0, detached.output
    assert _search(runner, data, f'"{PHRASE}"')["total"] == 0
    assert _search(runner, data, "has:pdf")["total"] == 0
