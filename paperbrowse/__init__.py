"""paperbrowse: a keyboard-first terminal browser for research papers."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("paperbrowse")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "1.0.0"

__all__ = ["__version__"]
