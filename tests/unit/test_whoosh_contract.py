"""The contract with whoosh-reloaded's private names (issue 17).

The engine reaches below Whoosh's public API through one module,
``paperbrowse.core.engine.whoosh_compat``. These tests guard an upgrade of
whoosh-reloaded (pinned in pyproject.toml): every private name the compat
module uses still exists; no other module of paperbrowse uses a private
Whoosh name; and a search over the bundled corpus takes the fast paths (no
fallback warning), so an upgrade cannot make searches silently slower.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import logging
import re
from pathlib import Path

import pytest
import whoosh

from paperbrowse.core.engine import postings, whoosh_compat
from paperbrowse.core.locations import Locations
from paperbrowse.core.models import Filters
from paperbrowse.core.service import Corpus, open_index

PACKAGE = Path(__file__).resolve().parents[2] / "paperbrowse"
COMPAT = PACKAGE / "core" / "engine" / "whoosh_compat.py"
#: Underscore names of Python itself that Whoosh's sources also happen to use.
NOT_WHOOSH = {"_replace", "_asdict", "_fields", "_make", "_exit"}


def _resolve(dotted: str):
    """The module or class named ``dotted`` (``module.Class.Inner``)."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(dotted)


def _whoosh_sources(cls: type) -> str:
    """The source of every Whoosh class in ``cls``'s method resolution order."""
    return "\n".join(inspect.getsource(k) for k in cls.__mro__ if k.__module__.startswith("whoosh"))


@pytest.mark.parametrize(("owner", "name"), whoosh_compat.PRIVATE_NAMES)
def test_each_private_name_the_compat_module_uses_exists(owner: str, name: str) -> None:
    obj = _resolve(owner)
    if inspect.ismodule(obj):
        assert hasattr(obj, name), f"{owner} has no {name}"
        return
    has = (
        hasattr(obj, name)
        or re.search(rf"self\.{re.escape(name)}\b", _whoosh_sources(obj)) is not None
        or name in inspect.signature(obj.__init__).parameters
    )
    assert has, f"whoosh {whoosh.versionstring()}: {owner} no longer has {name}"


def test_every_private_name_in_the_compat_source_is_declared() -> None:
    """The declared list is the real one: each ``x._name`` the compat module
    touches on a Whoosh object appears in PRIVATE_NAMES."""
    declared = {name for _, name in whoosh_compat.PRIVATE_NAMES}
    used = set(re.findall(r"\b(?!self\b)[a-z]\w*\.(_[a-zA-Z]\w*)\b", COMPAT.read_text()))
    used |= set(re.findall(r"\bimport\s.*?\b(_[a-z]\w*)", COMPAT.read_text()))
    used |= set(re.findall(r"super\(\)\.(_[a-z]\w*)", COMPAT.read_text()))
    used -= {"_warned"}
    assert used <= declared, sorted(used - declared)


def _whoosh_private_names() -> set[str]:
    """Every underscore name Whoosh defines: module-level, methods, keyword
    parameters, and attributes its classes set on ``self``."""
    names: set[str] = set()
    root = Path(whoosh.__file__).parent
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8", errors="replace")
        names |= set(re.findall(r"\bself\.(_[a-zA-Z]\w*)\s*=", text))
        names |= set(re.findall(r"^\s*def (_[a-zA-Z]\w*)", text, re.M))
        names |= set(re.findall(r"^(_[a-zA-Z]\w*)\s*=", text, re.M))
        names |= set(re.findall(r"[(,]\s*(_[a-zA-Z]\w*)\s*=", text))  # keyword parameters
    return {n for n in names if not n.startswith("__")} - NOT_WHOOSH


WHOOSH_PRIVATE = _whoosh_private_names()


def _whoosh_bases(tree: ast.Module) -> dict[str, set[str]]:
    """For each class of ``tree`` with a Whoosh class among its bases: the
    private names that Whoosh's classes in its resolution order define."""
    imported: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                imported[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    found: dict[str, set[str]] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef):
            continue
        privates: set[str] = set()
        for base in node.bases:
            dotted = imported.get(base.id) if isinstance(base, ast.Name) else None
            if not dotted or not (dotted.startswith("whoosh") or "whoosh_compat" in dotted):
                continue
            cls = _resolve(dotted)
            source = _whoosh_sources(cls)
            privates |= set(re.findall(r"self\.(_[a-zA-Z]\w*)", source))
            privates |= set(re.findall(r"def (_[a-zA-Z]\w*)", source))
        if privates:
            found[node.name] = {n for n in privates if not n.startswith("__")}
    return found


