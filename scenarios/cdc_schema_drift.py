"""Incident runbook › "Schema drift".

Symptom:      cdc_schema_drift_columns{table="oltp.orders"} > 0 (cdc-exporter: information_schema
              columns vs the CDC schema contract); SchemaDriftDetected fires.
Drill:        `make chaos-schema-drift`: ALTER TABLE oltp.orders ADD COLUMN unexpected_field.
Detection:    the alert fires and the Alertmanager bot posts it to Slack #data-ops.
Remediation:  roll the change back (the drill's --revert: DROP COLUMN), then
              POST /connectors/orders-cdc/restart?includeTasks=true; the alert clears.
Signal delay: the fault is in effect once information_schema lists the column; the cdc-exporter reads it in
              its background loop, every 0.5 s (CDC_MEASURE_INTERVAL_SECONDS), a round of SQL + Connect REST
              + a Kafka read taking up to 1.3 s (p99 1.26 s on the loaded 2-core machine,
              cdc_exporter_measure_seconds): a round that starts after the ALTER reports the drift within
              max(0.5, 1.3) + 1.3 = 2.6 s (signals.exporter_round; real time, the same at every factor).
Clear delay:  the same round after the column is dropped.
"""
from chaos_harness.faults.cdc import EXPORTER_ROUND, RevertColumnRestartConnector, UnexpectedColumnAdded
from chaos_harness.scenario import Budget, Scenario

scenario = Scenario(
    id="cdc_schema_drift",
    title="A producer adds a column the CDC contract does not know",
    runbook="incident-runbook#schema-drift",
    service="kafka-connect",
    alert="SchemaDriftDetected",
    receiver="data-ops",
    fault=UnexpectedColumnAdded("oltp.orders", "unexpected_field"),
    drill="ALTER TABLE oltp.orders ADD COLUMN unexpected_field",
    remediation=RevertColumnRestartConnector("oltp.orders", "unexpected_field"),
    remediation_text="simulate_schema_drift.py --revert (DROP COLUMN), POST /connectors/orders-cdc/restart?includeTasks=true",
    chart_query="max by (table) (cdc_schema_drift_columns)",
    severity="critical",
    profiles=("cdc",),
    signal_delay=EXPORTER_ROUND,
    clear_delay=EXPORTER_ROUND,
    # Remediation budget (compressed s, factor 30): at least 5 s and ~2.5x the slowest measured, from two runs on
    # the 2-core machine (2026-11-30; a CI run and a data-platform run): the remediation took 0.46 and 1.22 s.
    budget=Budget(remediate=5),
)
