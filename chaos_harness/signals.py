"""Signal and clearing delays: what a rule's expression needs, beyond the timers, to change state.

The derived bounds are `for` + scrape + evaluation (+ harness overhead) for firing and
window + scrape + evaluation for clearing. Some expressions cannot turn true at the first scrape
after the fault holds (a ratio must fill part of its window, a slow request must complete, a
deriv() must see a slope) or cannot turn false at once after the repair (a backlog drains at the
consumer's rate). A scenario states that extra time as a *function* of the loaded rule and the
run's timing profile, so that the bound is right at any `--time-factor`, and the function
returns its arithmetic so the Timings attachment can print it.

The derivations below read the window, the threshold and the quantile from the loaded (compressed)
rule; the scenario passes only what belongs to the drill (the rate of its traffic, the injected
latency, the uncompressed domain constants such as Cassandra's gossip interval). Delays that are
production durations of the reference services (a reservation TTL, a check interval) are
compressed here with the run's factor, exactly as the services compress them.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Callable

from chaos_harness.errors import ConfigError
from chaos_harness.observe.prometheus import AlertingRule
from chaos_harness.timing import TimingProfile, parse_duration, range_windows, scale_seconds


@dataclass(frozen=True)
class Delay:
    seconds: float
    arithmetic: str = ""        # how `seconds` was derived, e.g. "20% of the 4s window = 0.8s + scrape 0.5s"

    def __str__(self) -> str:
        return f"{self.seconds:g}s ({self.arithmetic})" if self.arithmetic else f"{self.seconds:g}s"


SignalDelay = Callable[[AlertingRule, TimingProfile], Delay]


def no_delay(rule: AlertingRule, profile: TimingProfile) -> Delay:  # noqa: ARG001 - the SignalDelay signature
    return Delay(0.0)


def resolve(delay: "SignalDelay | float", rule: AlertingRule, profile: TimingProfile) -> Delay:
    """A scenario's delay for this rule and profile (a plain number is a constant, kept for old scenarios)."""
    if callable(delay):
        return delay(rule, profile)
    return Delay(float(delay), "constant (not derived)" if delay else "")


def _g(x: float) -> str:
    """A number for the arithmetic text: at most 3 decimals, no trailing zeros, no exponent."""
    x = round(x, 3)
    return str(int(x)) if x == int(x) else f"{x:.3f}".rstrip("0")


# -- what the loaded rule says -----------------------------------------------------------------------
_THRESHOLD = re.compile(r"(?:>=|>|<=|<|==|!=)\s*(?:bool\s+)?([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*\)*\s*$")
_QUANTILE = re.compile(r"histogram_quantile\s*\(\s*([0-9.]+(?:[eE][-+]?\d+)?)\s*,")


def window(rule: AlertingRule) -> float:
    """The longest range window of the loaded (compressed) expression, in seconds."""
    windows = [parse_duration(w) / 1000 for w in range_windows(rule.query)]
    if not windows:
        raise ConfigError(f"{rule.name}: `{rule.query}` has no range window; this derivation needs one")
    return max(windows)


def threshold(rule: AlertingRule) -> float:
    """The constant the expression is finally compared with (`... > 0.05` -> 0.05)."""
    match = _THRESHOLD.search(rule.query.strip())
    if not match:
        raise ConfigError(f"{rule.name}: `{rule.query}` does not end in a comparison with a number")
    return float(match.group(1))


def quantile(rule: AlertingRule) -> float:
    """φ of the expression's histogram_quantile(φ, ...)."""
    match = _QUANTILE.search(rule.query)
    if not match:
        raise ConfigError(f"{rule.name}: `{rule.query}` has no histogram_quantile")
    return float(match.group(1))


# -- combining ----------------------------------------------------------------------------------------
def total(*parts: SignalDelay) -> SignalDelay:
    """Delays that happen one after the other (a TTL must elapse, then a ratio must fill its window)."""
    def delay(rule: AlertingRule, profile: TimingProfile) -> Delay:
        each = [p(rule, profile) for p in parts]
        seconds = round(sum(d.seconds for d in each), 3)
        text = " + ".join(f"({d.arithmetic})" if d.arithmetic else f"{_g(d.seconds)}s" for d in each)
        return Delay(seconds, f"{text} = {_g(seconds)}s")
    return delay


# -- domain time -------------------------------------------------------------------------------------
def domain_time(seconds: float, why: str) -> SignalDelay:
    """Time that passes in the real system, not compressed by the time factor (a failure detector,
    an exporter's measuring loop, a storage engine's whole-second expiry)."""
    def delay(rule: AlertingRule, profile: TimingProfile) -> Delay:  # noqa: ARG001
        return Delay(round(seconds, 3), f"{why}: {_g(seconds)}s (real time, not compressed)")
    return delay


def production_time(seconds: float, why: str, *, whole_seconds: bool = False, minimum: float = 0.0) -> SignalDelay:
    """A production duration that the reference service applies compressed by the run's factor, the way it
    does: divided (at least `minimum`), or rounded to whole seconds like `timing.scale_seconds` (a TTL)."""
    def delay(rule: AlertingRule, profile: TimingProfile) -> Delay:  # noqa: ARG001
        if whole_seconds:
            value = float(scale_seconds(seconds, profile.factor))
            how = f"round({_g(seconds)}s / {_g(profile.factor)})"
        else:
            value = max(minimum, seconds / profile.factor)
            how = f"{_g(seconds)}s / {_g(profile.factor)}"
        return Delay(round(value, 3), f"{why}: {how} = {_g(value)}s")
    return delay


def phi_conviction(phi_threshold: float, heartbeat_interval: float) -> SignalDelay:
    """Cassandra's failure detector (real time): a silent peer is convicted once
    phi = t / mean heartbeat interval / ln 10 exceeds phi_convict_threshold, i.e. after
    t = threshold * ln 10 * interval, and the detector checks once per gossip round (+1 interval)."""
    def delay(rule: AlertingRule, profile: TimingProfile) -> Delay:  # noqa: ARG001
        silent = phi_threshold * math.log(10) * heartbeat_interval
        seconds = round(silent + heartbeat_interval, 1)
        return Delay(seconds, f"phi > {_g(phi_threshold)}: {_g(phi_threshold)} * ln 10 * {_g(heartbeat_interval)}s "
                              f"heartbeats = {_g(silent)}s silent + one gossip round {_g(heartbeat_interval)}s "
                              f"= {_g(seconds)}s (real time, not compressed)")
    return delay


def exporter_round(interval: float, round_seconds: float, exporter: str) -> SignalDelay:
    """An exporter that measures in a background loop (every `interval`, a round taking up to
    `round_seconds`) shows a change once a round that *started* after it has finished: the round in
    flight may have read the old state, the next starts at most max(interval, round) later."""
    def delay(rule: AlertingRule, profile: TimingProfile) -> Delay:  # noqa: ARG001
        seconds = round(max(interval, round_seconds) + round_seconds, 3)
        return Delay(seconds, f"{exporter}: next round starts within max(interval {_g(interval)}s, round "
                              f"{_g(round_seconds)}s) and takes {_g(round_seconds)}s = {_g(seconds)}s (real time)")
    return delay


# -- counters and ratios over a window ---------------------------------------------------------------
def rate_passes(events_per_second: float, what: str, *, uncounted: int = 0, uncounted_why: str = "") -> SignalDelay:
    """`rate(counter[W]) > R` while the drill makes `events_per_second` events: the window must hold more
    than R*W of them, N = floor(R*W) + 1 events, the N-th about N / rate after the fault (a sequential
    client's next call starts within one period). `uncounted` events come first and do not count
    (e.g. sends the rate limiter still lets through)."""
    if events_per_second <= 0:
        raise ConfigError(f"rate_passes: events_per_second must be > 0, got {events_per_second:g}")

    def delay(rule: AlertingRule, profile: TimingProfile) -> Delay:  # noqa: ARG001
        w, r = window(rule), threshold(rule)
        needed = math.floor(r * w) + 1
        seconds = round((uncounted + needed) / events_per_second, 3)
        first = f"{uncounted} {uncounted_why} + " if uncounted else ""
        return Delay(seconds, f"rate over {_g(w)}s > {_g(r)}/s needs > {_g(r * w)} {what} in the window: "
                              f"({first}{needed}) / {_g(events_per_second)} per s = {_g(seconds)}s")
    return delay


def ratio_fills_window(what: str) -> SignalDelay:
    """A ratio of rates over window W (bad / all, with the bad ones arriving at the full rate once the fault
    holds) passes threshold T once a fraction T of the window holds bad events: T * W."""
    def delay(rule: AlertingRule, profile: TimingProfile) -> Delay:  # noqa: ARG001
        w, t = window(rule), threshold(rule)
        if not 0 < t < 1:
            raise ConfigError(f"{rule.name}: ratio threshold {t:g} is not a fraction")
        seconds = round(t * w, 3)
        return Delay(seconds, f"{what} fill {_g(t)} of the {_g(w)}s window = {_g(seconds)}s")
    return delay


def deriv_of_step(slope: float, *, residual: float = 0.0) -> SignalDelay:
    """`deriv(gauge[W]) > X` after the gauge steps from flat to growing at `slope` per second: deriv() is the
    least-squares slope over the window, and with the ramp filling a fraction a of it that slope is
    slope * (3a^2 - 2a^3). It passes X once 3a^2 - 2a^3 > (X + residual) / slope, residual being the
    negative slope the steady state still tolerates (a settled query's bound)."""
    def delay(rule: AlertingRule, profile: TimingProfile) -> Delay:  # noqa: ARG001
        w, x = window(rule), threshold(rule)
        need = (x + residual) / slope
        if not 0 < need < 1:
            raise ConfigError(f"{rule.name}: a slope of {slope:g}/s can never pass {x:g}/s (+{residual:g})")
        lo, hi = 0.0, 1.0
        for _ in range(60):      # 3a^2 - 2a^3 rises monotonically on [0, 1]
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if 3 * mid ** 2 - 2 * mid ** 3 < need else (lo, mid)
        seconds = round(hi * w, 3)
        extra = f" + {_g(residual)}" if residual else ""
        return Delay(seconds, f"deriv over {_g(w)}s of a step to {_g(slope)}/s passes {_g(x)}{extra} once "
                              f"3a^2-2a^3 > {_g(need)}: a = {_g(hi)} of the window = {_g(seconds)}s")
    return delay


def slow_requests_pass_quantile(request_rate: float, slow_seconds: float) -> SignalDelay:
    """`histogram_quantile(q, rate(..._bucket[W])) > L` while a sequential client (nominally `request_rate`
    per second, one call at a time) meets a dependency that now takes `slow_seconds` (> L): a slow request
    is observed only when it completes, the k-th at 1/rate + k * slow after the fault (the client
    waits for each). The quantile passes L once slow observations are more than 1 - q of the window's:
    with r(W - t) fast ones still in it, k slow ones suffice from t > W - q*k / ((1 - q) * r).
    The delay is the earliest t over k."""
    def delay(rule: AlertingRule, profile: TimingProfile) -> Delay:  # noqa: ARG001
        w, q, limit = window(rule), quantile(rule), threshold(rule)
        if slow_seconds <= limit:
            raise ConfigError(f"{rule.name}: requests of {slow_seconds:g}s never pass the {limit:g}s threshold")
        period, best = 1 / request_rate, None
        for k in range(1, math.ceil(w / slow_seconds) + 2):
            completed = period + k * slow_seconds
            fast_gone = w - q * k / ((1 - q) * request_rate)
            t = max(completed, fast_gone)
            if best is None or t < best[0]:
                best = (t, k, completed, fast_gone)
        t, k, completed, fast_gone = best
        seconds = round(t, 3)
        why = (f"the {k}. slow request completes at {_g(period)}s + {k} * {_g(slow_seconds)}s = {_g(completed)}s"
               + (f", by then few enough fast ones are left in the window ({_g(max(fast_gone, 0))}s)"
                  if completed >= fast_gone else
                  f", then {_g(request_rate)}/s fast ones must leave the {_g(w)}s window until "
                  f"{k} > {_g(1 - q)} of all: W - {_g(q)}*{k}/({_g(1 - q)}*{_g(request_rate)}) = {_g(fast_gone)}s"))
        return Delay(seconds, f"p{_g(q * 100)} over {_g(w)}s passes {_g(limit)}s: {why}")
    return delay


