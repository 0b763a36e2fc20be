"""The one HTTP client (chaos_harness/observe/http.py): a connection the server drops without an answer is
retried once for a GET (the kept-alive connection race), never for a POST, and the error names the service."""
import socket
import threading

import pytest

from chaos_harness.errors import ServiceUnreachable
from chaos_harness.observe.http import JsonService

pytestmark = pytest.mark.unit
OK = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 12\r\nConnection: close\r\n\r\n{\"ok\": true}"


def _server(answers: list[bytes | None]) -> tuple[int, list[bytes]]:
    """Accepts one connection per answer: reads the request, then sends the answer or (None) closes silently."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    requests: list[bytes] = []

    def serve() -> None:
        for answer in answers:
            conn, _ = listener.accept()
            with conn:
                requests.append(conn.recv(65536))
                if answer is not None:
                    conn.sendall(answer)
        listener.close()
    threading.Thread(target=serve, daemon=True).start()
    return listener.getsockname()[1], requests


def test_a_get_on_a_dropped_connection_is_sent_once_more():
    port, requests = _server([None, OK])
    assert JsonService("webhook receiver", f"http://127.0.0.1:{port}").get("/notifications") == {"ok": True}
    assert len(requests) == 2 and all(r.startswith(b"GET /notifications") for r in requests)


def test_a_post_on_a_dropped_connection_is_not_repeated_and_names_the_service():
    port, requests = _server([None, OK])
    with pytest.raises(ServiceUnreachable, match=r"webhook receiver at http://127.0.0.1:\d+ is unreachable .* on POST /x"):
        JsonService("webhook receiver", f"http://127.0.0.1:{port}").post("/x", json={})
    assert len(requests) == 1


def test_a_get_dropped_twice_is_unreachable():
    port, _ = _server([None, None])
    with pytest.raises(ServiceUnreachable, match="RemoteProtocolError"):
        JsonService("prometheus", f"http://127.0.0.1:{port}").get("/api/v1/rules")
