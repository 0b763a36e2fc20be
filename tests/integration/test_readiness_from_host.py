"""Readiness from the host (chaos_harness/readiness.py) against the real stack: every service of the compose file
has a strategy, every running one answers it, and a service that is down does not."""
import time

import pytest
import yaml

from chaos_harness.faults import ContainerPaused, ContainerStopped
from chaos_harness.catalog import SERVICES, wait_ready
from fixtures import COMPOSE_FILE, ROOT
from chaos_harness.waiting import WaitTimedOut

pytestmark = pytest.mark.stack_profile("db", "cassandra", "cdc", "minio")


def test_every_service_of_the_compose_file_is_in_the_catalog_with_a_readiness_strategy():
    services = set(yaml.safe_load((ROOT / COMPOSE_FILE).read_text())["services"])
    assert services - set(SERVICES) == set(), "add the service to chaos_harness/catalog.py"
    assert set(SERVICES) - services == set(), "chaos_harness/catalog.py names a service the compose file does not have"


def test_every_running_service_is_ready_from_the_host(chaos_stack):
    running = {c.labels["com.docker.compose.service"] for c in chaos_stack.owner.containers() if c.status == "running"}
    assert {"redis", "mariadb", "postgres", "cassandra-node1", "connect", "minio"} <= running
    for service in sorted(running):
        result = wait_ready(chaos_stack.owner, service, timeout=10)
        assert result.elapsed < 10, service


@pytest.mark.parametrize("fault,service,seen", [(ContainerStopped("redis"), "redis", "container exited"),
                                                (ContainerPaused("postgres"), "postgres", "container paused")])
def test_a_service_that_is_down_is_not_ready_and_says_why(chaos_stack, nemesis, fault, service, seen):
    with nemesis.applied(fault):
        started = time.time()
        with pytest.raises(WaitTimedOut) as exc:
            wait_ready(chaos_stack.owner, service, timeout=1.0)
        assert time.time() - started < 2.5
        assert f"waited 1.0s for {service} to be ready" in str(exc.value) and seen in str(exc.value)
    wait_ready(chaos_stack.owner, service, timeout=20)
