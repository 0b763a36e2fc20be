"""The ledger is written before acting and tells cleanup what a crashed run left behind."""
import os
import subprocess
import sys

from chaos_harness.ledger import Ledger, pid_alive


def test_open_faults_are_those_not_reverted(tmp_path):
    ledger = Ledger(tmp_path / "ledger.jsonl")
    a = ledger.fault_injecting("chaos-1", {"kind": "container-paused", "service": "redis"})
    b = ledger.fault_injecting("chaos-1", {"kind": "container-stopped", "service": "redis"})
    ledger.fault_reverted(a)
    assert [f.id for f in ledger.open_faults()] == [b]
    assert ledger.open_faults()[0].fault == {"kind": "container-stopped", "service": "redis"}
    assert ledger.open_faults()[0].pid == os.getpid()


def test_open_stacks_are_those_not_taken_down(tmp_path):
    ledger = Ledger(tmp_path / "ledger.jsonl")
    ledger.stack_up("chaos-a", "a.env")
    ledger.stack_up("chaos-b", "b.env")
    ledger.stack_down("chaos-a")
    assert [s.project for s in ledger.open_stacks()] == ["chaos-b"]


def test_a_line_torn_by_a_crash_is_ignored(tmp_path):
    ledger = Ledger(tmp_path / "ledger.jsonl")
    fid = ledger.fault_injecting("chaos-1", {"kind": "no-fault"})
    with open(ledger.path, "a") as fh:
        fh.write('{"event": "fault-rever')
    assert [f.id for f in ledger.open_faults()] == [fid]


def test_missing_ledger_means_nothing_open(tmp_path):
    assert Ledger(tmp_path / "none.jsonl").open_faults() == []


def test_pid_alive():
    assert pid_alive(os.getpid())
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert not pid_alive(child.pid)


class _Compose:
    def __init__(self, interrupted: bool):
        self.interrupted = interrupted

    def stop(self, down: bool = True):
        if self.interrupted:   # what execnet's SIGINT does to an xdist worker in the middle of `compose down`
            raise KeyboardInterrupt


def test_a_stack_whose_compose_down_was_interrupted_stays_open_for_cleanup(tmp_path):
    import pytest

    from chaos_harness.stack import Stack
    for interrupted, still_open in ((False, []), (True, ["chaos-x"])):
        ledger = Ledger(tmp_path / f"ledger-{interrupted}.jsonl")
        stack = Stack("chaos-x", ledger=ledger)
        ledger.stack_up("chaos-x", str(stack.env_file))
        stack._compose = _Compose(interrupted)
        if interrupted:
            with pytest.raises(KeyboardInterrupt):
                stack.stop()
        else:
            stack.stop()
        assert [s.project for s in ledger.open_stacks()] == still_open


class _Container:
    def __init__(self, probes):
        self.attrs = {"State": {"Health": {"Status": "unhealthy", "Log": probes}}}


def test_a_start_failure_names_what_the_last_healthcheck_saw():
    from chaos_harness.stack import _last_probe
    body = '{"status": "starting", "artifacts": "not ready: starting"}\n'
    assert _last_probe(_Container([{"ExitCode": 0, "Output": "ok"}, {"ExitCode": 22, "Output": body}])) == (
        ', last healthcheck exit 22: {"status": "starting", "artifacts": "not ready: starting"}')
    assert _last_probe(_Container([{"ExitCode": 1, "Output": ""}])) == ", last healthcheck exit 1: (no output)"
    assert _last_probe(_Container([])) == ""
