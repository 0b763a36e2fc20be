#!/bin/bash
# Runs one Flink process from the Maven jars (no flink-dist): `jobmanager` (StandaloneSessionClusterEntrypoint,
# REST on :8081, metrics on :9249; deploys the orders job once its REST API answers) or `taskmanager`
# (TaskManagerRunner, metrics on :9250), as the seed's Prometheus scrapes them; or `reader`, the lakehouse reader
# (chaos.LakehouseReader: the committed rows of the Paimon table lakehouse.orders over HTTP on :8082).
set -euo pipefail
role=${1:?usage: flink-entrypoint jobmanager|taskmanager|reader}
mkdir -p /var/lib/flink/checkpoints /var/lib/flink/web-upload /var/lib/flink/tmp
JAVA_OPTS=(-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true
  --add-exports=java.base/sun.net.util=ALL-UNNAMED --add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED
  --add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.text=ALL-UNNAMED
  --add-opens=java.base/java.time=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED
  -Dlog4j.configurationFile=file:/opt/flink/conf/log4j.properties -Dlog4j2.configurationFile=file:/opt/flink/conf/log4j.properties
  -cp '/opt/flink/lib/*')
case "$role" in
  jobmanager)
    (deploy-orders-job strict committed >/var/lib/flink/initial-deploy.log 2>&1 &)
    exec java -Xms${FLINK_JM_HEAP:-384m} -Xmx${FLINK_JM_HEAP:-384m} -XX:MaxMetaspaceSize=256m "${JAVA_OPTS[@]}" \
      org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint --configDir /opt/flink/conf \
      -D metrics.reporter.prom.port=9249 ;;
  taskmanager)
    exec java -Xms${FLINK_TM_HEAP:-512m} -Xmx${FLINK_TM_HEAP:-512m} -XX:MaxDirectMemorySize=300m -XX:MaxMetaspaceSize=256m \
      "${JAVA_OPTS[@]}" org.apache.flink.runtime.taskexecutor.TaskManagerRunner --configDir /opt/flink/conf \
      -D metrics.reporter.prom.port=9250 -D taskmanager.host="$(hostname -i | cut -d' ' -f1)" ;;
  reader)
    exec java -Xms${LAKEHOUSE_READER_HEAP:-128m} -Xmx${LAKEHOUSE_READER_HEAP:-128m} "${JAVA_OPTS[@]}" \
      -cp '/opt/flink/lib/*:/opt/flink/usrlib/orders-job.jar' chaos.LakehouseReader --port 8082 ;;
  *) echo "unknown role $role (jobmanager|taskmanager|reader)" >&2; exit 2 ;;
esac
