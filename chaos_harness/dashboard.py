"""The Grafana dashboards (stack/grafana/dashboards/*.json: `Dataflow Overview`, `O2O Overview`): their panel
queries, by row, so tests can check each one against promtool and the running Prometheus.

A query may hold the dashboard's variables (`$status`, `${order_type}`, `[[window]]`): Grafana substitutes them
before Prometheus sees the query, so promtool and Prometheus get `PanelQuery.promql`, the query with every
variable replaced by its default (`.*` for a multi-value variable's "All", the current value otherwise)."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from chaos_harness.layout import current

DEFAULT = "dataflow-overview"

# $name, ${name}, ${name:format}, [[name]] (Grafana's variable syntaxes)
_VARIABLE = re.compile(r"\$\{(\w+)(?::[\w-]+)?\}|\[\[(\w+)\]\]|\$(\w+)")
# Grafana's global variables, as a dashboard opened on its default time range would have them
BUILTINS = {"__rate_interval": "1m", "__interval": "30s", "__range": "1h"}


def dashboards_dir() -> Path:
    return current().root / "stack" / "grafana" / "dashboards"


def dashboard_file(name: str = DEFAULT) -> Path:
    """The provisioning JSON of a dashboard by file stem: `dataflow-overview`, `o2o_overview`."""
    return dashboards_dir() / f"{name}.json"


def dashboards() -> list[Path]:
    """Every dashboard Grafana provisions from stack/grafana/dashboards/ (file name order)."""
    return sorted(dashboards_dir().glob("*.json"))


def load(path: Path | None = None) -> dict:
    return json.loads((path or dashboard_file()).read_text(encoding="utf-8"))


def variable_defaults(dashboard: dict) -> dict[str, str]:
    """What each templating variable stands for when the dashboard opens: a multi-value / include-all
    variable's "All" (its allValue, a regex: `.*` unless set), else its current (or first) value."""
    values = {}
    for var in dashboard.get("templating", {}).get("list", []):
        current_value = var.get("current", {}).get("value")
        if isinstance(current_value, list):
            current_value = current_value[0] if len(current_value) == 1 else None
        if var.get("includeAll") and current_value in (None, "$__all"):
            values[var["name"]] = var.get("allValue") or ".*"
        elif current_value not in (None, "$__all"):
            values[var["name"]] = str(current_value)
        elif var.get("options"):
            values[var["name"]] = str(var["options"][0]["value"])
        else:
            raise ValueError(f"variable ${var['name']} has no default value to substitute")
    return values


def variables_in(expr: str) -> set[str]:
    return {next(g for g in m.groups() if g) for m in _VARIABLE.finditer(expr)}


def substitute(expr: str, values: dict[str, str]) -> str:
    """`expr` with every Grafana variable replaced by `values[name]`; an unknown variable is an error (a query
    naming a variable the dashboard does not define would reach Prometheus as written)."""
    def one(match: re.Match) -> str:
        name = next(g for g in match.groups() if g)
        if name not in values:
            raise ValueError(f"`{expr}` uses ${name}, which is not a variable of the dashboard ({sorted(values)})")
        return values[name]
    return _VARIABLE.sub(one, expr)


@dataclass(frozen=True)
class PanelQuery:
    row: str
    panel: str
    ref_id: str
    expr: str                                   # as written in the dashboard (may hold $variables)
    promql: str = field(default="", compare=False)   # expr with the variables substituted: what Prometheus parses

    def __post_init__(self) -> None:
        if not self.promql:
            object.__setattr__(self, "promql", self.expr)

    def __str__(self) -> str:
        return f"{self.row} › {self.panel} ({self.ref_id})"


def panel_queries(path: Path | None = None) -> list[PanelQuery]:
    """Every target of every panel, with the title of the row above it (dashboard order); default: the
    `Dataflow Overview` dashboard."""
    dashboard = load(path)
    values = {**BUILTINS, **variable_defaults(dashboard)}
    queries, row = [], ""
    for panel in dashboard["panels"]:
        if panel.get("type") == "row":
            row = panel["title"]
            continue
        queries += [PanelQuery(row, panel["title"], t["refId"], t["expr"], substitute(t["expr"], values))
                    for t in panel.get("targets", [])]
    return queries
