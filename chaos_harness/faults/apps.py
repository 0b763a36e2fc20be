"""Application-level faults: a misbehaving downstream, load that holds until reverted, bad cache data.

Like the container faults they are frozen dataclasses (their fields are the plan, the ledger
description rebuilds them for `cleanup`), reach services only through ports published on
127.0.0.1 of the current stack, and revert idempotently. Background loads die with the process
that started them; their revert also removes the state they created.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from chaos_harness import catalog
from chaos_harness.catalog import NOTIFICATION_SERVICE, SUPPORT_SERVICE
from chaos_harness.errors import ForeignTarget, ServiceUnreachable
from chaos_harness.faults.base import Fault
from chaos_harness.observe.http import JsonService
from chaos_harness.services import NotificationClient, SupportClient
from chaos_harness.stack import StackOwner
from chaos_harness.traffic import BackgroundTraffic
from chaos_harness.waiting import Check

_RUNNING: dict[tuple[str, "Fault"], BackgroundTraffic] = {}


@dataclass(frozen=True)
class DownstreamFault(Fault):
    """A reference service made slow (`delay_seconds`) and/or failing (`status` 5xx) through its
    drill hooks (`/admin/faults`). This kernel has no `sch_netem`, so latency is injected in the app."""
    kind: ClassVar[str] = "downstream-fault"
    service: str
    delay_seconds: float = 0.0
    status: int | None = None
    port: int = 8000

    def _api(self, owner: StackOwner) -> JsonService:
        return JsonService(self.service, owner.url(self.service, self.port))

    def inject(self, owner: StackOwner) -> None:
        self._api(owner).put("/admin/faults", json={"delay_seconds": self.delay_seconds, "status": self.status})

    def revert(self, owner: StackOwner) -> None:
        try:
            self._api(owner).request("DELETE", "/admin/faults")
        except (ForeignTarget, ServiceUnreachable):
            pass  # the service (or its stack) is gone: nothing left to heal

    def in_effect(self, owner: StackOwner) -> Check:
        state = self._api(owner).get("/admin/faults")
        return Check(state == {"delay_seconds": self.delay_seconds, "status": self.status}, f"{self.service}: {state}")


@dataclass(frozen=True)
class BackgroundLoad(Fault):
    """A load that holds while the fault is in effect (a campaign burst, a wave, a flood)."""

    def load(self, owner: StackOwner) -> BackgroundTraffic:
        raise NotImplementedError

    def clear_state(self, owner: StackOwner, operations: int | None) -> None:
        """Remove what the load created (on revert; also by cleanup after a crash, when the number of
        operations the load performed is unknown: None)."""

    def inject(self, owner: StackOwner) -> None:
        _RUNNING[(owner.project, self)] = self.load(owner).start()

    def revert(self, owner: StackOwner) -> None:
        running = _RUNNING.pop((owner.project, self), None)
        if running is not None:
            running.stop()
        try:
            self.clear_state(owner, running.stats.ok + running.stats.errors if running else None)
        except (ForeignTarget, ServiceUnreachable):
            pass

    def in_effect(self, owner: StackOwner) -> Check:
        running = _RUNNING.get((owner.project, self))
        if running is None or not running.running:
            return Check(False, "load not running")
        return Check(running.stats.ok + running.stats.errors > 0, f"{running}: {running.stats}")


@dataclass(frozen=True)
class NotificationBurst(BackgroundLoad):
    """A campaign sending far more than the rate limit allows to one customer and channel."""
    kind: ClassVar[str] = "notification-burst"
    customer: str = "campaign-burst"
    rate: float = 20.0
    workers: int = 4

    def load(self, owner: StackOwner) -> BackgroundTraffic:
        client = NotificationClient(NOTIFICATION_SERVICE.url(owner))
        return BackgroundTraffic(f"campaign burst to {self.customer}", lambda i: client.create_and_send(self.customer),
                                 rate=self.rate, workers=self.workers)


@dataclass(frozen=True)
class OptOutWave(BackgroundLoad):
    """Customers opting out of a channel one after another (an annoying campaign)."""
    kind: ClassVar[str] = "opt-out-wave"
    channel: str = "email"
    rate: float = 5.0
    customers: int = 500

    def load(self, owner: StackOwner) -> BackgroundTraffic:
        client = NotificationClient(NOTIFICATION_SERVICE.url(owner))
        return BackgroundTraffic(f"opt-out wave on {self.channel}",
                                 lambda i: client.set_opted_out(f"wave-{i % self.customers}", [self.channel]),
                                 rate=self.rate)

    def clear_state(self, owner: StackOwner, operations: int | None) -> None:
        client = NotificationClient(NOTIFICATION_SERVICE.url(owner))
        touched = self.customers if operations is None else min(self.customers, operations + 1)
        for i in range(touched):
            if client.preferences(f"wave-{i}")["optedOut"]:
                client.set_opted_out(f"wave-{i}", [])


CHAOS_ORDER = "chaos-attachments"


def _chaos_case(client: SupportClient) -> int:
    return client.ticket_for_order(CHAOS_ORDER, "attachments written by a chaos drill")


def _delete_chaos_attachments(owner: StackOwner) -> None:
    client = SupportClient(SUPPORT_SERVICE.url(owner))
    for ticket in client.tickets():
        if ticket["orderId"] == CHAOS_ORDER:
            client.delete_attachments(ticket["id"])


@dataclass(frozen=True)
class AttachmentFlood(BackgroundLoad):
    """Uploads that keep growing the attachment backlog (`chunk_kib` every 1/rate seconds)."""
    kind: ClassVar[str] = "attachment-flood"
    chunk_kib: int = 256
    rate: float = 4.0

    def load(self, owner: StackOwner) -> BackgroundTraffic:
        client = SupportClient(SUPPORT_SERVICE.url(owner))
        case_id = _chaos_case(client)
        chunk = b"\x25PDF-flood\n" + b"\x00" * (self.chunk_kib * 1024 - 11)
        return BackgroundTraffic("attachment upload flood",
                                 lambda i: client.upload(case_id, f"flood-{i}.pdf", chunk), rate=self.rate,
                                 workers=2)  # keeps the pace when one upload is slow on a busy machine

    def clear_state(self, owner: StackOwner, operations: int | None) -> None:
        _delete_chaos_attachments(owner)


@dataclass(frozen=True)
class AttachmentBacklog(Fault):
    """Attachments piled up on the support volume (`files` x `file_mib` MiB, written at once)."""
    kind: ClassVar[str] = "attachment-backlog"
    files: int = 27
    file_mib: int = 4

    def inject(self, owner: StackOwner) -> None:
        client = SupportClient(SUPPORT_SERVICE.url(owner))
        case_id = _chaos_case(client)
        blob = b"\x25PDF-backlog\n" + b"\x00" * (self.file_mib * 1024 * 1024 - 13)
        for i in range(self.files):
            client.upload(case_id, f"backlog-{i}.pdf", blob)

    def revert(self, owner: StackOwner) -> None:
        try:
            _delete_chaos_attachments(owner)
        except (ForeignTarget, ServiceUnreachable):
            pass

    def in_effect(self, owner: StackOwner) -> Check:
        client = SupportClient(SUPPORT_SERVICE.url(owner))
        stored = sum(a["bytes"] for a in client.attachments(_chaos_case(client)))
        want = self.files * self.file_mib * 1024 * 1024
        return Check(stored >= want, f"{stored} of {want} bytes stored")


_CORRUPT = "corrupted-by-chaos-drill{"
_LUA_CORRUPT = ("local n=0 for _,k in ipairs(redis.call('KEYS', ARGV[1])) do "
                "redis.call('SET', k, ARGV[2], 'KEEPTTL') n=n+1 end return n")
_LUA_COUNT = ("local n=0 for _,k in ipairs(redis.call('KEYS', ARGV[1])) do "
              "if redis.call('GET', k) == ARGV[2] then n=n+1 end end return n")
_LUA_DELETE = ("local n=0 for _,k in ipairs(redis.call('KEYS', ARGV[1])) do "
               "if redis.call('GET', k) == ARGV[2] then redis.call('DEL', k) n=n+1 end end return n")


@dataclass(frozen=True)
class TimelineCacheCorrupted(Fault):
    """Every cached support timeline overwritten with bytes that do not decode (TTL kept)."""
    kind: ClassVar[str] = "timeline-cache-corrupted"
    redis_service: str = "redis"
    db: int = 1
    pattern: str = "support:timeline:*"

    def _eval(self, owner: StackOwner, script: str) -> int:
        output = catalog.of_kind(self.redis_service, catalog.Redis).cli(
            owner, "-n", str(self.db), "EVAL", script, "0", self.pattern, _CORRUPT, error=ServiceUnreachable)
        if not output.lstrip("(integer) ").isdigit():
            raise ServiceUnreachable(f"redis-cli in {self.redis_service} answered {output!r}, not a count")
        return int(output.lstrip("(integer) "))

    def inject(self, owner: StackOwner) -> None:
        self._eval(owner, _LUA_CORRUPT)

    def revert(self, owner: StackOwner) -> None:
        try:
            self._eval(owner, _LUA_DELETE)
        except (ForeignTarget, ServiceUnreachable):
            pass

    def in_effect(self, owner: StackOwner) -> Check:
        corrupted = self._eval(owner, _LUA_COUNT)
        return Check(corrupted > 0, f"{corrupted} corrupted timeline cache entries")


FAULTS = (DownstreamFault, NotificationBurst, OptOutWave, AttachmentFlood, AttachmentBacklog, TimelineCacheCorrupted,)   # the kinds this module defines (chaos_harness.faults.kinds)
