"""Readiness observed from the host: testcontainers-style wait strategies on published ports.

Docker's healthchecks run inside the container every 3 s (a `runc exec` each: cheaper intervals would
cost the 2-core machine more than they save), so a remediation that waited for Docker's health status
paid up to 3 s after the service was already answering (issue 11: Redis answers in well under a second
after a restart; the health status turns after ~3.4 s). A strategy here asks the service what a client
would, through its port published on 127.0.0.1, every 0.1 s:

  Tcp          a TCP connection is accepted
  Http         an HTTP GET answers 2xx (optionally containing a text)
  RedisPing    `PING` answers `+PONG`
  MysqlHello   the server's greeting is a protocol-10 handshake (not an error such as "too many
               connections"): the server accepts a new session
  PostgresHello a startup message gets an authentication request (not "the database system is starting up")
  CqlOptions   a CQL OPTIONS frame gets SUPPORTED: the native transport serves clients

`READINESS` names the strategy of every service of the bundled stack; `wait_ready` polls it (the published
port is looked up on every poll: a restarted container may publish a new ephemeral port). Docker's
healthchecks stay for `depends_on` and `docker compose ps`; nothing in the harness waits on them, except
for a service that publishes no port (Kafka), where the container's own health status is all there is.
"""
from __future__ import annotations

import socket
import struct
from abc import ABC, abstractmethod
from dataclasses import dataclass

import httpx
from docker.errors import NotFound

from harness.errors import ForeignTarget
from harness.stack import StackOwner, published_ports
from harness.waiting import Check, WaitResult, wait_until

PROBE_TIMEOUT = 0.5      # one probe's socket/HTTP timeout (seconds)
POLL_INTERVAL = 0.1
READY_TIMEOUT = 30.0


@dataclass(frozen=True)
class Strategy(ABC):
    port: int            # the container port; the probe goes to the port it is published on

    @abstractmethod
    def probe(self, host_port: int) -> Check:
        """One look: ready or not, and what was seen."""

    def __str__(self) -> str:
        return f"{type(self).__name__}({self.port})"


def _exchange(host_port: int, send: bytes, receive: int) -> bytes:
    """Connect, send, read up to `receive` bytes (b"" when the server closed at once)."""
    with socket.create_connection(("127.0.0.1", host_port), timeout=PROBE_TIMEOUT) as sock:
        if send:
            sock.sendall(send)
        return sock.recv(receive)


@dataclass(frozen=True)
class Tcp(Strategy):
    def probe(self, host_port: int) -> Check:
        with socket.create_connection(("127.0.0.1", host_port), timeout=PROBE_TIMEOUT):
            return Check(True, f"tcp {host_port} accepts")


@dataclass(frozen=True)
class Http(Strategy):
    path: str = "/health"
    contains: str = ""

    def probe(self, host_port: int) -> Check:
        response = httpx.get(f"http://127.0.0.1:{host_port}{self.path}", timeout=PROBE_TIMEOUT)
        ok = response.is_success and self.contains in response.text
        return Check(ok, f"GET {self.path} -> {response.status_code}"
                         + ("" if ok or not response.is_success else f" without {self.contains!r}"))

    def __str__(self) -> str:
        return f"Http({self.port}{self.path})"


@dataclass(frozen=True)
class RedisPing(Strategy):
    def probe(self, host_port: int) -> Check:
        answer = _exchange(host_port, b"PING\r\n", 64)
        return Check(answer.startswith(b"+PONG"), f"PING -> {answer[:40]!r}")


@dataclass(frozen=True)
class MysqlHello(Strategy):
    def probe(self, host_port: int) -> Check:
        packet = _exchange(host_port, b"", 512)
        if len(packet) < 5:
            return Check(False, "no greeting")
        if packet[4] == 0x0A:
            return Check(True, "protocol-10 handshake")
        message = packet[7:].decode(errors="replace") if packet[4] == 0xFF else f"first byte {packet[4]:#x}"
        return Check(False, f"refused: {message[:120]}")


