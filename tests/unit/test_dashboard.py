"""The Grafana dashboards as provisioning JSON (`Dataflow Overview`; `O2O Overview` of seed 003): the seed panels
are there, well formed and provisioned once, the O2O variables are defined and used and its thresholds are the
alert rules', and every query is valid PromQL once Grafana's variables are substituted (promtool parses it
offline; tests/integration checks series)."""
import json
import re
import subprocess
from pathlib import PurePosixPath

import pytest
import yaml

from chaos_harness.dashboard import (dashboard_file, dashboards, load, panel_queries, substitute, variable_defaults,
                                     variables_in)
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


@pytest.mark.parametrize("path", dashboards(), ids=lambda p: p.stem)
def test_every_panel_query_is_valid_promql(tmp_path, path):
    queries = panel_queries(path)
    assert queries and all("$" not in q.promql for q in queries)
    result = _check_rules(tmp_path, [q.promql for q in queries])
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_default_dashboard_is_dataflow_overview():
    assert panel_queries() == panel_queries(dashboard_file("dataflow-overview"))
    assert {q.row for q in panel_queries()} >= {"Service availability", "Notification"}


def test_promtool_parse_check_rejects_a_broken_query(tmp_path):
    rules = {"groups": [{"name": "d", "rules": [{"record": "d:q", "expr": "sum by (channel (rate(x[5m]))"}]}]}
    (tmp_path / "bad.yml").write_text(yaml.safe_dump(rules))
    result = subprocess.run([str(tool("promtool")), "check", "rules", str(tmp_path / "bad.yml")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0


# ---------------------------------------------------------------- O2O Overview (seed 003, steps 6 and 9)
O2O = dashboard_file("o2o_overview")
O2O_PANELS = ["Success rate", "Failure %", "Delay %", "Orders ingested (10m)", "Orders by status (10m)",
              "Orders ingested per minute", "Top order types", "Recent orders", "Success trend", "Delay trend",
              "Pipeline freshness", "OMS order flow", "Service availability"]
RULES_DIR = ROOT / "stack" / "monitoring" / "prometheus" / "rules"


def _panels(dash: dict) -> dict[str, dict]:
    return {p["title"]: p for p in dash["panels"] if p["type"] != "row"}


def _steps(panel: dict) -> list[tuple[str, float | None]]:
    return [(s["color"], s["value"]) for s in panel["fieldConfig"]["defaults"]["thresholds"]["steps"]]


def _alert(name: str) -> dict:
    rules = [rule for f in sorted(RULES_DIR.glob("*.yml")) for group in yaml.safe_load(f.read_text())["groups"]
             for rule in group["rules"] if rule.get("alert") == name]
    assert len(rules) == 1, f"alert {name}: {len(rules)} rules in {RULES_DIR}"
    return rules[0]


def _promtool(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(tool("promtool")), *args], capture_output=True, text=True, timeout=60)


def _check_rules(tmp_path, exprs: list[str]) -> subprocess.CompletedProcess:
    rules = {"groups": [{"name": "dashboard", "rules": [{"record": f"dashboard:q{i}", "expr": e}
                                                         for i, e in enumerate(exprs)]}]}
    (tmp_path / "dashboard.yml").write_text(yaml.safe_dump(rules))
    return _promtool("check", "rules", str(tmp_path / "dashboard.yml"))


def test_every_dashboard_is_well_formed():
    datasource = yaml.safe_load((ROOT / "stack/grafana/provisioning/datasources/prometheus.yml").read_text())
    uid = datasource["datasources"][0]["uid"]
    files = dashboards()
    assert {f.name for f in files} >= {"dataflow-overview.json", "o2o_overview.json"}
    uids = [load(f)["uid"] for f in files]
    assert len(set(uids)) == len(uids), "dashboard uids must be unique"
    for f in files:
        dash = load(f)
        ids = [p["id"] for p in dash["panels"]]
        assert len(set(ids)) == len(ids), f"{f.name}: panel ids must be unique"
        cells = set()
        for panel in dash["panels"]:
            pos = panel["gridPos"]
            assert pos["x"] >= 0 and pos["w"] > 0 and pos["x"] + pos["w"] <= 24, (f.name, panel["title"])
            here = {(x, y) for x in range(pos["x"], pos["x"] + pos["w"]) for y in range(pos["y"], pos["y"] + pos["h"])}
            assert not cells & here, f"{f.name}: panel {panel['title']!r} overlaps another"
            cells |= here
            if panel["type"] != "row":
                assert panel["datasource"]["uid"] == uid and panel["targets"], (f.name, panel["title"])
                assert all(t["datasource"]["uid"] == uid and t["expr"].strip() for t in panel["targets"])
                assert len({t["refId"] for t in panel["targets"]}) == len(panel["targets"]), panel["title"]


def test_every_dashboard_is_provisioned_once_in_its_folder():
    """Each dashboard file is loaded by exactly one provider (two would fight over its uid), the O2O one into
    the folder `O2O` (seed 003, step 6)."""
    providers = [p for f in sorted((ROOT / "stack/grafana/provisioning/dashboards").glob("*.yml"))
                 for p in yaml.safe_load(f.read_text())["providers"]]
    assert len({p["name"] for p in providers}) == len(providers)
    mount = PurePosixPath("/var/lib/grafana/dashboards")      # where stack/grafana/dashboards is mounted
    for f in dashboards():
        loading = [p for p in providers if p["type"] == "file"
                   and (mount / f.name).is_relative_to(PurePosixPath(p["options"]["path"]))]
        assert len(loading) == 1, f"{f.name} is loaded by {[p['name'] for p in loading]}"
        if f.name == "o2o_overview.json":
            assert loading[0]["folder"] == "O2O"


def test_o2o_dashboard_has_the_seed_panels():
    dash = load(O2O)
    assert dash["title"] == "O2O Overview" and dash["uid"] == "o2o-overview"
    panels = _panels(dash)
    assert set(O2O_PANELS) <= set(panels)
    assert panels["Success rate"]["type"] == panels["Failure %"]["type"] == panels["Delay %"]["type"] == "stat"
    assert panels["Pipeline freshness"]["targets"][0]["expr"] == "time() - max(o2o_dag_last_success_timestamp_seconds)"
    exprs = " ".join(t["expr"] for p in panels.values() for t in p["targets"])
    for metric in ("o2o_orders_ingested_total", "o2o_orders_failed_total", "o2o_orders_status", "o2o_orders_delayed",
                   "o2o_dag_last_success_timestamp_seconds", "oms_orders_created_total", "oms_orders_advanced_total",
                   "oms_payment_failures_total", 'up{job="oms"}', 'up{job="pushgateway"}'):
        assert metric in exprs, f"no panel shows {metric}"


def test_o2o_recent_orders_is_an_instant_prometheus_table_by_status_and_order_type():
    table = _panels(load(O2O))["Recent orders"]
    (target,) = table["targets"]
    assert table["type"] == "table" and table["datasource"]["type"] == "prometheus"
    assert target["instant"] is True and target["format"] == "table"
    assert target["expr"].startswith("sum by (status, order_type) (o2o_orders_status{")


def test_o2o_variables_are_defined_and_used():
    dash = load(O2O)
    variables = {v["name"]: v for v in dash["templating"]["list"]}
    for name in ("status", "order_type"):
        var = variables[name]
        assert var["type"] == "query" and var["datasource"]["uid"] == "prometheus"
        assert var["definition"] == var["query"]["query"] == f"label_values(o2o_orders_status, {name})"
        assert var["multi"] is True and var["includeAll"] is True and var["allValue"] == ".*"
    assert variables["window"]["type"] == "interval" and variables["window"]["current"]["value"] == "10m"
    used = set()
    for panel in _panels(dash).values():
        for t in panel["targets"]:
            names = variables_in(t["expr"])
            assert names <= set(variables), f"{panel['title']}: undefined variables {names - set(variables)}"
            used |= names
            for name in names - {"window"}:      # multi-value: Grafana puts a regex (a|b) or .* there
                assert f'{name}=~"${name}"' in t["expr"], f"{panel['title']}: ${name} without =~"
            # the panels whose metrics have the labels follow the filters (a delay ratio: order type only, as
            # o2o_orders_delayed counts open orders of every status)
            if "o2o_orders_delayed" in t["expr"]:
                assert names == {"order_type"} or names == {"order_type", "window"}, panel["title"]
            elif "o2o_orders_status" in t["expr"]:
                assert {"status", "order_type"} <= names, panel["title"]
    assert used == set(variables), f"variables no panel uses: {set(variables) - used}"


def test_variables_are_substituted_before_promql_parses_them(tmp_path):
    values = variable_defaults(load(O2O))
    assert values == {"status": ".*", "order_type": ".*", "window": "10m"}
    assert substitute('x{a=~"$status", b=~"${order_type}", c=~"[[status]]"}[$window]', values) \
        == 'x{a=~".*", b=~".*", c=~".*"}[10m]'
    with pytest.raises(ValueError, match=r"\$shop"):
        substitute('x{shop=~"$shop"}', values)
    trend = next(q for q in panel_queries(O2O) if q.panel == "Success trend")
    assert "$window" in trend.expr and "$" not in trend.promql and "[10m]" in trend.promql
    # as written, `[$window]` is not PromQL: promtool refuses it, the substituted query passes
    assert _check_rules(tmp_path, [trend.expr]).returncode != 0
    assert _check_rules(tmp_path, [trend.promql]).returncode == 0


def test_o2o_thresholds_match_the_alert_rules():
    panels = _panels(load(O2O))
    no_new = re.fullmatch(r"increase\(o2o_orders_ingested_total\[(\w+)\]\) == 0", _alert("NoNewOrders")["expr"])
    assert no_new, "NoNewOrders changed shape: update the dashboard's `Orders ingested (10m)` panel with it"
    ingested = panels["Orders ingested (10m)"]
    assert f"increase(o2o_orders_ingested_total[{no_new[1]}])" in ingested["targets"][0]["expr"]
    (red, _), (green, above_zero) = _steps(ingested)
    assert red == "red" and green == "green" and 0 < above_zero < 1      # exactly 0 (the alert) is red

    failures = _alert("TooManyFailures")["expr"]
    windows, limit = set(re.findall(r"\[(\w+)\]", failures)), float(re.search(r">\s*([\d.]+)\s*$", failures)[1])
    assert windows == {"10m"} and limit == 0.05
    for title in ("Success rate", "Failure %"):
        expr = panels[title]["targets"][0]["expr"]
        assert set(re.findall(r"\[(\w+)\]", expr)) == windows, title
        assert "o2o_orders_failed_total" in expr and "o2o_orders_ingested_total" in expr
    assert _steps(panels["Failure %"]) == [("green", None), ("red", limit)]
    for title in ("Success rate", "Success trend"):
        assert _steps(panels[title])[0] == ("red", None), title
        assert _steps(panels[title])[1][0] == "green" and _steps(panels[title])[1][1] == pytest.approx(1 - limit)


def test_o2o_kpi_panels_cross_their_thresholds_when_the_rules_fire(tmp_path):
    """Same series for the alert rules and the KPI panels (promtool, at the end of a 10 m window): where the
    rule's expression has a result, the panel's value is on the red side of its threshold, and not otherwise."""
    panels = {q.panel: q.promql for q in panel_queries(O2O)}
    failure_red = _steps(_panels(load(O2O))["Failure %"])[1][1]
    success_green = _steps(_panels(load(O2O))["Success rate"])[1][1]
    ingested_green = _steps(_panels(load(O2O))["Orders ingested (10m)"])[1][1]
    rule = {name: _alert(name)["expr"] for name in ("NoNewOrders", "TooManyFailures")}
    job = '{job="o2o_oms_monitoring"}'

    def case(ingested_per_min: int, failed_per_min: int, fires: dict[str, bool]) -> dict:
        ingested = f"0+{ingested_per_min}x30" if ingested_per_min else "500x30"
        failure = failed_per_min / ingested_per_min if ingested_per_min else None
        checks = [(rule["NoNewOrders"], fires["NoNewOrders"], 0, job),
                  (f"({panels['Orders ingested (10m)']}) < {ingested_green}", fires["NoNewOrders"], 0, "{}")]
        if failure is None:                     # 0 / 0: no ratio, no alert
            checks += [(rule["TooManyFailures"], False, 0, job)]
        else:
            checks += [(rule["TooManyFailures"], fires["TooManyFailures"], failure, job),
                       (f"({panels['Failure %']}) >= {failure_red}", fires["TooManyFailures"], failure, "{}"),
                       (f"({panels['Success rate']}) < {success_green}", fires["TooManyFailures"], 1 - failure, "{}")]
        return {"interval": "1m",
                "input_series": [{"series": f"o2o_orders_ingested_total{job}", "values": ingested},
                                 {"series": f"o2o_orders_failed_total{job}", "values": f"0+{failed_per_min}x30"}],
                "promql_expr_test": [{"expr": expr, "eval_time": "20m",
                                      "exp_samples": [{"labels": labels, "value": value}] if firing else []}
                                     for expr, firing, value, labels in checks]}

    tests = {"rule_files": [], "evaluation_interval": "1m", "tests": [
        case(4, 1, {"NoNewOrders": False, "TooManyFailures": True}),       # 25 % failed
        case(32, 1, {"NoNewOrders": False, "TooManyFailures": False}),     # 3.125 % failed
        case(0, 0, {"NoNewOrders": True, "TooManyFailures": False}),       # nothing ingested
    ]}
    (tmp_path / "o2o_dashboard.test.yml").write_text(yaml.safe_dump(tests, sort_keys=False))
    result = _promtool("test", "rules", str(tmp_path / "o2o_dashboard.test.yml"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_rejects_a_broken_o2o_query(tmp_path):
    good = next(q for q in panel_queries(O2O) if q.panel == "Orders by status (10m)")
    assert _check_rules(tmp_path, [good.promql]).returncode == 0
    assert _check_rules(tmp_path, [good.promql.replace("sum by (status) (", "sum by (status (", 1)]).returncode != 0
