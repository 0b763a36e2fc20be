"""The nemesis: the only way faults are applied to the current stack. Ledger first, then act, then prove the
fault is in effect within its own bound; revert always runs (success, failure, timeout, Ctrl-C) and is
idempotent."""
from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

from chaos_harness import log
from chaos_harness.errors import FaultNotInEffect
from chaos_harness.faults.base import Fault
from chaos_harness.ledger import Ledger
from chaos_harness.stack import StackOwner
from chaos_harness.waiting import WaitTimedOut, wait_until
_log = log.logger(__name__)


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
    def __init__(self, owner: StackOwner, ledger: Ledger, *, dry_run: bool = False) -> None:
        self.owner, self.ledger, self.dry_run = owner, ledger, dry_run
        self._reverted: set[str] = set()

    def plan(self, fault: Fault) -> str:
        return f"inject {fault} into stack {self.owner.project}; revert afterwards"

    def prepare(self, fault: Fault) -> None:
        """The fault's preparation of its target (Fault.prepare), in the steady state before the injection."""
        if self.dry_run:
            _log.info("[dry-run] would prepare %s", self.plan(fault))
            return
        fault.prepare(self.owner)

    def inject(self, fault: Fault) -> AppliedFault:
        if self.dry_run:
            _log.info("[dry-run] would %s", self.plan(fault))
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
                _log.info("[dry-run] would revert %s", applied.fault)
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
