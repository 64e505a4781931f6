"""A synthetic corpus of N papers in the arXiv metadata snapshot format.

Usage (from the repository root)::

    python benchmarks/corpus.py --docs 100000 --seed 1 -o /tmp/papers.jsonl

Writes one JSON object per line, as in Kaggle's ``arxiv-metadata-oai-snapshot.json``
(the format :mod:`paperbrowse.core.sources.jsonl` imports): ``id``, ``submitter``,
``authors`` (``"A. One, B. Two and C. Three"``), ``title``, ``comments``,
``journal-ref``, ``doi``, ``report-no``, ``categories`` (space separated),
``license``, ``abstract`` (hard-wrapped, two leading spaces, as arXiv serves it),
``versions`` (``[{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}]``),
``update_date`` (``YYYY-MM-DD``) and ``authors_parsed``.

The text imitates the bundled corpus (``assets/corpus``, ~380 real abstracts):

* words follow a first-order Markov chain over the bundled titles and abstracts
  (so phrases such as "latent diffusion" occur as in real text), with a restart
  from the corpus's own word frequencies now and then;
* about 2% of the words come from an open, Zipf-distributed (P(rank) ~ 1/rank)
  list of two million made-up words, so the vocabulary keeps growing with the
  corpus as a real one does (Heaps' law) and there are rare terms to search for;
* each paper has two or three topic words it repeats, and half of the papers
  name a method of their own (``Kalonet``), used in the title and the abstract;
* titles have 5-16 words (about 10), abstracts 150-250 words;
* dates run from April 2007 to December 2025, growing about 14% a year as
  arXiv's submissions do, in id order (like the real snapshot, which is sorted by
  id); ids are ``YYMM.NNNN`` (``YYMM.NNNNN`` from 2015), unique.

Everything is determined by ``--seed``: the same seed gives the same bytes.
Records are generated and written one at a time, so memory use does not depend
on N (about 2.1 kB and 0.4 ms a paper: one million papers is 2.1 GB of JSON Lines
and takes about 7 minutes on one core).

:func:`generate_records` yields the JSON objects, :func:`generate_papers` the
:class:`~paperbrowse.core.models.Paper` objects the snapshot importer makes of
them (through :func:`paperbrowse.core.sources.jsonl.snapshot_record`).
"""

from __future__ import annotations

import argparse
import bisect
import calendar
import json
import math
import random
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

try:
    import paperbrowse  # noqa: F401
except ImportError:  # not installed: run from a source checkout
    sys.path.insert(0, str(REPO))

from paperbrowse.core.models import Paper  # noqa: E402
from paperbrowse.core.sources.captures import (  # noqa: E402
    bundled_corpus_dir,
    corpus_files,
    load_captures,
)
from paperbrowse.core.sources.jsonl import snapshot_record  # noqa: E402

#: Size of the open list of made-up words (Zipf ranks 1..RARE_WORDS).
RARE_WORDS = 2_000_000
#: Share of words drawn from the made-up list.
P_RARE = 0.02
#: Share of words that follow the Markov chain (the rest restart from the frequencies).
P_CHAIN = 0.75
#: Share of abstract words that are one of the paper's topic words.
P_TOPIC = 0.04

FIRST_MONTH = (2007, 4)
LAST_MONTH = (2025, 12)
#: Monthly growth of submissions: e^(12/90) ~ 1.14 a year.
GROWTH_MONTHS = 90.0


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_SYLLABLES = _words(
    "ka lo mi ren tor vex qua zel dri pho nu sta gen lin mor tri ent ax ol ir us ba de fi "
    "go hu ja ke ly ne pi ro sa te vi wo xa yu ze cor dal fen gar hol jin kor lum mar"
)
_SUFFIXES = ("", "", "", "ic", "ion", "er", "net", "ity", "al", "ing", "ous", "former")
_STOP = frozenset(
    _words(
        "a an and are as at be but by for from has have if in into is it its no not of on or "
        "our such than that the their then there these they this to was we were which while "
        "will with can also both more most other only over show shows using via"
    )
)

