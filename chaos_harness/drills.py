"""The runbook's drills, probes and maintenance actions as functions returning JSON-able reports.

The scripts under scripts/ are thin command lines around these; scenarios use the same
functions (remediations below), so the drill a person runs by hand is the drill the suite proves.
"""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass

from chaos_harness import catalog
from chaos_harness.catalog import SUPPORT_SERVICE
from chaos_harness.faults import ContainerPaused, Nemesis, RemediationContext
from chaos_harness.faults.apps import TimelineCacheCorrupted
from chaos_harness.errors import InfrastructureError, ServiceUnreachable
from chaos_harness.services import NotificationClient, ProviderClient, SupportClient, metric_value
from chaos_harness.waiting import Check, wait_until


def open_drill_faults(ledger, owner, kind: str, **fields) -> list:
    """The ledger's open faults of `kind` in this stack whose description has these field values: what a drill's
    `--revert` closes."""
    return [e for e in ledger.open_faults() if e.project == owner.project and e.fault.get("kind") == kind
            and all(e.fault.get(k) == v for k, v in fields.items())]


def _timed(call):
    started = time.perf_counter()
    value = call()
    return value, round((time.perf_counter() - started) * 1000, 1)


# -- notification-service ---------------------------------------------------------------------
def notification_provider_failure(client: NotificationClient, provider: ProviderClient, count: int) -> dict:
    """Runbook drill 0: create `count` notifications, make the provider reject exactly those (its failure
    list), and send them. notification-service counts the failures it observes from the provider in
    notification_failure_total; the drill only reads that counter. The provider stops rejecting them
    however the drill ends."""
    failures = lambda: metric_value(client.metrics(), "notification_failure_total")  # noqa: E731
    rejected = lambda: metric_value(provider.metrics(), "provider_messages_rejected_total")  # noqa: E731
    before, rejected_before = failures(), rejected()
    ids = [client.create(f"drill-provider-failure-{i}", "email", "order", "provider failure drill")["id"]
           for i in range(count)]
    outcomes: dict[int, dict] = {}
    provider.fail(notification_ids=ids)
    try:
        for notification_id in ids:
            try:
                client.send(notification_id)
            except ServiceUnreachable:
                raise
            except InfrastructureError:
                pass   # 502: the provider rejected it, which is what the drill is for; its status says so
            outcomes[notification_id] = client.get(notification_id)
    finally:
        provider.restore(notification_ids=ids)
    after, rejected_after = failures(), rejected()
    statuses = dict(Counter(o["status"] for o in outcomes.values()))
    checks = {f"all {count} notifications failed": statuses == {"failed": count},
              f"the provider rejected {count} messages": rejected_after - rejected_before >= count,
              f"notification_failure_total rose by {count}": after - before >= count}
    return {"drill": "notification_provider_failure", "count": count, "notificationIds": ids,
            "providerUrl": provider.api.base_url, "statuses": statuses,
            "providerError": next((o.get("providerError") for o in outcomes.values() if o.get("providerError")), None),
            "providerRejected": rejected_after - rejected_before,
            "notificationFailureTotalBefore": before, "notificationFailureTotalAfter": after,
            "delta": after - before, "checks": checks, "ok": all(checks.values())}


def notification_redis_outage(client: NotificationClient, nemesis: Nemesis, batch: int = 20,
                              timeout: float = 30.0) -> dict:
    """Runbook drill 0b: pause Redis, send a batch, wait for the limiter's error counter to grow,
    bring Redis back and confirm the service recovered. The pause goes through the nemesis, so it
    is in the ledger and rolled back however this ends."""
    errors = lambda: metric_value(client.metrics(), "notification_rate_limit_errors_total")  # noqa: E731
    before = errors()
    sent = failed = 0
    with nemesis.applied(ContainerPaused("redis")):
        for i in range(batch):
            try:
                client.create_and_send(f"drill-customer-{i}")
                sent += 1
            except Exception:  # noqa: BLE001 - a failed send is part of what we observe
                failed += 1
        def grew() -> Check:
            new = errors() - before
            return Check(new > 0, f"{new:g} new errors")
        wait_until(grew, what="notification_rate_limit_errors_total to increase", timeout=timeout)
        during = errors()
    wait_until(lambda: Check(client.health().get("redis") == "up", str(client.health())),
               what="notification-service to reach Redis again", timeout=timeout)
    return {"drill": "notification_redis_outage", "batch": batch, "sentWhileRedisDown": sent,
            "failedWhileRedisDown": failed, "rateLimitErrorsBefore": before, "rateLimitErrorsAfter": during,
            "delta": during - before, "redisRestored": True, "ok": during > before}


