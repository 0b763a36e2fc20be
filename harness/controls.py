"""Negative controls: the same scenario with one part sabotaged, and the verdict classes that must follow.

A scenario counts as proven only when, in the same results, its proof run passed (with the broken-metric
control folded into it: a shadow copy of the rule, loaded beside it, stayed inactive while the real one
fired) and each of its controls ran and failed with exactly the expected classes. The gate reads the
names below; tests/chaos/test_negative_controls.py applies the sabotage.
"""
from __future__ import annotations

from dataclasses import dataclass

from harness.errors import (AlertDidNotClear, AlertDidNotFire, AlertNotDelivered, BudgetExceeded,
                            ResolvedNoticeMissing, ScenarioFailed)
from harness.scenario import Scenario

BROKEN_METRIC = "broken metric"   # folded into the proof run (harness/observe/alerts.py broken_rule_control)


@dataclass(frozen=True)
class Control:
    name: str
    sabotage: str
    expect: tuple[type[ScenarioFailed], ...]

    @property
    def slug(self) -> str:
        return self.name.replace(" ", "-").replace(",", "")


NO_FAULT = Control("fault not injected", "nothing is injected", (AlertDidNotFire,))
UNDELIVERED = Control("routed elsewhere, not remediated",
                      "Alertmanager's generated config routes the alert to another receiver; the remediation does "
                      "nothing", (AlertNotDelivered, AlertDidNotClear))
SILENT_SLOW = Control("no resolved notice, slow remediation",
                      "send_resolved is off for the receiver; the remediation starts after its budget has passed",
                      (BudgetExceeded, ResolvedNoticeMissing))
CONTROLS = (NO_FAULT, UNDELIVERED, SILENT_SLOW)


def expected(control: Control, scenario: Scenario, factor: float) -> tuple[type[ScenarioFailed], ...]:
    """The classes this control must produce for this scenario at this time factor: a budget is judged only at
    the factor it was measured at, so elsewhere the slow remediation proves nothing and is not expected."""
    if control is SILENT_SLOW and not budget_applies(scenario, factor):
        return (ResolvedNoticeMissing,)
    return control.expect


def budget_applies(scenario: Scenario, factor: float) -> bool:
    return scenario.budget.remediate is not None and abs(scenario.budget.factor - factor) < 1e-9


def matches(expect: tuple[type[ScenarioFailed], ...], failures: list[BaseException]) -> bool:
    """Every expected class was seen, and nothing else (an infrastructure error proves nothing)."""
    seen = {type(f) for f in failures}
    return all(any(issubclass(s, e) for s in seen) for e in expect) and \
        all(any(issubclass(s, e) for e in expect) for s in seen)
