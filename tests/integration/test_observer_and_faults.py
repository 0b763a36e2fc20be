"""Alert observer and fault errors against the real stack: fast, clear, bounded."""
import socket
import time

import pytest

from chaos_harness.errors import AlertDidNotFire, ForeignTarget, ServiceUnreachable, UnknownAlert
from chaos_harness.faults import ContainerPaused, Nemesis
from chaos_harness.observe.alerts import AlertTarget
from chaos_harness.observe.prometheus import Prometheus


def test_unknown_alert_fails_fast_listing_close_names(observer):
    started = time.time()
    with pytest.raises(UnknownAlert) as exc:
        observer.rule(AlertTarget("NotificationRateLimitErrors", "data-ops"))
    assert time.time() - started < 2
    assert "did you mean NotificationRateLimiterErrors" in str(exc.value)


def test_timeout_says_what_state_the_alert_and_its_expression_were_in(observer):
    target = AlertTarget("NotificationRateLimiterErrors", "data-ops")
    observer.wait_quiet(target, timeout=30)  # an earlier drill (Redis outage) may still be clearing it
    started = time.time()
    with pytest.raises(AlertDidNotFire) as exc:
        observer.wait_firing(target, since=time.time(), timeout=1.0)
    assert time.time() - started < 3
    message = str(exc.value)
    assert "NotificationRateLimiterErrors to fire: not reached within 1.0s" in message
    assert "is inactive, health=ok" in message
    assert "notification_rate_limit_errors_total" in message and "now returns: no series" in message
    assert "States seen: inactive (" in message


def test_unreachable_prometheus_is_a_clear_fast_error():
    with socket.socket() as s:  # a port on 127.0.0.1 nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    started = time.time()
    with pytest.raises(ServiceUnreachable, match=f"Prometheus at http://127.0.0.1:{port} is unreachable"):
        Prometheus(f"http://127.0.0.1:{port}").rule("NotificationRateLimiterErrors")
    assert time.time() - started < 3


def test_faults_refuse_targets_outside_the_stack(chaos_stack, ledger):
    nemesis = Nemesis(chaos_stack.owner, ledger)
    def mine() -> list[dict]:   # a parallel worker writes to the same ledger
        return [r for r in ledger.records() if r.get("project") == chaos_stack.project]
    before = mine()
    with pytest.raises(ForeignTarget, match="'mongodb' is not part of stack"):
        nemesis.inject(ContainerPaused("mongodb"))
    assert mine() == before, "refused before anything was written or touched"


def test_a_fault_is_in_the_ledger_before_it_acts_and_reverted_however_the_block_ends(chaos_stack, ledger):
    nemesis = Nemesis(chaos_stack.owner, ledger)
    container = chaos_stack.owner.container("redis-exporter")
    with pytest.raises(RuntimeError, match="boom"):
        with nemesis.applied(ContainerPaused("redis-exporter")) as applied:
            assert [f.id for f in ledger.open_faults() if f.project == chaos_stack.project] == [applied.ledger_id]
            container.reload()
            assert container.status == "paused"
            raise RuntimeError("boom")
    container.reload()
    assert container.status == "running"
    assert [f for f in ledger.open_faults() if f.project == chaos_stack.project] == []


def test_dry_run_nemesis_prints_the_plan_and_touches_nothing(chaos_stack, ledger, capsys):
    nemesis = Nemesis(chaos_stack.owner, ledger, dry_run=True)
    before = len(list(ledger.records()))
    with nemesis.applied(ContainerPaused("redis")):
        assert chaos_stack.owner.container("redis").status == "running"
    assert "[dry-run] would inject container-paused(service='redis')" in capsys.readouterr().err
    assert len(list(ledger.records())) == before
