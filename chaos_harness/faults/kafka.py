"""Kafka backlog drill pieces: a burst from the stack's producer, and the fault that freezes the consumer during one
(resuming the consumer is chaos_harness.faults.ResumeService).

The producer and consumer are the reference apps in stack/services/kafka_apps; the burst runs
inside the producer container (`docker exec`), so no Kafka client is needed on the host.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import ClassVar

from chaos_harness.errors import InfrastructureError
from chaos_harness.faults.containers import ContainerFault, pause
from chaos_harness.stack import StackOwner


def produce_burst(owner: StackOwner, producer: str, messages: int) -> dict:
    """Write `messages` events as fast as the broker takes them; the producer's JSON report."""
    output = owner.run(producer, ["python3", "-W", "ignore", "-m", "kafka_apps.producer", "burst", str(messages)],
                       what=f"a burst of {messages} events")
    try:
        report = json.loads(output.splitlines()[-1])
    except (ValueError, IndexError):
        raise InfrastructureError(f"burst of {messages} from {producer} gave no report: {output[-500:]}") from None
    if report.get("acknowledged") != messages:
        raise InfrastructureError(f"burst of {messages} from {producer} incomplete: {report}")
    return report


# -- Kafka faults ----------------------------------------------------------------------------
@dataclass(frozen=True)
class ConsumerFrozenDuringBurst(ContainerFault):
    """The consumer is frozen (`docker pause`) while the producer writes a burst of `messages`:
    the group's committed offsets stop while the log end moves on (backlog). Revert unpauses it."""
    kind: ClassVar[str] = "consumer-frozen-during-burst"
    effect_states: ClassVar[tuple[str, ...]] = ("paused",)
    producer: str = "order-producer"
    messages: int = 6000

    def inject(self, owner: StackOwner) -> None:
        pause(owner, self.service)
        produce_burst(owner, self.producer, self.messages)


FAULTS = (ConsumerFrozenDuringBurst,)   # the kinds this module defines (chaos_harness.faults.kinds)
