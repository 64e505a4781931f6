"""The search, index and storage layer of paperbrowse.

Nothing in this package imports Textual or Rich: it is usable from a script and
tested without a terminal. The CLI (``paperbrowse.cli``) and the Textual app
(``paperbrowse.ui``) sit on top of it.
"""