SURNAMES = _words(
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez "
    "Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson "
    "White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott "
    "Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter "
    "Roberts Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Lin Gao "
    "Luo Kumar Singh Sharma Patel Gupta Das Rao Reddy Iyer Nair Müller Schmidt Schneider "
    "Fischer Weber Meyer Wagner Becker Schulz Hoffmann Dubois Durand Lefebvre Moreau Laurent "
    "Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Tanaka Suzuki Takahashi "
    "Watanabe Ito Yamamoto Nakamura Kobayashi Kim Park Choi Jung Kang Cho Yoon Jang Ivanov "
    "Smirnov Kuznetsov Popov Petrov Novak Kowalski Nowak Silva Santos Oliveira Souza Costa "
    "Pereira Almeida Jansen Visser Bakker Andersson Johansson Nielsen Hansen Larsen Erdős "
    "Szabó Horváth Cohen Levi Mizrahi Yilmaz Kaya Demir Okafor Mensah Abebe Haddad Nasser"
)
FIRST_NAMES = _words(
    "Ada Alan Alice Amir Ana Anna Arjun Ben Carla Chen Daniel David Elena Emma Eva Farah "
    "Felix Grace Hana Hugo Ines Ivan Jana Jun Kai Karim Laura Lea Lucas Maria Marco Maya "
    "Mei Nadia Noah Omar Paula Pedro Priya Rafael Rosa Sara Sofia Tariq Tom Vera Wei Yuki Zoe"
)
_INITIALS = "AABBCCDDEFGHHIJJKLLMMNOPRRSSTVWXYZ"

#: (primary category, weight): roughly arXiv's mix of recent years.
CATEGORIES = (
    ("cs.LG", 14), ("cs.CV", 12), ("cs.CL", 9), ("cs.AI", 6), ("stat.ML", 5), ("cs.RO", 3),
    ("cs.CR", 2), ("eess.IV", 2), ("math.OC", 2), ("quant-ph", 5), ("hep-th", 4),
    ("hep-ph", 4), ("astro-ph.GA", 3), ("astro-ph.CO", 3), ("cond-mat.mtrl-sci", 4),
    ("cond-mat.stat-mech", 2), ("math.PR", 2), ("math.AP", 2), ("physics.optics", 2),
    ("q-bio.NC", 1), ("econ.EM", 1), ("gr-qc", 2), ("math.CO", 2), ("cs.DS", 2),
    ("cs.NE", 1), ("cs.IR", 1), ("cs.HC", 1), ("cs.SE", 1), ("eess.SP", 1), ("nlin.CD", 1),
)  # fmt: skip
JOURNALS = (
    ("Phys. Rev. D", "PhysRevD"), ("Phys. Rev. Lett.", "PhysRevLett"), ("JHEP", "JHEP"),
    ("Astrophys. J.", "apj"), ("Mon. Not. R. Astron. Soc.", "mnras"),
    ("IEEE Trans. Pattern Anal. Mach. Intell.", "TPAMI"), ("J. Mach. Learn. Res.", "jmlr"),
    ("Nature Commun.", "ncomms"), ("Ann. Probab.", "aop"), ("Neural Comput.", "neco"),
)  # fmt: skip
LICENSES = (
    None,
    "http://arxiv.org/licenses/nonexclusive-distrib/1.0/",
    "http://arxiv.org/licenses/nonexclusive-distrib/1.0/",
    "http://creativecommons.org/licenses/by/4.0/",
    "http://creativecommons.org/licenses/by-nc-sa/4.0/",
)
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_CONTENT_WORD = re.compile(r"[a-z]{5,}")


