"""notification-provider: the delivery provider (SMS/e-mail/push gateway) notification-service calls.

Accepts messages and counts them. It can be told to reject chosen messages, the way a real gateway
rejects some recipients or messages (blocked number, bounced address, provider-side outage for a
batch): `POST /admin/fail {"notificationIds": [...], "customerIds": [...], "status": 503}` makes
`POST /messages` answer `status` for those notifications or recipients until `DELETE /admin/fail`
(same body: stop failing those; no body: stop failing all). notification-service sees the
rejection as a provider error and counts it itself (notification_failure_total); nothing here
touches its metrics. The drill hooks of common.faults can also make every request slow or fail,
and the container can be stopped, which is how the harness plays a provider outage.
"""
from __future__ import annotations

import threading

from fastapi import HTTPException, Request
from fastapi.responses import JSONResponse
from prometheus_client import Counter
from pydantic import BaseModel, Field, ValidationError

from common.faults import install_fault_hooks
from common.service import create_app, structured_logger

log = structured_logger("notification-provider")
app = create_app("notification-provider")
install_fault_hooks(app, log)
DELIVERED = Counter("provider_messages_delivered_total", "Messages accepted for delivery", ["channel"])
REJECTED = Counter("provider_messages_rejected_total", "Messages the provider rejected (failure list)", ["channel"])

_lock = threading.Lock()
_failing: dict[str, dict] = {"notificationIds": {}, "customerIds": {}}   # id -> HTTP status to answer


class Message(BaseModel):
    notificationId: int
    customerId: str
    channel: str
    message: str = ""


class FailureList(BaseModel):
    notificationIds: list[int] = Field(default_factory=list, max_items=10000)
    customerIds: list[str] = Field(default_factory=list, max_items=10000)
    status: int = Field(503, ge=400, le=599)


def _state() -> dict:
    return {"notificationIds": sorted(_failing["notificationIds"]), "customerIds": sorted(_failing["customerIds"])}


@app.post("/messages", status_code=202)
def deliver(body: Message):
    with _lock:
        status = _failing["notificationIds"].get(body.notificationId) or _failing["customerIds"].get(body.customerId)
    if status:
        REJECTED.labels(channel=body.channel).inc()
        log.warning("message rejected", extra={"fields": {"notificationId": body.notificationId,
                                                          "customerId": body.customerId, "status": status}})
        return JSONResponse({"accepted": False, "notificationId": body.notificationId,
                             "detail": f"provider rejected notification {body.notificationId} "
                                       f"for {body.customerId} (failure list)"}, status_code=status)
    DELIVERED.labels(channel=body.channel).inc()
    return {"accepted": True, "notificationId": body.notificationId}


@app.get("/admin/fail")
def failures() -> dict:
    with _lock:
        return _state()


@app.post("/admin/fail")
def add_failures(body: FailureList) -> dict:
    """Reject these notifications / recipients from now on (added to what is already failing)."""
    with _lock:
        _failing["notificationIds"].update(dict.fromkeys(body.notificationIds, body.status))
        _failing["customerIds"].update(dict.fromkeys(body.customerIds, body.status))
        state = _state()
    log.warning("failure list extended", extra={"fields": body.dict()})
    return state


@app.delete("/admin/fail")
async def remove_failures(request: Request) -> dict:
    """Stop rejecting the notifications / recipients in the body; everything without a body."""
    raw = await request.body()
    try:
        body = FailureList.parse_raw(raw) if raw.strip() else None
    except ValidationError as exc:
        raise HTTPException(422, f"not a failure list: {exc}") from None
    with _lock:
        if body is None:
            _failing["notificationIds"].clear()
            _failing["customerIds"].clear()
        else:
            for key in body.notificationIds:
                _failing["notificationIds"].pop(key, None)
            for key in body.customerIds:
                _failing["customerIds"].pop(key, None)
        state = _state()
    log.info("failure list reduced", extra={"fields": {"remaining": state}})
    return state
