"""The #data-ops webhook receiver: every Slack-style notification Alertmanager delivered."""
from __future__ import annotations

from chaos_harness.observe.http import JsonService


# The labels a Slack notice carries per alert (Alertmanager's text template in alertmanager.yml prints these):
# a scenario can match an alert instance at the receiver only on these (validation refuses others).
NOTICE_LABELS = ("alertname", "severity")


def carries(notice: dict, labels: dict | None) -> bool:
    """Does the notice carry an alert with these labels (None: any alert)?"""
    return not labels or any(all(alert.get(k) == v for k, v in labels.items()) for alert in notice.get("alerts") or [])


class WebhookReceiver:
    def __init__(self, base_url: str) -> None:
        self.api = JsonService("webhook receiver", base_url)

    def notifications(self, *, receiver: str | None = None, alertname: str | None = None,
                      status: str | None = None, since: float = 0.0) -> list[dict]:
        return self.api.get("/notifications", receiver=receiver, alertname=alertname, status=status, since=since)
