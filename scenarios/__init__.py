"""Runbook scenarios, one module each, every module defining `scenario`. This is their registry."""
from __future__ import annotations

import difflib
import importlib
import pkgutil
from pathlib import Path

from harness.errors import UnknownScenario
from harness.scenario import Scenario

_HERE = Path(__file__).parent


def scenario_ids() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules([str(_HERE)]) if not m.name.startswith("_"))


def load(scenario_id: str) -> Scenario:
    ids = scenario_ids()
    if scenario_id not in ids:
        close = difflib.get_close_matches(scenario_id, ids, n=3, cutoff=0.4)
        hint = f"did you mean {', '.join(close)}?" if close else f"known scenarios: {', '.join(ids)}"
        raise UnknownScenario(f"no scenario {scenario_id!r}; {hint}")
    scenario = importlib.import_module(f"scenarios.{scenario_id}").scenario
    if scenario.id != scenario_id:
        raise UnknownScenario(f"scenarios/{scenario_id}.py defines scenario id {scenario.id!r}; they must match")
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
