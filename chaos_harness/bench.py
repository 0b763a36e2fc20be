"""The benchmark (`make bench`): our Redis-outage drill side by side with the Chaos Toolkit peer, on one stack.

Both tools watch the same rule (bench/rules/bench.yml: `redis_up == 0` for 90s, 3 s at factor 30), loaded
beside the production rules by the benchmark's own stack, and break the same container. Per run:

  ours  the scenario below through the harness' runner: steady state, stop Redis, firing in Prometheus,
        firing notice at the receiver, restart Redis (ready when it answers PING from the host), resolved,
        resolved notice at the receiver, verify. wall = first action of the injection -> end of verify;
        run = the whole run, steady state included (comparable with the peer's process wall time).
  ctk   bench/ctk/redis-outage.json (`docker stop`, wait firing, `docker start`, wait inactive; no delivery, no
        resolved notice, no bound), run by bench/ctk/run.sh in its own venv. Wall = the `chaos run` process.

Overhead over the floor: detection = time-to-fire counted from the fault in effect - `for` (what scrape and
evaluation alignment, up to 1 s at factor 30, and polling add: the same alignment for both tools);
recovery = from the service back (ours: answering PING; the peer: `docker start` returned) to the alert
gone in Prometheus. Our runs follow each other: from the second on, the alert's Alertmanager group still
exists (Prometheus re-sends the resolved alert for 15 min), so the firing notice goes out on the group's next
tick (up to group_interval, 4 s at factor 30) instead of after group_wait (1 s): the first run is the
single-drill figure. The resolved notice always waits for a group tick: the floor of a drill that asserts it.
The suite's wall time split by phase comes from an Allure results dir (`--suite`): the journal's phases are
Allure steps, the stack start is the `chaos_stack` fixture.
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import time
from collections import defaultdict
from pathlib import Path

from chaos_harness import log
from chaos_harness.faults import ContainerStopped, Nemesis, RestartService
from chaos_harness.catalog import ALERTMANAGER, PROMETHEUS, REDIS, WEBHOOK_RECEIVER
from chaos_harness.journal import ConsoleHandler, Journal
from chaos_harness.observe.alertmanager import Alertmanager
from chaos_harness.observe.alerts import AlertObserver, AlertTarget
from chaos_harness.observe.prometheus import Prometheus
from chaos_harness.observe.webhook import WebhookReceiver
from chaos_harness.runner import ScenarioResult, ScenarioRunner
from chaos_harness.scenario import Scenario
from chaos_harness.layout import current
from chaos_harness.stack import Stack

_log = log.logger(__name__)


def bench_dir() -> Path:
    """The benchmark's rule and the Chaos Toolkit experiment (bench/ in this repository)."""
    return current().root / "bench"
ALERT = "BenchRedisDown"

SCENARIO = Scenario(
    id="bench_redis_down", title="Redis stopped: BenchRedisDown fires, clears after a restart",
    runbook="benchmark#redis", service="redis", alert=ALERT, receiver="data-ops",
    fault=ContainerStopped("redis"), remediation=RestartService("redis"), chart_query="redis_up",
    drill="docker stop redis", remediation_text="docker restart redis")

PHASES = ("Steady state", "Inject fault", "Detect", "Hold", "Remediate", "Recover", "Verify")


FOR_SECONDS = 3.0    # the rule's `for` at factor 30 (90s / 30): the floor of time-to-fire


def _minus(value: float | None, floor: float) -> float | None:
    return None if value is None else round(value - floor, 3)


def _ours(result: ScenarioResult) -> dict:
    tl = result.timeline
    return {"tool": "ours", "verdict": result.verdict, "failures": [f"{type(f).__name__}: {f}" for f in result.failures],
            "wall_s": tl.since("inject_started", "verified"),
            "to_resolved_s": tl.since("inject_started", "resolved"),
            "fault_latency_s": result.fault_latency, "ttf_s": result.time_to_fire, "ttn_s": result.time_to_notify,
            "remediation_s": result.remediation_duration, "ttr_s": result.time_to_resolve,
            "resolved_notice_s": tl.since("resolved", "resolved_notified"),
            "detect_overhead_s": _minus(tl.since("injected", "firing"), FOR_SECONDS),
            "recover_overhead_s": result.time_to_resolve}


def _ctk(stack: Stack, prometheus_url: str) -> dict:
    container = stack.owner.container("redis").name
    env = {**os.environ, "PROM_URL": prometheus_url, "TARGET": container, "ALERT": ALERT}
    done = subprocess.run(["bash", str(bench_dir() / "ctk" / "run.sh")], env=env, capture_output=True, text=True, timeout=600)
    try:
        data = json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"tool": "ctk", "error": (done.stdout + done.stderr)[-500:]}
    data["detect_overhead_s"] = _minus(data.get("ttf_s"), FOR_SECONDS)
    data["recover_overhead_s"] = data.get("ttr_s")
    return data


