"""The cassandra profile: two UN nodes, the inventory-service on real Cassandra, and the TTL drill
script run from the command line (lower, observe expirations, revert from what the ledger recorded)."""
import json
import subprocess
import sys

import httpx
import pytest

from chaos_harness.catalog import INVENTORY_SERVICE
from chaos_harness.services import metric_value
from fixtures import ROOT
from chaos_harness.waiting import Check, wait_until

pytestmark = pytest.mark.stack_profile("cassandra")
DRILL = "scripts/chaos/simulate_ttl_oversell.py"


def _drill(*args):
    result = subprocess.run([sys.executable, DRILL, *args], cwd=ROOT, capture_output=True, text=True, timeout=120)
    try:
        return result.returncode, json.loads(result.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"not JSON (exit {result.returncode}):\n{result.stdout}\n{result.stderr}")


def _expired(url: str) -> float:
    return metric_value(httpx.get(f"{url}/metrics", timeout=5).text, "inventory_reservation_expired_total")


def test_both_nodes_are_up_and_normal(chaos_stack):
    rc, out = chaos_stack.exec("cassandra-node1", ["nodetool", "status"])
    assert rc == 0, out
    assert sum(line.startswith("UN ") for line in out.splitlines()) == 2, out


def test_the_reservations_table_has_the_compressed_baseline_ttl(chaos_stack):
    rc, out = chaos_stack.exec("cassandra-node1", ["cqlsh", "-e", "DESCRIBE TABLE inventory.reservations"])
    assert rc == 0 and "default_time_to_live = 30" in out, out   # 900 s / factor 30


def test_a_reservation_is_written_to_cassandra_and_confirmed(chaos_stack):
    url = INVENTORY_SERVICE.url(chaos_stack)
    created = httpx.post(f"{url}/reservations", json={"sku": "sku-1", "quantity": 2, "orderId": "it-1"}, timeout=10)
    assert created.status_code == 201, created.text
    reservation = created.json()["reservationId"]
    assert httpx.get(f"{url}/reservations/{reservation}", timeout=10).json()["orderId"] == "it-1"
    assert httpx.post(f"{url}/reservations/{reservation}/confirm", timeout=10).json()["status"] == "confirmed"
    assert httpx.get(f"{url}/reservations/{reservation}", timeout=10).status_code == 404
    assert httpx.post(f"{url}/reservations", json={"sku": "nope"}, timeout=10).status_code == 404


def test_ttl_drill_lowers_the_ttl_reservations_expire_and_revert_restores_it(chaos_stack, ledger):
    url = INVENTORY_SERVICE.url(chaos_stack)
    before = _expired(url)
    rc, report = _drill("--base-url", url, "--keyspace", "inventory", "--table", "reservations", "--ttl", "60")
    try:
        assert rc == 0 and report["ok"], report
        assert report["stack"] == chaos_stack.project and report["timeFactor"] == 30
        assert report["previousTtlProductionSeconds"] == 900 and report["ttlAppliedSeconds"] == 2
        assert set(report["ttlNowSecondsByNode"].values()) == {2}
        assert [f.fault["kind"] for f in ledger.open_faults() if f.project == chaos_stack.project] == \
            ["reservation-ttl-lowered"]   # the ledger is shared with a parallel worker: only this stack's faults
        wait_until(lambda: Check(_expired(url) > before, f"{_expired(url) - before:g} expired"),
                   what="reservations to expire before their orders confirm", timeout=30, interval=0.5)
    finally:
        rc, report = _drill("--base-url", url, "--revert")      # the TTL the drill recorded in the ledger
    assert rc == 0 and report["ok"], report
    assert set(report["ttlNowSecondsByNode"].values()) == {30}
    assert [f for f in ledger.open_faults() if f.project == chaos_stack.project] == []
