"""Checking query text before it reaches Whoosh's query parser.

Whoosh's parser never fails: on a query it cannot make sense of (``year:[``,
``a AND``, ``(latent``) it silently drops parts, often leaving a query that
matches nothing, and the user cannot tell why. :func:`check_query` finds
those problems first and names them, with the column at fault.

The query language is Whoosh's default one: words (AND-ed), ``AND``/``OR``/
``NOT``, ``"phrases"``, ``field:term``, ranges ``year:[2020 TO 2023]``,
comparisons ``upvotes:>10``, wildcards ``diff*`` and fuzzy terms ``term~``.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from whoosh import qparser

_OPERATORS = {"AND", "OR", "ANDNOT", "ANDMAYBE"}
_FIELD = re.compile(r"(?P<field>[A-Za-z_]+):(?P<value>.*)", re.DOTALL)
_INT = re.compile(r"-?\d+")
_RANGE = re.compile(r"^[\[{]\s*(?P<lo>\S*?)\s*(?:\bTO\b\s*(?P<hi>\S*?))?\s*[\]}]$")
_COMPARISON = re.compile(r"^(?:>=|<=|>|<|=)?(?P<num>.+)$")


class QueryError(ValueError):
    """A query that cannot be run as typed.

    Attributes:
        query: the query text.
        column: 1-based column of the problem.
        reason: what is wrong, in words a user understands.
    """

    def __init__(self, query: str, column: int, reason: str) -> None:
        self.query = query
        self.column = column
        self.reason = reason
        super().__init__(f"query {query!r}, column {column}: {reason}")


def _tokens(text: str) -> list[tuple[int, str]]:
    """Split on white space outside quotes, brackets and braces: ``[(offset, token)]``."""
    tokens: list[tuple[int, str]] = []
    start: int | None = None
    closer: str | None = None
    for i, ch in enumerate(text):
        if closer:
            if ch == closer:
                closer = None
            continue
        if ch in '"[{':
            closer = {'"': '"', "[": "]", "{": "}"}[ch]
            start = i if start is None else start
        elif ch.isspace() or ch in "()":
            if start is not None:
                tokens.append((start, text[start:i]))
                start = None
            if ch in "()":
                tokens.append((i, ch))
        elif start is None:
            start = i
    if start is not None:
        tokens.append((start, text[start:]))
    return tokens


def _check_balance(text: str) -> None:
    stack: list[tuple[str, int]] = []
    in_quote: int | None = None
    pairs = {")": "(", "]": "[", "}": "{"}
    for i, ch in enumerate(text):
        if in_quote is not None:
            if ch == '"':
                in_quote = None
            continue
        if ch == '"':
            in_quote = i
        elif ch in "([{":
            stack.append((ch, i))
        elif ch in pairs:
            if not stack or stack[-1][0] != pairs[ch]:
                raise QueryError(text, i + 1, f"'{ch}' closes nothing")
            stack.pop()
    if in_quote is not None:
        raise QueryError(text, in_quote + 1, 'unclosed quote: add the closing "')
    if stack:
        ch, i = stack[-1]
        closing = {"(": ")", "[": "]", "{": "}"}[ch]
        what = "range" if ch in "[{" else "group"
        raise QueryError(text, i + 1, f"unclosed {what} '{ch}': add '{closing}'")


def _check_numeric(text: str, offset: int, field: str, value: str) -> None:
    column = offset + len(field) + 2
    if value[:1] in "[{":
        m = _RANGE.match(value)
        if not m or (m.group("hi") is None and "TO" not in value):
            raise QueryError(text, column, f"a range is written {field}:[2020 TO 2023]")
        for bound in (m.group("lo"), m.group("hi")):
            if bound and not _INT.fullmatch(bound):
                raise QueryError(
                    text, column, f"{field} range bound {bound!r} is not a whole number"
                )
        return
    m = _COMPARISON.match(value)
    if not m or not _INT.fullmatch(m.group("num")):
        raise QueryError(
            text, column, f"{field} takes a whole number, a range [A TO B] or >N, not {value!r}"
        )


#: The fields a user searches by name, as the messages list them.
USER_FIELDS = ("title", "abstract", "authors", "organisation", "year", "upvotes")


def _check_symbols(text: str, offset: int, token: str) -> None:
    """``<``/``>`` outside a numeric comparison and ``~`` not after a word:
    Whoosh's parser fails on them with internal errors (``<script>``: "list
    index out of range"; ``~~``: "'NoneType' object has no attribute 'maxdist'")."""
    if _FIELD.fullmatch(token):
        return  # field:value: checked by field
    quoted = False
    for i, ch in enumerate(token):
        if ch == '"':
            quoted = not quoted
        if quoted:
            continue
        if ch in "<>":
            raise QueryError(
                text,
                offset + i + 1,
                f"'{ch}' compares numbers after a number field, as in year:>2020 or "
                "upvotes:>=10; to search for the word, leave the symbol out",
            )
        if ch == "~" and (i == 0 or not (token[i - 1].isalnum() or token[i - 1] in '*?"')):
            raise QueryError(
                text,
                offset + i + 1,
                "'~' follows a word to match it with typos, as in difusion~ or difusion~2",
            )


