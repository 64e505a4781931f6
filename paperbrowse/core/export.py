"""Reading-list export: Markdown, BibTeX, CSV and JSON.

The ``render_*`` functions are pure (bookmarks in, text out); :func:`export`
writes the text atomically (temporary file, then ``os.replace``), so an
existing file is never left half-written.

BibTeX entries follow the BibTeX format as read by bibtexparser and biber:
``@misc`` for preprints, keys ``<first author surname or organisation><year>
<first title word>`` made unique with a letter suffix, values LaTeX-encoded
with pylatexenc (``Matérn`` → ``Mat\\'ern``, ``%`` → ``\\%``).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import secrets
from collections.abc import Sequence
from pathlib import Path

import bibtexparser
from bibtexparser.model import Entry, Field
from pylatexenc.latexencode import unicode_to_latex

from paperbrowse import __version__
from paperbrowse.core.library import Bookmark
from paperbrowse.core.models import normalise_title, papers

FORMATS: dict[str, str] = {"md": ".md", "bibtex": ".bib", "csv": ".csv", "json": ".json"}
_ALIASES = {"markdown": "md", "bib": "bibtex"}
_STOP = {"a", "an", "the", "on", "of", "in", "for", "to", "and", "with", "is", "are", "via", "from"}


def normalise_format(name: str) -> str:
    """Return the canonical format name (``md``, ``bibtex``, ``csv``, ``json``).

    Raises:
        ValueError: unknown format; the message lists the known ones.
    """
    key = _ALIASES.get(name.lower(), name.lower())
    if key not in FORMATS:
        raise ValueError(f"unknown export format {name!r}; choose one of {', '.join(FORMATS)}")
    return key


def format_for_path(path: Path | str) -> str | None:
    """Guess the format from a file extension (``.bib`` → ``bibtex``), or ``None``."""
    suffix = Path(path).suffix.lower()
    for name, ext in FORMATS.items():
        if suffix == ext or (name == "md" and suffix == ".markdown"):
            return name
    return None


def _when(bookmark: Bookmark) -> str:
    return bookmark.paper.published.isoformat() if bookmark.paper.published else ""


def render_markdown(bookmarks: Sequence[Bookmark]) -> str:
    """A Markdown reading list: a heading, then one section per paper."""
    lines = [
        "# Reading list",
        "",
        f"{papers(len(bookmarks))}, exported by paperbrowse {__version__}.",
        "",
    ]
    for number, bm in enumerate(bookmarks, 1):
        p = bm.paper
        lines.append(f"## {number}. {p.title}")
        lines.append("")
        meta = [x for x in (p.byline, _when(bm)) if x]
        if p.upvotes is not None:
            meta.append(f"{p.upvotes} upvotes")
        if p.arxiv_id:
            meta.append(f"arXiv:{p.arxiv_id}")
        if meta:
            lines.append("*" + " · ".join(meta) + "*")
            lines.append("")
        if p.url:
            lines.append(f"<{p.url}>")
            lines.append("")
        if p.abstract:
            lines.append(p.abstract)
            lines.append("")
        lines.append(f"Bookmarked {bm.added_at.date().isoformat()}.")
        lines.append("")
    return "\n".join(lines)


def _key_part(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", normalise_title(text))


def bibtex_key(bookmark: Bookmark) -> str:
    """The base citation key, author-year-word style.

    ``<first author's surname><year><first title word>`` (``grill2020bootstrap``);
    the organisation handle stands in for authors when only it is known; with
    neither, the first two significant title words and the year
    (``lineartime2023``); the year is left out when unknown.
    """
    p = bookmark.paper
    who = ""
    if p.authors:
        first_author = p.authors[0]
        surname = first_author.split(",")[0] if "," in first_author else first_author.split()[-1]
        who = _key_part(surname)
    elif p.org_handle or p.organisation:
        who = _key_part(p.org_handle or p.organisation or "")
    words = [_key_part(w) for w in re.findall(r"[A-Za-z0-9]+", p.title) if w.lower() not in _STOP]
    words = [w for w in words if w] or ["paper"]
    if who:
        return f"{who}{p.year or ''}{words[0]}"
    return f"{''.join(words[:2])}{p.year or ''}"


def _latex(value: str) -> str:
    return unicode_to_latex(value, non_ascii_only=False, replacement_latex_protection="braces")


def render_bibtex(bookmarks: Sequence[Bookmark]) -> str:
    """BibTeX entries, one ``@misc`` per paper, keys unique (``a``, ``b`` … suffixes)."""
    used: set[str] = set()
    entries = []
    for bm in bookmarks:
        p = bm.paper
        base = key = bibtex_key(bm)
        suffix = ord("a")
        while key in used:
            key = f"{base}{chr(suffix)}"
            suffix += 1
        used.add(key)
        fields = [Field("title", "{" + _latex(p.title) + "}")]
        if p.authors:
            fields.append(Field("author", " and ".join(_latex(a) for a in p.authors)))
        elif p.organisation:
            fields.append(Field("author", "{" + _latex(p.organisation) + "}"))
        if p.year:
            fields.append(Field("year", str(p.year)))
        if p.published:
            fields.append(Field("month", p.published.strftime("%b").lower()))
        if p.arxiv_id:
            fields += [Field("eprint", p.arxiv_id), Field("archiveprefix", "arXiv")]
        if p.url:
            fields.append(Field("url", p.url))
        if p.abstract:
            fields.append(Field("abstract", _latex(p.abstract)))
        notes = []
        if p.upvotes is not None:
            notes.append(f"{p.upvotes} upvotes on Hugging Face")
        if notes:
            fields.append(Field("note", _latex("; ".join(notes))))
        entries.append(Entry("misc", key, fields))
    library = bibtexparser.Library(entries)
    return bibtexparser.write_string(library)


CSV_COLUMNS = (
    "id",
    "title",
    "authors",
    "organisation",
    "published",
    "year",
    "upvotes",
    "arxiv_id",
    "url",
    "added_at",
    "abstract",
)


def render_csv(bookmarks: Sequence[Bookmark]) -> str:
    """CSV (RFC 4180, header row) with :data:`CSV_COLUMNS`; authors joined by ``; ``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for bm in bookmarks:
        p = bm.paper
        writer.writerow(
            [
                p.id,
                p.title,
                "; ".join(p.authors),
                p.organisation or "",
                p.published.isoformat() if p.published else "",
                p.year or "",
                "" if p.upvotes is None else p.upvotes,
                p.arxiv_id or "",
                p.url or "",
                bm.added_at.isoformat(),
                p.abstract,
            ]
        )
    return out.getvalue()


