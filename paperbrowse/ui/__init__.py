"""The Textual user interface: the app (lifecycle), the main screen, dialogs, widgets,
the key table, the engine gateway and the PDF actions (:mod:`.pdfs`). The Rich tables
the CLI shares live in :mod:`paperbrowse.present`."""
