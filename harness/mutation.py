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

# PromQL words that are not metric names: aggregation modifiers, set/logic operators, literals.
_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless",
             "offset", "atan2", "inf", "nan"}
_AGGREGATIONS = {"sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk",
                 "topk", "quantile", "limitk", "limit_ratio"}
_LABEL_LIST_AFTER = {"by", "without", "on", "ignoring", "group_left", "group_right"}
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|\{[^}]*\}|\[[^\]]*\]|\d[\w.]*|[A-Za-z_:][A-Za-z0-9_:]*|\S')


def first_metric_name(expr: str) -> tuple[int, str]:
    """Position and name of the first metric-name token of a PromQL expression.

    Skips function names (followed by `(`), keywords, label lists after by/without/on/ignoring/
    group_*, label matchers `{...}`, range/subquery brackets and string literals."""
    tokens = [(m.start(), m.group()) for m in _TOKEN.finditer(expr)]
    i = 0
    while i < len(tokens):
        pos, tok = tokens[i]
        nxt = tokens[i + 1][1] if i + 1 < len(tokens) else ""
        if tok.lower() in _LABEL_LIST_AFTER and nxt == "(":
            i += 2
            while i < len(tokens) and tokens[i][1] != ")":
                i += 1
        elif tok.lower() in _AGGREGATIONS and nxt.lower() in ("by", "without"):
            pass  # `sum by (...) (...)`: an aggregation, not a metric
        elif re.fullmatch(r"[A-Za-z_:][A-Za-z0-9_:]*", tok) and tok.lower() not in _KEYWORDS and nxt != "(":
            return pos, tok
        i += 1
    raise ValueError(f"no metric name in PromQL expression {expr!r}")


def misspell_metric(expr: str) -> str:
    """A realistic breakage: the first metric name misspelled (last two letters swapped), so the
    rule silently matches nothing. Works for counters, gauges and histograms alike."""
    pos, name = first_metric_name(expr)
    wrong = name[:-2] + name[-1] + name[-2] if len(name) > 2 and name[-1] != name[-2] else name + "x"
    return expr[:pos] + wrong + expr[pos + len(name):]


def _file_defining(rules_dir: Path, alertname: str) -> tuple[Path, dict]:
    for path in sorted(rules_dir.glob("*.yml")):
        doc = yaml.safe_load(path.read_text()) or {}
        if any(r.get("alert") == alertname for g in doc.get("groups", []) for r in g.get("rules", [])):
            return path, doc
    raise UnknownAlert(f"no rule file under {rules_dir} defines alert {alertname!r}")


def _reload_until(prometheus: Prometheus, alertname: str, done, what: str) -> None:
    prometheus.reload()
    wait_until(lambda: Check(done(prometheus.rule(alertname).query), prometheus.rule(alertname).query),
               what=what, timeout=RELOAD_TIMEOUT, interval=0.1)


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
