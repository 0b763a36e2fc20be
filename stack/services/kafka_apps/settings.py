"""Environment of the Kafka reference apps (one image, three commands)."""
import os

BOOTSTRAP = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "kafka:9092")
TOPIC = os.environ.get("KAFKA_TOPIC", "orders")
GROUP = os.environ.get("KAFKA_CONSUMER_GROUP", "order-processor")
PRODUCE_RATE = float(os.environ.get("PRODUCE_RATE_PER_SECOND", "50"))
CONSUME_DELAY = float(os.environ.get("CONSUME_DELAY_SECONDS", "0"))
