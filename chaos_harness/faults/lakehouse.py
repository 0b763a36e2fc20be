"""The lakehouse's commits: the orders job (chaos.OrdersJob) writes oltp.orders into the Paimon table
`lakehouse.orders`, whose warehouse is a MinIO bucket. Paimon's sink writes its data files when a checkpoint starts
and commits a snapshot when the checkpoint completes, so a storage that does not answer stops the commits: each
checkpoint waits on MinIO until it expires (`execution.checkpointing.timeout`, stack/images/flink/config.yaml) and
counts as failed, the job keeps running (failed checkpoints are tolerated), and nothing new is committed.

The drill freezes MinIO (`docker pause`: connections hang, as a storage that is unreachable or full does) and
writes an order; the runbook's remediation makes MinIO reachable again, after which the next checkpoint commits
what was written meanwhile. The lakehouse reader (`lakehouse-reader`, chaos.LakehouseReader on the published
port 8082) shows what a user of the table sees: only committed rows.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from docker.errors import NotFound

from chaos_harness import catalog
from chaos_harness.errors import ForeignTarget, InfrastructureError, ServiceUnreachable
from chaos_harness.faults.base import Fault, RemediationContext
from chaos_harness.faults.containers import FREEZE_TIMEOUT, ContainerPaused, ResumeService
from chaos_harness.faults.flink import (JOBMANAGER, flink_client, lakehouse_orders, newest_order_id, orders_job,
                                        wait_checkpoint, wait_readable, warm_lakehouse)
from chaos_harness.stack import StackOwner
from chaos_harness.waiting import Check

DRILL_CUSTOMER = "lakehouse-commit-drill"
CHECKPOINT_INTERVAL = 1.0   # the job's env.enableCheckpointing(1000)
CHECKPOINT_TIMEOUT = 5.0    # execution.checkpointing.timeout in stack/images/flink/config.yaml
CDC_PATH = 10.0             # an order's change event through Debezium and Kafka to the job (seconds, generous)
COMMIT_TIMEOUT = 30.0       # storage back -> the drill's order committed and readable


def checkpoint_failing(owner: StackOwner, service: str = JOBMANAGER) -> Check:
    """Does the orders job's newest checkpoint attempt fail, i.e. has no checkpoint completed since the latest
    failed one (Flink REST /jobs/:jobid/checkpoints)?"""
    client = flink_client(owner, service)
    job = orders_job(client)
    if job is None:
        return Check(False, "no orders job")
    latest = client.checkpoints(job["jid"]).get("latest") or {}
    failed, completed = latest.get("failed") or {}, latest.get("completed") or {}
    failing = bool(failed) and failed.get("trigger_timestamp", 0) > completed.get("trigger_timestamp", 0)
    why = f": {failed.get('failure_message', '')[:120]}" if failing else ""
    return Check(failing, f"orders job {job['jid'][:8]}: latest completed checkpoint {completed.get('id')}, "
                          f"latest failed {failed.get('id')}{why}")


def drill_order_id(owner: StackOwner, database: str = "mariadb", table: str = "oltp.orders") -> int | None:
    """The id of the newest order the drill wrote (None when it never wrote one)."""
    return newest_order_id(owner, DRILL_CUSTOMER, database, table)


def committed_orders(owner: StackOwner, customer: str = DRILL_CUSTOMER) -> dict:
    """What the lakehouse reader sees of `customer`'s orders: {snapshot, committedAt, rows}."""
    return lakehouse_orders(owner, customer)


def wait_committed(owner: StackOwner, order_id: int, timeout: float = COMMIT_TIMEOUT) -> dict:
    """Until the drill's order `order_id` is in the lakehouse table (committed, readable); the reader's answer."""
    return wait_readable(owner, order_id, DRILL_CUSTOMER, timeout)


@dataclass(frozen=True)
class StorageUnreachable(Fault):
    """MinIO, the lakehouse's storage, does not answer (`docker pause`) while an order is written: the orders
    job's next checkpoint waits on its data files until it expires, and so does every one after it; nothing is
    committed. The job must have completed a checkpoint first. Revert unpauses MinIO (the stuck uploads then
    finish and the next checkpoint commits them)."""
    kind: ClassVar[str] = "lakehouse-storage-unreachable"
    # the freezer's retries, the order's way through Debezium and Kafka, then one checkpoint interval and its timeout
    effect_within: ClassVar[float] = FREEZE_TIMEOUT + CDC_PATH + CHECKPOINT_INTERVAL + CHECKPOINT_TIMEOUT + 2.0
    storage: str = "minio"
    database: str = "mariadb"
    table: str = "oltp.orders"
    service: str = JOBMANAGER

    def prepare(self, owner: StackOwner) -> None:
        """The job has written and committed an order (warm_lakehouse): its S3 clients and the reader's are
        started before MinIO is frozen, so the commit after the remediation is the drill's order's, not a start."""
        warm_lakehouse(owner, self.database, self.table)

    def inject(self, owner: StackOwner) -> None:
        client = flink_client(owner, self.service)
        job = orders_job(client)
        if job is None:
            raise ForeignTarget(f"no orders job runs on {self.service}: the drill needs the job whose commits it stops")
        wait_checkpoint(client, job["jid"])
        ContainerPaused(self.storage).inject(owner)
        catalog.of_kind(self.database, catalog.MariaDb).sql(
            owner, f"INSERT INTO {self.table} (customer_id, status, amount) VALUES ('{DRILL_CUSTOMER}', 'new', 42.00)")

    def revert(self, owner: StackOwner) -> None:
        try:
            ContainerPaused(self.storage).revert(owner)
        except (NotFound, ForeignTarget, ServiceUnreachable):
            pass   # the containers are gone with their stack

    def in_effect(self, owner: StackOwner) -> Check:
        return checkpoint_failing(owner, self.service)


@dataclass(frozen=True)
class RestoreStorageAndCommit:
    """Remediation (runbook "Paimon cannot commit"): make MinIO reachable again (unpause it, wait until it answers
    from the host), then check that commits resumed: the order written while it was down is readable in
    lakehouse.orders (the job's next checkpoint committed it)."""
    storage: str = "minio"
    database: str = "mariadb"
    table: str = "oltp.orders"
    timeout: float = COMMIT_TIMEOUT

    def __call__(self, ctx: RemediationContext) -> None:
        ResumeService(self.storage)(ctx)
        order_id = drill_order_id(ctx.owner, self.database, self.table)
        if order_id is None:
            raise InfrastructureError(f"no drill order ({DRILL_CUSTOMER}) in {self.table}: nothing to find committed")
        wait_committed(ctx.owner, order_id, self.timeout)

    def __str__(self) -> str:
        return f"make {self.storage} reachable again; the order written meanwhile is committed to lakehouse.orders"


FAULTS = (StorageUnreachable,)   # the kinds this module defines (chaos_harness.faults.kinds)
