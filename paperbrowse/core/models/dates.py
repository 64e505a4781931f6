"""Partial dates: how many parts of a date are known (year, month, day) and how to read one."""

from __future__ import annotations

import re
from datetime import date

#: How many parts of :attr:`Paper.published` are known.
YEAR, MONTH, DAY = 1, 2, 3

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
