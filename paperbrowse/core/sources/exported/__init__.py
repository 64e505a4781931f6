"""Re-import paperbrowse's own exports: JSON, CSV, CSL-JSON and RIS.

What :mod:`paperbrowse.core.export` writes in these formats reads back to the
same papers, every field of :class:`Paper` (but ``sources``, which names the
file read): tested as library → export → import and import → export → import
in ``tests/unit/test_roundtrip.py``. CSV holds names as display strings, so
their split into :class:`Name` parts is made again by :meth:`Name.parse`.
Dates keep their known parts (``date_parts``): a year-only date stays a year.
Files from other tools in these formats are read too, as far as they use the
same fields.

Not read here: BibTeX (use :func:`paperbrowse.core.sources.bibtex.read_bibtex`)
and Markdown, which is written for people. Bookmark data in the exports
(tags, status, the user's note, lists, time added) is not part of a
:class:`Paper` and is not returned.

Formats (see :mod:`paperbrowse.core.export` for how they are written):

* ``json``: paperbrowse's JSON, ``{"papers": [Paper.to_dict(), ...]}`` (a
  bare array of such objects is accepted too), read by
  :meth:`Paper.from_dict`; in files from before ``user_note``, ``note`` was
  the user's note and is skipped. Location of a bad item: ``"item N"``
  (1-based); a file that is not JSON: ``"line L, column C"``.
* ``csv``: RFC 4180 with a header row naming
  :data:`~paperbrowse.core.export.CSV_COLUMNS` (only ``title`` is required);
  authors, editors and categories separated by ``;``. Location: ``"line N"``,
  the line the row starts on.
* ``csljson``: a CSL-JSON array (CSL 1.0.2 data schema,
  https://github.com/citation-style-language/schema/blob/master/schemas/input/csl-data.json).
  Names from their parts (``dropping-particle`` and ``non-dropping-particle``
  both become :attr:`Name.particle`) or ``literal``; ``issued`` from
  ``date-parts`` (as many parts as given), an EDTF/ISO string, ``raw`` or
  ``literal``; ``container-title``, ``volume``, ``issue``/``number``,
  ``page``, ``edition``, ``collection-title``, ``publisher``,
  ``publisher-place``, ``ISBN``, ``ISSN``, ``note``. In paperbrowse's files
  (``custom`` has ``paperbrowse-id``) the rest comes from ``custom`` (see
  :func:`paperbrowse.core.export.private_data`), and variables it lists as
  ``synthesised`` (a preprint's ``publisher`` "arXiv", a thesis's ``genre``)
  are skipped; a synthesised ``URL`` (an arXiv paper's abstract page, where
  it is cited) gives way to the ``url`` in ``custom`` ``fields``, if any.
  In other files the type gives the entry type (``article-journal`` →
  ``article``, ``thesis`` → ``phdthesis`` or, with a genre naming a
  master's, ``mastersthesis`` …) and a report's or thesis's publisher is its
  institution. Location: ``"item N (id)"``.
* ``ris``: RIS records (``TY  - `` … ``ER  - ``); lines without a tag continue
  the previous value. ``TI``/``T1`` title, ``AU``/``A1`` authors and
  ``A2``/``ED`` editors (:func:`~paperbrowse.core.export.read_ris_name`),
  ``DA`` (``YYYY/MM/DD/``, parts may be empty) then ``PY``/``Y1``;
  ``JO``/``JF``/``JA``/``T2`` container, ``T3`` series, ``VL``, ``IS``,
  ``SP``–``EP`` pages, ``ET``, ``PB``, ``CY``, ``SN``, ``AB``/``N2``, ``DO``,
  ``UR``, ``AN`` arXiv id (``arXiv:ID``), ``ID`` the citation key; a ``C8``
  line ``paperbrowse {json}`` gives the private data as in CSL-JSON. Files
  exported by paperbrowse before it (``ID`` a paperbrowse id, the
  organisation in ``AD``) are read as they were meant; in other files ``AD``
  is an address and is not read. Location: ``"line N"``.

In files not written by paperbrowse, the arXiv id is also taken from an
arxiv.org ``URL``/``UR`` or an arXiv DOI (``10.48550/arXiv.ID``); paperbrowse's
own files carry it explicitly, so a paper with an arXiv link but no arXiv id
comes back as it was. DOIs lose a ``doi:`` or resolver prefix but keep their
case, so they round-trip. A key-like ``id``/``ID`` of another tool's file
(``smith2019``, not a number or a URL) becomes the citation key.

A paper id not carried by the file is made with
:func:`~paperbrowse.core.models.paper_id_for` from the title and arXiv id.
Every record is a :class:`Paper` or a
:class:`~paperbrowse.core.sources.common.SourceError`; one bad record never
stops the others.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from paperbrowse.core.export import format_for_path, normalise_format
from paperbrowse.core.sources.common import Record, SourceUnavailable
from paperbrowse.core.sources.exported.csljson import parse_csljson
from paperbrowse.core.sources.exported.csvfile import parse_csv_export
from paperbrowse.core.sources.exported.jsonfile import parse_json_export
from paperbrowse.core.sources.exported.ris import parse_ris

#: Formats :func:`read_export` reads.
READABLE_FORMATS = ("json", "csv", "csljson", "ris")

_PARSERS: dict[str, Callable[[str, str], Iterator[Record]]] = {
    "json": parse_json_export,
    "csv": parse_csv_export,
    "csljson": parse_csljson,
    "ris": parse_ris,
}


def read_export(path: Path | str, fmt: str | None = None) -> Iterator[Record]:
    """Read a file exported by paperbrowse (or another tool) in JSON, CSV, CSL-JSON or RIS.

    The file is read at once (UTF-8, with or without a byte-order mark) when
    this is called, so an unreadable file raises here, not while iterating.

    Args:
        path: the file.
        fmt: ``json``, ``csv``, ``csljson`` (aliases ``csl``, ``csl-json``) or
            ``ris``; by default from the file name as
            :func:`paperbrowse.core.export.format_for_path` reads it
            (``.csl.json`` is CSL-JSON, any other ``.json`` paperbrowse JSON).

    Returns:
        An iterator of records, :class:`Paper` or SourceError, in file order;
        ``Paper.sources`` and ``SourceError.source`` are the file name.

    Raises:
        ValueError: the format is unknown, cannot be guessed, or is one not
            read here (BibTeX: use ``read_bibtex``; Markdown is not re-imported).
        SourceUnavailable: the file is missing, unreadable or not UTF-8; the
            message names the path.
    """
    path = Path(path)
    name = normalise_format(fmt) if fmt else format_for_path(path)
    if name is None:
        raise ValueError(
            f"cannot tell the format of {path.name}; choose one of {', '.join(READABLE_FORMATS)}"
        )
    if name == "bibtex":
        raise ValueError("read BibTeX with paperbrowse.core.sources.bibtex.read_bibtex")
    if name not in _PARSERS:
        raise ValueError(
            f"{name} exports are for people and are not re-imported; "
            f"choose one of {', '.join(READABLE_FORMATS)}"
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceUnavailable(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SourceUnavailable(
            f"{path} is not UTF-8 text (line {line}); save it as UTF-8"
        ) from exc
    return _PARSERS[name](text, path.name)
