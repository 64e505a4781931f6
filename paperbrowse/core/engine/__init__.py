"""The search engine: paperbrowse's storage and scoring layer over Whoosh.

One module per job:

* :mod:`.analysis` — analyzers and token filters (text → terms).
* :mod:`.codec` — the segment format (array postings, memory-mapped reads).
* :mod:`.segments` — writing one segment from memory; checksum manifests.
* :mod:`.merging` — the merge policy (small segments, tiers) and the merge itself.
* :mod:`.writing` — index writers (one process or several).
* :mod:`.matching` — postings, vocabulary, NumPy matching and BM25F top-k.
* :mod:`.tables` — per-document tables for sorting, filters and facets.
* :mod:`.highlight` — a query's terms; marking matched words in titles and snippets.
* :mod:`.query` — checking and simplifying the user's query text; parser plugins.
* :mod:`.whoosh_compat` — the only module that touches Whoosh's private names.

Nothing here imports Textual or Rich. The search service that uses the engine
is :mod:`paperbrowse.core.search`, over the documents of
:mod:`paperbrowse.core.schema` and the generations of
:mod:`paperbrowse.core.generations`.
"""
