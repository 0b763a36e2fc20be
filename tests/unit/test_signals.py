"""Signal and clear delays (chaos_harness/signals.py): derived from the loaded rule and the timing profile,
right at any time factor. No containers: the rules are the production files compressed like the stack's."""
from __future__ import annotations

import math

import pytest
import yaml

from chaos_harness import registry as scenarios
from chaos_harness import signals
from chaos_harness.errors import ConfigError
from chaos_harness.observe.prometheus import AlertingRule
from fixtures import ROOT
from chaos_harness.timing import TimingProfile, compress_rules, parse_duration, scale

RULES_DIR = ROOT / "stack" / "monitoring" / "prometheus" / "rules"


def profile(factor: float) -> TimingProfile:
    s = parse_duration(scale("15s", factor)) / 1000
    return TimingProfile(factor=factor, scrape_interval=s, scrape_timeout=s, evaluation_interval=s,
                         resend_delay=60 / factor, group_wait=30 / factor, group_interval=120 / factor)


def rule(query: str, name: str = "TestAlert", duration: float = 4.0) -> AlertingRule:
    return AlertingRule(name, query, duration, {}, {}, "inactive", "ok", "", "test")


def loaded_rule(alert: str, factor: float) -> AlertingRule:
    """The production rule compressed at `factor`, as the test stack's Prometheus loads it."""
    for path in sorted(RULES_DIR.glob("*.yml")):
        for group in compress_rules(yaml.safe_load(path.read_text()), factor)["groups"]:
            for r in group["rules"]:
                if r.get("alert") == alert:
                    return rule(str(r["expr"]), alert, parse_duration(r.get("for", "0s")) / 1000)
    raise KeyError(alert)


# -- reading the rule ---------------------------------------------------------------------------------
def test_window_threshold_and_quantile_come_from_the_loaded_expression():
    r = rule('histogram_quantile(0.95, sum by (le) (rate(x_bucket{source="remote"}[10s]))) > 2')
    assert signals.window(r) == 10.0
    assert signals.threshold(r) == 2.0
    assert signals.quantile(r) == 0.95
    assert signals.threshold(rule("sum(rate(a[4s])) / clamp_min(sum(rate(b[4s])), 1e-09) > 0.2")) == 0.2
    assert signals.threshold(rule("max(deriv(x[10s])) > 262144\n")) == 262144
    assert signals.window(rule("rate(a[2s]) > 1 and rate(b[1500ms]) > 1")) == 2.0


def test_a_rule_without_what_a_derivation_needs_is_a_config_error():
    with pytest.raises(ConfigError, match="no range window"):
        signals.window(rule("up == 0"))
    with pytest.raises(ConfigError, match="comparison"):
        signals.threshold(rule("rate(a[4s])"))
    with pytest.raises(ConfigError, match="histogram_quantile"):
        signals.quantile(rule("rate(a[4s]) > 1"))


# -- derivations --------------------------------------------------------------------------------------
@pytest.mark.parametrize("factor, window, expected", [(30, "4s", 0.6), (10, "12s", 1.4), (60, "2s", 0.4)])
def test_rate_passes_after_more_than_rate_times_window_events(factor, window, expected):
    # > 0.5/s over W: floor(0.5 W) + 1 opt-outs at 5/s
    delay = signals.rate_passes(5, "opt-outs")(rule(f"sum(rate(opt_out_total[{window}])) > 0.5"), profile(factor))
    assert delay.seconds == expected
    assert "opt-outs" in delay.arithmetic


def test_rate_passes_counts_the_uncounted_events_first():
    # 40 sends let through, then > 1/s over 4 s: 5 drops; at 20/s
    delay = signals.rate_passes(20, "drops", uncounted=40, uncounted_why="sends let through")(
        rule("sum(rate(dropped_total[4s])) > 1"), profile(30))
    assert delay.seconds == 2.25
    assert "(40 sends let through + 5) / 20" in delay.arithmetic


def test_a_ratio_passes_once_its_threshold_fraction_of_the_window_holds_failures():
    r = rule("sum(rate(failed[4s])) / clamp_min(sum(rate(sent[4s])) + sum(rate(failed[4s])), 1e-09) > 0.2")
    assert signals.ratio_fills_window("failures")(r, profile(30)).seconds == 0.8
    with pytest.raises(ConfigError, match="not a fraction"):
        signals.ratio_fills_window("x")(rule("sum(rate(a[4s])) / sum(rate(b[4s])) > 2"), profile(30))


