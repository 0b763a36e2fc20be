"""Root conftest: load the harness' pytest plugin (fixtures/plugin.py)."""
pytest_plugins = ["fixtures.plugin"]
