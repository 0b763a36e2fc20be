"""A scenario must be able to fail, at every check: each control runs the real scenario against the real
stack with one part sabotaged and passes only when the run fails with exactly the expected classes
(chaos_harness/controls.py); its run journal is what the release gate counts.

Two controls are folded into every proof run and cost no run of their own (chaos_harness/runner.py): the
"broken metric" one (a shadow copy of the rule with its metric misspelled, loaded beside it, must be classified
AlertDidNotFire while the real rule fires) and the "not remediated" one (after the alert fired and was
delivered, the remediation is held back for the clearing bound, and the clearing check must fail:
AlertDidNotClear). So the firing check, the delivery check, the clearing check, the resolved notice and the
remediation budget each have a control that makes them fail: the two folded ones and the two runs below.
"""
import time
from dataclasses import dataclass

import pytest

from chaos_harness.faults import ContainerFault, NoFault, RemediationContext
from chaos_harness.controls import MISROUTED_SLOW, NO_FAULT, SLOW_REMEDIATION, slow_remediation_budget
from chaos_harness.errors import AlertNotDelivered, BudgetExceeded, ResolvedNoticeMissing
from chaos_harness.mutation import route_elsewhere
from chaos_harness.registry import all_scenarios

pytestmark = [pytest.mark.chaos, pytest.mark.control]
SCENARIOS = all_scenarios()
WRONG_RECEIVER = "default"   # the production config's catch-all receiver (no integration)


@dataclass(frozen=True)
class Overrun:
    """The runbook's remediation, finished no sooner than `seconds` after it started (a slow runbook action)."""
    remediation: object
    seconds: float

    def __call__(self, ctx: RemediationContext) -> None:
        deadline = time.time() + self.seconds
        self.remediation(ctx)
        time.sleep(max(0.0, deadline - time.time()))

    def __str__(self) -> str:
        return f"{self.remediation}, finished no sooner than {self.seconds:g}s (control: slower than its budget)"


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_scenario_fails_when_the_fault_is_not_injected(scenario, run_scenario):
    run_scenario(scenario.but(fault=NoFault(), drill="control: nothing injected"), control=NO_FAULT)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_scenario_fails_when_routed_elsewhere_with_a_slow_remediation(scenario, run_scenario, alertmanager_config,
                                                                       chaos_stack):
    """Neither the firing notice nor the resolved notice reaches the receiver (both go where the changed route
    sends them), and the runbook's remediation, which still clears the alert, overruns its budget."""
    slow = scenario.but(remediation=Overrun(scenario.remediation, SLOW_REMEDIATION),
                        budget=slow_remediation_budget(chaos_stack.profile.factor))
    with alertmanager_config(route_elsewhere(scenario.alert, WRONG_RECEIVER)):
        result = run_scenario(slow, control=MISROUTED_SLOW)
    undelivered = str(next(f for f in result.failures if isinstance(f, AlertNotDelivered)))
    assert f"at receiver {scenario.receiver}" in undelivered, "names the receiver it expected"
    assert f"routes it to ['{WRONG_RECEIVER}']" in undelivered, "says where the alert went instead"
    missing = str(next(f for f in result.failures if isinstance(f, ResolvedNoticeMissing)))
    assert f"resolved notice of {scenario.alert}" in missing
    assert "remediation" in str(next(f for f in result.failures if isinstance(f, BudgetExceeded)))
    if isinstance(scenario.fault, ContainerFault):  # the fault was still rolled back
        assert chaos_stack.owner.container(scenario.fault.service).status == "running"
