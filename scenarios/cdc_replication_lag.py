"""Incident runbook › "Debezium/MySQL replication lag".

Symptom:      cdc_binlog_position_delta_bytes (cdc-exporter: SHOW MASTER STATUS minus the connector's
              committed offset) stays above 4 KiB; CdcReplicationLagHigh fires.
Drill:        `make chaos-replication-lag`: PUT /connectors/orders-cdc/pause, then 200 orders are
              written to oltp.orders (binlogPositionDelta ~5.8 KB, rowCountDelta 200).
Detection:    the alert fires and the Alertmanager bot posts it to Slack #data-ops.
Remediation:  resume the connector over REST (the drill's --revert); binlogPositionDelta and
              rowCountDelta return to 0 and the alert clears.
Signal delay: the fault is in effect once Connect reports the connector and its tasks PAUSED and the rows are
              committed; the cdc-exporter sees the new binlog position once a measuring round that started
              after the write has finished: max(interval 0.5 s, round 1.3 s) + round 1.3 s = 2.6 s (real time,
              chaos_harness/faults/cdc.py EXPORTER_ROUND). The remediation itself waits until both deltas are 0, so the
              alert clears within the rule's window after it (no clearing delay).
"""
from chaos_harness.faults.cdc import EXPORTER_ROUND, ConnectorPausedDuringWrites, ResumeConnector
from chaos_harness.scenario import Budget, Scenario

scenario = Scenario(
    id="cdc_replication_lag",
    title="The Debezium CDC connector falls behind the MariaDB binlog",
    runbook="incident-runbook#cdc-replication-lag",
    service="kafka-connect",
    alert="CdcReplicationLagHigh",
    receiver="data-ops",
    fault=ConnectorPausedDuringWrites("orders-cdc", rows=200),
    drill="pause orders-cdc over REST, write 200 rows into oltp.orders",
    remediation=ResumeConnector("orders-cdc"),
    remediation_text="PUT /connectors/orders-cdc/resume (simulate_replication_lag.py --revert); deltas return to 0",
    chart_query="max by (connector) (cdc_binlog_position_delta_bytes)",
    severity="critical",
    profiles=("cdc",),
    signal_delay=EXPORTER_ROUND,
    # Remediation budget (compressed s, factor 30): at least 5 s and ~2.5x the slowest measured, from two runs on
    # the 2-core machine (2026-11-30; a CI run and a data-platform run): the remediation took 2.65 and 2.60 s.
    budget=Budget(remediate=7),
)
