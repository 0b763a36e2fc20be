"""Bounds, the runner's phases and the observer's delivery matching, with fakes (no containers)."""
import importlib.util
import time
from dataclasses import dataclass, field

import pytest

from chaos_harness.bounds import Bounds
from chaos_harness.controls import NO_FAULT, Control, matches
from chaos_harness.errors import (AlertDidNotClear, AlertDidNotFire, AlertNotDelivered, BudgetExceeded, ControlFailed,
                            ResolvedNoticeMissing, ServiceUnreachable)
from chaos_harness.faults import AppliedFault, NoFault
from chaos_harness.journal import MOMENTS, Journal, JsonLinesHandler, read_events
from chaos_harness.observe.alerts import AlertObserver, AlertTarget
from chaos_harness.observe.prometheus import ActiveAlert, AlertingRule
from chaos_harness.runner import ScenarioRunner, Timeline
from chaos_harness.scenario import Budget, Scenario
from chaos_harness.signals import Delay, resolve
from fixtures import ROOT
from chaos_harness.timing import TimingProfile

PROFILE = TimingProfile(factor=30, scrape_interval=0.5, scrape_timeout=0.5, evaluation_interval=0.5,
                        resend_delay=2.0, group_wait=1.0, group_interval=4.0)
RULE = AlertingRule("X", "sum(rate(errors_total[4s])) > 0", 4.0, {"severity": "critical"}, {}, "inactive", "ok", "",
                    "g")


def test_bounds_are_derived_from_the_rule_and_timers_with_their_arithmetic():
    b = Bounds.derive(RULE, PROFILE, Delay(0.8, "a fifth of the 4s window"), Delay(0.0))
    assert b.fire.seconds == 4 + 0.5 + 0.5 + 0.8 + 1
    assert b.fire.arithmetic == ("for 4s + scrape 0.5s + evaluation 0.5s + signal delay (a fifth of the 4s window) "
                                 "0.8s + harness overhead 1s = 6.8s")
    assert b.notify.seconds == 1 + 0.5 + 1 and "group_wait 1s" in b.notify.arithmetic
    assert b.resolve.seconds == 4 + 0.5 + 0.5 + 1 and "longest range window 4s" in b.resolve.arithmetic
    assert b.resolved_notice.seconds == 4 + 0.5 + 1 and "group_interval 4s" in b.resolved_notice.arithmetic
    assert all(x.timeout > x.seconds for x in b.all())
    assert b.with_open_group(PROFILE, "it fired 3s ago").notify.seconds == 4 + 0.5 + 1
    assert "it fired 3s ago" in b.with_open_group(PROFILE, "it fired 3s ago").notify.measures
    assert b.group_lifetime == 900 + 30 + 5.5


def test_bounds_follow_the_time_factor():
    slow = TimingProfile(factor=10, scrape_interval=1.5, scrape_timeout=1.5, evaluation_interval=1.5,
                         resend_delay=6.0, group_wait=3.0, group_interval=12.0)
    assert Bounds.derive(RULE, slow).notify.seconds == 3 + 1.5 + 1


def test_a_signal_delay_is_a_function_of_rule_and_profile():
    def fifth_of_window(rule, profile):
        return Delay(4.0 / 5 + profile.scrape_interval, "a fifth of the window + one scrape")
    assert resolve(fifth_of_window, RULE, PROFILE).seconds == pytest.approx(1.3)
    assert resolve(0.5, RULE, PROFILE).arithmetic == "constant (not derived)"


