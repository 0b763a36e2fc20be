"""The one waiting primitive: poll a probe until it says done, bounded, and remember what it saw.

Every wait in the harness goes through `wait_until`. On timeout it raises `WaitTimedOut` that
names what was awaited, the bound, and the distinct states seen (with when), so a failure
reads "waited 7.0s for X; saw: inactive (0.0s-7.0s)" instead of "timeout". Long waits print a
progress line every `progress_every` seconds. Polling is done by tenacity.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Generic, TypeVar

import tenacity

from chaos_harness import log

_log = log.logger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class Check(Generic[T]):
    """One poll's answer: is the condition met, what was seen (for messages), and a value to return."""
    done: bool
    state: str
    value: T | None = None


@dataclass
class Seen:
    state: str
    first: float
    last: float


@dataclass
class WaitResult(Generic[T]):
    value: T | None
    started: float
    finished: float
    history: list[Seen] = field(default_factory=list)

    @property
    def elapsed(self) -> float:
        return self.finished - self.started


class WaitTimedOut(Exception):
    def __init__(self, what: str, timeout: float, history: list[Seen], started: float) -> None:
        self.what, self.timeout, self.history, self.started = what, timeout, history, started
        super().__init__(f"waited {timeout:.1f}s for {what}; saw: {describe_history(history, started)}")

    @property
    def last_state(self) -> str:
        return self.history[-1].state if self.history else "nothing (no poll completed)"


def describe_history(history: list[Seen], started: float, limit: int = 6) -> str:
    shown = history[-limit:]
    text = "; ".join(f"{s.state} ({s.first - started:.1f}s-{s.last - started:.1f}s)" for s in shown)
    skipped = len(history) - len(shown)
    return (f"[{skipped} earlier states] " if skipped else "") + (text or "nothing (no poll completed)")


def wait_until(probe: Callable[[], Check[T]], *, what: str, timeout: float, interval: float = 0.1,
               transient: tuple[type[BaseException], ...] = (), progress_every: float = 5.0) -> WaitResult[T]:
    """Poll `probe` every `interval` seconds until it returns done, for at most `timeout` seconds.

    Exceptions of the `transient` types are recorded as states and polling goes on (a service
    that is restarting); any other exception propagates at once.
    """
    started = time.time()
    history: list[Seen] = []
    next_progress = [started + progress_every]

    def poll() -> Check[T]:
        try:
            check = probe()
        except transient as exc:  # noqa: PERF203 - recorded, then retried
            check = Check(False, f"error: {type(exc).__name__}: {exc}")
        now = time.time()
        if history and history[-1].state == check.state:
            history[-1].last = now
        else:
            history.append(Seen(check.state, now, now))
        if not check.done and now >= next_progress[0]:
            _log.info("  ... still waiting for %s (%.0fs of %.0fs): %s", what, now - started, timeout, check.state)
            next_progress[0] = now + progress_every
        return check

    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_delay(timeout),
        wait=tenacity.wait_fixed(interval),
        retry=tenacity.retry_if_result(lambda c: not c.done),
        retry_error_callback=lambda _state: None,
        reraise=True,
    )
    check = retrying(poll)
    if check is None:
        raise WaitTimedOut(what, timeout, history, started)
    return WaitResult(check.value, started, time.time(), history)
