"""The benchmark corpus generator (``benchmarks/corpus.py``) for tests.

Imported by basename (``from generated import bench_corpus``), as ``fakes``:
pytest puts ``tests/`` on ``sys.path`` for ``tests/conftest.py``.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[1]


def bench_corpus() -> ModuleType:
    """``benchmarks/corpus.py`` as module ``bench_corpus`` (loaded once)."""
    module = sys.modules.get("bench_corpus")
    if module is None:
        spec = importlib.util.spec_from_file_location(
            "bench_corpus", REPO / "benchmarks" / "corpus.py"
        )
        module = importlib.util.module_from_spec(spec)
        sys.modules["bench_corpus"] = module  # its dataclasses look their module up
        spec.loader.exec_module(module)
    return module


def generated_papers(docs: int, seed: int) -> list:
    """``docs`` synthetic papers (``Paper``), the same for the same ``seed``."""
    return list(bench_corpus().generate_papers(docs, seed=seed))
