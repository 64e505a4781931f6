"""Entry point for ``python -m paperbrowse``."""

from paperbrowse.cli import main

if __name__ == "__main__":
    main()
