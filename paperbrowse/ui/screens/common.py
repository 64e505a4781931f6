"""Small helpers shared by the dialogs."""

from __future__ import annotations


def short_title(title: str, limit: int = 60) -> str:
    """``title`` cut to at most ``limit`` characters, ending in ``…`` when cut (dialog titles)."""
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"
