"""Faults and remediations, one module per domain, each technology's remediations beside its faults.

- `base`: `Fault`, `RemediationContext`, `Remediation`, `NoFault` and the actions of no technology
  (`RevertFault`, `Steps`, `DoNothing`).
- `nemesis`: `Nemesis` and `AppliedFault`, the only way a fault is applied (ledger first, revert always).
- `containers`: `docker pause/stop/kill/restart`, `RestartService`, `ResumeService`.
- `apps` (the reference services), `databases`, `kafka`, `connect`, `cdc`, `cassandra`, `fulfillment`, `trino`, `flink`,
  `lakehouse` (the Paimon table the Flink job commits to), `o2o` (the O2O pipeline: no kind of its own, its timing).

Each domain module lists its fault kinds in `FAULTS`; `kinds()` reads the modules named in DOMAINS, so a
crashed run's ledger entry can be rebuilt in a fresh process (`chaos-harness cleanup`). The domain modules
import `chaos_harness.faults.base`, never this package (tests/unit/test_layering.py). The most used names are
re-exported here: `from chaos_harness.faults import ContainerStopped, RestartService`.
"""
from __future__ import annotations

import importlib

from chaos_harness.errors import ConfigError
from chaos_harness.faults.base import DoNothing, Fault, NoFault, Remediation, RemediationContext, RevertFault, Steps
from chaos_harness.faults.containers import (ContainerFault, ContainerKilled, ContainerPaused, ContainerRestarted,
                                             ContainerStopped, RestartService, ResumeService, pause)
from chaos_harness.faults.nemesis import AppliedFault, Nemesis

__all__ = ["AppliedFault", "ContainerFault", "ContainerKilled", "ContainerPaused", "ContainerRestarted",
           "ContainerStopped", "DOMAINS", "DoNothing", "Fault", "Nemesis", "NoFault", "Remediation",
           "RemediationContext", "RestartService", "ResumeService", "RevertFault", "Steps", "fault_from_description",
           "kinds", "pause"]

# The domain modules, each with its FAULTS. Imported on demand: some need the [data-platform] extra's clients.
DOMAINS = ("containers", "apps", "databases", "kafka", "connect", "cdc", "cassandra", "fulfillment", "trino", "flink",
           "lakehouse", "o2o")


def kinds() -> dict[str, type[Fault]]:
    """Every fault kind by its ledger key."""
    found: dict[str, type[Fault]] = {NoFault.kind: NoFault}
    for domain in DOMAINS:
        for cls in importlib.import_module(f"chaos_harness.faults.{domain}").FAULTS:
            found[cls.kind] = cls
    return found


def fault_from_description(description: dict) -> Fault:
    known = kinds()
    kind = description.get("kind")
    if kind not in known:
        raise ConfigError(f"unknown fault kind {kind!r}; known: {', '.join(sorted(known))}")
    return known[kind](**{k: v for k, v in description.items() if k != "kind"})
