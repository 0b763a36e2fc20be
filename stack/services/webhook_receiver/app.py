"""webhook-receiver: plays the team's Slack bot for Alertmanager's slack_configs.

Alertmanager posts Slack incoming-webhook payloads to /slack/<receiver>; every one is
recorded (firing and resolved) and can be queried over HTTP, so a test can prove that an
alert reached the #data-ops channel and that its resolution did too.
"""
from __future__ import annotations

import threading
import time

from fastapi import Request
from prometheus_client import Counter

from common.service import create_app, structured_logger
from webhook_receiver.notices import parse

RECEIVED = Counter("webhook_notifications_received_total", "Slack-style notifications received", ["receiver", "status"])

log = structured_logger("webhook-receiver")
app = create_app("webhook-receiver")
_lock = threading.Lock()
_received: list[dict] = []


@app.post("/slack/{receiver}")
async def receive(receiver: str, request: Request) -> dict:
    notification = parse(receiver, await request.json(), time.time())
    with _lock:
        _received.append(notification)
    RECEIVED.labels(receiver=receiver, status=notification["status"]).inc()
    log.info("notification received", extra={"fields": {k: notification[k] for k in ("receiver", "status", "alertname")}})
    return {"ok": True}


@app.get("/notifications")
def notifications(receiver: str | None = None, alertname: str | None = None,
                  status: str | None = None, since: float = 0.0) -> list[dict]:
    with _lock:
        return [n for n in _received
                if (receiver is None or n["receiver"] == receiver)
                and (alertname is None or n["alertname"] == alertname)
                and (status is None or n["status"] == status)
                and n["received_at"] >= since]
