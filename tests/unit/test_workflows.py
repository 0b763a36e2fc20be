"""The CI workflows are valid (actionlint) and keep their contract: nightly at 02:00 UTC, a matrix
over the scenario groups, shard results uploaded and merged into one report, a release gate."""
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from fixtures import ROOT
from chaos_harness.tools import tool

WORKFLOWS = ROOT / ".github" / "workflows"


def _actionlint(*files: Path, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([str(tool("actionlint")), "-no-color", "-oneline", *map(str, files)], cwd=cwd,
                          capture_output=True, text=True, timeout=60)


def _load(name: str) -> dict:
    return yaml.safe_load((WORKFLOWS / name).read_text())


def test_actionlint_accepts_every_workflow():
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert len(files) >= 2
    result = _actionlint(*files)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("breakage", [
    ("runs-on: ubuntu-latest", "runs-on: ubuntu-latest\n    needz: nothing"),        # unknown key
    ("${{ fromJSON(needs.plan.outputs.groups) }}", "${{ fromJSON(needs.plann.outputs.groups) }}"),  # bad job ref
    ('cron: "0 2 * * *"', 'cron: "0 25 * * *"'),                                     # invalid cron
])
def test_actionlint_catches_a_broken_workflow(tmp_path, breakage):
    old, new = breakage
    text = (WORKFLOWS / "nightly-chaos.yml").read_text()
    assert old in text
    broken = tmp_path / ".github" / "workflows" / "nightly-chaos.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text(text.replace(old, new, 1))
    result = _actionlint(broken, cwd=tmp_path)
    assert result.returncode != 0 and "nightly-chaos.yml" in result.stdout


def test_nightly_runs_at_two_utc_sharded_and_merges_into_one_report():
    nightly = _load("nightly-chaos.yml")
    triggers = nightly[True] if True in nightly else nightly["on"]     # YAML 1.1 reads `on` as True
    assert {"cron": "0 2 * * *"} in triggers["schedule"]
    jobs = nightly["jobs"]
    assert "fromJSON(needs.plan.outputs.groups)" in jobs["chaos"]["strategy"]["matrix"]["include"]
    uploads = [s for s in jobs["chaos"]["steps"] if str(s.get("uses", "")).startswith("actions/upload-artifact")]
    assert uploads and "reports/allure-results" in uploads[0]["with"]["path"]
    merge = next(s for s in jobs["report"]["steps"] if str(s.get("uses", "")).startswith("actions/download-artifact"))
    assert merge["with"]["merge-multiple"] is True and merge["with"]["pattern"] == "allure-results-*"
    assert any("make report" in str(s.get("run", "")) for s in jobs["report"]["steps"])


def test_nightly_proves_every_scenario_and_its_controls_at_two_time_factors():
    jobs = _load("nightly-chaos.yml")["jobs"]
    plan = " ".join(str(s.get("run", "")) for s in jobs["plan"]["steps"])
    assert "scenarios --groups --factors 30 10" in plan
    assert jobs["chaos"]["env"]["CHAOS_TIME_FACTOR"] == "${{ matrix.factor }}"
    run = " ".join(str(s.get("run", "")) for s in jobs["chaos"]["steps"])
    assert "harness gate" in run and "--no-run" not in run      # the gate runs proofs and controls (tests/chaos)
    out = subprocess.run([sys.executable, "-m", "chaos_harness", "scenarios", "--groups", "--factors", "30", "10"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    shards = json.loads(out.stdout)
    assert {s["factor"] for s in shards} == {"30", "10"} and len({s["group"] for s in shards}) == len(shards)


def test_release_gate_workflow_runs_the_gate():
    gate = _load("release-gate.yml")
    assert any("harness gate" in str(s.get("run", "")) for s in gate["jobs"]["gate"]["steps"])


def test_matrix_groups_come_from_the_scenario_registry():
    out = subprocess.run([sys.executable, "-m", "chaos_harness", "scenarios", "--groups"], cwd=ROOT, capture_output=True,
                         text=True, timeout=60)
    groups = json.loads(out.stdout)
    from chaos_harness.registry import scenario_ids
    assert sorted(i for g in groups for i in g["scenarios"].split()) == scenario_ids()
