"""The app's key table: one record per key, from which the app's ``BINDINGS``, the
help screen's rows and the command palette's commands are made.

To change a key, its footer label, its help text or its palette entry, edit its
:class:`KeyDef` in :data:`KEYS`. The ``id`` of a record is the binding id that the
user's configuration file names in its ``[keys]`` section (see
:mod:`paperbrowse.config`, applied through Textual's ``App.set_keymap``): keep ids
unchanged. The help screen and the palette show the user's keys, not the defaults.

Three orders are kept, each for a reason:

* :data:`KEYS` is the binding order: the footer lists its shown keys in this order
  (an 80-column footer cuts the last), and bindings on the same key are tried in it;
* :data:`HELP_ORDER` is the order of the help screen's rows;
* :data:`PALETTE_ORDER` is the order of the palette's commands.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from textual.binding import Binding


@dataclass(frozen=True, slots=True)
class KeyDef:
    """One key of the app.

    Attributes:
        id: the binding id (config ``[keys]`` name); for a record that is not a
            binding of the app (a key a widget handles, shown in the help only), a
            name unique in the table.
        keys: Textual key names, comma separated (``"u,ctrl+z"``); empty for a record
            with no binding of its own.
        action: the app action the key runs (``"toggle_bookmark"`` runs
            ``action_toggle_bookmark``); empty: not a binding.
        label: the footer label.
        show: listed in the footer.
        priority: checked before the focused widget sees the key.
        help: the help screen's text; empty: no row of its own.
        help_keys: the help screen's key column, a :meth:`str.format` template:
            ``{keys}`` is this record's keys as shown (``/``, ``esc``, ``↓``), ``{id}``
            another record's; literal text for keys handled by widgets.
        palette: the palette command's title; empty: not in the palette.
        palette_help: the palette command's help, followed by the keys in brackets.
        palette_keys: the bracketed keys of the palette help, a template as
            ``help_keys``.
        palette_action: the action the palette command runs, if not ``action``.
    """

    id: str
    keys: str = ""
    action: str = ""
    label: str = ""
    show: bool = False
    priority: bool = False
    help: str = ""
    help_keys: str = "{keys}"
    palette: str = ""
    palette_help: str = ""
    palette_keys: str = "{keys}"
    palette_action: str = ""

    def binding(self) -> Binding:
        """The Textual binding of this record (``ValueError`` if it has no action)."""
        if not (self.action and self.keys):
            raise ValueError(f"key {self.id!r} is not a binding")
        return Binding(
            self.keys,
            self.action,
            self.label,
            show=self.show,
            priority=self.priority,
            id=self.id,
        )


KEYS: tuple[KeyDef, ...] = (
    # priority: run as the app reads the key, before the keys typed after it are
    # handed to the focused widget (a paste or tmux send-keys "/" "ctrl+u" "numbats"
    # must land in the search bar); skipped in a text field, where "/" is typed
    KeyDef(
        "focus_search",
        "slash",
        "slash",
        "Search",
        show=True,
        priority=True,
        help="Go to the search bar",
        palette="Search",
        palette_help="Go to the search bar",
        palette_action="focus_search",
    ),
    KeyDef(
        "toggle_bookmark",
        "b",
        "toggle_bookmark",
        "Bookmark",
        show=True,
        help="Bookmark / un-bookmark (asks if it is organised)",
        palette="Bookmark selected paper",
        palette_help="Bookmark or un-bookmark",
    ),
    # shown in the footer only while there is something to undo (check_action), next to b
    # so that an 80-column footer has room for it
    KeyDef(
        "undo",
        "u",
        "undo",
        "Undo",
        show=True,
        help="Undo: restore what was last removed or cleared",
        help_keys="{keys}  {undo_ctrl_z}",
        palette="Undo",
        palette_help="Restore the last removed bookmark, tags, status, list or note",
    ),
    KeyDef("undo_ctrl_z", "ctrl+z", "undo", "Undo"),
    # reached when "undo" is disabled: says there is nothing to undo
    KeyDef("nothing_to_undo", "u,ctrl+z", "nothing_to_undo"),
    KeyDef(
        "bookmarks_view",
        "B",
        "toggle_bookmarks_view",
        "Bookmarks",
        show=True,
        help="Show the bookmarks (the reading list); B or esc to go back",
        palette="Show bookmarks",
        palette_help="The reading list",
    ),
    # watches (issue 19): the inbox and each watch's papers, listed as the bookmarks are
    KeyDef(
        "watches",
        "w",
        "watches",
        "Watches",
        help="Watches: the inbox and each watch (unseen / total); A marks all seen",
        help_keys="{keys}  {mark_all_seen}",
        palette="Watches and inbox",
        palette_help="New papers of the watches, unseen / total per watch",
    ),
    KeyDef(
        "mark_all_seen",
        "A",
        "mark_all_seen",
        "All seen",
        palette="Mark all seen",
        palette_help="Every paper of the watch shown (or of the inbox)",
    ),
    KeyDef(
        "export",
        "e",
        "export",
        "Export",
        show=True,
        help="Export the reading list (or the narrowed set) or the current results",
        palette="Export reading list",
        palette_help="Reading list or current results: Markdown, BibTeX, CSL-JSON, RIS, CSV, JSON",
    ),
    KeyDef(
        "filter",
        "f",
        "filter",
        "Filter",
        show=True,
        help="Filter by year, organisation or bookmarks (hit counts per value)",
        palette="Filter results",
        palette_help="By year, organisation, bookmarks",
    ),
    # the footer lists the shown keys in this order: an 80-column footer cuts the last
    KeyDef(
        "help",
        "question_mark",
        "help",
        "Keys",
        show=True,
        help="This help",
        palette="Keys and query syntax",
        palette_help="Help",
    ),
    KeyDef("quit", "q", "quit", "Quit", show=True, help="Quit", help_keys="{keys}  ctrl+q"),
    KeyDef(
        "cycle_sort",
        "s",
        "cycle_sort",
        "Sort",
        show=True,
        help="Cycle sort: relevance, newest first, most upvoted",
        palette="Cycle sort order",
        palette_help="Relevance, newest, most upvoted",
    ),
    KeyDef(
        "similar",
        "m",
        "similar",
        "Similar",
        show=True,
        help="Similar papers to the selected one; esc to go back",
        palette="Similar papers",
        palette_help="More like the selected paper",
    ),
    KeyDef(
        "clear_filters",
        "x",
        "clear_filters",
        "Clear filter",
        help="Clear the filter",
        palette="Clear filter",
        palette_help="Show every hit again",
    ),
    KeyDef(
        "edit_tags",
        "t",
        "edit_tags",
        "Tags",
        help="Tags of the selected paper (comma separated)",
        palette="Edit tags",
        palette_help="Tags of the selected paper",
    ),
    KeyDef(
        "edit_note",
        "n",
        "edit_note",
        "Note",
        help="Note on the paper: ctrl+s saves, esc discards",
        palette="Edit note",
        palette_help="Note on the selected paper",
    ),
    KeyDef(
        "cycle_status",
        "r",
        "cycle_status",
        "Status",
        help="Cycle status: ○ to-read, ◐ reading, ● read, none",
        palette="Cycle reading status",
        palette_help="To-read, reading, read, none",
    ),
    KeyDef(
        "edit_lists",
        "l",
        "edit_lists",
        "Lists",
        help="Reading lists of the paper: add, remove, create",
        palette="Reading lists",
        palette_help="Put the selected paper on lists",
    ),
    KeyDef(
        "open_page",
        "o",
        "open_page",
        "Open page",
        help="Open the paper's page / its PDF (local first)",
        help_keys="{keys}  {open_pdf}",
        palette="Open paper page",
        palette_help="In the browser",
    ),
    KeyDef(
        "open_pdf",
        "O",
        "open_pdf",
        "Open PDF",
        palette="Open PDF",
        palette_help="The attached PDF in the viewer, else the arXiv PDF in the browser",
    ),
    # PDFs (issue 18): download, attach a local file, the bookmarks' PDFs in bulk
    KeyDef(
        "download_pdf",
        "d",
        "download_pdf",
        "Download PDF",
        help="Download the paper's arXiv PDF (its full text is indexed)",
        palette="Download PDF",
        palette_help="The selected paper's arXiv PDF, its text extracted",
    ),
    KeyDef(
        "attach_pdf",
        "a",
        "attach_pdf",
        "Attach PDF",
        help="Attach a local PDF file (copied in, or linked)",
        palette="Attach PDF file",
        palette_help="A local PDF file for the selected paper",
    ),
    KeyDef(
        "download_bookmarked_pdfs",
        "D",
        "download_bookmarked_pdfs",
        "Download bookmarked PDFs",
        help="Download the PDFs of every bookmarked paper",
        palette="Download PDFs of bookmarked papers",
        palette_help="The arXiv PDFs of the bookmarks that have none",
    ),
    KeyDef(
        "copy_bibtex",
        "c",
        "copy_bibtex",
        "Copy BibTeX",
        help="Copy the BibTeX entry / a formatted citation (Harvard)",
        help_keys="{keys}  {copy_citation}",
        palette="Copy BibTeX entry",
        palette_help="Of the selected paper",
    ),
    KeyDef(
        "copy_citation",
        "C",
        "copy_citation",
        "Copy citation",
        palette="Copy citation",
        palette_help="Harvard style, formatted by citeproc-py",
    ),
    KeyDef(
        "import_papers",
        "i",
        "import_papers",
        "Import",
        help="Import: arXiv, DOIs, HF daily, BibTeX, CSL-JSON or RIS files, captures",
        palette="Import papers",
        palette_help="arXiv, DOIs, HF daily papers, BibTeX, CSL-JSON, RIS, JSON Lines, captures",
    ),
    KeyDef(
        "suggestion",
        "ctrl+y",
        "accept_suggestion",
        "Accept correction",
        help="Accept the “did you mean” correction",
    ),
    KeyDef("escape", "escape", "escape", "Back", help="Back to the search bar"),
    # Reached only when the focused widget does not use "down" itself: the search bar.
    KeyDef(
        "focus_results",
        "down",
        "focus_results",
        "Results",
        help="Go to the results",
        help_keys="{keys} or enter (in the search bar)",
    ),
    # Not bindings of the app: keys of the widgets and of Textual, and the bookmarks
    # view's use of f and x; listed in the help (and the palette) only.
    KeyDef(
        "narrow_bookmarks",
        help="Narrow to a list, tag or status / show all",
        help_keys="{filter}  {clear_filters} (in the bookmarks)",
        palette="Narrow bookmarks",
        palette_help="To a list, tag or status",
        palette_keys="{filter} in bookmarks",
        palette_action="narrow_bookmarks",
    ),
    KeyDef("results_move", help="Move through the results", help_keys="↑ ↓  j k"),
    KeyDef("results_ends", help="First / last result", help_keys="g  G  home  end"),
    KeyDef("results_page", help="A screenful of results up / down", help_keys="pageup  pagedown"),
    KeyDef(
        "results_read",
        help="Read the paper: focus the detail pane",
        help_keys="enter (on a result)",
    ),
    KeyDef(
        "focus_cycle",
        help="Move between search bar, results and detail pane",
        help_keys="tab  shift+tab",
    ),
    KeyDef(
        "query_history",
        help="Recall earlier queries (↓ for newer)",
        help_keys="↑ (in the search bar)",
    ),
    KeyDef("palette", help="Command palette: every action by name", help_keys="ctrl+p"),
)

#: The help screen's rows, by record id, in order.
HELP_ORDER: tuple[str, ...] = (
    "focus_search",
    "focus_results",
    "results_move",
    "results_ends",
    "results_page",
    "results_read",
    "focus_cycle",
    "toggle_bookmark",
    "undo",
    "bookmarks_view",
    "watches",
    "edit_tags",
    "edit_note",
    "cycle_status",
    "edit_lists",
    "narrow_bookmarks",
    "export",
    "import_papers",
    "open_page",
    "download_pdf",
    "attach_pdf",
    "download_bookmarked_pdfs",
    "copy_bibtex",
    "cycle_sort",
    "similar",
    "filter",
    "clear_filters",
    "suggestion",
    "query_history",
    "palette",
    "help",
    "escape",
    "quit",
)

#: The palette's commands, by record id, in order.
PALETTE_ORDER: tuple[str, ...] = (
    "toggle_bookmark",
    "undo",
    "bookmarks_view",
    "watches",
    "mark_all_seen",
    "export",
    "cycle_sort",
    "focus_search",
    "similar",
    "filter",
    "clear_filters",
    "edit_tags",
    "edit_note",
    "cycle_status",
    "edit_lists",
    "narrow_bookmarks",
    "open_page",
    "open_pdf",
    "download_pdf",
    "attach_pdf",
    "download_bookmarked_pdfs",
    "copy_bibtex",
    "copy_citation",
    "import_papers",
    "help",
)

BY_ID: dict[str, KeyDef] = {key.id: key for key in KEYS}

#: How a Textual key name is shown in the help and the palette (others as named).
KEY_DISPLAY = {
    "slash": "/",
    "question_mark": "?",
    "escape": "esc",
    "down": "↓",
    "up": "↑",
}


def bindings() -> list[Binding]:
    """The app's ``BINDINGS``: one :class:`~textual.binding.Binding` per record with
    an action, in :data:`KEYS` order."""
    return [key.binding() for key in KEYS if key.action and key.keys]


def binding_ids() -> frozenset[str]:
    """The ids a configuration's ``[keys]`` section may name."""
    return frozenset(key.id for key in KEYS if key.action and key.keys)


