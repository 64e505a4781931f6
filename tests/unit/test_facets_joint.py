"""Facet counts of a pool, counted as (year, organisation) pairs in one pass,
equal the papers per year and per organisation counted one by one."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from paperbrowse.core.engine.tables import Tables
from paperbrowse.core.index import PaperIndex


def _one_by_one(tables: Tables, year_pool: np.ndarray, org_pool: np.ndarray):
    years = Counter(int(y) for y in tables.year[year_pool] if 1 <= y <= 9999)
    orgs = Counter(tables.org_names[c] for c in tables.org[org_pool] if c)
    undated = int(np.count_nonzero(year_pool)) - sum(years.values())
    return (
        sorted(years.items()),
        sorted(orgs.items(), key=lambda i: (-i[1], i[0].casefold())),
        undated,
    )


@pytest.mark.parametrize("pairs", [Tables.JOINT_PAIRS, 0])
def test_facet_counts_equal_the_papers_counted_one_by_one(
    index: PaperIndex, monkeypatch: pytest.MonkeyPatch, pairs: int
) -> None:
    monkeypatch.setattr(Tables, "JOINT_PAIRS", pairs)
    rng = np.random.default_rng(pairs)
    with index._searcher() as searcher:
        tables = index._tables_for(searcher)
        tables.cache.clear()
        assert len(tables.org_names) > 3 and len(set(tables.year.tolist())) > 3
        for share in (0.01, 0.3, 0.6, 0.99, 1.0):
            for same in (True, False):
                year_pool = tables.live & (rng.random(tables.count) < share)
                org_pool = year_pool if same else tables.live & (rng.random(tables.count) < share)
                got = tables.count_facets(year_pool, org_pool)
                years, orgs, undated = _one_by_one(tables, year_pool, org_pool)
                assert list(got.years) == years
                assert list(got.organisations) == orgs
                assert got.undated == undated
        assert (tables.cache.get("joint") is not None) == bool(pairs)
