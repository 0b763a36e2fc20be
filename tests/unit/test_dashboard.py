"""Dashboard `Dataflow Overview` as provisioning JSON: the seed panels are there, well formed,
and every query is valid PromQL (promtool parses it offline; tests/integration checks series)."""
import json
import subprocess

import yaml

from chaos_harness.dashboard import dashboard_file, panel_queries
from fixtures import ROOT
from chaos_harness.tools import tool

SEED_PANELS = ["Notification send rate", "Notification rate limited", "Notification drops by reason",
               "Opt-outs & preference updates", "Notification rate limiter errors", "Support timeline p95 latency",
               "Support attachment backlog", "Support timeline cache events", "Support timeline failure stages",
               "Service availability"]


def test_dashboard_has_the_seed_panels_and_is_well_formed():
    dash = json.loads(dashboard_file().read_text())
    assert dash["title"] == "Dataflow Overview" and dash["uid"] == "dataflow-overview"
    titles = [p["title"] for p in dash["panels"]]
    assert set(SEED_PANELS) <= set(titles)
    assert len({p["id"] for p in dash["panels"]}) == len(dash["panels"]), "panel ids must be unique"
    datasource = yaml.safe_load((ROOT / "stack/grafana/provisioning/datasources/prometheus.yml").read_text())
    uid = datasource["datasources"][0]["uid"]
    for panel in dash["panels"]:
        if panel["type"] != "row":
            assert panel["datasource"]["uid"] == uid and panel["targets"], panel["title"]
            assert len({t["refId"] for t in panel["targets"]}) == len(panel["targets"])


def test_every_panel_query_is_valid_promql(tmp_path):
    queries = panel_queries()
    rules = {"groups": [{"name": "dashboard", "rules": [{"record": f"dashboard:q{i}", "expr": q.expr}
                                                         for i, q in enumerate(queries)]}]}
    (tmp_path / "dashboard.yml").write_text(yaml.safe_dump(rules))
    result = subprocess.run([str(tool("promtool")), "check", "rules", str(tmp_path / "dashboard.yml")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_parse_check_rejects_a_broken_query(tmp_path):
    rules = {"groups": [{"name": "d", "rules": [{"record": "d:q", "expr": "sum by (channel (rate(x[5m]))"}]}]}
    (tmp_path / "bad.yml").write_text(yaml.safe_dump(rules))
    result = subprocess.run([str(tool("promtool")), "check", "rules", str(tmp_path / "bad.yml")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
