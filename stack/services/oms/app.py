"""OMS (the O2O order management service of seed 003): orders in PostgreSQL, an auto-advance cron that moves
them through their statuses, and the monitoring API the Airflow DAG `o2o_oms_monitoring` reads.

Every /api/v1 route but /api/v1/health needs the `x-api-key` header (401 without it, or with a wrong one);
the key comes from OMS_API_KEY (the test stack's default is a test-only key, never the seed's). /health and
/metrics, the platform's probes of every reference service, are open like the other services'.

- POST /api/v1/seed-mock-data?count=N   N new PENDING orders (random customer, type, item), their ids
- GET  /api/v1/monitor/recent?minutes=&limit=   orders updated in the last `minutes`: `total`, `statusCounts`,
       `data` (newest first, with the item's `item_name` / `item_detail` joined in, not its id)
- GET  /api/v1/health                   the database answers (503 when it does not)

Auto-advance (every 30 s in production, OMS_ADVANCE_SECONDS divided by OMS_TIME_FACTOR on the test stack): a
PENDING order is confirmed once the payment service authorises it (GET payment-service /payments/{id}); when
that call fails (an error status, a refused connection, a timeout) the order is FAILED. Confirmed orders then
go PICKING -> DELIVERING -> DELIVERED (a PICKUP order skips DELIVERING), one step per tick.
"""
from __future__ import annotations

import hmac
import os
import random
import threading
import time
import uuid

import httpx
import psycopg2
import psycopg2.extras
from fastapi import Depends, Header, HTTPException, Query
from fastapi.responses import JSONResponse
from prometheus_client import Counter, Gauge

from common.service import create_app, structured_logger

log = structured_logger("oms")
API_KEY = os.environ.get("OMS_API_KEY", "oms-test-key")
DSN = os.environ.get("OMS_DB_DSN", "dbname=o2o user=o2o password=o2o-test-only host=o2o-postgres port=5432")
PAYMENT_URL = os.environ.get("OMS_PAYMENT_URL", "http://payment-service:8000").rstrip("/")
TIME_FACTOR = float(os.environ.get("OMS_TIME_FACTOR", "1") or 1)
ADVANCE_SECONDS = max(0.2, float(os.environ.get("OMS_ADVANCE_SECONDS", "30")) / TIME_FACTOR)
PAYMENT_TIMEOUT = float(os.environ.get("OMS_PAYMENT_TIMEOUT_SECONDS", "2"))

STATUSES = ("PENDING", "CONFIRMED", "PICKING", "DELIVERING", "DELIVERED", "FAILED")
TERMINAL = ("DELIVERED", "FAILED")
NEXT = {("CONFIRMED", "DELIVERY"): "PICKING", ("CONFIRMED", "PICKUP"): "PICKING",
        ("PICKING", "DELIVERY"): "DELIVERING", ("PICKING", "PICKUP"): "DELIVERED",
        ("DELIVERING", "DELIVERY"): "DELIVERED"}
ITEMS = [("SKU-RICE-5KG", "Jasmine rice 5 kg", "bag, dry goods"),
         ("SKU-MILK-1L", "Fresh milk 1 l", "chilled, carton"),
         ("SKU-EGGS-10", "Eggs x10", "fragile, tray"),
         ("SKU-OIL-1L", "Cooking oil 1 l", "bottle"),
         ("SKU-NOODLE-30", "Instant noodles x30", "box, dry goods"),
         ("SKU-APPLE-1KG", "Apples 1 kg", "fresh produce")]
CUSTOMERS = [(f"C{n:04d}", name) for n, name in enumerate(
    ["Nguyen Van An", "Tran Thi Binh", "Le Van Cuong", "Pham Thi Dung", "Hoang Van Em", "Vu Thi Giang"], 1)]

CREATED = Counter("oms_orders_created_total", "Orders created (seeded)", ["order_type"])
ADVANCED = Counter("oms_orders_advanced_total", "Status transitions made by the auto-advance cron",
                   ["from_status", "to_status"])
PAYMENT_FAILURES = Counter("oms_payment_failures_total", "Payment authorisations that failed (the order is FAILED)")
TICKS = Counter("oms_auto_advance_runs_total", "Auto-advance cron runs", ["outcome"])
ADVANCE_PERIOD = Gauge("oms_auto_advance_period_seconds", "The auto-advance period in use (compressed)")
ADVANCE_PERIOD.set(ADVANCE_SECONDS)

SCHEMA = """
CREATE TABLE IF NOT EXISTS items (item_id text PRIMARY KEY, item_name text NOT NULL, item_detail text NOT NULL);
CREATE TABLE IF NOT EXISTS orders (
  order_id text PRIMARY KEY, customer_id text NOT NULL, customer_name text NOT NULL,
  status text NOT NULL, order_type text NOT NULL, total_amount numeric(12,2) NOT NULL,
  item_id text NOT NULL REFERENCES items(item_id),
  created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX IF NOT EXISTS orders_updated_at ON orders (updated_at);
CREATE INDEX IF NOT EXISTS orders_open ON orders (status) WHERE status NOT IN ('DELIVERED', 'FAILED');
"""


def connect():
    return psycopg2.connect(DSN, connect_timeout=2)


def _schema() -> None:
    with connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(4242)")   # one replica creates the schema
        cur.execute(SCHEMA)
        psycopg2.extras.execute_values(cur, "INSERT INTO items VALUES %s ON CONFLICT DO NOTHING", ITEMS)
    conn.close()


