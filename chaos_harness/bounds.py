"""Bounds of every phase of a scenario, derived from the loaded rule and the run's timers.

Prometheus (REFERENCE.md §1) and Alertmanager (§3) fix how long each transition may take;
the harness may add `HARNESS_OVERHEAD` (polling, HTTP) to each:

  fault latency    first action of the injection -> fault observed in effect (container state, connector
                   REST state, the database's session list...: never the alert's own metric source)
                   <= the fault's own bound (Fault.effect_within; the Nemesis gives up after it)
  fire             first action of the injection -> firing in Prometheus
                   <= fault latency (as observed) + for + scrape + evaluation + signal delay
  notify           firing -> firing notice at the receiver
                   <= group_wait + evaluation (a new group flushes after group_wait; the alert is sent
                      at the evaluation that made it fire)
  resolve          remediation done -> alert gone from Prometheus
                   <= longest range window + scrape + evaluation + keep_firing_for + clearing delay
                      (a rate() keeps old increments until they leave its window; negative when it cleared
                      during a long remediation, known from its resolved notice)
  resolved notice  resolved -> resolved notice at the receiver
                   <= group_interval + evaluation (the group's next tick sends it)

A new Alertmanager group flushes after group_wait; a firing that joins an existing group (the alert fired
within the last 15 min + 30 s + a tick: Prometheus re-sends a resolved alert for 15 min, which keeps its group
alive; or its resolution never went out) waits for that group's next tick, so steady state checks for one and
then allows group_interval instead, saying why. Every bound prints its
arithmetic; `timeout` is how long a wait lasts before the verdict "did not happen", longer
than the bound so that a late event is measured (BudgetExceeded) rather than missed.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from chaos_harness.observe.prometheus import AlertingRule
from chaos_harness.signals import Delay
from chaos_harness.timing import TimingProfile, parse_duration, range_windows

HARNESS_OVERHEAD = 1.0   # seconds the harness may add to each phase's floor (polling, HTTP)
ALERTMANAGER_MAINTENANCE = 30.0   # Alertmanager's dispatcher deletes empty groups every 30 s (dispatch.go)
PROMETHEUS_RESOLVED_RETENTION = 900.0   # Prometheus keeps re-sending a resolved alert to Alertmanager for 15 min
                                        # (rules/alerting.go resolvedRetention; real time, not configurable)


@dataclass(frozen=True)
class Bound:
    name: str          # "time-to-fire"
    measures: str      # "fault in effect -> firing in Prometheus"
    seconds: float
    arithmetic: str    # "for 4s + scrape 0.5s + evaluation 0.5s + 1s harness overhead = 6s"
    parts: tuple[tuple[str, float], ...] = ()   # the terms of the sum, without the harness overhead

    @property
    def timeout(self) -> float:
        return round(self.seconds + max(3.0, self.seconds / 2), 3)

    def __str__(self) -> str:
        return f"{self.name} <= {self.arithmetic}"


def _bound(name: str, measures: str, parts: list[tuple[str, float]]) -> Bound:
    terms = tuple((label, value) for label, value in parts if value)
    summed = [*terms, ("harness overhead", HARNESS_OVERHEAD)]
    total = round(sum(value for _, value in summed), 3)
    text = " + ".join(f"{label} {value:g}s" for label, value in summed)
    return Bound(name, measures, total, f"{text} = {total:g}s", terms)


def fault_latency_bound(fault) -> Bound:
    """The fault's own bound on taking effect (Fault.effect_within), which the Nemesis enforces."""
    return Bound("fault latency", "first action of the injection -> fault observed in effect",
                 fault.effect_within, f"{type(fault).__name__}'s own bound {fault.effect_within:g}s (the nemesis "
                                      f"reports FaultNotInEffect after it)")


def longest_window(rule: AlertingRule) -> float:
    """Seconds of the longest range window in the rule's (compressed) expression, 0 if it has none."""
    return max((parse_duration(w) / 1000 for w in range_windows(rule.query)), default=0.0)


