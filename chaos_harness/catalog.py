"""The service catalog: every service of the bundled stack (docker-compose.test.yml), the port the harness
reaches it on (published on 127.0.0.1 with an ephemeral host port), how its readiness is observed from the
host (chaos_harness/readiness.py), and, per technology, the one way the harness talks to it: an HTTP API
client (`HttpService.api`), SQL for MariaDB and PostgreSQL (`sql`, the admin over the container's socket),
CQL for Cassandra (`cql`), an S3 client for MinIO (`client`), `redis-cli` for Redis (`cli`), the REST APIs of
Trino and Flink (`client`) - the testcontainers
shape. Faults, remediations, workloads and fixtures name services through these constants, never through a
literal name and port: `SUPPORT_SERVICE.url(owner)`, `MARIADB.sql(owner, "SELECT 1")`.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import TypeVar

from chaos_harness.errors import ForeignTarget, InfrastructureError
from chaos_harness.observe.http import JsonService
from chaos_harness.readiness import (CqlOptions, DockerHealth, Http, MysqlHello, PostgresHello, READY_TIMEOUT, RedisPing,
                               Strategy, wait_for)
from chaos_harness.stack import StackOwner
from chaos_harness.waiting import WaitResult


S = TypeVar("S", bound="Service")


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


@dataclass(frozen=True)
class HttpService(Service):
    """A service with an HTTP API (the reference services, the exporters, Connect, Prometheus, Alertmanager)."""

    def api(self, owner) -> JsonService:
        """JSON over HTTP on the published port, with the harness' one client setup (chaos_harness/observe/http.py)."""
        return JsonService(self.name, self.url(owner))


@dataclass(frozen=True)
class Redis(Service):
    def cli(self, owner: StackOwner, *args: str, error: type[Exception] = InfrastructureError) -> str:
        """`redis-cli <args>` inside the container; its output (`error` when it fails)."""
        return owner.run(self.name, ["redis-cli", *args], what=f"redis-cli {' '.join(args)[:40]}", error=error)


@dataclass(frozen=True)
class MariaDb(Service):
    def sql(self, owner: StackOwner, statement: str, *, delimiter: str = "") -> list[list[str]]:
        """One statement as root over the container's socket; rows of tab-separated columns (`-N -B`). A
        `delimiter` lets a compound statement (BEGIN NOT ATOMIC ... END) hold semicolons."""
        argv = ["mariadb", "--protocol=socket", "-uroot", "-N", "-B", *([f"--delimiter={delimiter}"] if delimiter
                                                                         else []), "-e", statement]
        output = owner.run(self.name, argv, what=f"mariadb `{statement[:80]}`")
        return [line.split("\t") for line in output.splitlines()]


@dataclass(frozen=True)
class Postgres(Service):
    def sql(self, owner: StackOwner, statement: str, database: str = "postgres") -> list[list[str]]:
        """One statement as the postgres superuser over the container's socket, in `database`; rows of
        tab-separated columns."""
        output = owner.run(self.name, ["psql", "-h", "/run/postgresql", "-U", "postgres", "-d", database, "-qAt", "-F",
                                       "\t", "-c", statement], what=f"psql `{statement[:80]}`")
        return [line.split("\t") for line in output.splitlines()]


@dataclass(frozen=True)
class Cassandra(Service):
    def cql(self, owner: StackOwner, statement: str) -> list[str]:
        """One CQL statement with cqlsh inside the node; its output lines."""
        return owner.run(self.name, ["cqlsh", "-e", statement], what=f"cqlsh `{statement[:100]}`").splitlines()


class ConnectClient:
    """Kafka Connect's REST API: GET /connectors/{name}/status, pause/resume, restart with tasks."""

    def __init__(self, base_url: str) -> None:
        self.api = JsonService("kafka-connect", base_url)

    def status(self, name: str) -> dict:
        return self.api.get(f"/connectors/{name}/status")

    def states(self, name: str) -> list[str]:
        """The connector's state followed by its tasks' states."""
        status = self.status(name)
        return [status["connector"]["state"], *(t["state"] for t in status.get("tasks", []))]

    def failed_tasks(self, name: str) -> list[dict]:
        return [t for t in self.status(name).get("tasks", []) if t.get("state") == "FAILED"]

    def restart(self, name: str, include_tasks: bool = True) -> None:
        self.api.request("POST", f"/connectors/{name}/restart",
                         params={"includeTasks": str(include_tasks).lower(), "onlyFailed": "false"})

    def restart_task(self, name: str, task: int = 0) -> None:
        self.api.request("POST", f"/connectors/{name}/tasks/{task}/restart")

    def pause(self, name: str) -> None:
        self.api.request("PUT", f"/connectors/{name}/pause")

    def resume(self, name: str) -> None:
        self.api.request("PUT", f"/connectors/{name}/resume")