# ---------------------------------------------------------------------------------------------- runner
@dataclass
class FakeObserver:
    """Scripted answers: each wait returns at once or raises what the test asks for."""
    fail: dict = field(default_factory=dict)      # wait name -> exception
    calls: list = field(default_factory=list)
    shadow: bool = True
    timeouts: dict = field(default_factory=dict)
    clears_by_itself: int = 0        # how many holds the alert resolves in (a flap)
    missed: list = field(default_factory=list)   # scrapes that failed during a hold
    holds: int = 0
    held: bool = False
    no_hold: bool = False            # a control run: no hold
    misrouted_shadow: bool = True
    hold_seconds: float = 0.002      # how long the hold lasts (the real one: the clearing bound)

    def _step(self, name):
        self.calls.append(name)
        if name in self.fail:
            raise self.fail[name]
        return time.time()

    def rule(self, target):
        return RULE

    def shadow_rule(self, target):
        return RULE if self.shadow else None

    def wait_series(self, expr, *, timeout):
        self._step("series")

    def wait_quiet(self, target, *, timeout):
        self._step("quiet")

    def earlier_group(self, target, *, within):
        self._step("earlier group")
        return ""

    def wait_firing(self, target, *, since, timeout, hold=None):
        self.timeouts["firing"] = timeout
        self.timeouts["firing hold"] = hold
        at = self._step("firing")
        return at, at

    def broken_rule_control(self, target, *, since):
        self._step("broken rule control")
        return AlertDidNotFire("shadow stayed inactive")

    def misrouted(self, target):
        return AlertTarget(target.alertname + "_ControlMisrouted", target.receiver) if self.misrouted_shadow else None

    def misrouted_control(self, shadow, *, since, fire_within, notify_within):
        self.timeouts["misrouted notice"] = notify_within
        self.timeouts["misrouted fire"] = fire_within
        self._step("misrouted control")
        return AlertNotDelivered(f"firing notice of {shadow} at receiver data-ops: cannot arrive")

    def misrouted_resolved_control(self, shadow, *, since, resolve_within, notice_within):
        self.timeouts["misrouted resolved notice"] = notice_within
        self._step("misrouted resolved control")
        return ResolvedNoticeMissing(f"resolved notice of {shadow} at receiver data-ops: not received")

    def wait_delivered(self, target, *, status, since, timeout):
        self.timeouts[f"{status} notice"] = timeout
        return self._step(f"{status} notice")

    def missed_scrapes(self, start, end, step):
        self._step("missed scrapes")
        return self.missed

    def wait_resolved(self, target, *, timeout):
        if "firing notice" in self.calls and not self.held and not self.no_hold:
            self.timeouts["hold"] = timeout     # the proof run's hold: still firing, as a held-back alert should be
            self._step("hold")
            self.holds += 1
            time.sleep(self.hold_seconds)
            if self.clears_by_itself >= self.holds:
                return time.time()
            self.held = True
            raise AlertDidNotClear("still firing")
        self.timeouts["resolved"] = timeout
        return self._step("resolved")

    def verify_healthy(self, target, *, metric, since, duration, step):
        self._step("verify")


@dataclass
class FakeNemesis:
    reverted: int = 0
    prepared: int = 0

    def prepare(self, fault):
        self.prepared += 1

    def inject(self, fault):
        return AppliedFault(fault, None, time.time())

    def revert(self, applied):
        self.reverted += 1


@dataclass
class FakeStack:
    profile: TimingProfile = PROFILE
    owner: object = None


class Silent:
    def phase(self, name, detail):
        from contextlib import nullcontext
        return nullcontext()


def _scenario(remediation=lambda ctx: None, **changes):
    return Scenario(id="s", title="t", runbook="incident-runbook#x", service="svc", alert="X", receiver="data-ops",
                    fault=NoFault(), remediation=remediation, chart_query="errors_total", **changes)


@pytest.fixture(autouse=True)
def instant_slow_budget(monkeypatch):
    """The fake hold takes no time: judge the folded slow-remediation control against a budget it overruns."""
    monkeypatch.setattr("chaos_harness.controls.SLOW_BUDGET", 1e-6)


def _run(scenario=None, **observer):
    obs, nemesis = FakeObserver(**observer), FakeNemesis()
    result = ScenarioRunner(FakeStack(), obs, nemesis, Journal(Silent())).run(scenario or _scenario())
    return result, obs, nemesis


def test_a_passing_run_goes_through_every_phase_and_measures_each():
    result, obs, nemesis = _run()
    assert result.verdict == "passed", result.failures
    assert obs.calls == ["series", "quiet", "earlier group", "firing", "broken rule control", "firing notice",
                         "misrouted control", "hold", "resolved", "resolved notice", "misrouted resolved control",
                         "verify"]
    assert nemesis.reverted == 1
    assert result.controls["broken metric"].startswith("AlertDidNotFire")
    assert result.controls["routed elsewhere"].startswith("AlertNotDelivered")
    assert result.controls["not remediated"].startswith("AlertDidNotClear")
    assert result.controls["slow remediation"].startswith("BudgetExceeded")
    assert "remediated after the hold" in result.controls["slow remediation"]
    assert result.controls["routed elsewhere, resolved"].startswith("ResolvedNoticeMissing")
    assert obs.timeouts["misrouted notice"] == result.bounds.notify.seconds, "the bound: the control expects a miss"
    assert obs.timeouts["misrouted fire"] > RULE.duration, "a shadow whose pending state a stale scrape reset"
    assert obs.timeouts["misrouted resolved notice"] == result.bounds.resolved_notice.seconds
    assert obs.timeouts["hold"] == result.bounds.resolve.seconds, "held for the clearing bound, not bound + slack"
    names = {m.name: m for m in result.measures()}
    assert {"time-to-fire", "time-to-notify", "time-to-resolve", "time-to-resolved-notice", "remediation"} <= set(names)
    assert all(names[n].seconds is not None for n in ("time-to-fire", "time-to-notify", "time-to-resolve"))