def notification_probe(client: NotificationClient) -> dict:
    """Synthetic probe: the create/send flow works and its metrics move."""
    metrics = client.metrics()
    sent_before = metric_value(metrics, "notification_sent_total")
    latency_before = metric_value(metrics, "notification_send_latency_seconds_count")
    created, create_ms = _timed(lambda: client.create("synthetic-probe", "email", "support", "probe"))
    sent, send_ms = _timed(lambda: client.send(created["id"]))
    metrics = client.metrics()
    checks = {"sent": sent.get("status") == "sent",
              "notification_sent_total increased": metric_value(metrics, "notification_sent_total") > sent_before,
              "notification_send_latency_seconds_count increased":
                  metric_value(metrics, "notification_send_latency_seconds_count") > latency_before}
    return {"probe": "notification", "notificationId": created["id"], "status": sent.get("status"),
            "createMs": create_ms, "sendMs": send_ms, "checks": checks, "ok": all(checks.values())}


# -- support-service ----------------------------------------------------------------------------
def support_timeline_probe(client: SupportClient, latency_budget_ms: float = 2000.0) -> dict:
    """Synthetic probe: create a test ticket, measure its timeline cold, warm and after refresh."""
    ticket = client.create_ticket("synthetic-probe", f"probe-order-{int(time.time())}", "synthetic probe")
    cold, cold_ms = _timed(lambda: client.case(ticket["id"]))
    warm, warm_ms = _timed(lambda: client.case(ticket["id"]))
    refreshed, refresh_ms = _timed(lambda: client.refresh_timeline(ticket["id"]))
    _, attachments_ms = _timed(lambda: client.attachments(ticket["id"]))
    timeline = cold["timeline"]
    checks = {"timeline has events": bool(timeline["events"]),
              "all sources available": not timeline["unavailableSources"],
              "cold timeline within budget": cold_ms <= latency_budget_ms,
              "warm timeline served from cache": warm["timeline"]["source"] == "cache",
              "attachments listed within 1s": attachments_ms < 1000}
    return {"probe": "support_timeline", "caseId": ticket["id"], "coldMs": cold_ms, "warmMs": warm_ms,
            "refreshMs": refresh_ms, "attachmentsListMs": attachments_ms, "events": len(timeline["events"]),
            "unavailableSources": timeline["unavailableSources"], "refreshedSource": refreshed["source"],
            "checks": checks, "ok": all(checks.values())}


def offload_support_attachments(client: SupportClient, age_days: float, dry_run: bool) -> dict:
    """Maintenance: move attachments older than age_days to the archive (or only list them)."""
    return {"maintenance": "offload_support_attachments", **client.offload(age_days, dry_run)}


def cached_timeline_cases(owner) -> list[int]:
    """The cases whose timeline support-service holds in its Redis cache (`support:timeline:<case id>`, where the
    cache-corruption fault writes): the ones a corrupted entry can belong to."""
    cache = TimelineCacheCorrupted()
    keys = catalog.of_kind(cache.redis_service, catalog.Redis).cli(owner, "-n", str(cache.db), "--scan",
                                                                     "--pattern", cache.pattern).split()
    ids = (key.rsplit(":", 1)[-1] for key in keys)
    return sorted({int(i) for i in ids if i.isdigit()})


def refresh_cached_timelines(client: SupportClient, case_ids: list[int]) -> dict:
    """/support/cases/{id}/timeline/refresh for each case: its cache entry is cleared and rebuilt. Only the cached
    cases, not every ticket: the tickets grow with every case a session opened (in CI the late runs refreshed
    hundreds, 36 s), the cached ones are those opened within the cache TTL."""
    for case_id in case_ids:
        client.refresh_timeline(case_id)
    return {"refreshed": len(case_ids)}


# -- remediations built on the same code ----------------------------------------------------------
@dataclass(frozen=True)
class OffloadAttachments:
    """`make support-offload ARGS="--age-days N"`: the runbook's attachment backlog remediation."""
    age_days: float = 30

    def __call__(self, ctx: RemediationContext) -> None:
        offload_support_attachments(SupportClient(SUPPORT_SERVICE.url(ctx.owner)), self.age_days, False)

    def __str__(self) -> str:
        return f"offload attachments older than {self.age_days:g} days to the archive (support-offload)"


