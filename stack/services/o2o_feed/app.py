"""The O2O order feed: the sales channels placing orders with OMS, at a steady pace.

It calls OMS's POST /api/v1/seed-mock-data (with the x-api-key) ORDERS_PER_MINUTE times a minute of production
time (the test stack multiplies the pace by O2O_TIME_FACTOR, as it compresses every other period). The
seed's drill "pause seeding for more than 10 minutes" is this container paused (`docker compose pause
o2o-order-feed`); `unpause` resumes it. /metrics counts the orders it placed and the calls that failed.
"""
from __future__ import annotations

import os
import threading
import time

import httpx
from prometheus_client import Counter

from common.service import create_app, structured_logger

log = structured_logger("o2o-order-feed")
OMS_URL = os.environ.get("OMS_URL", "http://oms:3001").rstrip("/")
API_KEY = os.environ.get("OMS_API_KEY", "oms-test-key")
TIME_FACTOR = float(os.environ.get("O2O_TIME_FACTOR", "1") or 1)
PER_MINUTE = float(os.environ.get("O2O_FEED_ORDERS_PER_MINUTE", "2"))
PERIOD = 60.0 / (PER_MINUTE * TIME_FACTOR)

PLACED = Counter("o2o_feed_orders_placed_total", "Orders the feed placed with OMS")
FAILED = Counter("o2o_feed_failures_total", "Feed calls OMS did not accept", ["reason"])

app = create_app("o2o-order-feed", health=lambda: {"oms": OMS_URL, "periodSeconds": round(PERIOD, 3)})


def _feed() -> None:
    with httpx.Client(timeout=5.0, headers={"x-api-key": API_KEY}) as client:
        next_at = time.monotonic()
        while True:
            try:
                response = client.post(f"{OMS_URL}/api/v1/seed-mock-data", params={"count": 1})
                if response.is_success:
                    PLACED.inc()
                else:
                    FAILED.labels(reason=str(response.status_code)).inc()
            except httpx.HTTPError as exc:
                FAILED.labels(reason=type(exc).__name__).inc()
            next_at += PERIOD
            time.sleep(max(0.0, next_at - time.monotonic()))
            next_at = max(next_at, time.monotonic() - PERIOD)   # after a pause: no burst to catch up


@app.on_event("startup")
def _start() -> None:
    threading.Thread(target=_feed, name="feed", daemon=True).start()
    log.info("feed started", extra={"fields": {"oms": OMS_URL, "periodSeconds": PERIOD}})
