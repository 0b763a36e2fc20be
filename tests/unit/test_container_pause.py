"""docker pause on a loaded machine: the cgroup freezer may refuse once ("unable to freeze"); the
fault retries within its bound, and any other refusal fails at once."""
import pytest
from docker.errors import APIError

from chaos_harness.faults import ContainerPaused
from chaos_harness.waiting import WaitTimedOut


class FlakyContainer:
    def __init__(self, refusals: int, message: str = "OCI runtime pause failed: unable to freeze: unknown"):
        self.refusals, self.message, self.pauses = refusals, message, 0

    def pause(self) -> None:
        self.pauses += 1
        if self.pauses <= self.refusals:
            raise APIError("500 Server Error", explanation=f"Cannot pause container abc: {self.message}")


class Owner:
    def __init__(self, container):
        self._container = container

    def container(self, service):
        return self._container


def test_a_refused_freeze_is_retried_until_the_pause_succeeds():
    container = FlakyContainer(refusals=2)
    ContainerPaused("cassandra-node2").inject(Owner(container))
    assert container.pauses == 3


def test_another_docker_error_is_not_retried():
    container = FlakyContainer(refusals=1, message="container is not running")
    with pytest.raises(APIError, match="not running"):
        ContainerPaused("redis").inject(Owner(container))
    assert container.pauses == 1


def test_a_freezer_that_never_succeeds_fails_within_the_bound(monkeypatch):
    monkeypatch.setattr(ContainerPaused, "freeze_timeout", 1.0)
    with pytest.raises(WaitTimedOut, match="docker pause of redis to succeed.*unable to freeze"):
        ContainerPaused("redis").inject(Owner(FlakyContainer(refusals=1000)))


def test_the_kafka_backlog_fault_retries_a_refused_freeze_before_its_burst(monkeypatch):
    import chaos_harness.faults.kafka
    from chaos_harness.faults.kafka import ConsumerFrozenDuringBurst
    bursts = []
    monkeypatch.setattr(chaos_harness.faults.kafka, "produce_burst", lambda owner, producer, messages: bursts.append(messages))
    container = FlakyContainer(refusals=1)
    ConsumerFrozenDuringBurst("order-processor", producer="order-producer", messages=10).inject(Owner(container))
    assert container.pauses == 2 and bursts == [10]
