"""The #data-ops webhook receiver: every Slack-style notification Alertmanager delivered."""
from __future__ import annotations

from harness.observe.http import JsonService


class WebhookReceiver:
    def __init__(self, base_url: str) -> None:
        self.api = JsonService("webhook receiver", base_url)

    def notifications(self, *, receiver: str | None = None, alertname: str | None = None,
                      status: str | None = None, since: float = 0.0) -> list[dict]:
        return self.api.get("/notifications", receiver=receiver, alertname=alertname, status=status, since=since)
