"""The harness' progress and diagnostics go through `logging`, under the `chaos_harness` logger.

`console()` (called by the pytest plugin and the `chaos-harness` command) gives that logger one handler that
writes `[chaos] <message>` lines to the *current* `sys.stderr`, looked up at each record, so pytest's capture
keeps a test's lines with its report and the stack start (run with capture suspended) reaches the terminal.
The level comes from CHAOS_LOG_LEVEL (default INFO: phases, waits still going after 5 s, the stack start);
WARNING keeps only problems. Records do not propagate to the root logger, so they are not printed twice under
pytest's own log capture; a program embedding the harness adds its handlers to `logging.getLogger("chaos_harness")`.
Without `console()` (the harness used as a library) only warnings reach stderr, through logging's last resort.
"""
from __future__ import annotations

import logging
import os
import sys

ROOT = "chaos_harness"
LEVEL_ENV = "CHAOS_LOG_LEVEL"


def logger(name: str) -> logging.Logger:
    """The logger of one part of the harness: `log.logger(__name__)`."""
    return logging.getLogger(name if name.startswith(ROOT) else f"{ROOT}.{name}")


class _CurrentStderr(logging.Handler):
    """A stream handler whose stream is whatever sys.stderr is when the record is emitted."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            stream = sys.stderr
            stream.write(self.format(record) + "\n")
            stream.flush()
        except Exception:  # noqa: BLE001 - logging must never break the run
            self.handleError(record)


def console(level: str | int | None = None) -> logging.Logger:
    """Install the console handler once (idempotent) and set the level (argument, else CHAOS_LOG_LEVEL, else INFO)."""
    root = logging.getLogger(ROOT)
    if not any(isinstance(h, _CurrentStderr) for h in root.handlers):
        handler = _CurrentStderr()
        handler.setFormatter(logging.Formatter("[chaos] %(message)s"))
        root.addHandler(handler)
    root.propagate = False
    wanted = level if level is not None else os.environ.get(LEVEL_ENV, "INFO")
    try:
        root.setLevel(wanted.upper() if isinstance(wanted, str) else wanted)
    except ValueError:
        root.setLevel(logging.INFO)
        root.warning("%s=%r is not a logging level (DEBUG, INFO, WARNING, ERROR); using INFO", LEVEL_ENV, wanted)
    return root
