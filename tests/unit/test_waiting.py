"""The one waiting primitive: bounded, explains itself, records the states it saw."""
import time

import pytest

from chaos_harness.errors import ServiceUnreachable
from chaos_harness.log import console
from chaos_harness.waiting import Check, WaitTimedOut, wait_until


def test_returns_the_value_once_done():
    calls = iter([Check(False, "pending"), Check(False, "pending"), Check(True, "firing", 42)])
    result = wait_until(lambda: next(calls), what="x", timeout=5, interval=0.01)
    assert result.value == 42
    assert [s.state for s in result.history] == ["pending", "firing"]


def test_timeout_names_what_it_waited_for_and_what_it_saw():
    states = iter(["inactive"] * 3 + ["pending"] * 1000)
    started = time.time()
    with pytest.raises(WaitTimedOut) as exc:
        wait_until(lambda: Check(False, next(states)), what="Foo to fire", timeout=0.3, interval=0.02)
    assert 0.3 <= time.time() - started < 1.0, "bounded"
    message = str(exc.value)
    assert message.startswith("waited 0.3s for Foo to fire; saw: inactive (")
    assert "; pending (" in message
    assert exc.value.last_state == "pending"


def test_transient_errors_are_recorded_and_polling_goes_on():
    answers = iter([ServiceUnreachable("down"), Check(True, "up", "ok")])

    def probe():
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer
    result = wait_until(probe, what="x", timeout=2, interval=0.01, transient=(ServiceUnreachable,))
    assert result.history[0].state == "error: ServiceUnreachable: down"


def test_other_errors_propagate_at_once():
    def probe():
        raise ValueError("bug")
    with pytest.raises(ValueError):
        wait_until(probe, what="x", timeout=5, interval=0.01)


def test_long_waits_log_progress(capsys):
    console()
    with pytest.raises(WaitTimedOut):
        wait_until(lambda: Check(False, "pending"), what="Foo", timeout=0.35, interval=0.05, progress_every=0.1)
    err = capsys.readouterr().err
    assert "[chaos]   ... still waiting for Foo" in err and "pending" in err
