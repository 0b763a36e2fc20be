"""Chaos harness: turns incident-runbook scenarios into executable, evidence-producing tests.

Rooms (docs/architecture.md): stack, readiness, faults, observe, evidence, timing and bounds, runner, scenarios.
"""