def request_in_flight(seconds: float, what: str) -> SignalDelay:
    """Clearing: a request that started before the repair still takes the injected time to complete (and
    is observed then)."""
    def delay(rule: AlertingRule, profile: TimingProfile) -> Delay:  # noqa: ARG001
        return Delay(round(seconds, 3), f"{what} started before the repair completes within {_g(seconds)}s")
    return delay


def backlog_drains(backlog: Callable[[TimingProfile], float], drain_per_second: float, what: str) -> SignalDelay:
    """Clearing: a backlog above the threshold drains at the consumer's net rate: (backlog - T) / rate."""
    def delay(rule: AlertingRule, profile: TimingProfile) -> Delay:
        t, b = threshold(rule), backlog(profile)
        seconds = round(max(0.0, b - t) / drain_per_second, 3)
        return Delay(seconds, f"{what}: ({_g(b)} - {_g(t)}) / {_g(drain_per_second)} per s = {_g(seconds)}s")
    return delay


def restarts_pass(restart_delay: float, attempt_seconds: float, what: str) -> SignalDelay:
    """`increase(restarts[W]) > T` for a job that fails on every attempt: the window must hold N = floor(T) + 1
    restarts. The first has happened when the fault holds (its failure is what `in_effect` observes); each
    further one takes the restart strategy's delay plus an attempt (deploy, restore, fail again), both real
    time. A job that cannot restart N times within the window never fires: a config error."""
    def delay(rule: AlertingRule, profile: TimingProfile) -> Delay:  # noqa: ARG001
        w, t = window(rule), threshold(rule)
        needed = math.floor(t) + 1
        cycle = restart_delay + attempt_seconds
        if needed * cycle > w:
            raise ConfigError(f"{rule.name}: {needed} restarts of {cycle:g}s each never fit the {w:g}s window")
        seconds = round((needed - 1) * cycle, 3)
        return Delay(seconds, f"increase over {_g(w)}s > {_g(t)} needs {needed} {what}; the first when the fault "
                              f"holds, {needed - 1} more * (restart delay {_g(restart_delay)}s + attempt "
                              f"{_g(attempt_seconds)}s) = {_g(seconds)}s (real time)")
    return delay


def success_leaves_window(elapsed: float, what: str) -> SignalDelay:
    """`increase(failures[W]) > 0 and increase(successes[W]) == 0`: failures alone do not fire; the last success
    must leave the window too. When the fault holds (a failure observed), at least `elapsed` has passed since
    that success (a failed attempt started after it and ran that long), so W - elapsed remain (real time)."""
    def delay(rule: AlertingRule, profile: TimingProfile) -> Delay:  # noqa: ARG001
        w = window(rule)
        seconds = round(max(0.0, w - elapsed), 3)
        return Delay(seconds, f"the last {what} leaves the {_g(w)}s window: {_g(w)}s - the {_g(elapsed)}s a failed "
                              f"attempt ran since it = {_g(seconds)}s")
    return delay


def last_increase_leaves_window(what: str) -> SignalDelay:
    """`increase(counter[W]) == 0` once the counter stands still: the samples of its last increase must leave
    the window, W after the last change (compressed, read from the loaded rule)."""
    def delay(rule: AlertingRule, profile: TimingProfile) -> Delay:  # noqa: ARG001
        w = window(rule)
        return Delay(round(w, 3), f"the last {what} leaves the {_g(w)}s window: {_g(w)}s")
    return delay


def scheduled_run(period: float, run_seconds: float, what: str) -> SignalDelay:
    """A change reaches the metric only through a scheduled batch job that reads its source first and pushes at
    its end (a DAG): a run in progress may have read before the change, so it ends first (one run), then the next
    starts within a period (a production duration, compressed by the run's factor like the schedule) and takes a
    run. Runs take real time (the scheduler's and the tasks' latency, measured; not compressed)."""
    def delay(rule: AlertingRule, profile: TimingProfile) -> Delay:  # noqa: ARG001
        compressed = period / profile.factor
        seconds = round(run_seconds + compressed + run_seconds, 3)
        return Delay(seconds, f"{what}: a run in progress {_g(run_seconds)}s + the period {_g(period)}s / "
                              f"{_g(profile.factor)} = {_g(compressed)}s + the next run {_g(run_seconds)}s "
                              f"(runs in real time) = {_g(seconds)}s")
    return delay
