"""inventory-service: stock reservations for checkouts, stored in Cassandra (inventory.reservations).

A checkout reserves stock (`POST /reservations`): the service writes a reservation row, relying on the
table's default TTL to release stock that is never confirmed. The order confirms it later
(`POST /reservations/{id}/confirm`), which consumes the reservation (the row is deleted).

The runbook's oversell risk: if the table's TTL is lowered below the time orders take to confirm,
reservations vanish while their orders are still pending; their stock looks free again and is sold
twice, and the original order fails. The service watches for exactly that: every check interval it
reads back the reservation rows of its pending orders; one that vanished before its order confirmed
counts in `inventory_reservation_expired_total` (and frees its stock, as it would in the real system);
`inventory_reservation_active_total` is how many of its reservations exist in Cassandra right now.

With INVENTORY_CHECKOUTS_PER_SECOND > 0 a background storefront keeps reserving and, after
INVENTORY_CHECKOUT_SECONDS, confirming (the business traffic the alert watches).
"""
from __future__ import annotations

import itertools
import random
import threading
import time
import uuid

from fastapi import HTTPException
from prometheus_client import Counter, Gauge
from pydantic import BaseModel, Field

from common.service import create_app, structured_logger
from inventory_service import settings
from inventory_service.store import Reservation, ReservationStore

log = structured_logger("inventory-service")

CREATED = Counter("inventory_reservation_created_total", "Reservations written to Cassandra")
CONFIRMED = Counter("inventory_reservation_confirmed_total", "Reservations consumed by a confirmed order")
RELEASED = Counter("inventory_reservation_released_total", "Reservations released on purpose (order cancelled)")
EXPIRED = Counter("inventory_reservation_expired_total",
                  "Reservations that vanished (TTL) while their order was still pending: oversell risk")
REJECTED = Counter("inventory_reservation_rejected_total", "Reservations refused for lack of stock")
ORDERS_FAILED = Counter("inventory_order_failed_total", "Orders that could not be confirmed", ["reason"])
ACTIVE = Gauge("inventory_reservation_active_total", "Reservations of pending orders that exist in Cassandra")
PENDING = Gauge("inventory_reservation_pending", "Reservations the service holds for orders not yet confirmed")
TTL = Gauge("inventory_reservation_ttl_seconds", "default_time_to_live of the reservations table (seconds)")
ERRORS = Counter("inventory_cassandra_errors_total", "Failed Cassandra operations", ["operation"])
for _reason in ("reservation_expired", "out_of_stock"):
    ORDERS_FAILED.labels(reason=_reason)
for _op in ("reserve", "confirm", "release", "check"):
    ERRORS.labels(operation=_op)

store = ReservationStore()
state = {"connected": False, "ttl": None}
pending: dict[uuid.UUID, tuple[Reservation, float]] = {}     # reservation id -> (reservation, written at)
reserved: dict[str, int] = {sku: 0 for sku in settings.SKUS}  # quantity held by pending reservations
lock = threading.Lock()
_order_ids = itertools.count(1)


def _health() -> dict:
    return {"cassandra": "up" if state["connected"] else "connecting", "reservationTtlSeconds": state["ttl"],
            "pendingReservations": len(pending)}


app = create_app("inventory-service", health=_health)


class ReserveRequest(BaseModel):
    sku: str
    quantity: int = Field(1, ge=1, le=100)
    orderId: str | None = None


def _forget(reservation_id: uuid.UUID) -> Reservation | None:
    """Drop a reservation from the pending set (under the lock); None if someone else already did."""
    with lock:
        entry = pending.pop(reservation_id, None)
        if entry:
            reserved[entry[0].sku] -= entry[0].quantity
            PENDING.set(len(pending))
        return entry[0] if entry else None


def _expired(reservation: Reservation, seen_by: str) -> None:
    EXPIRED.inc()
    log.warning("reservation vanished before its order confirmed",
                extra={"fields": {"reservationId": str(reservation.reservation_id), "sku": reservation.sku,
                                  "orderId": reservation.order_id, "detectedBy": seen_by, "ttl": state["ttl"]}})


def reserve(sku: str, quantity: int, order_id: str) -> Reservation:
    if sku not in reserved:
        raise HTTPException(404, f"unknown sku {sku!r}")
    with lock:
        if settings.STOCK_PER_SKU - reserved[sku] < quantity:
            REJECTED.inc()
            ORDERS_FAILED.labels(reason="out_of_stock").inc()
            raise HTTPException(409, f"insufficient stock for {sku}")
        reserved[sku] += quantity              # hold it while the write is in flight
    try:
        reservation = store.insert(sku, order_id, quantity)
    except Exception as exc:
        with lock:
            reserved[sku] -= quantity
        ERRORS.labels(operation="reserve").inc()
        raise HTTPException(503, f"cassandra: {type(exc).__name__}") from None
    with lock:
        pending[reservation.reservation_id] = (reservation, time.time())
        PENDING.set(len(pending))
    CREATED.inc()
    return reservation


