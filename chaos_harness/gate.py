"""Release gate: did each chosen scenario pass every check, within every bound and budget, with its
controls shown to fail?

The `run_scenario` fixture writes the journal of each proof run (`reports/scenario-results/<id>.journal.jsonl`)
and of each negative control (`<id>.control.<control>.journal.jsonl`); its last event is the run's verdict
(`ScenarioResult.record`, decided by the runner). `evaluate` reads them: a scenario passes only when its proof
run passed, every measured phase is within its derived bound or measured budget (the arithmetic is in the
file), the controls folded into the proof run were classified as expected (broken metric: AlertDidNotFire; not
remediated: AlertDidNotClear), and each of its controls ran in the same results and failed with exactly the
expected classes.

Exit codes: 0 every scenario proven; 1 a scenario failed, exceeded a bound or budget, or a control did not fail;
2 usage or infrastructure error, or nothing proven (unknown scenario, pytest could not run, a result or a
control result is missing, or the run broke before proving anything).
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from chaos_harness.controls import CONTROLS, FOLDED, Control
from chaos_harness.exitcodes import ERROR as EXIT_INFRA, FAILED as EXIT_FAIL, OK as EXIT_PASS
from chaos_harness.journal import read_events

PASSED, FAILED, BUDGET, BROKEN, MISSING, UNPROVEN = ("passed", "failed", "budget exceeded", "broken", "missing",
                                                     "unproven")


def journal_path(results_dir: Path, scenario_id: str, control: Control | None = None) -> Path:
    """The journal of a proof run (`<id>.journal.jsonl`) or of one of its controls
    (`<id>.control.<control>.journal.jsonl`): chaos_harness/journal.py, its last event the verdict."""
    return results_dir / (f"{scenario_id}.control.{control.slug}.journal.jsonl" if control else
                          f"{scenario_id}.journal.jsonl")


@dataclass
class GateRow:
    scenario: str
    status: str                    # passed | failed | budget exceeded | broken | missing | unproven
    measures: list[dict] = field(default_factory=list)   # name, seconds, limit, kind, arithmetic, exceeded
    controls: dict[str, str] = field(default_factory=dict)   # control -> "failed as expected" / what went wrong
    reasons: list[str] = field(default_factory=list)

    def measure(self, name: str) -> dict | None:
        return next((m for m in self.measures if m["name"] == name), None)


def verdict_of(path: Path) -> dict | None:
    """The verdict a run's journal ends with (ScenarioResult.record); None when the run never got to one."""
    if not path.is_file():
        return None
    verdicts = [e for e in read_events(path) if e.kind == "verdict"]
    return verdicts[-1].data if verdicts else None