def private_uses(source: str, where: str = "<source>") -> list[str]:
    """The private Whoosh names ``source`` (Python code) uses: imports of an
    underscore name or of ``whoosh.codec.whoosh3``, ``x._name`` or
    ``getattr(x, "_name")`` for a name Whoosh defines (``x`` not ``self``),
    and ``self._name`` or ``def _name`` inside a subclass of a Whoosh class
    for a name that class defines."""
    tree = ast.parse(source)
    bad: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("whoosh"):
            if node.module.startswith("whoosh.codec.whoosh3"):
                bad.append(f"{where}:{node.lineno} imports {node.module}")
            bad += [
                f"{where}:{node.lineno} imports {a.name}"
                for a in node.names
                if a.name.startswith("_")
            ]
        elif isinstance(node, ast.Attribute) and node.attr in WHOOSH_PRIVATE:
            value = node.value
            if not (isinstance(value, ast.Name) and value.id in {"self", "cls"}):
                bad.append(f"{where}:{node.lineno} uses .{node.attr}")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in {"getattr", "hasattr", "setattr"}
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and node.args[1].value in WHOOSH_PRIVATE
            and not (isinstance(node.args[0], ast.Name) and node.args[0].id == "self")
        ):
            bad.append(f"{where}:{node.lineno} uses {node.func.id}(..., {node.args[1].value!r})")
        elif isinstance(node, ast.keyword) and node.arg in WHOOSH_PRIVATE:
            bad.append(f"{where}:{node.value.lineno} passes {node.arg}=")
    for cls in ast.walk(tree):
        if not isinstance(cls, ast.ClassDef):
            continue
        privates = _whoosh_bases(tree).get(cls.name, set())
        for node in ast.walk(cls):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "self"
                and node.attr in privates
            ):
                bad.append(f"{where}:{node.lineno} {cls.name} uses self.{node.attr}")
            elif isinstance(node, ast.FunctionDef) and node.name in privates:
                bad.append(f"{where}:{node.lineno} {cls.name} overrides {node.name}")
    return bad


def test_the_scanner_finds_private_whoosh_names() -> None:
    """A scanner that finds nothing proves nothing: it must flag each kind."""
    snippet = (
        "from whoosh.codec.whoosh3 import _lenfield\n"
        "from whoosh.matching import ListMatcher\n"
        "x = reader._terms\n"
        "y = getattr(leaf, '_codec', None)\n"
        "w = SegmentWriter(ix, _lk=False)\n"
        "class M(ListMatcher):\n"
        "    def skip_to(self, id):\n"
        "        self._i = 3\n"
        "    def _replace_ids(self):\n"
        "        pass\n"
    )
    found = "\n".join(private_uses(snippet))
    for expected in (
        "imports whoosh.codec.whoosh3",
        "imports _lenfield",
        "uses ._terms",
        "getattr(..., '_codec')",
        "passes _lk=",
        "M uses self._i",
    ):
        assert expected in found, (expected, found)
    assert private_uses("only = got._replace(ids=1)\nself._mine = 2\n") == []


def test_no_module_but_the_compat_one_uses_a_private_whoosh_name() -> None:
    bad: list[str] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == COMPAT:
            continue
        bad += private_uses(path.read_text(encoding="utf-8"), str(path.relative_to(PACKAGE)))
    assert bad == []


def test_a_search_on_the_bundled_corpus_takes_the_fast_paths(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Building and searching the bundled corpus never falls back: no warning
    from the compat module, postings read as arrays, never decoded by Whoosh."""
    monkeypatch.setattr(whoosh_compat, "_warned", set())
    generic: list[tuple] = []
    arrays: list[tuple] = []
    real_generic, real_arrays = postings._read_generic, postings.read_term_arrays

    def counting_generic(*args):
        generic.append(args)
        return real_generic(*args)

    def counting_arrays(*args):
        arrays.append(args)
        return real_arrays(*args)

    monkeypatch.setattr(postings, "_read_generic", counting_generic)
    monkeypatch.setattr(postings, "read_term_arrays", counting_arrays)
    caplog.set_level(logging.WARNING, logger=whoosh_compat.__name__)

    index = open_index(Locations.resolve(tmp_path / "data"), Corpus.bundled()).index
    queries = ["graph", "latent graph", '"neural network"', "graph*", "title:diffusion"]
    for text in queries:
        assert index.search(text, facets=True).total > 0, text
    assert index.search("graph", sort="date", filters=Filters(years=(2020, 2026))).total > 0
    assert index.search("", sort="date").total > 0

    assert arrays, "the searches never read array postings"
    assert generic == []
    warnings = [r for r in caplog.records if r.name == whoosh_compat.__name__]
    assert warnings == []


def test_a_missing_private_name_is_logged_once_and_falls_back(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(whoosh_compat, "_warned", set())
    caplog.set_level(logging.WARNING, logger=whoosh_compat.__name__)

    assert whoosh_compat.numeric_column_parts(object()) is None
    assert whoosh_compat.numeric_column_parts(object()) is None

    warnings = [r for r in caplog.records if r.name == whoosh_compat.__name__]
    assert len(warnings) == 1
    assert "_dbfile" in warnings[0].getMessage()
    assert "slower" in warnings[0].getMessage()
