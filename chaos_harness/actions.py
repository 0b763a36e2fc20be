"""Remediations: the runbook's repair actions, as small callables on a RemediationContext."""
from __future__ import annotations

from dataclasses import dataclass

from chaos_harness.catalog import wait_ready
from chaos_harness.faults import RemediationContext
from chaos_harness.readiness import READY_TIMEOUT


@dataclass(frozen=True)
class RestartService:
    """`docker compose restart <service>` (starts it if stopped), then wait until it answers from the host
    (chaos_harness/readiness.py: its protocol ping on the published port, every 0.1 s)."""
    service: str

    def __call__(self, ctx: RemediationContext) -> None:
        ctx.owner.container(self.service).restart(timeout=5)
        wait_ready(ctx.owner, self.service)

    def __str__(self) -> str:
        return f"restart {self.service}"


@dataclass(frozen=True)
class ResumeService:
    """Bring a stopped or frozen service back (`docker unpause`, or `docker start`) and wait until it answers
    from the host: a stuck consumer catching up on its backlog, a Cassandra node serving CQL again."""
    service: str
    description: str = ""
    timeout: float = READY_TIMEOUT

    def __call__(self, ctx: RemediationContext) -> None:
        container = ctx.owner.container(self.service)
        container.reload()
        if container.status == "paused":
            container.unpause()
        elif container.status != "running":
            container.start()
        wait_ready(ctx.owner, self.service, timeout=self.timeout)

    def __str__(self) -> str:
        return self.description or f"resume {self.service}"


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
