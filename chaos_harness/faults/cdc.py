"""CDC drills: the Debezium connector falls behind MariaDB (replication lag), and schema drift.

The numbers come from the stack's cdc-exporter (stack/services/kafka_apps/cdc_exporter.py, its
last measurement read from GET /measurement on its published port), so a drill reports exactly
what Prometheus alerts on:
  binlogPositionDelta  binlog bytes between SHOW MASTER STATUS and the connector's committed offset
  rowCountDelta        rows of the table not yet emitted to its topic (by primary key `id`)
SQL runs through the `mariadb` CLI as root over the container's local socket (no password leaves
the stack), on containers of the current test stack only. The scripts
scripts/chaos/simulate_replication_lag.py and simulate_schema_drift.py are thin CLIs around this.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import ClassVar

from docker.errors import NotFound

from chaos_harness import catalog
from chaos_harness.faults.connect import CONNECTOR, ConnectClient, connect_client, wait_running, wait_state
from chaos_harness.errors import ConfigError, ForeignTarget, InfrastructureError
from chaos_harness.faults.base import Fault, RemediationContext
from chaos_harness import signals
from chaos_harness.stack import StackOwner
from chaos_harness.waiting import Check, wait_until

DATABASE, EXPORTER = "mariadb", "cdc-exporter"
CATCH_UP_TIMEOUT = 60.0
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


# The cdc-exporter measures in a background loop (every 0.5 s; a round of SQL + Connect REST + a Kafka read takes
# up to ~1.3 s on the loaded 2-core machine): a change shows once a round started after it has finished.
EXPORTER_ROUND = signals.exporter_round(interval=0.5, round_seconds=1.3, exporter="cdc-exporter")

def table_name(value: str) -> str:
    """`db.table`, both plain identifiers (they are put into SQL)."""
    parts = value.split(".")
    if len(parts) != 2 or not all(_NAME.match(p) for p in parts):
        raise ConfigError(f"not a table name: {value!r} (expected db.table, e.g. oltp.orders)")
    return value


def column_name(value: str) -> str:
    if not _NAME.match(value):
        raise ConfigError(f"not a column name: {value!r} (letters, digits, _)")
    return value


def sql(owner: StackOwner, statement: str, database: str = DATABASE) -> list[list[str]]:
    """One statement on the CDC source database (the catalog's MariaDB helper)."""
    return catalog.of_kind(database, catalog.MariaDb).sql(owner, statement)


def measure(owner: StackOwner, exporter: str = EXPORTER, timeout: float = 10.0) -> dict:
    """The cdc-exporter's first measurement started after this call (GET /measurement on its
    published port): binlogFile, binlogPosition, connectorOffset, binlogPositionDelta,
    tables.<t>.rowCountDelta, measuredAt. Waiting for a fresh one means a drill that just wrote
    rows or altered a table reports numbers that include its change."""
    api, asked = catalog.of_kind(exporter, catalog.HttpService).api(owner), time.time()

    def probe() -> Check:
        last = api.get("/measurement")["measurement"] or {}
        at = last.get("measuredAt", 0)
        return Check(at >= asked, f"last measurement {asked - at:.1f}s before the request", last)
    return wait_until(probe, what=f"a fresh measurement from {exporter}", timeout=timeout, interval=0.1,
                      transient=(InfrastructureError,)).value


def deltas(owner: StackOwner, table: str = "oltp.orders") -> dict:
    m = measure(owner)
    return {"binlogPositionDelta": m["binlogPositionDelta"],
            "rowCountDelta": m["tables"].get(table, {}).get("rowCountDelta"),
            "binlogPosition": f"{m['binlogFile']}:{m['binlogPosition']}", "connectorOffset": m["connectorOffset"]}


def write_rows(owner: StackOwner, rows: int, table: str = "oltp.orders") -> None:
    """INSERT `rows` orders in one statement (MariaDB's sequence engine)."""
    db = table_name(table).split(".")[0]
    sql(owner, f"INSERT INTO {table} (customer_id, status, amount) "
               f"SELECT CONCAT('chaos-lag-', seq), 'created', 9.99 FROM {db}.seq_1_to_{int(rows)}")


def connector_state(client: ConnectClient, connector: str) -> str:
    return client.status(connector)["connector"]["state"]


def wait_deltas(owner: StackOwner, table: str, done, *, what: str, timeout: float, interval: float) -> dict:
    """Until `done(deltas)` holds for a fresh measurement; returns those deltas."""
    def probe() -> Check:
        d = deltas(owner, table)
        return Check(done(d), str(d), d)
    return wait_until(probe, what=what, timeout=timeout, interval=interval).value


def pause_then_write(owner: StackOwner, client: ConnectClient, connector: str, rows: int,
                     table: str = "oltp.orders") -> None:
    """Pause the connector, wait until its tasks report PAUSED too (Connect REST), then write the rows (committed
    when this returns). Nothing here reads the cdc-exporter: the fault's latency to its metric stays measurable."""
    client.pause(connector)
    wait_state(client, connector, "PAUSED", what=f"{connector} and its tasks to pause", timeout=20)
    write_rows(owner, rows, table)


def pause_and_write(owner: StackOwner, client: ConnectClient, connector: str, rows: int,
                    table: str = "oltp.orders") -> dict:
    """The drill: pause the connector (PUT /connectors/{name}/pause), wait until its tasks report
    PAUSED too (a task finishes the batch it is polling first), then write rows while it is paused."""
    pause_then_write(owner, client, connector, rows, table)
    now = wait_deltas(owner, table, lambda d: bool(d["binlogPositionDelta"]) and d["rowCountDelta"] > 0,
                      what="the deltas to show the rows", timeout=20, interval=0.3)
    return {"connector": connector, "state": "PAUSED", "rowsWritten": rows, "table": table, **now}


def resume_and_catch_up(owner: StackOwner, client: ConnectClient, connector: str, table: str = "oltp.orders",
                        timeout: float = CATCH_UP_TIMEOUT) -> dict:
    """Revert/remediation: PUT /connectors/{name}/resume, wait until both deltas are back to 0."""
    client.resume(connector)
    wait_running(client, connector)
    now = wait_deltas(owner, table, lambda d: d["binlogPositionDelta"] == 0 and d["rowCountDelta"] == 0,
                      what="binlogPositionDelta and rowCountDelta to return to 0", timeout=timeout, interval=0.5)
    return {"connector": connector, "state": "RUNNING", "table": table, **now}


@dataclass(frozen=True)
class ConnectorPausedDuringWrites(Fault):
    """The CDC connector is paused over REST while the application writes `rows` orders: the binlog
    moves on, nothing reaches Kafka. Revert resumes it (idempotent) and waits for the catch-up."""
    kind: ClassVar[str] = "connector-paused-during-writes"
    connector: str = CONNECTOR
    rows: int = 200
    table: str = "oltp.orders"
    connect: str = "connect"

    def inject(self, owner: StackOwner) -> None:
        pause_then_write(owner, connect_client(owner, self.connect), self.connector, self.rows, self.table)

    def revert(self, owner: StackOwner) -> None:
        try:
            client = connect_client(owner, self.connect)
            if connector_state(client, self.connector) != "RUNNING":
                resume_and_catch_up(owner, client, self.connector, self.table)
        except (NotFound, ForeignTarget):
            pass  # the stack is gone

    def in_effect(self, owner: StackOwner) -> Check:
        """Observed on Connect's REST API (connector and tasks PAUSED; the rows were committed by `inject`), not
        on the cdc-exporter the alert's metric comes from: its measuring latency belongs to time-to-fire."""
        states = connect_client(owner, self.connect).states(self.connector)
        return Check(len(states) > 1 and set(states) == {"PAUSED"}, f"{self.connector} states {states}")


@dataclass(frozen=True)
class ResumeConnector:
    """Remediation: PUT /connectors/{name}/resume (the drill's --revert); the deltas return to 0."""
    connector: str = CONNECTOR
    table: str = "oltp.orders"
    connect: str = "connect"

    def __call__(self, ctx: RemediationContext) -> None:
        resume_and_catch_up(ctx.owner, connect_client(ctx.owner, self.connect), self.connector, self.table)

    def __str__(self) -> str:
        return f"resume {self.connector} over REST (PUT /connectors/{self.connector}/resume), wait for deltas 0"


# -- schema drift --------------------------------------------------------------------------------
def columns(owner: StackOwner, table: str) -> list[str]:
    db, name = table_name(table).split(".")
    return [r[0] for r in sql(owner, "SELECT COLUMN_NAME FROM information_schema.COLUMNS "
                                     f"WHERE TABLE_SCHEMA='{db}' AND TABLE_NAME='{name}' ORDER BY ORDINAL_POSITION")]


def add_column(owner: StackOwner, table: str, column: str) -> dict:
    sql(owner, f"ALTER TABLE {table_name(table)} ADD COLUMN IF NOT EXISTS {column_name(column)} VARCHAR(64) NULL")
    return {"table": table, "column": column, "action": "added", "columns": columns(owner, table)}


def drop_column(owner: StackOwner, table: str, column: str) -> dict:
    sql(owner, f"ALTER TABLE {table_name(table)} DROP COLUMN IF EXISTS {column_name(column)}")
    return {"table": table, "column": column, "action": "dropped", "columns": columns(owner, table)}


def drift(owner: StackOwner, table: str) -> dict:
    t = measure(owner)["tables"].get(table) or {}
    return {"unexpectedColumns": t.get("unexpectedColumns"), "missingColumns": t.get("missingColumns")}


@dataclass(frozen=True)
class UnexpectedColumnAdded(Fault):
    """A producer adds a column the CDC contract does not know (ALTER TABLE ... ADD COLUMN).
    Revert drops it (DROP COLUMN IF EXISTS: idempotent)."""
    kind: ClassVar[str] = "unexpected-column-added"
    table: str = "oltp.orders"
    column: str = "unexpected_field"

    def inject(self, owner: StackOwner) -> None:
        add_column(owner, self.table, self.column)

    def revert(self, owner: StackOwner) -> None:
        try:
            drop_column(owner, self.table, self.column)
        except (NotFound, ForeignTarget):
            pass

    def in_effect(self, owner: StackOwner) -> Check:
        present = self.column in columns(owner, self.table)
        return Check(present, f"{self.table} columns {'include' if present else 'lack'} {self.column}")


@dataclass(frozen=True)
class RevertColumnRestartConnector:
    """Remediation (runbook): roll the change back (the drill's --revert: DROP COLUMN), then
    POST /connectors/{name}/restart?includeTasks=true and wait until it runs."""
    table: str = "oltp.orders"
    column: str = "unexpected_field"
    connector: str = CONNECTOR
    connect: str = "connect"

    def __call__(self, ctx: RemediationContext) -> None:
        drop_column(ctx.owner, self.table, self.column)
        client = connect_client(ctx.owner, self.connect)
        client.restart(self.connector, include_tasks=True)
        wait_running(client, self.connector)

    def __str__(self) -> str:
        return f"drop {self.column} from {self.table} (--revert), restart {self.connector} over REST"


FAULTS = (ConnectorPausedDuringWrites, UnexpectedColumnAdded,)   # the kinds this module defines (chaos_harness.faults.kinds)
