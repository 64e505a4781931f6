"""The full-text index of papers: old path of the modules it was split into.

Import from the module that does the job:

* :mod:`paperbrowse.core.engine.analysis` — analyzers and token filters;
* :mod:`paperbrowse.core.schema` — the Whoosh schema, a paper's document,
  :data:`SCHEMA_VERSION` and :data:`FIELD_BOOSTS`;
* :mod:`paperbrowse.core.generations` — :class:`IndexStore`: generations on
  disk, atomic builds, catch-ups, locks; :class:`Stamp` and the errors;
* :mod:`paperbrowse.core.search` — :class:`PaperIndex`, the search service;
* :mod:`paperbrowse.core.hits` — a page of hits: highlights, body snippets;
* :mod:`paperbrowse.core.forgiving` — fallback, spelling correction and
  relaxation of the search bar's queries.

This module stays, re-exporting the names other modules, tests and
benchmarks imported from it, for one reason that must not be broken:
indexes written before the split pickle their Whoosh schema naming the
analysis filters by this module's path (``paperbrowse.core.index.GreekFilter``,
``.SpellingVariantFilter``, ``.ByModeFilter``, ``.CompactPositionsFilter``),
so Whoosh opens them only while those names can be imported from here
(tests/unit/test_index_paths.py opens such an index). Indexes written since
name :mod:`paperbrowse.core.engine.analysis` (a paperbrowse from before the
split cannot read them; it rebuilds).
"""

from paperbrowse.core.engine.analysis import (
    GREEK_NAMES,
    ByModeFilter,
    CompactPositionsFilter,
    GreekFilter,
    SpellingVariantFilter,
    make_analyzer,
    make_spelling_analyzer,
)
from paperbrowse.core.forgiving import SUGGEST_BELOW, edit_distance, typo_cost
from paperbrowse.core.generations import (
    WRITER_BUSY,
    BuildCancelled,
    IndexDamaged,
    IndexStore,
    IndexUnavailable,
    PaperSource,
    ProgressCallback,
    Stamp,
    damage_message,
)
from paperbrowse.core.schema import (
    FIELD_BOOSTS,
    SCHEMA_VERSION,
    make_schema,
    paper_doc,
    title_acronyms,
)
from paperbrowse.core.search import SORTS, PaperIndex

#: Old name of :func:`paperbrowse.core.schema.paper_doc`.
_paper_doc = paper_doc

__all__ = [
    "FIELD_BOOSTS",
    "GREEK_NAMES",
    "SCHEMA_VERSION",
    "SORTS",
    "SUGGEST_BELOW",
    "WRITER_BUSY",
    "BuildCancelled",
    "ByModeFilter",
    "CompactPositionsFilter",
    "GreekFilter",
    "IndexDamaged",
    "IndexStore",
    "IndexUnavailable",
    "PaperIndex",
    "PaperSource",
    "ProgressCallback",
    "SpellingVariantFilter",
    "Stamp",
    "damage_message",
    "edit_distance",
    "make_analyzer",
    "make_schema",
    "make_spelling_analyzer",
    "paper_doc",
    "title_acronyms",
    "typo_cost",
]
