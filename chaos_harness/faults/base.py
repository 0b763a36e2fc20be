"""What every fault and remediation is: `Fault` (data: `describe()` round-trips through
`chaos_harness.faults.fault_from_description`, so a crashed run's ledger entry can be rebuilt and reverted by
`chaos-harness cleanup`), the `RemediationContext` a runbook action gets, and the actions that belong to no
technology (revert the fault now, several steps in order, nothing at all)."""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass
from typing import Callable, ClassVar, Protocol

from chaos_harness.stack import StackOwner
from chaos_harness.waiting import Check

STATE_TIMEOUT = 20.0


@dataclass(frozen=True)
class Fault(ABC):
    """Something broken on purpose. Subclasses are frozen dataclasses: their fields are the plan. A concrete
    fault names its `kind` (the ledger's key) and is listed in its domain module's FAULTS."""
    kind: ClassVar[str]
    # Seconds from the first action of the injection until `in_effect` must hold: the Nemesis gives up
    # (FaultNotInEffect) after it, so the fault latency the report shows is bounded. Real time, not
    # compressed. A class sets a tighter bound where its mechanism is quick, with the reason beside it.
    effect_within: ClassVar[float] = STATE_TIMEOUT

    def describe(self) -> dict:
        return {"kind": self.kind, **asdict(self)}

    def __str__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in asdict(self).items())
        return f"{self.kind}({args})"

    def prepare(self, owner: StackOwner) -> None:
        """Bring the target to the state the drill starts from (part of the steady state, not of the fault
        latency; bounded by its own waits). Changes nothing that needs reverting. Most faults need nothing."""

    @abstractmethod
    def inject(self, owner: StackOwner) -> None: ...

    @abstractmethod
    def revert(self, owner: StackOwner) -> None:
        """Undo the fault; a no-op when it is not (or no longer) in effect."""

    @abstractmethod
    def in_effect(self, owner: StackOwner) -> Check:
        """Is the fault holding right now? (state text explains either way)"""


@dataclass(frozen=True)
class RemediationContext:
    """What a remediation may use: the stack's containers, and the fault's own rollback (for runbook
    actions that amount to "fix the broken dependency")."""
    owner: StackOwner
    revert_fault: Callable[[], None]


class Remediation(Protocol):
    """A runbook action; it lives in the module of its technology, beside that technology's faults."""
    def __call__(self, ctx: RemediationContext) -> None: ...


@dataclass(frozen=True)
class NoFault(Fault):
    """Injects nothing. Used by negative controls to prove a scenario fails without its fault."""
    kind: ClassVar[str] = "no-fault"
    service: str = ""

    def inject(self, owner: StackOwner) -> None:
        return None

    def revert(self, owner: StackOwner) -> None:
        return None

    def in_effect(self, owner: StackOwner) -> Check:
        return Check(True, "nothing injected (control)")


# -- remediations that belong to no technology ----------------------------------------------------
@dataclass(frozen=True)
class RevertFault:
    """The runbook's fix is to repair the broken dependency itself (restore the downstream, stop the
    runaway producer): that is exactly the fault's rollback, done now instead of at the end."""
    description: str

    def __call__(self, ctx: RemediationContext) -> None:
        ctx.revert_fault()

    def __str__(self) -> str:
        return self.description


@dataclass(frozen=True)
class Steps:
    """Several remediation actions, in order."""
    actions: tuple

    def __call__(self, ctx: RemediationContext) -> None:
        for action in self.actions:
            action(ctx)

    def __str__(self) -> str:
        return ", then ".join(map(str, self.actions))


@dataclass(frozen=True)
class DoNothing:
    """A remediation that repairs nothing; negative controls use it to prove 'did not clear' fails."""

    def __call__(self, ctx: RemediationContext) -> None:
        return None

    def __str__(self) -> str:
        return "nothing (control)"
