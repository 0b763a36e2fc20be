"""Alert observation: steady state, firing + delivered, resolved + resolution delivered.

Each wait is bounded by the caller (from the compressed timers) and, on timeout, raises the
verdict class (AlertDidNotFire, AlertNotDelivered, AlertDidNotClear) with the rule's state,
its expression, what that expression returns now, and the states seen while waiting.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from chaos_harness.errors import (AlertDidNotClear, AlertDidNotFire, AlertNotDelivered, ControlFailed, NotRecovered,
                            NotSteadyState, ResolvedNoticeMissing, ServiceUnreachable, UnknownAlert)
from chaos_harness.mutation import MISROUTED_RECEIVER, MISROUTED_SUFFIX, SHADOW_SUFFIX
from chaos_harness.observe.alertmanager import Alertmanager
from chaos_harness.observe.prometheus import AlertingRule, Prometheus
from chaos_harness.observe.webhook import WebhookReceiver, carries
from chaos_harness.waiting import Check, WaitResult, WaitTimedOut, describe_history, wait_until

POLL_INTERVAL = 0.1
VERIFY_WINDOWS = 3   # Verify looks at most this many windows for the metric present at every step


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

    def wait_firing(self, target: AlertTarget, *, since: float, timeout: float,
                    hold: float | None = None) -> tuple[float | None, float]:
        """Until Prometheus reports the alert firing. Returns (pending activeAt, firing seen at).

        `hold` (the rule's `for`, given by a negative control that expects this check to fail): give up as soon as
        the alert can no longer fire within `timeout`, not at its end. An alert fires at the first evaluation at
        least `for` after the one that made it pending (its activeAt); so once Prometheus has evaluated the rule
        at or after deadline - `for` and the alert is not pending, any pending starts later and fires after the
        deadline: the check has failed already (AlertDidNotFire, saying so)."""
        started = time.time()
        deadline = started + timeout

        def probe() -> Check:
            rule = self.prometheus.rule(target.alertname) if hold is not None and time.time() >= deadline - hold \
                else None           # read before the alerts: they are then at least as fresh as its evaluation
            state, active_at = self.state(target)
            if rule is not None and state == "inactive" and (rule.last_evaluation or 0) >= deadline - hold:
                raise AlertDidNotFire(
                    f"{target} to fire: not reached within {timeout:.1f}s, and it cannot be: Prometheus evaluated "
                    f"rule {rule.name} {rule.last_evaluation - started:.1f}s into the wait with the alert not "
                    f"pending, later than the wait less `for` ({timeout - hold:.1f}s), so a pending that starts "
                    f"after it fires past the bound (stopped {max(0.0, deadline - time.time()):.1f}s before it). "
                    f"Expr `{rule.query}` for {rule.duration:g}s now returns: "
                    f"{self.prometheus.describe_value(rule.query)}")
            return Check(state == "firing", state, (active_at, time.time()))
        return self._wait(probe, what=f"{target} to fire", timeout=timeout,
                          fail=lambda exc: AlertDidNotFire(self._explain(target, exc))).value

    def earlier_group(self, target: AlertTarget, *, within: float) -> str:
        """Why an Alertmanager group of this alert may still exist, or "" if none can: its last notice at the
        receiver is a firing one (a resolution never went out), or it was firing within the last `within`
        seconds (Bounds.group_lifetime: Prometheus re-sends the resolved alert for 15 min, and Alertmanager deletes
        an empty group only at its maintenance, every 30 s). A new firing
        joins such a group and goes out on its next tick, up to group_interval later, not after group_wait."""
        got = self.webhook.notifications(receiver=target.receiver, alertname=target.alertname)
        if got and got[-1]["status"] == "firing":
            return f"its last notice at {target.receiver} was a firing one"
        matchers = "".join(f',{k}="{v}"' for k, v in (target.labels or {}).items())
        recent = self.prometheus.query(f'ALERTS{{alertname="{target.alertname}",alertstate="firing"{matchers}}}'
                                       f'[{round(within * 1000)}ms]')
        return f"it was firing within the last {within:g}s" if recent else ""

    def delivery(self, target: AlertTarget, *, status: str, since: float) -> Check:
        """One look at the receiver: did a `status` notice of the alert arrive after `since`? If not, the state
        says what arrived instead (notices at other receivers) and where Alertmanager routes the alert."""
        got = [n for n in self.webhook.notifications(alertname=target.alertname, since=since)
               if carries(n, target.labels)]
        mine = [n for n in got if n["receiver"] == target.receiver and n["status"] == status]
        if mine:
            return Check(True, f"{status} notice received", mine[0]["received_at"])
        elsewhere = sorted({f"{n['status']} at {n['receiver']}" for n in got}) or ["nothing"]
        routed = sorted(self.alertmanager.receivers_of(target.alertname, target.labels))
        return Check(False, f"no {status} notice at {target.receiver}; received: {', '.join(elsewhere)}; "
                            f"Alertmanager routes it to {routed or 'nothing (not active there)'}", routed)

    def wait_delivered(self, target: AlertTarget, *, status: str, since: float, timeout: float) -> float:
        """Until the receiver got a `status` (firing|resolved) notice of the alert after `since`. A firing alert that
        Alertmanager holds and routes only to other receivers cannot reach this one (routing is deterministic):
        AlertNotDelivered at once, not after the timeout."""
        error = AlertNotDelivered if status == "firing" else ResolvedNoticeMissing
        what = f"{status} notice of {target} at receiver {target.receiver}"

        def probe() -> Check:
            check = self.delivery(target, status=status, since=since)
            routed = check.value if not check.done else None
            if status == "firing" and routed and target.receiver not in routed:
                raise AlertNotDelivered(f"{what}: cannot arrive: {check.state}")
            return Check(check.done, check.state, check.value if check.done else None)
        return self._wait(probe, what=what, timeout=timeout,
                          fail=lambda exc: error(f"{exc.what}: not received within {exc.timeout:.1f}s; saw: "
                                                 f"{describe_history(exc.history, exc.started)}")).value

    def missed_scrapes(self, start: float, end: float, step: float) -> list[str]:
        """The scrape targets whose scrape failed (`up == 0`) at some evaluation step between `start` and `end`. A
        failed scrape leaves every series of its target stale until the next one: an alert on them is not
        evaluated as true at that step, and resolves, although nothing changed."""
        failed = self.prometheus.query_range("up == 0", start, end, step)
        return sorted({f"{r['metric'].get('instance', '?')} (job {r['metric'].get('job', '?')})" for r in failed})

    def wait_resolved(self, target: AlertTarget, *, timeout: float) -> float:
        """Until Prometheus no longer reports the alert (resolved means absent)."""
        return self._wait(lambda: self._inactive(target), what=f"{target} to resolve", timeout=timeout,
                          fail=lambda exc: AlertDidNotClear(self._explain(target, exc))).value

    def verify_healthy(self, target: AlertTarget, *, metric: str, since: float, duration: float,
                       step: float, windows: int = VERIFY_WINDOWS) -> None:
        """After recovery: at every evaluation step from `since` (the resolution) until now, and at least for
        `duration`, the rule's expression was empty (the metric on the healthy side of the threshold); and at every
        step of the last `duration` the scenario's metric query returned series, so an alert that "resolved"
        because its series vanished (an exporter restarted, a target gone) does not count as recovered. Checked over
        Prometheus' own history (query_range), so it waits only for whatever of `duration` has not passed yet.
        A window with steps missing (a scrape that timed out on a loaded machine leaves a staleness marker) is
        looked at again one `duration` later, up to `windows` windows in all: a metric that is gone stays gone, a
        missed scrape does not. Else NotRecovered."""
        expr = self.prometheus.rule(target.alertname).query
        remaining = since + duration - time.time()
        if remaining > 0:
            time.sleep(remaining)
        seen_in: list[str] = []
        for window in range(windows):
            if window:
                time.sleep(duration)
            end = time.time()
            unhealthy = self.prometheus.query_range(expr, since, end, step)
            if unhealthy:
                first = min((float(v[0]), r) for r in unhealthy for v in r["values"][:1])
                raise NotRecovered(f"{target}: not back on the healthy side after it resolved: `{expr}` returned "
                                   f"{first[1]['values'][0][1]} for {first[1]['metric']} {first[0] - since:.1f}s "
                                   f"after the resolution (window {end - since:.1f}s, step {step:g}s)")
            present = self.prometheus.query_range(metric, max(since, end - duration), end, step)
            seen = {round(float(v[0]), 3) for r in present for v in r["values"]}
            wanted = max(1, int(min(duration, end - since) / step) + 1)
            if len(seen) >= wanted:
                return
            seen_in.append(f"{len(seen)} of {wanted}")
        raise NotRecovered(f"{target}: `{expr}` stayed empty but `{metric}` had series at only "
                           f"{', then '.join(seen_in)} evaluation steps of {windows} consecutive {duration:g}s windows "
                           f"(the metric is gone, not healthy)")

    def shadow_rule(self, target: AlertTarget) -> AlertingRule | None:
        """The broken-metric copy of the alert's rule the test stack loads beside it, if any."""
        try:
            return self.prometheus.rule(target.alertname + SHADOW_SUFFIX)
        except UnknownAlert:
            return None

    def misrouted(self, target: AlertTarget) -> AlertTarget | None:
        """The misrouted copy of the alert's rule the test stack loads beside it (same expression, routed to a
        receiver with no integration), as a target at the same receiver; None where there is none."""
        try:
            self.prometheus.rule(target.alertname + MISROUTED_SUFFIX)
        except UnknownAlert:
            return None
        return AlertTarget(target.alertname + MISROUTED_SUFFIX, target.receiver, target.labels)

    def misrouted_control(self, shadow: AlertTarget, *, since: float, fire_within: float,
                          notify_within: float) -> AlertNotDelivered:
        """The folded "routed elsewhere" control, once the real alert fired: its misrouted copy must fire too
        (within `fire_within`: it sees the same data; else ControlFailed, nothing proven), and the delivery check,
        run on it for the notify bound, must fail exactly as for a misrouted alert (AlertNotDelivered)."""
        try:
            self.wait_firing(shadow, since=since, timeout=fire_within)
        except AlertDidNotFire as exc:
            raise ControlFailed(f"the misrouted control {shadow.alertname} did not fire with the real alert: "
                                f"{exc}") from None
        try:
            at = self.wait_delivered(shadow, status="firing", since=since, timeout=notify_within)
        except AlertNotDelivered as verdict:
            return verdict
        raise ControlFailed(f"{shadow} reached {shadow.receiver} at {at:.3f} although routed to "
                            f"{MISROUTED_RECEIVER}: the delivery check does not tell receivers apart")

    def misrouted_resolved_control(self, shadow: AlertTarget, *, since: float, resolve_within: float,
                                   notice_within: float) -> ResolvedNoticeMissing:
        """The folded "routed elsewhere, resolved" control, once the real alert's resolved notice arrived: the
        misrouted copy must resolve too (within `resolve_within`; else ControlFailed), and the resolved-notice check,
        run on it for its bound from its resolution, must fail (ResolvedNoticeMissing)."""
        try:
            resolved = self.wait_resolved(shadow, timeout=resolve_within)
        except AlertDidNotClear as exc:
            raise ControlFailed(f"the misrouted control {shadow.alertname} did not resolve with the real alert: "
                                f"{exc}") from None
        try:
            at = self.wait_delivered(shadow, status="resolved", since=since,
                                     timeout=max(0.0, resolved + notice_within - time.time()))
        except ResolvedNoticeMissing as verdict:
            return verdict
        raise ControlFailed(f"a resolved notice of {shadow} reached {shadow.receiver} at {at:.3f} although it is "
                            f"routed to {MISROUTED_RECEIVER}: the resolved-notice check does not tell receivers apart")

    def broken_rule_control(self, target: AlertTarget, *, since: float) -> AlertDidNotFire:
        """Classify the shadow copy (the rule with its metric misspelled, evaluated on the same data) at the
        moment the real alert fires. A valid control is inactive and was evaluated since `since` (when the real
        rule turned pending: from then on its expression was true on the data both rules saw): it is
        classified exactly as a broken rule would be (AlertDidNotFire with its expression and state), and
        that verdict is returned. A shadow that is pending/firing, unhealthy or not evaluated proves nothing:
        ControlFailed."""
        shadow = AlertTarget(target.alertname + SHADOW_SUFFIX, target.receiver, target.labels)
        rule = self.prometheus.rule(shadow.alertname)
        state, _ = self.state(shadow)
        if state != "inactive":
            raise ControlFailed(f"the broken-metric control {shadow.alertname} is {state} while {target} fires: "
                                f"its expression `{rule.query}` does not depend on the metric")
        if rule.health != "ok" or rule.last_evaluation is None or rule.last_evaluation < since:
            raise ControlFailed(f"the broken-metric control {shadow.alertname} has not been evaluated since the "
                                f"fault (health={rule.health}, last evaluation {rule.last_evaluation}): no control")
        return AlertDidNotFire(f"{shadow}: not firing when {target} fired. Rule {rule.name} (group {rule.group}) "
                               f"is {rule.state}, health={rule.health}; expr `{rule.query}` for "
                               f"{rule.duration:g}s now returns: {self.prometheus.describe_value(rule.query)}. "
                               f"States seen: {state}")
