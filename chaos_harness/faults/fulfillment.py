"""Fulfillment artifacts backlog: the hold drill and its revert, the timeline probe, the stalled-worker fault.

The hold drill, `scripts/chaos/simulate_fulfillment_delay.py` (make chaos-fulfillment-delay): labels are
written into the bucket `fulfillment-artifacts` under `chaos/fulfillment-delay/<order>/` with a
`hold-until` metadata key in the future, so fulfillment-service's label worker holds them (and every
later label of that order); they wait, `fulfillment_lag_minutes` (the age of the oldest waiting label)
grows with their real age and the order's timeline stops getting shipment events. Revert removes
exactly the objects the drill wrote (metadata `drill=simulate_fulfillment_delay`), wherever they are by
then, so `--prefix pending/` can never delete real labels.

The scenario `fulfillment_delay` reproduces the runbook's first root cause instead: the label worker
process hangs (`LabelWorkerStalled`: SIGSTOP) while orders enter fulfillment; its remediation is the
runbook's restart of fulfillment-service plus a refresh of the support case's timeline.

Time: the test stack runs on compressed time. fulfillment-service reports its time factor on
/health (`timeFactor`); the drill converts `--hold-minutes` (production minutes) with it, and the
timeline probe judges staleness (> 15 production minutes) with it.

Connection settings (environment, safe test defaults, never secrets in the repository):
  MINIO_ENDPOINT           host:port of MinIO (default: the minio service of the running chaos stack)
  MINIO_ROOT_USER          access key (default chaos-minio, the test stack's)
  MINIO_ROOT_PASSWORD      secret key (default chaos-minio-test-only, the test stack's)
  FULFILLMENT_BASE_URL     fulfillment-service (default: the stack's) - its /health gives the time factor
  SUPPORT_BASE_URL         support-service (default: the stack's) - for --support-ticket-id
"""
from __future__ import annotations

import io
import os
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from concurrent.futures import ThreadPoolExecutor
from typing import ClassVar

from docker.errors import APIError
from minio import Minio
from minio.deleteobjects import DeleteObject
from minio.error import S3Error

from chaos_harness import catalog
from chaos_harness.catalog import FULFILLMENT_SERVICE, MINIO, SUPPORT_SERVICE
from chaos_harness.errors import ConfigError, ForeignTarget, InfrastructureError, ServiceUnreachable
from chaos_harness.faults.base import Fault, RemediationContext
from chaos_harness.observe.http import JsonService
from chaos_harness.services import SupportClient, metric_value
from chaos_harness.stack import StackOwner, discover_url, owner_of_url
from chaos_harness.waiting import Check, WaitTimedOut, wait_until

BUCKET = "fulfillment-artifacts"
DRILL_PREFIX = "chaos/fulfillment-delay/"
DRILL_ORDER = "chaos-fulfillment-delay"        # the order the labels belong to without --support-ticket-id
DRILL_TAG = "simulate_fulfillment_delay"
STALE_MINUTES = 15.0                           # runbook: a fulfillment event older than this is stale
SAMPLE = 5


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _meta(obj) -> dict[str, str]:
    """User metadata of a listed object, lower-cased, without x-amz-meta- (listing keys are
    case-sensitive: X-Amz-Meta-Hold-Until)."""
    return {k.lower()[len("x-amz-meta-"):]: v for k, v in (obj.metadata or {}).items()
            if k.lower().startswith("x-amz-meta-")}


