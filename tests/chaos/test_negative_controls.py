"""A scenario must be able to fail, at every check: a control runs the real scenario against the real stack
with one part sabotaged and passes only when the run fails with exactly the expected classes
(chaos_harness/controls.py); its run journal is what the release gate counts.

Four controls are folded into every proof run and cost no run of their own (chaos_harness/runner.py): "broken
metric" (a shadow copy of the rule with its metric misspelled, loaded beside it, must be classified
AlertDidNotFire while the real rule fires), "routed elsewhere" and "routed elsewhere, resolved" (a shadow copy of
the rule that the generated Alertmanager config routes to a receiver with no integration fires and resolves with
the real one; the delivery checks run on it must give AlertNotDelivered and ResolvedNoticeMissing), "not
remediated" (after the alert fired and was delivered, the remediation is held back for the clearing bound, and
the clearing check must fail: AlertDidNotClear) and "slow remediation" (that held-back remediation, judged
against a 0.5 s budget: BudgetExceeded). So the firing check, the delivery check, the clearing check, the
resolved notice and the remediation budget each have a control that makes them fail: the folded ones and the
run below, which proves the alert is the fault's doing.
"""
import pytest

from chaos_harness.controls import NO_FAULT
from chaos_harness.faults import NoFault
from chaos_harness.registry import all_scenarios

pytestmark = [pytest.mark.chaos, pytest.mark.control]
SCENARIOS = all_scenarios()


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_scenario_fails_when_the_fault_is_not_injected(scenario, run_scenario):
    run_scenario(scenario.but(fault=NoFault(), drill="control: nothing injected"), control=NO_FAULT)