@dataclass(frozen=True)
class RefreshTimelines:
    """POST /support/cases/{id}/timeline/refresh for every case with a cached timeline: clears and rebuilds it."""

    def __call__(self, ctx: RemediationContext) -> None:
        refresh_cached_timelines(SupportClient(SUPPORT_SERVICE.url(ctx.owner)), cached_timeline_cases(ctx.owner))

    def __str__(self) -> str:
        return "refresh the timeline of every case with a cached one (/support/cases/{id}/timeline/refresh)"




# -- inventory / Cassandra ------------------------------------------------------------------------
def ttl_oversell(owner, ledger, keyspace: str, table: str, ttl: int | None, *, revert: bool = False,
                 previous_ttl: int | None = None, dry_run: bool = False) -> dict:
    """Runbook drill `chaos-ttl-oversell`: lower the reservations table's default TTL to `ttl` production
    seconds (compressed by the stack's time factor), or with `revert` restore `previous_ttl`.

    The lowered TTL is a fault left in place on purpose until `--revert`: it is written to the fault
    ledger first, so `make cleanup` restores it if nobody does; `--revert` closes that ledger entry.
    Without --previous-ttl, --revert restores the TTL the open ledger entry recorded."""
    from chaos_harness.faults.cassandra import (ReservationTtlLowered, identifier, restore_ttl, stack_time_factor, table_ttl,
                                   ttl_on_every_node)
    from chaos_harness.errors import ConfigError
    from chaos_harness.timing import scale_seconds
    keyspace, table = identifier(keyspace), identifier(table)
    factor = stack_time_factor(owner)
    current = table_ttl(owner, keyspace, table)
    report = {"drill": "simulate_ttl_oversell", "stack": owner.project, "keyspace": keyspace, "table": table,
              "timeFactor": factor, "currentTtlSeconds": current,
              "currentTtlProductionSeconds": round(current * factor), "dryRun": dry_run}
    open_entries = open_drill_faults(ledger, owner, ReservationTtlLowered.kind, keyspace=keyspace, table=table)
    if revert:
        if previous_ttl is None:
            if not open_entries:
                raise ConfigError("--revert needs --previous-ttl SECONDS: no open TTL drill of "
                                  f"{keyspace}.{table} in the ledger says what it was")
            previous_ttl = int(open_entries[-1].fault["previous_ttl"])
        applied = scale_seconds(previous_ttl, factor)
        report.update(action="revert", previousTtlProductionSeconds=previous_ttl, ttlAppliedSeconds=applied,
                      cql=f"ALTER TABLE {keyspace}.{table} WITH default_time_to_live = {applied}")
        if not dry_run:
            restore_ttl(owner, keyspace, table, previous_ttl)
            for entry in open_entries:
                ledger.fault_reverted(entry.id, by="simulate_ttl_oversell --revert")
            report["ttlNowSecondsByNode"] = ttl_on_every_node(owner, keyspace, table)
        report["ok"] = dry_run or set(report["ttlNowSecondsByNode"].values()) == {applied}
        return report
    if ttl is None:
        raise ConfigError("--ttl SECONDS is required (or --revert)")
    previous = previous_ttl or round(current * factor)
    fault = ReservationTtlLowered(keyspace=keyspace, table=table, ttl=ttl, previous_ttl=previous)
    applied = scale_seconds(ttl, factor)
    report.update(action="lower-ttl", ttlProductionSeconds=ttl, ttlAppliedSeconds=applied,
                  previousTtlProductionSeconds=previous,
                  cql=f"ALTER TABLE {keyspace}.{table} WITH default_time_to_live = {applied}",
                  revertWith=f"--keyspace {keyspace} --table {table} --revert --previous-ttl {previous}")
    if not dry_run:   # left in place until --revert; the ledger entry lets `make cleanup` restore it
        applied_fault = Nemesis(owner, ledger).inject(fault)
        report.update(ledgerId=applied_fault.ledger_id, ttlNowSecondsByNode=ttl_on_every_node(owner, keyspace, table))
    report["ok"] = dry_run or set(report["ttlNowSecondsByNode"].values()) == {applied}
    return report


