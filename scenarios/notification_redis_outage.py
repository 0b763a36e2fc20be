"""Incident runbook › "Notification sending fails en masse", step 0b: Redis outage drill.

Symptom:      NotificationRateLimiterErrors fires; notification_rate_limit_errors_total{operation}
              jumps because the rate limiter cannot reach Redis (it fails open, sends continue).
Drill:        pause the Redis container ("tạm dừng container Redis", as the runbook's script does) while
              notifications are being sent.
Detection:    the alert fires and the Alertmanager bot posts it to Slack #data-ops.
Remediation:  restart Redis; the error counter stops growing and the alert clears, with a
              resolved notice in #data-ops.
Traffic:      4 workers at 10/s in all. With Redis frozen its name still resolves and the kernel still
              accepts connections, so every limiter call fails after the client's 0.25 s socket timeout: a
              steady error rate. (Stopping the container instead made every call look the name up again and
              wait on the upstream DNS, which drops about 1 query in 100 here: the 4 s window emptied and the
              "not remediated" control (then a run of its own, now the proof's Hold) saw the alert resolve with Redis
              still down, in CI.)
Signal delay: every send meets the frozen Redis (one limiter error each, 0.25 s after the call starts), 10
              per second. The rate over 2m passes 0.1/s once the window holds more than 0.1 * W errors
              (signals.rate_passes): factor 30 (W = 4 s) 1 error, 0.25 + 0.1 s; factor 10 (W = 12 s) 2
              errors, 0.25 + 0.2 s.
"""
from chaos_harness import signals
from chaos_harness.faults import ContainerPaused, RestartService
from chaos_harness.scenario import Budget, Scenario
from chaos_harness.workloads import notifications_being_sent

SEND_RATE = 10.0        # notifications sent per second, each asking the limiter (Redis) once
REDIS_TIMEOUT = 0.25    # the service's redis socket timeouts (SERVICE_REDIS_TIMEOUT_SECONDS' default)

scenario = Scenario(
    id="notification_redis_outage",
    title="Redis outage makes the notification rate limiter fail open",
    runbook="incident-runbook#notification-failures",
    service="notification-service",
    alert="NotificationRateLimiterErrors",
    receiver="data-ops",
    traffic=notifications_being_sent(rate=SEND_RATE, workers=4),
    fault=ContainerPaused("redis"),
    drill="Redis is frozen (paused) while notifications are being sent",
    remediation=RestartService("redis"),
    remediation_text="restart Redis (docker compose restart redis)",
    chart_query="sum by (operation) (rate(notification_rate_limit_errors_total[2m]))",
    signal_delay=signals.total(
        signals.domain_time(REDIS_TIMEOUT, "a limiter call counts its error when the redis client times out"),
        signals.rate_passes(SEND_RATE, "limiter errors")),
    severity="critical",
    # Release-gate budgets in compressed seconds (factor 30). Measured on the 2-core machine alone with Redis
    # paused (2026-11-30, 3 gate runs): notified 5.7-6.2 s after the fault was in effect, restart 0.51-0.58 s,
    # resolved notice 7.9 s after the restart began. (With `docker stop`, under the load of three stacks:
    # remediation 3.99-6.38 s, resolved notice 11.0 s after it began.)
    budget=Budget(remediate=8.0, detect=10.0, recover=16.0),
)
