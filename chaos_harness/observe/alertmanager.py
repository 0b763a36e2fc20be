"""Alertmanager v2 API: which receivers an active alert was routed to."""
from __future__ import annotations

import yaml

from chaos_harness.observe.http import JsonService
from chaos_harness.observe.prometheus import labels_match


class Alertmanager:
    def __init__(self, base_url: str) -> None:
        self.api = JsonService("Alertmanager", base_url)

    def alerts(self, alertname: str, labels: dict | None = None) -> list[dict]:
        return [a for a in self.api.get("/api/v2/alerts", filter=f'alertname="{alertname}"')
                if labels_match(a["labels"], labels)]

    def receivers_of(self, alertname: str, labels: dict | None = None) -> set[str]:
        return {r["name"] for a in self.alerts(alertname, labels) for r in a.get("receivers", [])}

    def version(self) -> str:
        return self.api.get("/api/v2/status")["versionInfo"]["version"]

    def reload(self) -> None:
        self.api.request("POST", "/-/reload")

    def loaded_config(self) -> dict:
        """The configuration Alertmanager runs with, as parsed YAML (re-serialised by Alertmanager: defaults
        filled in)."""
        return yaml.safe_load(self.api.get("/api/v2/status")["config"]["original"]) or {}
