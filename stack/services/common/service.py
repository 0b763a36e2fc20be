"""Shared plumbing of the reference services: JSON logs, /health and /metrics on a FastAPI app."""
from __future__ import annotations

import json
import logging
import os
import sys
import time
from typing import Callable

from fastapi import FastAPI, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {"ts": round(time.time(), 3), "level": record.levelname.lower(),
                 "service": os.environ.get("SERVICE_NAME", "service"), "msg": record.getMessage()}
        entry.update(getattr(record, "fields", {}))
        return json.dumps(entry)


def structured_logger(name: str) -> logging.Logger:
    """One JSON line per event on stdout, so `docker compose logs` is greppable evidence."""
    logger = logging.getLogger(name)
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(_JsonFormatter())
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    return logger


def create_app(title: str, health: Callable[[], dict] | None = None) -> FastAPI:
    """A FastAPI app with the endpoints every reference service has."""
    app = FastAPI(title=title)

    @app.get("/health")
    def _health() -> dict:
        return {"status": "ok", **(health() if health else {})}

    @app.get("/metrics")
    def _metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return app
