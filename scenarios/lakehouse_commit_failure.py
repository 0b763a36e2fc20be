"""Incident runbook › "Paimon / Nessie cannot commit".

Symptom:      the orders job's Paimon sink commits nothing: its checkpoints (each one a Paimon commit) fail and
              none completes; PaimonCommitFailing fires (flink_jobmanager_job_numberOfFailedCheckpoints rises,
              ..._numberOfCompletedCheckpoints stands still); the job keeps running.
Drill:        MinIO, the lakehouse's storage, is frozen (docker pause: unreachable, requests hang) and an order is
              written: the job's next checkpoint waits on its data files until it expires, and so does every one
              after it.
Detection:    the alert fires and the Alertmanager bot posts it to Slack #data-ops.
Remediation:  make MinIO reachable again; the next checkpoint completes and commits what was written meanwhile:
              the order written during the outage is read from lakehouse.orders (the lakehouse reader), the
              completed checkpoint clears the alert, with a resolved notice in #data-ops.

Signal delay (added to the bound on time-to-fire): failed checkpoints alone do not fire, the last completed one
must also leave the rule's window. The fault holds once a checkpoint has failed, which it does only after
waiting the whole checkpoint timeout (5 s, stack/images/flink/config.yaml) since it started after that last
completion: window - 5 s remain (signals.success_leaves_window).
Clear delay: none. The remediation returns once the order is committed, i.e. once a checkpoint completed, which
the next scrape shows.
"""
from chaos_harness import signals
from chaos_harness.faults.lakehouse import CHECKPOINT_TIMEOUT, RestoreStorageAndCommit, StorageUnreachable
from chaos_harness.scenario import Budget, Scenario

scenario = Scenario(
    id="lakehouse_commit_failure",
    title="MinIO unreachable: the Flink job's Paimon sink cannot commit to the lakehouse",
    runbook="incident-runbook#paimon-nessie-commit",
    service="paimon",
    alert="PaimonCommitFailing",
    receiver="data-ops",
    fault=StorageUnreachable("minio"),
    drill="docker pause minio and an order written: every checkpoint (Paimon commit) of the orders job expires",
    remediation=RestoreStorageAndCommit("minio"),
    remediation_text="make MinIO reachable (unpause); the order written meanwhile is committed to lakehouse.orders",
    chart_query="max(flink_jobmanager_job_numberOfFailedCheckpoints)",
    severity="critical",
    profiles=("cdc", "flink"),
    signal_delay=signals.success_leaves_window(CHECKPOINT_TIMEOUT, "completed checkpoint"),
    budget=Budget(remediate=20),
)