# -- Trino ------------------------------------------------------------------------------------------
def trino_backlog(owner, ledger, client, queries: int, *, revert: bool = False, dry_run: bool = False) -> dict:
    """Runbook drill `chaos-trino-backlog`: submit `queries` heavy scans whose results nobody reads (one runs, the
    rest queue behind the resource group's limit), or with `revert` kill them as the runbook's remediation does.

    The backlog is left in place on purpose until `--revert`: it is written to the fault ledger first, so
    `make cleanup` kills the queries if nobody does; `--revert` closes that ledger entry."""
    from chaos_harness.faults.trino import DRILL_SOURCE, HEAVY_QUERY, QueryBacklog, backlog, kill_queries
    running, queued = backlog(client)
    report = {"drill": "simulate_trino_backlog", "stack": owner.project, "source": DRILL_SOURCE,
              "drillQueriesRunning": running, "drillQueriesQueued": queued, "dryRun": dry_run}
    open_entries = open_drill_faults(ledger, owner, QueryBacklog.kind)
    if revert:
        report.update(action="kill", rest=f"PUT /v1/query/{{queryId}}/killed for each unfinished query of {DRILL_SOURCE!r}")
        if not dry_run:
            report["killed"] = kill_queries(client, DRILL_SOURCE, "simulate_trino_backlog --revert")
            for entry in open_entries:
                ledger.fault_reverted(entry.id, by="simulate_trino_backlog --revert")
    else:
        report.update(action="submit", queries=queries, sql=HEAVY_QUERY, revertWith="--revert")
        if not dry_run:   # left in place until --revert; the ledger entry lets `make cleanup` kill the queries
            applied = Nemesis(owner, ledger).inject(QueryBacklog(queries=queries))
            report["ledgerId"] = applied.ledger_id
    if not dry_run:
        report["drillQueriesRunning"], report["drillQueriesQueued"] = backlog(client)
    report["ok"] = dry_run or (report["drillQueriesRunning"] + report["drillQueriesQueued"] == 0 if revert
                               else report["drillQueriesQueued"] >= 1)
    return report


# -- Flink ------------------------------------------------------------------------------------------
def flink_schema_change(owner, ledger, *, revert: bool = False, dry_run: bool = False) -> dict:
    """Runbook drill `chaos-flink-schema-change`: change `amount` of oltp.orders to text and write an order, so the
    Flink orders job cannot map the change event and keeps restarting; with `revert` restore the column and
    redeploy the job as it was (strict mapping, past the drill's event).

    The change is left in place on purpose until `--revert`: it is written to the fault ledger first, so
    `make cleanup` reverts it if nobody does; `--revert` closes that ledger entry."""
    from chaos_harness.faults.flink import (DRILL_TYPE, ORIGINAL_TYPE, ColumnTypeChanged, column_type, flink_client,
                                            orders_job)
    fault = ColumnTypeChanged()
    client = flink_client(owner)

    def job_state() -> dict:
        job = orders_job(client)
        return {"jobId": job["jid"], "state": job["state"], "failuresOnSchemaError": sum(
            "schema error" in trace for trace in client.failures(job["jid"]))} if job else {"jobId": None}
    report = {"drill": "simulate_flink_schema_change", "stack": owner.project, "table": fault.table,
              "column": fault.column, "columnType": column_type(owner, fault.database, fault.table, fault.column),
              "job": job_state(), "dryRun": dry_run}
    open_entries = open_drill_faults(ledger, owner, ColumnTypeChanged.kind)
    if revert:
        report.update(action="revert", sql=f"ALTER TABLE {fault.table} MODIFY COLUMN {fault.column} {ORIGINAL_TYPE}",
                      then="cancel the orders jobs, deploy-orders-job strict latest")
        if not dry_run:
            fault.revert(owner)
            for entry in open_entries:
                ledger.fault_reverted(entry.id, by="simulate_flink_schema_change --revert")
    else:
        report.update(action="change-type", sql=f"ALTER TABLE {fault.table} MODIFY COLUMN {fault.column} {DRILL_TYPE}",
                      then="INSERT one order; the job fails on its amount and restarts", revertWith="--revert")
        if not dry_run:   # left in place until --revert; the ledger entry lets `make cleanup` revert it
            report["ledgerId"] = Nemesis(owner, ledger).inject(fault).ledger_id
    if not dry_run:
        report.update(columnType=column_type(owner, fault.database, fault.table, fault.column), job=job_state())
    healthy = report["job"].get("state") == "RUNNING" and report["columnType"] == ORIGINAL_TYPE
    report["ok"] = dry_run or (healthy if revert else report["job"].get("failuresOnSchemaError", 0) > 0)
    return report


