#!/bin/bash
# Runs the Trino server in the foreground as PID 1 (what `bin/launcher run` does, without the launcher
# process in between, so `docker stop` reaches the JVM): node properties as system properties, the JVM
# options of etc/jvm.config, the JMX exporter agent serving the queue gauges on :9405 (etc/jmx-exporter.yml).
# The warm-up (warm-up.sh) runs beside it.
set -euo pipefail
cd /opt/trino
mapfile -t jvm_options < <(grep -v '^\s*\(#\|$\)' etc/jvm.config)
/usr/local/bin/trino-warm-up &   # marks the container ready once a scan ran (the healthcheck reads it)
mapfile -t node_properties < <(grep -v '^\s*\(#\|$\)' etc/node.properties | sed 's/^/-D/')
exec java -Xmx"${TRINO_HEAP}" "${jvm_options[@]}" \
  -javaagent:/opt/trino/jmx/jmx_prometheus_javaagent.jar=9405:/opt/trino/etc/jmx-exporter.yml \
  "${node_properties[@]}" -Dnode.data-dir=/var/lib/trino \
  -Dconfig=etc/config.properties -Dlog.levels-file=etc/log.properties \
  -cp '/opt/trino/lib/*' io.trino.server.TrinoServer
