"""Widgets of the main screen (search bar, virtual result list, detail pane) and the
inputs the dialogs share, one module per widget:

* :mod:`.ordered_input` — :class:`OrderedInput`, an input that acts on keys in order;
* :mod:`.choice_grid` — :class:`ChoiceGrid`, a radio set laid out as a grid;
* :mod:`.search_bar` — :class:`SearchBar`, the query input with its history;
* :mod:`.result_list` — :class:`ResultList`, the virtual result list;
* :mod:`.hit` — how a hit is drawn in it (:func:`hit_lines`);
* :mod:`.detail_pane` — :class:`DetailPane`, the selected paper.
"""

from paperbrowse.ui.widgets.choice_grid import ChoiceGrid
from paperbrowse.ui.widgets.detail_pane import (
    ENTRY_TYPE_WORDS,
    DetailPane,
    entry_type_label,
    local_date,
)
from paperbrowse.ui.widgets.hit import (
    BOOKMARK_MARK,
    HIT_LINES,
    TITLE_LINES,
    hit_lines,
    hit_parts,
)
from paperbrowse.ui.widgets.ordered_input import OrderedInput
from paperbrowse.ui.widgets.result_list import (
    MAX_PAGES,
    PREFETCH_HITS,
    ROWS_PER_HIT,
    PageArrived,
    ResultList,
)
from paperbrowse.ui.widgets.search_bar import SearchBar

__all__ = [
    "BOOKMARK_MARK",
    "ENTRY_TYPE_WORDS",
    "HIT_LINES",
    "MAX_PAGES",
    "PREFETCH_HITS",
    "ROWS_PER_HIT",
    "TITLE_LINES",
    "ChoiceGrid",
    "DetailPane",
    "OrderedInput",
    "PageArrived",
    "ResultList",
    "SearchBar",
    "entry_type_label",
    "hit_lines",
    "hit_parts",
    "local_date",
]
