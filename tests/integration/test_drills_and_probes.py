"""The runbook's probes and drills run from the command line against the stack and print JSON;
the reference services answer bad input with clear 4xx errors."""
import json
import subprocess
import sys

import httpx
import pytest

from chaos_harness.catalog import (CONNECT, FULFILLMENT_SERVICE, MINIO, NOTIFICATION_PROVIDER, NOTIFICATION_SERVICE,
                             SUPPORT_SERVICE, FLINK_JOBMANAGER, TRINO)
from fixtures import ROOT


def _script(*args):
    result = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=120)
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"not JSON (exit {result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result.returncode, report


def test_notification_probe(chaos_stack):
    rc, report = _script("scripts/synthetic/notification_probe.py", "--base-url",
                         NOTIFICATION_SERVICE.url(chaos_stack))
    assert rc == 0 and report["ok"], report
    assert all(report["checks"].values())


def test_support_timeline_probe(chaos_stack):
    rc, report = _script("scripts/synthetic/support_timeline_probe.py", "--base-url",
                         SUPPORT_SERVICE.url(chaos_stack))
    assert rc == 0 and report["ok"], report
    # order 2 + payment 2 + fulfillment 2 (deterministic); with the `minio` profile fulfillment events are
    # the order's shipped labels, and a brand-new order has none yet at its first (cold) read
    assert report["events"] == (4 if "minio" in chaos_stack.profiles else 6), report
    assert report["unavailableSources"] == []


def test_provider_failure_drill_makes_the_provider_fail_exactly_its_notifications(chaos_stack):
    """The provider rejects the drill's notifications; notification-service counts what it observed."""
    url, provider = NOTIFICATION_SERVICE.url(chaos_stack), NOTIFICATION_PROVIDER.url(chaos_stack)
    rc, report = _script("scripts/chaos/notification_provider_failure.py", "--base-url", url, "--count", "4")
    assert rc == 0 and report["ok"] and report["delta"] == 4, report
    assert report["statuses"] == {"failed": 4} and report["providerRejected"] == 4, report
    assert report["providerError"].startswith("503: ") and "failure list" in report["providerError"], report
    assert report["providerUrl"] == provider
    assert httpx.get(f"{provider}/admin/fail").json() == {"notificationIds": [], "customerIds": []}
    created = httpx.post(f"{url}/notifications", json={"customerId": "drill-provider-failure-0", "channel": "email",
                                                       "topic": "order"}).json()
    assert httpx.post(f"{url}/notifications/{created['id']}/send").json()["status"] == "sent", \
        "after the drill the provider delivers again, also to the drill's recipients"
    assert httpx.post(f"{url}/notifications/{created['id']}/fail").status_code in (404, 405), \
        "notification-service has no hook that marks a notification failed"


def test_provider_fails_chosen_recipients_until_restored(chaos_stack):
    url, provider = NOTIFICATION_SERVICE.url(chaos_stack), NOTIFICATION_PROVIDER.url(chaos_stack)
    from chaos_harness.services import metric_value

    def failures() -> float:
        return metric_value(httpx.get(f"{url}/metrics").text, "notification_failure_total", {"channel": "sms"})

    def send(customer: str) -> httpx.Response:
        created = httpx.post(f"{url}/notifications", json={"customerId": customer, "channel": "sms", "topic": "order"})
        return httpx.post(f"{url}/notifications/{created.json()['id']}/send")

    before = failures()
    assert httpx.post(f"{provider}/admin/fail", json={"customerIds": ["blocked-recipient"], "status": 500}).status_code == 200
    try:
        failed, other = send("blocked-recipient"), send("fine-recipient")
    finally:
        assert httpx.request("DELETE", f"{provider}/admin/fail", json={"customerIds": ["blocked-recipient"]}).json() \
            == {"notificationIds": [], "customerIds": []}
    assert failed.status_code == 502 and "500" in failed.text, failed.text
    assert other.status_code == 200 and other.json()["status"] == "sent"
    assert failures() == before + 1
    assert send("blocked-recipient").json()["status"] == "sent"


def test_redis_outage_drill_pauses_and_restores_redis(chaos_stack, ledger):
    rc, report = _script("scripts/chaos/notification_redis_outage.py", "--base-url",
                         NOTIFICATION_SERVICE.url(chaos_stack), "--batch", "5")
    assert rc == 0 and report["ok"] and report["delta"] > 0, report
    assert report["stack"] == chaos_stack.project
    assert chaos_stack.owner.container("redis").status == "running"
    assert [f for f in ledger.open_faults() if f.project == chaos_stack.project] == []   # a parallel worker's are its own


def test_offload_dry_run_moves_nothing(chaos_stack):
    rc, report = _script("scripts/maintenance/offload_support_attachments.py", "--dry-run", "--base-url",
                         SUPPORT_SERVICE.url(chaos_stack))
    assert rc == 0 and report["dryRun"] is True, report


