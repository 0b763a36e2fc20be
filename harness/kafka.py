"""Kafka backlog drill pieces: a burst from the stack's producer and resuming a frozen consumer.

The producer and consumer are the reference apps in stack/services/kafka_apps; the burst runs
inside the producer container (`docker exec`), so no Kafka client is needed on the host.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import json
from dataclasses import dataclass

from harness.actions import wait_healthy
from harness.errors import InfrastructureError
from harness.stack import StackOwner

if TYPE_CHECKING:
    from harness.scenario import RemediationContext


def produce_burst(owner: StackOwner, producer: str, messages: int) -> dict:
    """Write `messages` events as fast as the broker takes them; the producer's JSON report."""
    result = owner.container(producer).exec_run(["python3", "-W", "ignore", "-m", "kafka_apps.producer", "burst",
                                                 str(messages)])
    output = (result.output or b"").decode(errors="replace").strip()
    try:
        report = json.loads(output.splitlines()[-1])
    except (ValueError, IndexError):
        raise InfrastructureError(f"burst of {messages} from {producer} failed ({result.exit_code}): {output[-500:]}") from None
    if result.exit_code != 0 or report.get("acknowledged") != messages:
        raise InfrastructureError(f"burst of {messages} from {producer} incomplete: {report}")
    return report


@dataclass(frozen=True)
class ResumeConsumer:
    """Remediation: bring the stuck consumer back (unpause/start it); it catches up on the backlog."""
    service: str

    def __call__(self, ctx: "RemediationContext") -> None:
        owner = ctx.owner
        container = owner.container(self.service)
        container.reload()
        if container.status == "paused":
            container.unpause()
        elif container.status != "running":
            container.start()
        wait_healthy(owner, self.service)

    def __str__(self) -> str:
        return f"resume {self.service}"
