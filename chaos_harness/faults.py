"""The nemesis: reversible faults on the containers of the current test stack.

A fault is data (`describe()` round-trips through `fault_from_description`), so a crashed
run's ledger entry can be rebuilt and reverted by `python -m chaos_harness cleanup`. `Nemesis` is
the only way faults are applied: ledger first, then act, then prove the fault is in effect;
revert always runs (success, failure, timeout, Ctrl-C) and is idempotent.
"""
from __future__ import annotations

import importlib
import sys
import time
from abc import ABC, abstractmethod
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Callable, ClassVar, Iterator, Protocol

from docker.errors import APIError, NotFound
from docker.models.containers import Container

from chaos_harness.errors import ConfigError, FaultNotInEffect, ForeignTarget
from chaos_harness.ledger import Ledger
from chaos_harness.stack import StackOwner
from chaos_harness.waiting import Check, WaitTimedOut, wait_until

STATE_TIMEOUT = 20.0
_KINDS: dict[str, type["Fault"]] = {}


@dataclass(frozen=True)
class Fault(ABC):
    """Something broken on purpose. Subclasses are frozen dataclasses: their fields are the plan."""
    kind: ClassVar[str]
    # Seconds from the first action of the injection until `in_effect` must hold: the Nemesis gives up
    # (FaultNotInEffect) after it, so the fault latency the report shows is bounded. Real time, not
    # compressed. A class sets a tighter bound where its mechanism is quick, with the reason beside it.
    effect_within: ClassVar[float] = STATE_TIMEOUT

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "kind" in cls.__dict__:
            _KINDS[cls.kind] = cls

    def describe(self) -> dict:
        return {"kind": self.kind, **asdict(self)}

    def __str__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in asdict(self).items())
        return f"{self.kind}({args})"

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


# Modules defining further fault kinds (each technology's faults and remediations, beside each other); imported
# before a ledger description is rebuilt, so that `cleanup` in a fresh process knows every kind a crashed run may
# have injected. They import this module, never the other way round (tests/unit/test_layering.py).
FAULT_MODULES = ("chaos_harness.app_faults", "chaos_harness.databases", "chaos_harness.kafka", "chaos_harness.connect",
                 "chaos_harness.cdc", "chaos_harness.cassandra", "chaos_harness.fulfillment")


def fault_from_description(description: dict) -> Fault:
    for module in FAULT_MODULES:
        importlib.import_module(module)
    kind = description.get("kind")
    if kind not in _KINDS:
        raise ConfigError(f"unknown fault kind {kind!r}; known: {', '.join(sorted(_KINDS))}")
    return _KINDS[kind](**{k: v for k, v in description.items() if k != "kind"})


# -- container faults ------------------------------------------------------------------------
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


# -- the nemesis ------------------------------------------------------------------------------
@dataclass(frozen=True)
class AppliedFault:
    fault: Fault
    ledger_id: str | None
    injected_at: float                 # the fault was observed in effect
    started_at: float | None = None    # the first action of the injection

    @property
    def latency(self) -> float:
        """First action of the injection -> fault observed in effect."""
        return round(self.injected_at - (self.started_at or self.injected_at), 3)


class Nemesis:
    def __init__(self, owner: StackOwner, ledger: Ledger, *, dry_run: bool = False, out=None) -> None:
        self.owner, self.ledger, self.dry_run, self._out = owner, ledger, dry_run, out
        self._reverted: set[str] = set()

    @property
    def out(self):
        return self._out or sys.stderr  # resolved late so pytest's capture sees it

    def plan(self, fault: Fault) -> str:
        return f"inject {fault} into stack {self.owner.project}; revert afterwards"

    def inject(self, fault: Fault) -> AppliedFault:
        if self.dry_run:
            print(f"[dry-run] would {self.plan(fault)}", file=self.out)
            now = time.time()
            return AppliedFault(fault, None, now, now)
        if getattr(fault, "service", ""):
            self.owner.container(fault.service)  # refuses targets outside the stack, before the ledger
        ledger_id = self.ledger.fault_injecting(self.owner.project, fault.describe())
        started = time.time()
        applied = AppliedFault(fault, ledger_id, started, started)
        try:
            fault.inject(self.owner)
            # one look at least, then what is left of the fault's own bound (counted from the first action)
            wait_until(lambda: fault.in_effect(self.owner), what=f"{fault} to take effect", interval=0.05,
                       timeout=max(0.0, fault.effect_within - (time.time() - started)))
        except WaitTimedOut as exc:
            self.revert(applied)
            raise FaultNotInEffect(f"{fault} was injected but not in effect within its bound of "
                                   f"{fault.effect_within:g}s from the first action: {exc}") from None
        except BaseException:
            self.revert(applied)
            raise
        return AppliedFault(fault, ledger_id, time.time(), started)

    def revert(self, applied: AppliedFault, by: str = "run") -> None:
        """Idempotent: a fault already reverted (e.g. by a remediation) is not reverted again."""
        if applied.ledger_id is None:
            if self.dry_run:
                print(f"[dry-run] would revert {applied.fault}", file=self.out)
            return
        if applied.ledger_id in self._reverted:
            return
        applied.fault.revert(self.owner)
        self.ledger.fault_reverted(applied.ledger_id, by=by)
        self._reverted.add(applied.ledger_id)

    @contextmanager
    def applied(self, fault: Fault) -> Iterator[AppliedFault]:
        """`with nemesis.applied(ContainerStopped("redis")):` - reverted however the block ends."""
        applied = self.inject(fault)
        try:
            yield applied
        finally:
            self.revert(applied)
