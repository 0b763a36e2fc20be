"""The one loop every scenario runs: steady state -> inject -> detect -> remediate -> recover.

Bounds come from the loaded rule and the compressed timers, never from the scenario author:
time-to-fire must be at most `for` + one scrape interval + one evaluation interval + 1 s of
harness overhead. The fault is reverted whatever happens. `run` never raises for a verdict;
it returns a `ScenarioResult` whose `raise_for_verdict()` raises the classified failure, so
evidence is recorded first.
"""
from __future__ import annotations

import time
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field

from harness.errors import BudgetExceeded, ChaosError, ScenarioFailed
from harness.faults import AppliedFault, Nemesis
from harness.journal import Journal
from harness.observe.alerts import AlertObserver, AlertTarget
from harness.observe.prometheus import AlertingRule
from harness.scenario import RemediationContext, Scenario
from harness.signals import resolve as resolve_delay
from harness.stack import Stack
from harness.timing import TimingProfile, parse_duration, range_windows, scale_expr

SERIES_TIMEOUT = 30.0    # a fresh Prometheus needs a few seconds (target discovery) before its first scrape
HARNESS_OVERHEAD = 1.0   # seconds the harness may add to the detection floor (polling, HTTP)


@dataclass(frozen=True)
class Bounds:
    detect: float            # max time-to-fire (fault in effect -> firing)
    recover: float           # expected time-to-clear (remediated -> resolved), informational
    detect_timeout: float    # how long to wait before declaring "did not fire"
    notify_timeout: float
    recover_timeout: float
    explanation: str

    @classmethod
    def derive(cls, rule: AlertingRule, profile: TimingProfile, signal_delay: float = 0.0) -> "Bounds":
        """signal_delay: what the scenario declares its expression needs to turn true once the fault
        holds (a slow request must complete, a ratio must fill part of its window); 0 for most."""
        s, e = profile.scrape_interval, profile.evaluation_interval
        window = max((parse_duration(w) / 1000 for w in range_windows(rule.query)), default=0.0)
        detect = round(rule.duration + s + e + signal_delay + HARNESS_OVERHEAD, 3)
        recover = round(window + s + e + HARNESS_OVERHEAD, 3)
        signal = f" + signal delay {signal_delay:g}s" if signal_delay else ""
        return cls(
            detect=detect,
            recover=recover,
            detect_timeout=detect + max(3.0, detect / 2),
            notify_timeout=profile.group_wait + 2 * profile.group_interval + e + 5,
            recover_timeout=recover + max(5.0, recover),
            explanation=(f"for {rule.duration:g}s + scrape {s:g}s + evaluation {e:g}s{signal} + "
                         f"{HARNESS_OVERHEAD:g}s harness overhead = {detect:g}s (time factor {profile.factor:g})"),
        )


@dataclass
class Timeline:
    steady: float | None = None
    inject_started: float | None = None
    injected: float | None = None
    pending: float | None = None
    firing: float | None = None
    notified: float | None = None
    remediation_started: float | None = None
    remediated: float | None = None
    resolved: float | None = None
    resolved_notified: float | None = None
    finished: float | None = None

    def since(self, start: str, end: str) -> float | None:
        a, b = getattr(self, start), getattr(self, end)
        return None if a is None or b is None else round(b - a, 3)


@dataclass
class ScenarioResult:
    scenario: Scenario
    bounds: Bounds | None = None
    timeline: Timeline = field(default_factory=Timeline)
    error: BaseException | None = None
    traffic: dict = field(default_factory=dict)
    metric_query: str = ""   # the scenario's chart query, time-compressed like the rules

    @property
    def time_to_fire(self) -> float | None:
        return self.timeline.since("injected", "firing")

    @property
    def time_to_notify(self) -> float | None:
        return self.timeline.since("injected", "notified")

    @property
    def time_to_recover(self) -> float | None:
        """From the start of the remediation: the action's own duration is part of recovering."""
        return self.timeline.since("remediation_started", "resolved")

    @property
    def time_to_resolved_notice(self) -> float | None:
        return self.timeline.since("remediation_started", "resolved_notified")

    @property
    def verdict(self) -> str:
        if self.error is None:
            return "passed"
        return "failed" if isinstance(self.error, ScenarioFailed) else "unknown"

    def raise_for_verdict(self) -> None:
        if self.error is not None:
            raise self.error

    def timeline_json(self) -> dict:
        return {"scenario": self.scenario.id, "alert": self.scenario.alert, "receiver": self.scenario.receiver,
                "fault": self.scenario.fault.describe(), "verdict": self.verdict,
                "error": f"{type(self.error).__name__}: {self.error}" if self.error else None,
                "timeline": asdict(self.timeline), "bounds": asdict(self.bounds) if self.bounds else None,
                "durations": {"time_to_fire": self.time_to_fire, "time_to_notify": self.time_to_notify,
                              "time_to_recover": self.time_to_recover,
                              "time_to_resolved_notice": self.time_to_resolved_notice},
                "traffic": self.traffic}


