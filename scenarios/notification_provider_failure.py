"""Incident runbook › "Notification sending fails en masse": provider failures.

Symptom:      NotificationFailureRateHigh fires: more than 20 % of sends fail at the provider.
Drill:        the delivery provider goes down while notifications are being sent.
Detection:    the alert fires and reaches Slack #data-ops.
Remediation:  restore the provider (restart it); sends succeed again, the failure rate falls under
              5 %, the alert clears and #data-ops gets the resolved notice.
Signal delay: the failure ratio is computed over a 2m window (4 s compressed); with every send failing
              it passes 20 % once a fifth of the window holds failures: 0.8 s, plus one scrape.
"""
from harness.actions import RestartService
from harness.faults import ContainerStopped
from harness.scenario import Budget, Scenario
from harness.workloads import notifications_being_sent

scenario = Scenario(
    id="notification_provider_failure",
    title="The notification provider fails and sends fail en masse",
    runbook="incident-runbook#notification-failures",
    service="notification-service",
    alert="NotificationFailureRateHigh",
    receiver="data-ops",
    traffic=notifications_being_sent(rate=10),
    fault=ContainerStopped("notification-provider"),
    drill="the notification provider is down while notifications are being sent",
    remediation=RestartService("notification-provider"),
    remediation_text="restore the provider (docker compose restart notification-provider)",
    chart_query="sum(rate(notification_failure_total[2m])) / clamp_min(sum(rate(notification_sent_total[2m]))"
                " + sum(rate(notification_failure_total[2m])), 1e-9)",
    signal_delay=1.3,
    severity="critical",
    # Remediation budget (compressed s, factor 30), from measurements on the 2-core machine with three stacks
    # running (load ~35, 2026-11-30): the remediation took 4.42-8.15 s.
    budget=Budget(remediate=15),
)
