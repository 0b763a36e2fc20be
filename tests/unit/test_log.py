"""The harness logs through `chaos_harness` loggers; the console handler writes `[chaos] ...` to the current stderr."""
import logging

import pytest

from chaos_harness import log

pytestmark = pytest.mark.unit


@pytest.fixture(autouse=True)
def _restore_level():
    root = logging.getLogger(log.ROOT)
    level = root.level
    yield
    root.setLevel(level)


def test_progress_reaches_the_current_stderr_once(capsys):
    log.console()
    log.console()                                  # idempotent: one handler, one line
    log.logger("stack").info("stack %s: up", "chaos-x")
    assert capsys.readouterr().err == "[chaos] stack chaos-x: up\n"


def test_the_level_comes_from_the_environment(capsys, monkeypatch):
    monkeypatch.setenv(log.LEVEL_ENV, "warning")
    log.console()
    log.logger("journal").info("Detect: done")
    log.logger("journal").warning("Detect: FAILED")
    assert capsys.readouterr().err == "[chaos] Detect: FAILED\n"


def test_a_wrong_level_says_so_and_keeps_info(capsys, monkeypatch):
    monkeypatch.setenv(log.LEVEL_ENV, "LOUD")
    log.console()
    log.logger("x").info("still shown")
    err = capsys.readouterr().err
    assert "CHAOS_LOG_LEVEL='LOUD' is not a logging level" in err and "[chaos] still shown" in err


def test_module_names_map_under_the_harness_logger():
    assert log.logger("chaos_harness.stack").name == "chaos_harness.stack"
    assert log.logger("stack").name == "chaos_harness.stack"
