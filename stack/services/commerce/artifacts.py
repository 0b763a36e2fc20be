"""fulfillment-service's MinIO side: shipping-label artifacts, the label worker and its backlog metrics.

Bucket layout (FULFILLMENT_ARTIFACTS_BUCKET, default `fulfillment-artifacts`):
  pending/<order>/<label>.pdf   labels waiting for the worker (written when an order enters fulfillment)
  ready/<order>/<label>.pdf     labels the worker produced; each one is a `fulfillment.packed` +
                                `status.shipped` event of the order (metadata `processed-at`)
  anything else outside ready/  is also waiting (a carrier upload, the chaos drill's
                                `chaos/fulfillment-delay/<order>/...`): the worker's queue is the
                                whole bucket except ready/.
An artifact whose `hold-until` metadata (ISO 8601, UTC) is in the future is *held*: the worker
skips it and every later artifact of the same order (labels of an order ship in order).

Metrics are computed from the worker's listing of the bucket, refreshed every pass (0.5 s), so a scrape
never waits for MinIO (MinIO's own bucket-usage metrics lag by minutes); ages are computed at scrape time:
  fulfillment_artifacts_backlog_objects{bucket,prefix}, fulfillment_artifacts_backlog_bytes{bucket,prefix}
  fulfillment_lag_minutes{bucket}: how far behind the oldest waiting artifact is, in minutes:
      max over waiting artifacts of (max(now, hold-until) - uploaded), i.e. its age, or, when it is
      held, the time from its upload until its hold ends (it cannot ship earlier).
Durations are production minutes: the test stack runs on compressed time (FULFILLMENT_TIME_FACTOR,
the harness' time factor, 30 by default), so one real second counts as `factor` seconds.
"""
from __future__ import annotations

import io
import os
import threading
import time
from datetime import datetime, timezone

from minio import Minio
from minio.commonconfig import REPLACE, CopySource
from minio.error import S3Error
from prometheus_client import Counter
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY

READY = "ready/"
PENDING = "pending/"
HOLD_KEY = "hold-until"


