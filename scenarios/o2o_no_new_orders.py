"""O2O order monitoring (seed 003) › "No new orders": seeding pauses for more than 10 minutes.

Symptom:      NoNewOrders fires (warning): o2o_orders_ingested_total, pushed by the Airflow DAG
              o2o_oms_monitoring at the end of every run, has not increased in 10 minutes.
Drill:        the seed's Step 8, "pause seeding > 10 m": the order feed (the channels placing orders with OMS) is
              paused (`docker compose pause o2o-order-feed`); OMS, Airflow and the Pushgateway keep running.
Detection:    the alert fires and Alertmanager posts it to the `log` receiver (the seed's receiver for warnings,
              a webhook).
Remediation:  resume seeding (`docker compose unpause o2o-order-feed`); the next DAG run ingests the new orders,
              the alert clears, with a resolved notice at `log`.
Signal delay: the last order placed before the pause reaches the metric with a DAG run: the run in progress
              may have fetched before it (one run, real time), then the next one starts within the period (60 s /
              factor) and takes a run; then the counter stands still and its last increase must leave the 10m
              window (20 s at factor 30): faults.o2o.dag_cycle + signals.last_increase_leaves_window. Measured
              under `make test`'s load: fired 49.1 s after the pause (the bound 68 s, 12 s a run).
Clear delay:  the feed places an order at once when resumed; the next DAG run pushes it (dag_cycle).
"""
from chaos_harness import signals
from chaos_harness.faults import ResumeService
from chaos_harness.faults.o2o import FEED_PAUSED, dag_cycle
from chaos_harness.scenario import Budget, Scenario

scenario = Scenario(
    id="o2o_no_new_orders",
    title="Seeding pauses: no new O2O order is ingested for 10 minutes",
    runbook="incident-runbook#o2o-no-new-orders",
    service="oms",
    alert="NoNewOrders",
    receiver="log",
    fault=FEED_PAUSED,
    drill="the order feed paused (docker compose pause o2o-order-feed) while OMS and the DAG keep running",
    remediation=ResumeService("o2o-order-feed", "resume seeding (docker compose unpause o2o-order-feed)"),
    remediation_text="resume seeding (docker compose unpause o2o-order-feed); check the DAG's next run ingests",
    chart_query="increase(o2o_orders_ingested_total[10m])",
    signal_delay=signals.total(dag_cycle("the DAG run that ingests the last order"),
                               signals.last_increase_leaves_window("ingested order")),
    clear_delay=dag_cycle("the DAG run that ingests the first new order"),
    settled_query="increase(o2o_orders_ingested_total[10m]) > 0",
    severity="normal",
    profiles=("o2o",),
    # Remediation budget (compressed s, factor 30): at least 5 s; unpausing the feed and its /health answering
    # took 0.18 s on the 2-core machine with a core + o2o stack (2026-12-02).
    budget=Budget(remediate=5),
)
