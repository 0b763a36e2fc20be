"""Negative controls: the same scenario with one part sabotaged, and the verdict classes that must follow.

A scenario counts as proven only when, in the same results, its proof run passed (with the broken-metric
control folded into it: a shadow copy of the rule, loaded beside it, stayed inactive while the real one
fired) and each of its controls ran and failed with exactly the expected classes. The gate reads the
names below; tests/chaos/test_negative_controls.py applies the sabotage.
"""
from __future__ import annotations

from dataclasses import dataclass

from chaos_harness.errors import (AlertDidNotClear, AlertDidNotFire, AlertNotDelivered, BudgetExceeded,
                            ResolvedNoticeMissing, ScenarioFailed)
from chaos_harness.scenario import Budget

SLOW_REMEDIATION = 1.0   # the slow-remediation control: the runbook action, finished no sooner than this
SLOW_BUDGET = 0.5        # ... against this remediation budget (any scenario, any time factor)
BROKEN_METRIC = "broken metric"   # folded into the proof run (chaos_harness/observe/alerts.py broken_rule_control)


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
                      f"send_resolved is off for the receiver; the remediation takes at least {SLOW_REMEDIATION:g}s "
                      f"against a budget of {SLOW_BUDGET:g}s", (BudgetExceeded, ResolvedNoticeMissing))
CONTROLS = (NO_FAULT, UNDELIVERED, SILENT_SLOW)


def slow_remediation_budget(factor: float) -> Budget:
    """The budget the slow-remediation control judges against, at the run's factor (so it always applies)."""
    return Budget(remediate=SLOW_BUDGET, factor=factor)


def matches(expect: tuple[type[ScenarioFailed], ...], failures: list[BaseException]) -> bool:
    """Every expected class was seen, and nothing else (an infrastructure error proves nothing)."""
    seen = {type(f) for f in failures}
    return all(any(issubclass(s, e) for s in seen) for e in expect) and \
        all(any(issubclass(s, e) for e in expect) for s in seen)
