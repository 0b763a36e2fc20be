"""Scenario registry, validation, and bad input giving clear errors fast (no Docker needed)."""
import subprocess
import sys
import time

import pytest

from chaos_harness.faults import ContainerPaused, ContainerStopped, DoNothing, fault_from_description, NoFault
from chaos_harness.errors import ConfigError, UnknownScenario
from chaos_harness.scenario import Scenario
from fixtures import ROOT
from chaos_harness.registry import all_scenarios, load, scenario_ids


def _cli(*args, timeout=30):
    return subprocess.run([sys.executable, "-m", "chaos_harness", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def test_every_scenario_module_loads_and_ids_match_file_names():
    assert [s.id for s in all_scenarios()] == scenario_ids()
    assert "notification_redis_outage" in scenario_ids()


def test_a_typo_in_a_scenario_name_suggests_the_right_one():
    with pytest.raises(UnknownScenario, match="did you mean notification_redis_outage"):
        load("notification_redis_outag")


def test_scenarios_are_validated_when_declared():
    with pytest.raises(ConfigError, match="runbook must look like"):
        Scenario(id="x", title="t", runbook="no anchor", service="s", alert="A", receiver="r",
                 fault=NoFault(), remediation=DoNothing())
    with pytest.raises(ConfigError, match="severity"):
        Scenario(id="x", title="t", runbook="incident-runbook#x", service="s", alert="A", receiver="r",
                 fault=NoFault(), remediation=DoNothing(), severity="urgent")


@pytest.mark.parametrize("fault", [ContainerPaused("redis"), ContainerStopped("redis", timeout=3), NoFault()])
def test_faults_round_trip_through_their_ledger_description(fault):
    assert fault_from_description(fault.describe()) == fault


def test_unknown_fault_kind_in_a_ledger_is_a_clear_error():
    with pytest.raises(ConfigError, match="unknown fault kind 'container-melted'"):
        fault_from_description({"kind": "container-melted", "service": "redis"})


def test_cli_help_lists_the_commands():
    result = _cli("--help")
    assert result.returncode == 0
    for command in ("cleanup", "scenarios", "plan", "render-config", "stack-up"):
        assert command in result.stdout


def test_cli_plan_is_a_dry_run_that_prints_the_phases():
    result = _cli("plan", "notification_redis_outage")
    assert result.returncode == 0, result.stderr
    assert "container-paused(service='redis'" in result.stdout and "nothing was started" in result.stdout


def test_cli_unknown_scenario_exits_2_with_a_suggestion():
    result = _cli("plan", "notifcation_redis_outage")
    assert result.returncode == 2
    assert "did you mean notification_redis_outage" in result.stderr
    assert "Traceback" not in result.stderr


def test_pytest_dry_run_prints_plans_and_starts_nothing(tmp_path):
    started = time.time()
    result = subprocess.run([sys.executable, "-m", "pytest", "-m", "chaos", "--dry-run", "-s", "-q",
                             "tests/chaos/test_runbook_scenarios.py", "-p", "no:randomly"],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "[dry-run] notification_redis_outage" in result.stderr
    assert "skipped" in result.stdout
    assert time.time() - started < 30, "no stack was started"


def test_pytest_scenario_typo_is_a_usage_error():
    result = subprocess.run([sys.executable, "-m", "pytest", "--scenario", "redis_outage", "-q",
                             "tests/chaos/test_runbook_scenarios.py"],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 4
    assert "--scenario: no scenario 'redis_outage'" in result.stderr


def test_pytest_bad_time_factor_is_a_usage_error():
    result = subprocess.run([sys.executable, "-m", "pytest", "--time-factor", "0", "-q", "--co",
                             "tests/chaos/test_runbook_scenarios.py"],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 4
    assert "time factor must be >= 1" in result.stderr


def test_cleanup_in_a_fresh_process_knows_every_fault_kind_of_every_scenario():
    """A crashed run's ledger is read by a new process: every kind must be rebuildable there."""
    descriptions = [s.fault.describe() for s in all_scenarios()]
    code = ("import json, sys\nfrom chaos_harness.faults import fault_from_description\n"
            "for d in json.loads(sys.argv[1]):\n    fault_from_description(d)\nprint('ok')")
    import json
    result = subprocess.run([sys.executable, "-c", code, json.dumps(descriptions)], cwd=ROOT, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr
