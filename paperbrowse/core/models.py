"""Plain data records shared by every layer: papers, hits and result sets.

All records are frozen dataclasses, so they can be handed from a worker thread
to the UI thread without copying or locking.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

#: One piece of highlighted text: ``(text, matched)``. A highlighted string is
#: a tuple of segments whose texts, joined, give the original string.
Segment = tuple[str, bool]

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


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
    decomposed = unicodedata.normalize("NFKD", title)
    no_accents = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub("", no_accents.casefold())


#: Lower-case words taken as a particle before the family name ("van der").
NAME_PARTICLES = frozenset(
    {"van", "von", "der", "den", "de", "del", "della", "dei", "degli", "di", "da", "das"}
    | {"do", "dos", "du", "des", "la", "le", "lo", "ten", "ter", "zu", "zum", "zur"}
    | {"af", "av", "al", "el", "bin", "ibn"}
)
_NAME_SUFFIXES = frozenset({"Jr.", "Jr", "Sr.", "Sr", "II", "III", "IV"})


@dataclass(frozen=True, slots=True)
class Name:
    """A person's or an organisation's name, split as BibTeX and CSL split names.

    The parts follow BibTeX's four parts (*First von Last, Jr*; Patashnik,
    *BibTeXing*, §4) and CSL's name variables (``given``,
    ``non-dropping-particle``, ``family``, ``suffix``, ``literal``; CSL 1.0.2).
    A corporate or otherwise unsplittable name (``{World Health Organization}``
    in BibTeX, ``{"literal": …}`` in CSL) has only :attr:`literal`.

    Attributes:
        family: the family name, particles that are part of it included as the
            source gave them (``"Del Maestro"`` from ``Del Maestro, Adrian``).
        given: given names (``"Jean-Bastien"``); may be empty.
        particle: a lower-case "von" part kept apart (``"van der"``); may be empty.
        suffix: ``"Jr."``, ``"III"`` …; may be empty.
        literal: the whole name, for names that must not be split; when set the
            other parts are empty.
    """

    family: str = ""
    given: str = ""
    particle: str = ""
    suffix: str = ""
    literal: str = ""

    def __str__(self) -> str:
        """The display form, ``Given particle Family Suffix`` (or the literal)."""
        if self.literal:
            return self.literal
        return " ".join(x for x in (self.given, self.particle, self.family, self.suffix) if x)

    @property
    def last(self) -> str:
        """Particle and family name: ``"van der Berg"``, ``"Del Maestro"``, or the literal."""
        if self.literal:
            return self.literal
        return " ".join(x for x in (self.particle, self.family) if x)

    def to_dict(self) -> dict[str, str]:
        """JSON form: only the non-empty parts (``{"family": …, "given": …}``)."""
        return {k: v for k in _NAME_PARTS if (v := getattr(self, k))}

    @classmethod
    def from_dict(cls, data: Any) -> Name:
        """Inverse of :meth:`to_dict`; a plain string is parsed with :meth:`parse`.

        Raises:
            TypeError: ``data`` is neither a dict nor a string.
        """
        if isinstance(data, str):
            return cls.parse(data)
        if not isinstance(data, dict):
            raise TypeError(f"a name is a dict or a string, not {type(data).__name__}")
        return cls(**{k: str(data[k]) for k in _NAME_PARTS if data.get(k)})

    @classmethod
    def parse(cls, name: str) -> Name:
        """Split a display name ``"Given [particle] Family [Jr.]"`` by rule of thumb.

        For sources that give names as one string (arXiv's Atom feed, Hugging
        Face). The last word is the family name, preceded by any particles
        (:data:`NAME_PARTICLES`, lower-case, or capitalised when not the first
        word: ``"Adrian Del Maestro"`` → family ``"Maestro"``, particle
        ``"Del"``); a trailing ``Jr.``/``III`` is the suffix. Single words,
        names with a comma or the word ``and`` and names with runs of spaces
        become literals.
        ``str(Name.parse(n)) == n`` for every ``n`` without runs of white space.
        """
        tokens = name.split(" ")
        if "," in name or "and" in (t.lower() for t in tokens):  # "Barnes and Noble"
            return cls(literal=name)
        if len(tokens) < 2 or "" in tokens:
            return cls(literal=name)
        suffix = tokens.pop() if len(tokens) >= 3 and tokens[-1] in _NAME_SUFFIXES else ""
        family = tokens.pop()
        particle: list[str] = []
        while tokens and (
            tokens[-1] in NAME_PARTICLES
            or (len(tokens) > 1 and tokens[-1].lower() in NAME_PARTICLES)
        ):
            particle.insert(0, tokens.pop())
        return cls(
            family=family, given=" ".join(tokens), particle=" ".join(particle), suffix=suffix
        )


_NAME_PARTS = ("family", "given", "particle", "suffix", "literal")

#: How many parts of :attr:`Paper.published` are known.
YEAR, MONTH, DAY = 1, 2, 3

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


_PARTIAL_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")


def parse_partial_date(text: str | None) -> tuple[date | None, int]:
    """``"2020"``, ``"2020-06"``, ``"2020-06-13"`` → ``(date, parts known)``.

    Returns ``(None, DAY)`` for an empty value; the date of a partial value
    is the first day of its year or month.

    Raises:
        ValueError: ``text`` is not such a date (or names no real day).
    """
    if not text:
        return None, DAY
    match = _PARTIAL_DATE.fullmatch(str(text).strip())
    if not match:
        raise ValueError(f"{text!r} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)")
    year, month, day = (int(g) if g else None for g in match.groups())
    parts = DAY if day else MONTH if month else YEAR
    return date(year, month or 1, day or 1), parts


@dataclass(frozen=True, slots=True)
class Hit:
    """One search hit: a paper plus how it matched.

    Attributes:
        paper: the matching paper.
        rank: 0-based position in the result list.
        score: BM25F score (0.0 for sorted or empty-query listings).
        title: the title as highlighted segments.
        snippet: the best-matching fragment of the abstract as highlighted
            segments (the abstract's opening when nothing in it matched).
        body_snippet: when the paper matched the query in its full text
            only (nothing in its title, abstract, authors or organisation),
            the best-matching fragment of that text as highlighted segments;
            else ``()``.
        body_page: the 1-based page of the PDF that :attr:`body_snippet`
            comes from, or ``None``.
    """

    paper: Paper
    rank: int
    score: float
    title: tuple[Segment, ...]
    snippet: tuple[Segment, ...]
    body_snippet: tuple[Segment, ...] = ()
    body_page: int | None = None


@dataclass(frozen=True, slots=True)
class Filters:
    """Restrictions on a query's hits, chosen from the facets.

    Attributes:
        years: inclusive ``(first, last)`` publication years, or ``None``.
        organisation: exact organisation display name, or ``None``.
        ids: only these paper ids (the bookmarked-only filter), or ``None``
            for no restriction; an empty set matches nothing.
        undated: papers without a publication date (the facet's "undated"
            bucket); with :attr:`years` as well, papers in those years *or*
            undated.
    """

    years: tuple[int, int] | None = None
    organisation: str | None = None
    ids: frozenset[str] | None = None
    undated: bool = False

    def __bool__(self) -> bool:
        return (
            self.years is not None
            or self.undated
            or self.organisation is not None
            or self.ids is not None
        )

    def describe(self) -> str:
        """A short description such as ``"2023 · NVIDIA · bookmarked"`` ("" when empty)."""
        parts = []
        when = []
        if self.years:
            first, last = self.years
            when.append(str(first) if first == last else f"{first}–{last}")
        if self.undated:
            when.append("undated")
        if when:
            parts.append(" or ".join(when))
        if self.organisation:
            parts.append(self.organisation)
        if self.ids is not None:
            parts.append("bookmarked")
        return " · ".join(parts)


@dataclass(frozen=True, slots=True)
class Facets:
    """Hit counts of one query by facet value, over every hit (not one page).

    A facet's counts ignore that facet's own filter, so choosing a year keeps
    the other years visible (and choosable) with their counts.

    Attributes:
        years: ``(year, hits)`` in year order, dated papers only.
        organisations: ``(organisation, hits)``, most hits first, then by name.
        undated: hits without a publication date (the year facet's "undated"
            bucket, chosen with ``Filters(undated=True)``).
    """

    years: tuple[tuple[int, int], ...] = ()
    organisations: tuple[tuple[str, int], ...] = ()
    undated: int = 0


@dataclass(frozen=True, slots=True)
class Results:
    """The answer to one query.

    Attributes:
        query: the query text as typed.
        hits: the hits of the requested page, best first.
        total: number of matching documents (may exceed ``len(hits)``).
        sort: the sort order used (``relevance``, ``date`` or ``upvotes``).
        terms: analysed query terms per field (``{"abstract": {"diffus"}}``),
            used to highlight any text of a hit later, e.g. the full abstract.
        elapsed: search time in seconds.
        ran: the query text that was actually run, when it differs from
            ``query``: the plain words of a malformed query, or a spelling
            correction of a query that found nothing. ``None`` otherwise.
        notice: what the user should be told about how the query ran
            ("searched for the plain words instead"), or ``""``.
        suggestion: a spelling correction of the query ("did you mean"),
            offered when the query found few hits and the correction finds
            more; ``None`` otherwise.
        filters: the filters applied.
        facets: hit counts per year and organisation, when asked for.
        offset: the rank of the first hit of :attr:`hits` (0: the first page).
        relaxed: the words (of :attr:`ran`, else of :attr:`query`) were run
            with ``OR`` as well, no paper having them all or too few: the hits
            add the papers with most of them (the forgiving search).
    """

    query: str
    hits: tuple[Hit, ...]
    total: int
    sort: str = "relevance"
    terms: dict[str, frozenset[str]] = field(default_factory=dict)
    elapsed: float = 0.0
    ran: str | None = None
    notice: str = ""
    suggestion: str | None = None
    filters: Filters = field(default_factory=Filters)
    facets: Facets | None = None
    offset: int = 0
    relaxed: bool = False

    def __len__(self) -> int:
        return len(self.hits)


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
