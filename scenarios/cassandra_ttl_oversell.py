"""Incident runbook › "Cassandra reservation TTL too short: oversell risk".

Symptom:      inventory_reservation_expired_total rises: reservations vanish (TTL) while their orders
              are still pending, so their stock is sold twice; InventoryOversellRisk fires (more than
              5 % of the last 5 minutes' reservations expired before confirmation).
Drill:        `make chaos-ttl-oversell ARGS="--keyspace inventory --table reservations --ttl 60"`: the
              reservations table's default_time_to_live drops from the 900 s baseline to 60 s while
              checkouts take 120 s. The test stack runs 30x compressed (harness/timing.py), the
              inventory-service too (INVENTORY_TIME_SCALE): the baseline is 30 s, the drill's TTL
              scale_seconds(60, 30) = 2 s, a checkout 4 s.
Detection:    the alert fires and the Alertmanager bot posts it to Slack #data-ops.
Remediation:  restore the baseline (ALTER TABLE inventory.reservations WITH default_time_to_live = 900,
              30 s here); new reservations outlive their checkouts again, the expiry ratio falls and the
              alert clears, with a resolved notice in #data-ops.

Signal delay (added to the bound on time-to-fire): the ALTER only shortens reservations written after
it, and such a row can only be seen missing once its TTL elapsed: the compressed TTL (2 s) + up to 1 s
(Cassandra expires at whole-second granularity) + one check interval of the service (15 s / 30 = 0.5 s)
+ the 2 expirations the ratio needs among the ~40 reservations of its 10 s window (0.5 s at 4
checkouts/s) = 4 s. Derived below from the same constants at the default time factor.
"""
from harness.cassandra import BASELINE_TTL, ReservationTtlLowered, RestoreReservationTtl
from harness.scenario import Scenario
from harness.timing import DEFAULT_FACTOR, scale_seconds

DRILL_TTL = 60                       # the runbook's drill (production seconds)
CHECK_INTERVAL = 15 / DEFAULT_FACTOR  # INVENTORY_CHECK_INTERVAL_SECONDS, compressed
CHECKOUTS_PER_SECOND = 4             # INVENTORY_CHECKOUTS_PER_SECOND (docker-compose.test.yml)
EXPIRATIONS_NEEDED = 2               # > 5 % of the ~40 reservations in the compressed 5 min window

scenario = Scenario(
    id="cassandra_ttl_oversell",
    title="The reservations TTL is lowered below the checkout time: reservations expire, stock oversells",
    runbook="incident-runbook#cassandra-ttl-oversell",
    service="inventory",
    alert="InventoryOversellRisk",
    receiver="data-ops",
    fault=ReservationTtlLowered(keyspace="inventory", table="reservations", ttl=DRILL_TTL,
                                previous_ttl=BASELINE_TTL),
    drill=f"ALTER TABLE inventory.reservations WITH default_time_to_live = {DRILL_TTL} (production seconds)",
    remediation=RestoreReservationTtl("inventory", "reservations", ttl=BASELINE_TTL),
    remediation_text=f"restore the baseline TTL: ALTER TABLE inventory.reservations WITH default_time_to_live = "
                     f"{BASELINE_TTL} (simulate_ttl_oversell.py --revert --previous-ttl {BASELINE_TTL})",
    chart_query="sum(rate(inventory_reservation_expired_total[5m])) / sum(rate(inventory_reservation_created_total[5m]))",
    severity="critical",
    profiles=("cassandra",),
    signal_delay=scale_seconds(DRILL_TTL, DEFAULT_FACTOR) + 1.0 + CHECK_INTERVAL
    + EXPIRATIONS_NEEDED / CHECKOUTS_PER_SECOND,
)
