"""Incident runbook › "Flink job keeps restarting".

Symptom:      the lakehouse orders job (Debezium's oltp.orders change events -> lakehouse.orders) fails on every
              attempt and its restart strategy restarts it again and again; flink_jobmanager_job_numRestarts
              (the Prometheus reporter) rises and FlinkJobRestarting fires; the job manager's log shows the
              schema error.
Drill:        the schema changes upstream: `amount` of oltp.orders becomes VARCHAR(32) and an order is written.
              Debezium sends its amount as text, which the job's DECIMAL mapping cannot map; each restart
              restores the last checkpoint, before that event, and fails on it again.
Detection:    the alert fires and the Alertmanager bot posts it to Slack #data-ops.
Remediation:  read the job manager's log, deploy the job with the fixed type mapping (a decimal sent as text
              is accepted, like Paimon's allow_non_string_to_string) restored from the failing job's last
              checkpoint (REST: cancel, then run the jar with savepointPath); the new job runs, no restarts, the
              failing job's series leave the scrape and the alert clears, with a resolved notice in #data-ops.

Signal delay (added to the bound on time-to-fire): the rule needs more than 3 restarts in its window. The fault
holds once the job's exception history shows the schema error, that is after its first failure; three more
restarts follow, each after the restart strategy's fixed delay (1 s, stack/images/flink/config.yaml) and an
attempt: deploy the tasks, restore the checkpoint, read the event again and fail (1-1.5 s on a stack with the cdc
and flink profiles alone, up to 3 s under `make test`'s whole stack on the 2-core machine), both real time:
3 * (1 + 3) = 12 s at any factor (signals.restarts_pass). Before the drill the job has written and committed an
order (Fault.prepare), so its writer's S3 client is started and the first restart does not wait on it.
Clear delay: none. The rule only counts jobs reported within its presence window (2m, 4 s at factor 30), well
inside the clearing bound, and the failing job is cancelled before the fixed one is deployed.
"""
from chaos_harness import signals
from chaos_harness.faults.flink import ColumnTypeChanged, RestoreWithFixedMapping
from chaos_harness.scenario import Budget, Scenario

RESTART_DELAY = 1.0      # restart-strategy.fixed-delay.delay in stack/images/flink/config.yaml
ATTEMPT_SECONDS = 3.0    # one failing attempt: tasks deployed, checkpoint restored, the event read again

scenario = Scenario(
    id="flink_job_restarting",
    title="A schema change upstream: the Flink orders job keeps restarting",
    runbook="incident-runbook#flink-job-restarting",
    service="flink",
    alert="FlinkJobRestarting",
    receiver="data-ops",
    fault=ColumnTypeChanged("mariadb", "oltp.orders", "amount"),
    drill="ALTER TABLE oltp.orders MODIFY amount VARCHAR(32) and an order written: the job cannot map its amount",
    remediation=RestoreWithFixedMapping(),
    remediation_text="read the flink-jobmanager log; deploy the fixed mapping, restored from the last checkpoint",
    chart_query="max(flink_jobmanager_job_numRestarts)",
    severity="critical",
    profiles=("cdc", "flink"),
    signal_delay=signals.restarts_pass(RESTART_DELAY, ATTEMPT_SECONDS, "restarts"),
    # Remediation budget (compressed s, factor 30): measured 3.84 s (cancel, deploy through REST, tasks running) on a
    # stack with the cdc and flink profiles (2026-12-01); 15 s, ~4x, since the deploy starts the job's JVM-side
    # graph and tasks, which a second stack beside it (make chaos, two workers) slows the most.
    budget=Budget(remediate=15),
)
