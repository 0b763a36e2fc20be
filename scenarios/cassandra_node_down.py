"""Incident runbook › "Cassandra node down".

Symptom:      `nodetool status` shows a node DN: the other node's failure detector convicts it and
              org_apache_cassandra_net_failuredetector_downendpointcount (JMX exporter) goes above 0;
              CassandraNodeDown fires.
Drill:        cassandra-node2 of the two-node cluster is frozen (`docker pause`: the JVM stops answering
              gossip, like a hung node).
Detection:    the alert fires and the Alertmanager bot posts it to Slack #data-ops.
Remediation:  bring the node back (unpause/start the container); it gossips again, node1 marks it UN,
              the down count returns to 0 and the alert clears, with a resolved notice in #data-ops.

Signal delay (added to the bound on time-to-fire): the failure detector is Cassandra's, in real time
(not compressed, the same at every time factor). It convicts a silent peer when
phi = t / mean_interval / ln(10) exceeds phi_convict_threshold (5, the lowest Cassandra accepts;
docker-compose.test.yml), with heartbeats every gossip round (1 s): t > 5 * ln(10) * 1 s = 11.5 s,
checked once per gossip round (+1 s) = 12.5 s (signals.phi_conviction).
Clear delay: once node2 serves CQL again (the end of the remediation) node1 marks it UN when the next
gossip round brings its heartbeat: one gossip interval, 1 s, real time.
"""
from chaos_harness import signals
from chaos_harness.faults import ContainerPaused, ResumeService
from chaos_harness.scenario import Budget, Scenario

PHI_CONVICT_THRESHOLD = 5
GOSSIP_INTERVAL = 1.0

scenario = Scenario(
    id="cassandra_node_down",
    title="A Cassandra node stops answering: the cluster marks it DN",
    runbook="incident-runbook#cassandra-node-down",
    service="cassandra",
    alert="CassandraNodeDown",
    receiver="data-ops",
    fault=ContainerPaused("cassandra-node2"),
    drill="cassandra-node2 frozen (docker pause) in the two-node cluster",
    remediation=ResumeService("cassandra-node2", "bring cassandra-node2 back (docker start/unpause) until it "
                                                    "serves CQL", timeout=60),
    remediation_text="bring cassandra-node2 back (docker start/unpause) until nodetool status shows it UN",
    chart_query="max(org_apache_cassandra_net_failuredetector_downendpointcount)",
    severity="critical",
    profiles=("cassandra",),
    signal_delay=signals.phi_conviction(PHI_CONVICT_THRESHOLD, GOSSIP_INTERVAL),
    clear_delay=signals.domain_time(GOSSIP_INTERVAL, "one gossip round brings node2's heartbeat to node1"),
    # Remediation budget (compressed s, factor 30): at least 5 s and ~2.5x the slowest measured, from two runs on
    # the 2-core machine (2026-11-30; a CI run and a data-platform run): the remediation took 3.73 and 3.83 s.
    budget=Budget(remediate=10),
)
