"""order-, payment- and fulfillment-service: the downstreams of the support timeline.

One small reference app, three deployments (SERVICE_KIND=order|payment|fulfillment). Each answers
real HTTP with deterministic data per order id, records the events it serves, and exposes the
drill hooks of common.faults (latency, 5xx) so the harness can make a downstream slow or failing.

fulfillment-service with FULFILLMENT_ARTIFACTS_ENDPOINT set (compose profile `minio`) has a real
MinIO side instead (commerce/artifacts.py): a label worker process (commerce/label_worker.py)
moves artifacts pending/ -> ready/, the order's fulfillment events are its ready labels, and the
backlog gauges come from this process' own listing of the bucket.
"""
from __future__ import annotations

import hashlib
import os
import time

from fastapi import HTTPException
from fastapi.responses import JSONResponse
from prometheus_client import Counter

from common.faults import install_fault_hooks
from common.service import create_app, structured_logger

KIND = os.environ.get("SERVICE_KIND", "order")
if KIND not in ("order", "payment", "fulfillment"):
    raise SystemExit(f"SERVICE_KIND must be order, payment or fulfillment, got {KIND!r}")

log = structured_logger(f"{KIND}-service")
artifacts = None
if KIND == "fulfillment":
    from commerce.artifacts import from_environment
    artifacts = from_environment(log)


def _health() -> dict:
    if artifacts is None:
        return {}
    return {"artifacts": "ready" if artifacts.ready else f"not ready: {artifacts.last_error or 'starting'}",
            "bucket": artifacts.bucket, "endpoint": artifacts.endpoint, "timeFactor": artifacts.factor,
            **artifacts.health()}


app = create_app(f"{KIND}-service", health=_health)
install_fault_hooks(app, log)
REQUESTS = Counter(f"{KIND}_service_requests_total", f"Requests served by {KIND}-service", ["route"])
_EVENTS = {"order": ["order.created", "order.confirmed"],
           "payment": ["payment.authorized", "payment.captured"],
           "fulfillment": ["fulfillment.packed", "status.shipped"]}

if artifacts is not None:
    @app.middleware("http")
    async def _not_ready(request, call_next):
        """/health answers 503 until the bucket exists (compose waits for it)."""
        if request.url.path == "/health" and not artifacts.ready:
            return JSONResponse({"status": "starting", **_health()}, status_code=503)
        return await call_next(request)

    artifacts.start()


def _seed(order_id: str) -> int:
    return int(hashlib.sha256(f"{KIND}:{order_id}".encode()).hexdigest()[:8], 16)


@app.get(f"/{KIND}s/{{order_id}}")
def events(order_id: str) -> dict:
    """The events this service knows for an order (what the support timeline aggregates)."""
    if not order_id or len(order_id) > 64 or "/" in order_id:
        raise HTTPException(422, "order id must be 1-64 characters without '/'")
    REQUESTS.labels(route=f"/{KIND}s/{{order_id}}").inc()
    if artifacts is not None:
        return {"orderId": order_id, "source": KIND, "events": artifacts.order_events(order_id)}
    base = time.time() - 3600 - _seed(order_id) % 3600
    return {"orderId": order_id, "source": KIND,
            "events": [{"type": e, "at": round(base + i * 300, 3), "source": KIND}
                       for i, e in enumerate(_EVENTS[KIND])]}
