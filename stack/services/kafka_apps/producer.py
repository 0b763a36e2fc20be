"""order-events producer: writes `orders` events at a steady rate, plus bursts on demand.

Steady rate: PRODUCE_RATE_PER_SECOND. A burst (`python3 -m kafka_apps.producer burst N`, used by
the backlog drill through `docker exec`) writes N events as fast as the broker takes them and
prints JSON with how many were acknowledged.
"""
from __future__ import annotations

import json
import sys
import threading
import time

from kafka import KafkaProducer
from kafka.errors import KafkaError
from prometheus_client import Counter

from common.service import create_app, structured_logger
from kafka_apps import settings

log = structured_logger("order-producer")
PRODUCED = Counter("order_events_produced_total", "orders events acknowledged by Kafka", ["topic"])


def _producer() -> KafkaProducer:
    return KafkaProducer(bootstrap_servers=settings.BOOTSTRAP, linger_ms=5, acks=1,
                         value_serializer=lambda v: json.dumps(v).encode())


def _event(i: int) -> dict:
    return {"orderId": i, "customerId": f"customer-{i % 97}", "status": "created", "ts": time.time()}


def burst(count: int) -> dict:
    producer, started = _producer(), time.time()
    futures = [producer.send(settings.TOPIC, _event(i)) for i in range(count)]
    producer.flush(timeout=60)
    acked = sum(1 for f in futures if f.succeeded())
    producer.close()
    return {"topic": settings.TOPIC, "requested": count, "acknowledged": acked, "seconds": round(time.time() - started, 3)}


def _produce_forever() -> None:
    i = 0
    while True:
        try:
            producer = _producer()
            while True:
                producer.send(settings.TOPIC, _event(i)).add_callback(
                    lambda _md: PRODUCED.labels(topic=settings.TOPIC).inc())
                i += 1
                time.sleep(1.0 / settings.PRODUCE_RATE)
        except KafkaError as exc:
            log.warning("producer error, reconnecting", extra={"fields": {"error": str(exc)}})
            time.sleep(1)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "burst" or not sys.argv[2].isdigit():
        sys.exit("usage: python3 -m kafka_apps.producer burst <count>")
    print(json.dumps(burst(int(sys.argv[2]))))
else:
    app = create_app("order-producer")
    threading.Thread(target=_produce_forever, name="producer", daemon=True).start()
