"""Kept importable: the Rich renderables moved to :mod:`paperbrowse.present`
(shared by the CLI and the app, no Textual), re-exported here unchanged."""

from paperbrowse.present import (
    MATCH_STYLE,
    SPARKS,
    bookmark_table,
    facet_table,
    hit_table,
    paper_meta,
    segments_text,
    sparkline,
)

__all__ = [
    "MATCH_STYLE",
    "SPARKS",
    "bookmark_table",
    "facet_table",
    "hit_table",
    "paper_meta",
    "segments_text",
    "sparkline",
]
