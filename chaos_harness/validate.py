"""Validation of scenarios before any container starts (at collection, and `python -m chaos_harness validate`).

For each scenario, from the files alone:
- its alert is defined by a production rule file (else UnknownAlert naming the closest rules);
- its runbook section exists and its `Alerts:` line lists the alert;
- Alertmanager routes the rule's labels to the scenario's receiver (`amtool config routes test` on the
  generated, time-compressed config: the routing is what the test stack runs);
- its compose profiles exist, and the services its fault targets exist and start with those profiles;
- its chart and settled queries parse (compressed like the rules; `promtool check rules`).
All checks of a batch cost one promtool call and one amtool call per scenario: well under a second.
"""
from __future__ import annotations

import difflib
import shutil
import subprocess
import tempfile
import weakref
from dataclasses import dataclass, field, fields
from pathlib import Path

import yaml

from chaos_harness.errors import ChaosError, ConfigError, InfrastructureError, UnknownAlert
from chaos_harness.observe.webhook import NOTICE_LABELS
from chaos_harness.runbooks import Registry, ScenarioRef, lint, load_registry, parse_rules
from chaos_harness.scenario import Scenario
from chaos_harness.layout import Layout, current
from chaos_harness.timing import DEFAULT_FACTOR, compress_alertmanager_config, scale_expr
from chaos_harness.tools import tool

TOOL_TIMEOUT = 10.0


@dataclass
class ScenarioCheck:
    scenario: str
    problems: list[ChaosError] = field(default_factory=list)   # ConfigError, or InfrastructureError (a tool)
    scenario_object: object = None      # the Scenario checked (a test's variant of it is checked anew)

    @property
    def ok(self) -> bool:
        return not self.problems

    def error(self) -> ChaosError:
        """One error carrying every problem, of the first problem's class (UnknownAlert stays UnknownAlert)."""
        first = self.problems[0]
        text = "; ".join(str(p) for p in self.problems)
        return type(first)(f"scenario {self.scenario} is invalid (checked before starting anything): {text}")


@dataclass(frozen=True)
class ComposeFile:
    services: dict[str, tuple[str, ...]]       # service -> its profiles (() = core, always started)

    @classmethod
    def load(cls, path: Path) -> "ComposeFile":
        doc = yaml.safe_load(path.read_text()) or {}
        return cls({name: tuple(svc.get("profiles") or ()) for name, svc in (doc.get("services") or {}).items()})

    @property
    def profiles(self) -> set[str]:
        return {p for ps in self.services.values() for p in ps}


def fault_services(fault) -> list[str]:
    """The compose services a fault acts on: its `service` / `*_service` fields."""
    try:
        names = [f.name for f in fields(fault)]
    except TypeError:
        return []
    return [getattr(fault, n) for n in names if (n == "service" or n.endswith("_service")) and getattr(fault, n)]