class ScenarioRunner:
    def __init__(self, stack: Stack, observer: AlertObserver, nemesis: Nemesis, journal: Journal) -> None:
        self.stack, self.observer, self.nemesis, self.journal = stack, observer, nemesis, journal

    def run(self, scenario: Scenario) -> ScenarioResult:
        result = ScenarioResult(scenario)
        try:
            self._run(scenario, result)
        except (ChaosError, AssertionError) as exc:
            result.error = exc
        return result

    def _run(self, scenario: Scenario, result: ScenarioResult) -> None:
        target = AlertTarget(scenario.alert, scenario.receiver, scenario.alert_labels)
        rule = self.observer.rule(target)                       # unknown alert: fail before touching anything
        result.bounds = bounds = Bounds.derive(
            rule, self.stack.profile, resolve_delay(scenario.signal_delay, rule, self.stack.profile).seconds)
        result.metric_query = scale_expr(scenario.chart_query, self.stack.profile.factor)
        tl = result.timeline
        traffic = scenario.traffic(self.stack) if scenario.traffic else nullcontext()
        applied: AppliedFault | None = None
        try:
            with traffic:
                settled = scale_expr(scenario.settled_query, self.stack.profile.factor)
                with self.journal.phase("Steady state", f"`{result.metric_query}` has data"
                                        + (f", `{settled}` holds" if settled else "") + f" and {target} is quiet"):
                    self.observer.wait_series(result.metric_query, timeout=SERIES_TIMEOUT)
                    if settled:
                        self.observer.wait_series(settled, timeout=SERIES_TIMEOUT)
                    self.observer.wait_quiet(target, timeout=bounds.recover_timeout)
                    tl.steady = time.time()
                with self.journal.phase("Inject fault", f"{scenario.fault} ({scenario.drill})"):
                    tl.inject_started = time.time()
                    applied = self.nemesis.inject(scenario.fault)
                    tl.injected = applied.injected_at
                with self.journal.phase("Detect", f"{target} fires within {bounds.detect:g}s and reaches "
                                                  f"{scenario.receiver}"):
                    tl.pending, tl.firing = self.observer.wait_firing(target, since=tl.injected,
                                                                      timeout=bounds.detect_timeout)
                    tl.notified = self.observer.wait_delivered(target, status="firing", since=tl.inject_started,
                                                               timeout=bounds.notify_timeout)
                with self.journal.phase("Remediate", scenario.remediation_text or str(scenario.remediation)):
                    tl.remediation_started = time.time()
                    scenario.remediation(RemediationContext(self.stack.owner, lambda: self.nemesis.revert(applied)))
                    tl.remediated = time.time()
                with self.journal.phase("Recover", f"{target} resolves and the resolution reaches "
                                                   f"{scenario.receiver}"):
                    tl.resolved = self.observer.wait_resolved(target, timeout=bounds.recover_timeout)
                    tl.resolved_notified = self.observer.wait_delivered(
                        target, status="resolved", since=tl.remediation_started, timeout=bounds.notify_timeout)
        finally:
            if applied is not None:
                self.nemesis.revert(applied)
            tl.finished = time.time()
            if hasattr(traffic, "stats"):
                result.traffic = {"name": str(traffic), **asdict(traffic.stats)}
        self._check_budgets(result)

    @staticmethod
    def _check_budgets(result: ScenarioResult) -> None:
        bounds, budget = result.bounds, result.scenario.budget
        problems = []
        if result.time_to_fire is not None and result.time_to_fire > bounds.detect:
            problems.append(f"time-to-fire {result.time_to_fire:.2f}s exceeds the bound {bounds.explanation}")
        if budget.detect is not None and result.time_to_notify is not None and result.time_to_notify > budget.detect:
            problems.append(f"time-to-notify {result.time_to_notify:.2f}s exceeds the budget {budget.detect:g}s")
        if budget.recover is not None and result.time_to_recover is not None and result.time_to_recover > budget.recover:
            problems.append(f"time-to-recover {result.time_to_recover:.2f}s exceeds the budget {budget.recover:g}s")
        if problems:
            raise BudgetExceeded(f"{result.scenario.alert}: " + "; ".join(problems))
