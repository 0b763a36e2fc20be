"""Incident runbook › "Fulfillment artifacts backlog (MinIO hold)".

Symptom:      FulfillmentDelay fires: fulfillment_lag_minutes above 10 for 5 minutes (test stack: 10 s);
              the backlog gauges fulfillment_artifacts_backlog_objects/_bytes grow; the support case's
              timeline gets no new fulfillment event.
Drill:        `make chaos-fulfillment-delay ARGS="--count 25 --hold-minutes 120 --support-ticket-id <case>"`:
              25 labels (64 KiB each) of the case's order are written to MinIO under
              chaos/fulfillment-delay/ with `hold-until` 120 production minutes ahead; fulfillment-service's
              label worker holds them (and that order's later labels).
Remediation:  `make chaos-fulfillment-delay ARGS="--revert --support-ticket-id <case>"`: the held labels are
              removed, the case's timeline is refreshed (POST /support/cases/{id}/timeline/refresh) and shows
              fresh fulfillment events again; the lag drops and the alert clears.

Time: the stack runs on compressed time (factor 30 by default) and so does the service: the harness
passes its factor to fulfillment-service (FULFILLMENT_TIME_FACTOR = CHAOS_TIME_FACTOR), which reports
durations in production minutes (one real second = factor seconds), and the drill converts
--hold-minutes with the factor the service reports on /health. fulfillment_lag_minutes is how far
behind the oldest waiting label is: its age, or, for a held label, upload to the end of its hold
(it cannot ship earlier). So a 120-minute hold reads 120 at the first scrape after the labels are
written - no signal delay: time-to-fire is bounded by `for` + scrape + evaluation + 1 s. (Measured as
the bare age, the lag would need 10 production minutes - 20 s here - before it could cross 10.)
The hold (240 s real) outlasts detection plus the "remediation does nothing" control's wait.
"""
from harness.fulfillment import FulfillmentArtifactsHeld, ReleaseFulfillmentBacklog
from harness.scenario import Scenario
from harness.workloads import timelines_being_opened

scenario = Scenario(
    id="fulfillment_delay",
    title="Shipping labels held in MinIO delay fulfillment",
    runbook="incident-runbook#fulfillment-backlog",
    service="fulfillment-service",
    alert="FulfillmentDelay",
    receiver="data-ops",
    traffic=timelines_being_opened(rate=1.0),
    fault=FulfillmentArtifactsHeld(count=25, hold_minutes=120),
    drill="25 labels of a support case's order held in MinIO (hold-until 120 min ahead) under chaos/fulfillment-delay/",
    remediation=ReleaseFulfillmentBacklog(),
    chart_query="max by (bucket) (fulfillment_lag_minutes)",
    severity="critical",
    profiles=("minio",),
)
