"""Deliberate breakage for negative controls: the shadow rules the test stack loads beside every rule
(chaos_harness/timing.py) - one with its metric misspelled, one routed to a receiver with no integration - and
changes to one stack's generated Alertmanager config, reloaded and restored on exit. The production files are
never touched.
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import yaml

from chaos_harness.waiting import Check, wait_until

RELOAD_TIMEOUT = 15.0
SHADOW_SUFFIX = "_ControlBrokenMetric"   # the broken-metric shadow of every rule in the test stack (timing.py)
MISROUTED_SUFFIX = "_ControlMisrouted"    # the misrouted shadow: the same rule, labelled for the route below
CONTROL_LABEL = "chaos_control"           # on every shadow: broken-metric | misrouted
MISROUTED_RECEIVER = "chaos-control-misrouted"   # a receiver without integrations: nothing it gets reaches anyone
_MASKED = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|\{[^}]*\}|\[[^\]]*\]'
                     r'|\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)')
_IDENT = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")
_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "offset",
             "bool", "inf", "nan"}


def misspell_metric(expr: str) -> str:
    """A realistic broken rule: the first metric name misspelled, so its selector matches nothing.

    Strings, label matchers, ranges and grouping clauses are masked; a metric name is then the first
    identifier that is not a keyword, not a number's exponent and not followed by "(" (a function)."""
    masked = _MASKED.sub(lambda m: " " * len(m.group(0)), expr)
    for match in _IDENT.finditer(masked):
        token, before = match.group(0), masked[:match.start()]
        if token.lower() in _KEYWORDS or masked[match.end():].lstrip().startswith("(") or \
                (before and (before[-1].isdigit() or before[-1] == ".")):
            continue
        return expr[:match.end()] + "_misspelt" + expr[match.end():]
    raise ValueError(f"no metric name found in {expr!r}")


# -- Alertmanager: the generated config of one stack, changed for a control and restored ---------------
def route_first(config: dict, matcher: str, receiver: str) -> None:
    """Put a route for `matcher` to `receiver` in front of all others (the first match wins: `continue` unset)."""
    route = config.setdefault("route", {})
    route["routes"] = [{"receiver": receiver, "matchers": [matcher]}, *route.get("routes", [])]


def route_elsewhere(alertname: str, receiver: str = "default"):
    """A config change that sends `alertname` to another receiver (a route in front of all others)."""
    return lambda config: route_first(config, f'alertname="{alertname}"', receiver)


def misroute_controls(config: dict) -> dict:
    """The test stack's Alertmanager config with the misrouted shadows sent to MISROUTED_RECEIVER (a receiver with
    no integration) in front of every production route: whatever the production routing, they reach no one."""
    route_first(config, f'{CONTROL_LABEL}="misrouted"', MISROUTED_RECEIVER)
    config["receivers"] = [*(config.get("receivers") or []), {"name": MISROUTED_RECEIVER}]
    return config


@contextmanager
def alertmanager_config_changed(config_path: Path, alertmanager, *mutations) -> Iterator[dict]:
    """Run the block with this stack's generated alertmanager.yml changed by `mutations`, reloaded; the
    original is restored and reloaded on exit (Alertmanager rebuilds its groups on reload)."""
    original_text = config_path.read_text()
    config = yaml.safe_load(original_text)
    for mutate in mutations:
        mutate(config)
    try:
        config_path.write_text(yaml.safe_dump(config, sort_keys=False))
        _am_reload_until(alertmanager, config, "the changed config")
        yield config
    finally:
        config_path.write_text(original_text)
        _am_reload_until(alertmanager, yaml.safe_load(original_text), "the original config")


def routing_signature(config: dict) -> tuple:
    """What the controls change, comparable between the file and Alertmanager's re-serialised copy (which fills
    in defaults): the receivers of the route tree in order, and each receiver's send_resolved flags."""
    def routes(node: dict) -> list[str]:
        return [node.get("receiver", ""), *(r for child in node.get("routes", []) or [] for r in routes(child))]
    flags = {r.get("name"): [bool(i.get("send_resolved")) for key, items in r.items() if key.endswith("_configs")
                             for i in items or []] for r in config.get("receivers", []) or []}
    return tuple(routes(config.get("route", {}))), tuple(sorted(flags.items()))


def _am_reload_until(alertmanager, config: dict, what: str) -> None:
    want = routing_signature(config)

    def probe() -> Check:
        loaded = routing_signature(alertmanager.loaded_config())
        return Check(loaded == want, f"loaded routes/flags {loaded}")
    alertmanager.reload()
    wait_until(probe, what=f"Alertmanager to load {what}", timeout=RELOAD_TIMEOUT, interval=0.1)
