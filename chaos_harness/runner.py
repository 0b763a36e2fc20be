"""The one loop every scenario runs: steady state -> inject -> detect -> hold -> remediate -> recover -> verify.

Every phase is bounded (chaos_harness/bounds.py: derived from the loaded rule and the compressed
timers) and judged, and budgets measured for the scenario (Scenario.budget) are judged beside
them. The fault is reverted whatever happens. `run` never raises for a verdict: it returns a
`ScenarioResult` with every failure seen, in phase order, and `raise_for_verdict()` raises the
first, so evidence is recorded first. Failures after which the run can still prove something
(the firing notice missing, the resolved notice missing) are recorded and the run goes on;
the others end it. A proof run also observes the controls folded into it (chaos_harness/controls.py FOLDED): the
broken-metric shadow rule stays inactive while the real rule fires; the misrouted shadow fires with it and
neither its firing nor its resolved notice reaches the receiver (the delivery checks can fail); the alert, held
without remediation for its clearing bound, does not clear (the "hold" phase: the clearing check can fail); and
that held-back remediation is over a tiny budget (the budget check can fail).
"""
from __future__ import annotations

import time
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field, replace

from chaos_harness.bounds import Bounds, fault_latency_bound
from chaos_harness.controls import (BROKEN_METRIC, NOT_REMEDIATED, ROUTED_ELSEWHERE, ROUTED_ELSEWHERE_RESOLVED,
                                    SLOW_REMEDIATION, Control, matches, slow_remediation_budget)
from chaos_harness.errors import (AlertDidNotClear, AlertDidNotFire, AlertNotDelivered, BudgetExceeded, ConfigError,
                            ControlFailed, ResolvedNoticeMissing, ScenarioFailed)
from chaos_harness.faults import AppliedFault, Nemesis, RemediationContext
from chaos_harness.journal import MOMENTS, Event, Journal
from chaos_harness.observe.alerts import AlertObserver, AlertTarget
from chaos_harness.scenario import Scenario
from chaos_harness.signals import resolve as resolve_delay
from chaos_harness.stack import Stack
from chaos_harness.timing import scale_expr

SERIES_TIMEOUT = 30.0    # a fresh Prometheus needs a few seconds (target discovery) before its first scrape
VERIFY_EVALUATIONS = 2   # after recovery the expression must stay empty at least this many evaluation intervals
                         # (checked over Prometheus' history since the resolution: free once the notice is in)
SOFT_FAILURES = (AlertNotDelivered, ResolvedNoticeMissing)   # recorded; the run goes on
SHADOW_LAG_EVALUATIONS = 2   # the misrouted shadow (another rule group, same data) changes state within this many
                             # evaluation intervals (+ 1 s) of the real alert; to fire, it may need its `for` again:
                             # its group evaluates at another phase, and a failed scrape that one group's evaluation
                             # meets and the other's does not resets the shadow's pending state alone


def first_line(exc: BaseException, limit: int) -> str:
    """An error's first line, cut at `limit` characters, for the journal and the verdict record."""
    text = str(exc)
    return text.splitlines()[0][:limit] if text else ""


@dataclass
class Timeline:
    """The moments of one run (epoch seconds), each said once as a journal event (MOMENTS, same order)."""
    steady: float | None = None
    inject_started: float | None = None
    injected: float | None = None            # the fault was observed in effect
    pending: float | None = None
    firing: float | None = None
    notified: float | None = None
    remediation_started: float | None = None
    remediated: float | None = None
    resolved: float | None = None
    resolved_notified: float | None = None
    verified: float | None = None
    finished: float | None = None

    def since(self, start: str, end: str) -> float | None:
        a, b = getattr(self, start), getattr(self, end)
        return None if a is None or b is None else round(b - a, 3)

    @staticmethod
    def event_of(moment: str) -> str:
        """The journal event a timeline field is said as: inject_started -> fault-injecting."""
        return MOMENT_EVENTS[moment]

    @classmethod
    def from_events(cls, events: list[Event]) -> "Timeline":
        """The timeline a journal file tells (the last word on each moment counts)."""
        fields = {event: moment for moment, event in MOMENT_EVENTS.items()}
        return cls(**{fields[e.kind]: e.at for e in events if e.kind in fields})


