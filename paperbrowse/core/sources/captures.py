"""Parser for captures of Hugging Face paper-listing pages.

A capture is the text a browser copies from a Hugging Face papers page
(``huggingface.co/papers``). Two layouts occur:

*Listing layout* (search and trending pages)::

    Get trending papers in your email inbox once a day!
    Get trending papers in your email inbox!
    Subscribe<title of the first paper>
    <abstract>
    <title>
    <abstract>
    ...

The header lines come first; the first title is glued to the word
``Subscribe``; then every paper is one title line and one abstract line.

*Daily-papers layout*: a short header (``Daily Papers``, ``byAK and the
research community`` and the page date such as ``Apr 17``), then one
blank-line separated block per paper::

    <title>

    <abstract>

      • 8 authors            (or an organisation: "<handle> <name>")
    ·
    Mar 23 3                 (date, then an optional upvote count)

Dates without a year are in the capture's own year. Hugging Face writes the
year out only for dates outside the current year, so the capture's year is
taken as one more than the latest year written out in the capture (a capture
that writes out ``Dec 19, 2025`` and omits the year elsewhere was taken in
2026). A capture with no year written out at all uses ``default_year``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from importlib import resources
from pathlib import Path

from paperbrowse.core.latex import latex_to_unicode
from paperbrowse.core.models import Paper, normalise_title, paper_id_for
from paperbrowse.core.sources.common import Record, SourceError

#: Bump when parsing changes what is indexed, so existing indexes are rebuilt.
PARSER_VERSION = 1

MAX_TITLE_CHARS = 300

_DATE_LINE = re.compile(
    r"^(?P<month>[A-Z][a-z]{2}) (?P<day>\d{1,2})(?:, (?P<year>\d{4}))?(?: (?P<upvotes>\d+))?$"
)
_AUTHORS_LINE = re.compile(r"^•\s*(?P<count>\d+)\s+authors?$")
_DAILY_HEADER = {"new", "Get trending papers in your email inbox!", "Subscribe", "Daily Papers"}


class CaptureError(ValueError):
    """A capture that does not follow either page layout.

    Attributes:
        path: the capture file.
        line: 1-based line number of the offending line.
        reason: what is wrong there.
    """

    def __init__(self, path: Path | str, line: int, reason: str) -> None:
        self.path = Path(path)
        self.line = line
        self.reason = reason
        super().__init__(f"{self.path}:{line}: {reason}")


@dataclass(frozen=True, slots=True)
class _Entry:
    line: int
    title: str
    abstract: str
    who: str | None = None
    date_text: str | None = None
    date_line: int | None = None


def _clean(text: str) -> str:
    return latex_to_unicode(" ".join(text.split()))


def _is_daily(lines: Sequence[str]) -> bool:
    return any(line.strip() == "Daily Papers" for line in lines[:12])


def _listing_entries(path: Path, lines: Sequence[str], errors: list[CaptureError]) -> list[_Entry]:
    """The title/abstract pairs of a listing capture.

    A last title without its abstract (a file cut short) is reported in
    ``errors`` and the pairs before it kept. A title line that is too long
    to be a title means a line is missing somewhere above, after which every
    title and abstract are out of step: then nothing of the file is kept.
    """
    start = next((i for i, line in enumerate(lines[:10]) if line.startswith("Subscribe")), None)
    if start is None:
        raise CaptureError(path, 1, "no 'Subscribe' line: not a Hugging Face papers capture")
    body = [(i + 1, line) for i, line in enumerate(lines) if i >= start and line.strip()]
    first_no, first = body[0]
    body[0] = (first_no, first[len("Subscribe") :])
    tail = None
    if len(body) % 2:
        last_no, last = body.pop()
        tail = CaptureError(
            path, last_no, f"title without an abstract (the file is cut short?): {last[:60]!r}"
        )
    entries = []
    for (title_no, title), (_, abstract) in zip(body[::2], body[1::2], strict=True):
        if len(title) > MAX_TITLE_CHARS:
            raise CaptureError(
                path,
                title_no,
                f"expected a title, found {len(title)} characters of text "
                "(a title or an abstract line is missing above)",
            )
        entries.append(_Entry(title_no, title, abstract))
    if tail is not None:
        errors.append(tail)
    return entries


def _daily_entries(path: Path, lines: Sequence[str], errors: list[CaptureError]) -> list[_Entry]:
    """The paper blocks of a daily-papers capture; at the first block that is
    incomplete or malformed (a file cut short), the error goes to ``errors``
    and the blocks before it are kept."""
    entries: list[_Entry] = []
    try:
        for entry in _daily_blocks(path, lines):
            entries.append(entry)
    except CaptureError as exc:
        if exc.reason.startswith("daily-papers capture without"):
            raise
        errors.append(exc)
    return entries


def _daily_blocks(path: Path, lines: Sequence[str]) -> Iterator[_Entry]:
    numbered = [(i + 1, line.strip()) for i, line in enumerate(lines) if line.strip()]
    # Skip the header: everything up to and including the page date line.
    pos = next((k for k, (_, text) in enumerate(numbered) if text.startswith("byAK")), None)
    if pos is None:
        raise CaptureError(path, 1, "daily-papers capture without its 'byAK ...' header line")
    pos += 1
    if pos < len(numbered) and _DATE_LINE.match(numbered[pos][1]):
        pos += 1  # the page date
    while pos < len(numbered):
        chunk = numbered[pos : pos + 5]
        if len(chunk) < 5:
            line_no, text = chunk[0]
            raise CaptureError(path, line_no, f"incomplete paper block starting with {text[:60]!r}")
        (title_no, title), (_, abstract), (who_no, who), (dot_no, dot), (date_no, when) = chunk
        if dot != "·":
            raise CaptureError(
                path, dot_no, f"expected '·' after the authors line, found {dot[:40]!r}"
            )
        if not _DATE_LINE.match(when):
            raise CaptureError(
                path,
                date_no,
                f"expected a date such as 'Mar 23' or 'Oct 4, 2023', found {when[:40]!r}",
            )
        if len(title) > MAX_TITLE_CHARS:
            raise CaptureError(path, title_no, f"expected a title, found {len(title)} characters")
        yield _Entry(title_no, title, abstract, who=who, date_text=when, date_line=date_no)
        pos += 5


def _capture_year(entries: Iterable[_Entry], default_year: int) -> int:
    years = [
        int(m.group("year"))
        for e in entries
        if e.date_text and (m := _DATE_LINE.match(e.date_text)) and m.group("year")
    ]
    return max(years) + 1 if years else default_year


def _to_paper(path: Path, entry: _Entry, year: int) -> Paper:
    title = _clean(entry.title)
    abstract = _clean(entry.abstract)
    author_count = organisation = org_handle = published = upvotes = None
    if entry.who is not None:
        if m := _AUTHORS_LINE.match(entry.who):
            author_count = int(m.group("count"))
        else:
            handle, _, name = entry.who.partition(" ")
            org_handle, organisation = handle, (name.strip() or handle)
    if entry.date_text is not None:
        m = _DATE_LINE.match(entry.date_text)
        assert m is not None  # checked while reading the block
        try:
            month = datetime.strptime(m.group("month"), "%b").month
            published = date(int(m.group("year") or year), month, int(m.group("day")))
        except ValueError as exc:
            raise CaptureError(
                path, entry.date_line or entry.line, f"bad date {entry.date_text!r}: {exc}"
            ) from None
        if m.group("upvotes"):
            upvotes = int(m.group("upvotes"))
    return Paper(
        id=paper_id_for(title),
        title=title,
        abstract=abstract,
        author_count=author_count,
        organisation=organisation,
        org_handle=org_handle,
        published=published,
        upvotes=upvotes,
        sources=(path.name,),
    )


@dataclass(frozen=True)
class CaptureRead:
    """One capture read as far as it goes.

    Attributes:
        papers: the papers of the complete entries, in page order.
        errors: what could not be read, each with its line: bytes that are
            not UTF-8 (replaced by U+FFFD, the line kept), a broken tail (the
            papers before it kept), an entry with a bad date (skipped), or
            a file that follows neither layout (no papers).
    """

    papers: list[Paper]
    errors: list[CaptureError]


def _decode(path: Path, data: bytes, errors: list[CaptureError]) -> str:
    """UTF-8 text of ``data``; bytes that are not UTF-8 (a file cut inside a
    character, a stray binary byte) become U+FFFD and each line holding some
    is reported (up to 5 lines, then one line for the rest)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as first:
        reason = first.reason
    text = data.decode("utf-8", errors="replace")
    bad = [n for n, line in enumerate(data.split(b"\n"), 1) if _not_utf8(line)]
    for n in bad[:5]:
        errors.append(CaptureError(path, n, f"not UTF-8 text ({reason}); bytes replaced by U+FFFD"))
    if len(bad) > 5:
        errors.append(CaptureError(path, bad[5], f"{len(bad) - 5} more lines not UTF-8 text"))
    return text


