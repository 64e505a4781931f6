"""The paper record (:class:`Paper`), its stable id, and how two records of one work merge."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from typing import Any

from paperbrowse.core.models.dates import DAY, MONTH, YEAR, parse_partial_date
from paperbrowse.core.models.names import Name

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


@lru_cache(maxsize=4096)  # an import asks for the same title several times in a row
def normalise_title(title: str) -> str:
    """Return the duplicate-detection key of a title.

    Case, accents, punctuation and white space are ignored, so
    ``"Bootstrap your own latent: A new approach"`` and
    ``"Bootstrap Your Own Latent — a new approach"`` give the same key.

    Args:
        title: the title as displayed (already LaTeX-decoded).

    Returns:
        A lower-case string of letters and digits only.
    """
    if title.isascii():  # NFKD leaves ASCII as it is, and casefold is lower
        return _NON_WORD.sub("", title.lower())
    decomposed = unicodedata.normalize("NFKD", title)
    no_accents = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub("", no_accents.casefold())


#: The bibliographic string fields of :class:`Paper`, in export order (BibTeX
#: field semantics; see :class:`Paper`).
BIB_FIELDS: tuple[str, ...] = (
    "container",
    "volume",
    "number",
    "pages",
    "edition",
    "series",
    "publisher",
    "institution",
    "address",
    "isbn",
    "issn",
    "howpublished",
    "note",
    "journal_ref",
    "comment",
)


def papers(count: int) -> str:
    """``"1 paper"``, ``"2 papers"``: a count of papers in words."""
    return f"{count} paper" if count == 1 else f"{count} papers"


def paper_id_for(title: str, arxiv_id: str | None = None) -> str:
    """Return the stable id of a paper.

    Papers with an arXiv id are ``arxiv:<id>``; others are keyed by a hash of
    their normalised title (``pb:<12 hex digits>``), so the id survives index
    rebuilds and bookmarks keep pointing at the same paper.
    """
    if arxiv_id:
        return f"arxiv:{arxiv_id}"
    digest = hashlib.sha1(normalise_title(title).encode("utf-8")).hexdigest()
    return f"pb:{digest[:12]}"


@dataclass(frozen=True, slots=True)
class Paper:
    """One research paper, with the bibliographic record a reference manager keeps.

    Attributes:
        id: stable identifier, see :func:`paper_id_for`.
        title: title in Unicode (LaTeX fragments already decoded).
        abstract: abstract in Unicode; may be empty.
        authors: author names in order, display form (``Given von Family Jr``);
            empty when the source lists only a count.
        author_count: number of authors when known (the daily-papers layout
            gives ``• N authors`` without names), else ``None``. A list of
            :attr:`authors` is *complete* when this equals its length (a
            BibTeX ``and others`` list leaves it ``None``).
        organisation: display name of the submitting organisation, if any
            (Hugging Face's; paperbrowse data, not a bibliographic field).
        org_handle: the organisation's Hugging Face handle, if any.
        published: publication or listing date, if known; only its first
            :attr:`date_parts` parts are known (a year-only date is stored as
            1 January of that year for sorting, and never shown or exported
            with a month or day).
        upvotes: Hugging Face upvotes, if the source shows them.
        arxiv_id: arXiv identifier such as ``2006.07733`` (no version), if known.
        sources: names of the inputs the paper was read from (capture file
            names), in the order they were read.
        url: a link to the paper's page, if known.
        doi: Digital Object Identifier such as ``10.1103/PhysRevB.74.064411``.
        categories: subject categories, primary first (arXiv's ``cs.LG``...).
        names: :attr:`authors` split into :class:`Name` parts, when the source
            gave them split (BibTeX, CSL-JSON, RIS, the arXiv snapshot's
            ``authors_parsed``); empty otherwise (see :attr:`author_names`).
            When set, ``tuple(map(str, names)) == authors``.
        date_parts: how many parts of :attr:`published` are known:
            :data:`YEAR` (1), :data:`MONTH` (2) or :data:`DAY` (3).
        entry_type: the BibTeX entry type in lower case (``article``,
            ``inproceedings``, ``book``, ``techreport`` …, biblatex's too), or
            ``None`` when the source gave none (exports then choose, see
            :mod:`paperbrowse.core.export`).
        citation_key: the BibTeX citation key the source gave, or the one the
            library assigned; ``None`` when neither is known yet.
        editors: editors in order.
        container: the title of what the paper appeared in: BibTeX ``journal``
            (biblatex ``journaltitle``) or ``booktitle``; CSL ``container-title``.
        volume, number, pages, edition, series, publisher, institution,
            address, isbn, issn, howpublished, note: the BibTeX fields of those
            names, as text (``pages`` with an en dash, ``12426–12437``;
            ``institution`` is BibTeX's ``school`` for theses).
        journal_ref, comment: arXiv's journal reference and author comment.
        extra: BibTeX fields paperbrowse does not model, as ``(name, value)``
            pairs in the order read, the value verbatim (LaTeX as written), so
            that an export writes them back unchanged.
        latex: the source's own LaTeX of modelled BibTeX fields, ``(field,
            value)`` (``("title", "{L}o{RA}: Low-Rank …")``), kept where it
            says more than the decoded text (brace-protected capitals, a
            macro); a BibTeX export writes it back while the decoded value is
            unchanged, so a .bib comes back as it was written.
    """

    id: str
    title: str
    abstract: str = ""
    authors: tuple[str, ...] = ()
    author_count: int | None = None
    organisation: str | None = None
    org_handle: str | None = None
    published: date | None = None
    upvotes: int | None = None
    arxiv_id: str | None = None
    sources: tuple[str, ...] = ()
    url: str | None = None
    doi: str | None = None
    categories: tuple[str, ...] = ()
    names: tuple[Name, ...] = ()
    date_parts: int = DAY
    entry_type: str | None = None
    citation_key: str | None = None
    editors: tuple[Name, ...] = ()
    container: str | None = None
    volume: str | None = None
    number: str | None = None
    pages: str | None = None
    edition: str | None = None
    series: str | None = None
    publisher: str | None = None
    institution: str | None = None
    address: str | None = None
    isbn: str | None = None
    issn: str | None = None
    howpublished: str | None = None
    note: str | None = None
    journal_ref: str | None = None
    comment: str | None = None
    extra: tuple[tuple[str, str], ...] = ()
    latex: tuple[tuple[str, str], ...] = ()

    @property
    def year(self) -> int | None:
        """Year of :attr:`published`, or ``None``."""
        return self.published.year if self.published else None

    @property
    def month(self) -> int | None:
        """Month of :attr:`published` when known (1–12), else ``None``."""
        return self.published.month if self.published and self.date_parts >= MONTH else None

    @property
    def day(self) -> int | None:
        """Day of :attr:`published` when known, else ``None``."""
        return self.published.day if self.published and self.date_parts >= DAY else None

    @property
    def date_list(self) -> list[int]:
        """The known date parts, ``[2020]``, ``[2020, 6]`` or ``[2020, 6, 13]``; ``[]`` if none.

        The shape of CSL's ``date-parts`` (CSL 1.0.2).
        """
        if not self.published:
            return []
        parts = [self.published.year, self.published.month, self.published.day]
        return parts[: max(YEAR, min(DAY, self.date_parts))]

    @property
    def date_iso(self) -> str:
        """The known date (ISO 8601): ``2020``, ``2020-06``, ``2020-06-13``; or ``""``."""
        parts = self.date_list
        if not parts:
            return ""
        return "-".join([f"{parts[0]:04d}"] + [f"{x:02d}" for x in parts[1:]])

    @property
    def date_text(self) -> str:
        """The known date for people: ``2020``, ``Jun 2020``, ``13 Jun 2020``; ``""`` if none."""
        if not self.published:
            return ""
        fmt = {YEAR: "%Y", MONTH: "%b %Y"}.get(self.date_parts, "%d %b %Y")
        return self.published.strftime(fmt)

    @property
    def author_names(self) -> tuple[Name, ...]:
        """:attr:`names`, else :attr:`authors` split by :meth:`Name.parse`."""
        if self.names and len(self.names) == len(self.authors):
            return self.names
        return tuple(Name.parse(a) for a in self.authors)

    @property
    def authors_complete(self) -> bool:
        """True when :attr:`authors` is the whole list (not ``and others``, not just a count)."""
        return bool(self.authors) and self.author_count == len(self.authors)

    @property
    def venue(self) -> str:
        """Where it appeared, for people: the container (else journal_ref), volume,
        number and pages, such as ``Phys. Rev. B 74(2), 024520``; ``""`` if unknown."""
        head = self.container or self.journal_ref or ""
        if not self.container:
            return head
        issue = (self.volume or "") + (f"({self.number})" if self.number else "")
        tail = ", ".join(x for x in (issue, self.pages) if x)
        return " ".join(x for x in (head, tail) if x)

    @property
    def byline(self) -> str:
        """A short "who" line: authors, else organisation, else author count."""
        if self.authors:
            if len(self.authors) <= 3:
                return ", ".join(self.authors)
            return f"{self.authors[0]} et al."
        if self.organisation:
            return self.organisation
        if self.author_count:
            noun = "author" if self.author_count == 1 else "authors"
            return f"{self.author_count} {noun}"
        return ""

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (tuples as lists).

        ``published`` is the known date in ISO 8601 / EDTF level 0 (``2020``,
        ``2020-06``, ``2020-06-13``); bibliographic fields are written only
        when set, so the record of a paper without them stays small.
        """
        data: dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            "abstract": self.abstract,
            "authors": list(self.authors),
            "author_count": self.author_count,
            "organisation": self.organisation,
            "org_handle": self.org_handle,
            "published": self.date_iso or None,
            "year": self.year,
            "upvotes": self.upvotes,
            "arxiv_id": self.arxiv_id,
            "sources": list(self.sources),
            "url": self.url,
            "doi": self.doi,
            "categories": list(self.categories),
        }
        if self.names:
            data["names"] = [n.to_dict() for n in self.names]
        if self.editors:
            data["editors"] = [n.to_dict() for n in self.editors]
        for name in ("entry_type", "citation_key", *BIB_FIELDS):
            value = getattr(self, name)
            if value is not None:
                data[name] = value
        if self.extra:
            data["extra"] = [list(pair) for pair in self.extra]
        if self.latex:
            data["latex"] = [list(pair) for pair in self.latex]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Paper:
        """Inverse of :meth:`to_dict`; unknown keys are ignored.

        Raises:
            KeyError: if ``id`` or ``title`` is missing.
            ValueError: if ``published`` is not an ISO 8601 date (``YYYY``,
                ``YYYY-MM`` or ``YYYY-MM-DD``).
        """
        published, date_parts = parse_partial_date(data.get("published"))
        names = tuple(Name.from_dict(n) for n in data.get("names") or ())
        authors = tuple(data.get("authors") or ())
        return cls(
            id=data["id"],
            title=data["title"],
            abstract=data.get("abstract") or "",
            authors=authors,
            author_count=data.get("author_count"),
            organisation=data.get("organisation"),
            org_handle=data.get("org_handle"),
            published=published,
            upvotes=data.get("upvotes"),
            arxiv_id=data.get("arxiv_id"),
            sources=tuple(data.get("sources") or ()),
            url=data.get("url"),
            doi=data.get("doi"),
            categories=tuple(data.get("categories") or ()),
            names=names if len(names) == len(authors) else (),
            date_parts=date_parts,
            editors=tuple(Name.from_dict(n) for n in data.get("editors") or ()),
            extra=tuple((str(k), str(v)) for k, v in data.get("extra") or ()),
            latex=tuple((str(k), str(v)) for k, v in data.get("latex") or ()),
            **{
                name: str(data[name])
                for name in ("entry_type", "citation_key", *BIB_FIELDS)
                if data.get(name) is not None
            },
        )

    def merged_with(self, other: Paper) -> Paper:
        """Merge two records of the same paper without losing information.

        * the longer abstract and title win; upvotes take the larger count (a
          later capture has seen more votes); sources are united in order;
        * authors: a complete list beats an incomplete one (``and others``, a
          bare count), then the longer list wins; its split names come with it;
        * the date of the more authoritative record wins (a journal's "Jul
          2006" over the arXiv submission's 2 March 2006); between records of
          equal authority, the date with more known parts;
        * the publication record comes from the more authoritative source
          (:func:`authority`: a published venue over an arXiv preprint): its
          entry type, container, volume, number and pages win, and every
          other field is filled in from the other record where missing;
        * the citation key of ``self`` is kept (a key, once given, never
          changes); BibTeX fields paperbrowse does not model are united by name.
        """
        abstract = self.abstract if len(self.abstract) >= len(other.abstract) else other.abstract
        title = self.title if len(self.title) >= len(other.title) else other.title
        if self.upvotes is None or other.upvotes is None:
            upvotes = self.upvotes if other.upvotes is None else other.upvotes
        else:
            upvotes = max(self.upvotes, other.upvotes)
        sources = tuple(dict.fromkeys(self.sources + other.sources))
        people = max((self, other), key=lambda p: (p.authors_complete, len(p.authors)))
        first, second = (self, other) if authority(self) >= authority(other) else (other, self)
        # a published version's date is the publication date: an arXiv submission
        # date, however precise, does not replace it; between equals, more parts win
        dated = max(
            (first, second),  # on a tie, max keeps the first: the more authoritative
            key=lambda p: (bool(p.published), _venue_dated(p), p.date_parts),
        )
        bib = {
            name: getattr(first, name) or getattr(second, name)
            for name in ("entry_type", *BIB_FIELDS)
        }
        extra = dict(second.extra) | dict(first.extra)
        latex = dict(other.latex) | dict(self.latex)  # an export checks each still applies
        return replace(
            self,
            title=title,
            abstract=abstract,
            authors=people.authors,
            names=people.names,
            author_count=people.author_count or self.author_count or other.author_count,
            organisation=self.organisation or other.organisation,
            org_handle=self.org_handle or other.org_handle,
            published=dated.published,
            date_parts=dated.date_parts,
            upvotes=upvotes,
            arxiv_id=self.arxiv_id or other.arxiv_id,
            sources=sources,
            url=self.url or other.url,
            doi=first.doi or second.doi,
            categories=self.categories or other.categories,
            citation_key=self.citation_key or other.citation_key,
            editors=first.editors or second.editors,
            extra=tuple(extra.items()),
            latex=tuple(latex.items()),
            **bib,
        )


_PREPRINT = re.compile(r"arxiv|preprint|biorxiv|medrxiv|ssrn|openreview", re.IGNORECASE)
#: An arXiv DOI (``10.48550/arXiv.…``): not a journal's.
ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.", re.IGNORECASE)


def journal_doi(doi: str | None) -> bool:
    """True for a DOI other than arXiv's own (``10.48550/arXiv.…``)."""
    return bool(doi) and not ARXIV_DOI.match(doi or "")


def _venue_dated(paper: Paper) -> bool:
    """True when the record's date is a publication's (it names a venue or a type
    other than misc), not an arXiv submission or listing date."""
    return bool(paper.container) or paper.entry_type not in (None, "misc", "online", "unpublished")


def authority(paper: Paper) -> int:
    """How authoritative a record's publication data is (higher wins in a merge).

    2: published (a container that is not a preprint server, or a DOI other
    than arXiv's on an entry that is not ``misc``/``online``/``unpublished``);
    1: a typed entry that is not ``misc``/``online`` or has a journal
    reference; 0: a preprint or a listing.
    """
    if paper.container and not _PREPRINT.search(paper.container):
        return 2
    preprint_type = paper.entry_type in ("misc", "online", "unpublished")
    if journal_doi(paper.doi) and not preprint_type:
        return 2  # a preprint server's DOI (bioRxiv's posted content) is not a venue
    if paper.entry_type not in (None, "misc", "online", "unpublished") or paper.journal_ref:
        return 1
    return 0


def same_work(a: Paper, b: Paper, matched_on: str = "title_key") -> bool:
    """True unless identifiers of ``a`` and ``b`` contradict a match on ``matched_on``.

    ``matched_on`` is ``"id"``, ``"arxiv"``, ``"doi"`` or ``"title_key"``.
    """
    if matched_on in ("id", "arxiv"):
        return True
    if a.arxiv_id and b.arxiv_id and a.arxiv_id != b.arxiv_id:
        return False
    doi_differs = bool(a.doi and b.doi and a.doi.lower() != b.doi.lower())
    return not (matched_on == "title_key" and doi_differs)
