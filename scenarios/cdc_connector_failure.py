"""Incident runbook › "Kafka Connect connector fails".

Symptom:      kafka_connect_connector_failed_task_count > 0 (Connect worker metric through the
              JMX exporter); KafkaConnectConnectorFailed fires.
Drill:        the Debezium MariaDB connector `orders-cdc` loses its binlog privilege
              (REVOKE REPLICATION SLAVE from the CDC user) and its task restarts: the task FAILS.
Detection:    the alert fires and the Alertmanager bot posts it to Slack #data-ops.
Remediation:  read the stack trace (docker compose logs connect), fix the cause (GRANT it back),
              POST /connectors/orders-cdc/restart?includeTasks=true; the failed-task count
              returns to 0 and the alert clears, with a resolved notice in #data-ops.
"""
from chaos_harness.faults.connect import RestartConnector
from chaos_harness.faults.connect import ConnectorTaskFailed
from chaos_harness.scenario import Budget, Scenario

scenario = Scenario(
    id="cdc_connector_failure",
    title="The Debezium CDC connector's task fails",
    runbook="incident-runbook#kafka-connect-failure",
    service="kafka-connect",
    alert="KafkaConnectConnectorFailed",
    receiver="data-ops",
    fault=ConnectorTaskFailed("orders-cdc", database="mariadb", connect="connect"),
    drill="REVOKE REPLICATION SLAVE from the CDC user, restart the connector's task",
    remediation=RestartConnector("orders-cdc", database="mariadb", connect="connect"),
    remediation_text="GRANT REPLICATION SLAVE back, POST /connectors/orders-cdc/restart?includeTasks=true",
    chart_query="max by (connector) (kafka_connect_connect_worker_metrics_connector_failed_task_count)",
    severity="critical",
    profiles=("cdc",),
    # Remediation budget (compressed s, factor 30): at least 5 s and ~2.5x the slowest measured, from two runs on
    # the 2-core machine (2026-11-30; a CI run and a data-platform run): the remediation took 2.08 and 1.28 s.
    budget=Budget(remediate=5),
)
