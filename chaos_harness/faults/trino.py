"""Trino query backlog: heavy queries submitted above the coordinator's concurrency limit, and the runbook's kill.

The test stack's resource group runs one query at a time (stack/images/trino/etc/resource-groups.json, the
"small concurrency limit"); production's limit is larger, the mechanism the same. The drill submits full scans
of `tpch.sf1.lineitem` (6 M rows) through Trino's client protocol and never reads their results, like a
reporting client that stalls: the running scan fills its output buffer and waits there, holding its slot, and
every other scan waits in the queue. Trino's query manager counts the waiting queries
(`trino_execution_queuedqueries`, the JMX exporter agent on :9405); the drill only submits queries.
Each query carries the drill's source (X-Trino-Source), so revert finds and kills them server-side through the
REST API, also from `chaos-harness cleanup` after a crash (and an unread query ends on its own after
`query.client.timeout`, 10 min, in etc/config.properties).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from docker.errors import NotFound

from chaos_harness import catalog
from chaos_harness.catalog import TrinoClient
from chaos_harness.errors import ForeignTarget, InfrastructureError, ServiceUnreachable
from chaos_harness.faults.base import Fault, RemediationContext
from chaos_harness.stack import StackOwner
from chaos_harness.waiting import Check, wait_until

HEAVY_QUERY = "SELECT * FROM tpch.sf1.lineitem"
DRILL_SOURCE = "chaos-backlog-drill"
KILL_TIMEOUT = 15.0
ACCEPT_TIMEOUT = 45.0


def trino_client(owner: StackOwner, service: str = "trino") -> TrinoClient:
    return catalog.of_kind(service, catalog.Trino).client(owner)


PROBE_QUERY = "SELECT count(*) FROM tpch.tiny.region"   # a scan: it needs a worker node (SELECT 1 does not)


def wait_accepting_queries(client: TrinoClient) -> None:
    """Until the coordinator runs a query that scans (PROBE_QUERY finishes): for a few seconds after it reports
    itself started, its node manager has not seen the node's own announcement yet and every query that needs a
    worker fails ("nodes is empty"); `SELECT 1` runs on the coordinator alone and says nothing about that."""
    def runs() -> Check:
        try:
            answer = client.run(PROBE_QUERY, timeout=20.0)   # a cold coordinator's first scan took 7.8 s
        except InfrastructureError as exc:     # also ServiceUnreachable: the server itself is still starting
            return Check(False, str(exc)[:200])
        error = (answer.get("error") or {}).get("message")
        return Check(error is None and answer["stats"]["state"] == "FINISHED",
                     f"{PROBE_QUERY} {answer['stats']['state']}" + (f": {error}" if error else ""))
    wait_until(runs, what="the Trino coordinator to run a query", timeout=ACCEPT_TIMEOUT, interval=0.5)


def submit_heavy_queries(client: TrinoClient, count: int, source: str = DRILL_SOURCE) -> list[str]:
    """Starts `count` heavy scans whose results nobody reads; their query ids."""
    return [client.submit(HEAVY_QUERY, source)["id"] for _ in range(count)]


def kill_queries(client: TrinoClient, source: str, message: str) -> int:
    """Kills every unfinished query of `source` (PUT /v1/query/{queryId}/killed) until the coordinator lists none;
    how many it killed (0 when none: idempotent)."""
    killed: set[str] = set()

    def none_left() -> Check:
        left = client.queries(source)
        for query in left:
            client.kill(query["queryId"], message)
            killed.add(query["queryId"])
        return Check(not left, f"{len(left)} queries of {source!r} still unfinished")
    wait_until(none_left, what=f"Trino queries of {source!r} to be killed", timeout=KILL_TIMEOUT, interval=0.2)
    return len(killed)


def backlog(client: TrinoClient, source: str = DRILL_SOURCE) -> tuple[int, int]:
    """(running, queued) queries of `source`, as the coordinator lists them."""
    states = [q["state"] for q in client.queries(source)]
    queued = sum(state in ("QUEUED", "WAITING_FOR_RESOURCES") for state in states)
    return len(states) - queued, queued


@dataclass(frozen=True)
class KillHeavyQueries:
    """Remediation: find the heavy queries in the coordinator's query list (the web UI's list: the stalled
    client's scans) and kill them (PUT /v1/query/{queryId}/killed); the queue drains."""
    service: str = "trino"
    source: str = DRILL_SOURCE

    def __call__(self, ctx: RemediationContext) -> None:
        kill_queries(trino_client(ctx.owner, self.service), self.source, "runbook: heavy query killed by on-call")

    def __str__(self) -> str:
        return f"kill the heavy queries of {self.source!r} on {self.service} (PUT /v1/query/{{queryId}}/killed)"


@dataclass(frozen=True)
class QueryBacklog(Fault):
    """`queries` heavy scans submitted at once to a coordinator that runs one at a time: one runs (stalled on its
    unread result), the rest wait in the queue. Revert kills them (above)."""
    kind: ClassVar[str] = "trino-query-backlog"
    # submitting is one POST and one GET per query and the coordinator lists them queued at once; a coordinator
    # added to the stack just before first needs seconds until it runs a scan (wait_accepting_queries: its first
    # scan took 7.8 s on the loaded machine)
    effect_within: ClassVar[float] = 30.0
    service: str = "trino"
    queries: int = 8

    def inject(self, owner: StackOwner) -> None:
        client = trino_client(owner, self.service)
        wait_accepting_queries(client)
        submit_heavy_queries(client, self.queries)

    def revert(self, owner: StackOwner) -> None:
        try:
            kill_queries(trino_client(owner, self.service), DRILL_SOURCE, "chaos drill reverted")
        except (NotFound, ForeignTarget, ServiceUnreachable):
            pass   # the coordinator is gone with its stack, and its queries with it

    def in_effect(self, owner: StackOwner) -> Check:
        running, queued = backlog(trino_client(owner, self.service))
        return Check(running + queued >= self.queries and queued >= 1,
                     f"{self.service}: {running} drill queries running, {queued} queued (of {self.queries})")


FAULTS = (QueryBacklog,)   # the kinds this module defines (chaos_harness.faults.kinds)
