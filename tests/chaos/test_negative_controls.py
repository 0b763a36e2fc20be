"""A scenario must be able to fail: broken rule, fault not injected, remediation that does not heal.

Each control runs the real scenario against the real stack with one part sabotaged and asserts
the verdict class and that the message names the alert and what was observed instead.
"""
import pytest

from harness.actions import DoNothing
from harness.errors import AlertDidNotClear, AlertDidNotFire
from harness.faults import NoFault
from harness.mutation import misspell_metric
from scenarios import all_scenarios

pytestmark = pytest.mark.chaos
SCENARIOS = all_scenarios()


def _break(expr: str) -> str:
    """A realistic breakage: the first metric name misspelled (the rule silently matches nothing)."""
    return misspell_metric(expr)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_scenario_fails_when_its_rule_is_broken(scenario, run_scenario, broken_rule, prometheus):
    production_expr = prometheus.rule(scenario.alert).query
    with broken_rule(scenario.alert, _break(production_expr)) as broken:
        with pytest.raises(AlertDidNotFire) as failure:
            run_scenario(scenario)
    message = str(failure.value)
    assert scenario.alert in message
    assert broken in message, "the message shows the expression that was evaluated"
    assert "States seen: inactive" in message, "the message says what was observed instead"


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_scenario_fails_when_the_fault_is_not_injected(scenario, run_scenario):
    with pytest.raises(AlertDidNotFire, match=scenario.alert):
        run_scenario(scenario.but(fault=NoFault(), drill="control: nothing injected"))


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_scenario_fails_when_remediation_does_not_clear(scenario, run_scenario, chaos_stack):
    with pytest.raises(AlertDidNotClear, match=scenario.alert):
        run_scenario(scenario.but(remediation=DoNothing(), remediation_text="control: no remediation"))
    service = getattr(scenario.fault, "service", "")
    if service:  # the fault was still rolled back
        assert chaos_stack.owner.container(service).status == "running"
