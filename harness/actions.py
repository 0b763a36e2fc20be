"""Remediations: the runbook's repair actions, as small callables on a RemediationContext."""
from __future__ import annotations

from dataclasses import dataclass

from harness.scenario import RemediationContext
from harness.stack import StackOwner
from harness.waiting import Check, wait_until

HEALTHY_TIMEOUT = 30.0


def wait_healthy(owner: StackOwner, service: str, timeout: float = HEALTHY_TIMEOUT) -> None:
    def probe() -> Check:
        container = owner.container(service)
        health = container.attrs.get("State", {}).get("Health", {}).get("Status")
        state = f"{container.status}/{health or 'no healthcheck'}"
        return Check(container.status == "running" and health in (None, "healthy"), state)
    wait_until(probe, what=f"{service} to be running and healthy", timeout=timeout, interval=0.1)


@dataclass(frozen=True)
class RestartService:
    """`docker compose restart <service>` (starts it if stopped), then wait until it is healthy."""
    service: str

    def __call__(self, ctx: RemediationContext) -> None:
        ctx.owner.container(self.service).restart(timeout=5)
        wait_healthy(ctx.owner, self.service)

    def __str__(self) -> str:
        return f"restart {self.service}"


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
