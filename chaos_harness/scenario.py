"""A runbook scenario as validated data: what to break, which alert must say so, how to repair."""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Callable

from chaos_harness.errors import ConfigError
from chaos_harness.faults import Fault, Remediation
from chaos_harness.layout import current
from chaos_harness.signals import SignalDelay, no_delay
from chaos_harness.stack import Stack
from chaos_harness.traffic import BackgroundTraffic

SEVERITIES = ("blocker", "critical", "normal", "minor", "trivial")
_ANCHOR = re.compile(r"^[a-z0-9-]+#[a-z0-9-]+$")


BUDGET_FACTOR = 30.0


@dataclass(frozen=True)
class Budget:
    """Limits measured for this scenario, beside the bounds the rule's timers give (chaos_harness/bounds.py).

    In compressed seconds at `factor` (the default time factor), written from measurements kept in the
    scenario file; judged only on runs at that factor (a run at another factor reports them as not
    applicable and is judged by the derived bounds alone).
      remediate  the remediation's own duration (the runbook action, e.g. a restart until healthy)
      detect     first action of the injection -> firing notice at the receiver (end to end)
      recover    remediation started -> resolved notice at the receiver (end to end)
    """
    remediate: float | None = None
    detect: float | None = None
    recover: float | None = None
    factor: float = BUDGET_FACTOR


@dataclass(frozen=True)
class Scenario:
    id: str                                   # file name under scenarios/, used on the command line
    title: str                                # the runbook's wording of the situation
    runbook: str                              # "<runbook file stem>#<section anchor>"
    service: str                              # Allure feature: the service the runbook section is about
    alert: str
    receiver: str
    fault: Fault
    remediation: Remediation
    traffic: Callable[[Stack], BackgroundTraffic] | None = None
    chart_query: str = ""                     # PromQL of the alert's metric in production time (compressed
                                              # like the rules); must return data in steady state
    alert_labels: dict | None = field(default=None)
    severity: str = "critical"
    budget: Budget = Budget()
    drill: str = ""                           # the runbook's drill, in words
    remediation_text: str = ""                # the runbook's remediation, in words
    profiles: tuple[str, ...] = ()            # compose profiles the scenario needs beyond the core stack
    signal_delay: SignalDelay | float = no_delay  # what the expression needs to turn true once the fault
                                              # holds (chaos_harness/signals.py); added to the fire bound
    clear_delay: SignalDelay | float = no_delay   # what it needs to turn false once the remediation is done
                                              # (a backlog draining); added to the resolve bound
    settled_query: str = ""                   # optional PromQL (production time, compressed like the rules)
                                              # that returns series only once the metric has settled (e.g.
                                              # no slope left in the alert's window by an earlier run)

    def __post_init__(self) -> None:
        if not _ANCHOR.match(self.runbook):
            raise ConfigError(f"scenario {self.id}: runbook must look like 'incident-runbook#section', got {self.runbook!r}")
        if self.severity not in SEVERITIES:
            raise ConfigError(f"scenario {self.id}: severity {self.severity!r} is not one of {', '.join(SEVERITIES)}")

    @property
    def runbook_path(self) -> str:
        """The section's path from the project root (the runbooks folder is a setting: chaos_harness/layout.py)."""
        file, anchor = self.runbook.split("#")
        layout = current()
        folder = layout.runbooks_dir.relative_to(layout.root) if layout.runbooks_dir.is_relative_to(layout.root) \
            else layout.runbooks_dir
        return f"{folder.as_posix()}/{file}.md#{anchor}"

    def but(self, **changes) -> "Scenario":
        """A variant (negative controls): same scenario with one part replaced."""
        return replace(self, **changes)