def confirm(reservation_id: uuid.UUID) -> dict:
    try:
        row = store.get(reservation_id)
    except Exception as exc:
        ERRORS.labels(operation="confirm").inc()
        raise HTTPException(503, f"cassandra: {type(exc).__name__}") from None
    if row is None:
        reservation = _forget(reservation_id)
        if reservation is not None:            # not yet noticed by the check loop
            _expired(reservation, "confirm")
        ORDERS_FAILED.labels(reason="reservation_expired").inc()
        raise HTTPException(410, "reservation expired before the order was confirmed")
    try:
        store.delete(reservation_id)
    except Exception as exc:
        ERRORS.labels(operation="confirm").inc()
        raise HTTPException(503, f"cassandra: {type(exc).__name__}") from None
    _forget(reservation_id)
    CONFIRMED.inc()
    return {"reservationId": str(reservation_id), "status": "confirmed"}


@app.post("/reservations", status_code=201)
def create_reservation(body: ReserveRequest) -> dict:
    reservation = reserve(body.sku, body.quantity, body.orderId or f"order-{next(_order_ids)}")
    return {"reservationId": str(reservation.reservation_id), "sku": reservation.sku,
            "orderId": reservation.order_id, "quantity": reservation.quantity,
            "ttlSeconds": state["ttl"]}


@app.post("/reservations/{reservation_id}/confirm")
def confirm_reservation(reservation_id: uuid.UUID) -> dict:
    return confirm(reservation_id)


@app.delete("/reservations/{reservation_id}")
def release_reservation(reservation_id: uuid.UUID) -> dict:
    try:
        store.delete(reservation_id)
    except Exception as exc:
        ERRORS.labels(operation="release").inc()
        raise HTTPException(503, f"cassandra: {type(exc).__name__}") from None
    if _forget(reservation_id) is not None:
        RELEASED.inc()
    return {"reservationId": str(reservation_id), "status": "released"}


@app.get("/reservations/{reservation_id}")
def get_reservation(reservation_id: uuid.UUID) -> dict:
    row = store.get(reservation_id)
    if row is None:
        raise HTTPException(404, "no such reservation (confirmed, released or expired)")
    return {"reservationId": str(row.reservation_id), "sku": row.sku, "orderId": row.order_id,
            "quantity": row.quantity}


@app.get("/stock/{sku}")
def stock(sku: str) -> dict:
    if sku not in reserved:
        raise HTTPException(404, f"unknown sku {sku!r}")
    with lock:
        held = reserved[sku]
    return {"sku": sku, "onHand": settings.STOCK_PER_SKU, "reserved": held,
            "available": settings.STOCK_PER_SKU - held}


# -- background: schema, the reservation check loop, the storefront traffic ----------------------
def check_once() -> None:
    """Read back the rows of every pending reservation written before this check started."""
    started = time.time()
    with lock:
        known = [(rid, entry[0]) for rid, entry in pending.items() if entry[1] < started]
    try:
        live = store.existing([rid for rid, _ in known])
        ttl = store.default_ttl()
    except Exception as exc:  # noqa: BLE001 - an unanswered read proves nothing about expiry
        ERRORS.labels(operation="check").inc()
        log.warning("reservation check failed", extra={"fields": {"error": f"{type(exc).__name__}: {exc}"[:300]}})
        return
    state["ttl"] = ttl
    if ttl is not None:
        TTL.set(ttl)
    ACTIVE.set(len(live))
    for rid, reservation in known:
        if rid not in live and _forget(rid) is not None:
            _expired(reservation, "check")


def _check_loop() -> None:
    interval = settings.scaled(settings.CHECK_INTERVAL, minimum=0.1)
    while True:
        started = time.monotonic()
        check_once()
        time.sleep(max(0.0, interval - (time.monotonic() - started)))


RETRY_SECONDS = 0.5


def _storefront() -> None:
    """Simulated checkouts: reserve now, confirm after the checkout time (a shopper paying)."""
    rate = settings.CHECKOUTS_PER_SECOND
    checkout = settings.scaled(settings.CHECKOUT_SECONDS)
    due: list[tuple[float, uuid.UUID]] = []
    next_start = time.monotonic()
    while True:
        now = time.monotonic()
        if now >= next_start:
            next_start += 1.0 / rate
            try:
                reservation = reserve(random.choice(settings.SKUS), 1, f"storefront-{next(_order_ids)}")
                due.append((now + checkout, reservation.reservation_id))
            except HTTPException:
                pass
        while due and due[0][0] <= now:
            _, rid = due.pop(0)
            try:
                confirm(rid)
            except HTTPException as exc:
                if exc.status_code == 503:     # Cassandra did not answer: the shopper retries shortly
                    due.append((now + RETRY_SECONDS, rid))
                    due.sort()
        time.sleep(max(0.0, min(next_start, due[0][0] if due else next_start) - time.monotonic()))


def _start() -> None:
    baseline = round(settings.scaled(settings.BASELINE_TTL, minimum=1))
    while not state["connected"]:
        try:
            store.connect(baseline)
            state["connected"] = True
        except Exception as exc:  # noqa: BLE001 - Cassandra may still be starting
            log.warning("cassandra not ready", extra={"fields": {"error": f"{type(exc).__name__}: {exc}"[:300]}})
            time.sleep(1)
    state["ttl"] = store.default_ttl()
    log.info("connected", extra={"fields": {"contactPoints": settings.CONTACT_POINTS, "baselineTtl": baseline,
                                            "tableTtl": state["ttl"], "timeScale": settings.TIME_SCALE}})
    threading.Thread(target=_check_loop, name="reservation-check", daemon=True).start()
    if settings.CHECKOUTS_PER_SECOND > 0:
        threading.Thread(target=_storefront, name="storefront", daemon=True).start()


@app.on_event("startup")
def _startup() -> None:
    _start()
