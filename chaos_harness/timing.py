"""Derive the time-compressed test copy of the production monitoring config.

The production files under stack/monitoring are the single source of truth. For tests every
duration that shapes alert timing is divided by one factor (default 30, `--time-factor` /
CHAOS_TIME_FACTOR): scrape and evaluation intervals, rule group intervals,
`for` / `keep_firing_for`, PromQL range windows, subquery steps and offsets, Alertmanager's
group_wait / group_interval / repeat_interval / resolve_timeout, and Prometheus' alert resend
delay. A rule that fires after `for: 2m` in production fires after 4 s in the test stack,
with the same thresholds and the same shape. Scrape timeouts are the one exception: they are set
to the compressed scrape interval (the longest Prometheus allows), not divided.
"""
from __future__ import annotations

import json
import re
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

import yaml

from chaos_harness.errors import ConfigError

DEFAULT_FACTOR = 30.0
PROMETHEUS_DEFAULTS = {"scrape_interval": "1m", "scrape_timeout": "10s", "evaluation_interval": "1m"}
PROMETHEUS_RESEND_DELAY = "1m"  # Prometheus' default --rules.alert.resend-delay
_UNITS_MS = {"y": 365 * 86_400_000, "w": 7 * 86_400_000, "d": 86_400_000, "h": 3_600_000,
             "m": 60_000, "s": 1000, "ms": 1}
_DURATION = re.compile(r"^(?:(\d+)(ms|y|w|d|h|m|s))+$")
_DURATION_PART = re.compile(r"(\d+)(ms|y|w|d|h|m|s)")
# A range selector `[5m]`, a subquery `[5m:30s]` / `[5m:]`, or an `offset 5m` outside quotes.
_RANGE = re.compile(r"\[\s*([0-9a-z]+)\s*(?::\s*([0-9a-z]*)\s*)?\]")
_OFFSET = re.compile(r"(\boffset\s+)(-?)([0-9a-z]+)")
_QUOTED = re.compile(r"(\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|`[^`]*`)")


def parse_duration(text: str) -> int:
    """A Prometheus duration ("1m30s", "500ms") in milliseconds."""
    text = str(text).strip()
    if not _DURATION.match(text):
        raise ConfigError(f"not a Prometheus duration: {text!r} (expected e.g. 15s, 2m, 1h30m, 500ms)")
    return sum(int(n) * _UNITS_MS[u] for n, u in _DURATION_PART.findall(text))


def format_duration(ms: int) -> str:
    """Milliseconds as the shortest exact Prometheus duration ("4s", "1500ms", "2m")."""
    if ms <= 0:
        return "0s"
    for unit in ("d", "h", "m", "s"):
        if ms % _UNITS_MS[unit] == 0:
            return f"{ms // _UNITS_MS[unit]}{unit}"
    return f"{ms}ms"


def scale(text: str, factor: float) -> str:
    """Divide one duration by the factor, rounded to whole milliseconds (at least 1 ms)."""
    ms = parse_duration(text)
    return format_duration(max(1, round(ms / factor)) if ms else 0)


def scale_expr(expr: str, factor: float) -> str:
    """Scale range windows, subquery steps and offsets of a PromQL expression, leaving strings alone."""
    def ranges(code: str) -> str:
        def one(m: re.Match) -> str:
            window, step = m.group(1), m.group(2)
            if step is None:
                return f"[{scale(window, factor)}]"
            return f"[{scale(window, factor)}:{scale(step, factor) if step else ''}]"
        code = _RANGE.sub(one, code)
        return _OFFSET.sub(lambda m: f"{m.group(1)}{m.group(2)}{scale(m.group(3), factor)}", code)

    parts = _QUOTED.split(expr)
    return "".join(p if i % 2 else ranges(p) for i, p in enumerate(parts))


def scale_seconds(seconds: float, factor: float) -> int:
    """A data-plane duration the drill applies to the stack itself (a table TTL, in whole seconds), compressed
    like the rules: production seconds / factor, at least 1 s. A TTL of 60 s in a runbook drill is 2 s
    at factor 30, against the 900 s -> 30 s baseline the test stack's inventory table is created with."""
    if seconds <= 0:
        raise ConfigError(f"a duration to compress must be > 0 seconds, got {seconds:g}")
    if factor < 1:
        raise ConfigError(f"time factor must be >= 1, got {factor:g}")
    return max(1, round(seconds / factor))


def range_windows(expr: str) -> list[str]:
    """The range windows (`[5m]`, `[5m:30s]` -> "5m") of a PromQL expression, outside quoted strings."""
    parts = _QUOTED.split(expr)
    return [m.group(1) for i, p in enumerate(parts) if not i % 2 for m in _RANGE.finditer(p)]


