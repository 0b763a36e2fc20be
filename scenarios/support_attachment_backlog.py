"""Incident runbook › "Support timeline slow or attachment backlog growing": backlog fills the volume.

Symptom:      SupportAttachmentBacklogHigh fires: support_attachment_backlog_bytes is more than 80 % of
              the support_attachment_dir volume (128 MiB in the test stack).
Drill:        108 MiB of attachments pile up on the volume.
Remediation:  `make support-offload ARGS="--age-days N"` moves old attachments to the archive (cold
              storage); the backlog falls and the alert clears. The drill's files are minutes old, so
              the scenario offloads with --age-days 0 (production uses 30).
"""
from chaos_harness.faults.apps import AttachmentBacklog
from chaos_harness.drills import OffloadAttachments
from chaos_harness.scenario import Budget, Scenario

scenario = Scenario(
    id="support_attachment_backlog",
    title="The attachment backlog fills the support volume",
    runbook="incident-runbook#support-timeline",
    service="support-service",
    alert="SupportAttachmentBacklogHigh",
    receiver="data-ops",
    fault=AttachmentBacklog(files=27, file_mib=4),
    drill="108 MiB of attachments pile up on the 128 MiB attachment volume",
    remediation=OffloadAttachments(age_days=0),
    chart_query="max(support_attachment_backlog_bytes / support_attachment_volume_capacity_bytes)",
    severity="normal",
    # Remediation budget (compressed s, factor 30): at least 5 s, and twice the slowest measured, on the 2-core
    # machine with three stacks running (load ~35, 2026-11-30): the remediation took 0.30-0.79 s.
    budget=Budget(remediate=5),
)
