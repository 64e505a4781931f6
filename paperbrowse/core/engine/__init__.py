"""The search engine: paperbrowse's storage and scoring layer over Whoosh.

One module per job:

* :mod:`.codec` — the segment format (array postings, memory-mapped reads).
* :mod:`.segments` — writing one segment from memory; tiered merges; manifests.
* :mod:`.writing` — index writers (one process or several) and small-segment merges.
* :mod:`.matching` — postings, vocabulary, NumPy matching and BM25F top-k.
* :mod:`.tables` — per-document tables for sorting, filters and facets.
* :mod:`.highlight` — marking matched words in titles and snippets.
* :mod:`.query` — checking and simplifying the user's query text.
* :mod:`.whoosh_compat` — the only module that touches Whoosh's private names.

Nothing here imports Textual or Rich. The search service that uses the engine
is :mod:`paperbrowse.core.index`.
"""
