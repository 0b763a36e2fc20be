"""fulfillment-service's MinIO side: shipping-label artifacts, the label worker and the backlog metrics.

Bucket layout (FULFILLMENT_ARTIFACTS_BUCKET, default `fulfillment-artifacts`):
  pending/<order>/<label>.pdf   labels waiting for the worker (written when an order enters fulfillment)
  ready/<order>/<label>.pdf     labels the worker produced; each one is a `fulfillment.packed` +
                                `status.shipped` event of the order (metadata `processed-at`)
  anything else outside ready/  is also waiting (a carrier upload, the chaos drill's
                                `chaos/fulfillment-delay/<order>/...`): the worker's queue is the
                                whole bucket except ready/.
An artifact whose `hold-until` metadata (ISO 8601, UTC) is in the future is *held*: the worker
skips it and every later artifact of the same order (labels of an order ship in order).

Two processes share the bucket:
  - the **label worker** (commerce/label_worker.py, its own OS process, started and restarted when it
    exits by the web process; pid in <state dir>/label-worker.pid) moves waiting labels to ready/ every
    0.5 s and writes its counters to <state dir>/label-worker.json;
  - the **web process** serves the API and /metrics. Its backlog monitor lists the bucket every 0.5 s on
    its own, so the gauges describe the bucket whether or not the worker is alive, and a scrape never
    waits for MinIO (MinIO's own bucket-usage metrics lag by minutes). Ages are computed at scrape time:
  fulfillment_artifacts_backlog_objects{bucket,prefix}, fulfillment_artifacts_backlog_bytes{bucket,prefix}
  fulfillment_artifacts_held_objects{bucket}
  fulfillment_lag_minutes{bucket}: the age of the oldest artifact still waiting (now - its upload), the
      observed delay of the label pipeline: it grows while labels wait, whatever makes them wait.
  fulfillment_artifacts_store_up{bucket}: 0 when no listing succeeded for 10 s (the gauges are withheld)
  fulfillment_labels_processed_total, fulfillment_label_worker_errors_total: the worker's counters.
Durations are production minutes: the test stack runs on compressed time (FULFILLMENT_TIME_FACTOR,
the harness' time factor, 30 by default), so one real second counts as `factor` seconds.
"""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import urllib3
from minio import Minio
from minio.commonconfig import REPLACE, CopySource
from minio.error import S3Error
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import REGISTRY

READY = "ready/"
PENDING = "pending/"
HOLD_KEY = "hold-until"
PID_FILE, STATE_FILE = "label-worker.pid", "label-worker.json"


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


@dataclass(frozen=True)
class Waiting:
    """One artifact outside ready/."""
    key: str
    prefix: str
    order: str
    size: int
    uploaded: float          # unix seconds (MinIO's last-modified)
    hold: float | None       # hold-until, unix seconds


def bounded_http() -> urllib3.PoolManager:
    """The S3 client's connections with bounds. The minio package's defaults wait 5 min for a connect or a read
    and honour Retry-After, which MinIO sets to 120 s on its 503 while starting (XMinioServerNotInitialized):
    the first listing, made as MinIO came up, slept past the healthcheck's minute and compose gave up on this
    service (CI 2026-12-02). A failed call here raises within seconds and the next pass tries again."""
    return urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=2.0, read=10.0), maxsize=10,
        retries=urllib3.Retry(total=2, backoff_factor=0.2, status_forcelist=(500, 502, 503, 504),
                              respect_retry_after_header=False))


