"""Cassandra drills: the reservation TTL lowered by a bad DDL change (oversell risk) and its repair.

CQL runs inside a node of the current stack (`docker exec <node> cqlsh -e ...`, the image's minimal
cqlsh on the Python driver), like the database drills use the engine's own CLI: no driver on the host.

Durations: the runbook speaks production seconds (`--ttl 60`, baseline 900). The test stack runs
time-compressed by its factor (chaos_harness/timing.py), and its inventory table was created with the
compressed baseline (900 s / 30 = 30 s); so the drill applies `scale_seconds(ttl, factor)`: 60 s -> 2 s.
The factor is read from the stack itself (inventory-service's INVENTORY_TIME_SCALE), so a drill
against a production-timed stack (factor 1) applies the TTL as given.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from docker.errors import NotFound

from chaos_harness import catalog
from chaos_harness.errors import ConfigError, ForeignTarget, InfrastructureError
from chaos_harness.faults.base import Fault, RemediationContext
from chaos_harness.stack import StackOwner
from chaos_harness.timing import scale_seconds
from chaos_harness.waiting import Check, wait_until

NODE = "cassandra-node1"
NODES = ("cassandra-node1", "cassandra-node2")
INVENTORY = "inventory-service"
BASELINE_TTL = 900      # production default_time_to_live of inventory.reservations (seconds)
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,47}$")


def identifier(value: str) -> str:
    """A CQL keyspace/table name (unquoted identifier); anything else is refused, never spliced into CQL."""
    if not _IDENTIFIER.match(value or ""):
        raise ConfigError(f"not a CQL identifier: {value!r} (letters, digits, underscore; e.g. inventory)")
    return value


def cql(owner: StackOwner, statement: str, node: str = NODE) -> list[str]:
    """One CQL statement on `node` (the catalog's cqlsh helper); its output lines."""
    return catalog.of_kind(node, catalog.Cassandra).cql(owner, statement)


def stack_time_factor(owner: StackOwner, service: str = INVENTORY) -> float:
    """The time factor the stack's services run at (1 when the service does not say)."""
    env = owner.container(service).attrs.get("Config", {}).get("Env") or []
    values = dict(item.split("=", 1) for item in env if "=" in item)
    try:
        return max(1.0, float(values.get("INVENTORY_TIME_SCALE", "1") or 1))
    except ValueError:
        return 1.0


def table_ttl(owner: StackOwner, keyspace: str, table: str, node: str = NODE) -> int:
    """The table's default_time_to_live in seconds (as applied, i.e. compressed in a test stack)."""
    lines = cql(owner, "SELECT default_time_to_live FROM system_schema.tables WHERE keyspace_name = "
                       f"'{identifier(keyspace)}' AND table_name = '{identifier(table)}'", node)
    if not lines:
        raise InfrastructureError(f"table {keyspace}.{table} does not exist (is the inventory-service up?)")
    return int(lines[0].strip())


def ttl_on_every_node(owner: StackOwner, keyspace: str, table: str) -> dict[str, int]:
    """The TTL each running node's schema holds. A node coordinates writes with its own copy of the
    schema, so an ALTER is only in effect (or repaired) once every running node has it."""
    seen = {}
    for node in NODES:
        container = owner.container(node)
        container.reload()
        if container.status == "running":
            seen[node] = table_ttl(owner, keyspace, table, node)
    return seen


def ttl_holds(owner: StackOwner, keyspace: str, table: str, wanted: int) -> Check:
    """Does every running node's schema hold `wanted` seconds?"""
    seen = ttl_on_every_node(owner, keyspace, table)
    return Check(bool(seen) and set(seen.values()) == {wanted},
                 f"{keyspace}.{table} default_time_to_live per node {seen}", seen)


def set_table_ttl(owner: StackOwner, keyspace: str, table: str, seconds: int, node: str = NODE) -> None:
    cql(owner, f"ALTER TABLE {identifier(keyspace)}.{identifier(table)} WITH default_time_to_live = {int(seconds)}",
        node)


@dataclass(frozen=True)
class ReservationTtlLowered(Fault):
    """A DDL change lowers the reservations table's default TTL to `ttl` production seconds (applied
    compressed by the stack's time factor): new reservations lapse before their orders confirm.
    Revert restores `previous_ttl` (production seconds); both are idempotent."""
    kind: ClassVar[str] = "reservation-ttl-lowered"
    service: str = NODE           # the node cqlsh runs in
    keyspace: str = "inventory"
    table: str = "reservations"
    ttl: int = 60
    previous_ttl: int = BASELINE_TTL

    def applied_ttl(self, owner: StackOwner) -> int:
        return scale_seconds(self.ttl, stack_time_factor(owner))

    def inject(self, owner: StackOwner) -> None:
        set_table_ttl(owner, self.keyspace, self.table, self.applied_ttl(owner), self.service)

    def revert(self, owner: StackOwner) -> None:
        try:
            restore_ttl(owner, self.keyspace, self.table, self.previous_ttl, self.service)
        except (NotFound, ForeignTarget):
            pass  # the stack is gone

    def in_effect(self, owner: StackOwner) -> Check:
        wanted = self.applied_ttl(owner)
        check = ttl_holds(owner, self.keyspace, self.table, wanted)
        return Check(check.done, f"{check.state} (drill: {self.ttl}s production = {wanted}s here)", check.value)


def restore_ttl(owner: StackOwner, keyspace: str, table: str, production_ttl: int, node: str = NODE) -> int:
    """ALTER the table back to `production_ttl` (compressed for this stack) and wait until every running
    node's schema says so; returns the applied seconds. A no-op when it already holds."""
    wanted = scale_seconds(production_ttl, stack_time_factor(owner))
    if table_ttl(owner, keyspace, table, node) != wanted:
        set_table_ttl(owner, keyspace, table, wanted, node)
    wait_until(lambda: ttl_holds(owner, keyspace, table, wanted), what=f"{keyspace}.{table} default_time_to_live to be {wanted}s on every node",
               timeout=30, interval=0.2)
    return wanted


@dataclass(frozen=True)
class RestoreReservationTtl:
    """Remediation: `ALTER TABLE inventory.reservations WITH default_time_to_live = <baseline>`."""
    keyspace: str = "inventory"
    table: str = "reservations"
    ttl: int = BASELINE_TTL
    node: str = NODE

    def __call__(self, ctx: "RemediationContext") -> None:
        restore_ttl(ctx.owner, self.keyspace, self.table, self.ttl, self.node)

    def __str__(self) -> str:
        return f"ALTER TABLE {self.keyspace}.{self.table} WITH default_time_to_live = {self.ttl} (the baseline)"


FAULTS = (ReservationTtlLowered,)   # the kinds this module defines (chaos_harness.faults.kinds)
