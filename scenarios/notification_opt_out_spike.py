"""Incident runbook › "Notification sending fails en masse": opt-out spike.

Symptom:      NotificationOptOutSpike fires: notification_opt_out_total grows faster than 0.5/s.
Drill:        customers opt out of e-mail one after another, 5 per second
              (PUT /notifications/preferences/{customerId}).
Remediation:  with marketing, pause the campaign automation that annoys customers: opt-outs stop,
              the alert clears. (The drill's customers are opted back in when the fault is reverted.)
Signal delay: the rate over 2m passes 0.5/s once the window holds more than 0.5 * W opt-outs
              (signals.rate_passes), at 5 opt-outs per second: factor 30 (W = 4 s) 3 opt-outs, 0.6 s;
              factor 10 (W = 12 s) 7 opt-outs, 1.4 s. (The counter's series exist from the start.)
"""
from chaos_harness import signals
from chaos_harness.faults import RevertFault
from chaos_harness.faults.apps import OptOutWave
from chaos_harness.scenario import Budget, Scenario
from chaos_harness.workloads import notifications_being_sent

OPT_OUTS_PER_SECOND = 5.0

scenario = Scenario(
    id="notification_opt_out_spike",
    title="A wave of customers opts out of notifications",
    runbook="incident-runbook#notification-failures",
    service="notification-service",
    alert="NotificationOptOutSpike",
    receiver="data-ops",
    traffic=notifications_being_sent(rate=5),
    fault=OptOutWave(channel="email", rate=OPT_OUTS_PER_SECOND),
    drill="customers opt out of e-mail notifications, 5 per second",
    remediation=RevertFault("pause the campaign automation causing the opt-outs"),
    chart_query="sum by (channel) (rate(notification_opt_out_total[2m]))",
    signal_delay=signals.rate_passes(OPT_OUTS_PER_SECOND, "opt-outs"),
    severity="normal",
    # Remediation budget (compressed s, factor 30): at least 5 s, and twice the slowest measured, on the 2-core
    # machine with three stacks running (load ~35, 2026-11-30): the remediation took 1.21-1.40 s.
    budget=Budget(remediate=5),
)