def test_a_missing_firing_notice_is_recorded_and_the_run_goes_on():
    result, obs, _ = _run(fail={"firing notice": AlertNotDelivered("no firing notice at data-ops")})
    assert [type(f) for f in result.failures] == [AlertNotDelivered]
    assert "resolved" in obs.calls and "verify" in obs.calls
    assert result.verdict == "failed"


def test_a_missing_resolved_notice_has_its_own_class():
    result, _, _ = _run(fail={"resolved notice": ResolvedNoticeMissing("no resolved notice")})
    assert [type(f) for f in result.failures] == [ResolvedNoticeMissing]


def test_an_alert_that_does_not_fire_ends_the_run_but_the_fault_is_reverted():
    result, obs, nemesis = _run(fail={"firing": AlertDidNotFire("inactive")})
    assert [type(f) for f in result.failures] == [AlertDidNotFire]
    assert "resolved" not in obs.calls and nemesis.reverted == 1


def test_an_alert_that_does_not_clear_is_a_failure():
    result, _, _ = _run(fail={"resolved": AlertDidNotClear("still firing")})
    assert isinstance(result.error, AlertDidNotClear) and result.verdict == "failed"


def test_a_remediation_slower_than_its_budget_is_budget_exceeded():
    result, _, _ = _run(_scenario(remediation=lambda ctx: time.sleep(0.3), budget=Budget(remediate=0.1)))
    assert [type(f) for f in result.failures] == [BudgetExceeded]
    assert "remediation" in str(result.error) and "measured for this scenario at factor 30" in str(result.error)


def test_a_budget_measured_at_another_factor_is_reported_not_judged():
    scenario = _scenario(remediation=lambda ctx: time.sleep(0.3), budget=Budget(remediate=0.1, factor=10))
    result, _, _ = _run(scenario)
    assert result.verdict == "passed"
    assert "not applied at factor 30" in next(m for m in result.measures() if m.name == "remediation").arithmetic


def test_an_unreachable_service_is_broken_not_a_verdict():
    result, _, _ = _run(fail={"series": ServiceUnreachable("Prometheus at http://x is unreachable")})
    assert result.verdict == "unknown"


def test_a_bug_in_a_remediation_is_broken_and_still_reverts_the_fault():
    def buggy(ctx):
        return None - 1
    result, _, nemesis = _run(_scenario(remediation=buggy))
    assert isinstance(result.error, TypeError) and result.verdict == "unknown" and nemesis.reverted == 1


def test_an_alert_that_clears_without_remediation_makes_the_proof_fail():
    """The folded "not remediated" control: an alert that resolves while the remediation is held back (a flap, a
    fault that does not hold) proves nothing about the remediation."""
    ran = []
    result, obs, nemesis = _run(_scenario(remediation=lambda ctx: ran.append(1)), clears_by_itself=True)
    assert isinstance(result.error, ControlFailed) and "resolved with no remediation" in str(result.error)
    assert ran == [] and "resolved" not in obs.calls and nemesis.reverted == 1


def test_a_hold_interrupted_by_a_failed_scrape_starts_over_once_the_alert_fires_again():
    result, obs, _ = _run(clears_by_itself=1, missed=["cdc-exporter:9309 (job cdc)"])
    assert result.verdict == "passed", result.failures
    assert obs.calls.count("hold") == 2 and obs.calls.count("firing") == 2
    assert result.controls["not remediated"].startswith("AlertDidNotClear")
    result, obs, _ = _run(clears_by_itself=2, missed=["cdc-exporter:9309 (job cdc)"])   # only once per run
    assert isinstance(result.error, ControlFailed) and "flaps or the fault does not hold" in str(result.error)
    result, obs, _ = _run(clears_by_itself=1)        # no failed scrape: the alert flaps, nothing proven
    assert isinstance(result.error, ControlFailed) and obs.calls.count("hold") == 1


def test_a_control_run_does_not_hold():
    obs, nemesis = FakeObserver(no_hold=True), FakeNemesis()
    result = ScenarioRunner(FakeStack(), obs, nemesis, Journal(Silent())).run(_scenario(), control=NO_FAULT)
    assert "hold" not in obs.calls and "not remediated" not in result.controls
    assert "misrouted control" not in obs.calls and "slow remediation" not in result.controls


