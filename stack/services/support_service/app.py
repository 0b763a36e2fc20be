"""support-service: tickets, conversations, case timelines and attachments.

The timeline of a case is aggregated from the real order-, payment- and fulfillment-service
reference services over HTTP and cached in Redis; attachments live on a local volume
(support_attachment_dir) and are offloaded to an archive directory by the maintenance endpoint
the offload script calls. Metrics follow the Wave 4 observability doc.
"""
from __future__ import annotations

import itertools
import os
import threading
import time

import redis
from fastapi import HTTPException, Query, Request
from pydantic import BaseModel, Field

from common.service import create_app, structured_logger
from support_service.metrics import CONVERSATION_ADDED, STATUS_CHANGED, TICKET_CREATED, register_backlog
from support_service.storage import AttachmentError, LocalAttachmentStorage
from support_service.timeline import TimelineAggregator

STATUSES = ("open", "pending", "resolved", "closed")
log = structured_logger("support-service")

ATTACHMENT_DIR = os.environ.get("SUPPORT_ATTACHMENT_DIR", "/data/attachments")
storage = LocalAttachmentStorage(ATTACHMENT_DIR, os.environ.get("SUPPORT_ARCHIVE_DIR", "/data/archive"))
register_backlog(ATTACHMENT_DIR)
_redis = redis.Redis.from_url(os.environ.get("SERVICE_REDIS_URL", "redis://redis:6379/1"), socket_timeout=0.5,
                              socket_connect_timeout=0.5)
aggregator = TimelineAggregator(
    _redis,
    {"order": os.environ.get("SERVICE_ORDER_SERVICE_URL", ""),
     "payment": os.environ.get("SERVICE_PAYMENT_SERVICE_URL", ""),
     "fulfillment": os.environ.get("SERVICE_FULFILLMENT_SERVICE_URL", "")},
    ttl_seconds=int(os.environ.get("TIMELINE_CACHE_TTL_SECONDS", "300")),
    log=log,
)
app = create_app("support-service", health=lambda: {"timeline_sources": sorted(aggregator.sources)})
_ids = itertools.count(1)
_lock = threading.Lock()
_tickets: dict[int, dict] = {}


class TicketIn(BaseModel):
    customerId: str = Field(min_length=1, max_length=64)
    orderId: str = Field(min_length=1, max_length=64)
    subject: str = Field("", max_length=200)
    channel: str = Field("web", max_length=20)


class ConversationIn(BaseModel):
    author: str = Field(min_length=1, max_length=64)
    authorType: str = Field("customer", regex="^(customer|agent|system)$")
    message: str = Field(min_length=1, max_length=4000)


class StatusIn(BaseModel):
    status: str


class OffloadIn(BaseModel):
    ageDays: float = Field(30, ge=0)
    dryRun: bool = False


def _ticket(case_id: int) -> dict:
    try:
        return _tickets[case_id]
    except KeyError:
        raise HTTPException(404, f"support case {case_id} not found") from None


@app.post("/support/tickets", status_code=201)
def create_ticket(body: TicketIn) -> dict:
    with _lock:
        ticket = {"id": next(_ids), **body.dict(), "status": "open", "createdAt": time.time(), "conversation": []}
        _tickets[ticket["id"]] = ticket
    TICKET_CREATED.labels(channel=body.channel).inc()
    return ticket


@app.get("/support/tickets")
def list_tickets() -> list[dict]:
    return [{"id": t["id"], "orderId": t["orderId"], "status": t["status"]} for t in _tickets.values()]


@app.post("/support/tickets/{case_id}/conversations", status_code=201)
def add_conversation(case_id: int, body: ConversationIn) -> dict:
    ticket = _ticket(case_id)
    entry = {**body.dict(), "at": time.time()}
    ticket["conversation"].append(entry)
    CONVERSATION_ADDED.labels(author_type=body.authorType).inc()
    return entry


@app.post("/support/tickets/{case_id}/status")
def change_status(case_id: int, body: StatusIn) -> dict:
    if body.status not in STATUSES:
        raise HTTPException(422, f"unknown status {body.status!r}; expected one of {', '.join(STATUSES)}")
    ticket = _ticket(case_id)
    ticket["status"] = body.status
    STATUS_CHANGED.labels(status=body.status).inc()
    return {"id": case_id, "status": body.status}


@app.get("/support/cases/{case_id}")
def get_case(case_id: int, includeTimeline: bool = False) -> dict:
    ticket = _ticket(case_id)
    case = {k: v for k, v in ticket.items() if k != "conversation"} | {"conversation": ticket["conversation"]}
    if includeTimeline:
        case["timeline"] = aggregator.get(case_id, ticket["orderId"])
    return case


@app.post("/support/cases/{case_id}/timeline/refresh")
def refresh_timeline(case_id: int) -> dict:
    ticket = _ticket(case_id)
    return aggregator.refresh(case_id, ticket["orderId"])


@app.post("/support/cases/{case_id}/attachments", status_code=201)
async def upload_attachment(case_id: int, request: Request, filename: str = Query(...)) -> dict:
    _ticket(case_id)
    try:
        return storage.save(case_id, filename, await request.body(), request.headers.get("content-type", ""))
    except AttachmentError as exc:
        raise HTTPException(422, str(exc)) from None


@app.get("/support/cases/{case_id}/attachments")
def list_attachments(case_id: int) -> list[dict]:
    _ticket(case_id)
    return storage.list(case_id)


@app.delete("/support/cases/{case_id}/attachments")
def delete_attachments(case_id: int) -> dict:
    _ticket(case_id)
    return {"removed": storage.delete_case(case_id)}


@app.post("/support/attachments/offload")
def offload_attachments(body: OffloadIn) -> dict:
    result = storage.offload(body.ageDays, body.dryRun)
    log.info("attachments offloaded", extra={"fields": {k: result[k] for k in ("dryRun", "files", "bytes")}})
    return result
