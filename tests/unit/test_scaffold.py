"""`chaos-harness new-scenario` (chaos_harness/scaffold.py) in a copy of the example project: the files it writes
validate at once (rule, runbook section, Alertmanager route), the promtool stub fails until it is written, and
nothing existing is overwritten."""
import os
import shutil
import subprocess
import sys

import pytest

from chaos_harness.scaffold import chart_query
from chaos_harness.tools import tool
from fixtures import ROOT

pytestmark = pytest.mark.unit

RULE = """      - alert: CacheRedisExporterDown
        expr: up{job="redis"} == 0
        for: 2m
        labels: {severity: critical, team: cache}
        annotations:
          summary: "The Redis exporter cannot be scraped"
          runbook_url: "runbooks/cache-runbook.md#exporter-down"
"""


def _cli(project, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHAOS_")}
    env["CHAOS_TOOLS_DIR"] = str(ROOT / ".tools")
    return subprocess.run([sys.executable, "-m", "chaos_harness", *args], cwd=project, env=env,
                          capture_output=True, text=True, timeout=60)


@pytest.fixture
def project(tmp_path):
    copy = tmp_path / "project"
    shutil.copytree(ROOT / "examples" / "redis-runbook", copy, ignore=shutil.ignore_patterns("reports", "build"))
    with open(copy / "monitoring" / "prometheus" / "rules" / "cache.yml", "a") as fh:
        fh.write(RULE)
    return copy


def test_new_scenario_writes_a_scenario_that_validates_and_stubs_that_say_what_is_left(project):
    done = _cli(project, "new-scenario", "exporter_down", "--alert", "CacheRedisExporterDown",
                "--service", "redis-exporter")
    assert done.returncode == 0, done.stderr
    text = (project / "redis_scenarios" / "exporter_down.py").read_text()
    assert 'receiver="cache-oncall"' in text, "the receiver is where Alertmanager routes the rule"
    assert 'runbook="cache-runbook#exporter-down"' in text and "chart_query='up{job=\"redis\"}'" in text
    assert '<a id="exporter-down"></a>' in (project / "runbooks" / "cache-runbook.md").read_text()
    validated = _cli(project, "validate", "--scenario", "exporter_down")
    assert validated.returncode == 0, validated.stdout + validated.stderr
    stub = project / "monitoring" / "prometheus" / "tests" / "exporter_down.test.yml"
    promtool = subprocess.run([str(tool("promtool")), "test", "rules", str(stub)], capture_output=True, text=True)
    assert promtool.returncode != 0 and "CacheRedisExporterDown" in promtool.stdout + promtool.stderr


def test_new_scenario_refuses_an_existing_id_and_suggests_for_a_misspelled_alert(project):
    existing = _cli(project, "new-scenario", "redis_down", "--alert", "CacheRedisDown")
    assert existing.returncode == 2 and "exists" in existing.stderr
    typo = _cli(project, "new-scenario", "exporter_down", "--alert", "CacheRedisExporterDwn")
    assert typo.returncode == 2 and "did you mean CacheRedisExporterDown" in typo.stderr
    assert not (project / "redis_scenarios" / "exporter_down.py").exists()
    wrong = _cli(project, "new-scenario", "exporter_down", "--alert", "CacheRedisExporterDown", "--receiver", "pager")
    assert wrong.returncode == 2 and "cache-oncall" in wrong.stderr


@pytest.mark.parametrize("expr, chart", [
    ("redis_up == 0", "redis_up"),
    ("sum by (job) (rate(x_total[2m])) > 0.1", "sum by (job) (rate(x_total[2m]))"),
    ("absent(up)", "TODO the PromQL of the alert's metric (production time)"),
])
def test_the_chart_query_is_the_rules_expression_without_its_threshold(expr, chart):
    assert chart_query(expr) == chart