def _not_utf8(line: bytes) -> bool:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def read_capture(path: Path | str, *, default_year: int | None = None) -> CaptureRead:
    """Read one capture file, keeping every complete paper (see :class:`CaptureRead`).

    Args:
        path: a ``.txt`` capture in either layout (see the module docstring).
        default_year: see :func:`parse_capture`.

    Raises:
        OSError: the file cannot be read.
    """
    path = Path(path)
    errors: list[CaptureError] = []
    text = _decode(path, path.read_bytes(), errors)
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        return CaptureRead([], [*errors, CaptureError(path, 1, "empty capture")])
    reader = _daily_entries if _is_daily(lines) else _listing_entries
    try:
        entries = reader(path, lines, errors)
    except CaptureError as exc:
        return CaptureRead([], [*errors, exc])
    year = _capture_year(entries, default_year or date.today().year)
    papers = []
    for entry in entries:
        try:
            papers.append(_to_paper(path, entry, year))
        except CaptureError as exc:
            errors.append(exc)
    errors.sort(key=lambda e: e.line)
    return CaptureRead(papers, errors)


def parse_capture(path: Path | str, *, default_year: int | None = None) -> list[Paper]:
    """Parse one capture file into papers, in page order (duplicates kept), strictly:
    any problem raises (:func:`read_capture` keeps the complete papers instead).

    Args:
        path: a ``.txt`` capture in either layout (see the module docstring).
        default_year: year for dates without one when the capture writes no
            year out at all; defaults to the current year.

    Returns:
        One :class:`Paper` per entry on the page.

    Raises:
        CaptureError: the file does not follow either layout; the error names
            the file and the 1-based line at fault.
        OSError: the file cannot be read.
    """
    read = read_capture(path, default_year=default_year)
    if read.errors:
        raise read.errors[0]
    return read.papers


