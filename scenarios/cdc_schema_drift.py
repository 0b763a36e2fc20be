"""Incident runbook › "Schema drift".

Symptom:      cdc_schema_drift_columns{table="oltp.orders"} > 0 (cdc-exporter: information_schema
              columns vs the CDC schema contract); SchemaDriftDetected fires.
Drill:        `make chaos-schema-drift`: ALTER TABLE oltp.orders ADD COLUMN unexpected_field.
Detection:    the alert fires and the Alertmanager bot posts it to Slack #data-ops.
Remediation:  roll the change back (the drill's --revert: DROP COLUMN), then
              POST /connectors/orders-cdc/restart?includeTasks=true; the alert clears.
"""
from harness.cdc import RevertColumnRestartConnector, UnexpectedColumnAdded
from harness.scenario import Scenario

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
)