MOMENT_EVENTS = dict(zip(("steady", "inject_started", "injected", "pending", "firing", "notified",
                          "remediation_started", "remediated", "resolved", "resolved_notified", "verified", "finished"),
                         MOMENTS))


@dataclass(frozen=True)
class Measure:
    """One measured duration with its limit: a derived bound, a measured budget, or only reported."""
    name: str
    measures: str             # "fault in effect -> firing in Prometheus"
    seconds: float | None
    limit: float | None
    kind: str                 # bound | budget | reported
    arithmetic: str

    @property
    def exceeded(self) -> bool:
        return self.seconds is not None and self.limit is not None and self.seconds > self.limit

    def describe(self) -> str:
        return f"{self.name} {self.seconds:.2f}s exceeds the {self.kind} {self.arithmetic}"


@dataclass
class ScenarioResult:
    scenario: Scenario
    bounds: Bounds | None = None
    timeline: Timeline = field(default_factory=Timeline)
    failures: list[BaseException] = field(default_factory=list)
    traffic: dict = field(default_factory=dict)
    metric_query: str = ""   # the scenario's chart query, time-compressed like the rules
    threshold: str = ""      # the rule's expression, for the chart
    controls: dict[str, str] = field(default_factory=dict)   # control folded into the run -> its verdict
    control: Control | None = None   # this run is that negative control: it must fail with exactly its classes

    @property
    def error(self) -> BaseException | None:
        return self.failures[0] if self.failures else None

    @property
    def time_to_fire(self) -> float | None:
        """From the first action of the injection (the fault latency is part of what on-call waits for)."""
        return self.timeline.since("inject_started", "firing")

    @property
    def fault_latency(self) -> float | None:
        return self.timeline.since("inject_started", "injected")

    @property
    def time_to_notify(self) -> float | None:
        return self.timeline.since("firing", "notified")

    @property
    def time_to_detect(self) -> float | None:
        return self.timeline.since("inject_started", "notified")

    @property
    def remediation_duration(self) -> float | None:
        return self.timeline.since("remediation_started", "remediated")

    @property
    def time_to_resolve(self) -> float | None:
        return self.timeline.since("remediated", "resolved")

    @property
    def time_to_resolved_notice(self) -> float | None:
        return self.timeline.since("resolved", "resolved_notified")

    @property
    def time_to_recover(self) -> float | None:
        """From the start of the remediation to the resolved notice: what on-call lives through."""
        return self.timeline.since("remediation_started", "resolved_notified")

    def measures(self) -> list[Measure]:
        b, budget = self.bounds, self.scenario.budget
        factor = b.factor if b else None
        applies = factor is not None and abs(factor - budget.factor) < 1e-9

        def bound(name: str, value: float | None) -> Measure:
            one = getattr(b, name) if b else None
            return Measure(one.name if one else name, one.measures if one else "", value,
                           one.seconds if one else None, "bound", one.arithmetic if one else "not derived")

        def budgeted(name: str, measures: str, value: float | None, limit: float | None) -> Measure:
            if limit is None:
                return Measure(name, measures, value, None, "reported", "no budget")
            if not applies:
                return Measure(name, measures, value, None, "reported",
                               f"budget {limit:g}s measured at factor {budget.factor:g}; not applied at factor "
                               f"{factor if factor is None else f'{factor:g}'}")
            return Measure(name, measures, value, limit, "budget",
                           f"{limit:g}s (measured for this scenario at factor {budget.factor:g})")

        effect = fault_latency_bound(self.scenario.fault)
        return [
            Measure(effect.name, effect.measures, self.fault_latency, effect.seconds, "bound", effect.arithmetic),
            bound("fire", self.time_to_fire),
            bound("notify", self.time_to_notify),
            budgeted("time-to-detect", "first action of the injection -> firing notice at the receiver",
                     self.time_to_detect, budget.detect),
            budgeted("remediation", "the runbook action's own duration", self.remediation_duration,
                     budget.remediate),
            bound("resolve", self.time_to_resolve),
            bound("resolved_notice", self.time_to_resolved_notice),
            budgeted("time-to-recover", "remediation started -> resolved notice at the receiver",
                     self.time_to_recover, budget.recover),
        ]

    @property
    def verdict(self) -> str:
        """passed / failed (a check disproved the runbook claim) / unknown (broken: nothing proven)."""
        if not self.failures:
            return "passed"
        return "failed" if any(isinstance(f, ScenarioFailed) for f in self.failures) else "unknown"

    @property
    def as_expected(self) -> bool | None:
        """A control run: did it fail with exactly the classes the control expects (a usage error proves nothing)?"""
        if self.control is None:
            return None
        return not isinstance(self.error, ConfigError) and matches(self.control.expect, self.failures)

    def record(self) -> dict:
        """The verdict as the journal's last event says it and the gate reads it (chaos_harness/gate.py)."""
        s = self.scenario
        data = {"scenario": s.id, "alert": s.alert, "runbook": s.runbook, "verdict": self.verdict,
                "error_class": type(self.error).__name__ if self.error else None,
                "error": first_line(self.error, 500) if self.error else None,
                "failures": [{"class": type(f).__name__, "message": first_line(f, 300)} for f in self.failures],
                "measures": [asdict(m) | {"exceeded": m.exceeded} for m in self.measures()],
                "controls": self.controls, "factor": self.bounds.factor if self.bounds else None,
                "finished": self.timeline.finished}
        if self.control is not None:
            data |= {"control": self.control.name, "sabotage": self.control.sabotage,
                     "expected": [c.__name__ for c in self.control.expect], "as_expected": self.as_expected}
        return data

    def raise_for_verdict(self) -> None:
        if self.error is not None:
            raise self.error

    def timeline_json(self) -> dict:
        """The Allure "Alert timeline" attachment: the verdict record with the failures' whole messages, plus the
        timeline, the derived bounds and the traffic's outcome."""
        return self.record() | {
            "receiver": self.scenario.receiver, "fault": self.scenario.fault.describe(),
            "error": f"{type(self.error).__name__}: {self.error}" if self.error else None,
            "failures": [f"{type(f).__name__}: {f}" for f in self.failures],
            "timeline": asdict(self.timeline), "bounds": self.bounds.to_json() if self.bounds else None,
            "traffic": self.traffic}

