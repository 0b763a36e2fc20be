"""Every runbook scenario under scenarios/, end to end against the bundled stack."""
import pytest

from chaos_harness.registry import all_scenarios

pytestmark = [pytest.mark.chaos, pytest.mark.runbook_proof]


@pytest.mark.parametrize("scenario", all_scenarios(), ids=lambda s: s.id)
def test_runbook_scenario(scenario, run_scenario):
    result = run_scenario(scenario)
    assert result.time_to_fire <= result.bounds.fire.seconds
