"""Connection saturation of the stack's databases, done with real client connections.

The drill opens real connections *inside* the database container (the engine's own CLI client
running a long sleep query, marked `chaos_connection_hog`), so they outlive no one: revert
terminates every marked session from the server side (`KILL` / `pg_terminate_backend`), which
also works from `python -m chaos_harness cleanup` after a crash, and is a no-op when none are left.
Commands run through `docker exec` on the container of the current stack only.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import ClassVar

from docker.errors import NotFound

from chaos_harness import catalog
from chaos_harness.errors import ForeignTarget, InfrastructureError
from chaos_harness.faults.base import Fault, RemediationContext
from chaos_harness.stack import StackOwner
from chaos_harness.waiting import Check, wait_until

MARK = "chaos_connection_hog"


@dataclass(frozen=True)
class Engine:
    name: str
    hold_one: str        # shell: opens ONE connection that stays busy for a day (in the db container)
    usage_sql: str       # -> "held used max", the checking session itself not counted
    release_sql: str     # terminates every marked session -> how many

    def query(self, owner: StackOwner, service: str, sql: str) -> list[str]:
        """The values of the answer's rows, in order (the catalog's SQL helper, as the engine's admin)."""
        db = catalog.service(service)
        if isinstance(db, catalog.MariaDb):
            rows = db.sql(owner, sql, delimiter="//")     # release_sql is a compound statement (BEGIN ... END)
        elif isinstance(db, catalog.Postgres):
            rows = db.sql(owner, sql)
        else:
            raise InfrastructureError(f"{service} is not a database in the catalog (chaos_harness/catalog.py)")
        return [value for row in rows for value in row]


MARIADB = Engine(
    name="mariadb",
    hold_one=f'mariadb -h127.0.0.1 -uapp -p"$MARIADB_APP_PASSWORD" -N -e "SELECT SLEEP(86400) AS {MARK}"',
    usage_sql=("SELECT (SELECT COUNT(*) FROM information_schema.PROCESSLIST "
               f"WHERE INFO LIKE '%{MARK}%' AND ID <> CONNECTION_ID()), "
               "(SELECT VARIABLE_VALUE - 1 FROM information_schema.GLOBAL_STATUS "
               "WHERE VARIABLE_NAME = 'THREADS_CONNECTED'), @@max_connections"),
    release_sql=("BEGIN NOT ATOMIC DECLARE n INT DEFAULT 0; FOR s IN (SELECT ID FROM information_schema.PROCESSLIST "
                 f"WHERE INFO LIKE '%{MARK}%' AND ID <> CONNECTION_ID()) DO KILL CONNECTION s.ID; SET n = n + 1; "
                 "END FOR; SELECT n; END"),
)

POSTGRES = Engine(
    name="postgres",
    hold_one=(f'PGPASSWORD="$POSTGRES_APP_PASSWORD" psql -qAt "host=127.0.0.1 dbname=app user=app '
              f'application_name={MARK}" -c "SELECT pg_sleep(86400)"'),
    usage_sql=(f"SELECT (SELECT count(*) FROM pg_stat_activity WHERE application_name = '{MARK}'), "
               "(SELECT sum(numbackends) FROM pg_stat_database) - 1, current_setting('max_connections')"),
    release_sql=f"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = '{MARK}'",
)

ENGINES = {e.name: e for e in (MARIADB, POSTGRES)}


def engine(name: str) -> Engine:
    if name not in ENGINES:
        raise InfrastructureError(f"unknown database engine {name!r}; known: {', '.join(ENGINES)}")
    return ENGINES[name]


@dataclass(frozen=True)
class Usage:
    held: int      # sessions opened by the drill
    used: int      # all client sessions (threads_connected / numbackends)
    maximum: int   # max_connections

    @property
    def ratio(self) -> float:
        return self.used / self.maximum

    def __str__(self) -> str:
        return f"{self.used} of max {self.maximum} connections in use ({self.ratio:.0%}), {self.held} held by the drill"


