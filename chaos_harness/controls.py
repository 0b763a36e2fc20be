"""Negative controls: the same scenario with one part sabotaged, and the verdict classes that must follow.

A scenario counts as proven only when, in the same results, its proof run passed with the two controls folded
into it classified as expected (FOLDED: a shadow copy of the rule with its metric misspelled stayed inactive
while the real one fired; the alert stayed firing for its clearing bound before the remediation ran), and each
of its control runs (CONTROLS) ran and failed with exactly the expected classes. The gate reads the names
below; tests/chaos/test_negative_controls.py applies the sabotage, chaos_harness/runner.py the folded ones.
"""
from __future__ import annotations

from dataclasses import dataclass

from chaos_harness.errors import (AlertDidNotClear, AlertDidNotFire, AlertNotDelivered, BudgetExceeded,
                            ResolvedNoticeMissing, ScenarioFailed)
from chaos_harness.scenario import Budget

SLOW_REMEDIATION = 1.0   # the slow-remediation control: the runbook action, finished no sooner than this
SLOW_BUDGET = 0.5        # ... against this remediation budget (any scenario, any time factor)
BROKEN_METRIC = "broken metric"   # folded into the proof run (chaos_harness/observe/alerts.py broken_rule_control)
NOT_REMEDIATED = "not remediated"  # folded into the proof run: the hold before the remediation (chaos_harness/runner.py)


@dataclass(frozen=True)
class Control:
    name: str
    sabotage: str
    expect: tuple[type[ScenarioFailed], ...]

    @property
    def slug(self) -> str:
        return self.name.replace(" ", "-").replace(",", "")


@dataclass(frozen=True)
class FoldedControl:
    """A control observed inside the proof run: the gate finds `<class name>: ...` under its name in the proof's
    verdict (`controls`)."""
    name: str
    sabotage: str
    expect: type[ScenarioFailed]


FOLDED = (FoldedControl(BROKEN_METRIC, "a shadow copy of the rule with its metric misspelled, evaluated beside it",
                        AlertDidNotFire),
          FoldedControl(NOT_REMEDIATED, "the remediation held back for the clearing bound, after the alert fired and "
                        "was delivered", AlertDidNotClear))
NO_FAULT = Control("fault not injected", "nothing is injected", (AlertDidNotFire,))
MISROUTED_SLOW = Control("routed elsewhere, slow remediation",
                         f"Alertmanager's generated config routes the alert to another receiver; the runbook's "
                         f"remediation takes at least {SLOW_REMEDIATION:g}s against a budget of {SLOW_BUDGET:g}s",
                         (AlertNotDelivered, BudgetExceeded, ResolvedNoticeMissing))
CONTROLS = (NO_FAULT, MISROUTED_SLOW)


def slow_remediation_budget(factor: float) -> Budget:
    """The budget the slow-remediation control judges against, at the run's factor (so it always applies)."""
    return Budget(remediate=SLOW_BUDGET, factor=factor)


def matches(expect: tuple[type[ScenarioFailed], ...], failures: list[BaseException]) -> bool:
    """Every expected class was seen, and nothing else (an infrastructure error proves nothing)."""
    seen = {type(f) for f in failures}
    return all(any(issubclass(s, e) for s in seen) for e in expect) and \
        all(any(issubclass(s, e) for e in expect) for s in seen)
