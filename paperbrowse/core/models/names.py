"""People's and organisations' names, split as BibTeX and CSL split them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
