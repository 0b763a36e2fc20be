"""Kafka Connect over its REST API, and the CDC connector's failure drill.

The drill takes the CDC user's REPLICATION SLAVE privilege away in MariaDB and restarts the task:
Debezium cannot read the binlog and the task goes FAILED (a real connector failure, not a
paused one). The runbook's remediation fixes the cause (GRANT) and restarts the connector with
its tasks over REST.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from docker.errors import NotFound

from chaos_harness import catalog
from chaos_harness.catalog import ConnectClient
from chaos_harness.errors import ForeignTarget
from chaos_harness.faults.base import Fault, RemediationContext
from chaos_harness.stack import StackOwner
from chaos_harness.waiting import Check, wait_until

CONNECTOR = "orders-cdc"
RESTART_TIMEOUT = 30.0


def connect_client(owner: StackOwner, service: str = "connect") -> ConnectClient:
    return catalog.of_kind(service, catalog.Connect).client(owner)


def set_replication_privilege(owner: StackOwner, database: str, granted: bool, user: str = "cdc") -> None:
    sql = (f"GRANT REPLICATION SLAVE ON *.* TO '{user}'@'%'" if granted
           else f"REVOKE REPLICATION SLAVE ON *.* FROM '{user}'@'%'")
    catalog.of_kind(database, catalog.MariaDb).sql(owner, sql)


def wait_state(client: ConnectClient, name: str, state: str, *, what: str, timeout: float = RESTART_TIMEOUT) -> None:
    """Until the connector and its tasks (at least one) are all in `state` (RUNNING, PAUSED)."""
    def probe() -> Check:
        states = client.states(name)
        return Check(len(states) > 1 and set(states) == {state}, f"states {states}")
    wait_until(probe, what=what, timeout=timeout, interval=0.2)


def wait_running(client: ConnectClient, name: str, timeout: float = RESTART_TIMEOUT) -> None:
    wait_state(client, name, "RUNNING", what=f"connector {name} and its tasks to run", timeout=timeout)


@dataclass(frozen=True)
class RestartConnector:
    """Remediation: restore the CDC user's privilege, then POST /connectors/{name}/restart?includeTasks=true."""
    connector: str = CONNECTOR
    database: str = "mariadb"
    connect: str = "connect"

    def __call__(self, ctx: "RemediationContext") -> None:
        owner = ctx.owner
        set_replication_privilege(owner, self.database, granted=True)
        client = connect_client(owner, self.connect)
        client.restart(self.connector, include_tasks=True)
        wait_running(client, self.connector)

    def __str__(self) -> str:
        return f"GRANT REPLICATION SLAVE to cdc, restart {self.connector} with its tasks over REST"


# -- faults ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ConnectorTaskFailed(Fault):
    """The CDC user loses REPLICATION SLAVE in `database` and the connector's task is restarted:
    Debezium cannot read the binlog and the task goes FAILED. Revert grants it back and restarts
    the connector with its tasks (idempotent)."""
    kind: ClassVar[str] = "connector-task-failed"
    connector: str = "orders-cdc"
    database: str = "mariadb"
    connect: str = "connect"

    def inject(self, owner: StackOwner) -> None:
        set_replication_privilege(owner, self.database, granted=False)
        connect_client(owner, self.connect).restart_task(self.connector, 0)

    def revert(self, owner: StackOwner) -> None:
        try:
            set_replication_privilege(owner, self.database, granted=True)
            client = connect_client(owner, self.connect)
            if client.failed_tasks(self.connector):
                client.restart(self.connector, include_tasks=True)
        except (NotFound, ForeignTarget):
            pass  # the stack is gone

    def in_effect(self, owner: StackOwner) -> Check:
        failed = connect_client(owner, self.connect).failed_tasks(self.connector)
        return Check(bool(failed), f"{self.connector}: {len(failed)} failed task(s)"
                     + (f" ({failed[0].get('trace', '').splitlines()[0][:160]})" if failed else ""))


FAULTS = (ConnectorTaskFailed,)   # the kinds this module defines (chaos_harness.faults.kinds)