@pytest.mark.parametrize("service,method,path,body,status,message", [
    ("support-service", "GET", "/support/cases/999999", None, 404, "support case 999999 not found"),
    ("support-service", "POST", "/support/tickets", {"customerId": ""}, 422, "customerId"),
    ("support-service", "POST", "/support/tickets/1/status", {"status": "lost"}, 422, "unknown status"),
    ("notification-service", "POST", "/notifications", {"customerId": "c", "channel": "fax", "topic": "order"},
     422, "unknown channel 'fax'"),
    ("notification-service", "POST", "/notifications/999999/send", None, 404, "notification 999999 not found"),
    ("notification-service", "PUT", "/notifications/preferences/c1", {"optedOut": ["pigeon"]}, 422,
     "unknown channel(s)"),
])
def test_services_reject_bad_input_clearly(chaos_stack, service, method, path, body, status, message):
    if path.startswith("/support/tickets/1/"):
        httpx.post(chaos_stack.url(service, 8000) + "/support/tickets", json={"customerId": "c", "orderId": "o"})
    response = httpx.request(method, chaos_stack.url(service, 8000) + path, json=body, timeout=5)
    assert response.status_code == status
    assert message in response.text


@pytest.mark.stack_profile("cdc")
def test_replication_lag_drill_reports_deltas_and_revert_returns_them_to_zero(chaos_stack):
    url = CONNECT.url(chaos_stack)
    rc, plan = _script("scripts/chaos/simulate_replication_lag.py", "--connect-url", url, "--rows", "50", "--dry-run")
    assert rc == 0 and plan["dryRun"] and plan["state"] == "RUNNING", plan
    rc, report = _script("scripts/chaos/simulate_replication_lag.py", "--connect-url", url, "--rows", "50")
    try:
        assert rc == 0 and report["state"] == "PAUSED", report
        assert report["binlogPositionDelta"] > 0 and report["rowCountDelta"] > 0, report
    finally:
        rc, reverted = _script("scripts/chaos/simulate_replication_lag.py", "--connect-url", url, "--revert")
    assert rc == 0 and reverted["binlogPositionDelta"] == 0 and reverted["rowCountDelta"] == 0, reverted


@pytest.mark.stack_profile("cdc")
def test_schema_drift_drill_adds_and_reverts_a_column(chaos_stack):
    args = ["scripts/chaos/simulate_schema_drift.py", "--connect-url", CONNECT.url(chaos_stack),
            "--table", "oltp.orders", "--column", "drill_probe_field"]
    rc, plan = _script(*args, "--dry-run")
    assert rc == 0 and plan["dryRun"] and "drill_probe_field" not in plan["columns"], plan
    rc, report = _script(*args)
    try:
        assert rc == 0 and report["drift"]["unexpectedColumns"] == ["drill_probe_field"], report
    finally:
        rc, reverted = _script(*args, "--revert")
    assert rc == 0 and reverted["drift"]["unexpectedColumns"] == [], reverted


@pytest.mark.stack_profile("trino")
def test_trino_backlog_drill_queues_heavy_queries_and_revert_kills_them(chaos_stack, tmp_path):
    """make chaos-trino-backlog: --dry-run submits nothing, the drill leaves queries queued behind the resource
    group's limit (and a ledger entry), --revert kills them all and closes the entry."""
    import os
    env = {**os.environ, "CHAOS_LEDGER": str(tmp_path / "ledger.jsonl")}
    args = [sys.executable, "scripts/chaos/simulate_trino_backlog.py", "--trino-url", TRINO.url(chaos_stack)]

    def drill(*extra):
        result = subprocess.run([*args, *extra], cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)
        return result.returncode, json.loads(result.stdout)

    rc, plan = drill("--dry-run", "--queries", "3")
    assert rc == 0 and plan["dryRun"] and plan["drillQueriesRunning"] + plan["drillQueriesQueued"] == 0, plan
    rc, report = drill("--queries", "3")
    try:
        assert rc == 0 and report["ok"], report
        assert (report["drillQueriesRunning"], report["drillQueriesQueued"]) == (1, 2), report
    finally:
        rc, reverted = drill("--revert")
    assert rc == 0 and reverted["ok"] and reverted["killed"] == 3, reverted
    assert [json.loads(line)["event"] for line in (tmp_path / "ledger.jsonl").read_text().splitlines()] == \
        ["fault-injecting", "fault-reverted"]