@dataclass(frozen=True)
class Connect(HttpService):
    def client(self, owner) -> ConnectClient:
        return ConnectClient(self.url(owner))


@dataclass(frozen=True)
class Minio(HttpService):
    TEST_USER = "chaos-minio"                    # the test stack's credentials (docker-compose.test.yml defaults)
    TEST_PASSWORD = "chaos-minio-test-only"

    def client(self, owner):
        """An S3 client on the published port (`client_at`)."""
        return self.client_at(self.url(owner).removeprefix("http://"))

    @classmethod
    def client_at(cls, endpoint: str):
        """An S3 client (the `minio` package, from the [data-platform] extra) for host:port, with
        MINIO_ROOT_USER / MINIO_ROOT_PASSWORD from the environment, else the test stack's."""
        from minio import Minio as S3   # the [data-platform] extra: imported only where S3 is used
        return S3(endpoint, access_key=os.environ.get("MINIO_ROOT_USER", cls.TEST_USER),
                  secret_key=os.environ.get("MINIO_ROOT_PASSWORD", cls.TEST_PASSWORD), secure=False,
                  http_client=cls.bounded_connections())

    @staticmethod
    def bounded_connections():
        """Connections that give up in seconds: the minio package's own wait 5 min per connect or read and obey
        MinIO's `Retry-After: 120` on a 503 (sent while it starts, or under a drill), so one call could outlast
        every bound the harness sets."""
        import urllib3
        return urllib3.PoolManager(timeout=urllib3.Timeout(connect=2.0, read=10.0), maxsize=10,
                                   retries=urllib3.Retry(total=2, backoff_factor=0.2,
                                                         status_forcelist=(500, 502, 503, 504),
                                                         respect_retry_after_header=False))


class TrinoClient:
    """Trino's REST API as the runbook uses it: the client protocol (POST /v1/statement, then the `nextUri` each
    answer gives), the coordinator's query list (GET /v1/query, what the web UI shows) and the kill
    (PUT /v1/query/{queryId}/killed). Every request names a user (X-Trino-User): Trino refuses anonymous ones."""
    USER = "chaos-harness"
    UNFINISHED = frozenset({"QUEUED", "WAITING_FOR_RESOURCES", "DISPATCHING", "PLANNING", "STARTING", "RUNNING",
                            "FINISHING"})

    def __init__(self, base_url: str) -> None:
        self.api = JsonService("trino", base_url)

    def _headers(self, source: str = "") -> dict:
        return {"X-Trino-User": self.USER, **({"X-Trino-Source": source} if source else {})}

    def submit(self, sql: str, source: str) -> dict:
        """Starts `sql` without reading its result: the answer to the first `nextUri` (Trino queues a statement
        only once the client follows that link), with the query's `id` and `stats.state`."""
        created = self.api.request("POST", "/v1/statement", content=sql, headers=self._headers(source)).json()
        return self.api.request("GET", created["nextUri"], headers=self._headers(source)).json()

    def run(self, sql: str, timeout: float = 10.0) -> dict:
        """Runs `sql` to its end, following every `nextUri`; the last answer (`stats.state`, and `error` when it
        failed). A statement still running after `timeout` seconds is an InfrastructureError."""
        deadline = time.monotonic() + timeout
        answer = self.api.request("POST", "/v1/statement", content=sql, headers=self._headers()).json()
        while "nextUri" in answer:
            if time.monotonic() > deadline:   # cancelled, so it does not hold the resource group's slot
                self.api.request("DELETE", answer["nextUri"], headers=self._headers())
                raise InfrastructureError(f"trino: `{sql[:60]}` still {answer['stats']['state']} after {timeout:g}s "
                                          f"(cancelled)")
            answer = self.api.request("GET", answer["nextUri"], headers=self._headers()).json()
        return answer

    def queries(self, source: str = "", unfinished: bool = True) -> list[dict]:
        """The coordinator's queries (GET /v1/query), only those of `source` when given, only the ones still
        queued or running when `unfinished`."""
        found = self.api.request("GET", "/v1/query", headers=self._headers()).json()
        return [q for q in found if (not source or (q.get("session") or {}).get("source") == source)
                and (not unfinished or q.get("state") in self.UNFINISHED)]

    def kill(self, query_id: str, message: str) -> None:
        self.api.request("PUT", f"/v1/query/{query_id}/killed", content=message, headers=self._headers())


