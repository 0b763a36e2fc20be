"""Incident runbook › "Notification sending fails en masse": rate-limited burst.

Symptom:      NotificationRateLimitedBurst fires: notification_events_dropped_total{reason="rate_limited"}
              grows by more than 1/s.
Drill:        a campaign sends 20 notifications/s to one customer and channel, far above
              notification_rate_limit (20 per notification_rate_window_seconds=60 in the test stack).
Remediation:  reduce the batch size / spread the schedule: the burst stops, drops stop, the alert clears.
Signal delay: the first 20 sends of the window pass (1 s at 20/s) before drops begin.
"""
from harness.actions import RevertFault
from harness.app_faults import NotificationBurst
from harness.scenario import Budget, Scenario
from harness.workloads import notifications_being_sent

scenario = Scenario(
    id="notification_rate_limited_burst",
    title="A campaign burst exceeds the notification rate limit",
    runbook="incident-runbook#notification-failures",
    service="notification-service",
    alert="NotificationRateLimitedBurst",
    receiver="data-ops",
    traffic=notifications_being_sent(rate=10),
    fault=NotificationBurst(customer="campaign-burst", rate=20),
    drill="a campaign sends 20 notifications/s to one customer",
    remediation=RevertFault("pause the campaign and spread its schedule (the burst stops)"),
    chart_query='sum by (reason) (rate(notification_events_dropped_total[2m]))',
    signal_delay=1.5,
    severity="normal",
    # Remediation budget (compressed s, factor 30), from measurements on the 2-core machine with three stacks
    # running (load ~35, 2026-11-30): the remediation took 0.08-0.12 s.
    budget=Budget(remediate=2),
)
