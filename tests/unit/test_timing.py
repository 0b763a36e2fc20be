"""Time compression: the test stack's config is derived from production, never hand-edited."""
import pytest
import yaml

from chaos_harness.errors import ConfigError
from chaos_harness.mutation import MISROUTED_RECEIVER, MISROUTED_SUFFIX, SHADOW_SUFFIX, misspell_metric
from fixtures import ROOT
from chaos_harness.timing import (CONTROL_RULES_FILE, MonitoringSources, TimingProfile, compress_prometheus_config,
                            format_duration, parse_duration, render_test_config, scale, scale_expr)

SOURCES = MonitoringSources(ROOT / "stack" / "monitoring")


@pytest.mark.parametrize("text,ms", [("15s", 15_000), ("2m", 120_000), ("1h30m", 5_400_000), ("500ms", 500),
                                     ("1d", 86_400_000)])
def test_parse_duration(text, ms):
    assert parse_duration(text) == ms


@pytest.mark.parametrize("bad", ["", "5", "1.5m", "m", "5 m", "10x"])
def test_parse_duration_rejects_garbage_with_a_clear_error(bad):
    with pytest.raises(ConfigError, match="not a Prometheus duration"):
        parse_duration(bad)


@pytest.mark.parametrize("ms,text", [(4000, "4s"), (500, "500ms"), (120_000, "2m"), (1500, "1500ms"), (0, "0s")])
def test_format_duration_is_exact(ms, text):
    assert format_duration(ms) == text
    assert parse_duration(text) == ms


def test_scale_divides_and_keeps_a_minimum_of_one_millisecond():
    assert scale("2m", 30) == "4s"
    assert scale("15s", 30) == "500ms"
    assert scale("1ms", 30) == "1ms"


def test_scale_expr_scales_ranges_subqueries_and_offsets_but_not_strings():
    expr = 'rate(x{path=~"/a[5m]"}[5m]) > 1 and max_over_time(y[10m:1m]) offset 2m and z[30m:]'
    assert scale_expr(expr, 30) == \
        'rate(x{path=~"/a[5m]"}[10s]) > 1 and max_over_time(y[20s:2s]) offset 4s and z[1m:]'


def test_rendered_rules_keep_thresholds_and_divide_for_and_windows(tmp_path):
    profile = render_test_config(SOURCES, tmp_path, 30)
    prod = {r["alert"]: r for f in SOURCES.rule_files for g in yaml.safe_load(f.read_text())["groups"]
            for r in g["rules"]}
    test = {r["alert"]: r for f in (tmp_path / "prometheus" / "rules").glob("*.yml") if f.name != CONTROL_RULES_FILE
            for g in yaml.safe_load(f.read_text())["groups"] for r in g["rules"]}
    assert set(prod) == set(test) and prod
    for name, rule in prod.items():
        assert parse_duration(test[name]["for"]) * 30 == parse_duration(rule["for"])
        assert test[name]["labels"] == rule["labels"]
        assert test[name]["annotations"] == rule["annotations"]
        assert test[name]["expr"] == scale_expr(rule["expr"], 30)
    assert profile.scrape_interval == 0.5 and profile.evaluation_interval == 0.5
    assert TimingProfile.from_json((tmp_path / "timing.json").read_text()) == profile


def test_every_rule_gets_a_broken_metric_shadow_with_the_same_timers_and_labels(tmp_path):
    render_test_config(SOURCES, tmp_path, 30)
    rules_dir = tmp_path / "prometheus" / "rules"
    real = {r["alert"]: r for f in rules_dir.glob("*.yml") if f.name != CONTROL_RULES_FILE
            for g in yaml.safe_load(f.read_text())["groups"] for r in g["rules"]}
    shadows = {r["alert"]: r for g in yaml.safe_load((rules_dir / CONTROL_RULES_FILE).read_text())["groups"]
               for r in g["rules"]}
    assert set(shadows) == {name + suffix for name in real for suffix in (SHADOW_SUFFIX, MISROUTED_SUFFIX)}
    for name, rule in real.items():
        shadow, misrouted = shadows[name + SHADOW_SUFFIX], shadows[name + MISROUTED_SUFFIX]
        assert shadow["for"] == rule["for"] == misrouted["for"]
        assert shadow["expr"] == misspell_metric(rule["expr"]) != rule["expr"]
        assert shadow["labels"] == {**rule["labels"], "chaos_control": "broken-metric"}
        assert misrouted["expr"] == rule["expr"] and misrouted["labels"] == {**rule["labels"], "chaos_control": "misrouted"}


