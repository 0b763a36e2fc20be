"""Deliberately broken copies of a loaded rule, for negative controls.

Only the generated (compressed) rule file of one stack is rewritten, never the production
file; Prometheus is reloaded and the original is restored (and reloaded) on exit.
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import yaml

from harness.errors import UnknownAlert
from harness.observe.prometheus import Prometheus
from harness.waiting import Check, wait_until

RELOAD_TIMEOUT = 15.0
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


def _file_defining(rules_dir: Path, alertname: str) -> tuple[Path, dict]:
    for path in sorted(rules_dir.glob("*.yml")):
        doc = yaml.safe_load(path.read_text()) or {}
        if any(r.get("alert") == alertname for g in doc.get("groups", []) for r in g.get("rules", [])):
            return path, doc
    raise UnknownAlert(f"no rule file under {rules_dir} defines alert {alertname!r}")


def _reload_until(prometheus: Prometheus, alertname: str, done, what: str) -> None:
    def probe() -> Check:
        query = prometheus.rule(alertname).query
        return Check(done(query), query)
    prometheus.reload()
    wait_until(probe, what=what, timeout=RELOAD_TIMEOUT, interval=0.1)


@contextmanager
def rule_replaced(rules_dir: Path, prometheus: Prometheus, alertname: str, expr: str) -> Iterator[str]:
    """Run the block with `alertname`'s expression replaced by `expr` in this stack's Prometheus."""
    path, doc = _file_defining(rules_dir, alertname)
    original_text = path.read_text()
    original_query = prometheus.rule(alertname).query
    for group in doc["groups"]:
        for rule in group["rules"]:
            if rule.get("alert") == alertname:
                rule["expr"] = expr
    try:
        path.write_text(yaml.safe_dump(doc, sort_keys=False))
        _reload_until(prometheus, alertname, lambda q: q != original_query, f"{alertname} to load the broken expr")
        yield prometheus.rule(alertname).query
    finally:
        path.write_text(original_text)
        _reload_until(prometheus, alertname, lambda q: q == original_query, f"{alertname} to load its original expr")
