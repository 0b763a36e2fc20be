#!/bin/sh
# Writes cassandra.yaml from the environment and runs one Cassandra 5.0 node in the foreground.
#   CASSANDRA_SEEDS            seed host(s), e.g. cassandra-node1
#   CASSANDRA_AUTO_BOOTSTRAP   false on a node that joins an empty test cluster (no data to stream)
#   CASSANDRA_PHI_CONVICT      failure detector sensitivity (phi_convict_threshold; 8 default, min 5)
#   CASSANDRA_CLUSTER_NAME, CASSANDRA_NUM_TOKENS
# Fast start for a throw-away cluster: ring delay 1 s, no waiting for gossip to settle.
set -euf  # -f: the classpath wildcard is for java, not the shell
HOME_DIR=/var/lib/cassandra
CONF=$HOME_DIR/cassandra.yaml
ADDRESS=$(hostname -i | awk '{print $1}')
cat > "$CONF" <<YAML
cluster_name: ${CASSANDRA_CLUSTER_NAME:-chaos-inventory}
num_tokens: ${CASSANDRA_NUM_TOKENS:-4}
allocate_tokens_for_local_replication_factor: 2
auto_bootstrap: ${CASSANDRA_AUTO_BOOTSTRAP:-true}
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters:
      - seeds: "${CASSANDRA_SEEDS:-$ADDRESS}"
listen_address: $ADDRESS
broadcast_rpc_address: $ADDRESS
rpc_address: 0.0.0.0
storage_port: 7000
native_transport_port: 9042
start_native_transport: true
endpoint_snitch: SimpleSnitch
phi_convict_threshold: ${CASSANDRA_PHI_CONVICT:-8}
data_file_directories: [$HOME_DIR/data]
commitlog_directory: $HOME_DIR/commitlog
saved_caches_directory: $HOME_DIR/saved_caches
hints_directory: $HOME_DIR/hints
cdc_raw_directory: $HOME_DIR/cdc_raw
commitlog_sync: periodic
commitlog_sync_period: 10000ms
commitlog_segment_size: 8MiB
authenticator: AllowAllAuthenticator
authorizer: AllowAllAuthorizer
concurrent_reads: 8
concurrent_writes: 8
concurrent_counter_writes: 8
concurrent_compactors: 1
memtable_heap_space: 64MiB
memtable_offheap_space: 64MiB
key_cache_size: 8MiB
gc_warn_threshold: 0ms
read_request_timeout: 2000ms
range_request_timeout: 4000ms
write_request_timeout: 2000ms
storage_compatibility_mode: NONE
YAML
JAVA_OPTS="$CASSANDRA_HEAP_OPTS $CASSANDRA_JVM_OPTS $(grep -v '^#' /opt/cassandra/conf/jvm-options | tr '\n' ' ')"
exec java $JAVA_OPTS \
  -Dcassandra.ring_delay_ms="${CASSANDRA_RING_DELAY_MS:-1000}" -Dcassandra.skip_wait_for_gossip_to_settle=0 \
  -Dcassandra.config="file://$CONF" -Dcassandra.storagedir="$HOME_DIR" \
  -Dcassandra.logdir="$HOME_DIR/logs" -Dlogback.configurationFile=/opt/cassandra/conf/logback.xml \
  -javaagent:/opt/cassandra/jmx/jmx_prometheus_javaagent-1.0.1.jar=9404:/opt/cassandra/conf/jmx-exporter.yml \
  -cp "/opt/cassandra/lib/*" org.apache.cassandra.service.CassandraDaemon
