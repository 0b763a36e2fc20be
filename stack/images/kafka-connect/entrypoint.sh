#!/bin/sh
# Writes the distributed worker config and runs Kafka Connect (REST :8083, Prometheus :9404).
set -euf  # -f: the classpath wildcard is for java, not the shell
CONF=/var/lib/connect/worker.properties
cat > "$CONF" <<PROPS
bootstrap.servers=${CONNECT_BOOTSTRAP_SERVERS:-kafka:9092}
group.id=${CONNECT_GROUP_ID:-connect-cluster}
config.storage.topic=_connect-configs
offset.storage.topic=_connect-offsets
status.storage.topic=_connect-status
config.storage.replication.factor=1
offset.storage.replication.factor=1
status.storage.replication.factor=1
offset.flush.interval.ms=1000
key.converter=org.apache.kafka.connect.json.JsonConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
key.converter.schemas.enable=false
value.converter.schemas.enable=false
listeners=http://0.0.0.0:8083
rest.advertised.host.name=${CONNECT_ADVERTISED_HOST:-connect}
plugin.path=/opt/connect/plugins
plugin.discovery=service_load
PROPS
# Register the CDC connector (idempotent PUT) as soon as the REST API answers.
register() {
  for _ in $(seq 1 180); do
    curl -sf -o /dev/null http://127.0.0.1:8083/connector-plugins && break; sleep 1
  done
  curl -sf -o /dev/null -X PUT -H 'Content-Type: application/json' \
    "http://127.0.0.1:8083/connectors/${CDC_CONNECTOR_NAME:-orders-cdc}/config" -d @- <<JSON || echo "connector registration failed" >&2
{"connector.class": "io.debezium.connector.mariadb.MariaDbConnector", "tasks.max": "1",
 "database.hostname": "${CDC_DATABASE_HOST:-mariadb}", "database.port": "3306",
 "database.user": "cdc", "database.password": "${MARIADB_CDC_PASSWORD:?}", "database.server.id": "5401",
 "database.ssl.mode": "disable", "topic.prefix": "oltp", "database.include.list": "oltp",
 "schema.history.internal.kafka.bootstrap.servers": "${CONNECT_BOOTSTRAP_SERVERS:-kafka:9092}",
 "schema.history.internal.kafka.topic": "_schema-history.oltp", "snapshot.mode": "initial"}
JSON
}
register &
exec java $CONNECT_HEAP_OPTS $CONNECT_JVM_OPTS \
  -javaagent:/opt/connect/jmx/jmx_prometheus_javaagent-1.0.1.jar=9404:/opt/connect/config/jmx-exporter.yml \
  -Dlog4j2.configurationFile=/opt/connect/config/log4j2.properties \
  -cp "/opt/connect/libs/*" org.apache.kafka.connect.cli.ConnectDistributed "$CONF"