def test_rendered_alertmanager_timers_are_divided_recursively(tmp_path):
    render_test_config(SOURCES, tmp_path, 30)
    prod = yaml.safe_load(SOURCES.alertmanager_yml.read_text())
    test = yaml.safe_load((tmp_path / "alertmanager" / "alertmanager.yml").read_text())
    for key in ("group_wait", "group_interval", "repeat_interval"):
        assert parse_duration(test["route"][key]) * 30 == parse_duration(prod["route"][key])
    assert test["receivers"] == [*prod["receivers"], {"name": MISROUTED_RECEIVER}]
    assert test["route"]["routes"][0] == {"receiver": MISROUTED_RECEIVER, "matchers": ['chaos_control="misrouted"']}
    assert test["route"]["routes"][1:] == prod["route"]["routes"]


def test_production_files_are_not_touched(tmp_path):
    before = {p: p.read_bytes() for p in SOURCES.root.rglob("*.yml")}
    render_test_config(SOURCES, tmp_path, 60)
    assert {p: p.read_bytes() for p in SOURCES.root.rglob("*.yml")} == before


def test_factor_below_one_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="time factor must be >= 1"):
        render_test_config(SOURCES, tmp_path, 0.5)


def test_range_windows_are_read_outside_strings():
    from chaos_harness.timing import range_windows
    assert range_windows('rate(x{p=~"[9m]"}[5m]) + max_over_time(y[10m:1m])') == ["5m", "10m"]


def test_scale_seconds_compresses_a_data_plane_duration_like_the_rules():
    from chaos_harness.timing import scale_seconds
    assert scale_seconds(60, 30) == 2          # the TTL drill: 60 s production -> 2 s
    assert scale_seconds(900, 30) == 30        # the inventory table's baseline TTL
    assert scale_seconds(60, 1) == 60          # a production-timed stack applies it as given
    assert scale_seconds(10, 30) == 1          # never 0 (a TTL of 0 would mean "no TTL")
    with pytest.raises(ConfigError):
        scale_seconds(0, 30)
    with pytest.raises(ConfigError):
        scale_seconds(60, 0.5)


BLACKBOX = {"global": {"scrape_interval": "15s", "scrape_timeout": "10s"},
            "scrape_configs": [{"job_name": "http-probe", "metrics_path": "/probe", "params": {"module": ["http_2xx"]},
                                "static_configs": [{"targets": ["support-service:8000/health"]}]},
                               {"job_name": "app", "static_configs": [{"targets": ["app:8000"]}]}]}


def test_a_blackbox_probe_job_is_refused_when_the_compressed_timeout_leaves_no_probe_time():
    # blackbox_exporter: probe timeout = X-Prometheus-Scrape-Timeout-Seconds - --timeout-offset (0.5 s default);
    # at factor 30 the compressed timeout is 0.5 s: 0 s left, every probe would fail
    with pytest.raises(ConfigError, match=r"'http-probe'.*--timeout-offset below 0.5s"):
        compress_prometheus_config(BLACKBOX, 30)


def test_a_blackbox_probe_job_works_with_a_lower_offset_or_a_smaller_factor():
    config = compress_prometheus_config(BLACKBOX, 30, probe_timeout_offset=0.1)
    assert config["global"]["scrape_timeout"] == "500ms"       # 0.4 s left for the probe
    assert compress_prometheus_config(BLACKBOX, 10)["global"]["scrape_timeout"] == "1500ms"   # 1 s left
    with pytest.raises(ConfigError, match="http-probe"):
        compress_prometheus_config(BLACKBOX, 30, probe_timeout_offset=0.5)
    job = {**BLACKBOX["scrape_configs"][0], "scrape_interval": "15s", "scrape_timeout": "12s"}
    with pytest.raises(ConfigError, match="http-probe"):   # a job's own timeout is compressed the same way
        compress_prometheus_config({**BLACKBOX, "scrape_configs": [job]}, 30)


def test_the_production_config_has_no_probe_job_that_compression_breaks():
    compress_prometheus_config(yaml.safe_load(SOURCES.prometheus_yml.read_text()), 30)