def usage(owner: StackOwner, service: str, engine_name: str) -> Usage:
    held, used, maximum = (int(float(v)) for v in engine(engine_name).query(owner, service, engine(engine_name).usage_sql))
    return Usage(held, used, maximum)


HEADROOM = 2          # slots left free for the exporter's scrape and the admin's check, so metrics keep flowing
TOP_UP_INTERVAL = 1.0  # seconds between top-up rounds (a started client needs ~0.3 s to show up)
SATURATE_TIMEOUT = 20.0
CONNECT_GRACE = 4.0    # seconds a launched client may take to show up on a loaded machine


def connections_to_reach(current: Usage, fraction: float) -> int:
    """How many more connections make usage reach `fraction` of max, leaving HEADROOM slots free."""
    wanted = math.ceil(fraction * current.maximum) - current.used
    return max(0, min(wanted, current.maximum - current.used - HEADROOM))


def saturate(owner: StackOwner, service: str, engine_name: str, fraction: float) -> Usage:
    """Hold connections until `fraction` of max_connections is in use; tops up clients that lost a
    race for a slot (a scrape connecting at the same moment). Clients still connecting count as
    held: on a loaded machine they take seconds, and launching more for them would overshoot and
    take the headroom the exporter needs to report at all."""
    launched = {"count": 0, "at": 0.0}

    def top_up() -> Check[Usage]:
        current = usage(owner, service, engine_name)
        if current.ratio >= fraction:
            return Check(True, str(current), current)
        settled = time.monotonic() - launched["at"] > CONNECT_GRACE  # clients not shown by now failed
        in_flight = 0 if settled else max(0, launched["count"] - current.held)
        more = max(0, connections_to_reach(current, fraction) - in_flight)
        if more:
            hold(owner, service, engine_name, more)
            launched.update(count=current.held + in_flight + more, at=time.monotonic())
        return Check(False, f"{current}; {in_flight} clients still connecting", current)
    return wait_until(top_up, what=f"{service} connections to reach {fraction:.0%} of max", timeout=SATURATE_TIMEOUT,
                      interval=TOP_UP_INTERVAL).value


def hold(owner: StackOwner, service: str, engine_name: str, count: int) -> None:
    """Open `count` real client connections in the container, in the background (they stay until killed)."""
    if count <= 0:
        return
    script = f"for i in $(seq {count}); do {engine(engine_name).hold_one} >/dev/null 2>&1 & done; wait"
    owner.container(service).exec_run(["sh", "-c", script], detach=True)


def release(owner: StackOwner, service: str, engine_name: str) -> int:
    """Terminate every session the drill holds; returns how many (0 when none: idempotent)."""
    out = engine(engine_name).query(owner, service, engine(engine_name).release_sql)
    return int(out[0]) if out and out[0].isdigit() else 0


@dataclass(frozen=True)
class ReleaseHeldConnections:
    """Remediation: list the sessions (SHOW PROCESSLIST / pg_stat_activity) and terminate the leaked ones."""
    service: str
    engine: str

    def __call__(self, ctx: "RemediationContext") -> None:
        owner = ctx.owner
        release(owner, self.service, self.engine)

    def __str__(self) -> str:
        return f"terminate the leaked sessions on {self.service}"


# -- faults ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ConnectionsSaturated(Fault):
    """Real client connections held open in a database until `fraction` of max_connections is in use
    (a leaking pool). Revert terminates the held sessions server-side (above)."""
    kind: ClassVar[str] = "connections-saturated"
    service: str
    engine: str                # "mariadb" | "postgres"
    fraction: float = 0.925

    def inject(self, owner: StackOwner) -> None:
        saturate(owner, self.service, self.engine, self.fraction)

    def revert(self, owner: StackOwner) -> None:
        try:
            release(owner, self.service, self.engine)
        except (NotFound, ForeignTarget):
            pass  # the container is gone with its stack

    def in_effect(self, owner: StackOwner) -> Check:
        current = usage(owner, self.service, self.engine)
        return Check(current.ratio >= self.fraction, f"{self.service}: {current}")


FAULTS = (ConnectionsSaturated,)   # the kinds this module defines (chaos_harness.faults.kinds)
