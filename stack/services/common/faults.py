"""Drill hooks of a reference service: injectable latency and HTTP errors on its business routes.

`PUT /admin/faults {"delay_seconds": 2.5, "status": 503}` makes every business request wait and/or
fail; `DELETE /admin/faults` heals; `GET /admin/faults` shows the state. Used by the harness'
DownstreamFault to play "the downstream is slow / returns 5xx" (the kernel here has no netem).
"""
from __future__ import annotations

import asyncio

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field


class FaultState(BaseModel):
    delay_seconds: float = Field(0.0, ge=0, le=30)
    status: int | None = Field(None, ge=500, le=599)


def install_fault_hooks(app: FastAPI, log) -> None:
    state = {"fault": FaultState()}

    @app.middleware("http")
    async def _apply(request: Request, call_next):
        fault = state["fault"]
        if request.url.path.startswith(("/admin", "/health", "/metrics")):
            return await call_next(request)
        if fault.delay_seconds:
            await asyncio.sleep(fault.delay_seconds)
        if fault.status:
            return JSONResponse({"detail": f"injected failure {fault.status}"}, status_code=fault.status)
        return await call_next(request)

    @app.get("/admin/faults")
    def _get() -> dict:
        return state["fault"].dict()

    @app.put("/admin/faults")
    def _put(body: FaultState) -> dict:
        state["fault"] = body
        log.warning("fault injected", extra={"fields": body.dict()})
        return body.dict()

    @app.delete("/admin/faults")
    def _delete() -> dict:
        state["fault"] = FaultState()
        log.info("faults cleared")
        return state["fault"].dict()
