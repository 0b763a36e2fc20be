"""Incident runbook › "Trino query backlog grows".

Symptom:      trino_execution_queuedqueries (the query manager's gauge, JMX exporter agent on the coordinator)
              stays above 5; TrinoQueryBacklog fires.
Drill:        more heavy queries than the cluster runs at once: 8 full scans of tpch.sf1.lineitem from a client
              that never reads their results, against a resource group that runs one query at a time: one
              scan holds the slot (stalled on its full output buffer), seven wait in the queue.
Detection:    the alert fires and the Alertmanager bot posts it to Slack #data-ops.
Remediation:  find the heavy queries in the coordinator's query list (GET /v1/query, the web UI's list) and kill
              them (PUT /v1/query/{queryId}/killed); the queue drains, the alert clears, with a resolved notice
              in #data-ops.

Signal delay: none. The coordinator counts a query as queued as soon as the client follows its first nextUri,
which the drill does for every query before the fault counts as injected (its in_effect reads the queue from
the REST API, not from the metric), so the gauge is above the threshold at the next scrape.
Clear delay: none. A killed query leaves the queue at once; the next scrape reads 0.
"""
from chaos_harness.faults.trino import KillHeavyQueries, QueryBacklog
from chaos_harness.scenario import Budget, Scenario

scenario = Scenario(
    id="trino_backlog",
    title="Heavy queries above the concurrency limit: the Trino queue keeps growing",
    runbook="incident-runbook#trino-backlog",
    service="trino",
    alert="TrinoQueryBacklog",
    receiver="data-ops",
    fault=QueryBacklog("trino", queries=8),
    drill="8 full scans of tpch.sf1.lineitem whose results nobody reads, against a resource group running one "
          "query at a time",
    remediation=KillHeavyQueries("trino"),
    remediation_text="list the queries (GET /v1/query), kill the heavy ones (PUT /v1/query/{queryId}/killed)",
    chart_query="sum(trino_execution_queuedqueries)",
    severity="normal",
    profiles=("trino",),
    # Remediation budget (compressed s, factor 30): at least 5 s and ~2.5x the slowest measured on the 2-core
    # machine: killing the 8 queries took 0.35 s on a stack with the trino profile alone (2026-12-01), 5.21 s
    # under `make test`'s whole stack of 29 containers (the .ci/run of 11f1df8): 13 s.
    budget=Budget(remediate=13),
)
