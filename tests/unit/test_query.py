"""Query checking: well-formed queries pass, malformed ones name the column."""

import pytest

from paperbrowse.core.engine.query import QueryError, check_query


@pytest.mark.parametrize(
    "good",
    [
        "",
        "latent diffusion",
        '"latent diffusion"',
        'title:"latent diffusion"',
        "latent OR flow",
        "latent NOT audio",
        "NOT audio",
        "(latent OR hidden) AND space",
        "year:[2020 TO 2023]",
        "year:[2020 TO]",
        "year:2023",
        "upvotes:>10",
        "diff* matérn~ difusion~2",
        "Mamba: linear-time sequence modeling",  # unknown "field" is plain text
    ],
)
def test_well_formed(good: str) -> None:
    check_query(good)


@pytest.mark.parametrize(
    ("bad", "column", "words"),
    [
        ("year:[", 6, "unclosed range"),
        ("year:[2020 TO", 6, "unclosed range"),
        ('"latent diffusion', 1, "unclosed quote"),
        ("(latent OR flow", 1, "unclosed group"),
        ("latent)", 7, "closes nothing"),
        ("AND", 1, "needs a term on each side"),
        ("latent AND", 8, "needs a term on each side"),
        ("latent AND OR flow", 12, "needs a term on each side"),
        ("latent NOT", 8, "needs a term after it"),
        ("title:", 7, "needs a value"),
        ("year:abc", 6, "whole number"),
        ("year:[x TO 2023]", 6, "not a whole number"),
    ],
)
def test_malformed(bad: str, column: int, words: str) -> None:
    with pytest.raises(QueryError) as info:
        check_query(bad)
    assert info.value.column == column
    assert words in info.value.reason
    assert repr(bad) in str(info.value)


def test_every_numeric_field_of_the_schema_takes_numbers_only(index) -> None:
    # 'date' (YYYYMMDD, for sorting) is numeric like year and upvotes: a word or an
    # empty phrase there is a QueryError naming the column, not Whoosh's ValueError
    for text in ('date:""', "date:soon", 'upvotes:""'):
        with pytest.raises(QueryError, match="takes a whole number"):
            index.search(text)
    assert index.search("date:>20250101").total > 0
