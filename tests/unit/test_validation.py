"""Scenarios are validated before any container starts: a typo fails in seconds, with a suggestion."""
import os
import subprocess
import sys
import time

import pytest

from chaos_harness.faults import ContainerStopped
from chaos_harness.gate import journal_path, verdict_of
from fixtures import ROOT
from chaos_harness.validate import validate
from chaos_harness.registry import all_scenarios, load

BASE = load("notification_redis_outage")


def test_every_scenario_in_the_repository_is_valid():
    checks = validate(all_scenarios())
    assert [c.error() for c in checks.values() if not c.ok] == []


@pytest.mark.parametrize("changes,error,words", [
    ({"alert": "NotificationRateLimiterError"}, "UnknownAlert", "did you mean NotificationRateLimiterErrors"),
    ({"receiver": "pagerduty"}, "ConfigError", "routes NotificationRateLimiterErrors"),
    ({"runbook": "incident-runbook#no-such-section"}, "ConfigError", "no-such-section does not exist"),
    ({"chart_query": "sum(rate(x[2m])"}, "ConfigError", "does not parse"),
    ({"settled_query": "abs(max(deriv(x[5m])) < 1"}, "ConfigError", "settled_query"),
    ({"profiles": ("nope",)}, "ConfigError", "compose profile(s) nope"),
    ({"fault": ContainerStopped("rediss")}, "ConfigError", "did you mean redis"),
    ({"fault": ContainerStopped("kafka")}, "ConfigError", "started only with profile(s) kafka"),
    ({"alert_labels": {"instance": "redis:6379"}}, "ConfigError", "carries only alertname, severity"),
])
def test_a_broken_scenario_is_rejected_with_a_reason(changes, error, words):
    check = validate([BASE.but(**changes)])[BASE.id]
    assert not check.ok
    assert type(check.error()).__name__ == error and words in str(check.error())


def test_the_validate_command_checks_all_scenarios_in_seconds():
    started = time.time()
    done = subprocess.run([sys.executable, "-m", "chaos_harness", "validate"], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{len(all_scenarios())} valid, 0 invalid" in done.stdout and time.time() - started < 10


TYPO_TEST = '''
import pytest
from chaos_harness.registry import load

pytestmark = [pytest.mark.chaos, pytest.mark.runbook_proof]


def test_typo(run_scenario):
    run_scenario(load("notification_redis_outage").but(alert="NotificationRateLimiterError"))
'''


def test_a_misspelled_alert_fails_fast_as_broken_and_writes_its_result(tmp_path):
    """A full pytest run of a scenario whose alert is misspelled: no stack is started (it would take ~20 s),
    the failure names the closest rule, and its run journal says broken."""
    (tmp_path / "test_typo.py").write_text(TYPO_TEST)
    results = tmp_path / "results"
    ledger = tmp_path / "ledger.jsonl"
    env = {**os.environ, "CHAOS_RESULTS_DIR": str(results), "CHAOS_PROJECT_ROOT": str(ROOT), "CHAOS_LEDGER": str(ledger)}
    started = time.time()
    done = subprocess.run([sys.executable, "-m", "pytest", str(tmp_path / "test_typo.py"),
                           "-c", str(ROOT / "pytest.ini"), "--rootdir", str(tmp_path), "--alluredir",
                           str(tmp_path / "allure"), "-q"], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=120)
    elapsed = time.time() - started
    assert done.returncode == 1, done.stdout + done.stderr
    assert not ledger.exists(), "no stack was started, no fault injected"
    assert elapsed < 15, f"took {elapsed:.1f}s"   # a pytest start-up, even on a loaded machine; no stack start
    assert "did you mean NotificationRateLimiterErrors" in done.stdout + done.stderr
    result = verdict_of(journal_path(results, "notification_redis_outage"))
    assert result["verdict"] == "unknown" and result["error_class"] == "UnknownAlert"
    assert "did you mean NotificationRateLimiterErrors" in result["error"]
