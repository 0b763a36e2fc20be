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