def judge(scenario_id: str, data: dict | None, controls: dict[str, dict | None] | None = None) -> GateRow:
    """One scenario's gate row from its proof result (None: no result) and its control results by name."""
    if data is None:
        return GateRow(scenario_id, MISSING, reasons=["no verdict in a run journal: the scenario did not run to one "
                                                      "(see the pytest output)"])
    row = GateRow(scenario_id, PASSED, data.get("measures") or [])
    row.reasons += [f"{f['class']}: {f['message']}" for f in data.get("failures") or []] or \
        ([f"{data.get('error_class')}: {data['error']}"] if data.get("error") else [])
    exceeded = [f"{m['name']} {m['seconds']:.2f}s > {m['kind']} {m['limit']:g}s" for m in row.measures
                if m.get("exceeded")]
    verdict = data.get("verdict")
    classes = {f["class"] for f in data.get("failures") or []} | ({data["error_class"]} if data.get("error_class")
                                                                   else set())
    if "BudgetExceeded" not in classes:     # a run judged before these limits: the gate names the breach itself
        row.reasons += exceeded
    if verdict == "unknown":
        row.status = BROKEN
    elif classes == {"BudgetExceeded"} or (verdict == "passed" and exceeded):
        row.status = BUDGET
    elif verdict != "passed":
        row.status = FAILED
    elif any(row.measure(n) is None or row.measure(n)["seconds"] is None
             for n in ("time-to-fire", "time-to-notify", "time-to-resolve", "time-to-resolved-notice")):
        row.status, row.reasons = FAILED, ["passed without a measurement of every phase"]
    if row.status != PASSED:
        return row
    for control in FOLDED:
        folded = (data.get("controls") or {}).get(control.name, "")
        if folded.startswith(control.expect.__name__ + ":"):
            row.controls[control.name] = "failed as expected"
        elif folded:
            row.controls[control.name] = f"did not fail as expected ({control.expect.__name__}): {folded}"
            row.status = FAILED
        else:
            row.controls[control.name] = f"missing: not observed in the proof run ({control.sabotage})"
    for control in CONTROLS:
        got = (controls or {}).get(control.name)
        if got is None:
            row.controls[control.name] = "missing: not run in these results"
        elif got.get("as_expected"):
            row.controls[control.name] = "failed as expected"
        else:
            seen = ", ".join(f["class"] for f in got.get("failures") or []) or "a pass"
            row.controls[control.name] = f"did not fail as expected ({', '.join(got.get('expected') or [])}): {seen}"
            row.status = FAILED
    missing = [name for name, state in row.controls.items() if state.startswith("missing")]
    bad = [f"control '{name}' {state}" for name, state in row.controls.items() if state != "failed as expected"]
    row.reasons += bad
    if missing and row.status == PASSED:
        row.status = UNPROVEN
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
        if statuses & {BROKEN, MISSING, UNPROVEN} or not self.rows:
            return EXIT_INFRA
        return EXIT_PASS

    @property
    def verdict(self) -> str:
        return {EXIT_PASS: "PASS", EXIT_FAIL: "FAIL", EXIT_INFRA: "ERROR"}[self.exit_code]

    def to_json(self) -> dict:
        return {"verdict": self.verdict, "exit_code": self.exit_code, "note": self.note,
                "scenarios": [asdict(r) for r in self.rows]}

    def to_markdown(self) -> str:
        def cell(row: GateRow, name: str) -> str:
            m = row.measure(name)
            if not m or m.get("seconds") is None:
                return "-"
            limit = f" / {m['limit']:g}s" if m.get("limit") is not None else ""
            return f"{m['seconds']:.2f}s{limit}" + (" **over**" if m.get("exceeded") else "")

        lines = ["# Release gate", "", f"Verdict: **{self.verdict}** (exit code {self.exit_code})", ""]
        if self.note:
            lines += [self.note, ""]
        names = ["time-to-fire", "time-to-notify", "remediation", "time-to-resolve", "time-to-resolved-notice"]
        lines += ["| scenario | status | " + " | ".join(names) + " | controls | reasons |",
                  "| --- | --- | " + " | ".join("---" for _ in names) + " | --- | --- |"]
        for r in self.rows:
            proven = sum(state == "failed as expected" for state in r.controls.values())
            controls = f"{proven}/{len(r.controls)} failed as expected" if r.controls else "-"
            lines.append(f"| {r.scenario} | {r.status} | " + " | ".join(cell(r, n) for n in names) +
                         f" | {controls} | {'; '.join(r.reasons).replace('|', '/') or '-'} |")
        lines += ["", "Limits: derived bounds (arithmetic in each run journal's verdict and the Timings attachment) "
                      "and budgets measured for the scenario.",
                  "Exit codes: 0 every scenario proven; 1 a scenario failed, exceeded a bound or budget, or a control "
                  "did not fail; 2 usage or infrastructure error, or a result or control is missing (nothing proven)."]
        return "\n".join(lines) + "\n"


def evaluate(results_dir: Path, scenario_ids: list[str], note: str = "") -> GateReport:
    rows = []
    for scenario_id in scenario_ids:
        controls = {c.name: verdict_of(journal_path(results_dir, scenario_id, c)) for c in CONTROLS}
        rows.append(judge(scenario_id, verdict_of(journal_path(results_dir, scenario_id)), controls))
    return GateReport(rows, note)


def write_gate(report: GateReport, out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / "gate.json", out_dir / "gate.md"]
    paths[0].write_text(json.dumps(report.to_json(), indent=2) + "\n", encoding="utf-8")
    paths[1].write_text(report.to_markdown(), encoding="utf-8")
    return paths
