"""inventory.reservations in Cassandra: schema, reads and writes (cassandra-driver, Debian's python3-cassandra).

One row per reservation; the table's default_time_to_live makes a reservation lapse on its own if its
order never confirms. Rows are written without `USING TTL`, so the table's TTL applies: a TTL lowered
by a bad DDL change silently shortens every new reservation, which is the runbook's oversell risk.

Consistency: QUORUM with a downgrading retry. With both nodes up a read sees every acknowledged write
(no false "vanished" reservations); with one node convicted down the coordinator answers at ONE and the
service keeps working.
"""
from __future__ import annotations

import uuid
import warnings
from dataclasses import dataclass

from cassandra import ConsistencyLevel
from cassandra.auth import PlainTextAuthProvider
from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile
from cassandra.policies import DowngradingConsistencyRetryPolicy, RoundRobinPolicy
from cassandra.query import ValueSequence

from inventory_service import settings

warnings.filterwarnings("ignore", category=DeprecationWarning)


@dataclass(frozen=True)
class Reservation:
    reservation_id: uuid.UUID
    sku: str
    order_id: str
    quantity: int


class ReservationStore:
    def __init__(self) -> None:
        auth = PlainTextAuthProvider(settings.USERNAME, settings.PASSWORD) if settings.USERNAME else None
        profile = ExecutionProfile(consistency_level=ConsistencyLevel.QUORUM,
                                   retry_policy=DowngradingConsistencyRetryPolicy(),
                                   load_balancing_policy=RoundRobinPolicy(),
                                   request_timeout=settings.REQUEST_TIMEOUT)
        self.cluster = Cluster(settings.CONTACT_POINTS, port=settings.PORT, auth_provider=auth, protocol_version=5,
                               execution_profiles={EXEC_PROFILE_DEFAULT: profile}, connect_timeout=5)
        self.session = None
        self.keyspace, self.table = settings.KEYSPACE, settings.TABLE

    def connect(self, baseline_ttl: int) -> None:
        """Connect and create the keyspace/table if missing (the table with the baseline TTL)."""
        self.session = self.cluster.connect()
        self.session.execute(
            f"CREATE KEYSPACE IF NOT EXISTS {self.keyspace} WITH replication = "
            f"{{'class': 'SimpleStrategy', 'replication_factor': {settings.REPLICATION_FACTOR}}}")
        self.session.execute(
            f"CREATE TABLE IF NOT EXISTS {self.keyspace}.{self.table} ("
            "reservation_id uuid PRIMARY KEY, sku text, order_id text, quantity int, reserved_at timestamp) "
            f"WITH default_time_to_live = {int(baseline_ttl)}")
        self._insert = self.session.prepare(
            f"INSERT INTO {self.keyspace}.{self.table} (reservation_id, sku, order_id, quantity, reserved_at) "
            "VALUES (?, ?, ?, ?, toTimestamp(now()))")
        self._get = self.session.prepare(
            f"SELECT reservation_id, sku, order_id, quantity FROM {self.keyspace}.{self.table} WHERE reservation_id = ?")
        self._delete = self.session.prepare(f"DELETE FROM {self.keyspace}.{self.table} WHERE reservation_id = ?")
        self._ttl = self.session.prepare(
            "SELECT default_time_to_live FROM system_schema.tables WHERE keyspace_name = ? AND table_name = ?")

    def insert(self, sku: str, order_id: str, quantity: int) -> Reservation:
        reservation = Reservation(uuid.uuid4(), sku, order_id, quantity)
        self.session.execute(self._insert, (reservation.reservation_id, sku, order_id, quantity))
        return reservation

    def get(self, reservation_id: uuid.UUID) -> Reservation | None:
        row = self.session.execute(self._get, (reservation_id,)).one()
        return Reservation(row.reservation_id, row.sku, row.order_id, row.quantity) if row else None

    def delete(self, reservation_id: uuid.UUID) -> None:
        self.session.execute(self._delete, (reservation_id,))

    def existing(self, ids: list[uuid.UUID]) -> set[uuid.UUID]:
        """Which of these reservation rows still exist (TTL not elapsed, not deleted)."""
        found: set[uuid.UUID] = set()
        for start in range(0, len(ids), 50):
            chunk = ids[start:start + 50]
            rows = self.session.execute(
                f"SELECT reservation_id FROM {self.keyspace}.{self.table} WHERE reservation_id IN %s",
                (ValueSequence(chunk),))
            found.update(row.reservation_id for row in rows)
        return found

    def default_ttl(self) -> int | None:
        row = self.session.execute(self._ttl, (self.keyspace, self.table)).one()
        return int(row.default_time_to_live) if row else None
