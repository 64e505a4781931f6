"""How a hit is drawn in the result list: its title, meta line and snippet as
:data:`HIT_LINES` lines of Rich text."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from paperbrowse.core.library import Bookmark
from paperbrowse.core.models import Hit, Segment
from paperbrowse.present import paper_meta, segments_text
from paperbrowse.ui.organise import STATUS_MARKS, STATUS_STYLES, tag_label

BOOKMARK_MARK = "★ "
#: Starts the title of a paper a watch holds that was not seen yet (watch views).
UNSEEN_MARK = "new "
#: Lines of text per hit in the result list: the title (up to :data:`TITLE_LINES`),
#: the meta line, and the snippet on the lines left. Fixed, so that hit ``i``
#: starts at row ``i * ROWS_PER_HIT``.
HIT_LINES = 4
#: Lines the title may wrap onto (then it ends in ``…``).
TITLE_LINES = 2


def _one_line(segments: tuple[Segment, ...]) -> tuple[Segment, ...]:
    """``segments`` with line breaks as spaces (a list row is one paragraph)."""
    return tuple((text.replace("\n", " "), matched) for text, matched in segments)


def hit_parts(
    hit: Hit, bookmarked: bool, bookmark: Bookmark | None = None, unseen: bool = False
) -> tuple[Text, Text, Text]:
    """The three parts of a hit's rows, as Rich ``Text`` with the matched words in
    reverse video: the title, the meta line and the snippet.

    A bookmarked paper's title starts with :data:`BOOKMARK_MARK` and, given its
    ``bookmark``, its reading-status mark; its tags follow the meta line, dim.
    The meta line is empty when nothing is known; so is the snippet when the
    paper has no abstract. A hit that matched only in its PDF's full text shows
    the page and the body snippet instead (``p. 3: …``). An ``unseen`` paper (of
    a watch) starts with :data:`UNSEEN_MARK`, before the bookmark marks.
    """
    title = Text()
    if unseen:
        title.append(UNSEEN_MARK, style="bold green")
    if bookmarked:
        title.append(BOOKMARK_MARK, style="bold yellow")
        if bookmark is not None and bookmark.status:
            title.append(
                STATUS_MARKS[bookmark.status] + " ", style=f"bold {STATUS_STYLES[bookmark.status]}"
            )
    title.append_text(segments_text(_one_line(hit.title), style="bold", match_style="bold reverse"))
    meta = Text(paper_meta(hit.paper), style="italic")
    tags = " ".join(tag_label(t) for t in bookmark.tags) if bookmarked and bookmark else ""
    if tags:
        meta.append(("  " if meta.plain else "") + tags, style="dim")
    if hit.body_snippet:  # matched only in its PDF: the page and the words there
        snippet = Text(f"p. {hit.body_page}: ", style="dim italic")
        snippet.append_text(
            segments_text(_one_line(hit.body_snippet), style="dim", match_style="bold reverse")
        )
    else:
        snippet = segments_text(_one_line(hit.snippet), style="dim", match_style="bold reverse")
    return title, meta, snippet


def _cut(line: Text, width: int) -> Text:
    """``line`` ending in ``…`` within ``width`` cells: the text goes on beyond it."""
    line = line.copy()
    line.rstrip()
    if line.cell_len > width - 1:
        line.truncate(max(0, width - 1))
        line.rstrip()
    line.append("…")
    return line


def hit_lines(
    hit: Hit,
    bookmarked: bool,
    bookmark: Bookmark | None,
    width: int,
    console: Console,
    unseen: bool = False,
) -> list[Text]:
    """The :data:`HIT_LINES` lines of a hit in the result list, each at most ``width`` cells.

    The title wraps onto up to :data:`TITLE_LINES` lines, the meta line
    follows (cut with ``…`` when too long), and the snippet wraps onto the
    lines left (two under a one-line title); text that does not fit ends in
    ``…``. Short hits are padded with empty lines, so every hit takes the
    same rows. ``bookmarked``, ``bookmark`` and ``unseen`` as in :func:`hit_parts`.
    """
    width = max(1, width)
    title, meta, snippet = hit_parts(hit, bookmarked, bookmark, unseen)
    lines: list[Text] = list(title.wrap(console, width))[: TITLE_LINES + 1]
    if len(lines) > TITLE_LINES:
        lines = [*lines[: TITLE_LINES - 1], _cut(lines[TITLE_LINES - 1], width)]
    if meta.plain:
        meta.truncate(width, overflow="ellipsis")
        lines.append(meta)
    room = HIT_LINES - len(lines)
    if room > 0 and snippet.plain:
        wrapped = list(snippet.wrap(console, width))[: room + 1]
        if len(wrapped) > room:
            wrapped = [*wrapped[: room - 1], _cut(wrapped[room - 1], width)]
        lines.extend(wrapped)
    lines.extend(Text() for _ in range(HIT_LINES - len(lines)))
    return lines
