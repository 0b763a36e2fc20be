"""Faults on whole containers of the current stack (`docker pause/stop/kill/restart`) and the remediations
that bring a service back (`docker compose restart`, unpause or start), each waiting until the service answers
from the host (chaos_harness/readiness.py)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from docker.errors import APIError, NotFound
from docker.models.containers import Container

from chaos_harness.catalog import wait_ready
from chaos_harness.errors import ForeignTarget
from chaos_harness.faults.base import Fault, RemediationContext
from chaos_harness.readiness import READY_TIMEOUT
from chaos_harness.stack import StackOwner
from chaos_harness.waiting import Check, wait_until

def _status(container: Container) -> str:
    container.reload()
    return container.status


def _ensure_running(container: Container) -> None:
    status = _status(container)
    if status == "paused":
        container.unpause()
    elif status in ("exited", "created", "dead"):
        container.start()


@dataclass(frozen=True)
class ContainerFault(Fault):
    service: str

    def in_effect(self, owner: StackOwner) -> Check:
        status = _status(owner.container(self.service))
        return Check(status in self.effect_states, f"{self.service} is {status}")

    effect_states: ClassVar[tuple[str, ...]] = ()

    def revert(self, owner: StackOwner) -> None:
        try:
            _ensure_running(owner.container(self.service))
        except (NotFound, ForeignTarget):
            pass  # the container is gone with its stack: nothing left to heal


FREEZE_TIMEOUT = 15.0


def pause(owner: StackOwner, service: str, timeout: float = FREEZE_TIMEOUT) -> None:
    """`docker pause`. On a loaded machine the cgroup freezer can give up ("OCI runtime pause failed: unable
    to freeze"; runc thaws the container again): retry within a bound, fail on anything else."""
    container = owner.container(service)

    def attempt() -> Check:
        try:
            container.pause()
        except APIError as exc:
            if "unable to freeze" not in str(exc):
                raise
            return Check(False, f"docker pause refused: {exc.explanation or exc}")
        return Check(True, "paused")
    wait_until(attempt, what=f"docker pause of {service} to succeed", timeout=timeout, interval=0.5)


@dataclass(frozen=True)
class ContainerPaused(ContainerFault):
    """`docker pause`: the process is frozen; connections hang instead of being refused."""
    kind: ClassVar[str] = "container-paused"
    effect_states: ClassVar[tuple[str, ...]] = ("paused",)
    effect_within: ClassVar[float] = FREEZE_TIMEOUT + 2.0   # the freezer's retries, then one status read

    freeze_timeout: ClassVar[float] = FREEZE_TIMEOUT

    def inject(self, owner: StackOwner) -> None:
        pause(owner, self.service, self.freeze_timeout)


@dataclass(frozen=True)
class ContainerStopped(ContainerFault):
    """`docker stop`: graceful shutdown; the service is down until started again."""
    kind: ClassVar[str] = "container-stopped"
    effect_states: ClassVar[tuple[str, ...]] = ("exited",)
    effect_within: ClassVar[float] = 12.0   # docker stop: SIGTERM, SIGKILL after `timeout` (5 s), + margin
    timeout: int = 5

    def inject(self, owner: StackOwner) -> None:
        owner.container(self.service).stop(timeout=self.timeout)


@dataclass(frozen=True)
class ContainerKilled(ContainerFault):
    """`docker kill`: the process dies at once (SIGKILL by default)."""
    kind: ClassVar[str] = "container-killed"
    effect_states: ClassVar[tuple[str, ...]] = ("exited",)
    effect_within: ClassVar[float] = 5.0    # SIGKILL: the engine reports the exit at once
    signal: str = "SIGKILL"

    def inject(self, owner: StackOwner) -> None:
        owner.container(self.service).kill(signal=self.signal)


@dataclass(frozen=True)
class ContainerRestarted(ContainerFault):
    """`docker restart`: a short outage that heals itself; revert only makes sure it runs."""
    kind: ClassVar[str] = "container-restarted"
    effect_states: ClassVar[tuple[str, ...]] = ("running",)

    def inject(self, owner: StackOwner) -> None:
        owner.container(self.service).restart(timeout=5)


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


FAULTS = (ContainerPaused, ContainerStopped, ContainerKilled, ContainerRestarted,)   # the kinds this module defines (chaos_harness.faults.kinds)
