"""Reading-list export: Markdown, BibTeX, CSV, JSON, CSL-JSON and RIS.

The ``render_*`` functions are pure (bookmarks in, text out); :func:`export`
writes the text atomically (temporary file, then ``os.replace``), so an
existing file is never left half-written. JSON, CSV, CSL-JSON and RIS are read
back by :func:`paperbrowse.core.sources.exported.read_export`, BibTeX by
:mod:`paperbrowse.core.sources.bibtex`; Markdown is for people.

Every format uses the same citation keys (:func:`export_keys`: each paper's
own key, generated ones made unique) and writes dates with only the parts
known (``2020``, ``2020-06``, ``2020-06-13``; never an invented month or day).

One module per format: :mod:`~paperbrowse.core.export.markdown`,
:mod:`~paperbrowse.core.export.bibtex`, :mod:`~paperbrowse.core.export.csvfile`,
:mod:`~paperbrowse.core.export.jsonfile`, :mod:`~paperbrowse.core.export.csljson`,
:mod:`~paperbrowse.core.export.ris`; what they share (citation keys, paperbrowse's
own data) is in :mod:`~paperbrowse.core.export.common`. This package re-exports
their public names, and holds the format registry (:data:`FORMATS`,
:func:`normalise_format`, :func:`format_for_path`) and :func:`render` / :func:`export`.
To add a format: a module with a ``render_<format>(bookmarks) -> str``, an entry
in :data:`FORMATS`, :data:`FORMAT_LABELS` and :data:`RENDERERS`.

*CSL-JSON* (:func:`render_csljson`) follows the CSL 1.0.2 data schema
(https://github.com/citation-style-language/schema/blob/master/schemas/input/csl-data.json;
variables: https://docs.citationstyles.org/en/stable/specification.html#appendix-iv-variables).
*RIS* (:func:`render_ris`) follows the RIS format of Research Information
Systems (tag, two spaces, ``-``, space, value; ``TY`` opens and ``ER`` closes
a record), with the tag meanings Zotero, EndNote and rispy use.

What each format carries: JSON everything (:meth:`Paper.to_dict` plus the
bookmark); CSL-JSON and RIS the bibliographic record in their own
variables/tags plus, where citation styles do not print it, paperbrowse's own
data (:func:`private_data`: paper id, organisation, upvotes, author count,
entry type, reading status, lists, extra BibTeX fields) so that a re-import
gives back every field; CSV every field, names as display strings. A paper
without author names (only an organisation, or only a count of authors) has
no author in any citation format: styles then lead with the title.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from paperbrowse.core.atomic import write_text_atomic
from paperbrowse.core.export.bibtex import (
    bibtex_fields,
    bibtex_name,
    bibtex_names,
    bibtex_text,
    bibtex_title,
    render_bibtex,
    render_bibtex_entry,
)
from paperbrowse.core.export.common import PRIVATE_VERSION, export_keys, private_data
from paperbrowse.core.export.csljson import (
    CSL_TYPES,
    csl_item,
    csl_name,
    csl_type,
    for_citeproc,
    render_csljson,
)
from paperbrowse.core.export.csvfile import CSV_COLUMNS, render_csv
from paperbrowse.core.export.jsonfile import render_json
from paperbrowse.core.export.markdown import render_markdown
from paperbrowse.core.export.ris import (
    RIS_PRIVATE_PREFIX,
    RIS_TYPES,
    read_ris_name,
    render_ris,
    ris_date,
    ris_name,
    ris_record,
    ris_type,
    split_pages,
)
from paperbrowse.core.library import Bookmark

__all__ = [
    "CSL_TYPES",
    "CSV_COLUMNS",
    "FORMATS",
    "FORMAT_LABELS",
    "PRIVATE_VERSION",
    "RENDERERS",
    "RIS_PRIVATE_PREFIX",
    "RIS_TYPES",
    "bibtex_fields",
    "bibtex_name",
    "bibtex_names",
    "bibtex_text",
    "bibtex_title",
    "csl_item",
    "csl_name",
    "csl_type",
    "export",
    "export_keys",
    "for_citeproc",
    "format_for_path",
    "normalise_format",
    "private_data",
    "read_ris_name",
    "render",
    "render_bibtex",
    "render_bibtex_entry",
    "render_csljson",
    "render_csv",
    "render_json",
    "render_markdown",
    "render_ris",
    "ris_date",
    "ris_name",
    "ris_record",
    "ris_type",
    "split_pages",
]

#: Format name -> the file extension it is written with.
FORMATS: dict[str, str] = {
    "md": ".md",
    "bibtex": ".bib",
    "csv": ".csv",
    "json": ".json",
    "csljson": ".csl.json",
    "ris": ".ris",
}
#: Format name -> a label for people (menus, dialogs).
FORMAT_LABELS: dict[str, str] = {
    "md": "Markdown",
    "bibtex": "BibTeX",
    "csv": "CSV",
    "json": "JSON",
    "csljson": "CSL-JSON",
    "ris": "RIS",
}
_ALIASES = {
    "markdown": "md",
    "bib": "bibtex",
    "csl": "csljson",
    "csl-json": "csljson",
    "csl_json": "csljson",
}


def normalise_format(name: str) -> str:
    """Return the canonical format name: a key of :data:`FORMATS`.

    Aliases: ``markdown`` (md), ``bib`` (bibtex), ``csl``, ``csl-json`` (csljson);
    case is ignored.

    Raises:
        ValueError: unknown format; the message lists the known ones.
    """
    key = _ALIASES.get(name.lower(), name.lower())
    if key not in FORMATS:
        raise ValueError(f"unknown export format {name!r}; choose one of {', '.join(FORMATS)}")
    return key


def format_for_path(path: Path | str) -> str | None:
    """Guess the format from a file name, or ``None``.

    ``.bib`` → bibtex, ``.csv``, ``.ris``, ``.md``/``.markdown`` → md;
    ``.csl.json`` (and ``.csljson``) → csljson, any other ``.json`` → json
    (paperbrowse's own JSON).
    """
    name = Path(path).name.lower()
    if name.endswith((".csl.json", ".csljson")):
        return "csljson"
    if name.endswith(".markdown"):
        return "md"
    suffix = Path(name).suffix
    for fmt, ext in FORMATS.items():
        if suffix == ext:
            return fmt
    return None


RENDERERS = {
    "md": render_markdown,
    "bibtex": render_bibtex,
    "csv": render_csv,
    "json": render_json,
    "csljson": render_csljson,
    "ris": render_ris,
}


def render(bookmarks: Sequence[Bookmark], fmt: str) -> str:
    """Render ``bookmarks`` in format ``fmt`` (see :func:`normalise_format`).

    Raises:
        ValueError: unknown format.
    """
    return RENDERERS[normalise_format(fmt)](bookmarks)


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