def summarize(runs: list[dict]) -> dict:
    """Median and spread (min-max) of every numeric field, per tool."""
    by_tool: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for run in runs:
        for key, value in run.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool) and key != "rc":
                by_tool[run["tool"]][key].append(value)
    return {tool: {key: {"median": round(statistics.median(v), 3), "min": round(min(v), 3), "max": round(max(v), 3),
                         "n": len(v)} for key, v in fields.items()} for tool, fields in by_tool.items()}


def drill(runs: int, *, ctk: bool = True, keep: bool = False) -> dict:
    stack = Stack(extra_rule_files=(bench_dir() / "rules" / "bench.yml",))
    started = time.time()
    stack.start()
    stack_start = round(time.time() - started, 1)
    try:
        prom_url = PROMETHEUS.url(stack)
        observer = AlertObserver(Prometheus(prom_url), Alertmanager(ALERTMANAGER.url(stack)),
                                 WebhookReceiver(WEBHOOK_RECEIVER.url(stack)))
        runner = ScenarioRunner(stack, observer, Nemesis(stack.owner, stack.ledger), Journal(ConsoleHandler()))
        results: list[dict] = []
        target = AlertTarget(ALERT, "data-ops")
        for i in range(runs):
            _log.info("[bench] ours %d/%d", i + 1, runs)
            began = time.time()
            result = runner.run(SCENARIO, hold=False)   # the bare drill, as Chaos Toolkit runs it (no control)
            results.append(_ours(result) | {"run_s": round(time.time() - began, 3)})
        if ctk:
            for i in range(runs):
                observer.wait_quiet(target, timeout=30)
                REDIS.wait_ready(stack.owner)
                _log.info("[bench] chaos toolkit %d/%d", i + 1, runs)
                results.append(_ctk(stack, prom_url))
        return {"stack_start_s": stack_start, "factor": stack.profile.factor, "runs": results,
                "summary": summarize(results), "at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                "cpus": os.cpu_count()}
    finally:
        if keep:
            _log.info("[bench] stack %s left running", stack.project)
        else:
            stack.stop()


def suite_phases(allure_dir: Path) -> dict:
    """Wall time of a suite run split by phase, from its Allure results: the stack start (the chaos_stack
    fixture), each journal phase summed over the proof runs and over the controls, and the rest of each test."""
    totals: dict[str, float] = defaultdict(float)
    for file in allure_dir.glob("*-container.json"):
        data = json.loads(file.read_text())
        for before in data.get("befores") or []:
            if before.get("name") == "chaos_stack" and before.get("stop"):
                totals["stack start"] += (before["stop"] - before["start"]) / 1000
    for file in allure_dir.glob("*-result.json"):
        data = json.loads(file.read_text())
        if not data.get("stop"):
            continue
        labels = {label.get("name"): label.get("value") for label in data.get("labels") or []}
        kind = "control" if "control" in (data.get("fullName") or "") else \
            ("proof" if labels.get("scenario") or "runbook_scenario" in (data.get("fullName") or "") else "other tests")
        duration = (data["stop"] - data["start"]) / 1000
        in_phases = 0.0
        for step in data.get("steps") or []:
            name = next((p for p in PHASES if (step.get("name") or "").startswith(p)), None)
            if name and step.get("stop"):
                seconds = (step["stop"] - step["start"]) / 1000
                totals[f"{kind}: {name}"] += seconds
                in_phases += seconds
        totals[f"{kind}: outside the phases" if kind != "other tests" else kind] += max(0.0, duration - in_phases)
    return {k: round(v, 1) for k, v in sorted(totals.items())}


def to_markdown(report: dict) -> str:
    about = [report.get("at", ""), *([f"{report['cpus']} CPUs"] if report.get("cpus") else []),
             *([f"time factor {report['factor']:g}"] if report.get("factor") else [])]
    lines = [f"# Benchmark ({', '.join(a for a in about if a)})", ""]
    if report.get("summary"):
        lines += [f"Stack start (core profile, images cached): {report['stack_start_s']} s", "",
                  "| tool | measure | median | min | max | runs |", "| --- | --- | --- | --- | --- | --- |"]
        for tool, fields in report["summary"].items():
            lines += [f"| {tool} | {k} | {v['median']} | {v['min']} | {v['max']} | {v['n']} |" for k, v in fields.items()]
        lines.append("")
    if report.get("suite"):
        lines += ["## Suite wall time by phase (seconds)", "", "| phase | seconds |", "| --- | --- |"]
        lines += [f"| {k} | {v} |" for k, v in report["suite"].items()]
        lines.append("")
    return "\n".join(lines)