@dataclass(frozen=True)
class Trino(HttpService):
    def client(self, owner) -> TrinoClient:
        return TrinoClient(self.url(owner))


class FlinkClient:
    """Flink's REST API as the runbook uses it: the jobs (GET /jobs/overview, /jobs/:jobid), why they failed
    (/jobs/:jobid/exceptions), their checkpoints (/jobs/:jobid/checkpoints) and cancel (PATCH /jobs/:jobid)."""
    TERMINAL = frozenset({"FINISHED", "CANCELED", "FAILED"})

    def __init__(self, base_url: str) -> None:
        self.api = JsonService("flink-jobmanager", base_url)

    def jobs(self, name: str = "", unfinished: bool = True) -> list[dict]:
        """The cluster's jobs (newest first), only those called `name` when given, only running/restarting ones
        when `unfinished`."""
        found = self.api.get("/jobs/overview")["jobs"]
        return sorted((j for j in found if (not name or j["name"] == name)
                       and (not unfinished or j["state"] not in self.TERMINAL)),
                      key=lambda j: j["start-time"], reverse=True)

    def job(self, job_id: str) -> dict:
        return self.api.get(f"/jobs/{job_id}")

    def failures(self, job_id: str) -> list[str]:
        """The stack traces of the job's failures, newest first (its exception history)."""
        history = self.api.get(f"/jobs/{job_id}/exceptions").get("exceptionHistory") or {}
        return [entry.get("stacktrace", "") for entry in history.get("entries", [])]

    def checkpoints(self, job_id: str) -> dict:
        """The job's checkpoint statistics: `counts` (completed, failed, in_progress) and `latest` (its newest
        `completed` and `failed` checkpoint, each with `trigger_timestamp`; a failed one with its `failure_message`)."""
        return self.api.get(f"/jobs/{job_id}/checkpoints")

    def last_checkpoint(self, job_id: str) -> str | None:
        """The external path of the job's latest completed checkpoint (None before the first)."""
        latest = (self.checkpoints(job_id).get("latest") or {}).get("completed") or {}
        return latest.get("external_path")

    def cancel(self, job_id: str) -> None:
        self.api.request("PATCH", f"/jobs/{job_id}", params={"mode": "cancel"})


@dataclass(frozen=True)
class Flink(HttpService):
    def client(self, owner) -> FlinkClient:
        return FlinkClient(self.url(owner))


class OmsClient:
    """OMS's API as seed 003 uses it, every route but /api/v1/health with the `x-api-key` header (OMS_API_KEY from
    the environment, else the test stack's key): seed mock orders, the monitoring window, health."""
    TEST_KEY = "oms-test-key"      # the test stack's key (docker-compose.test.yml default), never the seed's

    def __init__(self, base_url: str, api_key: str | None = None) -> None:
        self.api = JsonService("oms", base_url)
        self.key = api_key if api_key is not None else os.environ.get("OMS_API_KEY", self.TEST_KEY)

    def seed(self, count: int) -> dict:
        """POST /api/v1/seed-mock-data?count=N: N new PENDING orders."""
        return self.api.request("POST", "/api/v1/seed-mock-data", params={"count": count},
                                headers={"x-api-key": self.key}).json()

    def recent(self, minutes: float = 10, limit: int = 100) -> dict:
        """GET /api/v1/monitor/recent: `total`, `statusCounts`, `data` of the orders updated in the last `minutes`."""
        return self.api.request("GET", "/api/v1/monitor/recent", params={"minutes": minutes, "limit": limit},
                                headers={"x-api-key": self.key}).json()

    def health(self) -> dict:
        return self.api.get("/api/v1/health")


@dataclass(frozen=True)
class Oms(HttpService):
    def client(self, owner) -> OmsClient:
        return OmsClient(self.url(owner))


SERVICES: dict[str, Service] = {}


def _add(service: Service) -> Service:
    SERVICES[service.name] = service
    return service


