"""Signal and clearing delays: what a rule's expression needs, beyond the timers, to change state.

The derived bounds are `for` + scrape + evaluation (+ harness overhead) for firing and
window + scrape + evaluation for clearing. Some expressions cannot turn true at the first scrape
after the fault holds (a ratio must fill part of its window, a slow request must complete, a
deriv() must see a slope) or cannot turn false at once after the repair (a backlog drains at the
consumer's rate). A scenario states that extra time as a *function* of the loaded rule and the
run's timing profile, so that the bound is right at any `--time-factor`, and the function
returns its arithmetic so the Timings attachment can print it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from harness.observe.prometheus import AlertingRule
from harness.timing import TimingProfile


@dataclass(frozen=True)
class Delay:
    seconds: float
    arithmetic: str = ""        # how `seconds` was derived, e.g. "20% of the 4s window = 0.8s + scrape 0.5s"

    def __str__(self) -> str:
        return f"{self.seconds:g}s ({self.arithmetic})" if self.arithmetic else f"{self.seconds:g}s"


SignalDelay = Callable[[AlertingRule, TimingProfile], Delay]


def no_delay(rule: AlertingRule, profile: TimingProfile) -> Delay:  # noqa: ARG001 - the SignalDelay signature
    return Delay(0.0)


def resolve(delay: "SignalDelay | float", rule: AlertingRule, profile: TimingProfile) -> Delay:
    """A scenario's delay for this rule and profile (a plain number is a constant, kept for old scenarios)."""
    if callable(delay):
        return delay(rule, profile)
    return Delay(float(delay), "constant (not derived)" if delay else "")
