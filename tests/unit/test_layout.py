"""The project layout (chaos_harness/layout.py) and the installed plugin: content paths are settings, resolved
option > ini > environment > default, and a project outside this repository is found from its own directory."""
import os
import subprocess
import sys

import pytest

from chaos_harness.errors import ConfigError
from chaos_harness.layout import SETTINGS, find_root, ini_values, require, resolve
from fixtures import ROOT

pytestmark = pytest.mark.unit


def test_defaults_are_under_the_root(tmp_path, monkeypatch):
    for s in SETTINGS:
        monkeypatch.delenv(s.env, raising=False)
    layout = resolve(tmp_path)
    assert layout.compose_file == tmp_path / "docker-compose.test.yml"
    assert layout.rules_dir == tmp_path / "stack" / "monitoring" / "prometheus" / "rules"
    assert layout.runbooks_dir == tmp_path / "docs" / "runbooks"
    assert layout.scenarios == "scenarios" and layout.reports_dir == tmp_path / "reports"


def test_an_option_or_ini_value_beats_the_environment_which_beats_the_default(tmp_path, monkeypatch):
    monkeypatch.setenv("CHAOS_COMPOSE_FILE", "from-env.yml")
    monkeypatch.setenv("CHAOS_RUNBOOKS_DIR", "/abs/runbooks")
    given = {"compose_file": "compose.yml"}
    layout = resolve(tmp_path, lambda s: given.get(s.name))
    assert layout.compose_file == tmp_path / "compose.yml"
    assert str(layout.runbooks_dir) == "/abs/runbooks", "absolute paths are kept"
    assert resolve(tmp_path).compose_file == tmp_path / "from-env.yml"


def test_the_root_is_the_nearest_directory_holding_the_compose_file(tmp_path, monkeypatch):
    monkeypatch.delenv("CHAOS_PROJECT_ROOT", raising=False)
    monkeypatch.delenv("CHAOS_COMPOSE_FILE", raising=False)
    (tmp_path / "docker-compose.test.yml").write_text("services: {}\n")
    (tmp_path / "a" / "b").mkdir(parents=True)
    assert find_root(tmp_path / "a" / "b") == tmp_path
    monkeypatch.setenv("CHAOS_PROJECT_ROOT", str(tmp_path / "a"))
    assert find_root(tmp_path / "a" / "b") == tmp_path / "a"


def test_a_missing_content_path_is_a_clear_error_naming_the_setting(tmp_path):
    with pytest.raises(ConfigError) as err:
        require(resolve(tmp_path, lambda s: None))
    assert "--chaos-compose-file" in str(err.value) and "CHAOS_MONITORING_DIR" in str(err.value)
    assert require(resolve(ROOT)).root == ROOT


def _pytest(args, cwd, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CHAOS_")}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args], cwd=cwd,
                          env={**clean, **env}, capture_output=True, text=True, timeout=120)


def test_the_installed_plugin_loads_without_this_repositorys_conftest(tmp_path):
    """The entry point (`pytest11: chaos`) brings the options and markers into any directory."""
    done = _pytest(["--help"], tmp_path)
    assert "--chaos-compose-file" in done.stdout and "--chaos-time-factor" in done.stdout, done.stderr
    (tmp_path / "test_marked.py").write_text("import pytest\n\n@pytest.mark.chaos\ndef test_x():\n    pass\n")
    done = _pytest(["--strict-markers", "-q", "test_marked.py"], tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr   # the plugin registered the chaos marker


def test_a_scenario_run_in_a_project_without_its_content_stops_with_the_setting_to_fix(tmp_path):
    done = _pytest(["--chaos-scenario", "anything", "-q"], tmp_path)
    assert done.returncode == 4, done.stdout + done.stderr     # usage error, before anything starts
    assert "compose file" in done.stderr and "--chaos-compose-file" in done.stderr


def test_the_cli_lists_this_repositorys_scenarios_from_another_directory_given_the_root(tmp_path):
    done = subprocess.run([sys.executable, "-m", "chaos_harness", "--chaos-project-root", str(ROOT), "scenarios"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "notification_redis_outage" in done.stdout


def test_the_cli_reads_the_projects_pytest_ini_like_the_plugin(tmp_path):
    """From the example project's directory the command finds its pytest.ini and only its own scenarios."""
    example = ROOT / "examples" / "redis-runbook"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHAOS_")}
    done = subprocess.run([sys.executable, "-m", "chaos_harness", "scenarios"], cwd=example / "tests",
                          capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["redis_down", "CacheRedisDown", "cache-runbook#redis-down"]


def test_ini_values_come_from_pytest_ini_or_pyproject(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.pytest.ini_options]\nchaos_scenarios = "mine"\nother = 1\n')
    assert ini_values(tmp_path) == {"chaos_scenarios": "mine"}
    (tmp_path / "pytest.ini").write_text("[pytest]\nchaos_compose_file = c.yml\n")
    assert ini_values(tmp_path) == {"chaos_compose_file": "c.yml"}, "pytest.ini wins, as for pytest"


def test_one_exit_code_table_for_the_command_the_gate_and_the_scripts():
    from chaos_harness import exitcodes, gate
    from chaos_harness.errors import (AlertDidNotFire, DockerUnavailable, ServiceUnreachable, StackStartError,
                                      UnknownScenario)
    assert (gate.EXIT_PASS, gate.EXIT_FAIL, gate.EXIT_INFRA) == (exitcodes.OK, exitcodes.FAILED, exitcodes.ERROR)
    assert exitcodes.for_error(UnknownScenario("x")) == exitcodes.ERROR
    assert exitcodes.for_error(DockerUnavailable("x")) == exitcodes.ERROR
    assert exitcodes.for_error(StackStartError("x")) == exitcodes.ERROR
    assert exitcodes.for_error(ServiceUnreachable("x")) == exitcodes.FAILED, "a probe's subject down is its finding"
    assert exitcodes.for_error(AlertDidNotFire("x")) == exitcodes.FAILED