def check_query(
    text: str,
    *,
    numeric_fields: Collection[str] = ("year", "upvotes"),
    text_fields: Collection[str] = ("title", "abstract", "authors", "organisation"),
    known_fields: Collection[str] | None = None,
) -> None:
    """Raise :class:`QueryError` if ``text`` is not a well-formed query.

    Checks balanced quotes, parentheses and range brackets; operators with a
    term on each side; values of known fields (a value may be a group:
    ``title:(latent diffusion)``); whole numbers and ranges for numeric
    fields; ``<``/``>`` only in comparisons (``year:>2020``) and ``~`` only
    after a word (``difusion~``). A ``word: ...`` prefix followed by a space
    is left alone (Whoosh searches it as a plain word, right for a pasted
    title like ``Mamba: Linear...``); ``word:value`` with a ``word`` that is
    not among ``known_fields`` is an error naming the fields (when
    ``known_fields`` is given; URLs such as ``https://...`` are words).

    Raises:
        QueryError: naming the query, the 1-based column and the problem.
    """
    _check_balance(text)
    tokens = _tokens(text)
    previous: str | None = None
    for index, (offset, token) in enumerate(tokens):
        _check_symbols(text, offset, token)
        if token in _OPERATORS:
            at_edge = index == 0 or index == len(tokens) - 1
            if at_edge or previous in _OPERATORS or previous == "(" or tokens[index + 1][1] == ")":
                raise QueryError(text, offset + 1, f"'{token}' needs a term on each side")
        elif token == "NOT" and (index == len(tokens) - 1 or tokens[index + 1][1] == ")"):
            raise QueryError(text, offset + 1, "'NOT' needs a term after it")
        elif m := _FIELD.fullmatch(token):
            field, value = m.group("field"), m.group("value")
            known = field in numeric_fields or field in text_fields
            group = not value and index + 1 < len(tokens) and tokens[index + 1][1] == "("
            group = group and tokens[index + 1][0] == offset + len(token)
            if group and field in numeric_fields:
                raise QueryError(
                    text, offset + len(field) + 2, f"{field} takes a number or a range, not a group"
                )
            if (
                known_fields is not None
                and (value or group)
                and field not in known_fields
                and not value.startswith("/")
            ):
                raise QueryError(
                    text,
                    offset + 1,
                    f"unknown field '{field}': search in {', '.join(USER_FIELDS)} "
                    f"(as in title:diffusion), or put a space after '{field}:' to search "
                    "for the word",
                )
            if known and not value and not group:
                raise QueryError(
                    text, offset + len(field) + 2, f"'{field}:' needs a value after it"
                )
            if field in numeric_fields:
                _check_numeric(text, offset, field, value)
        previous = token


_PLAIN_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
_ALL_OPERATORS = _OPERATORS | {"NOT", "TO"}


def plain_words(text: str) -> str:
    """Return the words of ``text`` without any query syntax.

    The forgiving fallback for a query that does not parse: quotes, brackets,
    parentheses, ``field:`` colons, wildcards, ``~`` and upper-case operators
    are dropped, the words kept in order (``'"latent diffusion'`` →
    ``latent diffusion``; ``'year:[2020 TO'`` → ``year 2020``).
    """
    return " ".join(w for w in _PLAIN_WORD.findall(text) if w not in _ALL_OPERATORS)


class PrefixedFuzzyPlugin(qparser.FuzzyTermPlugin):
    """``word~`` keeps the first letter: Whoosh's default (no prefix) walks every
    term of every searched field for each fuzzy word, the slowest query there
    was (about 100 ms on 1,000 papers); typos rarely hit the first letter, as
    the spelling corrector also assumes. ``word~2/0`` still allows any start."""

    def create(self, parser, match):
        node = super().create(parser, match)
        if not match.group("prefix"):
            node.prefixlength = 1
        return node
