"""Clients of the reference services, shared by scenarios, probes and drill scripts."""
from __future__ import annotations

from harness.observe.http import JsonService


class NotificationClient:
    """notification-service: create and send notifications, force provider failures, preferences."""

    def __init__(self, base_url: str) -> None:
        self.api = JsonService("notification-service", base_url)

    def create(self, customer_id: str, channel: str = "email", topic: str = "order", message: str = "") -> dict:
        return self.api.post("/notifications", json={"customerId": customer_id, "channel": channel,
                                                     "topic": topic, "message": message})

    def send(self, notification_id: int) -> dict:
        return self.api.post(f"/notifications/{notification_id}/send")

    def create_and_send(self, customer_id: str, channel: str = "email", topic: str = "order") -> dict:
        return self.send(self.create(customer_id, channel, topic)["id"])

    def health(self) -> dict:
        return self.api.get("/health")


def notifications_being_sent(rate: float = 10.0, customers: int = 50):
    """Traffic factory for scenarios: notifications created and sent continuously to many customers
    (spread so the rate limiter itself does not trip)."""
    from harness.stack import Stack
    from harness.traffic import BackgroundTraffic

    def build(stack: Stack) -> BackgroundTraffic:
        client = NotificationClient(stack.url("notification-service", 8000))
        return BackgroundTraffic("notifications being sent",
                                 lambda i: client.create_and_send(f"customer-{i % customers}"), rate=rate)
    return build
