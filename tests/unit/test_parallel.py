"""How the suite splits over xdist workers (chaos_harness/parallel.py): two stack groups, the profiles a worker's
stack starts with, and when a worker may release its stack."""
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest

from chaos_harness import parallel
from chaos_harness.parallel import GROUP_CORE, GROUP_PROFILES

pytestmark = pytest.mark.unit


@dataclass
class Item:
    """What the functions read of a pytest item: its fixtures, stack_profile markers and scenario parameter."""
    fixturenames: tuple = ()
    markers: tuple = ()                 # stack_profile args, one tuple per marker
    scenario_profiles: tuple | None = None
    callspec: object = field(init=False)

    def __post_init__(self):
        scenario = None if self.scenario_profiles is None else SimpleNamespace(profiles=self.scenario_profiles)
        self.callspec = SimpleNamespace(params={"scenario": scenario} if scenario else {})

    def iter_markers(self, name):
        return [SimpleNamespace(args=args) for args in self.markers] if name == "stack_profile" else []


UNIT = Item(fixturenames=("tmp_path",))
REDIS_PROOF = Item(fixturenames=("run_scenario",), scenario_profiles=())
CDC_PROOF = Item(fixturenames=("run_scenario",), scenario_profiles=("cdc",))
CASSANDRA_CHECK = Item(fixturenames=("chaos_stack",), markers=(("cassandra",),))
MINIO_CONTROL = Item(fixturenames=("run_scenario", "chaos_stack"), scenario_profiles=("minio",))
DASHBOARD_QUERIES = Item(fixturenames=("chaos_stack",))


def test_tests_on_the_stack_split_by_whether_they_need_a_profile():
    assert parallel.stack_group(UNIT) is None
    assert [parallel.stack_group(i) for i in (REDIS_PROOF, DASHBOARD_QUERIES)] == [GROUP_CORE] * 2
    assert [parallel.stack_group(i) for i in (CDC_PROOF, CASSANDRA_CHECK, MINIO_CONTROL)] == [GROUP_PROFILES] * 3


def test_a_grouped_worker_starts_with_the_profiles_of_its_first_group_only():
    items = [UNIT, REDIS_PROOF, CDC_PROOF, CASSANDRA_CHECK, MINIO_CONTROL, DASHBOARD_QUERIES]
    assert parallel.profiles_to_start(items) == ["cassandra", "cdc", "minio"], "ungrouped: one stack for all"
    assert parallel.profiles_to_start(items, REDIS_PROOF, grouped=True) == []
    assert parallel.profiles_to_start(items, CASSANDRA_CHECK, grouped=True) == ["cassandra", "cdc", "minio"]
    assert parallel.profiles_to_start([UNIT]) == []


FLINK_PROOF = Item(fixturenames=("run_scenario",), scenario_profiles=("cdc", "flink"))
TRINO_DRILL = Item(fixturenames=("chaos_stack",), markers=(("trino",),))
FLINK_DELAY_UNIT = Item(fixturenames=("tmp_path",), scenario_profiles=("cdc", "flink"))   # no stack: stays put


O2O_PROOF = Item(fixturenames=("run_scenario",), scenario_profiles=("o2o",))


def test_one_process_starts_without_the_on_demand_profiles_and_runs_their_tests_last():
    items = [UNIT, FLINK_PROOF, REDIS_PROOF, TRINO_DRILL, FLINK_DELAY_UNIT, CDC_PROOF]
    assert parallel.in_one_process_order(items) == [UNIT, REDIS_PROOF, FLINK_DELAY_UNIT, CDC_PROOF, FLINK_PROOF,
                                                    TRINO_DRILL]
    assert parallel.in_one_process_order([O2O_PROOF, FLINK_PROOF, UNIT, TRINO_DRILL, O2O_PROOF]) == [
        UNIT, FLINK_PROOF, TRINO_DRILL, O2O_PROOF, O2O_PROOF], \
        "one profile after the other: Flink's first, with the data platform still up; Airflow's on quiet cores"
    assert parallel.profiles_to_start(items, on_demand=True) == ["cdc"]
    assert parallel.profiles_to_start(items) == ["cdc", "flink", "trino"], "attached (--stack): everything"
    assert parallel.profiles_to_start([UNIT, FLINK_PROOF], on_demand=True) == ["cdc", "flink"], \
        "only on-demand tests: started at once"


