"""Every scenario of this project's runbooks, proven against its own stack by the installed harness."""
import pytest

from chaos_harness.registry import all_scenarios

pytestmark = [pytest.mark.chaos, pytest.mark.runbook_proof]


@pytest.mark.parametrize("scenario", all_scenarios(), ids=lambda s: s.id)
def test_runbook_scenario(scenario, run_scenario):
    run_scenario(scenario)
