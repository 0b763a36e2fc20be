"""This project's runbook scenarios, one module each, every module defining `scenario` (its id is the module's
name). The harness finds them through its `scenarios` setting (chaos_harness/project.py); the registry is
chaos_harness/registry.py."""
