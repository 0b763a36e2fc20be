"""Parsing of the Slack incoming-webhook payloads Alertmanager's slack_configs send (no web framework here,
so the harness' unit tests import it directly)."""
from __future__ import annotations

import re

# Alertmanager's title template: '[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }}' ("[FIRING:2] X" when
# the group holds several alerts)
TITLE = re.compile(r"^\[(?P<status>FIRING|RESOLVED)(?::\d+)?\]\s+(?P<alertname>\S+)")
# Alertmanager's text template, one line per alert of the group:
# '{{ range .Alerts }}*{{ .Labels.alertname }}* ({{ .Labels.severity }}) {{ .Annotations.summary }}...'
ALERT_LINE = re.compile(r"^\*(?P<alertname>[^*\s]+)\* \((?P<severity>[^)]*)\)", re.MULTILINE)


def parse(receiver: str, payload: dict, received_at: float) -> dict:
    """One notice: receiver, channel, status (firing|resolved|unknown), alertname, the labels of each alert it
    carries (the ones the text template prints: alertname, severity), title, text, the payload."""
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
        "alerts": [m.groupdict() for m in ALERT_LINE.finditer(attachment.get("text", ""))],
        "received_at": received_at,
        "payload": payload,
    }


def parse_webhook(receiver: str, payload: dict, received_at: float) -> dict:
    """One notice from Alertmanager's generic webhook payload (webhook_configs, version 4): the same shape as
    `parse`, status and alertname from the group, the labels of each alert (alertname, severity)."""
    alerts = payload.get("alerts") or []
    common = payload.get("commonLabels") or {}
    status = payload.get("status")
    return {
        "receiver": receiver,
        "channel": None,
        "status": status if status in ("firing", "resolved") else "unknown",
        "alertname": common.get("alertname") or ((alerts[0].get("labels") or {}).get("alertname") if alerts else None),
        "title": f"[{str(status).upper()}] {common.get('alertname', '')}".strip(),
        "text": "\n".join((a.get("annotations") or {}).get("summary", "") for a in alerts),
        "alerts": [{"alertname": (a.get("labels") or {}).get("alertname"),
                    "severity": (a.get("labels") or {}).get("severity")} for a in alerts],
        "received_at": received_at,
        "payload": payload,
    }
