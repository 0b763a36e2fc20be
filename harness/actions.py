"""Remediations: the runbook's repair actions, as small callables on the stack's owner."""
from __future__ import annotations

from dataclasses import dataclass

from harness.stack import StackOwner
from harness.waiting import Check, wait_until

HEALTHY_TIMEOUT = 30.0


def wait_healthy(owner: StackOwner, service: str, timeout: float = HEALTHY_TIMEOUT) -> None:
    def probe() -> Check:
        container = owner.container(service)
        container.reload()
        health = container.attrs.get("State", {}).get("Health", {}).get("Status")
        state = f"{container.status}/{health or 'no healthcheck'}"
        return Check(container.status == "running" and health in (None, "healthy"), state)
    wait_until(probe, what=f"{service} to be running and healthy", timeout=timeout, interval=0.1)


@dataclass(frozen=True)
class RestartService:
    """`docker compose restart <service>` (starts it if stopped), then wait until it is healthy."""
    service: str

    def __call__(self, owner: StackOwner) -> None:
        owner.container(self.service).restart(timeout=5)
        wait_healthy(owner, self.service)

    def __str__(self) -> str:
        return f"restart {self.service}"


@dataclass(frozen=True)
class DoNothing:
    """A remediation that repairs nothing; negative controls use it to prove 'did not clear' fails."""

    def __call__(self, owner: StackOwner) -> None:
        return None

    def __str__(self) -> str:
        return "nothing (control)"
