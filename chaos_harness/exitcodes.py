"""One exit-code table for the command line (`chaos-harness`), the release gate and the drill/probe scripts.

    0  OK      everything asked for was done; for the gate: every scenario proven
    1  FAILED  a check failed: a scenario, a control that did not fail, a bound or budget, the gate's verdict,
               a dangling runbook reference, a drill's or probe's own check (its service unreachable included)
    2  ERROR   usage or bad input, the harness' own infrastructure missing (Docker engine, stack start, tools),
               or nothing proven (the gate: a result or control missing)
"""
from __future__ import annotations

from chaos_harness.errors import ChaosError, ConfigError, InfrastructureError, ServiceUnreachable

OK, FAILED, ERROR = 0, 1, 2
TABLE = {OK: "ok", FAILED: "a check failed", ERROR: "usage, infrastructure or nothing proven"}


def for_error(exc: ChaosError) -> int:
    """The exit code of a run that stopped with `exc`."""
    if isinstance(exc, ConfigError):
        return ERROR
    if isinstance(exc, InfrastructureError) and not isinstance(exc, ServiceUnreachable):
        return ERROR
    return FAILED
