"""O2O OMS monitoring (seed 003, section 7): OMS's recent orders -> the warehouse table
fact_orders_monitoring -> o2o_* metrics on the Pushgateway.

    fetch_recent  GET {OMS_URL}/api/v1/monitor/recent?minutes=<window>&limit=1000 (header x-api-key)
    load_fact     one upsert batch (execute_values) into fact_orders_monitoring (created if missing)
    push_metrics  metrics computed from the warehouse table, pushed as job o2o_oms_monitoring (the group
                  is replaced on every push)

Production runs it every minute (`*/1 * * * *`); the test stack compresses every period by its time factor.
Everything comes from the environment (no secret in this file; the defaults are the test stack's):

    O2O_DAG_PERIOD_SECONDS  the schedule, in seconds       (default 60 / O2O_TIME_FACTOR)
    O2O_FETCH_MINUTES       OMS window, minutes, may be fractional (default 5 / O2O_TIME_FACTOR)
    O2O_DELAY_SECONDS       an open order is delayed when its updated_at is older than this
                            (default 90 / O2O_TIME_FACTOR: three auto-advance periods of 30 s)
    O2O_TIME_FACTOR         divides the three production defaults above (default 1)
    OMS_URL (http://oms:3001), OMS_API_KEY (oms-test-key), OMS_TIMEOUT_SECONDS (10)
    PG_DSN                  the warehouse (default: database o2o on o2o-postgres, password O2O_DB_PASSWORD)
    PUSHGATEWAY_URL (http://pushgateway:9091), PUSHGATEWAY_TIMEOUT_SECONDS (5)

The DAG file is parsed again and again by the scheduler: only the standard library and Airflow at the top,
requests / psycopg2 / prometheus_client are imported inside the tasks.
"""
from __future__ import annotations

import logging
import os
from datetime import datetime, timedelta, timezone

from airflow import DAG
from airflow.operators.python import PythonOperator

DAG_ID = "o2o_oms_monitoring"
STATUSES = ("PENDING", "CONFIRMED", "PICKING", "DELIVERING", "DELIVERED", "FAILED")
TERMINAL = ("DELIVERED", "FAILED")
ORDER_TYPES = ("DELIVERY", "PICKUP")
log = logging.getLogger("airflow.task")


def _env_float(name: str, production: float) -> float:
    """The variable when set, else the production value compressed by O2O_TIME_FACTOR."""
    value = os.getenv(name, "").strip()
    if value:
        return float(value)
    factor = float(os.getenv("O2O_TIME_FACTOR", "").strip() or 1)
    return production / factor


PERIOD_SECONDS = _env_float("O2O_DAG_PERIOD_SECONDS", 60.0)
FETCH_MINUTES = _env_float("O2O_FETCH_MINUTES", 5.0)
DELAY_SECONDS = _env_float("O2O_DELAY_SECONDS", 90.0)


def _pg_dsn() -> str:
    dsn = os.getenv("PG_DSN", "").strip()
    if dsn:
        return dsn
    password = os.getenv("O2O_DB_PASSWORD", "o2o-test-only")
    return f"dbname=o2o user=o2o password={password} host=o2o-postgres port=5432"


def _connect():
    import psycopg2

    return psycopg2.connect(_pg_dsn(), connect_timeout=5, application_name=DAG_ID)


TABLE = """
CREATE TABLE IF NOT EXISTS fact_orders_monitoring (
  order_id text PRIMARY KEY,
  customer_id text,
  customer_name text,
  status text,
  order_type text,
  total_amount numeric,
  created_at timestamptz,
  updated_at timestamptz,
  item_name text,
  item_detail text,
  ingested_at timestamptz DEFAULT now()
);
ALTER TABLE fact_orders_monitoring ADD COLUMN IF NOT EXISTS created_at timestamptz;
CREATE INDEX IF NOT EXISTS fact_orders_monitoring_status ON fact_orders_monitoring (status);
"""

UPSERT = """
INSERT INTO fact_orders_monitoring (order_id, customer_id, customer_name, status, order_type, total_amount,
                                    created_at, updated_at, item_name, item_detail)
VALUES %s
ON CONFLICT (order_id) DO UPDATE SET
  customer_id = excluded.customer_id, customer_name = excluded.customer_name, status = excluded.status,
  order_type = excluded.order_type, total_amount = excluded.total_amount, created_at = excluded.created_at,
  updated_at = excluded.updated_at, item_name = excluded.item_name, item_detail = excluded.item_detail
"""
COLUMNS = ("order_id", "customer_id", "customer_name", "status", "order_type", "total_amount",
           "created_at", "updated_at", "item_name", "item_detail")


def fetch_recent(**_context) -> dict:
    """One GET of OMS's monitoring window; the answer goes to XCom for load_fact and push_metrics."""
    import requests

    url = os.getenv("OMS_URL", "http://oms:3001").rstrip("/") + "/api/v1/monitor/recent"
    response = requests.get(
        url,
        params={"minutes": f"{FETCH_MINUTES:g}", "limit": 1000},
        headers={"x-api-key": os.getenv("OMS_API_KEY", "oms-test-key")},
        timeout=float(os.getenv("OMS_TIMEOUT_SECONDS", "10")),
    )
    response.raise_for_status()
    payload = response.json()
    data = payload.get("data") or []
    log.info("OMS window %g min: total=%s rows=%d statusCounts=%s", FETCH_MINUTES, payload.get("total"),
             len(data), payload.get("statusCounts"))
    return {"total": payload.get("total", len(data)), "statusCounts": payload.get("statusCounts") or {},
            "data": [{column: row.get(column) for column in COLUMNS} for row in data]}


