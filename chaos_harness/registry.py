"""The scenario registry: every module of the project's scenarios package (setting `scenarios`) defines one
`scenario`, whose id is the module's name."""
from __future__ import annotations

import difflib
import importlib
import pkgutil

from chaos_harness.errors import ConfigError, UnknownScenario
from chaos_harness.layout import current
from chaos_harness.scenario import Scenario


def _package():
    name = current().scenarios
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        raise ConfigError(f"scenarios package {name!r} does not import from {current().root} ({exc}); set "
                          "--chaos-scenarios, ini chaos_scenarios or CHAOS_SCENARIOS") from None


def scenario_ids() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(list(_package().__path__)) if not m.name.startswith("_"))


def load(scenario_id: str) -> Scenario:
    ids = scenario_ids()
    if scenario_id not in ids:
        close = difflib.get_close_matches(scenario_id, ids, n=3, cutoff=0.4)
        hint = f"did you mean {', '.join(close)}?" if close else f"known scenarios: {', '.join(ids)}"
        raise UnknownScenario(f"no scenario {scenario_id!r}; {hint}")
    package = _package().__name__
    scenario = importlib.import_module(f"{package}.{scenario_id}").scenario
    if scenario.id != scenario_id:
        raise UnknownScenario(f"{package}/{scenario_id}.py defines scenario id {scenario.id!r}; they must match")
    return scenario


def all_scenarios() -> list[Scenario]:
    return [load(i) for i in scenario_ids()]


def groups() -> dict[str, list[str]]:
    """Scenario ids by the compose profiles they need ("core" for none): one CI shard per group,
    so each shard starts only the services its scenarios use."""
    out: dict[str, list[str]] = {}
    for s in all_scenarios():
        out.setdefault("-".join(sorted(s.profiles)) or "core", []).append(s.id)
    return dict(sorted(out.items()))
