"""Typed events of one scenario run. Handlers (console progress, Allure) subscribe to them."""
from __future__ import annotations

import time
from contextlib import ExitStack, contextmanager
from typing import Iterator, Protocol

from chaos_harness import log

_log = log.logger(__name__)


class JournalHandler(Protocol):
    def phase(self, name: str, detail: str) -> "contextmanager": ...
    def attach(self, name: str, body: bytes | str, kind: str) -> None: ...


class ConsoleHandler:
    """Progress lines (the `chaos_harness.journal` logger; chaos_harness/log.py) so a person watching a long wait
    knows what is going on."""

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