def parse_time(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.strip().replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def format_time(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _meta(obj) -> dict[str, str]:
    """User metadata of a listed object, keys lower-cased without the x-amz-meta- prefix (listing keys
    are case-sensitive, e.g. X-Amz-Meta-Hold-Until)."""
    out = {}
    for key, value in (obj.metadata or {}).items():
        key = key.lower()
        if key.startswith("x-amz-meta-"):
            out[key[len("x-amz-meta-"):]] = value
    return out


def split_key(key: str) -> tuple[str, str, str]:
    """(prefix, order, name) of `<prefix...>/<order>/<name>`."""
    parts = key.split("/")
    if len(parts) < 3:
        return ("", parts[0] if len(parts) == 2 else "", parts[-1])
    return "/".join(parts[:-2]) + "/", parts[-2], parts[-1]


class ArtifactStore:
    def __init__(self, endpoint: str, access_key: str, secret_key: str, bucket: str, time_factor: float,
                 log, label_every_minutes: float = 5.0) -> None:
        self.client = Minio(endpoint, access_key=access_key, secret_key=secret_key, secure=False)
        self.bucket, self.factor, self.log = bucket, time_factor, log
        self.endpoint = endpoint
        self.label_every = label_every_minutes * 60 / time_factor   # real seconds between an order's labels
        self.ready = False
        self.last_error = ""
        self.stale_after = 10.0
        self._queued: dict[str, float] = {}   # order -> when its last label was queued by order_events
        self._snapshot: tuple[float, list] = (0.0, [])   # (listed at, [(prefix, order, bytes, uploaded, hold-until)])
        self._lock = threading.Lock()
        self.processed = Counter("fulfillment_labels_processed_total", "Labels the worker moved to ready/")
        self.worker_errors = Counter("fulfillment_label_worker_errors_total", "Worker passes that failed")
        REGISTRY.register(_BacklogCollector(self))

    # -- bucket ------------------------------------------------------------------------------
    def ensure_bucket(self) -> None:
        if not self.client.bucket_exists(self.bucket):
            try:
                self.client.make_bucket(self.bucket)
                self.log.info("bucket created", extra={"fields": {"bucket": self.bucket}})
            except S3Error as exc:
                if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                    raise
        self.ready = True

    def waiting(self) -> list:
        """Every artifact outside ready/, oldest first."""
        objects = [o for o in self.client.list_objects(self.bucket, recursive=True, include_user_meta=True)
                   if not o.object_name.startswith(READY) and not o.is_dir]
        return sorted(objects, key=lambda o: o.last_modified)

    def backlog(self) -> dict:
        """The backlog as of the worker's last listing (refreshed every pass, ~0.5 s): scrapes stay fast
        however slow MinIO is; ages are computed now, so they keep growing if the worker stalls."""
        listed_at, items = self._snapshot
        now = time.time()
        by_prefix: dict[str, list[int]] = {}
        lag = 0.0
        held = 0
        for prefix, _order, size, uploaded, hold in items:
            count = by_prefix.setdefault(prefix, [0, 0])
            count[0] += 1
            count[1] += size
            held += hold is not None and hold > now
            lag = max(lag, max(now, hold or now) - uploaded)
        return {"prefixes": by_prefix, "lag_minutes": lag * self.factor / 60, "held": held,
                "listing_age": now - listed_at}

    # -- the label worker ----------------------------------------------------------------------
    def process_once(self) -> int:
        """One pass: list the waiting artifacts, move the processable ones to ready/, remember the rest."""
        now = time.time()
        blocked: set[str] = set()
        done = 0
        remaining = []
        for obj in self.waiting():
            prefix, order, name = split_key(obj.object_name)
            hold = parse_time(_meta(obj).get(HOLD_KEY))
            if order in blocked or (hold is not None and hold > now):
                blocked.add(order)
                remaining.append((prefix, order, obj.size or 0, obj.last_modified.timestamp(), hold))
                continue
            target = f"{READY}{order}/{name}"
            self.client.copy_object(
                self.bucket, target, CopySource(self.bucket, obj.object_name), metadata_directive=REPLACE,
                metadata={"order-id": order, "processed-at": format_time(time.time()),
                          "uploaded-at": format_time(obj.last_modified.timestamp()), "source-key": obj.object_name})
            self.client.remove_object(self.bucket, obj.object_name)
            self.processed.inc()
            done += 1
            self.log.info("label ready", extra={"fields": {"order": order, "from": obj.object_name, "to": target}})
        self._snapshot = (now, remaining)
        return done

    def run_worker(self, interval: float) -> None:
        while True:
            try:
                if not self.ready:
                    self.ensure_bucket()
                self.process_once()
                self.last_error = ""
            except Exception as exc:  # noqa: BLE001 - keep working; the error is logged and counted
                self.worker_errors.inc()
                if str(exc) != self.last_error:
                    self.log.warning("label worker pass failed", extra={"fields": {"error": str(exc)[:300]}})
                self.last_error = str(exc)
            time.sleep(interval)

    def start(self, interval: float = 0.5) -> None:
        self.stale_after = max(10.0, 20 * interval)
        threading.Thread(target=self.run_worker, args=(interval,), daemon=True, name="label-worker").start()

    # -- events of an order --------------------------------------------------------------------
    def order_events(self, order_id: str) -> list[dict]:
        """Shipment events from the order's ready labels; an order with nothing waiting and no label
        within label_every gets its next label queued (the order's next parcel enters fulfillment)."""
        events = []
        newest = 0.0
        for obj in self.client.list_objects(self.bucket, prefix=f"{READY}{order_id}/", recursive=True,
                                            include_user_meta=True):
            meta = _meta(obj)
            processed = parse_time(meta.get("processed-at")) or obj.last_modified.timestamp()
            uploaded = parse_time(meta.get("uploaded-at")) or processed
            newest = max(newest, processed)
            label = split_key(obj.object_name)[2]
            events += [{"type": "fulfillment.packed", "at": round(uploaded, 3), "source": "fulfillment", "label": label},
                       {"type": "status.shipped", "at": round(processed, 3), "source": "fulfillment", "label": label}]
        with self._lock:
            if time.time() - newest >= self.label_every and not self._has_waiting(order_id):
                self._queue_label(order_id)
        return sorted(events, key=lambda e: e["at"])

    def _has_waiting(self, order_id: str) -> bool:
        """From the worker's last listing, plus the labels queued since (not listed yet)."""
        listed_at, items = self._snapshot
        return any(item[1] == order_id for item in items) or self._queued.get(order_id, 0.0) > listed_at

    def _queue_label(self, order_id: str) -> None:
        body = b"%PDF-1.4\n% shipping label for order " + order_id.encode() + b"\n" + b"0" * 2048
        name = f"{PENDING}{order_id}/label-{int(time.time() * 1000)}.pdf"
        self.client.put_object(self.bucket, name, io.BytesIO(body), len(body), content_type="application/pdf",
                               metadata={"order-id": order_id})
        self._queued[order_id] = time.time()
        if len(self._queued) > 10000:
            self._queued.clear()


class _BacklogCollector:
    """Backlog gauges from the worker's last listing of the bucket; ages computed at scrape time."""

    def __init__(self, store: ArtifactStore) -> None:
        self.store = store

    def describe(self):
        return []

    def collect(self):
        objects = GaugeMetricFamily("fulfillment_artifacts_backlog_objects",
                                    "Artifacts waiting outside ready/ (the label worker lists the bucket every pass)",
                                    labels=["bucket", "prefix"])
        size = GaugeMetricFamily("fulfillment_artifacts_backlog_bytes", "Bytes of the waiting artifacts",
                                 labels=["bucket", "prefix"])
        lag = GaugeMetricFamily("fulfillment_lag_minutes",
                                "Minutes the oldest waiting artifact is behind: its age, or upload to hold-until "
                                "when held (production minutes)", labels=["bucket"])
        up = GaugeMetricFamily("fulfillment_artifacts_store_up", "1 when the worker listed the bucket recently",
                               labels=["bucket"])
        held = GaugeMetricFamily("fulfillment_artifacts_held_objects",
                                 "Waiting artifacts whose hold-until is in the future", labels=["bucket"])
        backlog = self.store.backlog()
        if not self.store.ready or backlog["listing_age"] > self.store.stale_after:
            up.add_metric([self.store.bucket], 0)   # no recent listing: the backlog is unknown
            yield up
            return
        prefixes = backlog["prefixes"] or {PENDING: [0, 0]}
        prefixes.setdefault(PENDING, [0, 0])
        for prefix, (count, total) in sorted(prefixes.items()):
            objects.add_metric([self.store.bucket, prefix], count)
            size.add_metric([self.store.bucket, prefix], total)
        lag.add_metric([self.store.bucket], round(backlog["lag_minutes"], 3))
        up.add_metric([self.store.bucket], 1)
        held.add_metric([self.store.bucket], backlog["held"])
        yield from (objects, size, lag, held, up)


def from_environment(log) -> ArtifactStore | None:
    endpoint = os.environ.get("FULFILLMENT_ARTIFACTS_ENDPOINT", "").strip()
    if not endpoint:
        return None
    return ArtifactStore(
        endpoint,
        access_key=os.environ.get("MINIO_ROOT_USER", "chaos-minio"),
        secret_key=os.environ.get("MINIO_ROOT_PASSWORD", "chaos-minio-test-only"),
        bucket=os.environ.get("FULFILLMENT_ARTIFACTS_BUCKET", "fulfillment-artifacts"),
        time_factor=float(os.environ.get("FULFILLMENT_TIME_FACTOR", "1") or 1),
        label_every_minutes=float(os.environ.get("FULFILLMENT_LABEL_EVERY_MINUTES", "5")),
        log=log,
    )