@pytest.mark.stack_profile("cdc", "flink")
def test_flink_schema_change_drill_makes_the_job_fail_and_revert_restores_it(chaos_stack, tmp_path):
    """make chaos-flink-schema-change: --dry-run changes nothing, the drill's change event fails the orders job on
    the schema error (and is in the ledger), --revert restores the column and a running strict job."""
    import os
    env = {**os.environ, "CHAOS_LEDGER": str(tmp_path / "ledger.jsonl")}
    args = [sys.executable, "scripts/chaos/simulate_flink_schema_change.py", "--flink-url",
            FLINK_JOBMANAGER.url(chaos_stack)]

    def drill(*extra):
        result = subprocess.run([*args, *extra], cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)
        return result.returncode, json.loads(result.stdout)

    rc, plan = drill("--dry-run")
    assert rc == 0 and plan["dryRun"] and plan["columnType"] == "DECIMAL(10,2)", plan
    assert plan["job"]["state"] == "RUNNING", plan
    rc, report = drill()
    try:
        assert rc == 0 and report["ok"] and report["columnType"] == "VARCHAR(32)", report
        assert report["job"]["failuresOnSchemaError"] >= 1, report
    finally:
        rc, reverted = drill("--revert")
    assert rc == 0 and reverted["ok"], reverted
    assert reverted["job"]["jobId"] != report["job"]["jobId"] and reverted["job"]["failuresOnSchemaError"] == 0
    assert [json.loads(line)["event"] for line in (tmp_path / "ledger.jsonl").read_text().splitlines()] == \
        ["fault-injecting", "fault-reverted"]


def _assert_lag_follows_the_held_labels_age(chaos_stack, held):
    """fulfillment_lag_minutes is observed: the held labels' real age (production minutes), growing while they
    wait - not the 60 minutes their hold-until declares."""
    import time
    from datetime import datetime

    from chaos_harness.faults.fulfillment import FulfillmentService
    from chaos_harness.waiting import Check, wait_until
    first, factor = held["backlog"]["lagMinutes"], held["timeFactor"]
    assert first < 30, f"a fresh 60-minute hold is not read as its hold: lag {first} min"
    uploaded = min(datetime.fromisoformat(o["lastModified"]).timestamp() for o in held["sampleObjects"])
    service = FulfillmentService(FULFILLMENT_SERVICE.url(chaos_stack))

    def aged() -> Check:
        lag, age = service.backlog()["lagMinutes"], (time.time() - uploaded) * factor / 60
        return Check(lag >= first + 0.5 and abs(lag - age) < 0.5, f"lag {lag} min, held labels' age {age:.2f} min")
    wait_until(aged, what="the lag to grow with the held labels' age", timeout=15, interval=0.2)


@pytest.mark.stack_profile("minio")
def test_fulfillment_delay_drill_holds_labels_and_revert_removes_them(chaos_stack, tmp_path):
    """make chaos-fulfillment-delay: --dry-run writes nothing, the hold stalls the ticket's timeline and shows in
    the backlog gauges (and the ledger), --revert removes exactly the drill's objects and the timeline is fresh."""
    import os
    support = SUPPORT_SERVICE.url(chaos_stack)
    ticket = httpx.post(f"{support}/support/tickets", json={"customerId": "drill", "orderId": "drill-order-1"}).json()
    env = {**os.environ, "MINIO_ENDPOINT": MINIO.url(chaos_stack).removeprefix("http://"),
           "SUPPORT_BASE_URL": support, "FULFILLMENT_BASE_URL": FULFILLMENT_SERVICE.url(chaos_stack),
           "CHAOS_LEDGER": str(tmp_path / "ledger.jsonl")}

    def drill(*args):
        result = subprocess.run([sys.executable, "scripts/chaos/simulate_fulfillment_delay.py", *args], cwd=ROOT,
                                capture_output=True, text=True, timeout=120, env=env)
        return result.returncode, json.loads(result.stdout)

    unknown = subprocess.run([sys.executable, "scripts/chaos/simulate_fulfillment_delay.py", "--support-ticket-id",
                              "999999"], cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)
    assert unknown.returncode == 2 and "no such support ticket" in unknown.stderr, unknown.stderr
    assert not (tmp_path / "ledger.jsonl").exists(), "nothing was held, nothing is in the ledger"
    rc, dry = drill("--dry-run", "--prefix", "chaos/fulfillment-delay/", "--count", "5")
    assert rc == 0 and dry["mode"] == "dry-run" and dry["existing"]["objects"] == 0, dry
    rc, held = drill("--count", "3", "--hold-minutes", "60", "--support-ticket-id", str(ticket["id"]))
    assert rc == 0 and held["ok"], held
    assert held["created"] == 3 and held["totalBytes"] == 3 * 64 * 1024 and len(held["sampleObjects"]) == 3
    assert all("holdUntil" in o and o["key"].startswith("chaos/fulfillment-delay/drill-order-1/")
               for o in held["sampleObjects"])
    assert held["supportProbe"]["stalled"] and held["backlog"]["heldObjects"] >= 3
    _assert_lag_follows_the_held_labels_age(chaos_stack, held)
    assert "minio" in held["compose"]["services"]
    rc, reverted = drill("--revert", "--support-ticket-id", str(ticket["id"]))
    assert rc == 0 and reverted["ok"] and reverted["removed"] == 3, reverted
    assert reverted["bytesFreed"] == 3 * 64 * 1024 and not reverted["supportProbe"]["stale"]
    assert [json.loads(line)["event"] for line in (tmp_path / "ledger.jsonl").read_text().splitlines()] == \
        ["fault-injecting", "fault-reverted"]
