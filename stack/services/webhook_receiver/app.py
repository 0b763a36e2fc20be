"""webhook-receiver: plays the team's Slack bot for Alertmanager's slack_configs, and the notice log its
webhook_configs post to.

Alertmanager posts Slack incoming-webhook payloads to /slack/<receiver> and its generic webhook payloads to
/webhook/<receiver>; every one is recorded (firing and resolved) and can be queried over HTTP, so a test can
prove that an alert reached the #data-ops channel (or the `log` receiver) and that its resolution did too.
"""
from __future__ import annotations

import threading
import time

from fastapi import Request
from prometheus_client import Counter

from common.service import create_app, structured_logger
from webhook_receiver.notices import parse, parse_webhook

RECEIVED = Counter("webhook_notifications_received_total", "Slack-style notifications received", ["receiver", "status"])

log = structured_logger("webhook-receiver")
app = create_app("webhook-receiver")
_lock = threading.Lock()
_received: list[dict] = []


@app.post("/slack/{receiver}")
async def receive(receiver: str, request: Request) -> dict:
    return _record(parse(receiver, await request.json(), time.time()))


@app.post("/webhook/{receiver}")
async def receive_webhook(receiver: str, request: Request) -> dict:
    return _record(parse_webhook(receiver, await request.json(), time.time()))


def _record(notification: dict) -> dict:
    with _lock:
        _received.append(notification)
    RECEIVED.labels(receiver=notification["receiver"], status=notification["status"]).inc()
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
