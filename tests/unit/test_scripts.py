"""Drill and probe scripts: --help, bad flags and unreachable services give clear errors, no trace."""
import socket
import subprocess
import sys

import pytest

from fixtures import ROOT

SCRIPTS = ["scripts/synthetic/support_timeline_probe.py", "scripts/synthetic/notification_probe.py",
           "scripts/chaos/notification_provider_failure.py", "scripts/chaos/notification_redis_outage.py",
           "scripts/maintenance/offload_support_attachments.py", "scripts/chaos/simulate_ttl_oversell.py"]
STACK_DRILLS = ("redis_outage", "simulate_ttl_oversell")   # they refuse any URL that is not a chaos stack


def _run(*args):
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=60)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("script", SCRIPTS)
def test_help(script):
    result = _run(script, "--help")
    assert result.returncode == 0 and "--base-url" in result.stdout


@pytest.mark.parametrize("script", SCRIPTS)
def test_a_bad_base_url_is_a_usage_error(script):
    result = _run(script, "--base-url", "localhost:8000")
    assert result.returncode == 2
    assert "not an http(s) URL" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("script", [s for s in SCRIPTS if not any(d in s for d in STACK_DRILLS)])
def test_an_unreachable_service_is_a_clear_failure(script):
    port = _closed_port()
    result = _run(script, "--base-url", f"http://127.0.0.1:{port}")
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"http://127.0.0.1:{port} is unreachable" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("script,args", [("scripts/chaos/notification_redis_outage.py", []),
                                         ("scripts/chaos/simulate_ttl_oversell.py", ["--ttl", "60"])])
def test_stack_drills_refuse_a_url_that_is_not_a_test_stack(script, args):
    result = _run(script, "--base-url", f"http://127.0.0.1:{_closed_port()}", *args)
    assert "Traceback" not in result.stderr
    if "no Docker engine answers" in result.stderr:     # `make unit` needs no engine: the drill says so, clearly
        assert result.returncode == 1 and "make bootstrap" in result.stderr
        return
    assert result.returncode == 2
    assert "no chaos stack publishes" in result.stderr


@pytest.mark.parametrize("args,message", [(["--count", "0"], "--count must be between 1 and 10000"),
                                          (["--count", "x"], "invalid positive value")])
def test_bad_count(args, message):
    result = _run("scripts/chaos/notification_provider_failure.py", *args)
    assert result.returncode == 2 and message in result.stderr


def test_provider_drill_provider_url_must_be_a_url():
    result = _run("scripts/chaos/notification_provider_failure.py", "--provider-url", "provider:8000")
    assert result.returncode == 2 and "not an http(s) URL" in result.stderr
    assert "--provider-url" in _run("scripts/chaos/notification_provider_failure.py", "--help").stdout


