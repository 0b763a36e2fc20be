"""The service catalog (chaos_harness/catalog.py) is the one place that knows a service's name, port and readiness,
and each technology's one way in (SQL, CQL, redis-cli, HTTP API, S3), checked here without a stack."""
import re

import pytest
import yaml

from chaos_harness import catalog
from chaos_harness.catalog import SERVICES, service
from chaos_harness.errors import ForeignTarget, ServiceUnreachable
from fixtures import COMPOSE_FILE, ROOT

pytestmark = pytest.mark.unit

LITERAL_URL = re.compile(r"""\.url\(\s*["'][a-z0-9-]+["']\s*,\s*\d+\s*\)""")


def test_every_compose_service_is_in_the_catalog_with_a_port_it_exposes():
    compose = yaml.safe_load((ROOT / COMPOSE_FILE).read_text())["services"]
    assert set(compose) == set(SERVICES)
    for name, spec in compose.items():
        published = {int(p.rsplit(":", 1)[-1]) for p in spec.get("ports") or []}
        assert not published or SERVICES[name].port in published, f"{name}: catalog port not published"


def test_no_code_passes_a_literal_service_name_and_port():
    offenders = [f"{path.relative_to(ROOT)}:{n}" for folder in ("chaos_harness", "fixtures", "scenarios", "scripts", "tests")
                 for path in (ROOT / folder).rglob("*.py")
                 for n, line in enumerate(path.read_text().splitlines(), 1) if LITERAL_URL.search(line)]
    assert offenders == [], "use the catalog: SUPPORT_SERVICE.url(owner), catalog.service(name).url(owner)"


def test_an_unknown_service_is_a_clear_error():
    with pytest.raises(ForeignTarget, match="no service 'rediss' in the catalog"):
        service("rediss")


class Owner:
    """Records each `docker exec` and answers it; urls like a stack's published ports."""

    def __init__(self, answer=""):
        self.answer, self.calls = answer, []

    def run(self, service, command, *, what, error=Exception):
        self.calls.append((service, command, what, error))
        return self.answer

    def url(self, service, port):
        return f"http://127.0.0.1:4{port % 1000:03d}"


def test_mariadb_sql_runs_as_root_over_the_socket_and_splits_rows_and_columns():
    owner = Owner("1\t40\t151\n2\tx\t3")
    assert catalog.MARIADB.sql(owner, "SELECT 1") == [["1", "40", "151"], ["2", "x", "3"]]
    service, argv, _, _ = owner.calls[0]
    assert service == "mariadb" and argv[:5] == ["mariadb", "--protocol=socket", "-uroot", "-N", "-B"]
    catalog.MARIADB.sql(owner, "BEGIN NOT ATOMIC SELECT 1; END", delimiter="//")
    assert "--delimiter=//" in owner.calls[1][1]


def test_postgres_sql_and_cassandra_cql_exec_in_their_containers():
    owner = Owner("3\t5\t40")
    assert catalog.POSTGRES.sql(owner, "SELECT 1") == [["3", "5", "40"]]
    assert owner.calls[0][0] == "postgres" and owner.calls[0][1][0] == "psql"
    owner = Owner("line one\nline two")
    assert catalog.CASSANDRA_NODE2.cql(owner, "SELECT now() FROM system.local") == ["line one", "line two"]
    assert owner.calls[0][:2] == ("cassandra-node2", ["cqlsh", "-e", "SELECT now() FROM system.local"])


def test_redis_cli_passes_the_error_class_the_fault_wants():
    owner = Owner("(integer) 3")
    catalog.REDIS.cli(owner, "-n", "1", "DBSIZE", error=ServiceUnreachable)
    assert owner.calls[0][1] == ["redis-cli", "-n", "1", "DBSIZE"] and owner.calls[0][3] is ServiceUnreachable


def test_http_services_connect_and_minio_build_their_clients_on_the_published_port(monkeypatch):
    owner = Owner()
    assert catalog.SUPPORT_SERVICE.api(owner).name == "support-service"
    assert catalog.CONNECT.client(owner).api.name == "kafka-connect"
    monkeypatch.setenv("MINIO_ROOT_USER", "someone")
    s3 = catalog.MINIO.client(owner)
    assert s3._base_url.host == "127.0.0.1:4000"


def test_of_kind_refuses_a_service_of_another_technology():
    assert catalog.of_kind("mariadb", catalog.MariaDb) is catalog.MARIADB
    with pytest.raises(ForeignTarget, match="'redis' is a Redis, not a MariaDb"):
        catalog.of_kind("redis", catalog.MariaDb)
    with pytest.raises(ForeignTarget, match="no service 'mongodb'"):
        catalog.of_kind("mongodb", catalog.MariaDb)


class _StartingMinio:
    """Answers every request as MinIO does while it starts: 503 XMinioServerNotInitialized with Retry-After 120."""
    BODY = (b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>XMinioServerNotInitialized</Code>'
            b"<Message>Server not initialized yet, please try again.</Message></Error>")

    def __enter__(self) -> str:
        import http.server
        import threading

        body = self.BODY

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_HEAD(self, payload=b""):   # noqa: N802 - the stdlib's naming
                self.send_response(503)
                self.send_header("Retry-After", "120")
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self):   # noqa: N802
                self.do_HEAD(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"127.0.0.1:{self.server.server_port}"

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize("client", ["harness", "fulfillment-service"])
def test_an_s3_client_gives_up_in_seconds_on_a_starting_minio(client):
    """The minio package alone would sleep 120 s per retry here (it honours Retry-After): the fulfillment
    service's first listing outlasted its healthcheck that way (CI 2026-12-02)."""
    import sys
    import time
    sys.path.append(str(ROOT / "stack" / "services"))
    from commerce.artifacts import bounded_http
    from minio import Minio as S3

    with _StartingMinio() as endpoint:
        s3 = (catalog.Minio.client_at(endpoint) if client == "harness"
              else S3(endpoint, access_key="a", secret_key="b", secure=False, http_client=bounded_http()))
        started = time.monotonic()
        with pytest.raises(Exception):
            s3.bucket_exists("fulfillment-artifacts")
        assert time.monotonic() - started < 5
