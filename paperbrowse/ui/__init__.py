"""The Textual user interface: the app (lifecycle), the main screen, dialogs, widgets,
the key table and the engine gateway. The Rich tables the CLI shares live in
:mod:`paperbrowse.present`."""
