"""Alert observation: steady state, firing + delivered, resolved + resolution delivered.

Each wait is bounded by the caller (from the compressed timers) and, on timeout, raises the
verdict class (AlertDidNotFire, AlertNotDelivered, AlertDidNotClear) with the rule's state,
its expression, what that expression returns now, and the states seen while waiting.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from harness.errors import AlertDidNotClear, AlertDidNotFire, AlertNotDelivered, NotSteadyState, ServiceUnreachable
from harness.observe.alertmanager import Alertmanager
from harness.observe.prometheus import AlertingRule, Prometheus
from harness.observe.webhook import WebhookReceiver
from harness.waiting import Check, WaitResult, WaitTimedOut, describe_history, wait_until

POLL_INTERVAL = 0.1


@dataclass(frozen=True)
class AlertTarget:
    """An alert instance to watch: name, optional label matchers, and the receiver it must reach."""
    alertname: str
    receiver: str
    labels: dict | None = None

    def __str__(self) -> str:
        labels = "".join(f',{k}="{v}"' for k, v in (self.labels or {}).items())
        return f'{self.alertname}{{{labels.lstrip(",")}}}' if labels else self.alertname


@dataclass(frozen=True)
class Detection:
    pending: float | None      # Prometheus activeAt of the instance
    firing: float              # first poll that saw it firing
    notified: float            # the receiver got the firing notification


@dataclass(frozen=True)
class Recovery:
    resolved: float            # first poll that saw the alert gone from Prometheus
    notified: float            # the receiver got the resolved notification


class AlertObserver:
    def __init__(self, prometheus: Prometheus, alertmanager: Alertmanager, webhook: WebhookReceiver) -> None:
        self.prometheus = prometheus
        self.alertmanager = alertmanager
        self.webhook = webhook

    def rule(self, target: AlertTarget) -> AlertingRule:
        """Fails fast (UnknownAlert, listing close names) if the alert is not a loaded rule."""
        return self.prometheus.rule(target.alertname)

    def state(self, target: AlertTarget) -> tuple[str, float | None]:
        alerts = self.prometheus.alerts(target.alertname, target.labels)
        if not alerts:
            return "inactive", None
        state = "firing" if any(a.state == "firing" for a in alerts) else "pending"
        return state, min(a.active_at for a in alerts)

    def _explain(self, target: AlertTarget, exc: WaitTimedOut) -> str:
        rule = self.prometheus.rule(target.alertname)
        return (f"{exc.what}: not reached within {exc.timeout:.1f}s. Rule {rule.name} (group {rule.group}) is "
                f"{rule.state}, health={rule.health}{' (' + rule.last_error + ')' if rule.last_error else ''}; "
                f"expr `{rule.query}` for {rule.duration:g}s now returns: {self.prometheus.describe_value(rule.query)}. "
                f"States seen: {describe_history(exc.history, exc.started)}")

    def _wait(self, probe, *, what: str, timeout: float, fail) -> WaitResult:
        """wait_until with this observer's polling, where a timeout becomes `fail(exc)` (a verdict)."""
        try:
            return wait_until(probe, what=what, timeout=timeout, interval=POLL_INTERVAL,
                              transient=(ServiceUnreachable,))
        except WaitTimedOut as exc:
            raise fail(exc) from None

    def _inactive(self, target: AlertTarget) -> Check:
        state, _ = self.state(target)
        return Check(state == "inactive", state, time.time())

    def wait_quiet(self, target: AlertTarget, *, timeout: float) -> None:
        """Steady state: neither pending nor firing. A previous run may still be clearing it, so wait."""
        self._wait(lambda: self._inactive(target), what=f"{target} to be quiet before injecting", timeout=timeout,
                   fail=lambda exc: NotSteadyState(f"steady state not reached: {exc}"))

    def wait_series(self, expr: str, *, timeout: float) -> None:
        """Steady state needs data: Prometheus has scraped enough for `expr` to return series."""
        def probe() -> Check:
            result = self.prometheus.query(expr)
            return Check(bool(result), f"{len(result)} series" if result else "no series yet")
        self._wait(probe, what=f"`{expr}` to return series", timeout=timeout,
                   fail=lambda exc: NotSteadyState(f"steady state not reached: {exc}"))

    def wait_firing(self, target: AlertTarget, *, since: float, timeout: float) -> tuple[float | None, float]:
        """Until Prometheus reports the alert firing. Returns (pending activeAt, firing seen at)."""
        def probe() -> Check:
            state, active_at = self.state(target)
            return Check(state == "firing", state, (active_at, time.time()))
        return self._wait(probe, what=f"{target} to fire", timeout=timeout,
                          fail=lambda exc: AlertDidNotFire(self._explain(target, exc))).value

    def wait_delivered(self, target: AlertTarget, *, status: str, since: float, timeout: float) -> float:
        """Until the receiver got a `status` (firing|resolved) notification for the alert after `since`."""
        def probe() -> Check:
            got = self.webhook.notifications(receiver=target.receiver, alertname=target.alertname,
                                             status=status, since=since)
            if got:
                return Check(True, f"{status} notification received", got[0]["received_at"])
            routed = sorted(self.alertmanager.receivers_of(target.alertname, target.labels))
            return Check(False, f"no {status} notification at {target.receiver}; Alertmanager routes it to "
                                f"{routed or 'nothing (not active there)'}")
        error = AlertNotDelivered if status == "firing" else AlertDidNotClear
        return self._wait(probe, what=f"{status} notification of {target} at receiver {target.receiver}",
                          timeout=timeout,
                          fail=lambda exc: error(f"{exc.what}: not received within {exc.timeout:.1f}s; saw: "
                                                 f"{describe_history(exc.history, exc.started)}")).value

    def wait_resolved(self, target: AlertTarget, *, timeout: float) -> float:
        """Until Prometheus no longer reports the alert (resolved means absent)."""
        return self._wait(lambda: self._inactive(target), what=f"{target} to resolve", timeout=timeout,
                          fail=lambda exc: AlertDidNotClear(self._explain(target, exc))).value
