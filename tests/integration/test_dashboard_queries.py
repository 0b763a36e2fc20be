"""Every query of the `Dataflow Overview` dashboard against the running Prometheus: it is accepted,
and the panels of the services this stack runs (service availability, Notification) return series,
so the dashboard cannot rot silently when a metric is renamed."""
import pytest

from chaos_harness.catalog import NOTIFICATION_SERVICE
from chaos_harness.dashboard import panel_queries
from chaos_harness.errors import InfrastructureError
from chaos_harness.services import NotificationClient
from chaos_harness.waiting import Check, wait_until

QUERIES = panel_queries()
ROWS_THE_STACK_RUNS = {"Service availability", "Notification"}


@pytest.fixture(scope="module")
def notifications_sent(chaos_stack) -> None:
    """Some real sends, so the per-channel histogram has series (it has none before a first send)."""
    client = NotificationClient(NOTIFICATION_SERVICE.url(chaos_stack))
    for i in range(5):
        client.create_and_send(f"dashboard-probe-{i}")


@pytest.mark.parametrize("query", QUERIES, ids=str)
def test_panel_query_is_accepted_and_returns_series_for_running_services(prometheus, notifications_sent, query):
    try:
        prometheus.query(query.expr)          # a PromQL error is a 400: InfrastructureError naming the query
    except InfrastructureError as exc:
        pytest.fail(f"{query}: Prometheus rejects `{query.expr}`: {exc}")
    if query.row not in ROWS_THE_STACK_RUNS:
        return
    # rate() over a fresh stack needs two scrapes before it has a value
    wait_until(lambda: Check(bool(series := prometheus.query(query.expr)), f"{len(series)} series"),
               what=f"series for panel {query}: `{query.expr}`", timeout=30, interval=0.5)
