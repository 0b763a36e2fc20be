"""The Grafana dashboard `Dataflow Overview` (stack/grafana/dashboards/): its panel queries, by row,
so tests can check each one against promtool and the running Prometheus."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from chaos_harness.layout import current


def dashboard_file() -> Path:
    return current().root / "stack" / "grafana" / "dashboards" / "dataflow-overview.json"


@dataclass(frozen=True)
class PanelQuery:
    row: str
    panel: str
    ref_id: str
    expr: str

    def __str__(self) -> str:
        return f"{self.row} › {self.panel} ({self.ref_id})"


def panel_queries(path: Path | None = None) -> list[PanelQuery]:
    """Every target of every panel, with the title of the row above it (dashboard order)."""
    queries, row = [], ""
    for panel in json.loads((path or dashboard_file()).read_text(encoding="utf-8"))["panels"]:
        if panel.get("type") == "row":
            row = panel["title"]
            continue
        queries += [PanelQuery(row, panel["title"], t["refId"], t["expr"]) for t in panel.get("targets", [])]
    return queries
