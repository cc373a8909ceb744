"""The modules of ``docproc`` import each other without a cycle, type-only imports included, and
never import the service, the benchmarks or the command line (issue 10: ``service`` imports
``docproc``, never the reverse)."""

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


#: What the library must never import, not even lazily inside a function: they import it.
OUTSIDE_THE_LIBRARY = ("service", "bench", "cli")


def _outside_imports(source: str) -> list[str]:
    """The absolute imports of ``source`` (anywhere: module level, functions, ``TYPE_CHECKING``
    blocks, ``importlib.import_module("…")`` and ``__import__("…")`` calls) that name a package
    of :data:`OUTSIDE_THE_LIBRARY`."""
    names: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
        elif (
            isinstance(node, ast.Call)
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
            and (
                (isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
                or (
                    isinstance(node.func, ast.Name)
                    and node.func.id in ("__import__", "import_module")
                )
            )
        ):
            names.append(node.args[0].value)
    return [n for n in names if n.split(".")[0] in OUTSIDE_THE_LIBRARY]


def test_docproc_never_imports_the_service_the_benchmarks_or_the_cli() -> None:
    offenders = {
        name: found
        for name, path in _modules().items()
        if (found := _outside_imports(path.read_text(encoding="utf-8")))
    }
    assert not offenders, f"docproc imports outside the library: {offenders}"


def test_the_outside_import_check_sees_lazy_and_dynamic_imports() -> None:
    source = (
        "import json\n"
        "from .cli import run\n"  # docproc.eligibility.cli: relative, inside the library
        "def f():\n"
        "    from service.commands import up\n"
        "    import bench.run\n"
        "    importlib.import_module('cli.main')\n"
    )
    assert _outside_imports(source) == ["service.commands", "bench.run", "cli.main"]
    assert _outside_imports("from docproc.services import x\nimport benchmark\n") == []


def test_the_service_never_imports_the_benchmarks_or_the_cli() -> None:
    """``cli`` and ``bench`` sit on top: they import ``service``, never the reverse."""
    import service

    root = Path(service.__file__).parent
    offenders = {
        str(path.relative_to(root)): found
        for path in sorted(root.rglob("*.py"))
        if (
            found := [
                n
                for n in _outside_imports(path.read_text(encoding="utf-8"))
                if n.split(".")[0] != "service"
            ]
        )
    }
    assert not offenders, f"service imports what imports it: {offenders}"