def test_the_slow_remediation_control_fails_when_its_sabotage_is_removed(monkeypatch):
    """Without the hold's delay the remediation is within the 0.5 s budget: the control proves nothing."""
    monkeypatch.setattr("chaos_harness.controls.SLOW_BUDGET", 0.5)
    result, _, _ = _run()
    assert isinstance(result.error, ControlFailed) and "the budget check cannot fail" in str(result.error)
    result, _, _ = _run(hold_seconds=0.6)    # a hold longer than the budget, as every real one is
    assert result.verdict == "passed" and "0.5s" in result.controls["slow remediation"]


def test_a_misrouted_shadow_that_is_delivered_makes_the_proof_fail():
    result, obs, nemesis = _run(fail={"misrouted control": ControlFailed("X_ControlMisrouted reached data-ops")})
    assert isinstance(result.error, ControlFailed) and nemesis.reverted == 1 and "hold" not in obs.calls
    result, obs, _ = _run(misrouted_shadow=False)       # a project without the shadows: nothing folded, no failure
    assert result.verdict == "passed" and "misrouted control" not in obs.calls


def test_a_shadow_rule_that_fires_makes_the_proof_fail():
    result, _, _ = _run(fail={"broken rule control": ControlFailed("the control fired")})
    assert isinstance(result.error, ControlFailed)


def test_a_result_without_bounds_still_has_a_timings_table():
    from chaos_harness.evidence import timings_table
    from chaos_harness.runner import ScenarioResult
    table = timings_table(ScenarioResult(_scenario(), failures=[ValueError("x")]).record())
    assert "Verdict: unknown (ValueError)" in table and "no bounds" in table


def test_the_timings_table_reads_the_verdict_the_journal_ends_with(tmp_path):
    from chaos_harness.evidence import timings_table
    path = tmp_path / "s.journal.jsonl"
    result = ScenarioRunner(FakeStack(), FakeObserver(), FakeNemesis(), Journal(Silent(), JsonLinesHandler(path))).run(
        _scenario())
    from_journal = timings_table(read_events(path)[-1].data)
    assert from_journal == timings_table(result.record())
    assert "| time-to-fire |" in from_journal and "Verdict: passed" in from_journal


# ------------------------------------------------------------------------------------------- controls
def test_a_control_matches_exactly_its_expected_classes():
    assert matches((AlertDidNotFire,), [AlertDidNotFire("x")])
    assert not matches((AlertDidNotFire,), [])
    assert not matches((AlertDidNotFire,), [AlertDidNotFire("x"), ServiceUnreachable("y")])
    three = (AlertNotDelivered, BudgetExceeded, ResolvedNoticeMissing)
    both = [AlertNotDelivered("a"), BudgetExceeded("b"), ResolvedNoticeMissing("c")]
    assert matches(three, both)
    assert not matches(three, both[:2]), "every expected class must be seen"
    assert not matches(three, [*both, AlertDidNotClear("d")]), "and nothing else"


def test_the_slow_remediation_budget_applies_at_any_factor():
    from chaos_harness.controls import SLOW_BUDGET, slow_remediation_budget
    assert slow_remediation_budget(10).factor == 10 and slow_remediation_budget(10).remediate == SLOW_BUDGET


# ------------------------------------------------------------------------------ delivery matching
class FakeWebhook:
    def __init__(self, notices):
        self.notices = notices

    def notifications(self, *, receiver=None, alertname=None, status=None, since=0.0):
        return [n for n in self.notices if (receiver is None or n["receiver"] == receiver)
                and (alertname is None or n["alertname"] == alertname)
                and (status is None or n["status"] == status) and n["received_at"] >= since]


class FakeAlertmanager:
    def __init__(self, receivers):
        self.receivers = receivers

    def receivers_of(self, alertname, labels=None):
        return set(self.receivers)


def _notice(receiver, status, alertname="X", at=10.0, severity="critical"):
    return {"receiver": receiver, "status": status, "alertname": alertname, "received_at": at,
            "alerts": [{"alertname": alertname, "severity": severity}]}


@pytest.mark.parametrize("notices,done,state", [
    ([_notice("data-ops", "firing")], True, "firing notice received"),
    ([_notice("data-ops", "resolved")], False, "received: resolved at data-ops"),
    ([_notice("oncall", "firing")], False, "received: firing at oncall"),
    ([_notice("data-ops", "firing", alertname="Y")], False, "received: nothing"),
    ([_notice("data-ops", "firing", at=1.0)], False, "received: nothing"),           # before `since`
])
def test_delivery_matches_receiver_status_alertname_and_time(notices, done, state):
    observer = AlertObserver(None, FakeAlertmanager(["default"]), FakeWebhook(notices))
    check = observer.delivery(AlertTarget("X", "data-ops"), status="firing", since=5.0)
    assert check.done is done and state in check.state
    if not done:
        assert "routes it to ['default']" in check.state


