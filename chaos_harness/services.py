"""Clients of the reference services, shared by scenarios, probes and drill scripts."""
from __future__ import annotations

from chaos_harness.observe.http import JsonService


class NotificationClient:
    """notification-service: create, send and read notifications, preferences."""

    def __init__(self, base_url: str) -> None:
        self.api = JsonService("notification-service", base_url)

    def create(self, customer_id: str, channel: str = "email", topic: str = "order", message: str = "") -> dict:
        return self.api.post("/notifications", json={"customerId": customer_id, "channel": channel,
                                                     "topic": topic, "message": message})

    def send(self, notification_id: int) -> dict:
        return self.api.post(f"/notifications/{notification_id}/send")

    def get(self, notification_id: int) -> dict:
        return self.api.get(f"/notifications/{notification_id}")

    def create_and_send(self, customer_id: str, channel: str = "email", topic: str = "order") -> dict:
        return self.send(self.create(customer_id, channel, topic)["id"])

    def preferences(self, customer_id: str) -> dict:
        return self.api.get(f"/notifications/preferences/{customer_id}")

    def set_opted_out(self, customer_id: str, channels: list[str]) -> dict:
        return self.api.put(f"/notifications/preferences/{customer_id}", json={"optedOut": channels})

    def health(self) -> dict:
        return self.api.get("/health")

    def metrics(self) -> str:
        return self.api.request("GET", "/metrics").text


class ProviderClient:
    """notification-provider: its failure list (`/admin/fail`) - the messages it rejects - and its metrics."""

    def __init__(self, base_url: str) -> None:
        self.api = JsonService("notification-provider", base_url)

    def fail(self, notification_ids: list[int] = (), customer_ids: list[str] = (), status: int = 503) -> dict:
        """From now on, reject these notifications / recipients with `status`."""
        return self.api.post("/admin/fail", json={"notificationIds": list(notification_ids),
                                                   "customerIds": list(customer_ids), "status": status})

    def restore(self, notification_ids: list[int] = (), customer_ids: list[str] = ()) -> dict:
        """Stop rejecting these notifications / recipients."""
        return self.api.request("DELETE", "/admin/fail", json={"notificationIds": list(notification_ids),
                                                               "customerIds": list(customer_ids)}).json()

    def failing(self) -> dict:
        return self.api.get("/admin/fail")

    def metrics(self) -> str:
        return self.api.request("GET", "/metrics").text


class SupportClient:
    """support-service: tickets, case timelines, attachments and their offload."""

    def __init__(self, base_url: str) -> None:
        self.api = JsonService("support-service", base_url)

    def create_ticket(self, customer_id: str, order_id: str, subject: str = "") -> dict:
        return self.api.post("/support/tickets", json={"customerId": customer_id, "orderId": order_id,
                                                       "subject": subject})

    def tickets(self) -> list[dict]:
        return self.api.get("/support/tickets")

    def ticket_for_order(self, order_id: str, subject: str, customer_id: str = "chaos-harness") -> int:
        """The id of the support case about `order_id`, created on first use (drills reuse one case)."""
        for ticket in self.tickets():
            if ticket["orderId"] == order_id:
                return ticket["id"]
        return self.create_ticket(customer_id, order_id, subject)["id"]

    def case(self, case_id: int, include_timeline: bool = True) -> dict:
        return self.api.get(f"/support/cases/{case_id}", includeTimeline=str(include_timeline).lower())

    def refresh_timeline(self, case_id: int) -> dict:
        return self.api.post(f"/support/cases/{case_id}/timeline/refresh")

    def upload(self, case_id: int, filename: str, content: bytes, content_type: str = "application/pdf") -> dict:
        return self.api.request("POST", f"/support/cases/{case_id}/attachments", params={"filename": filename},
                                content=content, headers={"content-type": content_type}).json()

    def attachments(self, case_id: int) -> list[dict]:
        return self.api.get(f"/support/cases/{case_id}/attachments")

    def delete_attachments(self, case_id: int) -> dict:
        return self.api.request("DELETE", f"/support/cases/{case_id}/attachments").json()

    def offload(self, age_days: float, dry_run: bool) -> dict:
        return self.api.post("/support/attachments/offload", json={"ageDays": age_days, "dryRun": dry_run})

    def metrics(self) -> str:
        return self.api.request("GET", "/metrics").text


def metric_value(exposition: str, name: str, labels: dict | None = None) -> float:
    """Sum of the samples of `name` (matching labels) in a Prometheus text exposition."""
    from prometheus_client.parser import text_string_to_metric_families
    total = 0.0
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in (labels or {}).items()):
                total += sample.value
    return total
