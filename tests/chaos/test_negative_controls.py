"""A scenario must be able to fail, at every check: each control runs the real scenario against the real
stack with one part sabotaged and passes only when the run fails with exactly the expected classes
(chaos_harness/controls.py); its run journal is what the release gate counts.

The "broken rule" control is folded into every proof run: a shadow copy of the rule with its metric
misspelled is loaded beside it and must be classified AlertDidNotFire while the real rule fires
(chaos_harness/observe/alerts.py broken_rule_control), so it costs no run of its own.
"""
import time
from dataclasses import dataclass

import pytest

from chaos_harness.faults import ContainerFault, DoNothing, NoFault, RemediationContext
from chaos_harness.controls import NO_FAULT, SILENT_SLOW, SLOW_REMEDIATION, UNDELIVERED, slow_remediation_budget
from chaos_harness.errors import AlertNotDelivered, BudgetExceeded, ResolvedNoticeMissing
from chaos_harness.mutation import resolved_notices_off, route_elsewhere
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
def test_scenario_fails_when_routed_elsewhere_and_not_remediated(scenario, run_scenario, alertmanager_config,
                                                                 chaos_stack):
    with alertmanager_config(route_elsewhere(scenario.alert, WRONG_RECEIVER)):
        result = run_scenario(scenario.but(remediation=DoNothing(), remediation_text="control: no remediation"),
                              control=UNDELIVERED)
    undelivered = str(next(f for f in result.failures if isinstance(f, AlertNotDelivered)))
    assert f"at receiver {scenario.receiver}" in undelivered, "names the receiver it expected"
    assert f"routes it to ['{WRONG_RECEIVER}']" in undelivered, "says where the alert went instead"
    if isinstance(scenario.fault, ContainerFault):  # the fault was still rolled back
        assert chaos_stack.owner.container(scenario.fault.service).status == "running"


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_scenario_fails_without_resolved_notice_and_with_a_slow_remediation(scenario, run_scenario,
                                                                            alertmanager_config, chaos_stack):
    slow = scenario.but(remediation=Overrun(scenario.remediation, SLOW_REMEDIATION),
                        budget=slow_remediation_budget(chaos_stack.profile.factor))
    with alertmanager_config(resolved_notices_off(scenario.receiver)):
        result = run_scenario(slow, control=SILENT_SLOW)
    missing = str(next(f for f in result.failures if isinstance(f, ResolvedNoticeMissing)))
    assert f"resolved notice of {scenario.alert}" in missing
    assert "remediation" in str(next(f for f in result.failures if isinstance(f, BudgetExceeded)))
