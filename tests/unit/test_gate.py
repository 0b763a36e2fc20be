"""Release gate verdicts from fabricated run journals (no stack, no pytest run)."""
import json
import subprocess
import sys

import pytest

from chaos_harness.controls import CONTROLS
from chaos_harness.gate import (BROKEN, BUDGET, EXIT_FAIL, EXIT_INFRA, EXIT_PASS, FAILED, MISSING, PASSED, UNPROVEN,
                          evaluate, journal_path, verdict_of, write_gate)
from fixtures import ROOT

pytestmark = pytest.mark.unit


def _measure(name, seconds, limit, kind="bound"):
    return {"name": name, "measures": "", "seconds": seconds, "limit": limit, "kind": kind, "arithmetic": "x",
            "exceeded": seconds is not None and limit is not None and seconds > limit}


def _result(verdict="passed", failures=(), fire=4.5, notify=1.2, resolve=2.0, notice=3.0, remediation=2.0,
            remediation_budget=6.0, folded="AlertDidNotFire: shadow inactive",
            held="AlertDidNotClear: still firing after the hold"):
    return {"scenario": "s1", "verdict": verdict, "error_class": failures[0][0] if failures else None,
            "error": failures[0][1] if failures else None,
            "failures": [{"class": c, "message": m} for c, m in failures],
            "measures": [_measure("time-to-fire", fire, 6.0), _measure("time-to-notify", notify, 2.5),
                         _measure("remediation", remediation, remediation_budget, "budget"),
                         _measure("time-to-resolve", resolve, 6.0),
                         _measure("time-to-resolved-notice", notice, 5.5)],
            "controls": {**({"broken metric": folded} if folded else {}),
                         **({"not remediated": held} if held else {}),
                         "routed elsewhere": "AlertNotDelivered: the misrouted shadow cannot arrive",
                         "slow remediation": "BudgetExceeded: remediated after the hold, over 0.5s",
                         "routed elsewhere, resolved": "ResolvedNoticeMissing: no resolved notice of the shadow"}}


def _control(name, as_expected=True, failures=(("AlertDidNotFire", "waited"),)):
    return {"control": name, "as_expected": as_expected, "expected": ["AlertDidNotFire"],
            "failures": [{"class": c, "message": m} for c, m in failures]}


def _journal(path, verdict: dict) -> None:
    """A run's journal as the runner writes it: events, the verdict last."""
    lines = [{"at": 1.0, "event": "run-started", "scenario": verdict.get("scenario")},
             {"at": 2.0, "event": "firing"}, {"at": 3.0, "event": "verdict", **verdict}]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))


def _write(tmp_path, results: dict, controls: dict | None = None, with_controls=True):
    for sid, data in results.items():
        _journal(journal_path(tmp_path, sid), {**data, "scenario": sid})
        for control in CONTROLS if with_controls else ():
            got = (controls or {}).get(control.name, _control(control.name))
            if got is not None:
                _journal(journal_path(tmp_path, sid, control), got)


def _gate(tmp_path, results: dict, ids=None, **kwargs):
    _write(tmp_path, results, **kwargs)
    return evaluate(tmp_path, ids if ids is not None else list(results))


@pytest.mark.parametrize("data,status", [
    (_result(), PASSED),
    # the alert fired and cleared, but a phase took longer than its bound or budget: the gate fails
    (_result(notify=3.0), BUDGET),
    (_result(notice=6.0), BUDGET),
    (_result(fire=6.5), BUDGET),
    (_result(remediation=7.0), BUDGET),
    (_result(verdict="failed", failures=[("BudgetExceeded", "time-to-notify 3s exceeds")], notify=3.0), BUDGET),
    (_result(verdict="failed", failures=[("AlertDidNotFire", "waited")], fire=None), FAILED),
    (_result(verdict="failed", failures=[("AlertNotDelivered", "no firing notice"), ("BudgetExceeded", "x")]), FAILED),
    (_result(verdict="failed", failures=[("ResolvedNoticeMissing", "waited")], notice=None), FAILED),
    (_result(verdict="unknown", failures=[("ServiceUnreachable", "down")]), BROKEN),
    (_result(verdict="unknown", failures=[("UnknownAlert", "did you mean X?")], fire=None), BROKEN),
    (_result(resolve=None), FAILED),                                 # "passed" without a measured phase
])
def test_judgement_of_one_scenario(tmp_path, data, status):
    row = _gate(tmp_path, {"s1": data}).rows[0]
    assert row.status == status, row.reasons
    assert (row.reasons == []) == (status == PASSED)


def test_a_budget_measured_at_another_factor_is_only_reported(tmp_path):
    data = _result()
    data["measures"][2] = _measure("remediation", 99.0, None, "reported")
    assert _gate(tmp_path, {"s1": data}).exit_code == EXIT_PASS


def test_a_scenario_is_unproven_while_a_control_is_missing(tmp_path):
    report = _gate(tmp_path, {"s1": _result()}, controls={CONTROLS[0].name: None})
    row = report.rows[0]
    assert row.status == UNPROVEN and report.exit_code == EXIT_INFRA
    assert any(CONTROLS[0].name in r and "missing" in r for r in row.reasons)