PYTHON_APP = Http("/health")   # the reference services (uvicorn apps)
REDIS = _add(Redis("redis", 6379, RedisPing()))
REDIS_EXPORTER = _add(HttpService("redis-exporter", 9121, Http("/metrics")))
NOTIFICATION_SERVICE = _add(HttpService("notification-service", 8000, PYTHON_APP))
NOTIFICATION_PROVIDER = _add(HttpService("notification-provider", 8000, PYTHON_APP))
ORDER_SERVICE = _add(HttpService("order-service", 8000, PYTHON_APP))
PAYMENT_SERVICE = _add(HttpService("payment-service", 8000, PYTHON_APP))
FULFILLMENT_SERVICE = _add(HttpService("fulfillment-service", 8000, PYTHON_APP))
SUPPORT_SERVICE = _add(HttpService("support-service", 8000, PYTHON_APP))
WEBHOOK_RECEIVER = _add(HttpService("webhook-receiver", 8000, PYTHON_APP))
INVENTORY_SERVICE = _add(HttpService("inventory-service", 8000, PYTHON_APP))
ORDER_PRODUCER = _add(HttpService("order-producer", 8000, Http("/metrics")))
ORDER_PROCESSOR = _add(HttpService("order-processor", 8000, Http("/metrics")))
ALERTMANAGER = _add(HttpService("alertmanager", 9093, Http("/-/ready")))
PROMETHEUS = _add(HttpService("prometheus", 9090, Http("/-/ready")))
MARIADB = _add(MariaDb("mariadb", 3306, MysqlHello()))
MYSQLD_EXPORTER = _add(HttpService("mysqld-exporter", 9104, Http("/")))
POSTGRES = _add(Postgres("postgres", 5432, PostgresHello()))
POSTGRES_EXPORTER = _add(HttpService("postgres-exporter", 9187, Http("/")))
KAFKA = _add(Service("kafka", 9092, DockerHealth()))
KAFKA_LAG_EXPORTER = _add(HttpService("kafka-lag-exporter", 9308, Http("/health")))
CONNECT = _add(Connect("connect", 8083, Http("/connectors/orders-cdc/status", '"connector":{"state":"RUNNING"')))
CDC_EXPORTER = _add(HttpService("cdc-exporter", 9309, Http("/metrics", "cdc_exporter_up 1")))
CASSANDRA_NODE1 = _add(Cassandra("cassandra-node1", 9042, CqlOptions()))
CASSANDRA_NODE2 = _add(Cassandra("cassandra-node2", 9042, CqlOptions()))
MINIO = _add(Minio("minio", 9000, Http("/minio/health/ready")))
TRINO = _add(Trino("trino", 8080, Http("/v1/info", '"starting":false')))
# ready once the orders job it deploys at start runs (its task manager has registered and taken the job)
FLINK_JOBMANAGER = _add(Flink("flink-jobmanager", 8081, Http("/jobs/overview", '"state":"RUNNING"')))
FLINK_TASKMANAGER = _add(HttpService("flink-taskmanager", 9250, Http("/metrics")))
LAKEHOUSE_READER = _add(HttpService("lakehouse-reader", 8082, Http("/health")))
# O2O order monitoring (seed 003): OMS on its own PostgreSQL, the order feed, the Pushgateway, Airflow's scheduler
O2O_POSTGRES = _add(Postgres("o2o-postgres", 5432, PostgresHello()))
OMS = _add(Oms("oms", 3001, Http("/api/v1/health", '"database":"ok"')))
O2O_ORDER_FEED = _add(HttpService("o2o-order-feed", 8000, PYTHON_APP))
PUSHGATEWAY = _add(HttpService("pushgateway", 9091, Http("/-/ready")))
AIRFLOW = _add(HttpService("airflow", 8974, Http("/health")))
METRICS_STORE = _add(HttpService("metrics-store", 9090, Http("/-/ready")))   # long-term metrics (remote write)


def service(name: str) -> Service:
    try:
        return SERVICES[name]
    except KeyError:
        raise ForeignTarget(f"no service {name!r} in the catalog (chaos_harness/catalog.py); known: "
                            f"{', '.join(sorted(SERVICES))}") from None


def of_kind(name: str, kind: type[S]) -> S:
    """The catalog entry `name`, which must be of the technology `kind` (a MariaDb, a Cassandra node, ...)."""
    found = service(name)
    if not isinstance(found, kind):
        raise ForeignTarget(f"service {name!r} is a {type(found).__name__}, not a {kind.__name__} "
                            f"(chaos_harness/catalog.py)")
    return found


def wait_ready(owner: StackOwner, name: str, timeout: float = READY_TIMEOUT) -> WaitResult:
    """Until the service is running and answers its readiness probe from the host (every 0.1 s)."""
    return service(name).wait_ready(owner, timeout)