@pytest.mark.parametrize("labels,done", [(None, True), ({"severity": "critical"}, True), ({"severity": "high"}, False)])
def test_delivery_matches_the_labels_the_notice_carries(labels, done):
    observer = AlertObserver(None, FakeAlertmanager(["data-ops"]), FakeWebhook([_notice("data-ops", "firing")]))
    assert observer.delivery(AlertTarget("X", "data-ops", labels), status="firing", since=5.0).done is done


class FakePrometheus:
    def __init__(self, shadow_state="inactive", health="ok", evaluated=100.0):
        self.shadow = AlertingRule("X_ControlBrokenMetric", "errors_total_misspelt > 0", 4.0, {}, {}, shadow_state,
                                   health, "", "g-controls", 0.0, evaluated)
        self.state = shadow_state

    def rule(self, name):
        return self.shadow

    def alerts(self, name, labels=None):
        return [] if self.state == "inactive" else [ActiveAlert({}, self.state, 50.0, "1")]

    def describe_value(self, expr):
        return "no series (empty result)"


def test_the_broken_metric_shadow_is_classified_like_a_broken_rule():
    observer = AlertObserver(FakePrometheus(), None, None)
    verdict = observer.broken_rule_control(AlertTarget("X", "data-ops"), since=90.0)
    assert isinstance(verdict, AlertDidNotFire) and "errors_total_misspelt" in str(verdict)


@pytest.mark.parametrize("prometheus", [FakePrometheus(shadow_state="pending"), FakePrometheus(health="err"),
                                        FakePrometheus(evaluated=10.0)])
def test_a_shadow_that_fires_or_was_not_evaluated_is_no_control(prometheus):
    with pytest.raises(ControlFailed):
        AlertObserver(prometheus, None, None).broken_rule_control(AlertTarget("X", "data-ops"), since=90.0)


class FiringShadow:
    """Prometheus with the misrouted shadow firing (or inactive: resolved)."""
    def __init__(self, state="firing"):
        self.state = state

    def alerts(self, name, labels=None):
        return [] if self.state == "inactive" else [ActiveAlert({}, self.state, 50.0, "1")]

    def rule(self, name):
        return RULE

    def describe_value(self, expr):
        return "no series (empty result)"


MISROUTED = AlertTarget("X_ControlMisrouted", "data-ops")


def test_the_misrouted_shadow_is_not_delivered_and_says_where_it_went():
    observer = AlertObserver(FiringShadow(), FakeAlertmanager(["chaos-control-misrouted"]), FakeWebhook([]))
    verdict = observer.misrouted_control(MISROUTED, since=5.0, fire_within=1.0, notify_within=1.0)
    assert isinstance(verdict, AlertNotDelivered)
    assert "at receiver data-ops" in str(verdict) and "routes it to ['chaos-control-misrouted']" in str(verdict)


def test_the_misrouted_controls_fail_when_the_sabotage_is_removed():
    """Routed to the real receiver after all, the shadow's notices arrive: the controls prove nothing."""
    notices = [_notice("data-ops", "firing", alertname=MISROUTED.alertname),
               _notice("data-ops", "resolved", alertname=MISROUTED.alertname)]
    delivered = AlertObserver(FiringShadow(), FakeAlertmanager(["data-ops"]), FakeWebhook(notices))
    with pytest.raises(ControlFailed, match="does not tell receivers apart"):
        delivered.misrouted_control(MISROUTED, since=5.0, fire_within=1.0, notify_within=1.0)
    resolved = AlertObserver(FiringShadow("inactive"), FakeAlertmanager(["data-ops"]), FakeWebhook(notices))
    with pytest.raises(ControlFailed, match="does not tell receivers apart"):
        resolved.misrouted_resolved_control(MISROUTED, since=5.0, resolve_within=1.0, notice_within=1.0)


def test_a_misrouted_shadow_that_does_not_fire_is_no_control():
    silent = AlertObserver(FiringShadow("inactive"), FakeAlertmanager([]), FakeWebhook([]))
    with pytest.raises(ControlFailed, match="did not fire with the real alert"):
        silent.misrouted_control(MISROUTED, since=5.0, fire_within=0.2, notify_within=1.0)


def test_the_misrouted_shadow_sends_no_resolved_notice():
    observer = AlertObserver(FiringShadow("inactive"), FakeAlertmanager([]), FakeWebhook([]))
    verdict = observer.misrouted_resolved_control(MISROUTED, since=5.0, resolve_within=1.0, notice_within=0.3)
    assert isinstance(verdict, ResolvedNoticeMissing) and "resolved notice of X_ControlMisrouted" in str(verdict)


