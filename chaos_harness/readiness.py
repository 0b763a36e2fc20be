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

The service catalog (chaos_harness/catalog.py) names the strategy of every service of the bundled stack; `wait_for`
polls it (the published port is looked up on every poll: a restarted container may publish a new ephemeral
port). Docker's
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

from chaos_harness.stack import StackOwner, published_ports
from chaos_harness.waiting import Check, WaitResult, wait_until

PROBE_TIMEOUT = 0.5      # one probe's socket/HTTP timeout (seconds)
POLL_INTERVAL = 0.1
READY_TIMEOUT = 30.0


@dataclass(frozen=True)
class Strategy(ABC):
    """How to ask a service whether it is ready; the port comes from the service (chaos_harness/catalog.py)."""

    @abstractmethod
    def probe(self, host_port: int) -> Check:
        """One look at the service's container port as published on `host_port`: ready or not, and what was seen."""

    def __str__(self) -> str:
        return type(self).__name__


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
        return f"Http({self.path})"


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

    def probe(self, host_port: int) -> Check:  # not used: see _look
        raise NotImplementedError


def _look(owner: StackOwner, service: str, port: int, strategy: Strategy) -> Check:
    container = owner.container(service)
    container.reload()
    if container.status != "running":
        return Check(False, f"container {container.status}")
    if isinstance(strategy, DockerHealth):
        health = container.attrs.get("State", {}).get("Health", {}).get("Status")
        return Check(health in (None, "healthy"), f"docker health {health or 'none'}")
    published = published_ports(container, f"{port}/tcp")
    if not published:
        return Check(False, f"port {port} not published yet")
    try:
        return strategy.probe(int(published[0]))
    except (OSError, httpx.HTTPError) as exc:
        return Check(False, f"{type(exc).__name__}: {exc}"[:160])


def wait_for(owner: StackOwner, service: str, port: int, strategy: Strategy,
             timeout: float = READY_TIMEOUT) -> WaitResult:
    """Until `service` is running and answers `strategy`'s probe on `port` from the host (every 0.1 s)."""
    return wait_until(lambda: _look(owner, service, port, strategy), what=f"{service} to be ready ({strategy})",
                      timeout=timeout, interval=POLL_INTERVAL, transient=(NotFound,))