# -- Paimon (the lakehouse) ---------------------------------------------------------------------------
def lakehouse_commit_failure(owner, ledger, *, revert: bool = False, dry_run: bool = False) -> dict:
    """Runbook drill `chaos-lakehouse-commit`: freeze MinIO (`docker pause`) and write an order, so the orders
    job's checkpoints (its Paimon commits) expire one after the other and nothing reaches lakehouse.orders; with
    `revert` make MinIO reachable again and wait until the order written meanwhile is committed.

    Left in place on purpose until `--revert`: the fault ledger has it first, so `make cleanup` unpauses MinIO
    if nobody does; `--revert` closes that ledger entry."""
    from chaos_harness.faults.lakehouse import (DRILL_CUSTOMER, StorageUnreachable, checkpoint_failing,
                                                committed_orders, drill_order_id, wait_committed)
    fault = StorageUnreachable()
    report = {"drill": "simulate_lakehouse_commit_failure", "stack": owner.project, "storage": fault.storage,
              "storageState": owner.container(fault.storage).status, "dryRun": dry_run}
    open_entries = open_drill_faults(ledger, owner, StorageUnreachable.kind)
    if revert:
        report.update(action="revert", then=f"docker unpause {fault.storage}; the drill's order committed")
        if not dry_run:
            fault.revert(owner)
            order = drill_order_id(owner, fault.database, fault.table)
            if order is not None:
                report["drillOrderCommitted"] = {"id": order, "snapshot": wait_committed(owner, order)["snapshot"]}
            for entry in open_entries:
                ledger.fault_reverted(entry.id, by="simulate_lakehouse_commit_failure --revert")
    else:
        report.update(action="freeze-storage", then=f"docker pause {fault.storage}; INSERT one order "
                      f"({DRILL_CUSTOMER}); every checkpoint of the orders job expires", revertWith="--revert")
        if not dry_run:   # left in place until --revert; the ledger entry lets `make cleanup` revert it
            report["ledgerId"] = Nemesis(owner, ledger).inject(fault).ledger_id
    if not dry_run:
        container = owner.container(fault.storage)
        container.reload()
        failing = checkpoint_failing(owner, fault.service)
        report.update(storageState=container.status, checkpointsFailing=failing.done, checkpoints=failing.state)
        if revert:
            report["committedDrillOrders"] = len(committed_orders(owner)["rows"])
    report["ok"] = dry_run or (not report["checkpointsFailing"] if revert else report["checkpointsFailing"])
    return report


# -- O2O order monitoring (seed 003) -------------------------------------------------------------------
O2O_ACTIONS = ("seed", "pause-seeding", "force-fail")


def o2o_orders(owner, ledger, action: str, *, count: int = 10, revert: bool = False, dry_run: bool = False) -> dict:
    """The O2O guide's Step 8 drills: `seed` places `count` orders (POST /api/v1/seed-mock-data); `pause-seeding`
    pauses the order feed (NoNewOrders after 10 minutes without a new order); `force-fail` makes the payment
    service answer 503, so OMS fails every new order (TooManyFailures). With `revert` the fault is undone. Each
    report holds OMS's recent window (`total`, `statusCounts`).

    A fault is left in place on purpose until `--revert`: the fault ledger has it first, so `make cleanup` reverts
    it if nobody does; `--revert` closes that ledger entry."""
    from chaos_harness.faults.o2o import FEED_PAUSED, PAYMENTS_FAILING
    if action not in O2O_ACTIONS:
        raise ValueError(f"unknown O2O drill {action!r}; known: {', '.join(O2O_ACTIONS)}")
    oms = catalog.OMS.client(owner)
    report: dict = {"drill": f"o2o {action}", "stack": owner.project, "dryRun": dry_run}
    if action == "seed":
        report.update(action="seed", count=count, rest=f"POST /api/v1/seed-mock-data?count={count}")
        if not dry_run:
            report["orderIds"] = oms.seed(count)["orderIds"]
    else:
        fault = FEED_PAUSED if action == "pause-seeding" else PAYMENTS_FAILING
        open_entries = open_drill_faults(ledger, owner, fault.kind, service=fault.service)
        report.update(fault=str(fault), action="revert" if revert else "inject")
        if not dry_run:
            if revert:
                fault.revert(owner)
                for entry in open_entries:
                    ledger.fault_reverted(entry.id, by=f"o2o {action} --revert")
            else:   # left in place until --revert; the ledger entry lets `make cleanup` revert it
                report.update(ledgerId=Nemesis(owner, ledger).inject(fault).ledger_id, revertWith="--revert")
            report["inEffect"] = fault.in_effect(owner).done
    recent = oms.recent(minutes=10, limit=5)
    report["recent"] = {"total": recent["total"], "statusCounts": recent["statusCounts"]}
    report["ok"] = dry_run or action == "seed" or report["inEffect"] != revert
    return report