@dataclass(frozen=True)
class TimingProfile:
    """The compressed timers a test run uses; the bounds of every wait are computed from these."""
    factor: float
    scrape_interval: float
    scrape_timeout: float
    evaluation_interval: float
    resend_delay: float
    group_wait: float
    group_interval: float

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    @classmethod
    def from_json(cls, text: str) -> "TimingProfile":
        return cls(**json.loads(text))


def _seconds(text: str) -> float:
    return parse_duration(text) / 1000


def _generous_timeout(node: dict, interval: str) -> None:
    """A scrape timeout is not an alert timing: compressed, it would fail slow-but-healthy scrapes on a
    busy machine (and a failed scrape makes alert series go stale). Keep it as long as the compressed
    interval allows (Prometheus requires timeout <= interval)."""
    node["scrape_timeout"] = interval


# Exporters that size their own timeout from Prometheus' X-Prometheus-Scrape-Timeout-Seconds header minus an
# offset: blackbox_exporter serves them on /probe and subtracts --timeout-offset (0.5 s by default).
PROBE_PATHS = ("/probe",)
PROBE_TIMEOUT_OFFSET = 0.5   # blackbox_exporter's default --timeout-offset, seconds


def compress_prometheus_config(config: dict, factor: float, probe_timeout_offset: float = PROBE_TIMEOUT_OFFSET) -> dict:
    """Divide the scrape and evaluation intervals; scrape timeouts become the compressed interval.

    A probe job (metrics_path /probe: blackbox_exporter and exporters like it) gives its probe the
    scrape timeout *minus* the exporter's offset: at factor 30 that is 0.5 s - 0.5 s = 0, and every probe
    fails. Such a job is refused here unless its compressed timeout leaves the probe time, with a message
    naming the exporter flag: run it with `--timeout-offset` below the compressed timeout and pass that
    offset as `probe_timeout_offset` (production keeps working: the probe just gets more of the timeout)."""
    config = yaml.safe_load(yaml.safe_dump(config))  # deep copy
    glob = config.setdefault("global", {})
    for key, default in PROMETHEUS_DEFAULTS.items():
        glob[key] = scale(glob.get(key, default), factor)
    _generous_timeout(glob, glob["scrape_interval"])
    for job in config.get("scrape_configs", []):
        if "scrape_interval" in job:
            job["scrape_interval"] = scale(job["scrape_interval"], factor)
        if "scrape_interval" in job or "scrape_timeout" in job:
            _generous_timeout(job, job.get("scrape_interval", glob["scrape_interval"]))
        if str(job.get("metrics_path", "")).rstrip("/").endswith(PROBE_PATHS):
            timeout = parse_duration(job.get("scrape_timeout", glob["scrape_timeout"])) / 1000
            if timeout - probe_timeout_offset <= 0:
                raise ConfigError(
                    f"scrape job {job.get('job_name')!r} probes through {job['metrics_path']}: blackbox_exporter "
                    f"gives a probe the scrape timeout minus its --timeout-offset ({probe_timeout_offset:g}s), and "
                    f"the compressed timeout at time factor {factor:g} is {timeout:g}s, so every probe would fail. "
                    f"Run the exporter with --timeout-offset below {timeout:g}s (e.g. {timeout / 5:g}) and pass the "
                    f"same value as compress_prometheus_config(probe_timeout_offset=...), or use a smaller factor")
    return config


def compress_rules(rules: dict, factor: float) -> dict:
    rules = yaml.safe_load(yaml.safe_dump(rules))
    for group in rules.get("groups", []):
        if "interval" in group:
            group["interval"] = scale(group["interval"], factor)
        for rule in group.get("rules", []):
            rule["expr"] = scale_expr(str(rule["expr"]), factor)
            for key in ("for", "keep_firing_for"):
                if key in rule:
                    rule[key] = scale(rule[key], factor)
    return rules


def compress_alertmanager_config(config: dict, factor: float) -> dict:
    config = yaml.safe_load(yaml.safe_dump(config))
    if "resolve_timeout" in config.get("global", {}):
        config["global"]["resolve_timeout"] = scale(config["global"]["resolve_timeout"], factor)

    def route(node: dict) -> None:
        for key in ("group_wait", "group_interval", "repeat_interval"):
            if key in node:
                node[key] = scale(node[key], factor)
        for child in node.get("routes", []):
            route(child)

    route(config.get("route", {}))
    return config


@dataclass(frozen=True)
class MonitoringSources:
    """Where the production monitoring files live (stack/monitoring), plus rule files a tool loads beside them
    (the benchmark's peer rule, bench/rules/): compressed the same way, never part of the production rules."""
    root: Path
    extra_rule_files: tuple[Path, ...] = ()

    @property
    def prometheus_yml(self) -> Path:
        return self.root / "prometheus" / "prometheus.yml"

    @property
    def rule_files(self) -> list[Path]:
        return sorted((self.root / "prometheus" / "rules").glob("*.yml")) + list(self.extra_rule_files)

    @property
    def alertmanager_yml(self) -> Path:
        return self.root / "alertmanager" / "alertmanager.yml"


