"""Cache runbook › "The cache's Redis is down".

Symptom:      CacheRedisDown fires (redis_up == 0 for 1m) and reaches #cache-oncall.
Drill:        stop the Redis container.
Remediation:  restart Redis; redis_up is 1 again, the alert clears with a resolved notice.
"""
from chaos_harness.faults import ContainerStopped, RestartService
from chaos_harness.scenario import Scenario

scenario = Scenario(
    id="redis_down",
    title="The cache's Redis is down",
    runbook="cache-runbook#redis-down",
    service="redis",
    alert="CacheRedisDown",
    receiver="cache-oncall",
    fault=ContainerStopped("redis"),
    drill="stop the Redis container",
    remediation=RestartService("redis"),
    remediation_text="restart Redis (docker compose restart redis)",
    chart_query="redis_up",
)
