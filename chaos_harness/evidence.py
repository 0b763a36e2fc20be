"""Allure evidence of a scenario: phases as steps, labels, runbook link and attachments.

`AllureHandler` is a journal handler (phases become Allure steps); `record_result` attaches
what a reader of the kept report needs to trust the verdict: timings table with the derived
bound, alert timeline JSON, a PNG chart of the metric with the fault window, the
notifications #data-ops received, and the target's container logs when the run failed.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import allure

from chaos_harness.errors import InfrastructureError
from chaos_harness.observe.prometheus import Prometheus
from chaos_harness.observe.webhook import WebhookReceiver
from chaos_harness.runner import ScenarioResult
from chaos_harness.scenario import Scenario
from chaos_harness.stack import Stack

RUNBOOK_BASE_URL = os.environ.get("CHAOS_RUNBOOK_BASE_URL", "")


class AllureHandler:
    """Journal handler: phases become Allure steps (the events are in the journal file, attached by record_result)."""
    @contextmanager
    def phase(self, name: str, detail: str) -> Iterator[None]:
        with allure.step(f"{name}: {detail}" if detail else name):
            yield


def label_scenario(scenario: Scenario) -> None:
    allure.dynamic.epic(f"Runbook: {scenario.runbook.split('#')[0]}")
    allure.dynamic.feature(scenario.service)
    allure.dynamic.story(scenario.title)
    allure.dynamic.severity(getattr(allure.severity_level, scenario.severity.upper()))
    allure.dynamic.tag("chaos")
    allure.dynamic.tag(scenario.alert)
    allure.dynamic.link(f"{RUNBOOK_BASE_URL}{scenario.runbook_path}", name=f"Runbook section {scenario.runbook}")
    allure.dynamic.description(
        f"**Alert** `{scenario.alert}` -> receiver `{scenario.receiver}`\n\n"
        f"**Drill**: {scenario.drill or scenario.fault}\n\n"
        f"**Remediation**: {scenario.remediation_text or scenario.remediation}")


def timings_table(record: dict) -> str:
    """Every measured phase with its bound or budget and the arithmetic behind it (the release evidence), from the
    verdict a run journal ends with (`ScenarioResult.record()`: what the gate reads, shown to a person)."""
    measures = record.get("measures") or []
    lines = ["| measure | from -> to | seconds | limit | kind | within |", "| --- | --- | --- | --- | --- | --- |"]
    for m in measures:
        value = "-" if m["seconds"] is None else f"{m['seconds']:.2f}"
        limit = "-" if m["limit"] is None else f"{m['limit']:g}"
        within = "-" if m["seconds"] is None or m["limit"] is None else ("NO" if m["exceeded"] else "yes")
        lines.append(f"| {m['name']} | {m['measures']} | {value} | {limit} | {m['kind']} | {within} |")
    lines += ["", "Arithmetic:"] + [f"- {m['name']}: {m['arithmetic']}" for m in measures]
    if record.get("factor") is None:
        lines.append("- (no bounds: the run ended before the rule was read)")
    for name, verdict in (record.get("controls") or {}).items():
        lines.append(f"\nControl folded into this run ({name}): {verdict}")
    error = f" ({record['error_class']})" if record.get("error_class") else ""
    lines += ["", f"Verdict: {record['verdict']}{error}"]
    lines += [f"- {f['class']}: {f['message']}" for f in record.get("failures") or []]
    return "\n".join(lines) + "\n"


def _first_known(*times: float | None) -> float:
    return next((t for t in times if t is not None), time.time())


def record_result(result: ScenarioResult, stack: Stack | None, prometheus: Prometheus | None,
                  webhook: WebhookReceiver | None) -> None:
    """Attach the evidence of one run. Without a stack (a scenario rejected before anything started) only the
    timings and timeline are attached; evidence never hides the verdict."""
    scenario, tl = result.scenario, result.timeline
    allure.attach(timings_table(result.record()), name="Timings", attachment_type=allure.attachment_type.TEXT)
    allure.attach(json.dumps(result.timeline_json(), indent=2, default=str), name="Alert timeline",
                  attachment_type=allure.attachment_type.JSON)
    if stack is None or prometheus is None or webhook is None:
        return
    start = _first_known(tl.steady, tl.inject_started, tl.finished) - 5
    end = _first_known(tl.finished) + 1
    if result.metric_query:
        try:
            series = prometheus.query_range(result.metric_query, start, end,
                                            step=max(stack.profile.scrape_interval, 0.25))
        except InfrastructureError as exc:
            series = []
            allure.attach(str(exc), name="Chart query failed", attachment_type=allure.attachment_type.TEXT)
        from chaos_harness.chart import metric_chart   # matplotlib: imported only when a chart is drawn
        png = metric_chart(result.metric_query, series, fault=(tl.injected, tl.remediated),
                           marks={"pending": tl.pending, "firing": tl.firing, "notified": tl.notified,
                                  "resolved": tl.resolved, "resolved notice": tl.resolved_notified},
                           threshold=rule_threshold(result.threshold),
                           threshold_label=f"alert: {result.threshold}" if result.threshold else "")
        allure.attach(png, name=f"Metric: {result.metric_query}", attachment_type=allure.attachment_type.PNG)
    try:
        received = webhook.notifications(alertname=scenario.alert, since=start)
        allure.attach(json.dumps(received, indent=2), name=f"Notices of {scenario.alert} (expected at "
                      f"{scenario.receiver})", attachment_type=allure.attachment_type.JSON)
    except InfrastructureError as exc:
        allure.attach(str(exc), name="Notifications unavailable", attachment_type=allure.attachment_type.TEXT)
    if result.error is not None:
        service = getattr(scenario.fault, "service", "") or scenario.service
        for name in dict.fromkeys([service, scenario.service, "prometheus", "alertmanager"]):
            try:
                allure.attach(stack.logs(name), name=f"Logs: {name}", attachment_type=allure.attachment_type.TEXT)
            except Exception as exc:  # noqa: BLE001 - evidence must not hide the verdict
                allure.attach(f"could not read logs of {name}: {exc}", name=f"Logs: {name}",
                              attachment_type=allure.attachment_type.TEXT)


_COMPARISON = re.compile(r"(?:>|<|>=|<=|==|!=)\s*(-?[0-9][0-9.eE+-]*)\s*$")


def rule_threshold(expr: str) -> float | None:
    """The number a rule's expression compares against at its end (`... > 0.9` -> 0.9), for the chart."""
    match = _COMPARISON.search(expr.strip())
    try:
        return float(match.group(1)) if match else None
    except ValueError:
        return None


def git_sha(root: Path) -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True,
                              timeout=5).stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def write_environment(alluredir: Path, properties: dict[str, str]) -> None:
    alluredir.mkdir(parents=True, exist_ok=True)
    lines = [f"{k}={str(v).replace(chr(10), ' ')}" for k, v in sorted(properties.items())]
    (alluredir / "environment.properties").write_text("\n".join(lines) + "\n")
