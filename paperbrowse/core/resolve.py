"""Every id finds its paper: what the user typed → the paper, or why not.

The forms accepted, tried in this order:

1. a paperbrowse id as printed, ``pb:6da686ffb410`` or ``arxiv:2006.07733``;
2. an arXiv id in any usual form: ``2006.07733``, ``2006.07733v2``,
   ``arXiv:2006.07733``, ``https://arxiv.org/abs/2006.07733v1``,
   ``https://arxiv.org/pdf/2006.07733v2.pdf``, old-style ``cond-mat/0603029``
   (the version is dropped). A paper is found by its arXiv id even when its
   paperbrowse id is a ``pb:`` one (a corpus paper an import told the id of);
3. a DOI in any case, bare (``10.1103/PhysRevB.74.024520``), with ``doi:``,
   or as a ``https://doi.org/`` / ``dx.doi.org`` URL (percent-escapes decoded);
4. a citation key of the library (case ignored, as BibTeX compares keys).

Papers are looked up in the library (bookmarks and imported papers) and, when
given, the search index (the bundled corpus plus imported papers). A reference
that names no paper is *unknown*; one that names several (two records with the
same arXiv id or DOI) is *ambiguous*; either comes with the closest candidates:
citation keys near the reference (``rapidfuzz``) and, for text that is not an
identifier, the best search hits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from paperbrowse.core.models import Paper
from paperbrowse.core.sources.common import normalise_arxiv_id

if TYPE_CHECKING:
    from paperbrowse.core.index import PaperIndex
    from paperbrowse.core.library import Library

#: What :attr:`Resolution.status` may be.
FOUND, UNKNOWN, AMBIGUOUS = "found", "unknown", "ambiguous"

#: Candidates given with an unknown reference, at most.
SUGGESTIONS = 5

_ARXIV_HOSTS = re.compile(r"^(?:www\.|export\.)?arxiv\.org$", re.IGNORECASE)
_DOI_HOSTS = re.compile(r"^(?:dx\.)?doi\.org$", re.IGNORECASE)
_DOI = re.compile(r"10\.\d{4,9}/\S+")


def arxiv_id_of(text: str) -> str | None:
    """The bare arXiv id (no version) ``text`` names, or ``None``.

    Accepts what :func:`~paperbrowse.core.sources.common.normalise_arxiv_id`
    does, and also arXiv URLs with a ``.pdf`` suffix, a trailing slash, a
    query or fragment, ``http``/``www``/``export`` variants, or no scheme.
    """
    value = text.strip()
    if not value:
        return None
    probe = value if "://" in value else f"https://{value}"
    parts = urlsplit(probe)
    if _ARXIV_HOSTS.match(parts.hostname or ""):
        path = parts.path.strip("/")
        for prefix in ("abs/", "pdf/", "html/"):
            if path.startswith(prefix):
                path = path[len(prefix) :]
                break
        else:
            return None
        path = path.removesuffix(".pdf")
        return normalise_arxiv_id(path)
    return normalise_arxiv_id(value)


def doi_of(text: str) -> str | None:
    """The DOI ``text`` names, lower-cased (DOIs are case-insensitive), or ``None``.

    Accepts a bare DOI, ``doi:10.…``, and ``https://doi.org/10.…`` or
    ``http://dx.doi.org/10.…`` URLs (percent-escapes decoded).
    """
    value = text.strip()
    if value.lower().startswith("doi:"):
        value = value[4:].strip()
    elif "doi.org/" in value.lower():
        probe = value if "://" in value else f"https://{value}"
        parts = urlsplit(probe)
        if not _DOI_HOSTS.match(parts.hostname or ""):
            return None
        value = unquote(parts.path.lstrip("/"))
    return value.lower() if _DOI.fullmatch(value) else None


@dataclass(frozen=True, slots=True)
class Resolution:
    """The answer to "which paper is ``ref``?"; true when exactly one paper was found.

    Attributes:
        ref: the reference as given.
        status: :data:`FOUND`, :data:`UNKNOWN` or :data:`AMBIGUOUS`.
        paper: the paper when found, else ``None``.
        candidates: for an ambiguous reference, the papers it names; for an
            unknown one, the closest papers (near citation keys, search hits),
            best first; empty when found.
        read_as: how ``ref`` was read: ``"id"``, ``"arxiv"``, ``"doi"``,
            ``"key"``, or ``""`` when it looked like none of them.
        value: the normalised identifier looked up (the bare arXiv id, the
            lower-case DOI …), ``""`` if none.
    """

    ref: str
    status: str
    paper: Paper | None = None
    candidates: tuple[Paper, ...] = ()
    read_as: str = ""
    value: str = ""

    def __bool__(self) -> bool:
        return self.status == FOUND

    def message(self) -> str:
        """What to tell the user about an unknown or ambiguous reference (``""`` if found).

        One line saying what is wrong, then one indented line per candidate
        (``id  key  year  title``) and, for an arXiv id, how to import it.
        """
        if self:
            return ""
        what = {
            "id": "paperbrowse id",
            "arxiv": "arXiv id",
            "doi": "DOI",
            "key": "citation key",
        }.get(self.read_as, "")
        as_what = f" (read as the {what} {self.value})" if what and self.value else ""
        if self.status == AMBIGUOUS:
            lines = [f"{self.ref!r}{as_what} matches {len(self.candidates)} papers:"]
        else:
            lines = [f"no paper with id, arXiv id, DOI or citation key {self.ref!r}{as_what}"]
            if self.candidates:
                lines.append("closest:")
        lines += [f"  {describe(p)}" for p in self.candidates]
        if self.status == UNKNOWN and self.read_as == "arxiv":
            lines.append(f"import it with: paperbrowse add arxiv {self.value}")
        if self.status == UNKNOWN and self.read_as == "doi":
            lines.append(f"import it with: paperbrowse add doi {self.value}")
        return "\n".join(lines)


def describe(paper: Paper) -> str:
    """One line naming a paper: ``id  [key]  year  title`` (tab-free, for messages)."""
    year = str(paper.year) if paper.year else "n.d."
    key = f"  [{paper.citation_key}]" if paper.citation_key else ""
    return f"{paper.id}{key}  {year}  {paper.title}"


class _Lookup:
    """Papers by id from the library then the index, each looked up once."""

    def __init__(self, library: Library, index: PaperIndex | None) -> None:
        self.library = library
        self.index = index
        self._seen: dict[str, Paper | None] = {}

    def by_id(self, paper_id: str) -> Paper | None:
        if paper_id not in self._seen:
            mark = self.library.bookmark(paper_id)
            paper = mark.paper if mark is not None else self.library.stored_paper(paper_id)
            if paper is None and self.index is not None:
                paper = self.index.get(paper_id)
            if paper is not None:
                # the key table is the authority: a stored record keeps the key it was
                # imported with even when the library gave it another (taken, renamed)
                key = self.library.stored_key(paper_id)
                if key is None and paper.citation_key:
                    owner = self.library.paper_for_key(paper.citation_key)
                    key = paper.citation_key if owner in (None, paper_id) else None
                    paper = replace(paper, citation_key=key)
                paper = _with_key(paper, key)
            self._seen[paper_id] = paper
        return self._seen[paper_id]

    def papers(self, ids: list[str]) -> list[Paper]:
        found = (self.by_id(i) for i in dict.fromkeys(ids))
        return [p for p in found if p is not None]


def _with_key(paper: Paper, key: str | None) -> Paper:
    return replace(paper, citation_key=key) if key else paper


def resolve(
    ref: str,
    library: Library,
    index: PaperIndex | None = None,
    *,
    suggestions: int = SUGGESTIONS,
) -> Resolution:
    """Find the paper ``ref`` names (see the module docstring for the forms).

    Args:
        ref: what the user typed.
        library: the user's library (bookmarks, imported papers, citation keys).
        index: the search index; ``None`` looks in the library only (faster,
            but misses corpus papers that are neither bookmarked nor imported).
        suggestions: at most this many candidates for an unknown reference.

    Returns:
        A :class:`Resolution`; its paper comes from the library when it is
        there (bookmark, then imported record), else from the index, with its
        stored citation key when it has one.
    """
    text = ref.strip()
    look = _Lookup(library, index)
    if not text:
        return Resolution(ref, UNKNOWN)

    # 1. a paperbrowse id
    lowered = text.lower()
    if lowered.startswith("pb:") or lowered.startswith("arxiv:"):
        paper_id = "pb:" + text[3:] if lowered.startswith("pb:") else "arxiv:" + text[6:]
        paper = look.by_id(paper_id)
        if paper is not None:
            return Resolution(ref, FOUND, paper, read_as="id", value=paper_id)
        if lowered.startswith("pb:"):
            return Resolution(
                ref,
                UNKNOWN,
                candidates=_near(text, library, look, None, suggestions),
                read_as="id",
                value=paper_id,
            )

    # 2. an arXiv id, 3. a DOI
    for read_as, value in (("arxiv", arxiv_id_of(text)), ("doi", doi_of(text))):
        if not value:
            continue
        ids = _ids_for(read_as, value, library, index)
        found = look.papers(ids)
        if len(found) == 1:
            return Resolution(ref, FOUND, found[0], read_as=read_as, value=value)
        if len(found) > 1:
            return Resolution(ref, AMBIGUOUS, candidates=tuple(found), read_as=read_as, value=value)
        # not found: perhaps a citation key that looks like an identifier
        paper = _by_key(text, library, look)
        if paper is not None:
            return Resolution(ref, FOUND, paper, read_as="key", value=paper.citation_key or "")
        near = _near(text, library, look, None, suggestions)
        return Resolution(ref, UNKNOWN, candidates=near, read_as=read_as, value=value)

    # 4. a citation key
    paper = _by_key(text, library, look)
    if paper is not None:
        return Resolution(ref, FOUND, paper, read_as="key", value=paper.citation_key or "")
    return Resolution(ref, UNKNOWN, candidates=_near(text, library, look, index, suggestions))


def _ids_for(read_as: str, value: str, library: Library, index: PaperIndex | None) -> list[str]:
    """Ids of every paper with this arXiv id (``read_as="arxiv"``) or lower-case DOI."""
    ids: list[str] = []
    if read_as == "arxiv":
        ids.append(f"arxiv:{value}")
        ids += library.ids_for(arxiv_id=value)
        if index is not None:
            ids += [p.id for p in index.find("arxiv", value)]
    else:
        ids += library.ids_for(doi=value)
        if index is not None:
            ids += [p.id for p in index.find("doi", value)]
    return ids


def _by_key(text: str, library: Library, look: _Lookup) -> Paper | None:
    paper_id = library.paper_for_key(text)
    return look.by_id(paper_id) if paper_id else None


def _near(
    text: str, library: Library, look: _Lookup, index: PaperIndex | None, limit: int
) -> tuple[Paper, ...]:
    """The closest papers to an unknown reference: near citation keys, then search hits.

    Keys are compared with rapidfuzz's ``ratio`` (normalised Indel
    similarity, 0–100), case folded, keeping those scoring 70 or more; the
    search (when ``index`` is given) runs ``text`` as plain words.
    """
    from rapidfuzz import fuzz, process

    ids: list[str] = []
    keys = library.citation_keys()
    if keys:
        by_key = {k.casefold(): pid for k, pid in keys}
        matches = process.extract(
            text.casefold(), list(by_key), scorer=fuzz.ratio, limit=limit, score_cutoff=70
        )
        ids += [by_key[k] for k, _, _ in matches]
    if index is not None and len(ids) < limit:
        words = " ".join(re.findall(r"\w+", text))
        if words:
            try:
                results = index.search(words, limit=limit)
            except Exception:  # noqa: BLE001 (a suggestion must never fail the command)
                results = None
            if results is not None:
                ids += [hit.paper.id for hit in results.hits]
    return tuple(look.papers(ids)[:limit])
