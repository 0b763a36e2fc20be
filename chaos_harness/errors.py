"""One hierarchy of failures, classified so evidence and the gate can read the class.

Verdict failures derive from AssertionError (Allure shows them as *failed*: the product is
wrong); infrastructure and configuration errors do not (Allure shows them as *broken*:
nothing was proven).
"""
from __future__ import annotations


class ChaosError(Exception):
    """Base of every error the harness raises on purpose."""


# -- bad input: raised before anything is touched --------------------------------------------
class ConfigError(ChaosError):
    """The request itself is wrong (unknown name, bad option); fix the input."""


class UnknownAlert(ConfigError):
    pass


class UnknownScenario(ConfigError):
    pass


class ForeignTarget(ConfigError):
    """A fault was aimed at something the current test stack does not own."""


# -- infrastructure: nothing proven ------------------------------------------------------------
class InfrastructureError(ChaosError):
    pass


class ServiceUnreachable(InfrastructureError):
    pass


class DockerUnavailable(InfrastructureError):
    pass


class StackStartError(InfrastructureError):
    pass


# -- verdicts: the runbook claim is false --------------------------------------------------------
class ScenarioFailed(AssertionError, ChaosError):
    """The scenario ran and disproved the runbook claim."""


class NotSteadyState(ScenarioFailed):
    pass


class FaultNotInEffect(ScenarioFailed):
    pass


class AlertDidNotFire(ScenarioFailed):
    pass


class AlertNotDelivered(ScenarioFailed):
    """The alert fired but its firing notice did not reach the scenario's receiver in time."""


class ResolvedNoticeMissing(ScenarioFailed):
    """The alert resolved in Prometheus but the receiver got no resolved notice (e.g. send_resolved off)."""


class AlertDidNotClear(ScenarioFailed):
    pass


class BudgetExceeded(ScenarioFailed):
    """A phase took longer than its derived bound, or than the budget measured for the scenario."""


class NotRecovered(ScenarioFailed):
    """After the alert resolved, its expression turned true again within the verification window."""


class ControlFailed(ScenarioFailed):
    """A control folded into the run (the shadow copy of the rule with a broken metric; the hold before the
    remediation, during which the alert must not clear) did not behave as a control must: the shadow fired or
    was never evaluated, or the alert cleared with no remediation, so the proof would not show that the check
    can fail."""