class ScenarioRunner:
    def __init__(self, stack: Stack, observer: AlertObserver, nemesis: Nemesis, journal: Journal) -> None:
        self.stack, self.observer, self.nemesis, self.journal = stack, observer, nemesis, journal
        self._reverted: set[str | None] = set()

    def run(self, scenario: Scenario, *, control: Control | None = None, hold: bool | None = None) -> ScenarioResult:
        """`control` (a negative control run): the checks whose failure classes it expects give up at their bound
        instead of bound + slack. Past its bound a check has already failed its verdict (a later event would be
        BudgetExceeded), so a control proves the same sooner; the checks it expects to pass keep their slack.
        `hold`: run the Hold phase and observe the controls folded into the run (chaos_harness/controls.py
        FOLDED but the broken metric, which costs nothing); by default in proof runs only (a benchmark that times
        the bare drill turns it off)."""
        result = ScenarioResult(scenario, control=control)
        expect_failing = control.expect if control else ()
        self._reverted = set()
        self.journal.event("run-started", scenario=scenario.id, alert=scenario.alert, receiver=scenario.receiver,
                           fault=scenario.fault.describe(), control=control.name if control else None)
        try:
            self._run(scenario, result, expect_failing, hold=control is None if hold is None else hold)
        except Exception as exc:  # noqa: BLE001 - a verdict, or broken (nothing proven); never a crash
            self._failed(result, exc)
        finally:
            if result.timeline.finished is None:
                self._mark(result, "finished", time.time())
        exceeded = [m.describe() for m in result.measures() if m.exceeded]
        if exceeded:
            self._failed(result, BudgetExceeded(f"{scenario.alert}: " + "; ".join(exceeded)))
        self.journal.event("verdict", **result.record())
        return result

    def _mark(self, result: ScenarioResult, moment: str, at: float | None, **data) -> float | None:
        """Set a moment of the timeline and say it in the journal (nothing to say when it did not happen)."""
        setattr(result.timeline, moment, at)
        if at is not None:
            self.journal.event(Timeline.event_of(moment), at=at, **data)
        return at

    def _failed(self, result: ScenarioResult, exc: BaseException) -> None:
        result.failures.append(exc)
        self.journal.event("failure", failure=type(exc).__name__, message=first_line(exc, 500))


    def _soft(self, result: ScenarioResult, call, *args, **kwargs):
        """A check after which the run still proves something: its failure is recorded, the run goes on."""
        try:
            return call(*args, **kwargs)
        except SOFT_FAILURES as exc:
            self._failed(result, exc)
            return None

    def _folded(self, result: ScenarioResult, name: str, verdict: ScenarioFailed) -> None:
        result.controls[name] = f"{type(verdict).__name__}: {verdict}"
        self.journal.event("control", control=name, outcome=type(verdict).__name__)

    def _hold(self, target: AlertTarget, bounds: Bounds, step: float) -> AlertDidNotClear:
        """The folded "not remediated" control: with the fault in place and no remediation yet, the clearing check
        run for its bound must fail (AlertDidNotClear). An alert that clears here clears without the runbook's
        action (it flaps, or the fault does not hold): nothing after this would prove the remediation works.
        One exception, once per run: a scrape that failed during the hold (a loaded machine; `up == 0`) makes its
        target's series stale for an evaluation, which resolves an alert on them although the fault holds. Then
        the alert must fire again within its firing bound and the hold starts over, for the whole clearing bound."""
        started, interrupted = time.time(), False
        while True:
            try:
                at = self.observer.wait_resolved(target, timeout=bounds.resolve.seconds)
            except AlertDidNotClear as verdict:
                return verdict
            missed = [] if interrupted else self.observer.missed_scrapes(started - step, at, step)
            if not missed:
                raise ControlFailed(f"{target} resolved with no remediation, {at - started:.1f}s into the hold, within "
                                    f"its clearing bound ({bounds.resolve}): the alert flaps or the fault does not "
                                    f"hold, so the run cannot show that the remediation is what clears it")
            self.journal.event("hold-interrupted", at=at, missed_scrapes=missed)
            try:
                self.observer.wait_firing(target, since=at, timeout=bounds.fire.seconds)
            except AlertDidNotFire as exc:
                raise ControlFailed(f"{target} resolved {at - started:.1f}s into the hold after a failed scrape of "
                                    f"{', '.join(missed)} and did not fire again within {bounds.fire.seconds:g}s: "
                                    f"{first_line(exc, 300)}") from None
            started, interrupted = time.time(), True

    def _slow_remediation(self, result: ScenarioResult, held_from: float) -> BudgetExceeded:
        """The folded "slow remediation" control: the remediation as on-call would have lived it had they waited
        the hold (hold + the runbook's action), judged by the same measures as every run, against a budget of
        SLOW_BUDGET at the run's factor, must exceed it (BudgetExceeded)."""
        slow = replace(result, scenario=result.scenario.but(budget=slow_remediation_budget(result.bounds.factor)),
                       timeline=replace(result.timeline, remediation_started=held_from), failures=[], controls={})
        measure = next(m for m in slow.measures() if m.name == "remediation")
        if measure.exceeded:
            return BudgetExceeded(f"{result.scenario.alert}, remediated after the hold: {measure.describe()}")
        raise ControlFailed(f"the held-back remediation ({measure.seconds}s) was judged within a {measure.limit:g}s "
                            f"budget ({measure.kind}, {measure.arithmetic}): the budget check cannot fail")

    def _run(self, scenario: Scenario, result: ScenarioResult, expect_failing: tuple, hold: bool) -> None:
        def expected(failure: type[ScenarioFailed]) -> bool:
            return any(issubclass(failure, e) for e in expect_failing)

        def window(bound, failure: type[ScenarioFailed]) -> float:
            """How long a check waits: its bound when a control expects it to fail, else bound + slack."""
            return bound.seconds if expected(failure) else bound.timeout

        target = AlertTarget(scenario.alert, scenario.receiver, scenario.alert_labels)
        profile = self.stack.profile
        rule = self.observer.rule(target)                       # unknown alert: fail before touching anything
        result.bounds = bounds = Bounds.derive(rule, profile, resolve_delay(scenario.signal_delay, rule, profile),
                                               resolve_delay(scenario.clear_delay, rule, profile))
        result.metric_query = scale_expr(scenario.chart_query, profile.factor)
        result.threshold = rule.query
        shadow = self.observer.shadow_rule(target)
        misrouted = self.observer.misrouted(target) if hold else None
        shadow_lag = SHADOW_LAG_EVALUATIONS * profile.evaluation_interval + 1.0
        held_from: float | None = None
        tl = result.timeline
        traffic = scenario.traffic(self.stack) if scenario.traffic else nullcontext()
        applied: AppliedFault | None = None
        try:
            with traffic:
                settled = scale_expr(scenario.settled_query, profile.factor)
                with self.journal.phase("Steady state", f"`{result.metric_query}` has data"
                                        + (f", `{settled}` holds" if settled else "") + f" and {target} is quiet"):
                    self.nemesis.prepare(scenario.fault)
                    self.observer.wait_series(result.metric_query, timeout=SERIES_TIMEOUT)
                    if settled:
                        self.observer.wait_series(settled, timeout=SERIES_TIMEOUT)
                    self.observer.wait_quiet(target, timeout=bounds.resolve.timeout)
                    reason = self.observer.earlier_group(target, within=bounds.group_lifetime)
                    if reason:
                        result.bounds = bounds = bounds.with_open_group(profile, reason)
                    self._mark(result, "steady", time.time())
                with self.journal.phase("Inject fault", f"{scenario.fault} ({scenario.drill})"):
                    self._mark(result, "inject_started", time.time())
                    applied = self.nemesis.inject(scenario.fault)
                    self._mark(result, "injected", applied.injected_at, ledger_id=applied.ledger_id,
                               latency=applied.latency)
                    result.bounds = bounds = bounds.after_injection(applied.latency)
                with self.journal.phase("Detect", f"{target} fires ({bounds.fire}) and reaches {scenario.receiver} "
                                                  f"({bounds.notify})"):
                    pending, firing = self.observer.wait_firing(
                        target, since=tl.inject_started,
                        timeout=max(0.0, window(bounds.fire, AlertDidNotFire) - applied.latency),
                        hold=rule.duration if expected(AlertDidNotFire) else None)   # a control: until it cannot fire
                    self._mark(result, "pending", pending)
                    self._mark(result, "firing", firing)
                    if shadow is not None:
                        self._folded(result, BROKEN_METRIC,
                                     self.observer.broken_rule_control(target, since=tl.pending or tl.injected))
                    self._mark(result, "notified", self._soft(
                        result, self.observer.wait_delivered, target, status="firing", since=tl.inject_started,
                        timeout=window(bounds.notify, AlertNotDelivered)), receiver=scenario.receiver)
                    if misrouted is not None:
                        self._folded(result, ROUTED_ELSEWHERE, self.observer.misrouted_control(
                            misrouted, since=tl.inject_started, fire_within=shadow_lag + rule.duration,
                            notify_within=bounds.notify.seconds))
                if hold:
                    held_from = time.time()
                    with self.journal.phase("Hold", f"no remediation yet: {target} stays firing for its clearing "
                                                    f"bound ({bounds.resolve.seconds:g}s), so the clearing check "
                                                    f"can fail (control '{NOT_REMEDIATED}')"):
                        self._folded(result, NOT_REMEDIATED,
                                     self._hold(target, bounds, profile.evaluation_interval))
                with self.journal.phase("Remediate", scenario.remediation_text or str(scenario.remediation)):
                    self._mark(result, "remediation_started", time.time())
                    revert_now = lambda: self._revert(applied, "remediation")  # noqa: E731 - the runbook's "fix it"
                    scenario.remediation(RemediationContext(self.stack.owner, revert_now))
                    self._mark(result, "remediated", time.time())
                    if held_from is not None:
                        self._folded(result, SLOW_REMEDIATION, self._slow_remediation(result, held_from))
                with self.journal.phase("Recover", f"{target} resolves ({bounds.resolve}) and the resolution reaches "
                                                   f"{scenario.receiver} ({bounds.resolved_notice})"):
                    self._mark(result, "resolved", self.observer.wait_resolved(
                        target, timeout=window(bounds.resolve, AlertDidNotClear)))
                    self._mark(result, "resolved_notified", self._soft(
                        result, self.observer.wait_delivered, target, status="resolved",
                        since=tl.remediation_started, timeout=window(bounds.resolved_notice, ResolvedNoticeMissing)),
                               receiver=scenario.receiver)
                    if tl.resolved_notified is not None and tl.resolved_notified < tl.resolved:
                        # it cleared during a long remediation, before the first poll after it: the notice
                        # cannot precede the resolution, so its arrival is the best bound we have on it
                        self._mark(result, "resolved", tl.resolved_notified, note="the resolved notice came first")
                    if misrouted is not None:
                        self._folded(result, ROUTED_ELSEWHERE_RESOLVED, self.observer.misrouted_resolved_control(
                            misrouted, since=tl.remediation_started, resolve_within=shadow_lag,
                            notice_within=bounds.resolved_notice.seconds))
                verify = VERIFY_EVALUATIONS * profile.evaluation_interval
                with self.journal.phase("Verify", f"`{rule.query}` stayed empty (metric on the healthy side) and "
                                                  f"`{result.metric_query}` had series at every evaluation since the "
                                                  f"resolution, for at least {VERIFY_EVALUATIONS} evaluation "
                                                  f"intervals ({verify:g}s)"):
                    self.observer.verify_healthy(target, metric=result.metric_query, since=tl.resolved,
                                                 duration=verify, step=profile.evaluation_interval)
                    self._mark(result, "verified", time.time())
        finally:
            if applied is not None:
                self._revert(applied, "run")
            self._mark(result, "finished", time.time())
            if hasattr(traffic, "stats"):
                result.traffic = {"name": str(traffic), **asdict(traffic.stats)}
                self.journal.event("traffic", **result.traffic)

    def _revert(self, applied: AppliedFault, by: str) -> None:
        """Revert through the nemesis (idempotent) and say so once, with the fault's ledger id."""
        done = self._reverted
        self.nemesis.revert(applied)
        if applied.ledger_id not in done:
            done.add(applied.ledger_id)
            self.journal.event("fault-reverted", ledger_id=applied.ledger_id, by=by)


def journal_unrun(journal: Journal, result: ScenarioResult) -> None:
    """The journal of a run refused before it started (an invalid scenario): what it was, why, its verdict."""
    s = result.scenario
    journal.event("run-started", scenario=s.id, alert=s.alert, receiver=s.receiver, fault=s.fault.describe(),
                  control=result.control.name if result.control else None)
    for failure in result.failures:
        journal.event("failure", failure=type(failure).__name__, message=first_line(failure, 500))
    journal.event("verdict", **result.record())
