"""fulfillment_lag_minutes is an observed delay (the oldest waiting label's age), and the scenario's signal delay
follows the rule's threshold and the run's time factor. No containers: the service's backlog monitor runs on
a fake bucket listing."""
import sys
import time

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from chaos_harness.errors import ConfigError
from chaos_harness.faults import fault_from_description
from chaos_harness.faults.fulfillment import LabelWorkerStalled
from chaos_harness.observe.prometheus import AlertingRule
from chaos_harness.services import metric_value
from fixtures import ROOT
from chaos_harness.timing import TimingProfile

sys.path.append(str(ROOT / "stack" / "services"))   # the reference services' packages (commerce, common)
from commerce.artifacts import FulfillmentArtifacts, LabelWorker, Waiting  # noqa: E402

from scenarios.fulfillment_delay import lag_must_age_past_threshold, lag_threshold, scenario  # noqa: E402


def _rule(query="max by (bucket) (max_over_time(fulfillment_lag_minutes[2s])) > 10") -> AlertingRule:
    return AlertingRule("FulfillmentDelay", query, 10.0, {}, {}, "inactive", "ok", "", "fulfillment")


def _profile(factor: float) -> TimingProfile:
    return TimingProfile(factor, 15 / factor, 15 / factor, 15 / factor, 60 / factor, 30 / factor, 120 / factor)


@pytest.mark.parametrize("factor,seconds", [(30, 18.0), (10, 58.0), (1, 598.0)])
def test_signal_delay_is_the_threshold_in_real_seconds_minus_what_the_labels_already_waited(factor, seconds):
    delay = lag_must_age_past_threshold(_rule(), _profile(factor))
    assert delay.seconds == seconds
    assert f"10 x 60 / factor {factor:g}" in delay.arithmetic and "2s" in delay.arithmetic


def test_the_scenario_uses_the_derived_signal_delay_and_a_fault_that_round_trips_the_ledger():
    assert scenario.signal_delay is lag_must_age_past_threshold
    assert isinstance(scenario.fault, LabelWorkerStalled)
    assert fault_from_description(scenario.fault.describe()) == scenario.fault


def test_a_rule_without_a_threshold_is_a_config_error():
    assert lag_threshold(_rule("fulfillment_lag_minutes > 12.5")) == 12.5
    with pytest.raises(ConfigError, match="expected `<lag expression> > <minutes>`"):
        lag_threshold(_rule("fulfillment_lag_minutes"))


class _Bucket:
    """A fake ArtifactStore: what waits is set by the test."""
    bucket, endpoint, factor = "fulfillment-artifacts", "minio:9000", 30.0

    def __init__(self, items):
        self.items = items

    def ensure_bucket(self):
        pass

    def waiting(self):
        return sorted(self.items, key=lambda w: w.uploaded)

    def move_to_ready(self, item):
        self.items.remove(item)
        return f"ready/{item.order}/x.pdf"


class _Log:
    def info(self, *a, **k):
        pass

    warning = info


def _exposition(artifacts: FulfillmentArtifacts, registry: CollectorRegistry) -> str:
    artifacts.refresh()
    return generate_latest(registry).decode()


def test_lag_is_the_age_of_the_oldest_waiting_label_not_its_declared_hold(tmp_path):
    now = time.time()
    bucket = _Bucket([Waiting("pending/o1/a.pdf", "pending/", "o1", 100, now - 40, None),
                      Waiting("chaos/fulfillment-delay/o2/b.pdf", "chaos/fulfillment-delay/", "o2", 50, now - 4,
                              now + 3600)])   # held for an hour: its hold says nothing about the lag
    registry = CollectorRegistry()
    text = _exposition(FulfillmentArtifacts(bucket, tmp_path, _Log(), registry=registry), registry)
    assert metric_value(text, "fulfillment_lag_minutes") == pytest.approx(40 * 30 / 60, abs=0.1)   # 20 min
    assert metric_value(text, "fulfillment_artifacts_held_objects") == 1
    assert metric_value(text, "fulfillment_artifacts_backlog_objects", {"prefix": "pending/"}) == 1
    assert metric_value(text, "fulfillment_artifacts_backlog_bytes") == 150


def test_a_held_label_lag_grows_with_its_real_age_and_the_worker_skips_it(tmp_path):
    now = time.time()
    held = Waiting("chaos/fulfillment-delay/o2/b.pdf", "chaos/fulfillment-delay/", "o2", 50, now - 4, now + 3600)
    later = Waiting("pending/o2/c.pdf", "pending/", "o2", 10, now - 1, None)    # blocked behind the hold
    other = Waiting("pending/o3/d.pdf", "pending/", "o3", 10, now - 2, None)
    bucket = _Bucket([held, later, other])
    worker = LabelWorker(bucket, tmp_path, _Log())
    assert worker.process_once() == 1 and bucket.items == [held, later]
    registry = CollectorRegistry()
    artifacts = FulfillmentArtifacts(bucket, tmp_path, _Log(), registry=registry)
    assert metric_value(_exposition(artifacts, registry), "fulfillment_lag_minutes") == pytest.approx(2.0, abs=0.1)
    bucket.items[0] = Waiting(held.key, held.prefix, held.order, held.size, now - 30, held.hold)   # 26 s later
    assert metric_value(_exposition(artifacts, registry), "fulfillment_lag_minutes") == pytest.approx(15.0, abs=0.1)


def test_no_waiting_label_is_no_lag_and_the_worker_counters_come_from_its_state_file(tmp_path):
    bucket = _Bucket([])
    worker = LabelWorker(bucket, tmp_path, _Log())
    worker.processed, worker.errors = 7, 2
    worker._write_state()
    registry = CollectorRegistry()
    text = _exposition(FulfillmentArtifacts(bucket, tmp_path, _Log(), registry=registry), registry)
    assert metric_value(text, "fulfillment_lag_minutes") == 0
    assert metric_value(text, "fulfillment_labels_processed_total") == 7
    assert metric_value(text, "fulfillment_label_worker_errors_total") == 2
    assert metric_value(text, "fulfillment_artifacts_store_up") == 1
