"""Runbook coverage: every section and every alert with its status, from the registry and the
latest Allure results.

Status of an alert or a section:
- `proven`       every scenario covering it passed in the latest results, and the release gate's judgement of
                 its run journals (reports/scenario-results) say proven: bounds met and every negative control
                 ran and failed as expected;
- `failing`      a scenario covering it failed or broke;
- `unproven`     its scenarios passed but a control is missing (or no run journal with a verdict): nothing proven yet;
- `not run`      scenarios exist but the results hold no outcome for them;
- `not covered`  no scenario covers it (for an alert: with `rule: undefined` when no rule
                 defines it yet).
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from chaos_harness.allure_results import ScenarioOutcome, write_synthetic_result
from chaos_harness.runbooks import Findings, Registry, lint

PROVEN, FAILING, UNPROVEN, NOT_RUN, NOT_COVERED = "proven", "failing", "unproven", "not run", "not covered"
STATUSES = (PROVEN, FAILING, UNPROVEN, NOT_RUN, NOT_COVERED)


@dataclass
class Row:
    name: str                 # alert name or section ref
    status: str
    scenarios: list[str]
    detail: str


@dataclass
class Coverage:
    sections: list[Row]
    alerts: list[Row]
    findings: Findings
    strict: bool

    @property
    def ok(self) -> bool:
        return not self.findings.failed(self.strict)

    def to_json(self) -> dict:
        counts = {kind: {s: sum(r.status == s for r in rows) for s in STATUSES}
                  for kind, rows in (("sections", self.sections), ("alerts", self.alerts))}
        return {"ok": self.ok, "strict": self.strict, "summary": counts,
                "errors": self.findings.errors, "gaps": self.findings.gaps,
                "sections": [asdict(r) for r in self.sections], "alerts": [asdict(r) for r in self.alerts]}

    def to_markdown(self) -> str:
        lines = ["# Runbook coverage", "",
                 f"Verdict: **{'OK' if self.ok else 'FAILED'}**" + (" (strict)" if self.strict else ""), ""]
        for title, rows in (("Runbook sections", self.sections), ("Alerts", self.alerts)):
            lines += [f"## {title}", "", "| name | status | scenarios | detail |", "| --- | --- | --- | --- |"]
            lines += [f"| {r.name} | {r.status} | {', '.join(r.scenarios) or '-'} | {r.detail} |" for r in rows]
            lines.append("")
        for title, items in (("Errors (dangling references)", self.findings.errors),
                             ("Gaps (runbook alerts without a rule yet)", self.findings.gaps)):
            lines += [f"## {title}", ""] + ([f"- {i}" for i in items] or ["none"]) + [""]
        return "\n".join(lines)


def _status(scenarios: list[str], outcomes: dict[str, ScenarioOutcome]) -> str:
    if not scenarios:
        return NOT_COVERED
    seen = [outcomes[s].status for s in scenarios if s in outcomes]
    if any(s in ("failed", "broken") for s in seen):
        return FAILING
    if len(seen) == len(scenarios) and all(s == "passed" for s in seen):
        return PROVEN
    if any(s == UNPROVEN for s in seen):
        return UNPROVEN
    return NOT_RUN


def judged_by_the_gate(outcomes: dict[str, ScenarioOutcome], results_dir: Path) -> dict[str, ScenarioOutcome]:
    """A passed proof test counts only as far as the release gate says (chaos_harness/gate.py, the same judgement):
    its run journal's bounds and budgets met and every control run and failed as expected in these results.
    Otherwise it becomes `failed` (a bound broken, a control that did not fail) or `unproven` (missing)."""
    from chaos_harness.gate import PASSED, UNPROVEN as GATE_UNPROVEN, MISSING, evaluate
    passed = [s for s, o in outcomes.items() if o.status == "passed"]
    judged = dict(outcomes)
    for row in evaluate(results_dir, passed).rows:
        if row.status != PASSED:
            status = UNPROVEN if row.status in (GATE_UNPROVEN, MISSING) else "failed"
            judged[row.scenario] = replace(outcomes[row.scenario], status=status,
                                           message=f"gate: {row.status}: {'; '.join(row.reasons)}")
    return judged


def compute(registry: Registry, outcomes: dict[str, ScenarioOutcome], strict: bool = False) -> Coverage:
    rules = registry.rule_by_alert
    runbook_alerts = registry.runbook_alerts()
    sections = []
    for s in registry.sections:
        ids = [sc.id for sc in registry.scenarios_for_section(s.ref)]
        alerts = ", ".join(s.alerts) or "no alert named"
        sections.append(Row(s.ref, _status(ids, outcomes), ids, f"{s.title}; alerts: {alerts}"))
    alerts = []
    for alert in registry.all_alerts():
        ids = [sc.id for sc in registry.scenarios_for_alert(alert)]
        section = runbook_alerts[alert].ref if alert in runbook_alerts else "not in any runbook section"
        rule = f"rule: {rules[alert].file}" if alert in rules else "rule: undefined"
        failed = [f"{i}: {outcomes[i].message.splitlines()[0][:160]}" for i in ids
                  if i in outcomes and outcomes[i].status in ("failed", "broken", UNPROVEN) and outcomes[i].message]
        alerts.append(Row(alert, _status(ids, outcomes), ids, "; ".join([section, rule, *failed])))
    return Coverage(sections, alerts, lint(registry), strict)


def write_reports(coverage: Coverage, reports_dir: Path, allure_dir: Path | None) -> list[Path]:
    """reports/coverage.json and .md; with an Allure results dir, a "Runbook coverage" result too."""
    reports_dir.mkdir(parents=True, exist_ok=True)
    body_json, body_md = json.dumps(coverage.to_json(), indent=2), coverage.to_markdown()
    written = [reports_dir / "coverage.json", reports_dir / "coverage.md"]
    written[0].write_text(body_json + "\n", encoding="utf-8")
    written[1].write_text(body_md, encoding="utf-8")
    if allure_dir is not None:
        message = "; ".join(coverage.findings.errors + (coverage.findings.gaps if coverage.strict else []))
        written.append(write_synthetic_result(
            allure_dir, key="runbook-coverage", name="Runbook coverage", passed=coverage.ok, message=message,
            attachments=[("Runbook coverage (Markdown)", body_md, "text/plain", "txt"),
                         ("Runbook coverage (JSON)", body_json, "application/json", "json")],
            labels={"epic": "Runbook coverage", "feature": "registry", "suite": "Runbook coverage",
                    "severity": "critical"}))
    return written