def render_json(bookmarks: Sequence[Bookmark]) -> str:
    """JSON: ``{"papers": [Paper.to_dict() + {"added_at": ...}, ...]}``."""
    papers = [bm.paper.to_dict() | {"added_at": bm.added_at.isoformat()} for bm in bookmarks]
    return (
        json.dumps(
            {"exported_by": f"paperbrowse {__version__}", "papers": papers},
            ensure_ascii=False,
            indent=2,
        )
        + "\n"
    )


RENDERERS = {"md": render_markdown, "bibtex": render_bibtex, "csv": render_csv, "json": render_json}


def render(bookmarks: Sequence[Bookmark], fmt: str) -> str:
    """Render ``bookmarks`` in format ``fmt`` (see :func:`normalise_format`)."""
    return RENDERERS[normalise_format(fmt)](bookmarks)


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` through a temporary file in the same folder.

    Raises:
        OSError: the folder does not exist or is not writable; ``path`` is untouched.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def export(bookmarks: Sequence[Bookmark], path: Path | str, fmt: str | None = None) -> Path:
    """Write the reading list to ``path``; the format defaults from its extension, else Markdown.

    Returns:
        The absolute path written.

    Raises:
        ValueError: unknown format.
        OSError: the file cannot be written (nothing is left half-written).
    """
    path = Path(path).expanduser().resolve()
    fmt = normalise_format(fmt) if fmt else (format_for_path(path) or "md")
    write_text_atomic(path, render(bookmarks, fmt))
    return path