def rare_word(rank: int) -> str:
    """The made-up word of ``rank`` (0-based): three or more syllables and a suffix;
    every seventh is capitalised as a method name (``Kalonet``)."""
    x = rank + len(_SYLLABLES) ** 2  # at least three syllables
    parts = []
    while x:
        x, digit = divmod(x, len(_SYLLABLES))
        parts.append(_SYLLABLES[digit])
    word = "".join(parts) + _SUFFIXES[(rank * 2654435761 >> 7) % len(_SUFFIXES)]
    return word.capitalize() if rank % 7 == 0 else word


class TextModel:
    """Word frequencies and a first-order Markov chain over a list of texts.

    ``tokens`` holds every token of the texts, so a uniform draw from it is a draw
    by frequency; ``successors[w]`` lists every token that followed ``w`` (with
    repetition), so a uniform draw from it follows the chain.
    """

    def __init__(self, texts: list[str]) -> None:
        self.tokens: list[str] = []
        self.successors: dict[str, list[str]] = {}
        self.starts: list[str] = []
        for text in texts:
            words = [w for w in text.split() if "\\" not in w]
            if not words:
                continue
            self.starts.append(words[0])
            self.tokens.extend(words)
            for a, b in zip(words, words[1:], strict=False):
                self.successors.setdefault(a, []).append(b)


@dataclass
class Models:
    titles: TextModel
    abstracts: TextModel
    #: content words (lower case, 5+ letters, no stop words) by falling frequency
    content: list[str]


_MODELS: Models | None = None


def bundled_models() -> Models:
    """The text models of the bundled corpus (built once per process)."""
    global _MODELS
    if _MODELS is None:
        papers = load_captures(corpus_files(bundled_corpus_dir())).papers
        abstracts = TextModel([p.abstract for p in papers])
        counts: dict[str, int] = {}
        for token in abstracts.tokens:
            word = token.lower().strip(".,;:()\"'")
            if _CONTENT_WORD.fullmatch(word) and word not in _STOP:
                counts[word] = counts.get(word, 0) + 1
        content = sorted(counts, key=lambda w: (-counts[w], w))
        _MODELS = Models(TextModel([p.title for p in papers]), abstracts, content)
    return _MODELS


