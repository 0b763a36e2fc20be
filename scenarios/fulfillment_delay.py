"""Incident runbook › "Fulfillment artifacts backlog (MinIO hold)": the label worker stops moving labels.

Symptom:      FulfillmentDelay fires: fulfillment_lag_minutes - the age of the oldest label still waiting
              outside ready/ in bucket fulfillment-artifacts - above 10 for 5 minutes (test stack: 10 s);
              fulfillment_artifacts_backlog_objects{prefix="pending/"} grows; support timelines get no new
              shipment events.
Drill:        the runbook's first root cause: the worker does not move artifacts from pending/ to ready/.
              fulfillment-service's label worker process hangs (SIGSTOP, as a worker stuck on the carrier
              API looks from outside) while orders enter fulfillment: 5 new orders get their first label in
              pending/ (GET /fulfillments/{order}) and the agents' traffic keeps adding labels. The fault is
              in effect when the worker's /proc state is "stopped" and MinIO's listing of pending/ shows the
              labels waiting > 2 s (the worker passes every 0.5 s) - the bucket, not the service's /metrics.
Remediation:  the runbook's: restart the failed worker (kill the hung label worker process; fulfillment-service
              starts a new one - the runbook's `docker compose restart fulfillment-service` restarts it too,
              but would also take /metrics away and let the alert "resolve" because its series vanished),
              then refresh the support case's timeline (POST /support/cases/{id}/timeline/refresh) until it
              shows fresh shipment events. The new worker drains pending/ in its first pass.

Signal delay: the lag is observed, not declared: the oldest waiting label's age in production minutes
              (fulfillment-service counts one real second as `factor` seconds). It exceeds the rule's
              threshold T (10 minutes) only after T x 60 / factor real seconds of waiting: 10 x 60 / 30 = 20 s
              at the default factor 30, 60 s at factor 10. When the fault is confirmed the stuck labels have
              already waited 2 s, so the expression turns true at most T x 60 / factor - 2 s later (18 s;
              58 s at factor 10), before `for` starts. Bound at factor 30: for 10 s + scrape 0.5 s +
              evaluation 0.5 s + 18 s + 1 s = 30 s.
Clearing:     no extra delay: once the remediation has a new worker running, it moves every waiting label in
              its first pass (0.5 s) and the lag is ~0 at the next listing; max_over_time's window (1m, 2 s)
              is in the derived bound.

The seed's hold drill (make chaos-fulfillment-delay: labels held by `hold-until`) causes the same symptom;
its lag also grows with the held labels' real age. It is tested end to end in tests/integration.
"""
import re

from chaos_harness.faults import Steps
from chaos_harness.errors import ConfigError
from chaos_harness.faults.fulfillment import LabelWorkerStalled, RefreshCaseTimeline, RestartLabelWorker
from chaos_harness.observe.prometheus import AlertingRule
from chaos_harness.scenario import Budget, Scenario
from chaos_harness.signals import Delay
from chaos_harness.timing import TimingProfile
from chaos_harness.workloads import timelines_being_opened

FAULT = LabelWorkerStalled(orders=5, stuck_after=2.0)


def lag_threshold(rule: AlertingRule) -> float:
    """The rule's threshold in production minutes (`... > 10`)."""
    match = re.search(r">\s*([0-9.]+)\s*$", rule.query)
    if not match:
        raise ConfigError(f"{rule.name}: expected `<lag expression> > <minutes>`, got {rule.query!r}")
    return float(match.group(1))


def lag_must_age_past_threshold(rule: AlertingRule, profile: TimingProfile) -> Delay:
    """Real seconds a stuck label must still wait, once the fault is confirmed, before its lag exceeds the
    threshold: threshold x 60 / factor, minus what the labels had already waited (FAULT.stuck_after)."""
    threshold = lag_threshold(rule)
    age = threshold * 60 / profile.factor
    seconds = round(max(0.0, age - FAULT.stuck_after), 3)
    return Delay(seconds, f"lag > {threshold:g} production min needs {threshold:g} x 60 / factor {profile.factor:g}"
                          f" = {age:g}s of waiting, minus the {FAULT.stuck_after:g}s the stuck labels had waited"
                          f" when the fault was confirmed = {seconds:g}s")


scenario = Scenario(
    id="fulfillment_delay",
    title="The label worker stalls and shipping labels wait in MinIO",
    runbook="incident-runbook#fulfillment-backlog",
    service="fulfillment-service",
    alert="FulfillmentDelay",
    receiver="data-ops",
    traffic=timelines_being_opened(rate=1.0),
    fault=FAULT,
    drill="fulfillment-service's label worker hangs (SIGSTOP) while 5 new orders' labels enter pending/",
    remediation=Steps((RestartLabelWorker(), RefreshCaseTimeline())),
    remediation_text="restart the failed label worker (kill the hung process; fulfillment-service starts a new "
                     "one), then refresh the support case's timeline until it shows fresh shipment events",
    chart_query="max by (bucket) (fulfillment_lag_minutes)",
    signal_delay=lag_must_age_past_threshold,
    severity="critical",
    profiles=("minio",),
    # Remediation budget (compressed s, factor 30): at least 5 s and ~2.5x the slowest measured, from two runs on
    # the 2-core machine (2026-11-30; a CI run and a data-platform run): the remediation took 4.65 and 6.06 s.
    budget=Budget(remediate=15),
)