def test_deriv_of_a_step_matches_the_least_squares_slope_of_a_sampled_ramp():
    slope, limit, w = 2 * 1024 * 1024, 262144, 10.0
    delay = signals.deriv_of_step(slope)(rule(f"max(deriv(backlog[{w:g}s])) > {limit}"), profile(30))
    # independent check: least-squares slope of samples every 0.01 s, flat then ramping for `delay` s
    xs = [i * 0.01 for i in range(int(w / 0.01) + 1)]
    ys = [slope * max(0.0, x - (w - delay.seconds)) for x in xs]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    fitted = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
    assert fitted == pytest.approx(limit, rel=0.02)
    assert delay.seconds == pytest.approx(2.21, abs=0.01)    # "the ramp needs ~2.2 s"


def test_deriv_of_a_step_includes_the_tolerated_residual_slope_and_scales_with_the_window():
    at = {f: signals.deriv_of_step(2097152, residual=16384)(rule(f"max(deriv(b[{w}])) > 262144"), profile(f)).seconds
          for f, w in ((30, "10s"), (10, "30s"))}
    assert at == {30: pytest.approx(2.285, abs=0.005), 10: pytest.approx(6.856, abs=0.005)}
    with pytest.raises(ConfigError, match="never pass"):
        signals.deriv_of_step(100_000)(rule("max(deriv(b[10s])) > 262144"), profile(30))


@pytest.mark.parametrize("factor, window, expected", [(30, "10s", 3.667), (10, "30s", 10.333), (60, "5s", 2.833)])
def test_slow_requests_pass_a_quantile_once_they_outnumber_its_tail(factor, window, expected):
    r = rule(f'histogram_quantile(0.95, sum by (le) (rate(collect_bucket{{source="remote"}}[{window}]))) > 2')
    delay = signals.slow_requests_pass_quantile(request_rate=3, slow_seconds=2.5)(r, profile(factor))
    assert delay.seconds == pytest.approx(expected, abs=0.001)
    # brute force: the first instant (0.001 s steps) the slow share of the window passes 5 %
    t = 0.0
    while True:
        t += 0.001
        slow = max(0, math.floor((t - 1 / 3) / 2.5 + 1e-9))
        fast = 3 * max(0.0, parse_duration(window) / 1000 - t)
        if slow and slow / (slow + fast) > 0.05:
            break
    assert delay.seconds == pytest.approx(t, abs=0.002)


def test_requests_that_cannot_pass_the_latency_threshold_are_a_config_error():
    r = rule('histogram_quantile(0.95, sum by (le) (rate(collect_bucket[10s]))) > 2')
    with pytest.raises(ConfigError, match="never pass"):
        signals.slow_requests_pass_quantile(3, 1.5)(r, profile(30))


def test_domain_time_is_not_compressed_and_production_time_is():
    r = rule("max(x) > 0")
    assert signals.domain_time(1.0, "expiry")(r, profile(30)).seconds == 1.0
    assert signals.domain_time(1.0, "expiry")(r, profile(10)).seconds == 1.0
    assert signals.production_time(60, "TTL", whole_seconds=True)(r, profile(30)).seconds == 2
    assert signals.production_time(60, "TTL", whole_seconds=True)(r, profile(7)).seconds == 9   # round(8.57)
    assert signals.production_time(15, "check", minimum=0.1)(r, profile(30)).seconds == 0.5
    assert signals.production_time(15, "check", minimum=0.1)(r, profile(300)).seconds == 0.1


def test_phi_conviction_is_cassandras_real_time_arithmetic():
    delay = signals.phi_conviction(5, 1.0)(rule("max(down) > 0"), profile(10))
    assert delay.seconds == 12.5    # 5 * ln 10 * 1 s = 11.51 s + one gossip round
    assert "ln 10" in delay.arithmetic


def test_exporter_round_waits_for_a_round_that_started_after_the_change():
    assert signals.exporter_round(0.5, 0.3, "cdc-exporter")(rule("x > 0"), profile(30)).seconds == 0.8
    assert signals.exporter_round(0.5, 0.8, "cdc-exporter")(rule("x > 0"), profile(30)).seconds == 1.6


def test_restarts_pass_counts_the_restarts_after_the_first_and_refuses_a_window_they_cannot_fill():
    r = rule("(increase(flink_jobmanager_job_numRestarts[20s]) and on (job_id) flink_jobmanager_job_numRestarts) > 3")
    delay = signals.restarts_pass(1.0, 1.5, "restarts")(r, profile(30))
    assert delay.seconds == 7.5          # 4 restarts needed, 3 after the first, 2.5 s each
    assert "needs 4 restarts" in delay.arithmetic
    with pytest.raises(ConfigError, match="never fit the 20s window"):
        signals.restarts_pass(1.0, 5.0, "restarts")(r, profile(30))


def test_success_leaves_window_waits_for_the_rest_of_the_window_after_a_failed_attempt():
    r = rule("(increase(flink_jobmanager_job_numberOfFailedCheckpoints[10s]) > 0) and on (job_id) "
             "(increase(flink_jobmanager_job_numberOfCompletedCheckpoints[10s]) == 0)")
    delay = signals.success_leaves_window(5.0, "completed checkpoint")(r, profile(30))
    assert delay.seconds == 5.0          # 10 s window, 5 s of it spent by the checkpoint that expired
    assert "last completed checkpoint leaves the 10s window" in delay.arithmetic
    assert signals.success_leaves_window(12.0, "completed checkpoint")(r, profile(30)).seconds == 0


