"""Per-document tables of one index state: sort orders, facet values, ranges.

Sorting, filtering, facet counting and numeric ranges over NumPy arrays with
one entry per document number are what keep the newest-first listing, the
filters and the facets fast whatever the corpus size: Whoosh's own sorted and
grouped searches compute a sort key through several column reads per
matching document and ignore ``limit`` when grouping, and its numeric ranges
are unions of many trie terms.

The writer saves the tables next to the index after each commit
(:meth:`Tables.save`, ``tables-<generation>.bin``), so that opening the index
reads arrays instead of decoding every document's columns and sorting them
(about 1.5 s a million papers); an index without the file (the save failed,
or it was damaged) computes them at the first search and saves them then.
"""

from __future__ import annotations

import contextlib
import json
import sys
import zlib
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path

import numpy as np
from whoosh.fields import NUMERIC

from paperbrowse.core.atomic import write_bytes_atomic
from paperbrowse.core.engine import whoosh_compat as wc
from paperbrowse.core.engine.postings import MISSING
from paperbrowse.core.models import Facets

#: Years a facet lists; a year column holds :data:`MISSING` for "no year".
FIRST_YEAR, LAST_YEAR = 1, 9999
#: The numeric columns kept (``year`` is :data:`MISSING` when unknown; the
#: others are 0 when unknown, as the index stores them).
NUMERIC_COLUMNS = ("year", "date", "upvotes")


