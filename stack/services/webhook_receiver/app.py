"""webhook-receiver: plays the team's Slack bot for Alertmanager's slack_configs.

Alertmanager posts Slack incoming-webhook payloads to /slack/<receiver>; every one is
recorded (firing and resolved) and can be queried over HTTP, so a test can prove that an
alert reached the #data-ops channel and that its resolution did too.
"""
from __future__ import annotations

import re
import threading
import time

from fastapi import Request
from prometheus_client import Counter

from common.service import create_app, structured_logger

TITLE = re.compile(r"^\[(?P<status>FIRING|RESOLVED)(?::\d+)?\]\s+(?P<alertname>\S+)")
RECEIVED = Counter("webhook_notifications_received_total", "Slack-style notifications received", ["receiver", "status"])

log = structured_logger("webhook-receiver")
app = create_app("webhook-receiver")
_lock = threading.Lock()
_received: list[dict] = []


def _parse(receiver: str, payload: dict) -> dict:
    attachment = (payload.get("attachments") or [{}])[0]
    title = attachment.get("title") or payload.get("text") or ""
    match = TITLE.match(title)
    return {
        "receiver": receiver,
        "channel": payload.get("channel"),
        "status": match["status"].lower() if match else "unknown",
        "alertname": match["alertname"] if match else None,
        "title": title,
        "text": attachment.get("text", ""),
        "received_at": time.time(),
        "payload": payload,
    }


@app.post("/slack/{receiver}")
async def receive(receiver: str, request: Request) -> dict:
    notification = _parse(receiver, await request.json())
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