def load_fact(ti, **_context) -> int:
    """One upsert batch into fact_orders_monitoring (created, or given created_at, if missing)."""
    from psycopg2.extras import execute_values

    payload = ti.xcom_pull(task_ids="fetch_recent") or {}
    rows = [tuple(row.get(column) for column in COLUMNS) for row in payload.get("data", []) if row.get("order_id")]
    conn = _connect()
    try:
        with conn, conn.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(hashtext('fact_orders_monitoring'))")
            cur.execute(TABLE)
            if rows:
                execute_values(cur, UPSERT, rows, page_size=1000)
    finally:
        conn.close()
    log.info("upserted %d orders into fact_orders_monitoring", len(rows))
    return len(rows)


def push_metrics(ti, **_context) -> None:
    """o2o_* metrics from the warehouse table (the counters survive restarts of the DAG), one push."""
    from prometheus_client import CollectorRegistry, push_to_gateway
    from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

    payload = ti.xcom_pull(task_ids="fetch_recent") or {}
    window_ids = [row["order_id"] for row in payload.get("data", []) if row.get("order_id")]
    conn = _connect()
    try:
        with conn, conn.cursor() as cur:
            cur.execute("SELECT count(*), count(*) FILTER (WHERE status = 'FAILED') FROM fact_orders_monitoring")
            ingested, failed = cur.fetchone()
            cur.execute(
                """SELECT status, order_type, count(*),
                          count(*) FILTER (WHERE status <> ALL(%s)
                                             AND updated_at < now() - make_interval(secs => %s))
                   FROM fact_orders_monitoring WHERE order_id = ANY(%s) GROUP BY status, order_type""",
                (list(TERMINAL), DELAY_SECONDS, window_ids))
            window = cur.fetchall()
    finally:
        conn.close()

    by_status = {(s, t): 0 for s in STATUSES for t in ORDER_TYPES}
    delayed = {t: 0 for t in ORDER_TYPES}
    for status, order_type, count, late in window:
        by_status[(status, order_type)] = by_status.get((status, order_type), 0) + count
        delayed[order_type] = delayed.get(order_type, 0) + late

    ingested_total = CounterMetricFamily("o2o_orders_ingested", "Orders loaded into fact_orders_monitoring "
                                         "(each order once, when first loaded)", value=ingested)
    failed_total = CounterMetricFamily("o2o_orders_failed", "Orders in fact_orders_monitoring whose status is "
                                       "FAILED", value=failed)
    status_gauge = GaugeMetricFamily("o2o_orders_status", "Orders of the fetched OMS window by status and "
                                     "order type", labels=["status", "order_type"])
    for (status, order_type), count in sorted(by_status.items()):
        status_gauge.add_metric([status, order_type], count)
    delayed_gauge = GaugeMetricFamily("o2o_orders_delayed", f"Open orders of the window not updated for "
                                      f"{DELAY_SECONDS:g} s", labels=["order_type"])
    for order_type, count in sorted(delayed.items()):
        delayed_gauge.add_metric([order_type], count)
    pushed_at = datetime.now(timezone.utc).timestamp()
    last_success = GaugeMetricFamily("o2o_dag_last_success_timestamp_seconds", "When the DAG last pushed "
                                     "its metrics (Unix time)", value=pushed_at)
    families = [ingested_total, failed_total, status_gauge, delayed_gauge, last_success]

    class _Snapshot:
        def collect(self):
            return families

    registry = CollectorRegistry()
    registry.register(_Snapshot())
    push_to_gateway(os.getenv("PUSHGATEWAY_URL", "http://pushgateway:9091"), job=DAG_ID, registry=registry,
                    timeout=float(os.getenv("PUSHGATEWAY_TIMEOUT_SECONDS", "5")))
    log.info("pushed: ingested=%d failed=%d window=%d delayed=%s", ingested, failed, len(window_ids), delayed)


with DAG(
    dag_id=DAG_ID,
    description="OMS recent orders -> fact_orders_monitoring -> Pushgateway (o2o_* metrics)",
    start_date=datetime(2025, 1, 1, tzinfo=timezone.utc),
    schedule=timedelta(seconds=PERIOD_SECONDS),   # production: every minute (*/1 * * * *)
    catchup=False,
    max_active_runs=1,
    # no retry: the next run (one period later) fetches the whole window again, and a retry would hold the
    # single active run slot (max_active_runs=1) and so delay the schedule
    default_args={"owner": "de", "retries": 0},
    dagrun_timeout=timedelta(seconds=max(60.0, 10 * PERIOD_SECONDS)),   # a stuck run frees the slot
    is_paused_upon_creation=False,
    tags=["o2o", "monitoring"],
) as dag:
    fetch = PythonOperator(task_id="fetch_recent", python_callable=fetch_recent,
                           execution_timeout=timedelta(seconds=60))
    load = PythonOperator(task_id="load_fact", python_callable=load_fact,
                          execution_timeout=timedelta(seconds=60))
    push = PythonOperator(task_id="push_metrics", python_callable=push_metrics,
                          execution_timeout=timedelta(seconds=60))
    fetch >> load >> push
