"""The service catalog: every service of the bundled stack (docker-compose.test.yml), the port the harness
reaches it on (published on 127.0.0.1 with an ephemeral host port) and how its readiness is observed from the
host (chaos_harness/readiness.py). Faults, remediations, workloads and fixtures name services through these
constants, never through a literal name and port: `SUPPORT_SERVICE.url(owner)`.
"""
from __future__ import annotations

from dataclasses import dataclass

from chaos_harness.errors import ForeignTarget
from chaos_harness.readiness import (CqlOptions, DockerHealth, Http, MysqlHello, PostgresHello, READY_TIMEOUT, RedisPing,
                               Strategy, wait_for)
from chaos_harness.stack import StackOwner
from chaos_harness.waiting import WaitResult


@dataclass(frozen=True)
class Service:
    name: str            # compose service name
    port: int            # the container port the harness talks to (looked up as published on 127.0.0.1)
    ready: Strategy      # readiness observed from the host

    def url(self, owner) -> str:
        """http://127.0.0.1:<published port> (owner: a StackOwner or a Stack)."""
        return owner.url(self.name, self.port)

    def wait_ready(self, owner: StackOwner, timeout: float = READY_TIMEOUT) -> WaitResult:
        return wait_for(owner, self.name, self.port, self.ready, timeout)

    def __str__(self) -> str:
        return self.name


SERVICES: dict[str, Service] = {}


def _add(service: Service) -> Service:
    SERVICES[service.name] = service
    return service


PYTHON_APP = Http("/health")   # the reference services (uvicorn apps)
REDIS = _add(Service("redis", 6379, RedisPing()))
REDIS_EXPORTER = _add(Service("redis-exporter", 9121, Http("/metrics")))
NOTIFICATION_SERVICE = _add(Service("notification-service", 8000, PYTHON_APP))
NOTIFICATION_PROVIDER = _add(Service("notification-provider", 8000, PYTHON_APP))
ORDER_SERVICE = _add(Service("order-service", 8000, PYTHON_APP))
PAYMENT_SERVICE = _add(Service("payment-service", 8000, PYTHON_APP))
FULFILLMENT_SERVICE = _add(Service("fulfillment-service", 8000, PYTHON_APP))
SUPPORT_SERVICE = _add(Service("support-service", 8000, PYTHON_APP))
WEBHOOK_RECEIVER = _add(Service("webhook-receiver", 8000, PYTHON_APP))
INVENTORY_SERVICE = _add(Service("inventory-service", 8000, PYTHON_APP))
ORDER_PRODUCER = _add(Service("order-producer", 8000, Http("/metrics")))
ORDER_PROCESSOR = _add(Service("order-processor", 8000, Http("/metrics")))
ALERTMANAGER = _add(Service("alertmanager", 9093, Http("/-/ready")))
PROMETHEUS = _add(Service("prometheus", 9090, Http("/-/ready")))
MARIADB = _add(Service("mariadb", 3306, MysqlHello()))
MYSQLD_EXPORTER = _add(Service("mysqld-exporter", 9104, Http("/")))
POSTGRES = _add(Service("postgres", 5432, PostgresHello()))
POSTGRES_EXPORTER = _add(Service("postgres-exporter", 9187, Http("/")))
KAFKA = _add(Service("kafka", 9092, DockerHealth()))
KAFKA_LAG_EXPORTER = _add(Service("kafka-lag-exporter", 9308, Http("/health")))
CONNECT = _add(Service("connect", 8083, Http("/connectors/orders-cdc/status", '"connector":{"state":"RUNNING"')))
CDC_EXPORTER = _add(Service("cdc-exporter", 9309, Http("/metrics", "cdc_exporter_up 1")))
CASSANDRA_NODE1 = _add(Service("cassandra-node1", 9042, CqlOptions()))
CASSANDRA_NODE2 = _add(Service("cassandra-node2", 9042, CqlOptions()))
MINIO = _add(Service("minio", 9000, Http("/minio/health/ready")))


def service(name: str) -> Service:
    try:
        return SERVICES[name]
    except KeyError:
        raise ForeignTarget(f"no service {name!r} in the catalog (chaos_harness/catalog.py); known: "
                            f"{', '.join(sorted(SERVICES))}") from None


def wait_ready(owner: StackOwner, name: str, timeout: float = READY_TIMEOUT) -> WaitResult:
    """Until the service is running and answers its readiness probe from the host (every 0.1 s)."""
    return service(name).wait_ready(owner, timeout)
