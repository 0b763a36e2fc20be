"""notification-provider: the delivery provider (SMS/e-mail/push gateway) notification-service calls.

Accepts messages and counts them; the drill hooks of common.faults can make it slow or fail,
and the container can be stopped, which is how the harness plays a provider outage.
"""
from __future__ import annotations

from prometheus_client import Counter
from pydantic import BaseModel

from common.faults import install_fault_hooks
from common.service import create_app, structured_logger

log = structured_logger("notification-provider")
app = create_app("notification-provider")
install_fault_hooks(app, log)
DELIVERED = Counter("provider_messages_delivered_total", "Messages accepted for delivery", ["channel"])


class Message(BaseModel):
    notificationId: int
    customerId: str
    channel: str
    message: str = ""


@app.post("/messages", status_code=202)
def deliver(body: Message) -> dict:
    DELIVERED.labels(channel=body.channel).inc()
    return {"accepted": True, "notificationId": body.notificationId}
