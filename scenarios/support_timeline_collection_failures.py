"""Incident runbook › "Support timeline slow or attachment backlog growing": downstream 5xx.

Symptom:      SupportTimelineCollectionFailures fires: support_timeline_collection_failures_total
              {stage="http"} grows by more than 0.1/s.
Drill:        payment-service answers 503 while agents open case timelines.
Remediation:  restore payment-service (its 5xx are fixed); collections succeed, the alert clears.
Signal delay: every timeline opened fails once (payment), 3 per second from the agents' client. The rate
              over 2m passes 0.1/s once the window holds more than 0.1 * W failures
              (signals.rate_passes): factor 30 (W = 4 s) 1 failure, 1/3 = 0.33 s; factor 10 (W = 12 s)
              2 failures, 0.67 s. (The counter's series exist from the start: no first-sample loss.)
"""
from chaos_harness import signals
from chaos_harness.faults import RevertFault
from chaos_harness.faults.apps import DownstreamFault
from chaos_harness.scenario import Budget, Scenario
from chaos_harness.workloads import timelines_being_opened

AGENT_RATE = 3.0   # timelines opened per second, each with one failed payment-service call

scenario = Scenario(
    id="support_timeline_collection_failures",
    title="A downstream returns 5xx and timeline collection fails",
    runbook="incident-runbook#support-timeline",
    service="support-service",
    alert="SupportTimelineCollectionFailures",
    receiver="data-ops",
    traffic=timelines_being_opened(rate=AGENT_RATE),
    fault=DownstreamFault("payment-service", status=503),
    drill="payment-service returns 503 while agents open case timelines",
    remediation=RevertFault("restore payment-service (its 5xx errors are fixed)"),
    chart_query="sum by (stage) (rate(support_timeline_collection_failures_total[2m]))",
    signal_delay=signals.rate_passes(AGENT_RATE, "failed collections"),
    severity="critical",
    # Remediation budget (compressed s, factor 30): at least 5 s, and twice the slowest measured, on the 2-core
    # machine with three stacks running (load ~35, 2026-11-30): the remediation took 0.12-0.39 s.
    budget=Budget(remediate=5),
)
