"""Release gate verdicts from fabricated result files (no stack, no pytest run)."""
import json
import subprocess
import sys

import pytest

from harness.gate import BROKEN, BUDGET, EXIT_FAIL, EXIT_INFRA, EXIT_PASS, FAILED, MISSING, PASSED, evaluate, \
    write_gate
from harness.scenario import Budget
from harness.stack import ROOT

BUDGET_10 = Budget(detect=10.0, recover=10.0)


def _result(**overrides):
    data = {"scenario": "s1", "verdict": "passed", "error_class": None, "error": None, "time_to_fire": 4.5,
            "time_to_notify": 5.4, "time_to_recover": 2.6, "bound_detect": 6.0}
    return {**data, **overrides}


def _gate(tmp_path, results: dict, budgets=None):
    for sid, data in results.items():
        (tmp_path / f"{sid}.json").write_text(json.dumps({**data, "scenario": sid}))
    return evaluate(tmp_path, budgets or {sid: BUDGET_10 for sid in results})


@pytest.mark.parametrize("data,status", [
    (_result(), PASSED),
    # the alert fired and cleared, but too slowly: the gate fails even though the test verdict said passed
    (_result(time_to_notify=12.0), BUDGET),
    (_result(time_to_recover=11.0), BUDGET),
    (_result(time_to_fire=6.5), BUDGET),
    (_result(verdict="failed", error_class="BudgetExceeded", error="time-to-notify 12s exceeds"), BUDGET),
    (_result(verdict="failed", error_class="AlertDidNotFire", error="waited", time_to_fire=None), FAILED),
    (_result(verdict="failed", error_class="AlertDidNotClear", error="waited", time_to_recover=None), FAILED),
    (_result(verdict="unknown", error_class="ServiceUnreachable", error="down"), BROKEN),
    (_result(time_to_recover=None), FAILED),
])
def test_judgement_of_one_scenario(tmp_path, data, status):
    row = _gate(tmp_path, {"s1": data}).rows[0]
    assert row.status == status, row.reasons
    assert (row.reasons == []) == (status == PASSED)


def test_budget_breach_fails_the_gate_even_if_the_alert_fired(tmp_path):
    report = _gate(tmp_path, {"s1": _result(time_to_notify=10.5)})
    assert report.exit_code == EXIT_FAIL and report.verdict == "FAIL"
    assert "time-to-detect 10.50s > budget 10s" in report.rows[0].reasons[0]


def test_no_budget_means_only_the_derived_bound_applies(tmp_path):
    report = _gate(tmp_path, {"s1": _result(time_to_notify=99, time_to_recover=99)}, {"s1": Budget()})
    assert report.exit_code == EXIT_PASS


@pytest.mark.parametrize("results,budgets,code", [
    ({"a": _result(), "b": _result()}, None, EXIT_PASS),
    ({"a": _result(), "b": _result(verdict="failed", error_class="AlertDidNotFire", error="x")}, None, EXIT_FAIL),
    ({"a": _result()}, {"a": BUDGET_10, "b": BUDGET_10}, EXIT_INFRA),                  # b has no result
    ({"a": _result(verdict="unknown", error_class="StackStartError", error="x")}, None, EXIT_INFRA),
    ({"a": _result(verdict="unknown", error_class="X", error="x"), "b": _result(time_to_recover=30)}, None,
     EXIT_FAIL),                                                                      # a failure outranks infra
    ({}, {}, EXIT_INFRA),                                                             # nothing to gate on
])
def test_exit_code_of_the_gate(tmp_path, results, budgets, code):
    assert _gate(tmp_path, results, budgets).exit_code == code


def test_missing_result_is_reported(tmp_path):
    row = evaluate(tmp_path, {"s9": BUDGET_10}).rows[0]
    assert row.status == MISSING and "no result file" in row.reasons[0]


def test_gate_reports_are_written(tmp_path):
    report = _gate(tmp_path, {"s1": _result(time_to_recover=11.0)})
    write_gate(report, tmp_path / "out")
    data = json.loads((tmp_path / "out/gate.json").read_text())
    assert data["verdict"] == "FAIL" and data["exit_code"] == 1 and data["scenarios"][0]["status"] == BUDGET
    md = (tmp_path / "out/gate.md").read_text()
    assert "| s1 | budget exceeded | 5.40s / 10s | 4.50s / 6s | 11.00s / 10s |" in md


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "harness", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)


def test_gate_command_judges_existing_results_with_its_exit_code(tmp_path):
    (tmp_path / "notification_redis_outage.json").write_text(json.dumps(_result()))
    ok = _cli("gate", "--no-run", "--results-dir", str(tmp_path), "--out", str(tmp_path / "out"),
              "--scenario", "notification_redis_outage")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    (tmp_path / "notification_redis_outage.json").write_text(json.dumps(_result(time_to_notify=30.0)))
    breach = _cli("gate", "--no-run", "--results-dir", str(tmp_path), "--out", str(tmp_path / "out"),
                  "--scenario", "notification_redis_outage")
    assert breach.returncode == 1 and "budget exceeded" in breach.stdout


def test_gate_command_rejects_an_unknown_scenario_with_exit_2(tmp_path):
    bad = _cli("gate", "--no-run", "--results-dir", str(tmp_path), "--scenario", "notification_redis_outag")
    assert bad.returncode == 2 and "did you mean notification_redis_outage" in bad.stderr
