"""Incident runbook › "Notification sending fails en masse": provider failures.

Symptom:      NotificationFailureRateHigh fires: more than 20 % of sends fail at the provider.
Drill:        the delivery provider goes down while notifications are being sent.
Detection:    the alert fires and reaches Slack #data-ops.
Remediation:  restore the provider (restart it); sends succeed again, the failure rate falls under
              5 %, the alert clears and #data-ops gets the resolved notice.
Signal delay: the failure ratio is computed over a 2m window (4 s compressed); with every send failing
              it passes 20 % once a fifth of the window holds failures: 0.2 x 4 s = 0.8 s
              (signals.ratio_fills_window, derived from the loaded rule at any time factor).
Settled:      steady state waits until the window holds deliveries and no failure (`settled_query`): a
              provider started again by the previous run's revert refuses connections for a second or
              two while it boots, and those failures alone fired the alert in the "no fault" control.
Traffic:      4 workers at 10/s in all: with the provider's container stopped its name no longer
              resolves, and on this machine about one lookup in 30 waits 5 s for the upstream DNS; one
              sequential sender then stalled, the 4 s window emptied and the alert resolved with the
              provider still down (the "no remediation" control saw it clear).
The runbook's by-hand drill (make notification-chaos-provider) makes the provider reject chosen
notifications instead (its failure list); it is tested in tests/integration.
"""
from chaos_harness import signals
from chaos_harness.faults import ContainerStopped, RestartService
from chaos_harness.scenario import Budget, Scenario
from chaos_harness.workloads import notifications_being_sent

scenario = Scenario(
    id="notification_provider_failure",
    title="The notification provider fails and sends fail en masse",
    runbook="incident-runbook#notification-failures",
    service="notification-service",
    alert="NotificationFailureRateHigh",
    receiver="data-ops",
    traffic=notifications_being_sent(rate=10, workers=4),
    fault=ContainerStopped("notification-provider"),
    drill="the notification provider is down while notifications are being sent",
    remediation=RestartService("notification-provider"),
    remediation_text="restore the provider (docker compose restart notification-provider)",
    chart_query="sum(rate(notification_failure_total[2m])) / clamp_min(sum(rate(notification_sent_total[2m]))"
                " + sum(rate(notification_failure_total[2m])), 1e-9)",
    signal_delay=signals.ratio_fills_window("failed sends"),
    settled_query="sum(rate(notification_failure_total[2m])) == 0 and sum(rate(notification_sent_total[2m])) > 0",
    severity="critical",
    # Remediation budget (compressed s, factor 30), from measurements on the 2-core machine with three stacks
    # running (load ~35, 2026-11-30): the remediation took 4.42-8.15 s.
    budget=Budget(remediate=15),
)
