#!/bin/sh
# Writes server.properties (single KRaft node: broker + controller), formats the log dir once, runs Kafka.
# Containers reach it as kafka:9092 (the only advertised listener: clients run inside the stack).
set -euf  # -f: the classpath wildcard is for java, not the shell
CONF=/var/lib/kafka/server.properties
DATA=/var/lib/kafka/data
CP="/opt/kafka/libs/*"
cat > "$CONF" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@localhost:9093
listeners=INTERNAL://0.0.0.0:9092,CONTROLLER://localhost:9093
advertised.listeners=INTERNAL://${KAFKA_ADVERTISED_HOST:-kafka}:9092
listener.security.protocol.map=INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=INTERNAL
controller.listener.names=CONTROLLER
log.dirs=$DATA
num.partitions=${KAFKA_NUM_PARTITIONS:-3}
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
PROPS
JAVA="java $KAFKA_HEAP_OPTS $KAFKA_JVM_OPTS -Dlog4j2.configurationFile=/opt/kafka/config/log4j2.properties -cp $CP"
if [ ! -f "$DATA/meta.properties" ]; then
  $JAVA kafka.tools.StorageTool format -t "$KAFKA_CLUSTER_ID" -c "$CONF" --ignore-formatted
fi
exec $JAVA kafka.Kafka "$CONF"
