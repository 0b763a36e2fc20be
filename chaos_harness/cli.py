"""Shared plumbing of the drill/probe scripts: base-URL discovery, JSON output, exit codes.

Exit codes: chaos_harness/exitcodes.py (0 ok, 1 the drill/probe ran and a check failed or its service was
unreachable, 2 bad usage or input, or the harness' own infrastructure missing).
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Callable
from urllib.parse import urlparse

from chaos_harness import log
from chaos_harness.errors import ChaosError, ConfigError
from chaos_harness.exitcodes import FAILED, OK, for_error
from chaos_harness.stack import discover_url  # noqa: F401 - the scripts take it from here with base_url and run


def base_url(value: str) -> str:
    """argparse type: an http(s) URL with a host."""
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise argparse.ArgumentTypeError(f"not an http(s) URL: {value!r} (e.g. http://127.0.0.1:8000)")
    return value.rstrip("/")


def run(main: Callable[[argparse.Namespace], dict], parser: argparse.ArgumentParser,
        argv: list[str] | None = None) -> int:
    """Parse, run, print the JSON report on stdout; errors go to stderr in one line."""
    args = parser.parse_args(argv)
    log.console()
    try:
        report = main(args)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return for_error(exc)
    except ChaosError as exc:
        print(json.dumps({"ok": False, "error": str(exc)}, indent=2))
        print(f"error: {exc}", file=sys.stderr)
        return for_error(exc)
    print(json.dumps(report, indent=2, default=str))
    return OK if report.get("ok", True) else FAILED
