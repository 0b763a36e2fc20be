"""Typed events of one scenario run. Handlers (console progress, Allure) subscribe to them."""
from __future__ import annotations

import sys
import time
from contextlib import ExitStack, contextmanager
from typing import Iterator, Protocol


class JournalHandler(Protocol):
    def phase(self, name: str, detail: str) -> "contextmanager": ...
    def attach(self, name: str, body: bytes | str, kind: str) -> None: ...


class ConsoleHandler:
    """Progress lines on stderr so a person watching a long wait knows what is going on."""

    def __init__(self, out=None) -> None:
        self._out = out

    @property
    def out(self):
        return self._out or sys.stderr  # resolved late so pytest's capture sees it

    @contextmanager
    def phase(self, name: str, detail: str) -> Iterator[None]:
        started = time.time()
        print(f"[chaos] {name}: {detail}", file=self.out, flush=True)
        try:
            yield
        except BaseException as exc:
            print(f"[chaos] {name}: FAILED after {time.time() - started:.1f}s: {type(exc).__name__}", file=self.out,
                  flush=True)
            raise
        print(f"[chaos] {name}: done in {time.time() - started:.1f}s", file=self.out, flush=True)

    def attach(self, name: str, body: bytes | str, kind: str) -> None:
        return None


class Journal:
    def __init__(self, *handlers: JournalHandler) -> None:
        self.handlers = handlers or (ConsoleHandler(),)

    @contextmanager
    def phase(self, name: str, detail: str = "") -> Iterator[None]:
        with ExitStack() as stack:
            for handler in self.handlers:
                stack.enter_context(handler.phase(name, detail))
            yield

    def attach(self, name: str, body: bytes | str, kind: str) -> None:
        """kind: one of json, text, png, markdown, csv."""
        for handler in self.handlers:
            handler.attach(name, body, kind)
