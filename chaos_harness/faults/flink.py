"""The Flink orders job and its schema error: a column's type changes upstream, the job cannot map the new events
and restarts without end; the runbook's fix deploys the fixed mapping restored from the last checkpoint.

The job (stack/images/flink/job, `chaos.OrdersJob`) reads Debezium's change events of `oltp.orders` and maps
`amount` as DECIMAL(10,2) bytes (`--amount-mapping strict`). The drill changes the column's type in MariaDB
(`MODIFY amount VARCHAR(32)`) and writes an order: Debezium sends that amount as text, the job's mapping throws,
and every restart restores the last checkpoint, which is before that event, and meets it again. Flink counts
the restarts (`flink_jobmanager_job_numRestarts`, the Prometheus reporter); the drill only writes an order row.
Jobs are deployed inside the job manager's container (`deploy-orders-job`, the REST upload/run calls) and
observed through the REST API on the published port.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from docker.errors import NotFound

from chaos_harness import catalog
from chaos_harness.catalog import FlinkClient
from chaos_harness.errors import ForeignTarget, InfrastructureError, ServiceUnreachable
from chaos_harness.faults.base import Fault, RemediationContext
from chaos_harness.stack import StackOwner
from chaos_harness.waiting import Check, wait_until

JOB_NAME = "lakehouse-orders"
JOBMANAGER = "flink-jobmanager"
SCHEMA_ERROR = "schema error: oltp.orders.amount"
ORIGINAL_TYPE = "DECIMAL(10,2)"
DRILL_TYPE = "VARCHAR(32)"
JOB_TIMEOUT = 60.0   # a deployment's tasks running, a cancellation done, a first checkpoint (checkpoints every 1 s)
READER = "lakehouse-reader"
WARMUP_CUSTOMER = "lakehouse-warmup"
# an order through Debezium and Kafka, then written and committed: the first time in a task manager it starts
# the writer's and committer's S3 clients (10-15 s on the loaded 2-core machine), the reader's likewise
WARM_TIMEOUT = 90.0


def flink_client(owner: StackOwner, service: str = JOBMANAGER) -> FlinkClient:
    return catalog.of_kind(service, catalog.Flink).client(owner)


def orders_job(client: FlinkClient) -> dict | None:
    """The running (or restarting) orders job, the newest when there are several."""
    jobs = client.jobs(JOB_NAME)
    return jobs[0] if jobs else None


def tasks_running(client: FlinkClient, job_id: str) -> Check:
    job = client.job(job_id)
    states = [v["status"] for v in job.get("vertices", [])]
    return Check(job["state"] == "RUNNING" and bool(states) and set(states) == {"RUNNING"},
                 f"job {job_id[:8]} {job['state']}, tasks {states}")


def deploy(owner: StackOwner, mapping: str, start: str, restore_from: str | None = None,
           service: str = JOBMANAGER) -> str:
    """Runs the orders job with the `mapping` (strict|lenient), restored from a checkpoint when given, else reading
    from `start` (committed: the group's committed offsets; latest: the topic's end), and waits until its tasks
    run; its job id."""
    job_id = owner.run(service, ["deploy-orders-job", mapping, start, *([restore_from] if restore_from else [])],
                       what=f"deploy the orders job ({mapping} mapping)").strip().splitlines()[-1]
    client = flink_client(owner, service)
    wait_until(lambda: tasks_running(client, job_id), what=f"the orders job {job_id[:8]} to run", timeout=JOB_TIMEOUT,
               interval=0.2)
    return job_id


def cancel_orders_jobs(client: FlinkClient) -> list[str]:
    """Cancels every unfinished orders job and waits until none is left; their ids."""
    cancelled: list[str] = []

    def none_left() -> Check:
        left = client.jobs(JOB_NAME)
        for job in left:
            if job["jid"] not in cancelled:
                client.cancel(job["jid"])
                cancelled.append(job["jid"])
        return Check(not left, f"unfinished orders jobs: {[(j['jid'][:8], j['state']) for j in left]}")
    wait_until(none_left, what="the orders jobs to be cancelled", timeout=JOB_TIMEOUT, interval=0.2)
    return cancelled


def wait_checkpoint(client: FlinkClient, job_id: str) -> str:
    """The job's latest completed checkpoint, waiting for the first one."""
    def completed() -> Check[str]:
        path = client.last_checkpoint(job_id)
        return Check(bool(path), f"last completed checkpoint {path}", path)
    return wait_until(completed, what=f"a completed checkpoint of job {job_id[:8]}", timeout=JOB_TIMEOUT,
                      interval=0.2).value


def lakehouse_orders(owner: StackOwner, customer: str) -> dict:
    """What the lakehouse reader sees of `customer`'s orders in lakehouse.orders: {snapshot, committedAt, rows}."""
    return catalog.of_kind(READER, catalog.HttpService).api(owner).get("/orders", customer_id=customer)


def wait_readable(owner: StackOwner, order_id: int, customer: str, timeout: float) -> dict:
    """Until the order `order_id` of `customer` is in the lakehouse table (committed, readable); the reader's
    answer."""
    def readable() -> Check:
        seen = lakehouse_orders(owner, customer)
        ids = [row["id"] for row in seen["rows"]]
        return Check(order_id in ids, f"snapshot {seen['snapshot']}: orders of {customer} {ids[-5:]}", seen)
    return wait_until(readable, what=f"the order {order_id} to be committed to lakehouse.orders", timeout=timeout,
                      interval=0.2, transient=(InfrastructureError,)).value


