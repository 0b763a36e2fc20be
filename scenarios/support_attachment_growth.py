"""Incident runbook › "Support timeline slow or attachment backlog growing": rapid growth.

Symptom:      SupportAttachmentGrowthRapid fires: deriv(support_attachment_backlog_bytes[5m]) above
              256 KiB/s for 5 minutes.
Drill:        a runaway client uploads 2 MiB/s of attachments.
Remediation:  stop the runaway uploader, then offload the backlog to the archive (support-offload);
              the backlog stops growing and the alert clears.
Signal delay: deriv() is the least-squares slope over its 5m window; with a ramp of 2 MiB/s filling a
              fraction a of the window after a flat backlog it is 2 MiB/s * (3a^2 - 2a^3)
              (signals.deriv_of_step). It passes 256 KiB/s, plus the 16 KiB/s negative slope the steady
              state still tolerates (settled query), once 3a^2 - 2a^3 > 278528 / 2097152 = 0.133:
              a = 0.229 of the window, 2.29 s at factor 30 (W = 10 s), 6.86 s at factor 10 (W = 30 s).
Settled:      an earlier run's offload (a drop of ~100 MiB) leaves a steep negative slope in the
              deriv() window for one window length; injected then, the flood's slope needs several
              seconds more to cross the threshold. Steady state therefore waits until the slope is flat
              (|deriv| < 16 KiB/s, 1/16 of the threshold).
"""
from chaos_harness import signals
from chaos_harness.faults import RevertFault, Steps
from chaos_harness.faults.apps import AttachmentFlood
from chaos_harness.drills import OffloadAttachments
from chaos_harness.scenario import Budget, Scenario

CHUNK_KIB, UPLOADS_PER_SECOND = 512, 4          # the runaway client: 2 MiB/s
SETTLED_SLOPE = 16384                           # |deriv| the steady state waits for (bytes/s)

scenario = Scenario(
    id="support_attachment_growth",
    title="Runaway uploads make the attachment backlog grow rapidly",
    runbook="incident-runbook#support-timeline",
    service="support-service",
    alert="SupportAttachmentGrowthRapid",
    receiver="data-ops",
    fault=AttachmentFlood(chunk_kib=CHUNK_KIB, rate=UPLOADS_PER_SECOND),
    drill="a runaway client uploads 2 MiB/s of attachments",
    remediation=Steps((RevertFault("stop the runaway uploader"), OffloadAttachments(age_days=0))),
    chart_query="max(deriv(support_attachment_backlog_bytes[5m]))",
    signal_delay=signals.deriv_of_step(CHUNK_KIB * 1024 * UPLOADS_PER_SECOND, residual=SETTLED_SLOPE),
    settled_query=f"abs(max(deriv(support_attachment_backlog_bytes[5m]))) < {SETTLED_SLOPE}",
    severity="normal",
    # Remediation budget (compressed s, factor 30): at least 5 s, and twice the slowest measured, on the 2-core
    # machine with three stacks running (load ~35, 2026-11-30): the remediation took 0.09-0.38 s.
    budget=Budget(remediate=5),
)
