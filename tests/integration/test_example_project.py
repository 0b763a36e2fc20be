"""The example project (examples/redis-runbook) adopts the harness as a package: installed (not editable) from
this source tree into a fresh environment, pointed at its own compose file, monitoring, runbook and scenarios by
its pytest.ini, it proves its scenario against its own stack. Nothing of this repository's layout is used."""
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from chaos_harness.gate import journal_path, verdict_of
from fixtures import ROOT

EXAMPLE = ROOT / "examples" / "redis-runbook"


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A fresh venv with the package built from the source tree; its dependencies come from this environment
    (a .pth line, so the install needs no download but the build backend)."""
    venv = tmp_path_factory.mktemp("example") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    (Path(site) / "deps-from-the-suite.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    source = venv.parent / "source"          # a copy: setuptools builds in the tree and keeps build/lib there
    shutil.copytree(ROOT / "chaos_harness", source / "chaos_harness", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    done = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps",
                           str(source)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return python


def test_the_package_installs_with_its_plugin_and_command(installed):
    where = subprocess.run([str(installed), "-c", "import chaos_harness; print(chaos_harness.__file__)"],
                           capture_output=True, text=True, cwd=EXAMPLE, check=True).stdout
    assert str(ROOT / "chaos_harness") not in where, f"imported from the source tree, not the install: {where}"
    listed = subprocess.run([str(installed.parent / "chaos-harness"), "scenarios"], cwd=EXAMPLE,
                            capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0, listed.stderr
    assert "redis_down" in listed.stdout and "CacheRedisDown" in listed.stdout
    assert "notification_redis_outage" not in listed.stdout, "the example sees only its own scenarios"


def test_the_example_project_proves_its_runbook_scenario(installed, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHAOS_", "PYTEST_"))}
    env["CHAOS_TOOLS_DIR"] = str(ROOT / ".tools")
    env["CHAOS_LEDGER"] = str(tmp_path / "ledger.jsonl")
    env["CHAOS_RESULTS_DIR"] = str(tmp_path / "results")
    done = subprocess.run([str(installed), "-m", "pytest", "-m", "chaos", "-q", "-p", "no:cacheprovider",
                           f"--alluredir={tmp_path / 'allure'}"], cwd=EXAMPLE, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-3000:]
    result = verdict_of(journal_path(tmp_path / "results", "redis_down"))
    assert result["verdict"] == "passed", result
    gate = subprocess.run([str(installed.parent / "chaos-harness"), "validate"], cwd=EXAMPLE, env=env,
                          capture_output=True, text=True, timeout=120)
    assert gate.returncode == 0, gate.stdout + gate.stderr