def test_the_stack_is_released_only_when_the_next_test_needs_none():
    assert parallel.releases_stack_after(CDC_PROOF, UNIT)
    assert not parallel.releases_stack_after(CDC_PROOF, REDIS_PROOF), "another group: the stack grows instead"
    assert not parallel.releases_stack_after(CDC_PROOF, None), "the session's end tears it down anyway"
    assert not parallel.releases_stack_after(UNIT, UNIT)


@pytest.mark.parametrize("dist, worker_flag, grouped", [("loadgroup", None, True), ("no", True, True),
                                                        ("no", None, False), ("load", False, False)])
def test_loadgroup_is_seen_on_the_controller_and_on_workers(dist, worker_flag, grouped):
    option = SimpleNamespace(**({} if worker_flag is None else {"loadgroup": worker_flag}))
    config = SimpleNamespace(getoption=lambda name, default=None: dist if name == "dist" else default, option=option)
    assert parallel.loadgroup(config) is grouped


def test_a_profile_is_done_after_its_last_stack_test():
    items = [UNIT, CASSANDRA_CHECK, MINIO_CONTROL, CDC_PROOF, FLINK_DELAY_UNIT, FLINK_PROOF, TRINO_DRILL, O2O_PROOF,
             O2O_PROOF, UNIT]
    assert parallel.profiles_done_after(items) == {1: ["cassandra"], 2: ["minio"], 5: ["cdc", "flink"], 6: ["trino"],
                                                   8: ["o2o"]}, "the data platform's with Flink's, its last user"
    assert parallel.profiles_done_after(items, kept={"minio"}) == {1: ["cassandra"], 5: ["cdc", "flink"],
                                                                   6: ["trino"], 8: ["o2o"]}, \
        "a profile that configures another's service stays to the end"
    assert parallel.profiles_needed_after(items, 2) == {"cdc", "flink", "trino", "o2o"}, \
        "minio's service stays for Flink's tests (the flink profile starts it too)"
    assert parallel.profiles_needed_after(items, 8) == set()
    assert parallel.profiles_done_after([UNIT, REDIS_PROOF, FLINK_DELAY_UNIT]) == {}, \
        "no profile on the stack; a stackless test of a flink scenario does not count"


def test_the_o2o_tests_go_with_the_core_and_a_group_adds_its_on_demand_profiles_last():
    assert parallel.stack_group(O2O_PROOF) == GROUP_CORE, "OMS leans on the core's payment-service"
    assert parallel.stack_group(Item(fixturenames=("run_scenario",), scenario_profiles=("o2o", "kafka"))) == \
        GROUP_PROFILES
    items = parallel.in_one_process_order([O2O_PROOF, REDIS_PROOF, FLINK_PROOF, CDC_PROOF, UNIT, TRINO_DRILL])
    assert items == [REDIS_PROOF, CDC_PROOF, UNIT, FLINK_PROOF, TRINO_DRILL, O2O_PROOF]
    core = [i for i in items if parallel.stack_group(i) == GROUP_CORE]
    platform = [i for i in items if parallel.stack_group(i) == GROUP_PROFILES]
    assert core == [REDIS_PROOF, O2O_PROOF] and platform == [CDC_PROOF, FLINK_PROOF, TRINO_DRILL], \
        "each group ends with its on-demand tests, one profile after the other"
    assert parallel.profiles_to_start(items, REDIS_PROOF, grouped=True, on_demand=True) == []
    assert parallel.profiles_to_start(items, CDC_PROOF, grouped=True, on_demand=True) == ["cdc"]
    assert parallel.profiles_to_start(items, CDC_PROOF, grouped=True) == ["cdc", "flink", "trino"]
    assert parallel.profiles_to_start([O2O_PROOF, UNIT], O2O_PROOF, grouped=True, on_demand=True) == ["o2o"], \
        "a group of on-demand tests only starts with them"
