"""Citation keys: the one scheme paperbrowse uses to make a key for a paper that has none.

An imported key is always kept (see :attr:`Paper.citation_key`); a paper
without one gets :func:`base_key`, made unique with :func:`unique_key`, and
the library stores it, so it never changes afterwards (``paperbrowse key ID
NEWKEY`` renames it).

The scheme (close to Better BibTeX's default ``auth.lower + year +
shorttitle``): the first author's family name, the year, and the first
significant word of the title, each folded to ASCII lower-case letters and
digits (``Matérn`` → ``matern``, ``Del Maestro`` → ``delmaestro``; a
lower-case particle is left out: ``van der Berg`` → ``berg``):
``borovitskiy2020matern``, ``delmaestro2006stripe``. Without author names
the organisation's handle stands in (``nvidia2025scaling``); with neither,
the first two significant title words and the year (``lineartime2023``);
the year is left out when unknown. On collision the suffixes ``a``, ``b`` …
``z``, ``aa`` … are appended (``grill2020bootstrapa``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable

from paperbrowse.core.models import Paper

#: Title words a key skips (articles, prepositions, conjunctions).
STOP_WORDS = frozenset(
    {"a", "an", "the", "on", "of", "in", "for", "to", "and", "with", "is", "are", "via", "from"}
    | {"at", "by", "as", "or", "into", "towards", "toward", "about", "its", "their", "how", "what"}
)

#: A valid citation key: no white space, no ``{}(),="#%'\\`` (BibTeX and biber
#: reject these in keys), 1 to 200 characters.
KEY_PATTERN = re.compile(r"[^\s{}(),=\"#%'\\~]{1,200}")


def ascii_fold(text: str) -> str:
    """Lower-case ASCII letters and digits of ``text`` (accents dropped, ``ß`` → ``ss``)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]", "", plain.encode("ascii", "ignore").decode("ascii"))


def base_key(paper: Paper) -> str:
    """The key :mod:`this scheme <paperbrowse.core.citekeys>` gives ``paper``, before suffixes."""
    who = ""
    names = paper.author_names
    if names:
        first = names[0]
        family = first.family
        if first.particle[:1].isupper():  # "Del Maestro": BibTeX counts it in the last name
            family = f"{first.particle} {family}"
        who = ascii_fold(family if not first.literal else first.literal)
        if not who:  # a family name in a script with no ASCII folding
            who = ascii_fold(str(first))
    elif paper.org_handle or paper.organisation:
        who = ascii_fold(paper.org_handle or paper.organisation or "")
    words = [ascii_fold(w) for w in re.split(r"[\s\-–—:/]+", paper.title)]
    words = [w for w in words if w and w not in STOP_WORDS] or ["paper"]
    year = str(paper.year) if paper.year else ""
    if who:
        return f"{who}{year}{words[0]}"
    return f"{''.join(words[:2])}{year}"


def suffix(n: int) -> str:
    """0 → ``a``, 25 → ``z``, 26 → ``aa``, 27 → ``ab`` …"""
    out = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        out = chr(ord("a") + rest) + out
    return out


def unique_key(base: str, taken: Callable[[str], bool]) -> str:
    """``base`` if not ``taken``, else ``base`` with the first free suffix (``a``, ``b`` …)."""
    key, n = base, 0
    while taken(key):
        key = f"{base}{suffix(n)}"
        n += 1
    return key


def check_key(key: str) -> str:
    """Return ``key`` stripped if it is a usable citation key.

    Raises:
        ValueError: empty, too long, or containing white space or one of
            ``{}(),="#%'\\~``; the message names the key.
    """
    value = key.strip()
    if not KEY_PATTERN.fullmatch(value):
        raise ValueError(
            f"{key!r} is not a usable citation key: use 1-200 characters without spaces"
            " or any of {}(),=\"#%'\\~"
        )
    return value


def export_keys(papers: Iterable[Paper]) -> list[str]:
    """The citation key of each paper of an export, in order, all distinct.

    A paper's own :attr:`~Paper.citation_key` (imported, or assigned and
    stored by the library) is used as it is; a paper without one gets
    :func:`base_key` made unique against every key of the export (papers
    earlier in the list get the bare key first). If two papers carry the
    same key (two libraries merged by hand), the later one gets a suffix.
    """
    papers = list(papers)
    # compared ignoring case, as BibTeX and biber compare keys
    used = {p.citation_key.lower() for p in papers if p.citation_key}
    keys: list[str] = []
    given: set[str] = set()
    for paper in papers:
        if paper.citation_key and paper.citation_key.lower() not in given:
            key = paper.citation_key
        else:
            base = paper.citation_key or base_key(paper)
            key = unique_key(base, lambda k: k.lower() in used or k.lower() in given)
        given.add(key.lower())
        used.add(key.lower())
        keys.append(key)
    return keys