def newest_order_id(owner: StackOwner, customer: str, database: str = "mariadb",
                    table: str = "oltp.orders") -> int | None:
    """The id of the newest order of `customer` in `table` (None when there is none)."""
    rows = catalog.of_kind(database, catalog.MariaDb).sql(
        owner, f"SELECT MAX(id) FROM {table} WHERE customer_id = '{customer}'")
    value = rows[0][0] if rows and rows[0] else "NULL"
    return None if value == "NULL" else int(value)


def warm_lakehouse(owner: StackOwner, database: str = "mariadb", table: str = "oltp.orders") -> int:
    """The orders job's whole path run once before a drill: an order written to `table` and waited for until it is
    readable in lakehouse.orders. A new job, or a new task manager, starts its S3 clients (the writer's, the
    committer's; the reader's too) on its first data; done here, that start is not inside a drill's timings.
    The order's id."""
    catalog.of_kind(database, catalog.MariaDb).sql(
        owner, f"INSERT INTO {table} (customer_id, status, amount) VALUES ('{WARMUP_CUSTOMER}', 'new', 1.00)")
    order_id = newest_order_id(owner, WARMUP_CUSTOMER, database, table)
    wait_readable(owner, order_id, WARMUP_CUSTOMER, WARM_TIMEOUT)
    return order_id


def column_type(owner: StackOwner, database: str, table: str, column: str) -> str:
    schema, name = table.split(".")
    rows = catalog.of_kind(database, catalog.MariaDb).sql(
        owner, f"SELECT UPPER(COLUMN_TYPE) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '{schema}' "
               f"AND TABLE_NAME = '{name}' AND COLUMN_NAME = '{column}'")
    return rows[0][0] if rows else ""


@dataclass(frozen=True)
class RestoreWithFixedMapping:
    """Remediation (runbook "Flink job keeps restarting"): the job manager's log shows the schema error; deploy
    the job with the fixed type mapping (`lenient`: a decimal sent as text is accepted) and restore it from the
    failing job's last checkpoint, so nothing after that checkpoint is lost or read twice past the sink."""
    service: str = JOBMANAGER

    def __call__(self, ctx: RemediationContext) -> None:
        client = flink_client(ctx.owner, self.service)
        failing = orders_job(client)
        checkpoint = client.last_checkpoint(failing["jid"]) if failing else None
        cancel_orders_jobs(client)
        deploy(ctx.owner, "lenient", "committed", checkpoint, self.service)

    def __str__(self) -> str:
        return "deploy the orders job with the fixed amount mapping, restored from the last checkpoint"


@dataclass(frozen=True)
class ColumnTypeChanged(Fault):
    """`amount` of oltp.orders changed from DECIMAL(10,2) to VARCHAR(32) upstream, and an order written: the
    orders job's mapping fails on its change event. The job must have a completed checkpoint first (restarts
    restore it). Revert restores the column's type and redeploys the job as it was (strict mapping), replacing a
    failing or fixed one; it starts at the topic's end, past the drill's event (the runbook's "skip the poison
    record"), which a strict job would otherwise meet again."""
    kind: ClassVar[str] = "column-type-changed"
    effect_within: ClassVar[float] = 30.0   # the change event reaches the job through Debezium and Kafka
    database: str = "mariadb"
    table: str = "oltp.orders"
    column: str = "amount"
    service: str = JOBMANAGER

    def prepare(self, owner: StackOwner) -> None:
        """The job has written and committed an order (warm_lakehouse): its first failure is then the schema
        error, not the writer starting its S3 client while it is cancelled."""
        warm_lakehouse(owner, self.database, self.table)

    def inject(self, owner: StackOwner) -> None:
        client = flink_client(owner, self.service)
        job = orders_job(client)
        if job is None:
            raise ForeignTarget(f"no orders job runs on {self.service}: the drill needs the job it breaks")
        wait_checkpoint(client, job["jid"])
        db = catalog.of_kind(self.database, catalog.MariaDb)
        db.sql(owner, f"ALTER TABLE {self.table} MODIFY COLUMN {self.column} {DRILL_TYPE} NOT NULL")
        db.sql(owner, f"INSERT INTO {self.table} (customer_id, status, {self.column}) "
                      "VALUES ('flink-schema-drill', 'new', '19.90')")

    def revert(self, owner: StackOwner) -> None:
        try:
            if column_type(owner, self.database, self.table, self.column) != ORIGINAL_TYPE:
                catalog.of_kind(self.database, catalog.MariaDb).sql(
                    owner, f"ALTER TABLE {self.table} MODIFY COLUMN {self.column} {ORIGINAL_TYPE} NOT NULL")
            # always replaced: a failing job can look RUNNING between two restarts, and a fixed one is not the
            # deployment the steady state had
            cancel_orders_jobs(flink_client(owner, self.service))
            deploy(owner, "strict", "latest", None, self.service)
        except (NotFound, ForeignTarget, ServiceUnreachable):
            pass   # the containers are gone with their stack

    def in_effect(self, owner: StackOwner) -> Check:
        client = flink_client(owner, self.service)
        job = orders_job(client)
        if job is None:
            return Check(False, "no orders job")
        failed = [trace for trace in client.failures(job["jid"]) if SCHEMA_ERROR in trace]
        return Check(bool(failed), f"orders job {job['jid'][:8]} {job['state']}, {len(failed)} failures on the "
                                   f"schema error in its exception history")


FAULTS = (ColumnTypeChanged,)   # the kinds this module defines (chaos_harness.faults.kinds)
