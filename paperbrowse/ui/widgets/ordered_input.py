"""An input that acts on every key in the order typed (a paste, tmux send-keys)."""

from __future__ import annotations

from textual import events
from textual.widgets import Input


class OrderedInput(Input):
    """An :class:`~textual.widgets.Input` that acts on every key in the order typed.

    Textual hands a printable key to the focused input at once, but runs a
    binding (``ctrl+u``, ``backspace``, ``left``, ``enter``…) only when the key
    has bubbled back to the app's message queue: keys arriving together (a
    paste, ``tmux send-keys``, a fast typist) are then applied out of order, so
    ``ctrl+u`` sent before ``numbats`` deletes ``numbats``. This input looks up
    and runs the binding of a non-printable key (its own, or one of a container,
    screen or the app, as Textual would) as it reads the key.
    """

    async def _on_key(self, event: events.Key) -> None:
        if event.is_printable or not self.has_focus:
            return  # Input._on_key types it
        # App._check_bindings is what App._on_key runs for the bubbled key (Textual 8):
        # the bindings of the focus chain, the focused widget first, up to the modal screen
        if await self.app._check_bindings(event.key):
            event.stop()
            event.prevent_default()