def _load(path: Path) -> dict:
    try:
        return yaml.safe_load(path.read_text()) or {}
    except FileNotFoundError:
        raise ConfigError(f"monitoring config not found: {path}") from None


CONTROL_RULES_FILE = "zz-chaos-controls.yml"


def control_shadows(rule_docs: list[dict]) -> dict:
    """Two shadows of every alerting rule, same `for`, labels and group interval (chaos_harness/mutation.py):
    <alert>_ControlBrokenMetric has its first metric misspelled: evaluated on the same data as the real rule, it
    must stay inactive while the real one fires (the proof run's folded "broken metric" control);
    <alert>_ControlMisrouted is the rule itself, labelled `chaos_control: misrouted`, which the generated
    Alertmanager config routes to a receiver with no integration: it fires and resolves with the real one and must
    never reach the scenario's receiver (the folded "routed elsewhere" controls)."""
    from chaos_harness.mutation import CONTROL_LABEL, MISROUTED_SUFFIX, SHADOW_SUFFIX, misspell_metric

    def shadow(rule: dict, suffix: str, expr: str, control: str) -> dict:
        return {**{k: v for k, v in rule.items() if k not in ("alert", "expr", "labels")},
                "alert": rule["alert"] + suffix, "expr": expr,
                "labels": {**(rule.get("labels") or {}), CONTROL_LABEL: control}}
    groups = []
    for doc in rule_docs:
        for group in doc.get("groups", []):
            shadows = [one for rule in group.get("rules", []) if "alert" in rule
                       for one in (shadow(rule, SHADOW_SUFFIX, misspell_metric(str(rule["expr"])), "broken-metric"),
                                   shadow(rule, MISROUTED_SUFFIX, str(rule["expr"]), "misrouted"))]
            if shadows:
                groups.append({"name": f"{group['name']}-controls", **({"interval": group["interval"]}
                               if "interval" in group else {}), "rules": shadows})
    return {"groups": groups}


def render_test_config(sources: MonitoringSources, out_dir: Path, factor: float = DEFAULT_FACTOR) -> TimingProfile:
    """Write the compressed copy to out_dir/{prometheus,alertmanager}/ and return its timers."""
    if factor < 1:
        raise ConfigError(f"time factor must be >= 1 (got {factor}); it divides production durations")
    prom = compress_prometheus_config(_load(sources.prometheus_yml), factor)
    from chaos_harness.mutation import misroute_controls
    am = misroute_controls(compress_alertmanager_config(_load(sources.alertmanager_yml), factor))
    if out_dir.exists():
        shutil.rmtree(out_dir)
    (out_dir / "prometheus" / "rules").mkdir(parents=True)
    (out_dir / "alertmanager").mkdir(parents=True)
    header = f"# GENERATED by chaos_harness/timing.py from {{src}} with time factor {factor:g}. Do not edit.\n"
    (out_dir / "prometheus" / "prometheus.yml").write_text(
        header.format(src=sources.prometheus_yml.name) + yaml.safe_dump(prom, sort_keys=False))
    compressed = []
    for rule_file in sources.rule_files:
        compressed.append(compress_rules(_load(rule_file), factor))
        (out_dir / "prometheus" / "rules" / rule_file.name).write_text(
            header.format(src=rule_file.name) + yaml.safe_dump(compressed[-1], sort_keys=False))
    (out_dir / "prometheus" / "rules" / CONTROL_RULES_FILE).write_text(
        header.format(src="every rule file (the broken-metric and misrouted controls)") +
        yaml.safe_dump(control_shadows(compressed), sort_keys=False))
    (out_dir / "alertmanager" / "alertmanager.yml").write_text(
        header.format(src=sources.alertmanager_yml.name) + yaml.safe_dump(am, sort_keys=False))
    route = am.get("route", {})
    profile = TimingProfile(
        factor=factor,
        scrape_interval=_seconds(prom["global"]["scrape_interval"]),
        scrape_timeout=_seconds(prom["global"]["scrape_timeout"]),
        evaluation_interval=_seconds(prom["global"]["evaluation_interval"]),
        resend_delay=_seconds(scale(PROMETHEUS_RESEND_DELAY, factor)),
        group_wait=_seconds(route.get("group_wait", scale("30s", factor))),
        group_interval=_seconds(route.get("group_interval", scale("5m", factor))),
    )
    (out_dir / "timing.json").write_text(profile.to_json())
    return profile