class ArtifactStore:
    """The bucket: what waits, moving a label to ready/, an order's ready labels, queueing its next label."""

    def __init__(self, endpoint: str, access_key: str, secret_key: str, bucket: str, time_factor: float,
                 log) -> None:
        self.client = Minio(endpoint, access_key=access_key, secret_key=secret_key, secure=False,
                            http_client=bounded_http())
        self.endpoint, self.bucket, self.factor, self.log = endpoint, bucket, time_factor, log

    def ensure_bucket(self) -> None:
        if self.client.bucket_exists(self.bucket):
            return
        try:
            self.client.make_bucket(self.bucket)
            self.log.info("bucket created", extra={"fields": {"bucket": self.bucket}})
        except S3Error as exc:
            if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise

    def _listed(self, obj) -> Waiting:
        prefix, order, _name = split_key(obj.object_name)
        return Waiting(obj.object_name, prefix, order, obj.size or 0, obj.last_modified.timestamp(),
                       parse_time(_meta(obj).get(HOLD_KEY)))

    def waiting(self) -> list[Waiting]:
        """Every artifact outside ready/, oldest first. ready/ is never listed (it only grows)."""
        items = []
        for entry in self.client.list_objects(self.bucket, include_user_meta=True):   # top level
            if not entry.is_dir:
                items.append(self._listed(entry))
            elif entry.object_name != READY:
                items += [self._listed(o) for o in self.client.list_objects(
                    self.bucket, prefix=entry.object_name, recursive=True, include_user_meta=True) if not o.is_dir]
        return sorted(items, key=lambda w: w.uploaded)

    def move_to_ready(self, item: Waiting) -> str:
        target = f"{READY}{item.order}/{split_key(item.key)[2]}"
        self.client.copy_object(
            self.bucket, target, CopySource(self.bucket, item.key), metadata_directive=REPLACE,
            metadata={"order-id": item.order, "processed-at": format_time(time.time()),
                      "uploaded-at": format_time(item.uploaded), "source-key": item.key})
        self.client.remove_object(self.bucket, item.key)
        return target

    def ready_labels(self, order_id: str) -> list:
        return list(self.client.list_objects(self.bucket, prefix=f"{READY}{order_id}/", recursive=True,
                                             include_user_meta=True))

    def queue_label(self, order_id: str) -> str:
        body = b"%PDF-1.4\n% shipping label for order " + order_id.encode() + b"\n" + b"0" * 2048
        name = f"{PENDING}{order_id}/label-{int(time.time() * 1000)}.pdf"
        self.client.put_object(self.bucket, name, io.BytesIO(body), len(body), content_type="application/pdf",
                               metadata={"order-id": order_id})
        return name


# -- the label worker (its own process: commerce/label_worker.py) ------------------------------------
class LabelWorker:
    """Moves waiting labels to ready/ in upload order, skipping held ones and the later labels of their order."""

    def __init__(self, store: ArtifactStore, state_dir: Path, log) -> None:
        self.store, self.log = store, log
        self.state_file = state_dir / STATE_FILE
        self.processed = self.errors = 0
        self.last_error = ""

    def process_once(self) -> int:
        now = time.time()
        blocked: set[str] = set()
        done = 0
        for item in self.store.waiting():
            if item.order in blocked or (item.hold is not None and item.hold > now):
                blocked.add(item.order)
                continue
            target = self.store.move_to_ready(item)
            self.processed += 1
            done += 1
            self.log.info("label ready", extra={"fields": {"order": item.order, "from": item.key, "to": target}})
        return done

    def _write_state(self) -> None:
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps({"pid": os.getpid(), "processed": self.processed, "errors": self.errors,
                                   "lastPassAt": time.time(), "lastError": self.last_error}))
        tmp.replace(self.state_file)

    def run(self, interval: float) -> None:
        self.log.info("label worker started", extra={"fields": {"pid": os.getpid(), "interval": interval}})
        bucket_ready = False
        while True:
            try:
                if not bucket_ready:
                    self.store.ensure_bucket()
                    bucket_ready = True
                self.process_once()
                self.last_error = ""
            except Exception as exc:  # noqa: BLE001 - keep working; the error is logged and counted
                self.errors += 1
                if str(exc) != self.last_error:
                    self.log.warning("label worker pass failed", extra={"fields": {"error": str(exc)[:300]}})
                self.last_error = str(exc)
            self._write_state()
            time.sleep(interval)


