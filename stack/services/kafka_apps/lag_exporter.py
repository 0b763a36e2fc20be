"""Kafka consumer-group lag exporter (kafka_exporter's metric names), read from the broker.

The Go kafka_exporter cannot be built here, so this small exporter asks the broker, on every
scrape, for each group's committed offsets and each partition's end offset:
  kafka_consumergroup_current_offset{consumergroup,topic,partition}
  kafka_consumergroup_lag{consumergroup,topic,partition}      end offset - committed offset
  kafka_consumergroup_lag_sum{consumergroup,topic}
  kafka_topic_partition_current_offset{topic,partition}
Lag is measured at the broker, so it keeps growing when the consumer is stopped or frozen
(a consumer's own records-lag metric disappears with it).
"""
from __future__ import annotations

import os
import threading
import time

from kafka import KafkaAdminClient, KafkaConsumer
from prometheus_client import REGISTRY, start_http_server
from prometheus_client.core import GaugeMetricFamily

BOOTSTRAP = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "kafka:9092")
PORT = int(os.environ.get("PORT", "9308"))


class LagCollector:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._admin: KafkaAdminClient | None = None
        self._consumer: KafkaConsumer | None = None

    def _clients(self) -> tuple[KafkaAdminClient, KafkaConsumer]:
        if self._admin is None:
            self._admin = KafkaAdminClient(bootstrap_servers=BOOTSTRAP, request_timeout_ms=3000)
            self._consumer = KafkaConsumer(bootstrap_servers=BOOTSTRAP, request_timeout_ms=3000)
        return self._admin, self._consumer

    def collect(self):
        up = GaugeMetricFamily("kafka_lag_exporter_up", "1 when the last broker query succeeded")
        current = GaugeMetricFamily("kafka_consumergroup_current_offset", "committed offset",
                                    labels=["consumergroup", "topic", "partition"])
        lag = GaugeMetricFamily("kafka_consumergroup_lag", "end offset minus committed offset",
                                labels=["consumergroup", "topic", "partition"])
        lag_sum = GaugeMetricFamily("kafka_consumergroup_lag_sum", "lag summed over partitions",
                                    labels=["consumergroup", "topic"])
        end = GaugeMetricFamily("kafka_topic_partition_current_offset", "end offset", labels=["topic", "partition"])
        seconds = GaugeMetricFamily("kafka_lag_exporter_scrape_seconds", "time to query the broker")
        started = time.time()
        with self._lock:
            try:
                admin, consumer = self._clients()
                groups = [g["group_id"] for g in admin.list_groups()]   # kafka-python 3.x names
                committed = admin.list_group_offsets(groups) if groups else {}
                partitions = {tp for offsets in committed.values() for tp in offsets}
                ends = consumer.end_offsets(list(partitions)) if partitions else {}
                for tp, offset in ends.items():
                    end.add_metric([tp.topic, str(tp.partition)], offset)
                for group, offsets in committed.items():
                    totals: dict[str, int] = {}
                    for tp, meta in offsets.items():
                        behind = max(0, ends.get(tp, meta.offset) - meta.offset)
                        current.add_metric([group, tp.topic, str(tp.partition)], meta.offset)
                        lag.add_metric([group, tp.topic, str(tp.partition)], behind)
                        totals[tp.topic] = totals.get(tp.topic, 0) + behind
                    for topic, total in totals.items():
                        lag_sum.add_metric([group, topic], total)
                up.add_metric([], 1)
            except Exception as exc:  # noqa: BLE001 - exported as up=0, reconnect next scrape
                print(f"lag exporter: broker query failed: {type(exc).__name__}: {exc}", flush=True)
                self._admin = self._consumer = None
                up.add_metric([], 0)
        seconds.add_metric([], time.time() - started)
        yield from (up, current, lag, lag_sum, end, seconds)


if __name__ == "__main__":
    REGISTRY.register(LagCollector())
    start_http_server(PORT)
    print(f"kafka lag exporter on :{PORT}, broker {BOOTSTRAP}", flush=True)
    threading.Event().wait()
