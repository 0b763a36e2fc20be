"""The run journal: typed, timestamped events of one scenario run, and the handlers that subscribe to them.

The runner says what happened through `Journal.event` (the moments of the six phases, the fault's ledger id,
failures, traffic outcomes, the verdict) and `Journal.phase` (a named stretch of work). Handlers:
- `ConsoleHandler`: progress lines (the `chaos_harness.journal` logger; events at DEBUG, CHAOS_LOG_LEVEL=DEBUG);
- `JsonLinesHandler`: the journal file, one JSON object per line (`{"at": epoch, "event": kind, ...}`), which
  `read_events` reads back and `Timeline.from_events` (chaos_harness/runner.py) turns into the run's timeline;
- `AllureHandler` (chaos_harness/evidence.py): phases as Allure steps.
"""
from __future__ import annotations

import json
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Protocol

from chaos_harness import log

_log = log.logger(__name__)

# Every event kind, in the order a complete run says them. The moments of the timeline are the first group.
MOMENTS = ("steady", "fault-injecting", "fault-in-effect", "pending", "firing", "notified", "remediation-started",
           "remediated", "resolved", "resolved-notified", "verified", "finished")
EVENTS = ("run-started",) + MOMENTS + ("fault-reverted", "control", "hold-interrupted", "failure", "traffic", "verdict")


@dataclass(frozen=True)
class Event:
    kind: str
    at: float
    data: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in EVENTS:
            raise ValueError(f"unknown journal event {self.kind!r}; known: {', '.join(EVENTS)}")

    def to_json(self) -> dict:
        return {"at": self.at, "event": self.kind, **self.data}

    @classmethod
    def from_json(cls, record: dict) -> "Event":
        data = {k: v for k, v in record.items() if k not in ("at", "event")}
        return cls(record["event"], float(record["at"]), data)


class JournalHandler(Protocol):
    def phase(self, name: str, detail: str) -> "contextmanager": ...
    def event(self, event: Event) -> None: ...


class ConsoleHandler:
    """Progress lines so a person watching a long wait knows what is going on."""

    @contextmanager
    def phase(self, name: str, detail: str) -> Iterator[None]:
        started = time.time()
        _log.info("%s: %s", name, detail)
        try:
            yield
        except BaseException as exc:
            _log.warning("%s: FAILED after %.1fs: %s", name, time.time() - started, type(exc).__name__)
            raise
        _log.info("%s: done in %.1fs", name, time.time() - started)

    def event(self, event: Event) -> None:
        _log.debug("event %s %s", event.kind, json.dumps(event.data, default=str) if event.data else "")


class JsonLinesHandler:
    """Writes the journal of one run to `path` (replaced when the run starts), one event per line, flushed at
    once: a run killed halfway leaves every event it said."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("", encoding="utf-8")

    @contextmanager
    def phase(self, name: str, detail: str) -> Iterator[None]:
        yield

    def event(self, event: Event) -> None:
        with self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(event.to_json(), default=str) + "\n")


def read_events(path: Path) -> list[Event]:
    """The events of a journal file, in the order they were said; a torn last line (a killed run) is skipped."""
    events = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            events.append(Event.from_json(json.loads(line)))
        except (ValueError, KeyError):
            continue
    return events


class Journal:
    def __init__(self, *handlers: JournalHandler) -> None:
        self.handlers = handlers or (ConsoleHandler(),)

    @contextmanager
    def phase(self, name: str, detail: str = "") -> Iterator[None]:
        with ExitStack() as stack:
            for handler in self.handlers:
                stack.enter_context(handler.phase(name, detail))
            yield

    def event(self, kind: str, at: float | None = None, **data) -> Event:
        """Say that something happened (at `at`, default now) to every handler that listens to events."""
        event = Event(kind, time.time() if at is None else at, data)
        for handler in self.handlers:
            listen = getattr(handler, "event", None)
            if listen is not None:
                listen(event)
        return event