def test_last_increase_leaves_the_whole_window():
    r = rule("increase(o2o_orders_ingested_total[20s]) == 0")
    delay = signals.last_increase_leaves_window("ingested order")(r, profile(30))
    assert delay.seconds == 20.0 and "the last ingested order leaves the 20s window" in delay.arithmetic


def test_a_scheduled_run_waits_for_the_run_in_progress_the_period_and_the_next_run():
    delay = signals.scheduled_run(60.0, 8.0, "the DAG run")(rule("x > 0"), profile(30))
    assert delay.seconds == 18.0          # 8 s in progress + 60 s / 30 + 8 s: runs are real time
    assert signals.scheduled_run(60.0, 8.0, "the DAG run")(rule("x > 0"), profile(10)).seconds == 22.0
    assert "a run in progress 8s + the period 60s / 30 = 2s + the next run 8s" in delay.arithmetic


def test_total_adds_delays_and_keeps_each_arithmetic():
    combined = signals.total(signals.domain_time(1.0, "a"), signals.ratio_fills_window("b"))
    delay = combined(rule("sum(rate(e[10s])) / sum(rate(c[10s])) > 0.05"), profile(30))
    assert delay.seconds == 1.5
    assert "a: 1s" in delay.arithmetic and "b fill 0.05 of the 10s window" in delay.arithmetic


def test_a_constant_still_resolves_and_says_it_was_not_derived():
    assert signals.resolve(1.3, rule("x > 0"), profile(30)) == signals.Delay(1.3, "constant (not derived)")
    assert signals.resolve(signals.no_delay, rule("x > 0"), profile(30)).seconds == 0


# -- the scenarios ------------------------------------------------------------------------------------
def test_every_scenario_derives_its_delays():
    constants = {s.id for s in scenarios.all_scenarios()
                 for d in (s.signal_delay, s.clear_delay) if not callable(d)}
    assert constants == set(), "scenarios with constant delays (derive them in chaos_harness/signals.py)"


# scenarios whose signal is made of real-time events that a faster factor's window cannot hold: above this factor
# the harness refuses them with a ConfigError naming the window, before any stack starts
HIGHEST_FACTOR = {"flink_job_restarting": 30}   # 4 restarts of 4 s (1 s delay + a 3 s attempt) vs 10 s at factor 60


@pytest.mark.parametrize("factor", [10, 30, 60])
@pytest.mark.parametrize("scenario", scenarios.all_scenarios(), ids=lambda s: s.id)
def test_scenario_delays_resolve_against_their_production_rule_at_any_factor(scenario, factor):
    r = loaded_rule(scenario.alert, factor)
    if factor > HIGHEST_FACTOR.get(scenario.id, factor):
        with pytest.raises(ConfigError, match="never fit the 10s window"):
            signals.resolve(scenario.signal_delay, r, profile(factor))
        return
    for delay in (scenario.signal_delay, scenario.clear_delay):
        resolved = signals.resolve(delay, r, profile(factor))
        assert resolved.seconds >= 0
        assert resolved.seconds == 0 or resolved.arithmetic


EXPECTED = {   # scenario: (signal delay at factor 30, at factor 10), seconds, as the docstrings derive them
    "support_timeline_latency": (3.667, 10.333),
    "support_timeline_collection_failures": (0.333, 0.667),
    "support_timeline_cache_errors": (0.2, 0.4),
    "support_attachment_growth": (2.285, 6.856),
    "notification_opt_out_spike": (0.6, 1.4),
    "notification_rate_limited_burst": (2.25, 2.65),
    "notification_redis_outage": (0.35, 0.45),
    "cassandra_ttl_oversell": (4.0, 10.0),
    "cassandra_node_down": (12.5, 12.5),
    "kafka_consumer_backlog": (1.0, 1.0),
    "cdc_schema_drift": (2.6, 2.6),
    "flink_job_restarting": (12.0, 12.0),
    # a run in progress 8 s + the 60 s period (2 s / 6 s) + the next run 8 s, then the 10m window (20 s / 60 s)
    "o2o_no_new_orders": (46.0, 90.0),
}


@pytest.mark.parametrize("scenario_id", sorted(EXPECTED))
def test_derived_signal_delays_match_the_scenario_docstrings(scenario_id):
    s = scenarios.load(scenario_id)
    got = tuple(signals.resolve(s.signal_delay, loaded_rule(s.alert, f), profile(f)).seconds for f in (30, 10))
    assert got == pytest.approx(EXPECTED[scenario_id], abs=0.03)