# -- where things are ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Endpoints:
    minio: str            # host:port
    fulfillment: str      # http URL
    support: str          # http URL
    owner: StackOwner

    @classmethod
    def of_stack(cls, owner: StackOwner) -> "Endpoints":
        return cls(MINIO.url(owner).removeprefix("http://"), FULFILLMENT_SERVICE.url(owner),
                   SUPPORT_SERVICE.url(owner), owner)

    @classmethod
    def from_environment(cls) -> "Endpoints":
        """MINIO_ENDPOINT / FULFILLMENT_BASE_URL / SUPPORT_BASE_URL, else the only running chaos stack.
        Whatever is given must belong to a chaos test stack: the drill touches nothing else."""
        minio = os.environ.get("MINIO_ENDPOINT", "").removeprefix("http://").rstrip("/")
        try:
            url = f"http://{minio}" if minio else discover_url("minio", 9000)
        except ConfigError as exc:
            raise ConfigError(str(exc).replace("pass --base-url", "set MINIO_ENDPOINT=127.0.0.1:<port>")
                              .replace("--base-url not given", "MINIO_ENDPOINT not set")) from None
        owner = owner_of_url(url)
        urls = {}
        for var, service in (("FULFILLMENT_BASE_URL", "fulfillment-service"), ("SUPPORT_BASE_URL", "support-service")):
            given = os.environ.get(var, "").rstrip("/")
            if given and owner_of_url(given).project != owner.project:
                raise ConfigError(f"{var}={given} is not in the stack of MINIO_ENDPOINT ({owner.project})")
            urls[service] = given or catalog.service(service).url(owner)
        return cls(url.removeprefix("http://"), urls["fulfillment-service"], urls["support-service"], owner)


def artifact_client(endpoint: str) -> Minio:
    return MINIO.client_at(endpoint)


class FulfillmentService:
    """fulfillment-service as the drill sees it: its time factor and its backlog gauges."""

    def __init__(self, base_url: str) -> None:
        self.api = JsonService("fulfillment-service", base_url)

    def health(self) -> dict:
        return self.api.get("/health")

    def time_factor(self) -> float:
        health = self.health()
        if "timeFactor" not in health:
            raise ConfigError(f"fulfillment-service at {self.api.base_url} has no MinIO side ({health}); "
                              "start the stack with the `minio` profile")
        return float(health["timeFactor"])

    def order_events(self, order_id: str) -> dict:
        """GET /fulfillments/{order}: the order's shipment events; an order with no label waiting and none
        shipped lately gets its next label queued in pending/ (a new order enters fulfillment)."""
        return self.api.get(f"/fulfillments/{order_id}")

    def backlog(self) -> dict:
        text = self.api.request("GET", "/metrics").text
        return {"objects": metric_value(text, "fulfillment_artifacts_backlog_objects"),
                "bytes": metric_value(text, "fulfillment_artifacts_backlog_bytes"),
                "heldObjects": metric_value(text, "fulfillment_artifacts_held_objects"),
                "lagMinutes": metric_value(text, "fulfillment_lag_minutes")}


def _s3(call, what: str):
    try:
        return call()
    except S3Error as exc:
        raise InfrastructureError(f"MinIO refused to {what}: {exc.code}: {exc.message}") from None
    except Exception as exc:  # urllib3 connection errors
        if "connect" in type(exc).__name__.lower() or "Max retries" in str(exc) or "connection" in str(exc).lower():
            raise ServiceUnreachable(f"MinIO is unreachable while trying to {what}: {exc}") from None
        raise


# -- the drill ------------------------------------------------------------------------------------
def describe_object(obj) -> dict:
    meta = _meta(obj)
    return {"key": obj.object_name, "bytes": obj.size, "lastModified": obj.last_modified.isoformat(),
            **({"holdUntil": meta["hold-until"]} if "hold-until" in meta else {}),
            **({"drill": meta["drill"]} if "drill" in meta else {})}


def list_artifacts(client: Minio, prefix: str, sample: int = SAMPLE, drill_only: bool = False) -> dict:
    objects = _s3(lambda: list(client.list_objects(BUCKET, prefix=prefix, recursive=True, include_user_meta=True)),
                  f"list {BUCKET}/{prefix}")
    if drill_only:
        objects = [o for o in objects if _meta(o).get("drill") == DRILL_TAG]
    return {"objects": len(objects), "totalBytes": sum(o.size or 0 for o in objects),
            "sampleObjects": [describe_object(o) for o in objects[:sample]], "_objects": objects}


