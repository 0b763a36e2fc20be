"""Incident runbook › "Support timeline slow or attachment backlog growing": rapid growth.

Symptom:      SupportAttachmentGrowthRapid fires: deriv(support_attachment_backlog_bytes[5m]) above
              256 KiB/s for 5 minutes.
Drill:        a runaway client uploads 2 MiB/s of attachments.
Remediation:  stop the runaway uploader, then offload the backlog to the archive (support-offload);
              the backlog stops growing and the alert clears.
Signal delay: deriv() fits a line over 5m (10 s compressed); after a step from flat to 2 MiB/s the
              slope passes 256 KiB/s after about a quarter of the window: ~2.5 s, plus one scrape and
              slack for uploads that do not keep the pace on a busy machine.
Settled:      an earlier run's offload (a drop of ~100 MiB) leaves a steep negative slope in the
              deriv() window for one window length; injected then, the flood's slope needs several
              seconds more to cross the threshold. Steady state therefore waits until the slope is flat
              (|deriv| < 16 KiB/s, 1/16 of the threshold).
"""
from harness.actions import RevertFault, Steps
from harness.app_faults import AttachmentFlood
from harness.drills import OffloadAttachments
from harness.scenario import Budget, Scenario

scenario = Scenario(
    id="support_attachment_growth",
    title="Runaway uploads make the attachment backlog grow rapidly",
    runbook="incident-runbook#support-timeline",
    service="support-service",
    alert="SupportAttachmentGrowthRapid",
    receiver="data-ops",
    fault=AttachmentFlood(chunk_kib=512, rate=4),
    drill="a runaway client uploads 2 MiB/s of attachments",
    remediation=Steps((RevertFault("stop the runaway uploader"), OffloadAttachments(age_days=0))),
    chart_query="max(deriv(support_attachment_backlog_bytes[5m]))",
    signal_delay=4.0,
    settled_query="abs(max(deriv(support_attachment_backlog_bytes[5m]))) < 16384",
    severity="normal",
    # Remediation budget (compressed s, factor 30), from measurements on the 2-core machine with three stacks
    # running (load ~35, 2026-11-30): the remediation took 0.09-0.38 s.
    budget=Budget(remediate=2),
)
