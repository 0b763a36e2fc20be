"""Redis-backed fixed-window rate limiter that fails open.

When Redis errors the send is allowed (campaigns must not stop because a cache is down) but
every error is counted in notification_rate_limit_errors_total{operation}, which is what the
NotificationRateLimiterErrors alert watches.
"""
from __future__ import annotations

import time

import redis
from prometheus_client import Counter

RATE_LIMIT_ERRORS = Counter(
    "notification_rate_limit_errors_total",
    "Redis errors met by the notification rate limiter (it fails open on them)",
    ["operation"],
)
for _op in ("incr", "expire"):
    RATE_LIMIT_ERRORS.labels(operation=_op)


class RateLimiter:
    def __init__(self, client: redis.Redis, limit: int, window_seconds: int, log) -> None:
        self._redis = client
        self.limit = limit
        self.window_seconds = window_seconds
        self._log = log

    def allow(self, channel: str, customer_id: str) -> bool:
        """True when this send fits in the current window (or Redis cannot tell)."""
        window = int(time.time() // self.window_seconds)
        key = f"notification:ratelimit:{channel}:{customer_id}:{window}"
        try:
            count = self._redis.incr(key)
        except redis.RedisError as exc:
            return self._fail_open("incr", exc)
        if count == 1:
            try:
                self._redis.expire(key, self.window_seconds)
            except redis.RedisError as exc:
                self._fail_open("expire", exc)
        return count <= self.limit

    def _fail_open(self, operation: str, exc: Exception) -> bool:
        RATE_LIMIT_ERRORS.labels(operation=operation).inc()
        self._log.warning("rate limiter failing open", extra={"fields": {"operation": operation, "error": str(exc)}})
        return True