def test_provider_drill_without_provider_url_needs_the_stack_of_base_url():
    """A reachable notification-service outside any chaos stack: the drill cannot know its provider."""
    import http.server
    import threading

    class Healthy(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the stdlib's name
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"status": "ok"}')

        def log_message(self, *args):
            pass
    server = http.server.HTTPServer(("127.0.0.1", 0), Healthy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        result = _run("scripts/chaos/notification_provider_failure.py", "--base-url",
                      f"http://127.0.0.1:{server.server_port}", "--count", "1")
    finally:
        server.shutdown()
    assert result.returncode == 2, result.stdout + result.stderr
    assert "no chaos stack publishes" in result.stderr and "pass --provider-url" in result.stderr


def test_negative_age_days():
    result = _run("scripts/maintenance/offload_support_attachments.py", "--age-days", "-1")
    assert result.returncode == 2 and "--age-days must be >= 0" in result.stderr


CDC_SCRIPTS = {"scripts/chaos/simulate_replication_lag.py": [],
               "scripts/chaos/simulate_schema_drift.py": ["--table", "oltp.orders", "--column", "unexpected_field"]}


@pytest.mark.parametrize("script", CDC_SCRIPTS)
def test_cdc_drill_help_and_bad_url(script):
    assert "--connect-url" in _run(script, "--help").stdout
    result = _run(script, *CDC_SCRIPTS[script], "--connect-url", "connect:8083")
    assert result.returncode == 2 and "not an http(s) URL" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("script", CDC_SCRIPTS)
def test_cdc_drill_unreachable_connect_url(script):
    port = _closed_port()
    result = _run(script, *CDC_SCRIPTS[script], "--connect-url", f"http://127.0.0.1:{port}")
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"http://127.0.0.1:{port} is unreachable" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("args,message", [
    (["scripts/chaos/simulate_replication_lag.py", "--rows", "0"], "--rows must be between 1 and 1000000"),
    (["scripts/chaos/simulate_replication_lag.py", "--table", "orders;drop"], "not a table name"),
    (["scripts/chaos/simulate_schema_drift.py", "--table", "oltp.orders", "--column", "x y"], "not a column name"),
    (["scripts/chaos/simulate_schema_drift.py", "--column", "x"], "--table"),
])
def test_cdc_drill_bad_flags(args, message):
    result = _run(*args)
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("args,message", [
    (["--ttl", "0"], "seconds must be between 1 and"),
    (["--ttl", "soon"], "invalid seconds value: 'soon'"),
    ([], "--ttl SECONDS is required"),
    (["--ttl", "60", "--previous-ttl", "900"], "--previous-ttl only goes with --revert"),
    (["--revert", "--previous-ttl", "-5"], "seconds must be between 1 and"),
])
def test_ttl_drill_bad_flags(args, message):
    result = _run("scripts/chaos/simulate_ttl_oversell.py", *args)
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_ttl_drill_refuses_a_name_that_is_not_a_cql_identifier():
    from chaos_harness.faults.cassandra import identifier
    from chaos_harness.errors import ConfigError
    assert identifier("inventory") == "inventory"
    for bad in ("inventory; DROP KEYSPACE inventory", "", "1abc", "a.b"):
        with pytest.raises(ConfigError, match="not a CQL identifier"):
            identifier(bad)


# -- simulate_fulfillment_delay.py (the runbook's flags: --count --hold-minutes --support-ticket-id --dry-run
#    --prefix --revert; endpoints from the environment, like the seed's script) -----------------------------
FULFILLMENT_DRILL = "scripts/chaos/simulate_fulfillment_delay.py"


def test_fulfillment_drill_help_lists_the_runbook_flags():
    result = _run(FULFILLMENT_DRILL, "--help")
    assert result.returncode == 0
    for flag in ("--count", "--hold-minutes", "--support-ticket-id", "--dry-run", "--prefix", "--revert",
                 "MINIO_ENDPOINT", "MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD", "chaos/fulfillment-delay/"):
        assert flag in result.stdout, flag


@pytest.mark.parametrize("args,message", [
    (["--count", "0"], "--count must be between 1 and 10000"),
    (["--count", "many"], "invalid count value"),
    (["--hold-minutes", "0"], "--hold-minutes must be > 0"),
    (["--hold-minutes", "20000"], "at most a week"),
    (["--support-ticket-id", "-3"], "--support-ticket-id must be a positive ticket id"),
    (["--prefix", "/abs/"], "--prefix must be a relative folder ending in '/'"),
    (["--prefix", "pending"], "--prefix must be a relative folder ending in '/'"),
    (["--prefix", "chaos/../ready/"], "--prefix must be a relative folder ending in '/'"),
    (["--dry-run", "--revert"], "not allowed with argument"),
    (["--colour"], "unrecognized arguments"),
])
def test_fulfillment_drill_bad_flags_are_usage_errors(args, message):
    result = _run(FULFILLMENT_DRILL, *args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("mode", [["--dry-run", "--prefix", "pending/", "--count", "5"], ["--revert"], []])
def test_fulfillment_drill_refuses_an_endpoint_that_is_not_a_test_stack(mode, tmp_path):
    """Dry-run, revert and the hold all resolve the endpoint to a chaos test stack first, and write no ledger
    entry when there is none."""
    ledger = tmp_path / "ledger.jsonl"
    env = {**__import__("os").environ, "MINIO_ENDPOINT": f"127.0.0.1:{_closed_port()}", "CHAOS_LEDGER": str(ledger)}
    result = subprocess.run([sys.executable, FULFILLMENT_DRILL, *mode], cwd=ROOT, capture_output=True, text=True,
                            timeout=60, env=env)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "no chaos stack publishes" in result.stderr and "Traceback" not in result.stderr
    assert not ledger.exists()


def test_fulfillment_drill_fault_round_trips_through_the_ledger_description():
    """`make cleanup` rebuilds a forgotten drill backlog from its ledger entry and removes it."""
    from chaos_harness.faults import fault_from_description
    from chaos_harness.faults.fulfillment import FulfillmentArtifactsHeld
    fault = FulfillmentArtifactsHeld(count=3, hold_minutes=45, prefix="chaos/fulfillment-delay/")
    assert fault_from_description(fault.describe()) == fault


O2O_DRILL = "scripts/chaos/simulate_o2o_orders.py"


def test_o2o_drill_help_names_the_seed_drills():
    result = _run(O2O_DRILL, "--help")
    assert result.returncode == 0
    assert all(word in result.stdout for word in ("seed", "pause-seeding", "force-fail", "--revert", "--dry-run",
                                                  "--oms-url", "OMS_API_KEY"))


@pytest.mark.parametrize("args,message", [(["typo"], "invalid choice: 'typo'"),
                                          (["seed", "--count", "0"], "--count must be between 1 and 1000"),
                                          (["seed", "--oms-url", "oms:3001"], "not an http(s) URL")])
def test_o2o_drill_bad_input_is_a_usage_error(args, message):
    result = _run(O2O_DRILL, *args)
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_o2o_drill_refuses_a_url_that_is_not_a_test_stack():
    result = _run(O2O_DRILL, "pause-seeding", "--oms-url", f"http://127.0.0.1:{_closed_port()}")
    assert "Traceback" not in result.stderr
    if "no Docker engine answers" in result.stderr:
        assert result.returncode == 1 and "make bootstrap" in result.stderr
        return
    assert result.returncode == 2 and "no chaos stack publishes" in result.stderr
