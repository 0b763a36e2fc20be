"""Environment of inventory-service. Durations are given in production seconds and divided by
INVENTORY_TIME_SCALE (1 in production; the test stack passes its time factor, 30 by default, so a
900 s reservation TTL becomes 30 s and a 120 s checkout 4 s - the same compression
chaos_harness/timing.py applies to the alert rules)."""
import os


def _float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


TIME_SCALE = max(1.0, _float("INVENTORY_TIME_SCALE", 1))


def scaled(seconds: float, minimum: float = 0.0) -> float:
    return max(minimum, seconds / TIME_SCALE)


CONTACT_POINTS = [h.strip() for h in os.environ.get("CASSANDRA_CONTACT_POINTS", "cassandra-node1").split(",") if h.strip()]
PORT = int(os.environ.get("CASSANDRA_PORT", "9042"))
USERNAME = os.environ.get("CASSANDRA_USERNAME", "")          # empty: the cluster has no authentication
PASSWORD = os.environ.get("CASSANDRA_PASSWORD", "")
KEYSPACE = os.environ.get("INVENTORY_KEYSPACE", "inventory")
TABLE = "reservations"
REPLICATION_FACTOR = int(os.environ.get("INVENTORY_REPLICATION_FACTOR", "2"))
REQUEST_TIMEOUT = _float("INVENTORY_CASSANDRA_TIMEOUT_SECONDS", 5.0)     # real seconds

# Baseline default_time_to_live of inventory.reservations (production seconds): a reservation holds
# stock this long unless its order confirms (or releases) it first. Applied when the table is created.
BASELINE_TTL = _float("INVENTORY_RESERVATION_TTL_SECONDS", 900)
# How long a (simulated) checkout takes from reservation to order confirmation (production seconds).
CHECKOUT_SECONDS = _float("INVENTORY_CHECKOUT_SECONDS", 120)
# How often the service checks that the reservations it holds for pending orders still exist.
CHECK_INTERVAL = _float("INVENTORY_CHECK_INTERVAL_SECONDS", 15)
# Simulated storefront traffic: checkouts started per real second (0 disables it).
CHECKOUTS_PER_SECOND = _float("INVENTORY_CHECKOUTS_PER_SECOND", 0)
SKUS = [s.strip() for s in os.environ.get("INVENTORY_SKUS", "sku-1,sku-2,sku-3,sku-4,sku-5").split(",") if s.strip()]
STOCK_PER_SKU = int(os.environ.get("INVENTORY_STOCK_PER_SKU", "1000"))