class Generator:
    """Makes snapshot records one at a time; see the module docstring."""

    def __init__(self, docs: int, seed: int, models: Models | None = None) -> None:
        self.docs = docs
        self.rng = random.Random(seed)
        self.models = models or bundled_models()
        # months from FIRST_MONTH to LAST_MONTH with exponentially growing weights
        self.months: list[tuple[int, int]] = []
        y, m = FIRST_MONTH
        while (y, m) <= LAST_MONTH:
            self.months.append((y, m))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        weights = [math.exp(i / GROWTH_MONTHS) for i in range(len(self.months))]
        total = sum(weights)
        self.cum: list[float] = []
        acc = 0.0
        for w in weights:
            acc += w / total
            self.cum.append(acc)
        self.cum[-1] = 1.0
        self._month_counter: dict[tuple[int, int], int] = {}
        self._log_rare = math.log(RARE_WORDS)
        self._cat_cum = list(_cumulative([w for _, w in CATEGORIES]))

    # ------------------------------------------------------------------ words
    def _rare(self) -> str:
        return rare_word(int(math.exp(self.rng.random() * self._log_rare)) - 1)

    def _zipf_index(self, n: int) -> int:
        """An index in [0, n) with P(i) ~ 1/(i+1)."""
        return min(n - 1, int(math.exp(self.rng.random() * math.log(n + 1))) - 1)

    def _walk(self, model: TextModel, length: int, topics: list[str], p_topic: float) -> list[str]:
        rnd = self.rng.random
        succ_of = model.successors
        tokens = model.tokens
        abstract_tokens = self.models.abstracts.tokens
        n_tokens, n_abstract = len(tokens), len(abstract_tokens)
        word = model.starts[int(rnd() * len(model.starts))]
        out = [word]
        while len(out) < length:
            r = rnd()
            if r < p_topic:
                word = topics[int(rnd() * len(topics))]
            elif r < p_topic + P_RARE:
                word = self._rare()
            else:
                succ = succ_of.get(word)
                if succ and rnd() < P_CHAIN:
                    word = succ[int(rnd() * len(succ))]
                elif rnd() < 0.5:
                    word = tokens[int(rnd() * n_tokens)]
                else:
                    word = abstract_tokens[int(rnd() * n_abstract)]
            out.append(word)
        return out

    # ---------------------------------------------------------------- records
    def record(self, i: int) -> dict:
        """The record of the ``i``-th paper (0-based; call in order)."""
        rng = self.rng
        rnd = rng.random
        published, arxiv_id = self._date_and_id(i)
        content = self.models.content
        topics = [content[self._zipf_index(len(content))] for _ in range(2 + int(rnd() * 2))]
        method = None
        if rnd() < 0.5:
            method = self._rare()
            method = method[:1].upper() + method[1:]
            topics.append(method)
        title_words = self._walk(self.models.titles, _triangular(rng, 5, 16, 10), topics, 0.12)
        if method and method not in title_words:
            title_words.insert(0, method + ":")
        title = " ".join(title_words).rstrip(".,;:")
        abstract_words = self._walk(
            self.models.abstracts, _triangular(rng, 150, 250, 190), topics, P_TOPIC
        )
        abstract = _wrap(" ".join(abstract_words).rstrip(",;:") + ".")
        authors = self._authors()
        cats = self._categories()
        versions = self._versions(published)
        record = {
            "id": arxiv_id,
            "submitter": f"{FIRST_NAMES[int(rnd() * len(FIRST_NAMES))]} {authors[0][0]}",
            "authors": _author_string(authors),
            "title": _wrap(title, indent=""),
            "comments": (
                f"{5 + int(rnd() * 40)} pages, {int(rnd() * 15)} figures" if rnd() < 0.7 else None
            ),
            "journal-ref": None,
            "doi": None,
            "report-no": None,
            "categories": " ".join(cats),
            "license": LICENSES[int(rnd() * len(LICENSES))],
            "abstract": abstract,
            "versions": versions,
            "update_date": versions[-1]["_date"],
            "authors_parsed": [[last, first, ""] for last, first in authors],
        }
        for v in versions:
            del v["_date"]
        if rnd() < 0.35:
            journal, short = JOURNALS[int(rnd() * len(JOURNALS))]
            volume, page = 1 + int(rnd() * 120), 1 + int(rnd() * 9000)
            record["journal-ref"] = f"{journal} {volume} ({published.year + 1}) {page}"
            record["doi"] = f"10.{1000 + int(rnd() * 9000)}/{short}.{volume}.{page}"
        return record

    def _date_and_id(self, i: int) -> tuple[date, str]:
        q = (i + 0.5) / self.docs
        k = min(bisect.bisect_left(self.cum, q), len(self.cum) - 1)
        start = self.cum[k - 1] if k else 0.0
        fraction = (q - start) / (self.cum[k] - start)
        year, month = self.months[k]
        days = calendar.monthrange(year, month)[1]
        day = 1 + min(days - 1, int(fraction * days))
        counter = self._month_counter.get((year, month), 0) + 1
        self._month_counter[(year, month)] = counter
        digits = 5 if year >= 2015 else 4
        return date(year, month, day), f"{year % 100:02d}{month:02d}.{counter:0{digits}d}"

    def _authors(self) -> list[tuple[str, str]]:
        rng, rnd = self.rng, self.rng.random
        count = 1
        if rnd() < 0.01:
            count = 20 + int(rnd() * 40)  # a collaboration
        else:
            while count < 12 and rnd() < 0.7:
                count += 1
        names = []
        for _ in range(count):
            if rnd() < 0.8:
                last = SURNAMES[self._zipf_index(len(SURNAMES))]
            else:
                last = self._rare().capitalize()
            initials = _INITIALS[int(rnd() * len(_INITIALS))] + "."
            if rnd() < 0.3:
                initials += " " + _INITIALS[int(rng.random() * len(_INITIALS))] + "."
            names.append((last, initials))
        return names

    def _categories(self) -> list[str]:
        rnd = self.rng.random
        cats: list[str] = []
        for _ in range(1 + (rnd() < 0.5) + (rnd() < 0.2)):
            cat = CATEGORIES[bisect.bisect_left(self._cat_cum, rnd())][0]
            if cat not in cats:
                cats.append(cat)
        return cats

    def _versions(self, published: date) -> list[dict]:
        rnd = self.rng.random
        versions = []
        day = published
        for n in range(1, 4):
            if n > 1:
                if rnd() > 0.35:
                    break
                day = day + timedelta(days=1 + int(rnd() * 200))
            h, m, s = int(rnd() * 24), int(rnd() * 60), int(rnd() * 60)
            created = (
                f"{_WEEKDAYS[day.weekday()]}, {day.day} {_MONTHS[day.month - 1]} {day.year} "
                f"{h:02d}:{m:02d}:{s:02d} GMT"
            )
            versions.append({"version": f"v{n}", "created": created, "_date": day.isoformat()})
        return versions


