"""Chaos harness: turns incident-runbook scenarios into executable, evidence-producing tests.

Rooms (see ARCHITECTURE in the README): stack, faults, observe, evidence, timing, scenario.
"""
