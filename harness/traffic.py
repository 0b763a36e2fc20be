"""Background load that keeps a service busy while a fault holds (the runbook's "while sending").

Used both as scenario traffic (started before steady state) and inside application faults
(a campaign burst, an opt-out wave, an upload flood) that hold until reverted.
"""
from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass
from typing import Callable



@dataclass
class TrafficStats:
    ok: int = 0
    errors: int = 0
    last_error: str = ""


class BackgroundTraffic:
    """Calls `operation(i)` about `rate` times a second in a daemon thread until stopped."""

    def __init__(self, name: str, operation: Callable[[int], object], rate: float = 10.0) -> None:
        self.name, self.operation, self.rate = name, operation, rate
        self.stats = TrafficStats()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"traffic-{name}", daemon=True)

    def _run(self) -> None:
        period = 1.0 / self.rate
        for i in itertools.count():
            if self._stop.is_set():
                return
            started = time.monotonic()
            try:
                self.operation(i)
                self.stats.ok += 1
            except Exception as exc:  # noqa: BLE001 - degraded on purpose: count it and keep the load going
                self.stats.errors += 1
                self.stats.last_error = f"{type(exc).__name__}: {exc}"[:200]
            self._stop.wait(max(0.0, period - (time.monotonic() - started)))

    def start(self) -> "BackgroundTraffic":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=15)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def __enter__(self) -> "BackgroundTraffic":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def __str__(self) -> str:
        return f"{self.name} at {self.rate:g}/s"
