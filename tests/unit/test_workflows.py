"""The CI workflows are valid (actionlint) and keep their contract: nightly at 02:00 UTC, a matrix
over the scenario groups, shard results uploaded and merged into one report, a release gate; the Support
Synthetic Probe (02:00 UTC: the probe and the offload dry run on a stack it starts and always removes, the
artifact `support-service-logs`)."""
import json
import re
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
    assert {"nightly-chaos.yml", "release-gate.yml", "support-synthetic-probe.yml"} <= {f.name for f in files}
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


def _steps_running(steps: list[dict], text: str) -> list[dict]:
    return [s for s in steps if text in str(s.get("run", ""))]


def test_support_synthetic_probe_runs_nightly_at_two_utc_and_by_hand():
    probe = _load("support-synthetic-probe.yml")
    assert probe["name"] == "Support Synthetic Probe"
    triggers = probe[True] if True in probe else probe["on"]
    assert triggers["schedule"] == [{"cron": "0 2 * * *"}] and "workflow_dispatch" in triggers
    assert probe["defaults"]["run"]["shell"] == "bash"      # -eo pipefail: `make ... | tee` keeps make's status


def test_support_synthetic_probe_runs_the_probe_and_the_offload_dry_run_on_a_stack_it_starts():
    (job,) = _load("support-synthetic-probe.yml")["jobs"].values()
    steps = job["steps"]
    start = _steps_running(steps, "make stack-up")
    probe = _steps_running(steps, "make support-probe")
    offload = _steps_running(steps, "make support-offload")
    assert len(start) == len(probe) == len(offload) == 1
    assert 'ARGS="--base-url $SUPPORT_URL"' in probe[0]["run"]
    assert "--dry-run" in offload[0]["run"] and "--age-days" not in offload[0]["run"]
    assert all(s["env"]["SUPPORT_URL"] == "${{ steps.stack.outputs.support_url }}" for s in probe + offload)
    assert "support_url=" in start[0]["run"] and start[0]["id"] == "stack"
    assert steps.index(start[0]) < steps.index(probe[0]) < steps.index(offload[0])
    # the probe's and offload's targets and flags exist (the Makefile and the scripts)
    makefile = (ROOT / "Makefile").read_text()
    assert "support-probe: bootstrap" in makefile and "support-offload: bootstrap" in makefile
    for script, flags in (("scripts/synthetic/support_timeline_probe.py", ["--base-url"]),
                          ("scripts/maintenance/offload_support_attachments.py", ["--base-url", "--dry-run"])):
        out = subprocess.run([sys.executable, script, "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert out.returncode == 0 and all(f in out.stdout for f in flags), script


def test_support_synthetic_probe_uploads_support_service_logs_and_always_cleans_up():
    (job,) = _load("support-synthetic-probe.yml")["jobs"].values()
    steps = job["steps"]
    uploads = [s for s in steps if str(s.get("uses", "")).startswith("actions/upload-artifact")]
    assert len(uploads) == 1 and uploads[0]["with"]["name"] == "support-service-logs"
    assert uploads[0]["if"] == "always()"
    collect = _steps_running(steps, "docker logs")
    assert collect and collect[0]["if"] == "always()"
    assert "com.docker.compose.service=support-service" in collect[0]["run"]
    logs_dir = job["env"]["LOGS"]
    assert uploads[0]["with"]["path"] == logs_dir
    for step in _steps_running(steps, "make support-") + _steps_running(steps, "make stack-up"):
        assert '"$LOGS/' in step["run"], step["name"]          # their output goes into the artifact
    cleanup = _steps_running(steps, "make cleanup")
    assert len(cleanup) == 1 and cleanup[0]["if"] == "always()" and steps[-1] is cleanup[0]
    assert '--project $PROJECT' in cleanup[0]["run"]
    assert cleanup[0]["env"]["PROJECT"] == "${{ steps.stack.outputs.project }}"


def test_support_synthetic_probe_reads_the_project_name_stack_up_prints():
    """The workflow finds the stack's name in `stack-up`'s output with a sed expression: it matches the line
    chaos_harness prints (`stack <project> is up.`) for a project name it makes."""
    from chaos_harness.stack import new_project_name
    (job,) = _load("support-synthetic-probe.yml")["jobs"].values()
    start = _steps_running(job["steps"], "make stack-up")[0]["run"]
    sed = re.search(r"sed -n '([^']+)'", start)[1]
    source = (ROOT / "chaos_harness" / "__main__.py").read_text()
    assert 'print(f"stack {stack.project} is up.' in source
    project = new_project_name()
    output = f"[bootstrap] ready\n.venv/bin/python -m chaos_harness stack-up\nstack {project} is up.\n  inspect: x\n"
    found = subprocess.run(["sed", "-n", sed], input=output, capture_output=True, text=True, timeout=10)
    assert found.stdout.strip() == project
