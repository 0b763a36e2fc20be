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
    """Calls `operation(i)` about `rate` times a second from `workers` daemon threads until stopped.

    One worker is sequential: a slow service lowers its real rate. Several workers keep the rate
    when each call takes long (a burst must outrun the rate limiter even on a busy machine)."""

    def __init__(self, name: str, operation: Callable[[int], object], rate: float = 10.0, workers: int = 1) -> None:
        self.name, self.operation, self.rate, self.workers = name, operation, rate, workers
        self.stats = TrafficStats()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(w,), name=f"traffic-{name}-{w}", daemon=True)
                         for w in range(workers)]

    def _run(self, worker: int) -> None:
        period = self.workers / self.rate
        for k in itertools.count():
            if self._stop.is_set():
                return
            started = time.monotonic()
            try:
                self.operation(worker + k * self.workers)
                with self._lock:
                    self.stats.ok += 1
            except Exception as exc:  # noqa: BLE001 - degraded on purpose: count it and keep the load going
                with self._lock:
                    self.stats.errors += 1
                    self.stats.last_error = f"{type(exc).__name__}: {exc}"[:200]
            self._stop.wait(max(0.0, period - (time.monotonic() - started)))

    def start(self) -> "BackgroundTraffic":
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=15)

    @property
    def running(self) -> bool:
        return any(t.is_alive() for t in self._threads)

    def __enter__(self) -> "BackgroundTraffic":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def __str__(self) -> str:
        return f"{self.name} at {self.rate:g}/s"
