"""Traffic factories for scenarios: the business load that is running while the fault holds."""
from __future__ import annotations

from typing import Callable

from chaos_harness.catalog import NOTIFICATION_SERVICE, SUPPORT_SERVICE
from chaos_harness.services import NotificationClient, SupportClient
from chaos_harness.stack import Stack
from chaos_harness.traffic import BackgroundTraffic

Workload = Callable[[Stack], BackgroundTraffic]


def notifications_being_sent(rate: float = 10.0, customers: int = 50, workers: int = 1) -> Workload:
    """Notifications created and sent continuously, spread over many customers so the rate
    limiter itself does not trip. With several workers one send that hangs (e.g. a DNS lookup of a
    stopped container's name, up to 5 s here) does not stop the others."""
    def build(stack: Stack) -> BackgroundTraffic:
        client = NotificationClient(NOTIFICATION_SERVICE.url(stack))
        return BackgroundTraffic("notifications being sent",
                                 lambda i: client.create_and_send(f"customer-{i % customers}"), rate=rate,
                                 workers=workers)
    return build


def timelines_being_opened(rate: float = 3.0, fixed_cases: int = 0) -> Workload:
    """Support agents opening case timelines. With fixed_cases=N the same N cases are read over and
    over (cache hits; the cache is warmed before the load starts); with 0 every read is a new case
    (a cache miss, collected from the order, payment and fulfillment services)."""
    def build(stack: Stack) -> BackgroundTraffic:
        client = SupportClient(SUPPORT_SERVICE.url(stack))
        if fixed_cases:
            cases = [client.create_ticket(f"agent-load-{i}", f"order-{i}")["id"] for i in range(fixed_cases)]
            for case_id in cases:
                client.case(case_id)  # warm the cache: steady state is "served from cache"
            operation = lambda i: client.case(cases[i % len(cases)])  # noqa: E731
        else:
            operation = lambda i: client.case(client.create_ticket(f"customer-{i}", f"order-{i}")["id"])  # noqa: E731
        return BackgroundTraffic("support timelines being opened", operation, rate=rate)
    return build
