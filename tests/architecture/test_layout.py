"""Rules about the shape of the ``iac`` package, checked from its source.

* the packages under ``iac/`` form a layered graph: no import cycles between them;
* ``iac.plan`` is the pure planner: it imports nothing above state, genesys.live and
  config.models;
* ``iac.sandbox`` is a stand-in for Genesys that only the target chooser and the
  ``sandbox`` command load, and only when they need it;
* modules and classes stay small enough to read.

The import rules read the source with ``ast``: every ``import``/``from ... import`` of an
``iac`` module counts, relative ones and those inside functions too (a lazy import is still a
dependency), except those under ``if TYPE_CHECKING:``, which never run. What real runs
import (``python -X importtime``) is checked in tests/e2e/test_import_costs.py.
"""

from __future__ import annotations

import ast
import textwrap
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
IAC_DIR = REPO_ROOT / "iac"
SANDBOX_DIR = IAC_DIR / "sandbox"

# Entry points: they may import anything and nothing imports them.
ENTRY_POINTS = {"iac", "iac.__main__"}

PLAN_MAY_IMPORT = (
    "iac.plan",
    "iac.state.model",
    "iac.genesys.live",
    # The partner event bus as plain data (no boto3): the planner plans buses too.
    "iac.aws.live",
    "iac.config.models",
    "iac.errors",
    "iac.vocabulary",
)
SANDBOX_IMPORTERS = ("iac.run.target", "iac.cli.sandbox")

MAX_MODULE_LINES = 400
MAX_CLASS_LINES = 250


# --------------------------------------------------------------------------------------------
# Reading the imports


@dataclass(frozen=True)
class Import:
    source: str  # the importing module, e.g. "iac.plan.saved"
    path: Path
    line: int
    statement: str  # as written, e.g. "from .model import Plan"
    target: str  # the module imported, resolved, e.g. "iac.plan.model"
    lazy: bool  # inside a function: runs when called, not when the module is imported

    def where(self) -> str:
        written = self.target in self.statement.replace(",", " ").split()
        resolved = "" if written else f"  (= {self.target})"
        lazy = "  [inside a function]" if self.lazy else ""
        return f"{shown(self.path)}:{self.line}: {self.statement}{resolved}{lazy}"


