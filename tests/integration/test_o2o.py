"""The O2O order monitoring of seed 003 on the running stack (compose profile o2o): OMS's API with its key, the
auto-advance cron, the Airflow DAG o2o_oms_monitoring loading the warehouse table and pushing the o2o_* metrics,
the long-term store receiving them by remote write, the O2O dashboard's queries, and the drills' command line."""
import json
import subprocess
import sys

import httpx
import pytest

from chaos_harness.catalog import METRICS_STORE, O2O_POSTGRES, OMS, OmsClient
from chaos_harness.dashboard import dashboard_file, panel_queries
from chaos_harness.errors import InfrastructureError
from chaos_harness.observe.prometheus import Prometheus
from chaos_harness.waiting import Check, wait_until
from fixtures import ROOT

pytestmark = pytest.mark.stack_profile("o2o")
O2O_QUERIES = panel_queries(dashboard_file("o2o_overview"))


@pytest.fixture(scope="module")
def oms(chaos_stack) -> OmsClient:
    return OMS.client(chaos_stack)


def test_oms_needs_its_api_key_on_every_route_but_health(chaos_stack):
    base = OMS.url(chaos_stack)
    assert httpx.get(f"{base}/api/v1/health").json()["database"] == "ok"
    for method, path in (("GET", "/api/v1/monitor/recent"), ("POST", "/api/v1/seed-mock-data?count=1")):
        assert httpx.request(method, base + path).status_code == 401, path
        assert httpx.request(method, base + path, headers={"x-api-key": "wrong"}).status_code == 401, path


def test_seeded_orders_advance_and_reach_the_warehouse_and_the_pushed_metrics(chaos_stack, oms, prometheus):
    before = float((prometheus.query("max(o2o_orders_ingested_total)") or [{"value": [0, "0"]}])[0]["value"][1])
    ids = oms.seed(5)["orderIds"]
    recent = oms.recent(minutes=10, limit=1000)
    rows = [r for r in recent["data"] if r["order_id"] in ids]
    assert len(rows) == 5 and all(r["item_name"] and r["item_detail"] and "item_id" not in r for r in rows), rows
    assert set(recent["statusCounts"]) == {"PENDING", "CONFIRMED", "PICKING", "DELIVERING", "DELIVERED", "FAILED"}

    def advanced() -> Check:
        states = {r["order_id"]: r["status"] for r in oms.recent(minutes=10, limit=1000)["data"] if r["order_id"] in ids}
        return Check(len(states) == 5 and "PENDING" not in states.values(), f"statuses {sorted(states.values())}")
    wait_until(advanced, what="the auto-advance cron to move the seeded orders past PENDING", timeout=20,
               interval=0.5)

    quoted = ", ".join(f"'{i}'" for i in ids)
    def loaded() -> Check:
        found = O2O_POSTGRES.sql(chaos_stack.owner, f"SELECT count(*) FROM fact_orders_monitoring WHERE order_id IN "
                                              f"({quoted})", database="o2o")
        return Check(found == [["5"]], f"{found} of the 5 in fact_orders_monitoring")
    wait_until(loaded, what="the DAG's load_fact to upsert the seeded orders", timeout=30, interval=0.5)

    def pushed() -> Check:
        value = prometheus.query("max(o2o_orders_ingested_total)")
        return Check(bool(value) and float(value[0]["value"][1]) >= before + 5, f"o2o_orders_ingested_total {value}")
    wait_until(pushed, what="the DAG's push_metrics to count the seeded orders (scraped from the Pushgateway)",
               timeout=30, interval=0.5)


def test_the_long_term_store_receives_the_o2o_series_by_remote_write(chaos_stack, prometheus):
    store = Prometheus(METRICS_STORE.url(chaos_stack))

    def arrived() -> Check:
        names = {r["metric"]["__name__"] for r in store.query('{__name__=~"o2o_orders_.*_total"}')}
        return Check({"o2o_orders_ingested_total", "o2o_orders_failed_total"} <= names, f"series {sorted(names)}")
    wait_until(arrived, what="the alerts' input series in the long-term store", timeout=30, interval=0.5)
    assert not store.query('{__name__=~"notification_.*"}'), "only the O2O series and ALERTS are written there"


@pytest.mark.parametrize("query", O2O_QUERIES, ids=str)
def test_o2o_dashboard_query_is_accepted_and_returns_series(prometheus, query):
    try:
        prometheus.query(query.promql)
    except InfrastructureError as exc:
        pytest.fail(f"{query}: Prometheus rejects `{query.promql}`: {exc}")
    wait_until(lambda: Check(bool(series := prometheus.query(query.promql)), f"{len(series)} series"),
               what=f"series for panel {query}: `{query.promql}`", timeout=30, interval=0.5)


def test_o2o_drills_pause_seeding_and_force_fail_and_revert(chaos_stack, tmp_path):
    """make o2o-pause-seeding / o2o-force-fail: --dry-run changes nothing, the drill leaves its fault in place (and
    a ledger entry), --revert undoes it and closes the entry."""
    import os
    env = {**os.environ, "CHAOS_LEDGER": str(tmp_path / "ledger.jsonl")}

    def drill(*extra):
        result = subprocess.run([sys.executable, "scripts/chaos/simulate_o2o_orders.py", *extra, "--oms-url",
                                 OMS.url(chaos_stack)], cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)
        return result.returncode, json.loads(result.stdout)

    rc, seeded = drill("seed", "--count", "3")
    assert rc == 0 and len(seeded["orderIds"]) == 3, seeded
    for action in ("pause-seeding", "force-fail"):
        rc, plan = drill(action, "--dry-run")
        assert rc == 0 and plan["dryRun"] and "inEffect" not in plan, plan
        rc, report = drill(action)
        try:
            assert rc == 0 and report["ok"] and report["inEffect"], report
        finally:
            rc, reverted = drill(action, "--revert")
        assert rc == 0 and reverted["ok"] and not reverted["inEffect"], reverted
    assert [json.loads(line)["event"] for line in (tmp_path / "ledger.jsonl").read_text().splitlines()] == \
        ["fault-injecting", "fault-reverted"] * 2
