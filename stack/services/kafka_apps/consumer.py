"""order-processor: a real Kafka consumer (group `order-processor`) that processes `orders` events.

Commits offsets after each batch; a stopped, paused or slow instance leaves lag behind, which
the lag exporter reads from the broker. /health says whether it is assigned partitions.
"""
from __future__ import annotations

import threading
import time

from kafka import KafkaConsumer
from kafka.errors import KafkaError
from prometheus_client import Counter, Gauge

from common.service import create_app, structured_logger
from kafka_apps import settings

log = structured_logger("order-processor")
CONSUMED = Counter("order_events_consumed_total", "orders events processed", ["topic"])
ASSIGNED = Gauge("order_consumer_assigned_partitions", "partitions assigned to this consumer")
_state = {"assigned": 0, "error": ""}


def _consume_forever() -> None:
    while True:
        try:
            consumer = KafkaConsumer(settings.TOPIC, bootstrap_servers=settings.BOOTSTRAP, group_id=settings.GROUP,
                                     auto_offset_reset="earliest", enable_auto_commit=False,
                                     session_timeout_ms=10000, heartbeat_interval_ms=1000, max_poll_records=500)
            while True:
                batches = consumer.poll(timeout_ms=500)
                for records in batches.values():
                    for _record in records:
                        if settings.CONSUME_DELAY:
                            time.sleep(settings.CONSUME_DELAY)
                    CONSUMED.labels(topic=settings.TOPIC).inc(len(records))
                if batches:
                    consumer.commit()
                _state["assigned"] = len(consumer.assignment())
                ASSIGNED.set(_state["assigned"])
        except KafkaError as exc:
            _state["error"] = f"{type(exc).__name__}: {exc}"
            log.warning("consumer error, reconnecting", extra={"fields": {"error": _state["error"]}})
            time.sleep(1)


app = create_app("order-processor", health=lambda: {"assignedPartitions": _state["assigned"],
                                                      "lastError": _state["error"]})
threading.Thread(target=_consume_forever, name="consumer", daemon=True).start()
