"""Negative controls: the same scenario with one part sabotaged, and the verdict classes that must follow.

A scenario counts as proven only when, in the same results, its proof run passed with the controls folded into
it classified as expected (FOLDED: a shadow copy of the rule with its metric misspelled stayed inactive while the
real one fired; a shadow copy routed to a receiver with no integration fired, was not delivered and sent no
resolved notice; the alert stayed firing for its clearing bound before the remediation ran; that held-back
remediation exceeded a tiny budget), and its control run (CONTROLS: the fault not injected) ran and failed with
exactly the expected class. The gate reads the names below; tests/chaos/test_negative_controls.py applies the
sabotage of the control run, chaos_harness/runner.py observes the folded ones.
"""
from __future__ import annotations

from dataclasses import dataclass

from chaos_harness.errors import (AlertDidNotClear, AlertDidNotFire, AlertNotDelivered, BudgetExceeded,
                            ResolvedNoticeMissing, ScenarioFailed)
from chaos_harness.scenario import Budget

SLOW_BUDGET = 0.5        # the slow-remediation control's budget (any scenario, any time factor)
BROKEN_METRIC = "broken metric"   # folded into the proof run (chaos_harness/observe/alerts.py broken_rule_control)
NOT_REMEDIATED = "not remediated"  # folded into the proof run: the hold before the remediation (chaos_harness/runner.py)
SLOW_REMEDIATION = "slow remediation"   # folded: the held-back remediation judged against SLOW_BUDGET
ROUTED_ELSEWHERE = "routed elsewhere"   # folded: the misrouted shadow's firing notice (observe/alerts.py)
ROUTED_ELSEWHERE_RESOLVED = "routed elsewhere, resolved"   # folded: ... and its resolved notice


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
          FoldedControl(ROUTED_ELSEWHERE, "a shadow copy of the rule that Alertmanager's generated config routes to a "
                        "receiver with no integration, firing with it", AlertNotDelivered),
          FoldedControl(NOT_REMEDIATED, "the remediation held back for the clearing bound, after the alert fired and "
                        "was delivered", AlertDidNotClear),
          FoldedControl(SLOW_REMEDIATION, f"the held-back remediation (the hold, then the runbook's action) judged "
                        f"against a remediation budget of {SLOW_BUDGET:g}s", BudgetExceeded),
          FoldedControl(ROUTED_ELSEWHERE_RESOLVED, "the misrouted shadow copy of the rule, resolved with it",
                        ResolvedNoticeMissing))
NO_FAULT = Control("fault not injected", "nothing is injected", (AlertDidNotFire,))
CONTROLS = (NO_FAULT,)


def slow_remediation_budget(factor: float) -> Budget:
    """The budget the slow-remediation control judges against, at the run's factor (so it always applies)."""
    return Budget(remediate=SLOW_BUDGET, factor=factor)


def matches(expect: tuple[type[ScenarioFailed], ...], failures: list[BaseException]) -> bool:
    """Every expected class was seen, and nothing else (an infrastructure error proves nothing)."""
    seen = {type(f) for f in failures}
    return all(any(issubclass(s, e) for s in seen) for e in expect) and \
        all(any(issubclass(s, e) for e in expect) for s in seen)