def test_a_scenario_is_unproven_without_the_folded_broken_metric_control(tmp_path):
    row = _gate(tmp_path, {"s1": _result(folded=None)}).rows[0]
    assert row.status == UNPROVEN and "broken metric" in row.reasons[0]


def test_a_scenario_is_unproven_without_the_folded_not_remediated_control(tmp_path):
    """A proof run that did not hold the remediation back (or a journal written before the hold existed)."""
    row = _gate(tmp_path, {"s1": _result(held=None)}).rows[0]
    assert row.status == UNPROVEN and "not remediated" in row.reasons[0]
    row = _gate(tmp_path, {"s1": _result(held="AlertDidNotFire: wrong class")}).rows[0]
    assert row.status == FAILED and "not remediated" in row.reasons[0]


def test_a_control_that_did_not_fail_as_expected_fails_the_gate(tmp_path):
    bad = _control(CONTROLS[0].name, as_expected=False, failures=())
    report = _gate(tmp_path, {"s1": _result()}, controls={CONTROLS[0].name: bad})
    assert report.rows[0].status == FAILED and report.exit_code == EXIT_FAIL
    assert "did not fail as expected" in report.rows[0].reasons[0]


@pytest.mark.parametrize("results,ids,code", [
    ({"a": _result(), "b": _result()}, None, EXIT_PASS),
    ({"a": _result(), "b": _result(verdict="failed", failures=[("AlertDidNotFire", "x")])}, None, EXIT_FAIL),
    ({"a": _result()}, ["a", "b"], EXIT_INFRA),                                       # b has no result
    ({"a": _result(verdict="unknown", failures=[("StackStartError", "x")])}, None, EXIT_INFRA),
    ({"a": _result(verdict="unknown", failures=[("X", "x")]), "b": _result(resolve=30.0)}, None, EXIT_FAIL),
    ({}, [], EXIT_INFRA),                                                             # nothing to gate on
])
def test_exit_code_of_the_gate(tmp_path, results, ids, code):
    assert _gate(tmp_path, results, ids).exit_code == code


def test_missing_result_is_reported(tmp_path):
    row = evaluate(tmp_path, ["s9"]).rows[0]
    assert row.status == MISSING and "no verdict in a run journal" in row.reasons[0]


def test_gate_reports_are_written(tmp_path):
    report = _gate(tmp_path, {"s1": _result(resolve=11.0)})
    write_gate(report, tmp_path / "out")
    data = json.loads((tmp_path / "out/gate.json").read_text())
    assert data["verdict"] == "FAIL" and data["exit_code"] == 1 and data["scenarios"][0]["status"] == BUDGET
    md = (tmp_path / "out/gate.md").read_text()
    assert "| s1 | budget exceeded | 4.50s / 6s | 1.20s / 2.5s | 2.00s / 6s | 11.00s / 6s **over** |" in md


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "chaos_harness", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)


def test_gate_command_judges_existing_results_with_its_exit_code(tmp_path):
    _write(tmp_path, {"notification_redis_outage": _result()})
    args = ("gate", "--no-run", "--results-dir", str(tmp_path), "--out", str(tmp_path / "out"),
            "--scenario", "notification_redis_outage")
    ok = _cli(*args)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    _write(tmp_path, {"notification_redis_outage": _result(notify=30.0)})
    breach = _cli(*args)
    assert breach.returncode == 1 and "budget exceeded" in breach.stdout


def test_gate_command_rejects_an_unknown_scenario_with_exit_2(tmp_path):
    bad = _cli("gate", "--no-run", "--results-dir", str(tmp_path), "--scenario", "notification_redis_outag")
    assert bad.returncode == 2 and "did you mean notification_redis_outage" in bad.stderr


def test_coverage_counts_a_passed_scenario_as_proven_only_when_the_gate_does(tmp_path):
    from chaos_harness.allure_results import ScenarioOutcome
    from chaos_harness.coverage import UNPROVEN as NOT_PROVEN, judged_by_the_gate
    _write(tmp_path, {"s1": _result(), "s2": _result()}, controls={CONTROLS[0].name: None})
    _write(tmp_path, {"s3": _result()}, controls={CONTROLS[0].name: _control(CONTROLS[0].name, as_expected=False)})
    outcomes = {s: ScenarioOutcome(s, "passed", "", 1) for s in ("s1", "s2", "s3", "s4")}
    judged = judged_by_the_gate(outcomes, tmp_path)
    assert {s: o.status for s, o in judged.items()} == {"s1": NOT_PROVEN, "s2": NOT_PROVEN, "s3": "failed",
                                                        "s4": NOT_PROVEN}
    assert "missing: not run" in judged["s1"].message and "no verdict in a run journal" in judged["s4"].message


def test_the_gate_reads_the_last_verdict_of_a_journal_and_none_from_a_run_killed_before_it(tmp_path):
    path = tmp_path / "s1.journal.jsonl"
    path.write_text('{"at": 1, "event": "run-started"}\n{"at": 2, "event": "verdict", "verdict": "failed"}\n'
                    '{"at": 3, "event": "verdict", "verdict": "passed"}\n')
    assert verdict_of(path)["verdict"] == "passed"
    path.write_text('{"at": 1, "event": "run-started"}\n{"at": 2, "event": "fault-injecting"}\n')
    assert verdict_of(path) is None
    assert verdict_of(tmp_path / "absent.journal.jsonl") is None
