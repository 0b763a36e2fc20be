"""Prometheus: loaded alerting rules, active alerts, queries and reload.

Queries go through prometheus-api-client; the rule/alert/lifecycle endpoints it lacks go
through the harness' JsonService. Both report an unreachable server the same way.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import datetime

import requests
from prometheus_api_client import PrometheusApiClientException, PrometheusConnect

from chaos_harness.errors import InfrastructureError, ServiceUnreachable, UnknownAlert
from chaos_harness.observe.http import JsonService


@dataclass(frozen=True)
class AlertingRule:
    name: str
    query: str
    duration: float           # `for`, seconds
    labels: dict
    annotations: dict
    state: str                # inactive | pending | firing
    health: str
    last_error: str
    group: str
    keep_firing_for: float = 0.0   # seconds
    last_evaluation: float | None = None   # unix seconds of the rule's last evaluation


@dataclass(frozen=True)
class ActiveAlert:
    labels: dict
    state: str                # pending | firing
    active_at: float          # unix seconds
    value: str


_RFC3339 = re.compile(r"^(.*T\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def _ts(text: str) -> float:
    """RFC 3339 with nanoseconds (Prometheus) as unix seconds."""
    match = _RFC3339.match(text)
    if not match:
        raise InfrastructureError(f"unexpected timestamp from Prometheus: {text!r}")
    base, frac, zone = match.groups()
    return datetime.fromisoformat(base + (frac or "")[:7] + ("+00:00" if zone == "Z" else zone)).timestamp()


def _evaluated_at(rule: dict) -> float | None:
    """lastEvaluation of a rule (absent before its first evaluation; the zero time before it too)."""
    text = rule.get("lastEvaluation") or ""
    return None if not text or text.startswith("0001-") else _ts(text)


def labels_match(labels: dict, wanted: dict | None) -> bool:
    return all(labels.get(k) == v for k, v in (wanted or {}).items())


class Prometheus:
    def __init__(self, base_url: str) -> None:
        self.api = JsonService("Prometheus", base_url)
        self._query = PrometheusConnect(url=base_url, disable_ssl=True, timeout=5)

    @property
    def url(self) -> str:
        return self.api.base_url

    def _data(self, path: str, **params) -> dict:
        body = self.api.get(path, **params)
        if body.get("status") != "success":
            raise InfrastructureError(f"Prometheus {path}: {body.get('errorType')}: {body.get('error')}")
        return body["data"]

    def alerting_rules(self) -> dict[str, AlertingRule]:
        rules = {}
        for group in self._data("/api/v1/rules", type="alert")["groups"]:
            for r in group["rules"]:
                rules[r["name"]] = AlertingRule(r["name"], r["query"], float(r.get("duration", 0)), r.get("labels", {}),
                                                r.get("annotations", {}), r["state"], r.get("health", "unknown"),
                                                r.get("lastError", ""), group["name"],
                                                float(r.get("keepFiringFor", 0)), _evaluated_at(r))
        return rules

    def rule(self, alertname: str) -> AlertingRule:
        """The loaded rule, or UnknownAlert naming the closest loaded alerts."""
        rules = self.alerting_rules()
        if alertname not in rules:
            close = difflib.get_close_matches(alertname, rules, n=3, cutoff=0.5)
            hint = f"did you mean {', '.join(close)}?" if close else f"loaded alerts: {', '.join(sorted(rules)) or 'none'}"
            raise UnknownAlert(f"alert {alertname!r} is not a rule loaded in Prometheus at {self.url}; {hint}")
        return rules[alertname]

    def alerts(self, alertname: str, labels: dict | None = None) -> list[ActiveAlert]:
        return [ActiveAlert(a["labels"], a["state"], _ts(a["activeAt"]), a.get("value", ""))
                for a in self._data("/api/v1/alerts")["alerts"]
                if a["labels"].get("alertname") == alertname and labels_match(a["labels"], labels)]

    def _guard(self, call, *args, **kwargs):
        try:
            return call(*args, **kwargs)
        except requests.RequestException as exc:
            raise ServiceUnreachable(f"Prometheus at {self.url} is unreachable: {exc}") from None
        except PrometheusApiClientException as exc:
            raise InfrastructureError(f"Prometheus rejected the query: {exc}") from None

    def query(self, expr: str) -> list[dict]:
        """Instant vector: [{"metric": {...}, "value": [ts, "v"]}, ...]."""
        return self._guard(self._query.custom_query, query=expr)

    def query_range(self, expr: str, start: float, end: float, step: float) -> list[dict]:
        """Range matrix: [{"metric": {...}, "values": [[ts, "v"], ...]}, ...], evaluated at start + k * step.
        Through the HTTP API directly: prometheus-api-client's custom_query_range rounds start and end to whole
        seconds, which moves a window that must begin at a resolution up to 0.5 s before it."""
        data = self._data("/api/v1/query_range", query=expr, start=f"{start:.3f}", end=f"{end:.3f}", step=f"{step:g}")
        return data["result"]

    def reload(self) -> None:
        self.api.request("POST", "/-/reload")

    def build_info(self) -> dict:
        return self._data("/api/v1/status/buildinfo")

    def describe_value(self, expr: str) -> str:
        """What `expr` returns right now, briefly, for failure messages."""
        try:
            result = self.query(expr)
        except InfrastructureError as exc:
            return f"(query failed: {exc})"
        if not result:
            return "no series (empty result)"
        return ", ".join(f"{_brief(r['metric'])}={r['value'][1]}" for r in result[:5])


def _brief(metric: dict) -> str:
    return "{" + ",".join(f'{k}="{v}"' for k, v in sorted(metric.items())) + "}"
