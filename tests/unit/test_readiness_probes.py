"""The readiness strategies' protocol pings against scripted TCP servers (no containers)."""
import socket
import struct
import threading

import pytest

from chaos_harness.readiness import CqlOptions, Http, MysqlHello, PostgresHello, RedisPing, Tcp

pytestmark = pytest.mark.unit


def _server(answer: bytes, read_first: bool = True) -> int:
    """A one-connection TCP server on 127.0.0.1 that (optionally reads, then) sends `answer` and closes."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def serve():
        conn, _ = listener.accept()
        with conn, listener:
            if read_first:
                conn.recv(1024)
            conn.sendall(answer)
    threading.Thread(target=serve, daemon=True).start()
    return listener.getsockname()[1]


def _mysql_packet(payload: bytes) -> bytes:
    return len(payload).to_bytes(3, "little") + b"\x00" + payload


@pytest.mark.parametrize("strategy,answer,read_first,ready,words", [
    (RedisPing(), b"+PONG\r\n", True, True, "+PONG"),
    (RedisPing(), b"-LOADING Redis is loading the dataset in memory\r\n", True, False, "LOADING"),
    (MysqlHello(), _mysql_packet(b"\x0a10.11.6-MariaDB\x00"), False, True, "handshake"),
    (MysqlHello(), _mysql_packet(b"\xff\x10\x04#08004Too many connections"), False, False, "Too many connections"),
    (PostgresHello(), b"R" + struct.pack("!ii", 8, 0), True, True, "authentication"),
    (PostgresHello(), b"E\x00\x00\x00\x30SFATAL\x00C57P03\x00Mthe database system is starting up\x00\x00",
     True, False, "starting up"),
    (CqlOptions(), bytes([0x84, 0, 0, 1, 0x06]) + struct.pack("!i", 0), True, True, "SUPPORTED"),
    (CqlOptions(), b"", True, False, "answered b''"),
])
def test_a_protocol_ping_tells_ready_from_not_ready(strategy, answer, read_first, ready, words):
    check = strategy.probe(_server(answer, read_first))
    assert check.done is ready and words in check.state


def test_a_closed_port_is_an_error_the_wait_records():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.close()
    with pytest.raises(OSError):
        Tcp().probe(port)


def test_http_needs_a_2xx_containing_the_text():
    body = b"cdc_exporter_up 0\n"
    answer = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body)
    check = Http("/metrics", "cdc_exporter_up 1").probe(_server(answer))
    assert not check.done and "without 'cdc_exporter_up 1'" in check.state