def hold_artifacts(client: Minio, *, count: int, hold_minutes: float, time_factor: float, prefix: str = DRILL_PREFIX,
                   order_id: str = DRILL_ORDER, ticket_id: int | None = None, label_kib: int = 64) -> dict:
    """Write `count` labels of `order_id` under `prefix` held for `hold_minutes` production minutes."""
    now = time.time()
    hold_until = _iso(now + hold_minutes * 60 / time_factor)
    body = b"%PDF-1.4\n% chaos drill label\n" + b"0" * (label_kib * 1024 - 29)
    meta = {"hold-until": hold_until, "order-id": order_id, "drill": DRILL_TAG,
            **({"support-ticket-id": str(ticket_id)} if ticket_id is not None else {})}
    keys = [f"{prefix}{order_id}/drill-label-{int(now * 1000)}-{i:03d}.pdf" for i in range(count)]

    def put(key: str) -> None:
        _s3(lambda: client.put_object(BUCKET, key, io.BytesIO(body), len(body), content_type="application/pdf",
                                      metadata=meta), f"write {key}")
    with ThreadPoolExecutor(max_workers=8) as pool:   # a backlog appears at once, not label by label
        list(pool.map(put, keys))
    return {"created": count, "orderId": order_id, "holdUntil": hold_until, "holdMinutes": hold_minutes,
            "totalBytes": count * len(body), "keys": keys}


def remove_drill_artifacts(client: Minio, prefix: str = DRILL_PREFIX) -> dict:
    """Remove what the drill wrote: objects tagged drill=simulate_fulfillment_delay under `prefix`, and
    their copies in ready/ if a hold already ran out (source-key under `prefix`)."""
    held = list_artifacts(client, prefix, drill_only=True)
    shipped = [o for o in _s3(lambda: list(client.list_objects(BUCKET, prefix="ready/", recursive=True,
                                                               include_user_meta=True)), "list ready/")
               if _meta(o).get("source-key", "").startswith(prefix) and "/drill-label-" in o.object_name]
    removed = held["_objects"] + shipped
    if removed:
        errors = _s3(lambda: list(client.remove_objects(BUCKET, [DeleteObject(o.object_name) for o in removed])),
                     f"remove {len(removed)} objects")
        if errors:
            raise InfrastructureError(f"MinIO did not remove {len(errors)} drill objects: {errors[:3]}")
    return {"removed": len(removed), "bytesFreed": sum(o.size or 0 for o in removed),
            "sampleObjects": [describe_object(o) for o in removed[:SAMPLE]]}


def drill_objects_held(client: Minio, prefix: str = DRILL_PREFIX) -> int:
    now = time.time()
    count = 0
    for obj in list_artifacts(client, prefix, drill_only=True)["_objects"]:
        hold = _meta(obj).get("hold-until", "")
        try:
            count += datetime.fromisoformat(hold.replace("Z", "+00:00")).timestamp() > now
        except ValueError:
            pass
    return count


# -- the support timeline ----------------------------------------------------------------------------
def fulfillment_timeline(support: SupportClient, case_id: int, time_factor: float, since: float | None = None) -> dict:
    """Refresh a case's timeline (POST .../timeline/refresh) and judge its fulfillment events: `stale` when the
    newest is older than 15 production minutes (or there is none), `stalled` when none is newer than `since`
    (the moment labels were held)."""
    started = time.perf_counter()
    timeline = support.refresh_timeline(case_id)
    took = round((time.perf_counter() - started) * 1000, 1)
    events = [e for e in timeline.get("events", []) if e.get("source") == "fulfillment"]
    newest = max((e["at"] for e in events), default=None)
    age = None if newest is None else (time.time() - newest) * time_factor / 60
    return {"caseId": case_id, "orderId": timeline.get("orderId"), "refreshMs": took,
            "fulfillmentEvents": len(events), "unavailableSources": timeline.get("unavailableSources", []),
            "newestFulfillmentEventAt": _iso(newest) if newest else None,
            "newestFulfillmentAgeMinutes": None if age is None else round(age, 2),
            "stale": age is None or age > STALE_MINUTES,
            **({"stalled": newest is None or newest < since} if since is not None else {})}


def ticket_order(support: SupportClient, ticket_id: int) -> str:
    try:
        return support.case(ticket_id, include_timeline=False)["orderId"]
    except ServiceUnreachable:
        raise
    except InfrastructureError as exc:
        if " 404 " in str(exc):
            raise ConfigError(f"--support-ticket-id {ticket_id}: no such support ticket ({exc})") from None
        raise