class WorkerProcess:
    """Starts the label worker as a child process and starts it again when it exits (not when it hangs)."""

    def __init__(self, state_dir: Path, log) -> None:
        self.state_dir, self.log = state_dir, log
        self.pid: int | None = None

    def start(self) -> None:
        threading.Thread(target=self._supervise, daemon=True, name="label-worker-supervisor").start()

    def _supervise(self) -> None:
        app_root = Path(__file__).resolve().parents[1]
        while True:
            child = subprocess.Popen([sys.executable, "-m", "commerce.label_worker"], cwd=app_root)
            self.pid = child.pid
            (self.state_dir / PID_FILE).write_text(f"{child.pid}\n")
            code = child.wait()
            self.log.warning("label worker exited; starting it again", extra={"fields": {"pid": child.pid,
                                                                                          "exitCode": code}})
            time.sleep(1.0)

    def state(self) -> dict:
        """The worker's own report (counters, last pass), {} until its first pass."""
        try:
            return json.loads((self.state_dir / STATE_FILE).read_text())
        except (OSError, ValueError):
            return {}


# -- the web process: backlog monitor, gauges, order events ----------------------------------------
class FulfillmentArtifacts:
    """What the web process knows about the bucket: its own listing every pass (for the gauges and the
    order events), and the worker process it supervises."""

    def __init__(self, store: ArtifactStore, state_dir: Path, log, label_every_minutes: float = 5.0,
                 registry=REGISTRY) -> None:
        self.store, self.log = store, log
        self.bucket, self.endpoint, self.factor = store.bucket, store.endpoint, store.factor
        self.label_every = label_every_minutes * 60 / store.factor   # real seconds between an order's labels
        self.worker = WorkerProcess(state_dir, log)
        self.ready = False
        self.last_error = ""
        self.stale_after = 10.0
        self._queued: dict[str, float] = {}   # order -> when its last label was queued by order_events
        self._snapshot: tuple[float, list[Waiting]] = (0.0, [])   # (listing started at, waiting artifacts)
        self._lock = threading.Lock()
        registry.register(_BacklogCollector(self))

    def start(self, interval: float = 0.5) -> None:
        self.stale_after = max(10.0, 20 * interval)
        threading.Thread(target=self._monitor, args=(interval,), daemon=True, name="backlog-monitor").start()
        self.worker.start()

    def refresh(self) -> None:
        """One listing of what waits (the gauges and order events read it until the next one)."""
        if not self.ready:
            self.store.ensure_bucket()
            self.ready = True
        started = time.time()
        self._snapshot = (started, self.store.waiting())

    def _monitor(self, interval: float) -> None:
        while True:
            try:
                self.refresh()
                self.last_error = ""
            except Exception as exc:  # noqa: BLE001 - keep listing; the error is logged once
                if str(exc) != self.last_error:
                    self.log.warning("bucket listing failed", extra={"fields": {"error": str(exc)[:300]}})
                self.last_error = str(exc)
            time.sleep(interval)

    def backlog(self) -> dict:
        """The backlog as of the last listing (~0.5 s old); ages computed now, so they keep growing while
        labels wait."""
        listed_at, items = self._snapshot
        now = time.time()
        by_prefix: dict[str, list[int]] = {}
        for item in items:
            count = by_prefix.setdefault(item.prefix, [0, 0])
            count[0] += 1
            count[1] += item.size
        oldest = min((item.uploaded for item in items), default=now)
        return {"prefixes": by_prefix, "lag_minutes": max(0.0, now - oldest) * self.factor / 60,
                "held": sum(item.hold is not None and item.hold > now for item in items),
                "listing_age": now - listed_at}

    def health(self) -> dict:
        state = self.worker.state()
        return {"labelWorker": {"pid": self.worker.pid,
                                "lastPassSecondsAgo": round(time.time() - state["lastPassAt"], 1)
                                if "lastPassAt" in state else None}}

    # -- events of an order --------------------------------------------------------------------
    def order_events(self, order_id: str) -> list[dict]:
        """Shipment events from the order's ready labels; an order with nothing waiting and no label
        within label_every gets its next label queued (the order's next parcel enters fulfillment)."""
        events = []
        newest = 0.0
        for obj in self.store.ready_labels(order_id):
            meta = _meta(obj)
            processed = parse_time(meta.get("processed-at")) or obj.last_modified.timestamp()
            uploaded = parse_time(meta.get("uploaded-at")) or processed
            newest = max(newest, processed)
            label = split_key(obj.object_name)[2]
            events += [{"type": "fulfillment.packed", "at": round(uploaded, 3), "source": "fulfillment", "label": label},
                       {"type": "status.shipped", "at": round(processed, 3), "source": "fulfillment", "label": label}]
        with self._lock:
            if time.time() - newest >= self.label_every and not self._has_waiting(order_id):
                self.store.queue_label(order_id)
                self._queued[order_id] = time.time()
                if len(self._queued) > 10000:
                    self._queued.clear()
        return sorted(events, key=lambda e: e["at"])

    def _has_waiting(self, order_id: str) -> bool:
        """From the last listing, plus the labels queued since (not listed yet)."""
        listed_at, items = self._snapshot
        return any(item.order == order_id for item in items) or self._queued.get(order_id, 0.0) > listed_at