# ------------------------------------------------------------------------------ webhook receiver parsing
def _notices_module():
    spec = importlib.util.spec_from_file_location(
        "notices", ROOT / "stack" / "services" / "webhook_receiver" / "notices.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("title,status,alertname", [
    ("[FIRING] NotificationRateLimiterErrors", "firing", "NotificationRateLimiterErrors"),
    ("[FIRING:2] KafkaConsumerLagHigh", "firing", "KafkaConsumerLagHigh"),
    ("[RESOLVED] FulfillmentDelay", "resolved", "FulfillmentDelay"),
    ("something else", "unknown", None),
])
def test_the_webhook_receiver_parses_alertmanagers_slack_payload(title, status, alertname):
    text = "*X* (critical) summary\nrunbook: http://r\n*X* (high) other summary\nrunbook: http://r\n"
    payload = {"channel": "#data-ops", "attachments": [{"title": title, "text": text}]}
    notice = _notices_module().parse("data-ops", payload, 12.5)
    assert (notice["status"], notice["alertname"], notice["receiver"]) == (status, alertname, "data-ops")
    assert notice["received_at"] == 12.5 and notice["channel"] == "#data-ops"
    assert notice["alerts"] == [{"alertname": "X", "severity": "critical"}, {"alertname": "X", "severity": "high"}]


class VerifyPrometheus:
    def __init__(self, firing, present):
        self.firing, self.present = firing, present

    def rule(self, name):
        return RULE

    def query_range(self, expr, start, end, step):
        steps = [start + i * step for i in range(int((end - start) / step) + 1)]
        if expr == RULE.query:
            return [{"metric": {}, "values": [[steps[-1], "2"]]}] if self.firing else []
        kept = steps if self.present == "always" else steps[:1] if self.present == "vanished" else []
        return [{"metric": {}, "values": [[t, "0"] for t in kept]}] if kept else []


@pytest.mark.parametrize("firing,present,ok", [(False, "always", True), (True, "always", False),
                                               (False, "never", False), (False, "vanished", False)])
def test_verification_needs_the_metric_present_and_on_the_healthy_side_since_the_resolution(firing, present, ok):
    from chaos_harness.errors import NotRecovered
    observer = AlertObserver(VerifyPrometheus(firing, present), None, None)
    target = AlertTarget("X", "data-ops")
    resolved = time.time() - 2.0          # the resolved notice came 2 s after the resolution: nothing to wait for
    started = time.time()
    if ok:
        observer.verify_healthy(target, metric="errors_total", since=resolved, duration=0.5, step=0.25)
        assert time.time() - started < 0.1
    elif firing:
        with pytest.raises(NotRecovered, match="not back on the healthy side"):
            observer.verify_healthy(target, metric="errors_total", since=resolved, duration=0.5, step=0.25)
        assert time.time() - started < 0.1, "a relapse fails at once"
    else:
        with pytest.raises(NotRecovered, match="the metric is gone"):
            observer.verify_healthy(target, metric="errors_total", since=resolved, duration=0.5, step=0.25)
        assert 1.0 <= time.time() - started < 1.3, "a missing metric is looked at again in two more windows"


def test_verification_forgives_a_missed_scrape_when_the_next_window_is_whole():
    """A scrape that timed out on a loaded machine leaves a gap (CI 2026-11-30, cdc_schema_drift: 1 of 3 steps);
    the metric present at every step of the next window is healthy."""
    prometheus = VerifyPrometheus(False, "vanished")
    observer = AlertObserver(prometheus, None, None)
    answers = iter(["vanished", "always"])
    original = prometheus.query_range

    def query_range(expr, start, end, step):
        if expr == "errors_total":
            prometheus.present = next(answers)
        return original(expr, start, end, step)
    prometheus.query_range = query_range
    observer.verify_healthy(AlertTarget("X", "data-ops"), metric="errors_total", since=time.time() - 2.0,
                            duration=0.5, step=0.25)


def test_verification_waits_only_for_what_is_left_of_its_window():
    observer = AlertObserver(VerifyPrometheus(False, "always"), None, None)
    started = time.time()
    observer.verify_healthy(AlertTarget("X", "data-ops"), metric="errors_total", since=started, duration=0.3,
                            step=0.1)
    assert 0.3 <= time.time() - started < 0.5


def test_an_alert_routed_only_elsewhere_is_not_delivered_at_once():
    observer = AlertObserver(None, FakeAlertmanager(["default"]), FakeWebhook([]))
    started = time.time()
    with pytest.raises(AlertNotDelivered, match=r"at receiver data-ops: cannot arrive: .*routes it to \['default'\]"):
        observer.wait_delivered(AlertTarget("X", "data-ops"), status="firing", since=0.0, timeout=5.0)
    assert time.time() - started < 1.0