def wait_timeline_fresh(support: SupportClient, case_id: int, time_factor: float, timeout: float = 20.0) -> dict:
    """Refresh until the case's newest fulfillment event is fresh again (the order's next label shipped)."""
    seen: dict = {}

    def fresh() -> Check:
        seen.update(fulfillment_timeline(support, case_id, time_factor))
        return Check(not seen["stale"], f"newest fulfillment event {seen['newestFulfillmentAgeMinutes']} min old")
    try:
        wait_until(fresh, what=f"case {case_id}'s timeline to show fresh fulfillment events", timeout=timeout,
                   interval=0.5)
    except WaitTimedOut:
        pass  # reported as stale
    return dict(seen)


def labels_held(service: FulfillmentService, count: int) -> Check:
    """Does fulfillment-service hold `count` labels? (its gauges come from the worker's listing of the bucket)"""
    backlog = service.backlog()
    return Check(backlog["heldObjects"] >= count, f"fulfillment-service backlog {backlog}")


def _wait_held(service: FulfillmentService, count: int, timeout: float = 10.0) -> bool:
    """The label worker lists the bucket every pass: wait until its gauges show the held labels."""
    try:
        wait_until(lambda: labels_held(service, count), what=f"fulfillment-service to hold {count} labels", timeout=timeout, interval=0.2)
        return True
    except WaitTimedOut:
        return False


def simulate_fulfillment_delay(ep: Endpoints, *, count: int, hold_minutes: float, prefix: str = DRILL_PREFIX,
                               ticket_id: int | None = None) -> dict:
    """The drill: hold `count` labels; with a ticket, they are its order's labels and its timeline is probed."""
    client = artifact_client(ep.minio)
    factor = FulfillmentService(ep.fulfillment).time_factor()
    support = SupportClient(ep.support)
    order = ticket_order(support, ticket_id) if ticket_id is not None else DRILL_ORDER
    started = time.time()
    held = hold_artifacts(client, count=count, hold_minutes=hold_minutes, time_factor=factor, prefix=prefix,
                          order_id=order, ticket_id=ticket_id)
    listed = list_artifacts(client, prefix, drill_only=True)
    report = {"created": held["created"], "orderId": order, "holdUntil": held["holdUntil"],
              "holdMinutes": hold_minutes, "timeFactor": factor, "totalBytes": held["totalBytes"],
              "sampleObjects": listed["sampleObjects"], "drillObjectsInBucket": listed["objects"]}
    checks = {"objects written": listed["objects"] >= count,
              "fulfillment-service holds them": _wait_held(FulfillmentService(ep.fulfillment), count)}
    if ticket_id is not None:
        probe = fulfillment_timeline(support, ticket_id, factor, since=started)
        report["supportProbe"] = probe
        checks["timeline stalled (no fulfillment event since the hold)"] = probe["stalled"]
    return {**report, "checks": checks, "ok": all(checks.values())}


def revert_fulfillment_delay(ep: Endpoints, *, prefix: str = DRILL_PREFIX, ticket_id: int | None = None) -> dict:
    """Remediation: remove the drill's labels; with a ticket, refresh its timeline until it is fresh again."""
    client = artifact_client(ep.minio)
    report = remove_drill_artifacts(client, prefix)
    checks = {"no drill objects left": not list_artifacts(client, prefix, drill_only=True)["objects"]}
    if ticket_id is not None:
        factor = FulfillmentService(ep.fulfillment).time_factor()
        probe = wait_timeline_fresh(SupportClient(ep.support), ticket_id, factor)
        report["supportProbe"] = probe
        checks["timeline fresh after refresh"] = not probe.get("stale", True)
    return {**report, "checks": checks, "ok": all(checks.values())}


def dry_run(ep: Endpoints, *, count: int, hold_minutes: float, prefix: str) -> dict:
    """What is under `prefix` now (up to `count` sample objects) and what the drill would write; touches nothing."""
    listed = list_artifacts(artifact_client(ep.minio), prefix, sample=count)
    listed.pop("_objects")
    return {"wouldCreate": count, "wouldHoldMinutes": hold_minutes, "existing": listed, "ok": True}