def _cumulative(weights: list[float]) -> Iterator[float]:
    total = sum(weights)
    acc = 0.0
    for w in weights[:-1]:
        acc += w / total
        yield acc
    yield 1.0


def _triangular(rng: random.Random, low: int, high: int, mode: int) -> int:
    """A triangular draw by inverse CDF from one ``random()`` (stable across versions)."""
    u = rng.random()
    c = (mode - low) / (high - low)
    if u < c:
        x = low + math.sqrt(u * (high - low) * (mode - low))
    else:
        x = high - math.sqrt((1 - u) * (high - low) * (high - mode))
    return int(round(x))


def _wrap(text: str, width: int = 80, indent: str = "  ") -> str:
    """Hard-wrap like the snapshot's abstracts (``"  First line\\nsecond...\\n"``)."""
    lines, line, size = [], [], len(indent)
    for word in text.split():
        if line and size + 1 + len(word) > width:
            lines.append(" ".join(line))
            line, size = [], 0
        line.append(word)
        size += len(word) + (1 if len(line) > 1 else 0)
    lines.append(" ".join(line))
    wrapped = "\n".join(lines)
    return f"{indent}{wrapped}\n" if indent else wrapped.replace("\n", "\n  ")


def _author_string(authors: list[tuple[str, str]]) -> str:
    names = [f"{first} {last}" for last, first in authors]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def generate_records(docs: int, seed: int = 1) -> Iterator[dict]:
    """Yield ``docs`` snapshot records (JSON objects), determined by ``seed``."""
    gen = Generator(docs, seed)
    for i in range(docs):
        yield gen.record(i)


def generate_papers(docs: int, seed: int = 1, source: str | None = None) -> Iterator[Paper]:
    """Yield the papers the snapshot importer makes of :func:`generate_records`."""
    source = source or f"synthetic-{docs}-{seed}.jsonl"
    for line, record in enumerate(generate_records(docs, seed), 1):
        paper = snapshot_record(record, source, line)
        assert isinstance(paper, Paper), paper
        yield paper


def write_jsonl(path: Path | str, docs: int, seed: int = 1) -> int:
    """Write ``docs`` records to ``path`` (streamed); return the bytes written."""
    written = 0
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for record in generate_records(docs, seed):
            line = json.dumps(record, ensure_ascii=False) + "\n"
            fh.write(line)
            written += len(line)
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, required=True, help="number of papers")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("-o", "--output", type=Path, required=True, help="JSON Lines file")
    args = parser.parse_args(argv)
    if args.docs < 1:
        parser.error("--docs must be at least 1")
    started = time.perf_counter()
    size = write_jsonl(args.output, args.docs, args.seed)
    elapsed = time.perf_counter() - started
    print(
        f"wrote {args.docs} papers ({size / 1e6:.1f} MB) to {args.output} in {elapsed:.1f} s",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
