"""TimelineAggregator: a case's timeline from order, payment and fulfillment services, cached in Redis.

A cache entry that cannot be decoded counts as a cache error (stage cache_decode) and is *not*
overwritten: the case is served from the remote sources until someone refreshes its timeline
(`POST /support/cases/{id}/timeline/refresh`), which is the runbook's remediation.
"""
from __future__ import annotations

import json
import time

import httpx
import redis

from support_service.metrics import CACHE_EVENTS, COLLECTION_FAILURES, TIMELINE_COLLECT

SOURCES = ("order", "payment", "fulfillment")


class TimelineAggregator:
    def __init__(self, cache: redis.Redis, source_urls: dict[str, str], ttl_seconds: int, log,
                 timeout: float = 5.0) -> None:
        self.cache, self.ttl, self.log = cache, ttl_seconds, log
        self.sources = {name: url.rstrip("/") for name, url in source_urls.items() if url}
        self.http = httpx.Client(timeout=timeout)

    @staticmethod
    def key(case_id: int) -> str:
        return f"support:timeline:{case_id}"

    def get(self, case_id: int, order_id: str) -> dict:
        started = time.perf_counter()
        cached, cache_usable = self._read_cache(case_id)
        if cached is not None:
            TIMELINE_COLLECT.labels(source="cache").observe(time.perf_counter() - started)
            return {**cached, "source": "cache"}
        timeline = self._collect_remote(order_id)
        if cache_usable:
            self._write_cache(case_id, timeline)
        TIMELINE_COLLECT.labels(source="remote").observe(time.perf_counter() - started)
        return {**timeline, "source": "remote"}

    def refresh(self, case_id: int, order_id: str) -> dict:
        try:
            self.cache.delete(self.key(case_id))
            CACHE_EVENTS.labels(event="invalidate").inc()
        except redis.RedisError as exc:
            self._cache_failure("cache", exc)
        return self.get(case_id, order_id)

    def _read_cache(self, case_id: int) -> tuple[dict | None, bool]:
        try:
            raw = self.cache.get(self.key(case_id))
        except redis.RedisError as exc:
            self._cache_failure("cache", exc)
            return None, False
        if raw is None:
            CACHE_EVENTS.labels(event="miss").inc()
            return None, True
        try:
            value = json.loads(raw)
            if not isinstance(value, dict) or not isinstance(value.get("events"), list):
                raise ValueError("not a timeline")
        except ValueError as exc:
            self._cache_failure("cache_decode", exc)
            return None, False
        CACHE_EVENTS.labels(event="hit").inc()
        return value, True

    def _write_cache(self, case_id: int, timeline: dict) -> None:
        try:
            self.cache.set(self.key(case_id), json.dumps(timeline), ex=self.ttl)
            CACHE_EVENTS.labels(event="write").inc()
        except redis.RedisError as exc:
            self._cache_failure("cache", exc)

    def _cache_failure(self, stage: str, exc: Exception) -> None:
        CACHE_EVENTS.labels(event="error").inc()
        COLLECTION_FAILURES.labels(stage=stage).inc()
        self.log.warning("timeline cache failure", extra={"fields": {"stage": stage, "error": str(exc)[:200]}})

    def _collect_remote(self, order_id: str) -> dict:
        events, unavailable = [], []
        for name, url in self.sources.items():
            try:
                response = self.http.get(f"{url}/{name}s/{order_id}")
                response.raise_for_status()
                events.extend(response.json()["events"])
            except (httpx.HTTPError, KeyError, ValueError) as exc:
                COLLECTION_FAILURES.labels(stage="http").inc()
                unavailable.append(name)
                self.log.warning("timeline source failed", extra={"fields": {"source": name, "error": str(exc)[:200]}})
        try:
            events.sort(key=lambda e: e["at"])
        except (KeyError, TypeError) as exc:
            COLLECTION_FAILURES.labels(stage="aggregate").inc()
            self.log.warning("timeline aggregation failed", extra={"fields": {"error": str(exc)}})
            events = []
        return {"orderId": order_id, "events": events, "unavailableSources": unavailable,
                "collectedAt": time.time()}
