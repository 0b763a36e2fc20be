"""Incident runbook › "Notification sending fails en masse": rate-limited burst.

Symptom:      NotificationRateLimitedBurst fires: notification_events_dropped_total{reason="rate_limited"}
              grows by more than 1/s.
Drill:        a campaign sends 20 notifications/s to one customer and channel, far above
              notification_rate_limit (20 per notification_rate_window_seconds=60 in the test stack).
Remediation:  reduce the batch size / spread the schedule: the burst stops, drops stop, the alert clears.
Signal delay: the limiter counts per fixed 60 s window (notification_rate_window_seconds, not compressed):
              the first 20 sends of a window pass, and when the burst straddles a window boundary the
              next window lets 20 more through. Then the rate over 2m passes 1/s once the window holds
              more than 1 * W drops (signals.rate_passes): factor 30 (W = 4 s) (40 + 5) / 20 per s =
              2.25 s; factor 10 (W = 12 s) (40 + 13) / 20 = 2.65 s.
"""
from chaos_harness import signals
from chaos_harness.faults import RevertFault
from chaos_harness.faults.apps import NotificationBurst
from chaos_harness.scenario import Budget, Scenario
from chaos_harness.workloads import notifications_being_sent

BURST_RATE = 20.0       # sends per second to one customer
RATE_LIMIT = 20         # NOTIFICATION_RATE_LIMIT per window (docker-compose.test.yml)

scenario = Scenario(
    id="notification_rate_limited_burst",
    title="A campaign burst exceeds the notification rate limit",
    runbook="incident-runbook#notification-failures",
    service="notification-service",
    alert="NotificationRateLimitedBurst",
    receiver="data-ops",
    traffic=notifications_being_sent(rate=10),
    fault=NotificationBurst(customer="campaign-burst", rate=BURST_RATE),
    drill="a campaign sends 20 notifications/s to one customer",
    remediation=RevertFault("pause the campaign and spread its schedule (the burst stops)"),
    chart_query='sum by (reason) (rate(notification_events_dropped_total[2m]))',
    signal_delay=signals.rate_passes(BURST_RATE, "drops", uncounted=2 * RATE_LIMIT,
                                     uncounted_why="sends let through (20 per window, a boundary may fall inside)"),
    severity="normal",
    # Remediation budget (compressed s, factor 30): at least 5 s, and twice the slowest measured, on the 2-core
    # machine with three stacks running (load ~35, 2026-11-30): the remediation took 0.08-0.12 s.
    budget=Budget(remediate=5),
)