def test_a_notice_not_yet_routed_is_waited_for_until_the_timeout():
    observer = AlertObserver(None, FakeAlertmanager([]), FakeWebhook([]))
    with pytest.raises(AlertNotDelivered, match="not received within 0.3s"):
        observer.wait_delivered(AlertTarget("X", "data-ops"), status="firing", since=0.0, timeout=0.3)


# ---------------------------------------------------------------------------------------------- fault latency
def test_time_to_fire_counts_from_the_first_action_with_the_observed_fault_latency_in_its_bound():
    class SlowNemesis(FakeNemesis):
        def inject(self, fault):
            started = time.time()
            time.sleep(0.2)                     # the fault takes 0.2 s to be observed in effect
            return AppliedFault(fault, None, time.time(), started)

    obs = FakeObserver()
    result = ScenarioRunner(FakeStack(), obs, SlowNemesis(), Journal(Silent())).run(_scenario())
    assert result.verdict == "passed", result.failures
    assert result.fault_latency >= 0.2 and result.time_to_fire >= result.fault_latency
    assert result.bounds.fire.measures.startswith("first action of the injection")
    assert result.bounds.fire.arithmetic.startswith(f"fault latency (observed) {result.fault_latency:g}s + for 4s")
    latency = {m.name: m for m in result.measures()}["fault latency"]
    assert latency.kind == "bound" and latency.limit == NoFault.effect_within and not latency.exceeded


def test_the_faults_preparation_is_steady_state_not_fault_latency():
    class PreparingNemesis(FakeNemesis):
        def prepare(self, fault):
            time.sleep(0.2)                     # e.g. an order written and committed before the drill starts
            self.prepared_at = time.time()

    nemesis = PreparingNemesis()
    result = ScenarioRunner(FakeStack(), FakeObserver(), nemesis, Journal(Silent())).run(_scenario())
    assert result.verdict == "passed", result.failures
    assert nemesis.prepared_at <= result.timeline.steady <= result.timeline.inject_started
    assert result.fault_latency < 0.2


def test_the_nemesis_gives_up_on_a_fault_at_its_own_bound_from_the_first_action(tmp_path):
    from dataclasses import dataclass as frozen_dataclass
    from typing import ClassVar

    from chaos_harness.errors import FaultNotInEffect
    from chaos_harness.faults import Fault, Nemesis
    from chaos_harness.ledger import Ledger
    from chaos_harness.waiting import Check

    @frozen_dataclass(frozen=True)
    class NeverTakesEffect(Fault):
        kind: ClassVar[str] = "test-never-takes-effect"
        effect_within: ClassVar[float] = 0.5
        reverted: list = field(default_factory=list)

        def inject(self, owner):
            time.sleep(0.3)               # the injection's own work counts against the bound

        def revert(self, owner):
            self.reverted.append(True)

        def in_effect(self, owner):
            return Check(False, "not yet")

    class Owner:
        project = "chaos-test"

    fault = NeverTakesEffect()
    started = time.time()
    with pytest.raises(FaultNotInEffect, match="within its bound of 0.5s from the first action"):
        Nemesis(Owner(), Ledger(tmp_path / "ledger.jsonl")).inject(fault)
    assert time.time() - started < 1.0 and fault.reverted == [True]


def test_a_control_gives_up_at_the_bound_only_on_the_checks_it_expects_to_fail():
    obs = FakeObserver(fail={"resolved notice": ResolvedNoticeMissing("none")}, no_hold=True)
    control = Control("notice only", "no resolved notice", (ResolvedNoticeMissing,))
    result = ScenarioRunner(FakeStack(), obs, FakeNemesis(), Journal(Silent())).run(_scenario(), control=control)
    assert result.as_expected and result.record()["as_expected"] is True
    b = result.bounds
    assert obs.timeouts["resolved notice"] == b.resolved_notice.seconds          # expected to fail: its bound
    assert obs.timeouts["resolved"] == b.resolve.timeout                         # expected to pass: with slack
    assert obs.timeouts["firing notice"] == b.notify.timeout
    assert obs.timeouts["firing"] == pytest.approx(b.fire.timeout - result.fault_latency, abs=0.01)
    assert obs.timeouts["firing hold"] is None, "a check expected to pass waits for the alert however long"


def test_the_fault_not_injected_control_gives_up_once_the_alert_cannot_fire_within_the_bound():
    obs = FakeObserver(fail={"firing": AlertDidNotFire("cannot fire")}, no_hold=True)
    result = ScenarioRunner(FakeStack(), obs, FakeNemesis(), Journal(Silent())).run(
        _scenario().but(fault=NoFault()), control=NO_FAULT)
    assert result.as_expected
    assert obs.timeouts["firing"] == pytest.approx(result.bounds.fire.seconds - result.fault_latency, abs=0.01)
    assert obs.timeouts["firing hold"] == RULE.duration, "the rule's `for`: the observer stops that much sooner"