@dataclass(frozen=True)
class Bounds:
    fire: Bound
    notify: Bound
    resolve: Bound
    resolved_notice: Bound
    factor: float

    @classmethod
    def derive(cls, rule: AlertingRule, profile: TimingProfile, signal: Delay = Delay(0.0),
               clear: Delay = Delay(0.0)) -> "Bounds":
        s, e = profile.scrape_interval, profile.evaluation_interval
        signal_label = f"signal delay ({signal.arithmetic})" if signal.arithmetic else "signal delay"
        clear_label = f"clearing delay ({clear.arithmetic})" if clear.arithmetic else "clearing delay"
        return cls(
            fire=_bound("time-to-fire", "fault in effect -> firing in Prometheus",
                        [("for", rule.duration), ("scrape", s), ("evaluation", e), (signal_label, signal.seconds)]),
            notify=_bound("time-to-notify", "firing -> firing notice at the receiver",
                          [("group_wait", profile.group_wait), ("evaluation", e)]),
            resolve=_bound("time-to-resolve", "remediation done -> resolved in Prometheus",
                           [("longest range window", longest_window(rule)), ("scrape", s), ("evaluation", e),
                            ("keep_firing_for", rule.keep_firing_for), (clear_label, clear.seconds)]),
            resolved_notice=_bound("time-to-resolved-notice", "resolved -> resolved notice at the receiver",
                                   [("group_interval", profile.group_interval), ("evaluation", e)]),
            factor=profile.factor,
        )

    @property
    def group_lifetime(self) -> float:
        """How long after its last firing an alert's Alertmanager group may still exist. Prometheus re-sends the
        resolved alert to Alertmanager every resend delay for 15 minutes after the resolution, which keeps the
        group non-empty; once that stops, the dispatcher's maintenance (every 30 s) deletes it. Both real time,
        not configurable. Measured on the test stack (2026-11-30, factor 30): a firing 40 s after the previous
        resolution still joined the old group (notified 2.9 s after firing, on its tick, not after group_wait)."""
        return round(PROMETHEUS_RESOLVED_RETENTION + ALERTMANAGER_MAINTENANCE + self.resolved_notice.seconds, 3)

    def with_open_group(self, profile: TimingProfile, reason: str) -> "Bounds":
        """The notify bound when an earlier group of the alert may still exist at Alertmanager: a new firing goes
        out on that group's next tick, up to group_interval later."""
        notify = _bound("time-to-notify", f"firing -> firing notice at the receiver (an earlier group may exist: "
                                          f"{reason})",
                        [("group_interval", profile.group_interval), ("evaluation", profile.evaluation_interval)])
        return replace(self, notify=notify)

    def after_injection(self, latency: float) -> "Bounds":
        """The fire bound counted from the first action of the injection: the observed fault latency (itself
        bounded by the fault, see fault_latency_bound) is added to the rule's own terms."""
        fire = _bound("time-to-fire", "first action of the injection -> firing in Prometheus",
                      [("fault latency (observed)", round(latency, 3)), *self.fire.parts])
        return replace(self, fire=fire)

    def all(self) -> tuple[Bound, ...]:
        return self.fire, self.notify, self.resolve, self.resolved_notice

    def to_json(self) -> dict:
        return {"factor": self.factor, **{b.name: asdict(b) | {"timeout": b.timeout} for b in self.all()}}


def planned_bounds(scenario, factor: float, monitoring_root) -> Bounds:
    """The bounds a run at `factor` will use, derived from the files alone (no Prometheus): the rule as the test
    stack will load it (compressed) and the compressed timers. For `harness plan` and --dry-run."""
    import tempfile
    from pathlib import Path

    import yaml

    from chaos_harness.errors import UnknownAlert
    from chaos_harness.signals import resolve
    from chaos_harness.timing import MonitoringSources, parse_duration, render_test_config

    with tempfile.TemporaryDirectory(prefix="chaos-plan-") as tmp:
        profile = render_test_config(MonitoringSources(Path(monitoring_root)), Path(tmp), factor)
        for path in sorted((Path(tmp) / "prometheus" / "rules").glob("*.yml")):
            for group in (yaml.safe_load(path.read_text()) or {}).get("groups") or []:
                for r in group.get("rules") or []:
                    if r.get("alert") == scenario.alert:
                        rule = AlertingRule(r["alert"], str(r["expr"]), parse_duration(r.get("for", "0s")) / 1000,
                                            r.get("labels") or {}, r.get("annotations") or {}, "inactive", "unknown",
                                            "", group["name"], parse_duration(r.get("keep_firing_for", "0s")) / 1000)
                        return Bounds.derive(rule, profile, resolve(scenario.signal_delay, rule, profile),
                                             resolve(scenario.clear_delay, rule, profile))
    raise UnknownAlert(f"alert {scenario.alert!r} is not defined by any rule file")
