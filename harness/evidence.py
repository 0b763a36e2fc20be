"""Allure evidence of a scenario: phases as steps, labels, runbook link and attachments.

`AllureHandler` is a journal handler (phases become Allure steps); `record_result` attaches
what a reader of the kept report needs to trust the verdict: timings table with the derived
bound, alert timeline JSON, a PNG chart of the metric with the fault window, the
notifications #data-ops received, and the target's container logs when the run failed.
"""
from __future__ import annotations

import json
import os
import subprocess
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import allure

from harness.chart import metric_chart
from harness.errors import InfrastructureError
from harness.observe.prometheus import Prometheus
from harness.observe.webhook import WebhookReceiver
from harness.runner import ScenarioResult
from harness.scenario import Scenario
from harness.stack import Stack

_KINDS = {"json": allure.attachment_type.JSON, "text": allure.attachment_type.TEXT,
          "png": allure.attachment_type.PNG, "csv": allure.attachment_type.CSV,
          "markdown": allure.attachment_type.TEXT}
RUNBOOK_BASE_URL = os.environ.get("CHAOS_RUNBOOK_BASE_URL", "")


class AllureHandler:
    @contextmanager
    def phase(self, name: str, detail: str) -> Iterator[None]:
        with allure.step(f"{name}: {detail}" if detail else name):
            yield

    def attach(self, name: str, body: bytes | str, kind: str) -> None:
        allure.attach(body, name=name, attachment_type=_KINDS[kind])


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


def timings_table(result: ScenarioResult) -> str:
    b = result.bounds
    rows = [("time-to-fire (fault in effect -> firing)", result.time_to_fire, f"<= {b.detect:g}s" if b else ""),
            ("time-to-notify (fault in effect -> #data-ops)", result.time_to_notify,
             f"<= {result.scenario.budget.detect:g}s" if result.scenario.budget.detect else ""),
            ("time-to-recover (remediation started -> resolved)", result.time_to_recover,
             f"expected ~{b.recover:g}s" if b else ""),
            ("time-to-resolved-notice (remediation started -> #data-ops)", result.time_to_resolved_notice, "")]
    lines = ["| measure | seconds | bound |", "| --- | --- | --- |"]
    lines += [f"| {name} | {'-' if value is None else f'{value:.2f}'} | {bound} |" for name, value, bound in rows]
    if b:
        within = result.time_to_fire is not None and result.time_to_fire <= b.detect
        lines += ["", f"Bound on time-to-fire: {b.explanation}.",
                  f"Measured {result.time_to_fire if result.time_to_fire is not None else '-'}s: "
                  f"{'within' if within else 'NOT within'} the bound."]
    lines += ["", f"Verdict: {result.verdict}" + (f" ({type(result.error).__name__})" if result.error else "")]
    return "\n".join(lines) + "\n"


def record_result(result: ScenarioResult, stack: Stack, prometheus: Prometheus, webhook: WebhookReceiver) -> None:
    scenario, tl = result.scenario, result.timeline
    allure.attach(timings_table(result), name="Timings", attachment_type=allure.attachment_type.TEXT)
    allure.attach(json.dumps(result.timeline_json(), indent=2), name="Alert timeline",
                  attachment_type=allure.attachment_type.JSON)
    start = (tl.steady or tl.inject_started or tl.finished) - 5
    if result.metric_query and tl.finished:
        try:
            series = prometheus.query_range(result.metric_query, start, tl.finished + 1,
                                            step=max(stack.profile.scrape_interval, 0.25))
        except InfrastructureError as exc:
            series = []
            allure.attach(str(exc), name="Chart query failed", attachment_type=allure.attachment_type.TEXT)
        png = metric_chart(result.metric_query, series, fault=(tl.injected, tl.remediated),
                           marks={"firing": tl.firing, "notified": tl.notified, "resolved": tl.resolved})
        allure.attach(png, name=f"Metric: {result.metric_query}", attachment_type=allure.attachment_type.PNG)
    try:
        received = webhook.notifications(receiver=scenario.receiver, alertname=scenario.alert, since=start)
        allure.attach(json.dumps(received, indent=2), name=f"Notifications received by {scenario.receiver}",
                      attachment_type=allure.attachment_type.JSON)
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