# -- the hold as a fault (the drill's ledger entry; `make cleanup` reverts a forgotten one) -----------------
CHAOS_TICKET_ORDER = "chaos-fulfillment-order"


def chaos_ticket(support: SupportClient) -> int:
    """The support case the harness' fulfillment faults and remediations are about (created once per stack)."""
    return support.ticket_for_order(CHAOS_TICKET_ORDER, "shipping label not received")


@dataclass(frozen=True)
class FulfillmentArtifactsHeld(Fault):
    """`count` labels of the chaos case's order held in MinIO for `hold_minutes` production minutes
    (what `make chaos-fulfillment-delay ARGS="--count N --hold-minutes M --support-ticket-id T"` does).
    Revert removes the drill's objects; cleanup can do it after a crash."""
    kind: ClassVar[str] = "fulfillment-artifacts-held"
    count: int = 25
    hold_minutes: float = 120.0
    prefix: str = DRILL_PREFIX

    def inject(self, owner: StackOwner) -> None:
        ep = Endpoints.of_stack(owner)
        simulate_fulfillment_delay(ep, count=self.count, hold_minutes=self.hold_minutes, prefix=self.prefix,
                                   ticket_id=chaos_ticket(SupportClient(ep.support)))

    def revert(self, owner: StackOwner) -> None:
        try:
            remove_drill_artifacts(artifact_client(Endpoints.of_stack(owner).minio), self.prefix)
        except (ForeignTarget, ServiceUnreachable):
            pass  # the stack is gone

    def in_effect(self, owner: StackOwner) -> Check:
        """The service sees the held labels (its gauge comes from listing the bucket)."""
        return labels_held(FulfillmentService(FULFILLMENT_SERVICE.url(owner)), self.count)


# -- the label worker stalls (the scenario's fault) ------------------------------------------------------
WORKER_PID_FILE = "/tmp/label-worker.pid"   # written by fulfillment-service (commerce/artifacts.py: WorkerProcess)
PENDING_PREFIX = "pending/"


@dataclass(frozen=True)
class WorkerState:
    pid: str
    state: str            # /proc/<pid>/status State:, e.g. "T (stopped)", "S (sleeping)"

    @property
    def stopped(self) -> bool:
        return self.state.startswith("T")

    def __str__(self) -> str:
        return f"label worker pid {self.pid}: {self.state or 'unknown'}"


def _worker_exec(owner: StackOwner, service: str, script: str) -> str:
    """Run `script` (sh) in the service's container, with $pid the label worker's pid."""
    return owner.run(service, ["sh", "-c", f'pid=$(cat {WORKER_PID_FILE}) && [ -d "/proc/$pid" ] && {script}'],
                     what=f"the label worker (pid file {WORKER_PID_FILE}; none running?)")


def signal_worker(owner: StackOwner, service: str, signal: str) -> None:
    _worker_exec(owner, service, f'kill -{signal} "$pid"')


def worker_state(owner: StackOwner, service: str) -> WorkerState:
    pid, _, state = _worker_exec(owner, service, 'echo "$pid $(grep ^State: /proc/$pid/status | cut -f2)"') \
        .partition(" ")
    return WorkerState(pid, state)


@dataclass(frozen=True)
class StuckLabels:
    count: int                # labels in pending/ that waited longer than `older_than`
    waiting: int              # all labels in pending/
    oldest_seconds: float
    older_than: float

    def __str__(self) -> str:
        return (f"MinIO lists {self.waiting} labels in {PENDING_PREFIX}, {self.count} of them waiting > "
                f"{self.older_than:g}s (oldest {self.oldest_seconds:.1f}s)")


def stuck_labels(client: Minio, older_than: float) -> StuckLabels:
    """Labels in pending/ that nobody moved for `older_than` real seconds, from MinIO's own listing."""
    now = time.time()
    ages = [now - o.last_modified.timestamp() for o in _s3(
        lambda: list(client.list_objects(BUCKET, prefix=PENDING_PREFIX, recursive=True)), f"list {PENDING_PREFIX}")
        if not o.is_dir]
    return StuckLabels(sum(age > older_than for age in ages), len(ages), max(ages, default=0.0), older_than)


