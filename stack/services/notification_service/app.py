"""notification-service: creates and sends customer notifications over channels.

A small but real reference for the team's service: an in-memory notification store, a
Redis rate limiter per channel and customer (fail-open), opt-out preferences, and delivery
through the provider over HTTP. notification_failure_total counts only what the provider really
did: an error answer, a timeout or no connection on `POST /messages` (drills make the provider
reject chosen notifications, or stop it; nothing here increments a metric on request).
Metrics follow the runbook's names.
"""
from __future__ import annotations

import itertools
import os
import threading
import time

import httpx
import redis
from fastapi import HTTPException
from prometheus_client import Counter, Histogram
from pydantic import BaseModel, Field

from common.service import create_app, structured_logger
from notification_service.ratelimit import RateLimiter

CHANNELS = ("email", "sms", "push")
TOPICS = ("order", "support", "fulfillment", "marketing")

log = structured_logger("notification-service")

SENT = Counter("notification_sent_total", "Notifications delivered to the provider", ["channel"])
FAILED = Counter("notification_failure_total", "Notifications the provider failed to deliver", ["channel"])
DROPPED = Counter("notification_events_dropped_total", "Notifications not sent, by reason", ["reason"])
OPT_OUTS = Counter("notification_opt_out_total", "Customers opting out of a channel", ["channel"])
LATENCY = Histogram("notification_send_latency_seconds", "Time to send one notification", ["channel"])
for _reason in ("rate_limited", "opted_out", "invalid_payload", "unsupported_topic"):
    DROPPED.labels(reason=_reason)
for _channel in CHANNELS:
    SENT.labels(channel=_channel), FAILED.labels(channel=_channel), OPT_OUTS.labels(channel=_channel)

redis_client = redis.Redis.from_url(
    os.environ.get("SERVICE_REDIS_URL", "redis://redis:6379/0"),
    socket_timeout=float(os.environ.get("SERVICE_REDIS_TIMEOUT_SECONDS", "0.25")),
    socket_connect_timeout=float(os.environ.get("SERVICE_REDIS_TIMEOUT_SECONDS", "0.25")),
)
limiter = RateLimiter(
    redis_client,
    limit=int(os.environ.get("NOTIFICATION_RATE_LIMIT", "100")),
    window_seconds=int(os.environ.get("NOTIFICATION_RATE_WINDOW_SECONDS", "60")),
    log=log,
)


def _redis_health() -> dict:
    try:
        redis_client.ping()
        return {"redis": "up"}
    except redis.RedisError:
        return {"redis": "down", "rate_limiter": "failing-open"}


app = create_app("notification-service", health=_redis_health)
provider = httpx.Client(base_url=os.environ.get("NOTIFICATION_PROVIDER_URL", "http://notification-provider:8000"),
                        timeout=float(os.environ.get("NOTIFICATION_PROVIDER_TIMEOUT_SECONDS", "2")))
_ids = itertools.count(1)
_lock = threading.Lock()
_notifications: dict[int, dict] = {}
_opted_out: dict[str, set[str]] = {}


class NotificationIn(BaseModel):
    customerId: str = Field(min_length=1)
    channel: str
    topic: str
    message: str = ""


class Preferences(BaseModel):
    optedOut: list[str] = []


def _get(notification_id: int) -> dict:
    try:
        return _notifications[notification_id]
    except KeyError:
        raise HTTPException(404, f"notification {notification_id} not found") from None


@app.post("/notifications", status_code=201)
def create_notification(body: NotificationIn) -> dict:
    if body.channel not in CHANNELS:
        DROPPED.labels(reason="invalid_payload").inc()
        raise HTTPException(422, f"unknown channel {body.channel!r}; expected one of {', '.join(CHANNELS)}")
    if body.topic not in TOPICS:
        DROPPED.labels(reason="unsupported_topic").inc()
        raise HTTPException(422, f"unsupported topic {body.topic!r}; expected one of {', '.join(TOPICS)}")
    with _lock:
        notification = {"id": next(_ids), **body.dict(), "status": "created"}  # pydantic 1 (Debian 12)
        _notifications[notification["id"]] = notification
    return notification


@app.get("/notifications/{notification_id}")
def get_notification(notification_id: int) -> dict:
    return _get(notification_id)


def _provider_error(exc: httpx.HTTPError) -> str:
    if isinstance(exc, httpx.HTTPStatusError):
        return f"{exc.response.status_code}: {exc.response.text[:200]}"
    return f"{type(exc).__name__}: {str(exc)[:200]}"


@app.post("/notifications/{notification_id}/send")
def send_notification(notification_id: int) -> dict:
    notification = _get(notification_id)
    channel, customer = notification["channel"], notification["customerId"]
    started = time.perf_counter()
    if channel in _opted_out.get(customer, set()):
        DROPPED.labels(reason="opted_out").inc()
        notification["status"] = "dropped"
        return notification
    if not limiter.allow(channel, customer):
        DROPPED.labels(reason="rate_limited").inc()
        notification["status"] = "rate_limited"
        raise HTTPException(429, f"rate limit of {limiter.limit}/{limiter.window_seconds}s reached for {channel}:{customer}")
    try:
        provider.post("/messages", json={"notificationId": notification_id, "customerId": customer,
                                         "channel": channel, "message": notification["message"]}).raise_for_status()
    except httpx.HTTPError as exc:   # the provider answered an error, timed out or could not be reached
        notification["status"] = "failed"
        notification["providerError"] = _provider_error(exc)
        FAILED.labels(channel=channel).inc()
        LATENCY.labels(channel=channel).observe(time.perf_counter() - started)
        log.warning("provider failed", extra={"fields": {"id": notification_id, "error": str(exc)[:200]}})
        raise HTTPException(502, f"provider could not deliver notification {notification_id}: {exc}") from None
    notification["status"] = "sent"
    notification.pop("providerError", None)
    SENT.labels(channel=channel).inc()
    LATENCY.labels(channel=channel).observe(time.perf_counter() - started)
    return notification


@app.get("/notifications/preferences/{customer_id}")
def get_preferences(customer_id: str) -> dict:
    return {"customerId": customer_id, "optedOut": sorted(_opted_out.get(customer_id, set()))}


@app.put("/notifications/preferences/{customer_id}")
def put_preferences(customer_id: str, body: Preferences) -> dict:
    unknown = set(body.optedOut) - set(CHANNELS)
    if unknown:
        raise HTTPException(422, f"unknown channel(s) {sorted(unknown)}; expected {', '.join(CHANNELS)}")
    before = _opted_out.get(customer_id, set())
    for channel in set(body.optedOut) - before:
        OPT_OUTS.labels(channel=channel).inc()
    _opted_out[customer_id] = set(body.optedOut)
    return get_preferences(customer_id)
