"""Incident runbook › "MySQL/PostgreSQL connection saturation" (PostgreSQL).

Symptom:      sum(pg_stat_database_numbackends) passes 90 % of max_connections;
              PostgresConnectionSaturation fires.
Drill:        a leaking application pool: real client connections (role `app`) are opened and
              kept busy until 92.5 % of max_connections (40 in the test stack) is in use.
Detection:    the alert fires and the Alertmanager bot posts it to Slack #data-ops.
Remediation:  list the sessions (pg_stat_activity) and terminate the leaked ones
              (pg_terminate_backend); the alert clears, with a resolved notice in #data-ops.
"""
from chaos_harness.faults.databases import ReleaseHeldConnections
from chaos_harness.faults.databases import ConnectionsSaturated
from chaos_harness.scenario import Budget, Scenario

scenario = Scenario(
    id="db_postgres_connection_saturation",
    title="A leaking pool saturates PostgreSQL connections",
    runbook="incident-runbook#db-connection-saturation",
    service="postgres",
    alert="PostgresConnectionSaturation",
    receiver="data-ops",
    fault=ConnectionsSaturated("postgres", engine="postgres", fraction=0.925),
    drill="real `app` connections held open until 92.5 % of max_connections is in use",
    remediation=ReleaseHeldConnections("postgres", engine="postgres"),
    remediation_text="SELECT * FROM pg_stat_activity, pg_terminate_backend the leaked sessions",
    chart_query="sum(pg_stat_database_numbackends) / max(pg_settings_max_connections)",
    severity="critical",
    profiles=("db",),
    # Remediation budget (compressed s, factor 30): at least 5 s and ~2.5x the slowest measured, from two runs on
    # the 2-core machine (2026-11-30; a CI run and a data-platform run): the remediation took 0.73 and 0.32 s.
    budget=Budget(remediate=5),
)
