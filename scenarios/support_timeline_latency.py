"""Incident runbook › "Support timeline slow or attachment backlog growing": slow downstream.

Symptom:      SupportTimelineLatencyHigh fires: p95 of support_timeline_collect_seconds{source="remote"}
              above 2 s for 10 minutes (20 s compressed).
Drill:        order-service answers 2.5 s late while agents open case timelines (new cases, so the
              timeline is collected from order, payment and fulfillment services).
Remediation:  fix the slow downstream (order-service back to normal response times); p95 drops under
              2 s once the slow collections leave the 5m window, and the alert clears.
Signal delay: a slow collection is observed only when it completes, and p95 passes 2 s only once
              slow observations are more than 5 % of the window's (signals.slow_requests_pass_quantile).
              The agents' client is sequential at 3/s: the k-th slow collection completes at
              1/3 s + k * 2.5 s; the r(W - t) fast ones of the steady state must leave the window until
              k > 5 % of all, t > W - 0.95k / (0.05 * 3).
              Factor 30 (W = 10 s): k = 1 completes at 2.83 s, 19 fast ones left at t = 10 - 6.33 = 3.67 s.
              Factor 10 (W = 30 s): k = 4 completes at 10.33 s (59 fast ones left: 4 > 5 % of 63).
Clear delay:  a collection that started before the repair still takes 2.5 s (it is observed then);
              the 5m window (10 s) then carries the slow ones out.
"""
from chaos_harness import signals
from chaos_harness.faults import RevertFault
from chaos_harness.faults.apps import DownstreamFault
from chaos_harness.scenario import Budget, Scenario
from chaos_harness.workloads import timelines_being_opened

AGENT_RATE = 3.0          # timelines opened per second, one after another
DOWNSTREAM_DELAY = 2.5    # seconds order-service answers late (above the 2 s threshold)

scenario = Scenario(
    id="support_timeline_latency",
    title="A slow downstream makes support timelines slow",
    runbook="incident-runbook#support-timeline",
    service="support-service",
    alert="SupportTimelineLatencyHigh",
    receiver="data-ops",
    traffic=timelines_being_opened(rate=AGENT_RATE),
    fault=DownstreamFault("order-service", delay_seconds=DOWNSTREAM_DELAY),
    drill="order-service responds 2.5 s late while agents open case timelines",
    remediation=RevertFault("restore order-service response times (the slow downstream is fixed)"),
    chart_query='histogram_quantile(0.95, sum by (le) (rate(support_timeline_collect_seconds_bucket{source="remote"}[5m])))',
    signal_delay=signals.slow_requests_pass_quantile(request_rate=AGENT_RATE, slow_seconds=DOWNSTREAM_DELAY),
    clear_delay=signals.request_in_flight(DOWNSTREAM_DELAY, "a slow collection"),
    severity="critical",
    # Remediation budget (compressed s, factor 30): at least 5 s, and twice the slowest measured, on the 2-core
    # machine with three stacks running (load ~35, 2026-11-30): the remediation took 0.34-1.12 s.
    budget=Budget(remediate=5),
)
