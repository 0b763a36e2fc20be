"""Kafka backlog drill pieces: a burst from the stack's producer (resuming the consumer is actions.ResumeService).

The producer and consumer are the reference apps in stack/services/kafka_apps; the burst runs
inside the producer container (`docker exec`), so no Kafka client is needed on the host.
"""
from __future__ import annotations

import json

from chaos_harness.errors import InfrastructureError
from chaos_harness.stack import StackOwner


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
