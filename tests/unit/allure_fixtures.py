"""A small fabricated Allure results dir shaped like the suite's own (steps, timings, PNG chart)."""
from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

from harness.chart import metric_chart

PHASES = ["Steady state", "Inject fault", "Detect", "Remediate", "Recover"]


def _result(results: Path, name: str, status: str, message: str, attachments: list[tuple[str, bytes, str, str]],
            scenario: str | None, start: int) -> str:
    uid = str(uuid.uuid4())
    refs = []
    for att_name, body, mime, ext in attachments:
        source = f"{uuid.uuid4()}-attachment.{ext}"
        (results / source).write_bytes(body)
        refs.append({"name": att_name, "source": source, "type": mime})
    steps = [{"name": f"{p}: fabricated", "status": "passed", "stage": "finished", "start": start + i * 1000,
              "stop": start + i * 1000 + 900} for i, p in enumerate(PHASES)]
    labels = [{"name": "epic", "value": "Runbook: incident-runbook"}, {"name": "feature", "value": "notification-service"},
              {"name": "story", "value": name}, {"name": "suite", "value": "test_runbook_scenarios"}]
    if scenario:
        labels.append({"name": "scenario", "value": scenario})
    data = {"uuid": uid, "historyId": f"hist-{name}", "testCaseId": f"tc-{name}", "name": name,
            "fullName": f"tests.chaos.test_runbook_scenarios#{name}", "status": status,
            "statusDetails": {"message": message, "trace": message} if message else {}, "stage": "finished",
            "start": start, "stop": start + 6000, "steps": steps, "attachments": refs, "labels": labels}
    (results / f"{uid}-result.json").write_text(json.dumps(data))
    return uid


def fabricate_results(results: Path) -> None:
    results.mkdir(parents=True, exist_ok=True)
    now = time.time()
    series = [{"metric": {"operation": "incr"},
               "values": [[now - 20 + i, str(0.0 if i < 8 or i > 14 else 2.5)] for i in range(20)]}]
    png = metric_chart("sum by (operation) (rate(notification_rate_limit_errors_total[4s]))", series,
                       fault=(now - 12, now - 5), marks={"firing": now - 8, "resolved": now - 3})
    timeline = json.dumps({"durations": {"time_to_fire": 4.5, "time_to_notify": 5.4}}).encode()
    start = int(now * 1000) - 60000
    common = [("Timings", b"| measure | seconds |\n| time-to-fire | 4.50 |\n", "text/plain", "txt"),
              ("Alert timeline", timeline, "application/json", "json"),
              ("Metric: notification_rate_limit_errors_total", png, "image/png", "png")]
    _result(results, "Redis outage proven", "passed", "", common, "notification_redis_outage", start)
    _result(results, "Alert never fired", "failed",
            "harness.errors.AlertDidNotFire: NotificationRateLimiterErrors did not fire within 14s", common,
            "s_fire", start)
    _result(results, "Alert stuck firing", "failed",
            "harness.errors.AlertDidNotClear: NotificationRateLimiterErrors still firing after 17s", [], "s_clear",
            start)
    _result(results, "Too slow", "failed",
            "harness.errors.BudgetExceeded: NotificationRateLimiterErrors: time-to-notify 12.00s exceeds", [],
            "s_budget", start)
    _result(results, "Stack broken", "broken",
            "harness.errors.ServiceUnreachable: Prometheus at http://127.0.0.1:1 is unreachable", [], "s_infra",
            start)
    (results / "environment.properties").write_text("prometheus.version=2.42.0\ntime.factor=30\ngit.sha=abc1234\n")
