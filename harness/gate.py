"""Release gate: did each chosen scenario pass, and within its budgets?

The `run_scenario` fixture writes one JSON file per proof run (`reports/scenario-results/<id>.json`,
see `write_scenario_result`); `evaluate` reads them against the budgets kept beside each scenario
(`Scenario.budget`) and the bound derived from its rule, and decides. A budget breach fails the
gate even when the alert did fire and clear.

Exit codes: 0 every scenario passed within budget; 1 a scenario failed or exceeded a budget;
2 usage or infrastructure error (unknown scenario, pytest could not run, a result is missing
or the run broke before proving anything).
"""
from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from harness.runner import ScenarioResult
from harness.scenario import Budget

EXIT_PASS, EXIT_FAIL, EXIT_INFRA = 0, 1, 2
PASSED, FAILED, BUDGET, BROKEN, MISSING = "passed", "failed", "budget exceeded", "broken", "missing"


def write_scenario_result(result: ScenarioResult, results_dir: Path) -> Path:
    """The machine-readable outcome of one proof run (what the gate reads)."""
    results_dir.mkdir(parents=True, exist_ok=True)
    s, b = result.scenario, result.bounds
    data = {"scenario": s.id, "alert": s.alert, "runbook": s.runbook, "verdict": result.verdict,
            "error_class": type(result.error).__name__ if result.error else None,
            "error": str(result.error).splitlines()[0][:500] if result.error else None,
            "time_to_fire": result.time_to_fire, "time_to_notify": result.time_to_notify,
            "time_to_recover": result.time_to_recover, "time_to_resolved_notice": result.time_to_resolved_notice,
            "bound_detect": b.detect if b else None, "expected_recover": b.recover if b else None,
            "budget": asdict(s.budget), "finished": result.timeline.finished or time.time()}
    path = results_dir / f"{s.id}.json"
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return path


@dataclass
class GateRow:
    scenario: str
    status: str                    # passed | failed | budget exceeded | broken | missing
    time_to_detect: float | None   # fault in effect -> alert delivered to its receiver
    detect_budget: float | None
    time_to_fire: float | None     # fault in effect -> alert firing in Prometheus
    fire_bound: float | None
    time_to_recover: float | None  # remediated -> alert resolved
    recover_budget: float | None
    reasons: list[str]


def _over(value: float | None, limit: float | None) -> bool:
    return value is not None and limit is not None and value > limit


def judge(scenario_id: str, data: dict | None, budget: Budget) -> GateRow:
    """One scenario's gate row from its result file (None: no result) and its budget."""
    if data is None:
        return GateRow(scenario_id, MISSING, None, budget.detect, None, None, None, budget.recover,
                       ["no result file: the scenario did not run to a verdict (see the pytest output)"])
    row = GateRow(scenario_id, PASSED, data.get("time_to_notify"), budget.detect, data.get("time_to_fire"),
                  data.get("bound_detect"), data.get("time_to_recover"), budget.recover, [])
    if data.get("error"):
        row.reasons.append(f"{data.get('error_class')}: {data['error']}")
    if _over(row.time_to_fire, row.fire_bound):
        row.reasons.append(f"time-to-fire {row.time_to_fire:.2f}s > bound {row.fire_bound:g}s")
    if _over(row.time_to_detect, row.detect_budget):
        row.reasons.append(f"time-to-detect {row.time_to_detect:.2f}s > budget {row.detect_budget:g}s")
    if _over(row.time_to_recover, row.recover_budget):
        row.reasons.append(f"time-to-recover {row.time_to_recover:.2f}s > budget {row.recover_budget:g}s")
    verdict = data.get("verdict")
    if verdict == "unknown":
        row.status = BROKEN
    elif data.get("error_class") == "BudgetExceeded" or (verdict == "passed" and row.reasons):
        row.status = BUDGET
    elif verdict != "passed":
        row.status = FAILED
    elif row.time_to_fire is None or row.time_to_recover is None:
        row.status, row.reasons = FAILED, ["passed without a measured time-to-fire/time-to-recover"]
    return row


@dataclass
class GateReport:
    rows: list[GateRow]
    note: str = ""

    @property
    def exit_code(self) -> int:
        statuses = {r.status for r in self.rows}
        if statuses & {FAILED, BUDGET}:
            return EXIT_FAIL
        if statuses & {BROKEN, MISSING} or not self.rows:
            return EXIT_INFRA
        return EXIT_PASS

    @property
    def verdict(self) -> str:
        return {EXIT_PASS: "PASS", EXIT_FAIL: "FAIL", EXIT_INFRA: "ERROR"}[self.exit_code]

    def to_json(self) -> dict:
        return {"verdict": self.verdict, "exit_code": self.exit_code, "note": self.note,
                "scenarios": [asdict(r) for r in self.rows]}

    def to_markdown(self) -> str:
        def s(v: float | None) -> str:
            return "-" if v is None else f"{v:.2f}s"

        def lim(v: float | None) -> str:
            return "-" if v is None else f"{v:g}s"

        lines = ["# Release gate", "", f"Verdict: **{self.verdict}** (exit code {self.exit_code})", ""]
        if self.note:
            lines += [self.note, ""]
        lines += ["| scenario | status | time-to-detect / budget | time-to-fire / bound | "
                  "time-to-recover / budget | reasons |", "| --- | --- | --- | --- | --- | --- |"]
        lines += [f"| {r.scenario} | {r.status} | {s(r.time_to_detect)} / {lim(r.detect_budget)} | "
                  f"{s(r.time_to_fire)} / {lim(r.fire_bound)} | {s(r.time_to_recover)} / {lim(r.recover_budget)} | "
                  f"{'; '.join(r.reasons).replace('|', '/') or '-'} |" for r in self.rows]
        lines += ["", "Exit codes: 0 all passed within budget; 1 a scenario failed or exceeded its budget; "
                      "2 usage or infrastructure error (nothing proven)."]
        return "\n".join(lines) + "\n"


def evaluate(results_dir: Path, budgets: dict[str, Budget], note: str = "") -> GateReport:
    rows = []
    for scenario_id, budget in budgets.items():
        path = results_dir / f"{scenario_id}.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
        except ValueError:
            data = None
        rows.append(judge(scenario_id, data, budget))
    return GateReport(rows, note)


def write_gate(report: GateReport, out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / "gate.json", out_dir / "gate.md"]
    paths[0].write_text(json.dumps(report.to_json(), indent=2) + "\n", encoding="utf-8")
    paths[1].write_text(report.to_markdown(), encoding="utf-8")
    return paths