class EvaluatingPrometheus:
    """A rule evaluated every `interval` s from the test's start; its alert pending from `pending_at` on (None:
    never) and firing `for` after that."""
    def __init__(self, pending_at=None, interval=0.05, duration=0.4):
        self.start, self.pending_at, self.interval, self.duration = time.time(), pending_at, interval, duration

    def _evaluated(self) -> float:
        return self.start + (time.time() - self.start) // self.interval * self.interval

    def rule(self, name):
        return AlertingRule("X", "errors_total > 0", self.duration, {}, {}, "inactive", "ok", "", "g", 0.0,
                            self._evaluated())

    def alerts(self, name, labels=None):
        if self.pending_at is None or self._evaluated() < self.start + self.pending_at:
            return []
        active = self.start + self.pending_at
        state = "firing" if self._evaluated() >= active + self.duration else "pending"
        return [ActiveAlert({}, state, active, "1")]

    def describe_value(self, expr):
        return "no series (empty result)"


def test_a_control_stops_waiting_for_an_alert_that_can_no_longer_fire_within_the_bound():
    observer, started = AlertObserver(EvaluatingPrometheus(), None, None), time.time()
    with pytest.raises(AlertDidNotFire, match="cannot be: Prometheus evaluated rule X .* not pending"):
        observer.wait_firing(AlertTarget("X", "data-ops"), since=started, timeout=1.0, hold=0.4)
    assert 0.6 <= time.time() - started < 0.85, "stopped at the bound less `for` (0.6 s), plus an evaluation"


def test_the_early_stop_fails_when_its_sabotage_is_removed_an_alert_pending_in_time_fires():
    """Pending 0.5 s in (before the bound less `for`), the alert fires at 0.9 s, inside the 1 s bound: the control's
    shortcut must not give up on it."""
    observer, started = AlertObserver(EvaluatingPrometheus(pending_at=0.5), None, None), time.time()
    pending, firing = observer.wait_firing(AlertTarget("X", "data-ops"), since=started, timeout=1.0, hold=0.4)
    assert firing - started == pytest.approx(0.9, abs=0.15) and pending == pytest.approx(started + 0.5, abs=0.06)


def test_the_journal_file_tells_the_whole_run_and_rebuilds_its_timeline(tmp_path):
    path = tmp_path / "s.journal.jsonl"
    result = ScenarioRunner(FakeStack(), FakeObserver(), FakeNemesis(), Journal(Silent(), JsonLinesHandler(path))).run(
        _scenario())
    events = read_events(path)
    kinds = [e.kind for e in events]
    assert kinds[0] == "run-started" and kinds[-1] == "verdict"
    assert [k for k in kinds if k in MOMENTS] == list(MOMENTS), "every moment once, in phase order"
    assert "fault-reverted" in kinds and events[-1].data["verdict"] == "passed"
    assert Timeline.from_events(events) == result.timeline


def test_failures_are_journaled_as_they_happen(tmp_path):
    path = tmp_path / "s.journal.jsonl"
    result = ScenarioRunner(FakeStack(), FakeObserver(fail={"firing notice": AlertNotDelivered("none at data-ops")}),
                            FakeNemesis(),
                            Journal(Silent(), JsonLinesHandler(path))).run(_scenario())
    events = read_events(path)
    assert [e.data["failure"] for e in events if e.kind == "failure"] == [type(f).__name__ for f in result.failures]
    assert [f["class"] for f in events[-1].data["failures"]] == ["AlertNotDelivered"]
    assert "notified" not in [e.kind for e in events], "a moment that did not happen is not said"


def test_a_torn_last_line_of_a_killed_run_is_skipped(tmp_path):
    path = tmp_path / "j.jsonl"
    path.write_text('{"at": 1.0, "event": "steady"}\n{"at": 2.0, "event": "fault-inj', encoding="utf-8")
    assert [e.kind for e in read_events(path)] == ["steady"]


def test_missed_scrapes_names_the_targets_whose_scrape_failed():
    class Prom:
        def query_range(self, expr, start, end, step):
            self.asked = (expr, start, end, step)
            return [{"metric": {"__name__": "up", "instance": "cdc-exporter:9309", "job": "cdc"}, "values": [[9.0, "0"]]}]
    prom = Prom()
    assert AlertObserver(prom, None, None).missed_scrapes(1.0, 10.0, 0.5) == ["cdc-exporter:9309 (job cdc)"]
    assert prom.asked == ("up == 0", 1.0, 10.0, 0.5)