def shown(path: Path) -> str:
    try:
        return str(path.relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO_ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def iac_modules() -> dict[str, Path]:
    modules = {module_name(p): p for p in sorted(IAC_DIR.rglob("*.py"))}
    assert len(modules) > 10, f"found only {sorted(modules)} under {IAC_DIR}: wrong checkout?"
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _is_iac(name: str) -> bool:
    return name == "iac" or name.startswith("iac.")


class _ImportCollector(ast.NodeVisitor):
    def __init__(self, module: str, path: Path, known: set[str]) -> None:
        self.module = module
        self.path = path
        self.known = known
        self.package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        self.function_depth = 0
        self.found: list[Import] = []

    def _add(self, node: ast.stmt, statement: str, target: str) -> None:
        self.found.append(
            Import(self.module, self.path, node.lineno, statement, target, self.function_depth > 0)
        )

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.function_depth += 1
        self.generic_visit(node)
        self.function_depth -= 1

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_If(self, node: ast.If) -> None:
        if _is_type_checking(node.test):
            for child in node.orelse:  # only the body is for type checkers
                self.visit(child)
        else:
            self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if _is_iac(alias.name):
                self._add(node, f"import {alias.name}", alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            package_parts = self.package.split(".")
            base_parts = package_parts[: len(package_parts) - (node.level - 1)]
            base = ".".join(base_parts + ([node.module] if node.module else []))
        else:
            base = node.module or ""
        if not _is_iac(base):
            return
        written = "." * node.level + (node.module or "")
        names_by_target: dict[str, list[str]] = defaultdict(list)
        for alias in node.names:
            candidate = f"{base}.{alias.name}"  # `from iac.genesys import live` imports a module
            names_by_target[candidate if candidate in self.known else base].append(alias.name)
        for target, names in names_by_target.items():
            self._add(node, f"from {written} import {', '.join(names)}", target)


def imports_of(module: str, path: Path, known: set[str]) -> list[Import]:
    collector = _ImportCollector(module, path, known)
    collector.visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
    return collector.found


def all_imports() -> list[Import]:
    modules = iac_modules()
    known = set(modules)
    return [
        found
        for module, path in modules.items()
        if module not in ENTRY_POINTS
        for found in imports_of(module, path, known)
    ]


def unit_of(module: str) -> str | None:
    """The first component under iac: iac.plan.model -> iac.plan; None for the root package."""
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 else None


def within(module: str, prefixes: Iterable[str]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


# --------------------------------------------------------------------------------------------
# Cycles


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm: the strongly-connected components, each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in sorted(graph.get(node, ())):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def shortest_cycle(graph: dict[str, set[str]], start: str, members: set[str]) -> list[str]:
    """The shortest path start -> ... -> start inside one component (breadth first)."""
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for succ in sorted(graph[node] & members):
                if succ == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return [*reversed(path), start]
                if succ not in previous:
                    previous[succ] = node
                    following.append(succ)
        frontier = following
    raise AssertionError(f"{start} is on no cycle")  # cannot happen in a component of 2+


def describe_cycles(found: list[Import]) -> str:
    """Empty when the unit graph is acyclic, else a report of every cycle and its edges."""
    edges: dict[tuple[str, str], list[Import]] = defaultdict(list)
    for imp in found:
        source, target = unit_of(imp.source), unit_of(imp.target)
        if source and target and source != target:
            edges[source, target].append(imp)
    graph: dict[str, set[str]] = defaultdict(set)
    for source, target in edges:
        graph[source].add(target)
        graph.setdefault(target, set())

    report = []
    cycles = [c for c in strongly_connected(graph) if len(c) > 1]
    for number, component in enumerate(cycles, 1):
        members = set(component)
        path = shortest_cycle(graph, component[0], members)
        report.append(f"cycle {number}: {', '.join(component)}")
        report.append(f"  e.g. {' -> '.join(path)}")
        report.append("  its edges, with one import each (break at least one per cycle):")
        for source in component:
            for target in sorted(graph[source] & members):
                imports = sorted(edges[source, target], key=lambda i: (str(i.path), i.line))
                more = f"   (+{len(imports) - 1} more)" if len(imports) > 1 else ""
                report.append(f"    {source} -> {target}:  {imports[0].where()}{more}")
    return "\n".join(report)


# --------------------------------------------------------------------------------------------
# 1. Imports


def test_import_reader_sees_relative_and_lazy_imports_and_skips_type_checking(
    tmp_path: Path,
) -> None:
    """The reader the rules below depend on: if it misses imports, the rules pass vacuously."""
    package = tmp_path / "iac" / "plan"
    package.mkdir(parents=True)
    source = package / "planner.py"
    source.write_text(
        textwrap.dedent(
            """\
            from typing import TYPE_CHECKING
            import iac.errors
            from . import model
            from ..state.model import State
            if TYPE_CHECKING:
                from iac.run import operations
            else:
                from iac.atomic import write_atomic
            def later():
                from iac.sandbox import SandboxServer
            """
        )
    )
    known = {"iac", "iac.plan", "iac.plan.model", "iac.plan.planner", "iac.state.model"}
    found = imports_of("iac.plan.planner", source, known)
    seen = {(i.line, i.target, i.lazy) for i in found}
    described = [i.where() for i in found]
    assert seen == {
        (2, "iac.errors", False),
        (3, "iac.plan.model", False),
        (4, "iac.state.model", False),
        (8, "iac.atomic", False),
        (10, "iac.sandbox", True),
    }, described
    assert unit_of("iac.plan.model") == "iac.plan"
    assert unit_of("iac.errors") == "iac.errors"
    assert unit_of("iac") is None


def test_cycle_report_names_each_edge_with_an_example_import() -> None:
    def imp(source: str, target: str, line: int) -> Import:
        path = REPO_ROOT / (source.replace(".", "/") + ".py")
        return Import(source, path, line, f"from {target} import x", target, False)

    report = describe_cycles(
        [
            imp("iac.a.one", "iac.b.two", 3),
            imp("iac.b.two", "iac.c", 5),
            imp("iac.c", "iac.a.one", 7),
            imp("iac.c", "iac.d", 9),
        ]
    )
    assert "cycle 1: iac.a, iac.b, iac.c" in report, report
    assert "iac.a -> iac.b -> iac.c -> iac.a" in report, report
    assert "iac.c -> iac.a:  iac/c.py:7: from iac.a.one import x" in report, report
    assert "iac.d" not in report, report
    assert describe_cycles([imp("iac.a.one", "iac.b", 1), imp("iac.a.two", "iac.a", 2)]) == ""


def test_no_import_cycle_between_packages() -> None:
    report = describe_cycles(all_imports())
    if report:
        pytest.fail(
            "The packages under iac/ import each other in a cycle, so neither can be understood, "
            "tested or imported without the other. Move the shared code down into a package both "
            "can import, or pass it in as a parameter. (Imports inside functions count; only "
            "`if TYPE_CHECKING:` imports do not.)\n\n" + report,
            pytrace=False,
        )


def test_planner_imports_only_state_live_and_config_models() -> None:
    offenders = [
        imp.where()
        for imp in all_imports()
        if within(imp.source, ["iac.plan"]) and not within(imp.target, PLAN_MAY_IMPORT)
    ]
    if offenders:
        pytest.fail(
            "iac.plan is the pure planner: it may import only "
            + ", ".join(PLAN_MAY_IMPORT)
            + ". Move the code that needs more (files, settings, policy, the CLI's inputs) out of "
            "iac.plan to the layer that calls the planner, or pass what it needs in as data:\n  "
            + "\n  ".join(offenders),
            pytrace=False,
        )


def test_sandbox_is_loaded_only_lazily_by_the_target_chooser_and_sandbox_command() -> None:
    modules = iac_modules()
    offenders = []
    for imp in all_imports():
        if within(imp.source, ["iac.sandbox"]) or not within(imp.target, ["iac.sandbox"]):
            continue
        if not within(imp.source, SANDBOX_IMPORTERS):
            offenders.append(
                f"{imp.where()}\n      -> only {' and '.join(SANDBOX_IMPORTERS)} "
                "may import iac.sandbox; go through them"
            )
        elif not imp.lazy:
            offenders.append(
                f"{imp.where()}\n      -> import it inside the function that "
                "starts the sandbox, not at module top"
            )
    missing = [m for m in SANDBOX_IMPORTERS if m not in modules]
    note = f"\n(Not in the tree yet: {', '.join(missing)}.)" if missing and offenders else ""
    if offenders:
        pytest.fail(
            "iac.sandbox is a test double of Genesys Cloud: a run against a real org must never "
            f"load it. Only {' and '.join(SANDBOX_IMPORTERS)} may import it, and only inside a "
            "function:\n  " + "\n  ".join(offenders) + note,
            pytrace=False,
        )


# --------------------------------------------------------------------------------------------
# 2. Sizes


def _outside_sandbox() -> Iterator[Path]:
    for path in iac_modules().values():
        if SANDBOX_DIR not in path.parents:
            yield path


def test_modules_are_at_most_400_lines() -> None:
    offenders = []
    for path in _outside_sandbox():
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_MODULE_LINES:
            offenders.append(f"{path.relative_to(REPO_ROOT)}: {lines} lines")
    if offenders:
        pytest.fail(
            f"Modules under iac/ (outside iac/sandbox/) are at most {MAX_MODULE_LINES} lines; "
            "split these along their responsibilities:\n  " + "\n  ".join(offenders),
            pytrace=False,
        )


def test_classes_are_at_most_250_lines() -> None:
    offenders = []
    for path in _outside_sandbox():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                size = (node.end_lineno or node.lineno) - node.lineno + 1
                if size > MAX_CLASS_LINES:
                    offenders.append(
                        f"{path.relative_to(REPO_ROOT)}:{node.lineno}: class {node.name}: "
                        f"{size} lines"
                    )
    if offenders:
        pytest.fail(
            f"Classes in iac/ (outside iac/sandbox/) are at most {MAX_CLASS_LINES} lines; extract "
            "collaborators from these:\n  " + "\n  ".join(offenders),
            pytrace=False,
        )
