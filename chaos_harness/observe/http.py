"""The one HTTP client setup: short bounded timeouts, JSON, and errors that name the service."""
from __future__ import annotations

from typing import Any

import httpx

from chaos_harness.errors import InfrastructureError, ServiceUnreachable

DEFAULT_TIMEOUT = httpx.Timeout(5.0, connect=2.0)
# An idle kept-alive connection is dropped well before the servers' own keep-alive timeout (uvicorn: 5 s), so the
# client never sends on a connection the server is closing at that moment ("Server disconnected without sending a
# response", seen under load). An idempotent request that still meets a closed connection is sent once more.
KEEPALIVE_EXPIRY = 2.0
IDEMPOTENT = frozenset({"GET", "HEAD"})


class JsonService:
    """A named HTTP JSON API at a base URL (Prometheus, Alertmanager, a reference service)."""

    def __init__(self, name: str, base_url: str, timeout: httpx.Timeout = DEFAULT_TIMEOUT) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self._client = httpx.Client(base_url=self.base_url, timeout=timeout,
                                    limits=httpx.Limits(keepalive_expiry=KEEPALIVE_EXPIRY))

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            try:
                response = self._client.request(method, path, **kwargs)
            except httpx.RemoteProtocolError:
                if method.upper() not in IDEMPOTENT:
                    raise
                response = self._client.request(method, path, **kwargs)   # on a fresh connection
        except httpx.TransportError as exc:
            raise ServiceUnreachable(
                f"{self.name} at {self.base_url} is unreachable ({type(exc).__name__}: {exc or 'no answer'}) "
                f"on {method} {path}") from None
        if response.status_code >= 400:
            raise InfrastructureError(
                f"{self.name} answered {response.status_code} to {method} {path}: {response.text[:300]}")
        return response

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params={k: v for k, v in params.items() if v is not None}).json()

    def post(self, path: str, json: Any = None) -> Any:
        response = self.request("POST", path, json=json)
        return response.json() if response.content else None

    def put(self, path: str, json: Any = None) -> Any:
        return self.request("PUT", path, json=json).json()

    def close(self) -> None:
        self._client.close()