def _health() -> dict:
    return {"advanceSeconds": ADVANCE_SECONDS, "payment": PAYMENT_URL}


app = create_app("oms", health=_health)


def require_key(x_api_key: str | None = Header(default=None)) -> None:
    if x_api_key is None or not hmac.compare_digest(x_api_key, API_KEY):
        raise HTTPException(401, "missing or wrong x-api-key")


@app.get("/api/v1/health")
def api_health():
    try:
        with connect() as conn, conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM orders WHERE status NOT IN ('DELIVERED', 'FAILED')")
            open_orders = cur.fetchone()[0]
        conn.close()
    except psycopg2.Error as exc:
        return JSONResponse({"status": "down", "database": str(exc).strip()[:200]}, status_code=503)
    return {"status": "ok", "database": "ok", "openOrders": open_orders, "advanceSeconds": ADVANCE_SECONDS}


@app.post("/api/v1/seed-mock-data", dependencies=[Depends(require_key)])
def seed_mock_data(count: int = Query(10, ge=1, le=1000)) -> dict:
    rows = []
    for _ in range(count):
        customer_id, customer_name = random.choice(CUSTOMERS)
        order_type = random.choice(("DELIVERY", "PICKUP"))
        rows.append((f"O-{uuid.uuid4().hex[:12]}", customer_id, customer_name, "PENDING", order_type,
                     round(random.uniform(20, 900), 2), random.choice(ITEMS)[0]))
    with connect() as conn, conn.cursor() as cur:
        psycopg2.extras.execute_values(
            cur, "INSERT INTO orders (order_id, customer_id, customer_name, status, order_type, total_amount, "
                 "item_id) VALUES %s", rows)
    conn.close()
    for row in rows:
        CREATED.labels(order_type=row[4]).inc()
    return {"inserted": count, "orderIds": [r[0] for r in rows]}


@app.get("/api/v1/monitor/recent", dependencies=[Depends(require_key)])
def monitor_recent(minutes: float = Query(10, gt=0, le=1440), limit: int = Query(100, ge=1, le=5000)) -> dict:
    with connect() as conn, conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        window = "o.updated_at >= now() - make_interval(secs => %s)"
        cur.execute(f"SELECT o.status, count(*) AS n FROM orders o WHERE {window} GROUP BY o.status",
                    (minutes * 60,))
        counts = {r["status"]: r["n"] for r in cur.fetchall()}
        cur.execute(f"""SELECT o.order_id, o.customer_id, o.customer_name, o.status, o.order_type,
                               o.total_amount::float AS total_amount, o.created_at, o.updated_at,
                               i.item_name, i.item_detail
                        FROM orders o JOIN items i ON i.item_id = o.item_id
                        WHERE {window} ORDER BY o.updated_at DESC LIMIT %s""", (minutes * 60, limit))
        data = [{**r, "created_at": r["created_at"].isoformat(), "updated_at": r["updated_at"].isoformat()}
                for r in cur.fetchall()]
    conn.close()
    return {"total": sum(counts.values()), "minutes": minutes,
            "statusCounts": {s: counts.get(s, 0) for s in STATUSES}, "data": data}


# -- the auto-advance cron -----------------------------------------------------------------------------
def _authorised(client: httpx.Client, order_id: str) -> bool:
    try:
        return client.get(f"{PAYMENT_URL}/payments/{order_id}").is_success
    except httpx.HTTPError:
        return False


def advance_once(client: httpx.Client) -> int:
    """One tick: every open order one step further (the ones last moved before this tick began)."""
    moved = 0
    with connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT order_id, status, order_type FROM orders WHERE status NOT IN ('DELIVERED', 'FAILED') "
                    "AND updated_at < now() ORDER BY created_at LIMIT 500")
        for order_id, status, order_type in cur.fetchall():
            if status == "PENDING":
                target = "CONFIRMED" if _authorised(client, order_id) else "FAILED"
                if target == "FAILED":
                    PAYMENT_FAILURES.inc()
            else:
                target = NEXT[(status, order_type)]
            cur.execute("UPDATE orders SET status = %s, updated_at = now() WHERE order_id = %s AND status = %s",
                        (target, order_id, status))
            ADVANCED.labels(from_status=status, to_status=target).inc()
            moved += 1
        conn.commit()
    conn.close()
    return moved


def _cron() -> None:
    with httpx.Client(timeout=PAYMENT_TIMEOUT) as client:
        while True:
            started = time.monotonic()
            try:
                moved = advance_once(client)
                TICKS.labels(outcome="ok").inc()
                if moved:
                    log.info("auto-advance", extra={"fields": {"moved": moved}})
            except Exception as exc:   # the cron outlives a database outage, like a real scheduler
                TICKS.labels(outcome="error").inc()
                log.warning("auto-advance failed", extra={"fields": {"error": str(exc)[:200]}})
            time.sleep(max(0.0, ADVANCE_SECONDS - (time.monotonic() - started)))


@app.on_event("startup")
def _start() -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            _schema()
            break
        except psycopg2.Error as exc:
            if time.monotonic() > deadline:
                raise
            log.info("waiting for the database", extra={"fields": {"error": str(exc).strip()[:120]}})
            time.sleep(0.5)
    threading.Thread(target=_cron, name="auto-advance", daemon=True).start()
    log.info("oms started", extra={"fields": {"advanceSeconds": ADVANCE_SECONDS, "payment": PAYMENT_URL}})
