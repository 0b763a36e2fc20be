"""Kafka consumer-group lag exporter (kafka_exporter's metric names), read from the broker.

The Go kafka_exporter cannot be built here, so this small exporter asks the broker for each group's
committed offsets and each partition's end offset:
  kafka_consumergroup_current_offset{consumergroup,topic,partition}
  kafka_consumergroup_lag{consumergroup,topic,partition}      end offset - committed offset
  kafka_consumergroup_lag_sum{consumergroup,topic}
  kafka_topic_partition_current_offset{topic,partition}
  kafka_lag_exporter_up                                       1 when the last round succeeded and is fresh
  kafka_lag_exporter_measure_seconds                          how long the last round took
Lag is measured at the broker, so it keeps growing when the consumer is stopped or frozen
(a consumer's own records-lag metric disappears with it).

A round (three broker requests) took 0.04 s (median) but up to 0.66 s on the loaded 2-core machine, and
a scrape that waited for it - or for the healthcheck's own round holding the lock - missed the compressed
0.5 s scrape timeout: the lag series went stale and the alert's `for` restarted. So, like the CDC
exporter, a background thread measures every LAG_MEASURE_INTERVAL_SECONDS (0.5 s) and a scrape serves
the last successful round (numbers older than LAG_STALE_AFTER_SECONDS are not exported: one failed round
does not make the series vanish); GET /health says whether that round is fresh, without a query of its own.
"""
from __future__ import annotations

import os
import time

from kafka import KafkaAdminClient, KafkaConsumer
from prometheus_client.core import GaugeMetricFamily

from kafka_apps import measuring

BOOTSTRAP = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "kafka:9092")
PORT = int(os.environ.get("PORT", "9308"))
MEASURE_INTERVAL = float(os.environ.get("LAG_MEASURE_INTERVAL_SECONDS", "0.5"))
STALE_AFTER = float(os.environ.get("LAG_STALE_AFTER_SECONDS", "10"))   # older numbers are not exported


class Measure:
    """One round: groups, their committed offsets, the partitions' end offsets."""

    def __init__(self) -> None:
        self._admin: KafkaAdminClient | None = None
        self._consumer: KafkaConsumer | None = None

    def _clients(self) -> tuple[KafkaAdminClient, KafkaConsumer]:
        if self._admin is None:
            self._admin = KafkaAdminClient(bootstrap_servers=BOOTSTRAP, request_timeout_ms=3000)
            self._consumer = KafkaConsumer(bootstrap_servers=BOOTSTRAP, request_timeout_ms=3000)
        return self._admin, self._consumer

    def measure(self) -> dict:
        try:
            admin, consumer = self._clients()
            groups = [g["group_id"] for g in admin.list_groups()]   # kafka-python 3.x names
            committed = admin.list_group_offsets(groups) if groups else {}
            partitions = {tp for offsets in committed.values() for tp in offsets}
            ends = consumer.end_offsets(list(partitions)) if partitions else {}
        except Exception:
            self._admin = self._consumer = None    # reconnect next round
            raise
        return {"ends": {(tp.topic, tp.partition): offset for tp, offset in ends.items()},
                "committed": {group: {(tp.topic, tp.partition): meta.offset for tp, meta in offsets.items()}
                              for group, offsets in committed.items()}}


class Measurer(measuring.Measurer):
    """Measures in a loop and keeps the last successful round (with measuredAt and measureSeconds)."""

    def __init__(self, interval: float = MEASURE_INTERVAL) -> None:
        super().__init__(Measure().measure, interval, "lag exporter")

    def snapshot(self) -> tuple[bool, bool, dict | None]:
        """(the last round succeeded, the last successful round is fresh, that round)."""
        last, error = self.state()
        return error is None and last is not None, last is not None and time.time() - last["measuredAt"] < STALE_AFTER, last


class LagCollector:
    def __init__(self, measurer: Measurer) -> None:
        self.measurer = measurer

    def collect(self):
        up = GaugeMetricFamily("kafka_lag_exporter_up", "1 when the last broker round succeeded and is fresh")
        current = GaugeMetricFamily("kafka_consumergroup_current_offset", "committed offset",
                                    labels=["consumergroup", "topic", "partition"])
        lag = GaugeMetricFamily("kafka_consumergroup_lag", "end offset minus committed offset",
                                labels=["consumergroup", "topic", "partition"])
        lag_sum = GaugeMetricFamily("kafka_consumergroup_lag_sum", "lag summed over partitions",
                                    labels=["consumergroup", "topic"])
        end = GaugeMetricFamily("kafka_topic_partition_current_offset", "end offset", labels=["topic", "partition"])
        seconds = GaugeMetricFamily("kafka_lag_exporter_measure_seconds", "time the last broker round took")
        ok, fresh, m = self.measurer.snapshot()
        up.add_metric([], 1 if ok and fresh else 0)
        if fresh:                   # stale numbers are not exported: the series go absent instead
            seconds.add_metric([], m["measureSeconds"])
            for (topic, partition), offset in m["ends"].items():
                end.add_metric([topic, str(partition)], offset)
            for group, offsets in m["committed"].items():
                totals: dict[str, int] = {}
                for (topic, partition), offset in offsets.items():
                    behind = max(0, m["ends"].get((topic, partition), offset) - offset)
                    current.add_metric([group, topic, str(partition)], offset)
                    lag.add_metric([group, topic, str(partition)], behind)
                    totals[topic] = totals.get(topic, 0) + behind
                for topic, total in totals.items():
                    lag_sum.add_metric([group, topic], total)
        yield from (up, current, lag, lag_sum, end, seconds)


def serve(measurer: Measurer, port: int) -> None:
    """GET /metrics (the last round, Prometheus text) and GET /health (200 while that round is fresh)."""
    def health() -> tuple[bytes, str, int]:
        _, fresh, _ = measurer.snapshot()
        return (b"ok\n" if fresh else b"no fresh broker round\n"), "text/plain", 200 if fresh else 503
    measuring.serve(port, LagCollector(measurer), {"/health": health})


if __name__ == "__main__":
    measurer = Measurer()
    measurer.start()
    print(f"kafka lag exporter on :{PORT}, broker {BOOTSTRAP}, measuring every {MEASURE_INTERVAL}s", flush=True)
    serve(measurer, PORT)