@dataclass(frozen=True)
class CorpusLoad:
    """The outcome of loading several captures.

    Attributes:
        papers: distinct papers, duplicates merged, in first-seen order.
        entries: number of entries read over all captures (duplicates counted).
        errors: what could not be read, by capture and line; the complete
            papers of a partly broken capture are loaded, and the other
            captures always are.
        files: the captures that gave papers.
    """

    papers: list[Paper]
    entries: int
    errors: list[CaptureError] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)


def merge_duplicates(papers: Iterable[Paper]) -> list[Paper]:
    """Merge papers with the same normalised title, keeping the richest metadata.

    Returns:
        Distinct papers in first-seen order; see :meth:`Paper.merged_with`.
    """
    merged: dict[str, Paper] = {}
    for paper in papers:
        key = normalise_title(paper.title)
        merged[key] = merged[key].merged_with(paper) if key in merged else paper
    return list(merged.values())


def load_captures(paths: Iterable[Path | str]) -> CorpusLoad:
    """Parse every capture and merge duplicates across them.

    A malformed capture is reported in :attr:`CorpusLoad.errors`, its
    complete papers kept (:func:`read_capture`); it never stops the others
    from loading.
    """
    all_papers: list[Paper] = []
    errors: list[CaptureError] = []
    files: list[Path] = []
    for path in sorted(Path(p) for p in paths):
        try:
            read = read_capture(path)
        except OSError as exc:
            errors.append(CaptureError(path, 1, f"cannot read: {exc.strerror or exc}"))
            continue
        all_papers.extend(read.papers)
        errors.extend(read.errors)
        if read.papers:
            files.append(path)
    return CorpusLoad(merge_duplicates(all_papers), len(all_papers), errors, files)


def bundled_corpus_dir() -> Path:
    """Return the folder of the bundled captures.

    In an installed wheel they live in ``paperbrowse/assets/corpus``; in a
    source checkout (editable install) in the repository's ``assets/corpus``.

    Raises:
        FileNotFoundError: neither location exists (a broken install).
    """
    packaged = Path(str(resources.files("paperbrowse"))) / "assets" / "corpus"
    source_tree = Path(__file__).resolve().parents[3] / "assets" / "corpus"
    for candidate in (packaged, source_tree):
        if candidate.is_dir() and any(candidate.glob("*.txt")):
            return candidate
    raise FileNotFoundError(f"bundled corpus not found in {packaged} or {source_tree}")


def corpus_files(folder: Path) -> list[Path]:
    """Return the capture files (``*.txt``) of a folder, sorted by name."""
    return sorted(folder.glob("*.txt"))


def fingerprint(paths: Iterable[Path]) -> str:
    """Return a SHA-256 hex digest of the captures' names and bytes.

    Used in the index stamp: any change to the corpus triggers a rebuild.
    """
    digest = hashlib.sha256(f"parser={PARSER_VERSION}".encode())
    for path in sorted(paths):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def read_captures(paths: Iterable[Path | str]) -> Iterator[Record]:
    """Read capture files from any paths, as an importer (see ``sources.common``).

    Unlike :func:`load_captures`, duplicates are not merged and the files are
    read in the order given, so this fits the record stream every importer
    yields.

    Args:
        paths: capture files (``.txt``) in either layout, anywhere.

    Yields:
        The :class:`Paper` records of each capture's complete entries in page
        order, sources set to the file name, then one :class:`SourceError`
        ``(path, "line N", reason)`` per problem :func:`read_capture` found (a
        broken tail, bytes that are not UTF-8, a file that follows neither
        layout); for a file that cannot be read, one located ``"file"``. The
        other captures are still read.
    """
    for path in (Path(p) for p in paths):
        try:
            read = read_capture(path)
        except OSError as exc:
            yield SourceError(str(path), "file", f"cannot read: {exc.strerror or exc}")
            continue
        yield from read.papers
        for exc in read.errors:
            yield SourceError(str(path), f"line {exc.line}", exc.reason)