class Validator:
    def __init__(self, layout: Layout | None = None, factor: float = DEFAULT_FACTOR) -> None:
        self.layout, self.factor = layout or current(), factor
        self.rules = _rule_labels(self.layout.rules_dir)
        self.compose = ComposeFile.load(self.layout.compose_file)
        self._workdir = Path(tempfile.mkdtemp(prefix="chaos-validate-"))
        weakref.finalize(self, shutil.rmtree, self._workdir, True)
        am = yaml.safe_load(self.layout.alertmanager_config.read_text())
        self.am_config = self._workdir / "alertmanager.yml"
        self.am_config.write_text(yaml.safe_dump(compress_alertmanager_config(am, factor), sort_keys=False))

    def check(self, scenarios: list[Scenario]) -> dict[str, ScenarioCheck]:
        checks = {s.id: ScenarioCheck(s.id) for s in scenarios}
        registry = load_registry(self.layout, [ScenarioRef(s.id, s.runbook, s.alert) for s in scenarios])
        for s in scenarios:
            problems = checks[s.id].problems
            problems += self._alert(s) or self._runbook(s, registry) + self._guarded(self._route, s)
            problems += self._compose(s)
        try:
            for scenario_id, problem in self._queries(scenarios):
                checks[scenario_id].problems.append(problem)
        except InfrastructureError as exc:
            for check in checks.values():
                check.problems.append(type(exc)(f"cannot check the queries: {exc}"))
        return checks

    @staticmethod
    def _guarded(check, s: Scenario) -> list[ChaosError]:
        """A check that needs a host tool: a missing tool is an infrastructure problem, reported, not raised."""
        try:
            return check(s)
        except InfrastructureError as exc:
            return [type(exc)(f"cannot check the route: {exc}")]

    def _alert(self, s: Scenario) -> list[ConfigError]:
        if s.alert in self.rules:
            return []
        close = difflib.get_close_matches(s.alert, self.rules, n=3, cutoff=0.5)
        hint = f"did you mean {', '.join(close)}?" if close else f"defined alerts: {', '.join(sorted(self.rules))}"
        return [UnknownAlert(f"alert {s.alert!r} is not defined by any rule in stack/monitoring/prometheus/rules; "
                             f"{hint}")]

    @staticmethod
    def _runbook(s: Scenario, registry: Registry) -> list[ConfigError]:
        prefix = f"scenario {s.id}: "
        return [ConfigError(e[len(prefix):]) for e in lint(registry).errors
                if e.startswith(prefix) and "is not defined by any rule" not in e]

    def receivers(self, labels: dict[str, str]) -> list[str]:
        """The receivers Alertmanager's generated config routes these labels to (amtool config routes test)."""
        done = subprocess.run([str(tool("amtool")), "config", "routes", "test", f"--config.file={self.am_config}",
                               *(f"{k}={v}" for k, v in sorted(labels.items()))], capture_output=True, text=True,
                              timeout=TOOL_TIMEOUT)
        if done.returncode != 0:
            raise ConfigError(f"amtool config routes test failed: {done.stderr.strip() or done.stdout.strip()}")
        return [r.strip() for r in done.stdout.strip().split(",") if r.strip()]

    def _route(self, s: Scenario) -> list[ConfigError]:
        unseen = sorted(set(s.alert_labels or {}) - set(NOTICE_LABELS))
        if unseen:
            return [ConfigError(f"alert_labels {unseen} cannot be matched at the receiver: a Slack notice carries "
                                f"only {', '.join(NOTICE_LABELS)} per alert (alertmanager.yml's text template)")]
        labels = {**self.rules[s.alert], **(s.alert_labels or {}), "alertname": s.alert}
        cmd = [str(tool("amtool")), "config", "routes", "test", f"--config.file={self.am_config}",
               f"--verify.receivers={s.receiver}", *(f"{k}={v}" for k, v in sorted(labels.items()))]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=TOOL_TIMEOUT)
        if done.returncode == 0:
            return []
        got = done.stdout.strip().splitlines()[0] if done.stdout.strip() else done.stderr.strip()
        return [ConfigError(f"Alertmanager routes {s.alert} (labels {labels}) to {got!r}, not to receiver "
                            f"{s.receiver!r} (amtool config routes test on the generated config)")]

    def _compose(self, s: Scenario) -> list[ConfigError]:
        problems: list[ConfigError] = []
        unknown = [p for p in s.profiles if p not in self.compose.profiles]
        if unknown:
            problems.append(ConfigError(f"compose profile(s) {', '.join(unknown)} not in docker-compose.test.yml "
                                        f"(known: {', '.join(sorted(self.compose.profiles))})"))
        for service in fault_services(s.fault):
            if service not in self.compose.services:
                close = difflib.get_close_matches(service, self.compose.services, n=2, cutoff=0.6)
                problems.append(ConfigError(f"fault targets service {service!r}, which docker-compose.test.yml does "
                                            f"not define" + (f"; did you mean {', '.join(close)}?" if close else "")))
            elif self.compose.services[service] and not set(self.compose.services[service]) & set(s.profiles):
                problems.append(ConfigError(f"fault targets service {service!r}, started only with profile(s) "
                                            f"{', '.join(self.compose.services[service])}; add one to the "
                                            f"scenario's profiles"))
        return problems

    def _queries(self, scenarios: list[Scenario]) -> list[tuple[str, ConfigError]]:
        """Every chart/settled query, compressed, as a recording rule: promtool checks them all in one call; only
        when that fails is each checked alone, to say which one."""
        named = [(s.id, kind, scale_expr(q, self.factor)) for s in scenarios
                 for kind, q in (("chart_query", s.chart_query), ("settled_query", s.settled_query)) if q]
        files = []
        for i, (_, _, expr) in enumerate(named):
            files.append(self._workdir / f"query{i}.yml")
            files[-1].write_text(yaml.safe_dump({"groups": [{"name": "q", "rules": [{"record": "q", "expr": expr}]}]}))
        if not files or self._promtool_check(files) is None:
            return []
        return [(scenario_id, ConfigError(f"{kind} `{expr}` does not parse: {error}"))
                for (scenario_id, kind, expr), path in zip(named, files)
                if (error := self._promtool_check([path])) is not None]

    @staticmethod
    def _promtool_check(files: list[Path]) -> str | None:
        done = subprocess.run([str(tool("promtool")), "check", "rules", "--lint=none", *map(str, files)],
                              capture_output=True, text=True, timeout=TOOL_TIMEOUT)
        if done.returncode == 0:
            return None
        lines = [ln.strip() for ln in (done.stdout + done.stderr).splitlines()
                 if ln.strip() and not ln.startswith("Checking")]
        return " ".join(lines)[:400] or f"promtool exited {done.returncode}"


def _rule_labels(rules_dir: Path) -> dict[str, dict]:
    return {r.alert: dict(r.labels) for r in parse_rules(rules_dir)}


def validate(scenarios: list[Scenario], layout: Layout | None = None,
             factor: float = DEFAULT_FACTOR) -> dict[str, ScenarioCheck]:
    return Validator(layout, factor).check(scenarios)
