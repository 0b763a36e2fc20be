"""Incident runbook › "Support timeline slow or attachment backlog growing": slow downstream.

Symptom:      SupportTimelineLatencyHigh fires: p95 of support_timeline_collect_seconds{source="remote"}
              above 2 s for 10 minutes (20 s compressed).
Drill:        order-service answers 2.5 s late while agents open case timelines (new cases, so the
              timeline is collected from order, payment and fulfillment services).
Remediation:  fix the slow downstream (order-service back to normal response times); p95 drops under
              2 s once the slow collections leave the 5m window, and the alert clears.
Signal delay: the first slow collection is only observed when it completes, 2.5 s after the fault,
              plus one scrape.
"""
from harness.actions import RevertFault
from harness.app_faults import DownstreamFault
from harness.scenario import Budget, Scenario
from harness.workloads import timelines_being_opened

scenario = Scenario(
    id="support_timeline_latency",
    title="A slow downstream makes support timelines slow",
    runbook="incident-runbook#support-timeline",
    service="support-service",
    alert="SupportTimelineLatencyHigh",
    receiver="data-ops",
    traffic=timelines_being_opened(rate=3),
    fault=DownstreamFault("order-service", delay_seconds=2.5),
    drill="order-service responds 2.5 s late while agents open case timelines",
    remediation=RevertFault("restore order-service response times (the slow downstream is fixed)"),
    chart_query='histogram_quantile(0.95, sum by (le) (rate(support_timeline_collect_seconds_bucket{source="remote"}[5m])))',
    signal_delay=3.0,
    severity="critical",
    # Remediation budget (compressed s, factor 30), from measurements on the 2-core machine with three stacks
    # running (load ~35, 2026-11-30): the remediation took 0.34-1.12 s.
    budget=Budget(remediate=4),
)
