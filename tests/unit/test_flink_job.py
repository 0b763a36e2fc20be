"""The Flink orders job's pieces without a cluster: the REST client's reading of jobs, failures and checkpoints,
the schema-change and lakehouse-storage faults' round trips through the ledger's description, and when the
lakehouse's commits count as failing."""
from chaos_harness.catalog import FlinkClient
from chaos_harness.faults import fault_from_description
from chaos_harness.faults.flink import JOB_NAME, SCHEMA_ERROR, ColumnTypeChanged, orders_job
from chaos_harness.faults.lakehouse import StorageUnreachable, checkpoint_failing


class FakeJobManager(FlinkClient):
    def __init__(self, answers):
        self.answers = answers

        class Api:
            def get(_, path):
                return self.answers[path]
        self.api = Api()


def test_orders_job_is_the_newest_unfinished_job_of_that_name():
    client = FakeJobManager({"/jobs/overview": {"jobs": [
        {"jid": "old", "name": JOB_NAME, "state": "CANCELED", "start-time": 3},
        {"jid": "a", "name": JOB_NAME, "state": "RESTARTING", "start-time": 1},
        {"jid": "b", "name": JOB_NAME, "state": "RUNNING", "start-time": 2},
        {"jid": "c", "name": "another-job", "state": "RUNNING", "start-time": 4}]}})
    assert orders_job(client)["jid"] == "b"
    assert [j["jid"] for j in client.jobs(JOB_NAME, unfinished=False)] == ["old", "b", "a"]


def test_failures_and_the_last_checkpoint_come_from_the_rest_answers():
    client = FakeJobManager({
        "/jobs/j/exceptions": {"exceptionHistory": {"entries": [{"stacktrace": f"Caused by: {SCHEMA_ERROR} is '1'"}]}},
        "/jobs/j/checkpoints": {"latest": {"completed": {"external_path": "file:/var/lib/flink/checkpoints/j/chk-7"}}},
        "/jobs/k/exceptions": {}, "/jobs/k/checkpoints": {"latest": {"completed": None}}})
    assert SCHEMA_ERROR in client.failures("j")[0] and client.failures("k") == []
    assert client.last_checkpoint("j").endswith("chk-7") and client.last_checkpoint("k") is None


def test_the_schema_change_round_trips_through_the_ledger_description():
    fault = ColumnTypeChanged("mariadb", "oltp.orders", "amount")
    assert fault.describe() == {"kind": "column-type-changed", "database": "mariadb", "table": "oltp.orders",
                                "column": "amount", "service": "flink-jobmanager"}
    assert fault_from_description(fault.describe()) == fault


def test_the_storage_outage_round_trips_through_the_ledger_description():
    fault = StorageUnreachable("minio")
    assert fault.describe() == {"kind": "lakehouse-storage-unreachable", "storage": "minio", "database": "mariadb",
                                "table": "oltp.orders", "service": "flink-jobmanager"}
    assert fault_from_description(fault.describe()) == fault


def test_commits_fail_while_the_newest_checkpoint_attempt_failed_after_the_last_completed_one(monkeypatch):
    import chaos_harness.faults.lakehouse as lakehouse
    overview = {"jobs": [{"jid": "j1", "name": JOB_NAME, "state": "RUNNING", "start-time": 1}]}

    def client_with(latest):
        return FakeJobManager({"/jobs/overview": overview, "/jobs/j1/checkpoints": {"latest": latest}})
    cases = [({"completed": {"id": 9, "trigger_timestamp": 90}, "failed": {"id": 10, "trigger_timestamp": 100,
                                                                           "failure_message": "expired"}}, True),
             ({"completed": {"id": 11, "trigger_timestamp": 110}, "failed": {"id": 10, "trigger_timestamp": 100}}, False),
             ({"completed": {"id": 3, "trigger_timestamp": 30}, "failed": None}, False)]
    for latest, failing in cases:
        monkeypatch.setattr(lakehouse, "flink_client", lambda owner, service, c=client_with(latest): c)
        check = checkpoint_failing(owner=None)
        assert check.done is failing, check.state
