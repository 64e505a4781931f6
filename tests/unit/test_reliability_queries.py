"""Query messages name the query, the column and the problem, never Whoosh's
internals (issue 15, "Smaller"); ``title:(...)`` groups inside a field."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from paperbrowse.cli import cli
from paperbrowse.core.engine.query import USER_FIELDS, QueryError

INTERNALS = ("list index", "NoneType", "attribute", "maxdist", "Traceback")


@pytest.mark.parametrize(
    ("text", "column", "words"),
    [
        ("<script>", 1, "'<' compares numbers"),
        ("latent >", 8, "'>' compares numbers"),
        ("~~", 1, "'~' follows a word"),
        ("diffusion ~2", 11, "'~' follows a word"),
        ("nosuchfield:latent", 1, "unknown field 'nosuchfield'"),
        ("year:(2020)", 6, "year takes a number or a range"),
    ],
)
def test_bad_queries_are_named_clearly(index, text, column, words):
    with pytest.raises(QueryError) as caught:
        index.parse(text)
    error = caught.value
    assert (error.query, error.column) == (text, column)
    assert words in error.reason
    assert not any(bit in str(error) for bit in INTERNALS)


def test_an_unknown_field_lists_the_known_ones(index):
    with pytest.raises(QueryError) as caught:
        index.parse("nosuchfield:latent")
    assert all(field in caught.value.reason for field in USER_FIELDS)


@pytest.mark.parametrize(
    "text",
    ["title:(diffusion)", "title:(latent diffusion)", "Mamba: linear", '"latent diffusion"~2',
     "difusion~", "year:>2024", "https://arxiv.org/abs/2006.07733", "title:diffusion"],
)  # fmt: skip
def test_good_queries_still_parse(index, text):
    index.parse(text)


def test_a_group_inside_a_field_searches_that_field(index):
    grouped = index.search("title:(latent diffusion)", limit=None)
    assert grouped.total > 0
    assert all(
        "latent" in h.paper.title.lower() and "diffusion" in h.paper.title.lower()
        for h in grouped.hits
    )
    assert grouped.total == index.search("title:latent title:diffusion", limit=None).total


def test_the_forgiving_search_says_what_was_wrong_and_searches_the_words(index):
    results = index.search("nosuchfield:latent", forgiving=True)
    assert "unknown field 'nosuchfield'" in results.notice
    assert results.ran == "nosuchfield latent"
    results = index.search("<script>", forgiving=True)
    assert "'<' compares numbers" in results.notice
    assert not any(bit in results.notice for bit in INTERNALS)


@pytest.mark.parametrize("text", ["<script>", "~~", "nosuchfield:latent"])
def test_the_cli_names_the_problem_without_internals(locations, text):
    result = CliRunner().invoke(cli, ["--data-dir", str(locations.data_dir), "search", text])
    assert result.exit_code == 2
    assert f"query {text!r}, column" in result.output
    assert not any(bit in result.output for bit in INTERNALS)