@dataclass(frozen=True)
class LabelWorkerStalled(Fault):
    """fulfillment-service's label worker process hangs (SIGSTOP: what a worker stuck on the carrier API
    looks like from outside) while `orders` new orders enter fulfillment (GET /fulfillments/{order}
    queues each one's first label in pending/); nothing moves pending/ -> ready/ any more.

    In effect when the worker's /proc state is stopped and MinIO's listing of pending/ shows at least
    `orders` labels waiting longer than `stuck_after` real seconds (the worker passes every 0.5 s) -
    observed in the container and the bucket, not through fulfillment-service's /metrics.
    Revert: SIGCONT (the worker drains the backlog); after the runbook's restart of fulfillment-service
    the new worker runs and revert has nothing to resume."""
    kind: ClassVar[str] = "fulfillment-label-worker-stalled"
    service: str = "fulfillment-service"
    orders: int = 5
    stuck_after: float = 2.0

    def inject(self, owner: StackOwner) -> None:
        signal_worker(owner, self.service, "STOP")
        fulfillment = FulfillmentService(catalog.service(self.service).url(owner))
        run = int(time.time() * 1000)
        for i in range(self.orders):
            fulfillment.order_events(f"chaos-stalled-{run}-{i}")

    def revert(self, owner: StackOwner) -> None:
        try:
            if owner.container(self.service).status != "running":
                return   # stopped or gone: no frozen worker left in it
            signal_worker(owner, self.service, "CONT")
        except (ForeignTarget, APIError):
            pass  # the stack or the container is gone
        except InfrastructureError:
            pass  # no worker process (the service is starting one): nothing frozen to resume

    def in_effect(self, owner: StackOwner) -> Check:
        worker = worker_state(owner, self.service)
        stuck = stuck_labels(MINIO.client(owner), self.stuck_after)
        return Check(worker.stopped and stuck.count >= self.orders, f"{worker}; {stuck}")


@dataclass(frozen=True)
class RestartLabelWorker:
    """Runbook step "restart the failed worker": kill the hung label worker process (SIGKILL ends even a
    stopped process); fulfillment-service starts a new one, which drains pending/ in its first pass. The
    web process keeps serving /metrics meanwhile, so the alert clears because the lag falls, not because
    its series vanished during a restart. (`docker compose restart fulfillment-service` restarts both.)"""
    service: str = "fulfillment-service"
    timeout: float = 20.0

    def __call__(self, ctx: "RemediationContext") -> None:
        old = worker_state(ctx.owner, self.service)
        signal_worker(ctx.owner, self.service, "KILL")

        def replaced() -> Check:
            try:
                new = worker_state(ctx.owner, self.service)
            except InfrastructureError as exc:
                return Check(False, str(exc))
            return Check(new.pid != old.pid and not new.stopped, str(new))
        wait_until(replaced, what=f"{self.service} to start a new label worker (was pid {old.pid})",
                   timeout=self.timeout, interval=0.2)

    def __str__(self) -> str:
        return f"restart the hung label worker of {self.service} (kill it; the service starts a new one)"


@dataclass(frozen=True)
class RefreshCaseTimeline:
    """Runbook step "refresh the support timeline": POST /support/cases/{id}/timeline/refresh for the chaos
    case until its newest fulfillment event is fresh (the restarted worker shipped its order's next label)."""

    def __call__(self, ctx: "RemediationContext") -> None:
        ep = Endpoints.of_stack(ctx.owner)
        support = SupportClient(ep.support)
        wait_timeline_fresh(support, chaos_ticket(support), FulfillmentService(ep.fulfillment).time_factor())

    def __str__(self) -> str:
        return "refresh the support case's timeline (POST /support/cases/{id}/timeline/refresh) until it is fresh"


FAULTS = (FulfillmentArtifactsHeld, LabelWorkerStalled,)   # the kinds this module defines (chaos_harness.faults.kinds)
