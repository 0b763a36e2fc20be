"""Faults roll back on Ctrl-C, and a SIGKILLed run is repaired by one `cleanup` command.

Each test runs the Redis outage scenario in a child pytest with its own ledger and its own
stack, interrupts it while Redis is down, then checks the ledger and the Docker engine.
"""
import json
import os
import signal
import subprocess
import sys
import threading

import pytest

from chaos_harness.docker_env import docker_client
from chaos_harness.ledger import Ledger
from chaos_harness.stack import PROJECT_LABEL
from chaos_harness.waiting import Check, wait_until
from fixtures import ROOT

FAULT_HOLDING = "[chaos] Inject fault: done"


@pytest.fixture
def ledger(tmp_path):
    """The child's own ledger; whatever it still lists when the test ends (a failed assertion before the repair)
    is repaired, so a failing test does not leave a stack running."""
    ledger = Ledger(tmp_path / "ledger.jsonl")
    yield ledger
    if ledger.open_faults() or ledger.open_stacks():
        _cleanup(ledger, "--force")


def _cleanup(ledger, *args):
    """The one command that repairs a crashed run, against the child's ledger."""
    return subprocess.run([sys.executable, "-m", "chaos_harness", "cleanup", *args, "--ledger", str(ledger.path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=180)


def _start_child(ledger_path, *pytest_args):
    # its own ledger and results: its run journal must not join the one the parallel proof of the same scenario writes
    env = {**os.environ, "CHAOS_LEDGER": str(ledger_path), "CHAOS_RESULTS_DIR": str(ledger_path.parent / "results"),
           "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", *pytest_args, "--scenario",
         "notification_redis_outage", "tests/chaos/test_runbook_scenarios.py"],
        cwd=ROOT, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, start_new_session=True)


def _wait_for_line(child, needle, timeout):
    seen, found = [], threading.Event()

    def read():
        for line in child.stderr:
            seen.append(line)
            if needle in line:
                found.set()
                return
    threading.Thread(target=read, daemon=True).start()
    if not found.wait(timeout):
        child.kill()
        pytest.fail(f"child never printed {needle!r} within {timeout}s; last output:\n{''.join(seen[-20:])}")


def _project(ledger):
    return next(r["project"] for r in ledger.records() if r["event"] == "stack-up")


def _project_objects(project):
    client = docker_client()
    label = {"label": f"{PROJECT_LABEL}={project}"}
    return client.containers.list(all=True, filters=label) + client.networks.list(filters=label) + \
        client.volumes.list(filters=label)


def test_sigkill_while_redis_is_paused_then_cleanup_reverts_and_removes_everything(ledger):
    child = _start_child(ledger.path)
    _wait_for_line(child, FAULT_HOLDING, timeout=240)
    project = _project(ledger)
    os.killpg(child.pid, signal.SIGKILL)
    child.wait(timeout=10)
    redis = docker_client().containers.list(all=True, filters={"label": [f"{PROJECT_LABEL}={project}",
                                                                         "com.docker.compose.service=redis"]})[0]
    assert redis.status == "paused", "the crash left Redis paused"
    assert len(ledger.open_faults()) == 1

    result = _cleanup(ledger)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "reverted fault container-paused(redis)" in result.stdout
    assert f"removed stack {project}" in result.stdout
    assert ledger.open_faults() == [] and ledger.open_stacks() == []
    reverted = [r for r in ledger.records() if r["event"] == "fault-reverted"]
    assert reverted and reverted[-1]["by"] == "cleanup"
    assert _project_objects(project) == [], "nothing of the crashed stack is left"


def test_ctrl_c_while_redis_is_down_rolls_back_and_removes_the_stack(ledger):
    child = _start_child(ledger.path)
    _wait_for_line(child, FAULT_HOLDING, timeout=240)
    project = _project(ledger)
    os.killpg(child.pid, signal.SIGINT)
    child.wait(timeout=120)
    events = [r["event"] for r in ledger.records()]
    assert "fault-reverted" in events, json.dumps(list(ledger.records()), indent=1)
    assert ledger.open_faults() == [] and ledger.open_stacks() == []
    assert _project_objects(project) == []


def test_sigterm_to_the_xdist_controller_alone_rolls_back_the_workers_fault(ledger):
    """`make test` runs xdist workers; a `kill` of the controller alone (not its process group) still ends with
    the worker's fault reverted by the run. execnet gives an interrupted worker ~15 s (5 s, then a SIGINT, then
    10 s, then `os._exit`): its stack is removed in that time on a quiet machine (6 s measured); on a loaded one
    `compose down` may not finish, and the one `cleanup` command removes what is left."""
    child = _start_child(ledger.path, "-n", "1", "--dist", "loadgroup", "--no-loadscope-reorder")
    wait_until(lambda: Check(bool(ledger.open_faults()), "no fault injected yet"),
               what="the worker to inject its fault", timeout=240, interval=0.5)
    project = _project(ledger)
    os.kill(child.pid, signal.SIGTERM)        # the controller only; the worker is its child
    child.wait(timeout=180)
    assert [r["by"] for r in ledger.records() if r["event"] == "fault-reverted"] == ["run"]
    assert ledger.open_faults() == []
    if ledger.open_stacks():
        result = _cleanup(ledger)
        assert result.returncode == 0 and f"removed stack {project}" in result.stdout, result.stdout + result.stderr
    assert ledger.open_stacks() == [] and _project_objects(project) == []