def show_keys(keys: str) -> str:
    """``"u,ctrl+z"`` → ``"u  ctrl+z"``; ``"slash"`` → ``"/"`` (see :data:`KEY_DISPLAY`);
    ``""`` (no key left) → ``"—"``."""
    names = [k.strip() for k in keys.split(",") if k.strip()]
    return "  ".join(KEY_DISPLAY.get(k, k) for k in names) or "—"


def effective_keys(overrides: Mapping[str, str]) -> dict[str, str]:
    """Binding id → its key string under the user's ``[keys]`` overrides.

    As Textual's ``App.set_keymap`` does, a key an override takes is taken from
    the bindings keeping their default keys (``toggle_bookmark = "x"`` leaves
    ``clear_filters`` with no key).
    """
    taken = {k.strip() for keys in overrides.values() for k in keys.split(",")}
    result = {}
    for key in KEYS:
        if not key.keys:
            continue
        if key.id in overrides:
            result[key.id] = overrides[key.id]
        else:
            result[key.id] = ",".join(k for k in key.keys.split(",") if k not in taken)
    return result


def _shown(overrides: Mapping[str, str]) -> dict[str, str]:
    return {key_id: show_keys(keys) for key_id, keys in effective_keys(overrides).items()}


def help_rows(overrides: Mapping[str, str] | None = None) -> list[tuple[str, str]]:
    """``(keys, description)`` rows of the help screen, in :data:`HELP_ORDER`.

    Args:
        overrides: binding id → key string from the user's ``[keys]`` section; the
            rows show those keys instead of the defaults.
    """
    shown = _shown(overrides or {})
    rows = []
    for key_id in HELP_ORDER:
        key = BY_ID[key_id]
        rows.append((key.help_keys.format(keys=shown.get(key.id, ""), **shown), key.help))
    return rows


def palette_commands(overrides: Mapping[str, str] | None = None) -> list[tuple[str, str, str]]:
    """``(title, help, action)`` of the palette's commands, in :data:`PALETTE_ORDER`;
    the help ends with the keys in brackets (the user's keys, see :func:`help_rows`)."""
    shown = _shown(overrides or {})
    commands = []
    for key_id in PALETTE_ORDER:
        key = BY_ID[key_id]
        keys = key.palette_keys.format(keys=shown.get(key.id, ""), **shown)
        commands.append(
            (key.palette, f"{key.palette_help} ({keys})", key.palette_action or key.action)
        )
    return commands
