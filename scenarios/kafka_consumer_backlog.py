"""Incident runbook › "Kafka backlog grows".

Symptom:      consumer lag > 5000 on a topic; KafkaConsumerLagHigh fires (metric:
              sum by (consumergroup, topic) (kafka_consumergroup_lag), broker-side lag from the
              lag exporter - it keeps growing when the consumer is stuck, unlike the client's own
              records-lag metric).
Drill:        the order-processor consumer is frozen while the order producer writes a burst of
              6000 `orders` events (on top of its steady 50/s).
Detection:    the alert fires and the Alertmanager bot posts it to Slack #data-ops.
Remediation:  bring the consumer back (resume / scale it); it catches up, lag falls under the
              threshold and the alert clears, with a resolved notice in #data-ops.
"""
from harness.faults import ConsumerFrozenDuringBurst
from harness.kafka import ResumeConsumer
from harness.scenario import Scenario

scenario = Scenario(
    id="kafka_consumer_backlog",
    title="A stuck consumer lets the orders backlog grow past 5000",
    runbook="incident-runbook#kafka-backlog",
    service="kafka",
    alert="KafkaConsumerLagHigh",
    receiver="data-ops",
    fault=ConsumerFrozenDuringBurst("order-processor", producer="order-producer", messages=6000),
    drill="order-processor frozen (docker pause) while order-producer writes 6000 events",
    remediation=ResumeConsumer("order-processor"),
    remediation_text="resume the order-processor consumer (it catches up on the backlog)",
    chart_query="sum by (consumergroup, topic) (kafka_consumergroup_lag)",
    severity="critical",
    profiles=("kafka",),
)
