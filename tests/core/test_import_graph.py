"""The modules of ``docproc`` import each other without a cycle, type-only imports included."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import docproc

ROOT = Path(docproc.__file__).parent


def _modules() -> dict[str, Path]:
    out = {"docproc": ROOT / "__init__.py"}
    for info in pkgutil.walk_packages([str(ROOT)], "docproc."):
        rel = info.name.split(".")[1:]
        path = ROOT.joinpath(*rel)
        out[info.name] = path / "__init__.py" if info.ispkg else path.with_suffix(".py")
    return out


def _imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """Every docproc module ``name`` imports, wherever the import stands (functions and
    ``if TYPE_CHECKING:`` blocks included). ``from pkg import mod`` counts as importing ``mod``."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            subs = {f"{base}.{a.name}" for a in node.names} & set(known)
            found.update(subs)
            if len(subs) < len(node.names):
                found.add(base)
    out = set()
    for target in found:
        while target and target not in known:
            target = target.rpartition(".")[0]
        # a module's own packages are initialised before it: not an edge
        if target.startswith("docproc") and not name.startswith(target + ".") and target != name:
            out.add(target)
    return out


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_every_docproc_module_imports() -> None:
    for name in _modules():
        importlib.import_module(name)


def test_no_import_cycle_between_docproc_modules() -> None:
    known = _modules()
    graph = {name: _imports(name, path, known) for name, path in known.items()}
    cycle = _cycle(graph)
    assert cycle is None, "import cycle: " + " → ".join(cycle or [])


def test_the_graph_counts_type_only_and_relative_imports() -> None:
    known = _modules()
    # ``Extraction`` is imported only under ``if TYPE_CHECKING:`` there
    declarants = _imports(
        "docproc.extractors.declarants", known["docproc.extractors.declarants"], known
    )
    assert "docproc.extractors.extraction" in declarants
    feed = _imports(
        "docproc.eligibility.alimentation", known["docproc.eligibility.alimentation"], known
    )
    assert "docproc.eligibility.reprise" in feed  # ``from .reprise import …``
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None