@dataclass(frozen=True, eq=False)
class Tables:
    """Per-document values of one index state, as ``int32`` NumPy arrays with
    one entry per document number (deleted documents included).

    Attributes:
        key: ``(generation folder, reader generation, documents)`` described.
        year, date, upvotes: the numeric columns (:data:`NUMERIC_COLUMNS`).
        org: organisation code per document (0: none; see ``org_names``).
        org_names: organisation name per code (``org_names[0] == ""``).
        live: mask of the documents not deleted.
        by_date: live document numbers, newest first (then input order).
        by_upvotes: live document numbers, most upvoted first (then newest).
        rank: ``{sort: position in that order, per document number}``.
        cache: figures of the whole index derived once per state (the facet
            counts of the unfiltered listing, term lists, postings).
    """

    key: tuple
    year: np.ndarray
    date: np.ndarray
    upvotes: np.ndarray
    org: np.ndarray
    org_names: tuple[str, ...]
    by_date: np.ndarray
    by_upvotes: np.ndarray
    rank: dict
    live: np.ndarray
    cache: dict = dataclass_field(default_factory=dict)

    #: First line of a saved tables file; the format's version is in it.
    MAGIC = b"paperbrowse tables 2\n"
    _ARRAYS = (
        "year",
        "date",
        "upvotes",
        "org",
        "by_date",
        "by_upvotes",
        "rank_date",
        "rank_upvotes",
    )

    @property
    def count(self) -> int:
        """Document numbers described (deleted documents included)."""
        return len(self.year)

    @property
    def columns(self) -> dict[str, np.ndarray]:
        """The numeric columns by field name, for range queries."""
        return {"year": self.year, "date": self.date, "upvotes": self.upvotes}

    def org_code(self, name: str) -> int | None:
        """The code of organisation ``name``, or ``None`` if no paper has it."""
        codes = self.cache.get("org_codes")
        if codes is None:
            codes = self.cache["org_codes"] = {n: c for c, n in enumerate(self.org_names) if c}
        return codes.get(name)

    def order(self, sort: str) -> np.ndarray:
        return self.by_date if sort == "date" else self.by_upvotes

    @classmethod
    def read(cls, key: tuple, reader) -> Tables:
        """Compute the tables of ``reader``'s state from Whoosh's columns."""
        count = reader.doc_count_all()
        columns = {
            name: np.asarray(_column(reader, name, MISSING if name == "year" else 0), np.int64)
            for name in (*NUMERIC_COLUMNS, "pos")
        }
        names = [_text(o) for o in _column(reader, "org", b"")]
        org_names = ("", *sorted({o for o in names if o}))
        code = {n: c for c, n in enumerate(org_names)}
        org = np.fromiter((code[o] for o in names), dtype=np.int32, count=count)
        live = np.ones(count, dtype=bool)
        for leaf, base in reader.leaf_readers():
            if leaf.has_deletions():
                live[[base + d for d in leaf.deleted_docs_set]] = False
        docs = np.flatnonzero(live)
        # newest first, then input order; most upvoted, then that order
        by_date = docs[np.lexsort((columns["pos"][docs], -columns["date"][docs]))]
        by_upvotes = by_date[np.argsort(-columns["upvotes"][by_date], kind="stable")]
        year, date, upvotes = (columns[n].astype(np.int32) for n in NUMERIC_COLUMNS)
        by_date, by_upvotes = by_date.astype(np.int32), by_upvotes.astype(np.int32)
        rank = {"date": _rank(by_date, count), "upvotes": _rank(by_upvotes, count)}
        return cls(key, year, date, upvotes, org, org_names, by_date, by_upvotes, rank, live)

    def facets(self) -> Facets:
        """The facet counts of the whole index (every live paper)."""
        cached = self.cache.get("facets")
        if cached is None:
            cached = self.cache["facets"] = self.count_facets(self.live, self.live)
        return cached

    def count_facets(self, year_pool: np.ndarray, org_pool: np.ndarray) -> Facets:
        """Papers per year over the mask ``year_pool``, per organisation over
        the mask ``org_pool`` (both within :attr:`live`).

        A pool holding most of the index is counted as the whole index's
        counts less those of the papers it leaves out (a broad word matches
        most papers: at a million, counting its complement is 4 times less
        work). Papers without a year (bin 0) are :attr:`Facets.undated`."""
        joint = self._joint() if year_pool is org_pool else None
        if joint is not None:  # one count of (year, organisation) pairs
            codes, years = joint
            pairs = self._counts("joint", year_pool, len(years) * len(self.org_names))
            pairs = pairs.reshape(len(years), len(self.org_names))
            by_year = np.zeros(LAST_YEAR + 1, dtype=np.int64)
            by_year[years] = pairs.sum(axis=1)
            by_org = pairs.sum(axis=0)
        else:
            by_year = self._counts("year_bins", year_pool, LAST_YEAR + 1)
            by_org = self._counts("org", org_pool, len(self.org_names))
        undated = int(by_year[0])
        by_year[0] = by_org[0] = 0  # no year, no organisation
        names = self.org_names
        organisations = sorted(
            ((names[c], int(by_org[c])) for c in np.flatnonzero(by_org)),
            key=lambda i: (-i[1], i[0].casefold()),
        )
        return Facets(
            years=tuple((int(y), int(by_year[y])) for y in np.flatnonzero(by_year)),
            organisations=tuple(organisations),
            undated=undated,
        )

    def undated(self) -> np.ndarray:
        """Mask of the documents without a year (the facet's "undated" bucket)."""
        mask = self.cache.get("undated")
        if mask is None:
            mask = self.cache["undated"] = self._year_bins() == 0
        return mask

    #: The most (year, organisation) pairs counted together (:meth:`_joint`).
    JOINT_PAIRS = 1 << 20

    def _joint(self) -> tuple[np.ndarray, np.ndarray] | None:
        """``(code, years)``: per document, ``years.index(year bin) ×
        organisations + organisation code`` (``int32``), ``years`` being the
        year bins that occur, ascending; so that one ``bincount`` counts both
        facets of a pool. ``None`` when the pairs would be more than
        :data:`JOINT_PAIRS`. Computed once per state."""
        if "joint" not in self.cache:
            # np.unique(bins, return_inverse=True) by counting: year bins are
            # small integers, and sorting a million of them took 30-40 ms of
            # the first search with facets at a million papers
            bins = self._year_bins()
            years = np.flatnonzero(np.bincount(bins, minlength=LAST_YEAR + 1))
            rank = np.zeros(LAST_YEAR + 1, dtype=np.int64)
            rank[years] = np.arange(len(years))
            index = rank[bins]
            found = None
            if len(years) * len(self.org_names) <= self.JOINT_PAIRS:
                code = index.astype(np.int32) * np.int32(len(self.org_names)) + self.org
                found = (code, years)
            self.cache["joint"] = found
        return self.cache["joint"]

    def _counts(self, name: str, pool: np.ndarray, bins: int) -> np.ndarray:
        """``bincount`` of column ``name`` (``year_bins``: the year, 0 when
        unknown; ``org``; ``joint``: :meth:`_joint`'s code) over the mask ``pool``."""
        if name == "joint":
            values = self._joint()[0]
        else:
            values = self._year_bins() if name == "year_bins" else self.org
        if np.count_nonzero(pool) * 2 <= len(self.by_date):
            return np.bincount(values[pool], minlength=bins)
        whole = self.cache.get(("counts", name))
        if whole is None:
            whole = self.cache[("counts", name)] = np.bincount(values[self.live], minlength=bins)
        return whole - np.bincount(values[self.live & ~pool], minlength=bins)

    def _year_bins(self) -> np.ndarray:
        """The year of each document, 0 when unknown (or out of range)."""
        bins = self.cache.get("year_bins")
        if bins is None:
            year = self.year
            bins = np.where((year >= FIRST_YEAR) & (year <= LAST_YEAR), year, 0)
            bins = self.cache["year_bins"] = bins.astype(np.int32)
        return bins

    def first_in_order(self, sort: str, chosen: np.ndarray, total: int, wanted: int) -> np.ndarray:
        """The first ``wanted`` documents of the mask ``chosen`` (``total`` of
        them) in the ``sort`` order (``date`` or ``upvotes``).

        A large set is found by scanning the order a slice at a time (the
        first slice usually holds enough); a small one is ranked directly (the
        ``wanted`` smallest positions), so both cost little whatever the
        corpus size.
        """
        wanted = min(wanted, total)
        if wanted <= 0:
            return np.zeros(0, dtype=np.int32)
        order = self.order(sort)
        if total * 16 >= len(order):
            # expected slice length to find ``wanted``, with room to spare
            step = max(4096, 2 * wanted * len(order) // max(total, 1))
            found, have = [], 0
            for start in range(0, len(order), step):
                part = order[start : start + step]
                part = part[chosen[part]]
                found.append(part)
                have += len(part)
                if have >= wanted:
                    break
            return np.concatenate(found)[:wanted]
        docs = np.flatnonzero(chosen)
        ranks = self.rank[sort][docs]
        if len(docs) > wanted:
            keep = np.argpartition(ranks, wanted - 1)[:wanted]
            docs, ranks = docs[keep], ranks[keep]
        return docs[np.argsort(ranks, kind="stable")]

    @staticmethod
    def path(folder: Path, generation: int) -> Path:
        return folder / f"tables-{generation}.bin"

    def save(self, folder: Path) -> None:
        """Write the tables to ``folder`` (the generation's Whoosh folder),
        atomically, and remove the files of older generations there.

        The file: :attr:`MAGIC`, one line of JSON (generation, documents,
        array lengths, CRC-32 of the arrays, organisation names, the whole
        index's facet counts), then the arrays of :attr:`_ARRAYS` as native
        ``int32``.

        Raises:
            OSError: the file cannot be written (the index itself is unaffected).
        """
        _, generation, count = self.key
        arrays = [self._array(name) for name in self._ARRAYS]
        body = [np.ascontiguousarray(a, dtype=np.int32).tobytes() for a in arrays]
        checksum = 0
        for part in body:
            checksum = zlib.crc32(part, checksum)
        facets = self.facets()
        header = {
            "generation": generation,
            "crc32": checksum,
            "docs": count,
            "live": len(self.by_date),
            "byteorder": sys.byteorder,
            "lengths": [len(a) for a in arrays],
            "orgs": list(self.org_names[1:]),
            "facets": {
                "years": facets.years,
                "organisations": facets.organisations,
                "undated": facets.undated,
            },
        }
        head = json.dumps(header, ensure_ascii=False).encode("utf-8") + b"\n"
        write_bytes_atomic(self.path(folder, generation), [self.MAGIC, head, *body])
        for other in folder.glob("tables-*.bin"):
            stem = other.stem.removeprefix("tables-")
            if stem.isdigit() and int(stem) < generation:
                other.unlink(missing_ok=True)

    def _array(self, name: str) -> np.ndarray:
        if name.startswith("rank_"):
            return self.rank[name.removeprefix("rank_")]
        return getattr(self, name)

    @classmethod
    def load(cls, key: tuple, folder: Path) -> Tables | None:
        """The tables saved for ``key`` in ``folder``; ``None`` if there are
        none, or the file does not describe exactly that index state (or is
        truncated or damaged: its CRC-32 differs)."""
        _, generation, count = key
        try:
            data = cls.path(folder, generation).read_bytes()
            if not data.startswith(cls.MAGIC):
                return None
            end = data.index(b"\n", len(cls.MAGIC))
            header = json.loads(data[len(cls.MAGIC) : end])
            if (
                header["generation"] != generation
                or header["docs"] != count
                or header["byteorder"] != sys.byteorder
            ):
                return None
            if zlib.crc32(memoryview(data)[end + 1 :]) != header["crc32"]:
                return None  # damaged
            arrays, offset = {}, end + 1
            for name, length in zip(cls._ARRAYS, header["lengths"], strict=True):
                if offset + 4 * length > len(data):
                    return None  # truncated
                arrays[name] = np.frombuffer(data, dtype=np.int32, count=length, offset=offset)
                offset += 4 * length
            live = np.zeros(count, dtype=bool)
            live[arrays["by_date"]] = True
            if len(arrays["by_date"]) != header["live"] or len(arrays["year"]) != count:
                return None
            facets = header["facets"]
        except (OSError, ValueError, KeyError, TypeError, IndexError):
            return None
        tables = cls(
            key,
            arrays["year"],
            arrays["date"],
            arrays["upvotes"],
            arrays["org"],
            ("", *header["orgs"]),
            arrays["by_date"],
            arrays["by_upvotes"],
            {"date": arrays["rank_date"], "upvotes": arrays["rank_upvotes"]},
            live,
        )
        # a file saved before the undated count: facets() counts them all again
        if "undated" in facets:
            tables.cache["facets"] = Facets(
                years=tuple((y, n) for y, n in facets["years"]),
                organisations=tuple((o, n) for o, n in facets["organisations"]),
                undated=facets["undated"],
            )
        return tables


def _rank(order: np.ndarray, count: int) -> np.ndarray:
    """Position of each document number in ``order`` (0 for documents not in it)."""
    rank = np.zeros(count, dtype=np.int32)
    rank[order] = np.arange(len(order), dtype=np.int32)
    return rank


def save_tables(ix, folder: Path) -> None:
    """After a commit: compute and save the tables of the index's new state
    (best effort: without them the first search computes them)."""
    with ix.reader() as reader:
        key = (str(folder), reader.generation(), reader.doc_count_all())
        tables = Tables.read(key, reader)
    with contextlib.suppress(OSError):
        tables.save(folder)


def _column(reader, name: str, default) -> list:
    """The values of column ``name`` for every document number of ``reader``.

    Read segment by segment: a segment written without any value for the
    field (imported papers with no organisation) has no column file, and
    Whoosh's multi-segment column reader then comes up short.
    """
    values: list = []
    for leaf, _base in reader.leaf_readers():
        count = leaf.doc_count_all()
        if leaf.has_column(name):
            got = _numbers(leaf, name)
            if got is None:
                got = list(leaf.column_reader(name))
            values.extend(got[:count])
            values.extend([default] * (count - len(got)))
        else:
            values.extend([default] * count)
    return values


def _numbers(leaf, name: str) -> list | None:
    """A NUMERIC integer column of one segment decoded in bulk: its values
    are Whoosh's "sortable" integers, big-endian, one fixed-size slot per
    document up to the last one with a value. ``None`` for any other column
    (read value by value instead); Whoosh's reader costs several Python calls
    per document, about 20 s a million papers for the four sort columns."""
    fieldobj = leaf.schema[name]
    if not isinstance(fieldobj, NUMERIC) or fieldobj.numtype is not int or fieldobj.decimal_places:
        return None
    raw = leaf.column_reader(name, translate=False)
    parts = wc.numeric_column_parts(raw)
    if parts is None:  # not Whoosh 2.7's NumericColumn.Reader (logged once)
        return None
    dbfile, base, stored, typecode, default = parts
    kind = np.dtype(typecode).newbyteorder(">")
    numbers = np.frombuffer(dbfile.get(base, stored * kind.itemsize), dtype=kind).astype(np.int64)
    shift = (1 << (fieldobj.bits - 1)) if fieldobj.signed else 0
    values = (numbers - shift).tolist()
    values.extend([default - shift] * (leaf.doc_count_all() - stored))
    return values


def _text(value: object) -> str:
    """A facet key as text (Whoosh gives ``bytes`` for some column types)."""
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)