@dataclass(frozen=True)
class PostgresHello(Strategy):
    user: str = "postgres"

    def probe(self, host_port: int) -> Check:
        params = f"user\0{self.user}\0database\0{self.user}\0\0".encode()
        startup = struct.pack("!ii", 8 + len(params), 196608) + params     # protocol 3.0
        answer = _exchange(host_port, startup, 512)
        if answer[:1] == b"R":
            return Check(True, "authentication requested")
        detail = answer[5:].replace(b"\0", b" ").decode(errors="replace")[:160].strip()
        return Check(False, f"answered {answer[:1]!r}: {detail}")


@dataclass(frozen=True)
class CqlOptions(Strategy):
    def probe(self, host_port: int) -> Check:
        header = _exchange(host_port, bytes([0x04, 0x00, 0x00, 0x01, 0x05]) + struct.pack("!i", 0), 9)
        ok = len(header) >= 5 and header[4] == 0x06
        return Check(ok, "SUPPORTED" if ok else f"answered {header[:9]!r}")


@dataclass(frozen=True)
class DockerHealth(Strategy):
    """Only for a service that publishes no port: the container's own health status (3 s interval)."""
    port: int = 0

    def probe(self, host_port: int) -> Check:  # not used: see _look
        raise NotImplementedError


PYTHON_APP = Http(8000, "/health")
READINESS: dict[str, Strategy] = {
    "redis": RedisPing(6379),
    "redis-exporter": Http(9121, "/metrics"),
    **{name: PYTHON_APP for name in ("notification-service", "notification-provider", "order-service",
                                     "payment-service", "fulfillment-service", "support-service",
                                     "webhook-receiver", "inventory-service")},
    "order-producer": Http(8000, "/metrics"),
    "order-processor": Http(8000, "/metrics"),
    "alertmanager": Http(9093, "/-/ready"),
    "prometheus": Http(9090, "/-/ready"),
    "mariadb": MysqlHello(3306),
    "mysqld-exporter": Http(9104, "/"),
    "postgres": PostgresHello(5432),
    "postgres-exporter": Http(9187, "/"),
    "kafka": DockerHealth(),
    "kafka-lag-exporter": Http(9308, "/health"),
    "connect": Http(8083, "/connectors/orders-cdc/status", '"connector":{"state":"RUNNING"'),
    "cdc-exporter": Http(9309, "/metrics", "cdc_exporter_up 1"),
    "cassandra-node1": CqlOptions(9042),
    "cassandra-node2": CqlOptions(9042),
    "minio": Http(9000, "/minio/health/ready"),
}


def _look(owner: StackOwner, service: str, strategy: Strategy) -> Check:
    container = owner.container(service)
    container.reload()
    if container.status != "running":
        return Check(False, f"container {container.status}")
    if isinstance(strategy, DockerHealth):
        health = container.attrs.get("State", {}).get("Health", {}).get("Status")
        return Check(health in (None, "healthy"), f"docker health {health or 'none'}")
    published = published_ports(container, f"{strategy.port}/tcp")
    if not published:
        return Check(False, f"port {strategy.port} not published yet")
    try:
        return strategy.probe(int(published[0]))
    except (OSError, httpx.HTTPError) as exc:
        return Check(False, f"{type(exc).__name__}: {exc}"[:160])


def strategy_of(service: str) -> Strategy:
    try:
        return READINESS[service]
    except KeyError:
        raise ForeignTarget(f"no readiness strategy for service {service!r} (harness/readiness.py READINESS); "
                            f"known: {', '.join(sorted(READINESS))}") from None


def wait_ready(owner: StackOwner, service: str, timeout: float = READY_TIMEOUT) -> WaitResult:
    """Until `service` is running and answers its strategy's probe from the host (every 0.1 s)."""
    strategy = strategy_of(service)
    return wait_until(lambda: _look(owner, service, strategy), what=f"{service} to be ready ({strategy})",
                      timeout=timeout, interval=POLL_INTERVAL, transient=(NotFound,))
