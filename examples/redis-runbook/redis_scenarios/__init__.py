"""The example team's runbook scenarios (setting `chaos_scenarios` in pytest.ini)."""
