"""Incident runbook › "Support timeline slow or attachment backlog growing": downstream 5xx.

Symptom:      SupportTimelineCollectionFailures fires: support_timeline_collection_failures_total
              {stage="http"} grows by more than 0.1/s.
Drill:        payment-service answers 503 while agents open case timelines.
Remediation:  restore payment-service (its 5xx are fixed); collections succeed, the alert clears.
"""
from harness.actions import RevertFault
from harness.app_faults import DownstreamFault
from harness.scenario import Budget, Scenario
from harness.workloads import timelines_being_opened

scenario = Scenario(
    id="support_timeline_collection_failures",
    title="A downstream returns 5xx and timeline collection fails",
    runbook="incident-runbook#support-timeline",
    service="support-service",
    alert="SupportTimelineCollectionFailures",
    receiver="data-ops",
    traffic=timelines_being_opened(rate=3),
    fault=DownstreamFault("payment-service", status=503),
    drill="payment-service returns 503 while agents open case timelines",
    remediation=RevertFault("restore payment-service (its 5xx errors are fixed)"),
    chart_query="sum by (stage) (rate(support_timeline_collection_failures_total[2m]))",
    signal_delay=0.5,
    severity="critical",
    # Remediation budget (compressed s, factor 30), from measurements on the 2-core machine with three stacks
    # running (load ~35, 2026-11-30): the remediation took 0.12-0.39 s.
    budget=Budget(remediate=2),
)
