"""The Trino backlog drill's pieces without a coordinator: what counts as queued, the kill loop, the round trip
through the ledger's description."""
from types import SimpleNamespace

import pytest

from chaos_harness.catalog import TrinoClient
from chaos_harness.errors import InfrastructureError
from chaos_harness.faults import fault_from_description
from chaos_harness.faults.trino import DRILL_SOURCE, QueryBacklog, backlog, kill_queries, wait_accepting_queries
from chaos_harness.waiting import WaitTimedOut


class FakeCoordinator(TrinoClient):
    """The query list of a coordinator; a kill marks the query FAILED, unless it is stuck."""

    def __init__(self, queries, stuck=()):
        self.listed = [{"queryId": q, "state": s, "session": {"source": src}} for q, s, src in queries]
        self.stuck, self.kills = set(stuck), []

    def queries(self, source="", unfinished=True):
        return [q for q in self.listed if (not source or q["session"]["source"] == source)
                and (not unfinished or q["state"] in self.UNFINISHED)]

    def kill(self, query_id, message):
        self.kills.append(query_id)
        if query_id not in self.stuck:
            next(q for q in self.listed if q["queryId"] == query_id)["state"] = "FAILED"


def _coordinator(stuck=()):
    return FakeCoordinator([("q1", "RUNNING", DRILL_SOURCE), ("q2", "QUEUED", DRILL_SOURCE),
                            ("q3", "WAITING_FOR_RESOURCES", DRILL_SOURCE), ("q4", "FINISHED", DRILL_SOURCE),
                            ("other", "QUEUED", "dashboards")], stuck)


def test_backlog_counts_only_the_drills_unfinished_queries():
    assert backlog(_coordinator()) == (1, 2)


def test_kill_queries_kills_every_unfinished_query_of_the_source_and_nothing_else():
    coordinator = _coordinator()
    assert kill_queries(coordinator, DRILL_SOURCE, "test") == 3
    assert sorted(coordinator.kills) == ["q1", "q2", "q3"]
    assert backlog(coordinator) == (0, 0) and coordinator.queries("dashboards")
    assert kill_queries(coordinator, DRILL_SOURCE, "again") == 0      # idempotent


def test_kill_queries_says_what_is_left_when_a_query_will_not_die(monkeypatch):
    monkeypatch.setattr("chaos_harness.faults.trino.KILL_TIMEOUT", 0.5)
    with pytest.raises(WaitTimedOut, match="1 queries of 'chaos-backlog-drill' still unfinished"):
        kill_queries(_coordinator(stuck=("q2",)), DRILL_SOURCE, "test")


def test_the_backlog_fault_round_trips_through_the_ledger_description():
    fault = QueryBacklog("trino", queries=8)
    assert fault.describe() == {"kind": "trino-query-backlog", "service": "trino", "queries": 8}
    assert fault_from_description(fault.describe()) == fault


class EndlessStatement:
    """An API whose statement never finishes (every answer has a next page); it records the methods it was asked."""
    def __init__(self):
        self.methods = []

    def request(self, method, path, **kwargs):
        self.methods.append(method)
        return SimpleNamespace(json=lambda: {"nextUri": "http://trino/v1/statement/x/1", "stats": {"state": "QUEUED"}})


def test_run_gives_up_on_a_statement_that_does_not_finish_in_time_and_cancels_it():
    client = TrinoClient.__new__(TrinoClient)
    client.api = EndlessStatement()
    with pytest.raises(InfrastructureError, match=r"still QUEUED after 0.2s \(cancelled\)"):
        client.run("SELECT 1", timeout=0.2)
    assert client.api.methods[-1] == "DELETE", "a statement given up on is cancelled, freeing its slot"


def test_the_drill_waits_until_the_coordinator_runs_a_query(monkeypatch):
    answers = iter([{"stats": {"state": "FAILED"}, "error": {"message": "nodes is empty"}},
                    {"stats": {"state": "FINISHED"}}])
    coordinator = _coordinator()
    monkeypatch.setattr(coordinator, "run", lambda sql, timeout: next(answers), raising=False)
    wait_accepting_queries(coordinator)      # returns once the probe query finished; the first answer failed