class _BacklogCollector:
    """Backlog gauges from the web process' last listing of the bucket; the worker's counters from its state."""

    def __init__(self, artifacts: FulfillmentArtifacts) -> None:
        self.artifacts = artifacts

    def describe(self):
        return []

    def collect(self):
        bucket = self.artifacts.bucket
        state = self.artifacts.worker.state()
        yield CounterMetricFamily("fulfillment_labels_processed", "Labels the worker moved to ready/",
                                  value=state.get("processed", 0))
        yield CounterMetricFamily("fulfillment_label_worker_errors", "Worker passes that failed",
                                  value=state.get("errors", 0))
        up = GaugeMetricFamily("fulfillment_artifacts_store_up", "1 when the bucket was listed recently",
                               labels=["bucket"])
        backlog = self.artifacts.backlog()
        if not self.artifacts.ready or backlog["listing_age"] > self.artifacts.stale_after:
            up.add_metric([bucket], 0)   # no recent listing: the backlog is unknown
            yield up
            return
        objects = GaugeMetricFamily("fulfillment_artifacts_backlog_objects",
                                    "Artifacts waiting outside ready/ (the bucket is listed every 0.5 s)",
                                    labels=["bucket", "prefix"])
        size = GaugeMetricFamily("fulfillment_artifacts_backlog_bytes", "Bytes of the waiting artifacts",
                                 labels=["bucket", "prefix"])
        lag = GaugeMetricFamily("fulfillment_lag_minutes",
                                "Age of the oldest artifact still waiting outside ready/ (production minutes)",
                                labels=["bucket"])
        held = GaugeMetricFamily("fulfillment_artifacts_held_objects",
                                 "Waiting artifacts whose hold-until is in the future", labels=["bucket"])
        prefixes = backlog["prefixes"] or {PENDING: [0, 0]}
        prefixes.setdefault(PENDING, [0, 0])
        for prefix, (count, total) in sorted(prefixes.items()):
            objects.add_metric([bucket, prefix], count)
            size.add_metric([bucket, prefix], total)
        lag.add_metric([bucket], round(backlog["lag_minutes"], 3))
        up.add_metric([bucket], 1)
        held.add_metric([bucket], backlog["held"])
        yield from (objects, size, lag, held, up)


def store_from_environment(log) -> ArtifactStore | None:
    endpoint = os.environ.get("FULFILLMENT_ARTIFACTS_ENDPOINT", "").strip()
    if not endpoint:
        return None
    return ArtifactStore(
        endpoint,
        access_key=os.environ.get("MINIO_ROOT_USER", "chaos-minio"),
        secret_key=os.environ.get("MINIO_ROOT_PASSWORD", "chaos-minio-test-only"),
        bucket=os.environ.get("FULFILLMENT_ARTIFACTS_BUCKET", "fulfillment-artifacts"),
        time_factor=float(os.environ.get("FULFILLMENT_TIME_FACTOR", "1") or 1),
        log=log,
    )


def state_dir() -> Path:
    return Path(os.environ.get("FULFILLMENT_WORKER_STATE_DIR", "/tmp"))


def from_environment(log) -> FulfillmentArtifacts | None:
    store = store_from_environment(log)
    if store is None:
        return None
    return FulfillmentArtifacts(store, state_dir(), log,
                                label_every_minutes=float(os.environ.get("FULFILLMENT_LABEL_EVERY_MINUTES", "5")))
