"""The harness' layering (docs/architecture.md): scenarios -> runner -> faults / observe / journal / bounds ->
catalog -> stack -> foundation (errors, layout, timing, waiting, ledger, ...), and no import cycle, counting every import: module level, inside functions and under
TYPE_CHECKING (an import hidden in a function still ties the modules together)."""
import ast
from pathlib import Path

import pytest

from chaos_harness.faults import DOMAINS
from fixtures import ROOT

pytestmark = pytest.mark.unit

PACKAGE = ROOT / "chaos_harness"

FOUNDATION = {"errors", "log", "layout", "exitcodes", "waiting", "timing", "ledger", "docker_env", "images", "tools", "chart",
              "parallel"}
STACK = {"stack"}
CATALOG = {"catalog", "readiness", "observe.http"}
FAULTS = {"faults", "faults.base", "faults.nemesis", *(f"faults.{domain}" for domain in DOMAINS)}
OBSERVE = {"observe.prometheus", "observe.alertmanager", "observe.webhook", "observe.alerts"}
EVIDENCE = {"journal"}                      # the run's typed events; its Allure handler records what the runner says
BOUNDS = {"signals", "bounds"}              # signal and clearing delays, derived bounds (read the rules)
RUNNER = {"runner", "scenario", "controls"}
TOP = {"plugin", "__main__", "cli", "registry"}

# what each layer must not import (anything above it)
FORBIDDEN = {
    "foundation": (FOUNDATION, STACK | CATALOG | FAULTS | OBSERVE | EVIDENCE | RUNNER | TOP),
    "stack": (STACK, CATALOG | FAULTS | OBSERVE | EVIDENCE | RUNNER | TOP),
    "catalog": (CATALOG, FAULTS | OBSERVE | EVIDENCE | RUNNER | TOP),
    "faults": (FAULTS, OBSERVE - {"observe.http"} | EVIDENCE | RUNNER | TOP),
    "observe": (OBSERVE, FAULTS | EVIDENCE | RUNNER | TOP),
    "evidence": (EVIDENCE, FAULTS | RUNNER | TOP),
    "bounds": (BOUNDS, FAULTS | EVIDENCE | RUNNER | TOP),
    "runner": (RUNNER, TOP),
}


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("chaos_harness"):
            found |= ({n.name for n in node.names} if node.module == "chaos_harness"
                      else {node.module.removeprefix("chaos_harness.")})
        elif isinstance(node, ast.Import):
            found |= {a.name.removeprefix("chaos_harness.") for a in node.names if a.name.startswith("chaos_harness.")}
    return found


def _graph() -> dict[str, set[str]]:
    modules = {_module(p): p for p in PACKAGE.rglob("*.py")}
    return {name: {m for m in _imports(path) if m in modules and m != name} for name, path in modules.items()}


def test_every_module_is_in_a_layer_or_above_them():
    placed = FOUNDATION | STACK | CATALOG | FAULTS | OBSERVE | EVIDENCE | BOUNDS | RUNNER | TOP
    known_elsewhere = {"", "observe", "services", "traffic", "workloads", "drills", "mutation", "validate",
                       "runbooks", "coverage", "gate", "report", "bench", "scaffold", "cleanup", "dashboard",
                       "evidence", "allure_results"}      # above the runner: results, reports, checks, tools
    assert set(_graph()) - placed - known_elsewhere == set(), "place a new module in a layer (this test)"


def test_no_import_cycle_counting_every_import():
    graph, index, low, stack, on, cycles = _graph(), {}, {}, [], set(), []

    def visit(v):                               # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    assert cycles == []


@pytest.mark.parametrize("layer", FORBIDDEN)
def test_a_layer_imports_nothing_above_it(layer):
    members, above = FORBIDDEN[layer]
    graph = _graph()
    wrong = sorted(f"{m} imports {d}" for m in members for d in graph.get(m, ()) & above)
    assert wrong == []


def test_domain_modules_import_the_fault_base_not_the_package():
    """The package re-exports its domains' names; a domain importing the package back would tie them in a knot."""
    graph = _graph()
    wrong = sorted(f"faults.{domain} imports faults" for domain in DOMAINS if "faults" in graph[f"faults.{domain}"])
    assert wrong == []


def test_every_fault_kind_is_registered_by_its_domain():
    from chaos_harness.faults import kinds
    from chaos_harness.faults.base import Fault

    def concrete(cls):
        for sub in cls.__subclasses__():
            yield from concrete(sub)
            if "kind" in sub.__dict__:
                yield sub
    known = kinds()
    assert {cls.kind for cls in concrete(Fault) if cls.__module__.startswith("chaos_harness.faults")} == set(known)
