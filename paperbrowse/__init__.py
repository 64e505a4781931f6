"""paperbrowse: a keyboard-first terminal browser for research papers."""

#: The release, as in ``pyproject.toml`` (a unit test checks they agree). A
#: literal rather than ``importlib.metadata.version``: reading the installed
#: metadata costs tens of milliseconds on every start of the app and the CLI.
__version__ = "1.0.0"

__all__ = ["__version__"]
