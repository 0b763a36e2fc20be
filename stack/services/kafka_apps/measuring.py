"""The exporters' background measuring loop: a scrape (every 0.5 s compressed) reads the last result at once,
however long a round of broker/database/REST queries takes."""
from __future__ import annotations

import threading
import time
from typing import Callable


class Measurer(threading.Thread):
    """Runs `measure()` every `interval` seconds and keeps the last successful result (with measuredAt and
    measureSeconds) and the last round's error (None when it succeeded)."""

    def __init__(self, measure: Callable[[], dict], interval: float, name: str) -> None:
        super().__init__(daemon=True, name=name)
        self.interval, self._measure_once = interval, measure
        self._lock = threading.Lock()
        self.last: dict | None = None
        self.error: str | None = None

    def run(self) -> None:
        while True:
            started = time.time()
            try:
                result = {**self._measure_once(), "measuredAt": started,
                          "measureSeconds": round(time.time() - started, 3)}
                with self._lock:
                    self.last, self.error = result, None
            except Exception as exc:  # noqa: BLE001 - exported as up=0, reconnect next round
                with self._lock:
                    self.error = f"{type(exc).__name__}: {exc}"
                print(f"{self.name}: {self.error}", flush=True)
            time.sleep(max(0.0, self.interval - (time.time() - started)))

    def state(self) -> tuple[dict | None, str | None]:
        """(the last successful round, the last round's error)."""
        with self._lock:
            return self.last, self.error


Route = Callable[[], tuple[bytes, str, int]]   # () -> (body, content type, status)


def serve(port: int, collector, routes: dict[str, Route]) -> None:
    """GET /metrics (the collector, Prometheus text) and the exporter's own routes (path prefix -> handler)."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

    registry = CollectorRegistry()
    registry.register(collector)
    known = ", ".join(["/metrics", *routes])

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            if self.path.startswith("/metrics"):
                body, ctype, status = generate_latest(registry), CONTENT_TYPE_LATEST, 200
            else:
                route = next((handler for prefix, handler in routes.items() if self.path.startswith(prefix)), None)
                body, ctype, status = route() if route else (f"not found: try {known}\n".encode(), "text/plain", 404)
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:  # quiet: Prometheus scrapes twice a second
            pass

    ThreadingHTTPServer(("0.0.0.0", port), Handler).serve_forever()
