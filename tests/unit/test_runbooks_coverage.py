"""Runbook registry and coverage: parsing, dangling references, statuses, reports, CLI."""
import json
import subprocess
import sys

import pytest

from chaos_harness.allure_results import ScenarioOutcome, scenario_outcomes, write_synthetic_result
from chaos_harness.coverage import FAILING, NOT_COVERED, NOT_RUN, PROVEN, compute, write_reports
from chaos_harness.runbooks import Registry, Rule, ScenarioRef, Section, lint, load_registry, parse_runbook
from fixtures import ROOT

SEED_SECTIONS = ["kafka-backlog", "cdc-replication-lag", "schema-drift", "cassandra-ttl-oversell",
                 "fulfillment-backlog", "flink-job-restarting", "cassandra-node-down", "paimon-nessie-commit",
                 "kafka-connect-failure", "trino-backlog", "db-connection-saturation", "notification-failures",
                 "support-timeline", "o2o-no-new-orders", "o2o-too-many-failures"]   # the last two: seed 003
SEED_ALERTS = ["KafkaConsumerLagHigh", "CdcReplicationLagHigh", "SchemaDriftDetected", "InventoryOversellRisk",
               "FulfillmentDelay", "FlinkJobRestarting", "CassandraNodeDown", "KafkaConnectConnectorFailed",
               "MySQLConnectionSaturation", "PostgresConnectionSaturation", "NotificationFailureRateHigh",
               "NotificationRateLimitedBurst", "NotificationOptOutSpike", "NotificationRateLimiterErrors",
               "SupportTimelineLatencyHigh", "SupportTimelineCollectionFailures", "SupportTimelineCacheErrors",
               "SupportAttachmentBacklogHigh", "SupportAttachmentGrowthRapid", "NoNewOrders", "TooManyFailures"]
NAMED_SINCE = ["TrinoQueryBacklog", "PaimonCommitFailing"]   # sections whose seed names no alert; the project named one (issue 12)
URL = "docs/runbooks/incident-runbook.md#"


def _registry(rules=(), scenarios=()):
    sections = [Section("incident-runbook", "a", "A", ("AlertA", "AlertB")), Section("incident-runbook", "b", "B", ())]
    return Registry(sections, list(rules), list(scenarios))


def test_the_project_runbook_has_every_seed_section_and_alert():
    sections = parse_runbook(ROOT / "docs/runbooks/incident-runbook.md")
    assert [s.anchor for s in sections] == SEED_SECTIONS
    named = [a for s in sections for a in s.alerts]
    assert sorted(named) == sorted(SEED_ALERTS + NAMED_SINCE)
    assert all(s.has_alerts_line and s.title for s in sections)


def test_the_repository_has_no_dangling_reference():
    findings = lint(load_registry())
    assert findings.errors == [], "\n".join(findings.errors)


def test_parse_runbook_reads_anchor_title_and_alerts_line(tmp_path):
    doc = tmp_path / "rb.md"
    doc.write_text('# T\n<a id="x-y"></a>\n## Title X\n\nAlerts: `One`, `Two`\n\ntext `NotAnAlert`\n'
                   '<a id="z"></a>\n## Z\nAlerts: none yet\n<a id="w"></a>\n## W\n')
    sections = parse_runbook(doc)
    assert [(s.anchor, s.title, s.alerts, s.has_alerts_line) for s in sections] == [
        ("x-y", "Title X", ("One", "Two"), True), ("z", "Z", (), True), ("w", "W", (), False)]
    assert sections[0].ref == "rb#x-y"
    assert "has no `Alerts:` line" in lint(Registry(sections, [], [])).errors[0]


def test_consistent_references_are_no_error_and_missing_rules_are_gaps():
    reg = _registry([Rule("AlertA", "g", "r.yml", URL + "a")], [ScenarioRef("s1", "incident-runbook#a", "AlertA")])
    findings = lint(reg)
    assert findings.errors == []
    assert findings.gaps == ["alert AlertB (runbook section incident-runbook#a) is not defined by any rule yet"]
    assert not findings.failed() and findings.failed(strict=True)


@pytest.mark.parametrize("rules,scenarios,expected", [
    ([], [ScenarioRef("s1", "incident-runbook#a", "AlertA")], "scenario s1: alert AlertA is not defined by any rule"),
    ([Rule("AlertA", "g", "r.yml", URL + "gone")], [], "runbook_url points at missing section incident-runbook#gone"),
    ([Rule("AlertA", "g", "r.yml", "")], [], "no runbook_url annotation"),
    ([Rule("AlertA", "g", "r.yml", "https://wiki/x")], [], "is not <runbooks folder>/<file>.md#<anchor>"),
    ([Rule("AlertA", "g", "r.yml", URL + "b")], [], "points at incident-runbook#b, whose `Alerts:` line does not name"),
    ([Rule("AlertA", "g", "r.yml", URL + "a"), Rule("AlertA", "g", "s.yml", URL + "a")], [], "defined twice"),
    ([Rule("AlertA", "g", "r.yml", URL + "a")], [ScenarioRef("s1", "incident-runbook#nope", "AlertA")],
     "scenario s1: runbook section incident-runbook#nope does not exist"),
    ([Rule("AlertA", "g", "r.yml", URL + "a")], [ScenarioRef("s1", "incident-runbook#b", "AlertA")],
     "section incident-runbook#b does not list alert AlertA"),
])
def test_dangling_references_are_errors(rules, scenarios, expected):
    findings = lint(_registry(rules, scenarios))
    assert any(expected in e for e in findings.errors), findings.errors
    assert findings.failed()


def _outcome(scenario, status, message=""):
    return ScenarioOutcome(scenario, status, message, 1)


@pytest.mark.parametrize("outcomes,status", [
    ({}, NOT_RUN), ({"s1": _outcome("s1", "passed")}, PROVEN), ({"s1": _outcome("s1", "failed", "AlertDidNotFire: x")},
                                                                FAILING),
    ({"s1": _outcome("s1", "broken")}, FAILING), ({"s1": _outcome("s1", "skipped")}, NOT_RUN)])
def test_status_of_alerts_and_sections_follows_the_scenario_outcome(outcomes, status):
    reg = _registry([Rule("AlertA", "g", "r.yml", URL + "a")], [ScenarioRef("s1", "incident-runbook#a", "AlertA")])
    cov = compute(reg, outcomes)
    alerts = {r.name: r for r in cov.alerts}
    assert alerts["AlertA"].status == status
    assert alerts["AlertB"].status == NOT_COVERED and "rule: undefined" in alerts["AlertB"].detail
    sections = {r.name: r.status for r in cov.sections}
    assert sections == {"incident-runbook#a": status, "incident-runbook#b": NOT_COVERED}


def test_outcomes_come_from_the_latest_labelled_allure_result(tmp_path):
    def result(name, scenario, status, stop):
        labels = [{"name": "scenario", "value": scenario}] if scenario else []
        (tmp_path / f"{name}-result.json").write_text(json.dumps(
            {"status": status, "stop": stop, "labels": labels, "statusDetails": {"message": f"m{stop}"}}))
    result("a", "s1", "failed", 1)
    result("b", "s1", "passed", 2)
    result("c", None, "failed", 3)          # e.g. a negative control: no scenario label
    (tmp_path / "d-result.json").write_text("{not json")
    outcomes = scenario_outcomes(tmp_path)
    assert list(outcomes) == ["s1"] and outcomes["s1"].status == "passed"
    assert scenario_outcomes(tmp_path / "missing") == {}


def test_reports_and_allure_attachment_are_written_and_replaced(tmp_path):
    reg = _registry([Rule("AlertA", "g", "r.yml", URL + "gone")])
    cov = compute(reg, {})
    allure_dir = tmp_path / "allure"
    write_reports(cov, tmp_path, allure_dir)
    write_reports(cov, tmp_path, allure_dir)
    data = json.loads((tmp_path / "coverage.json").read_text())
    assert data["ok"] is False and data["errors"] and data["summary"]["alerts"]["not covered"] == 2
    assert "| incident-runbook#a | not covered |" in (tmp_path / "coverage.md").read_text()
    results = list(allure_dir.glob("*-result.json"))
    assert len(results) == 1, "writing twice replaces the coverage result"
    result = json.loads(results[0].read_text())
    assert result["name"] == "Runbook coverage" and result["status"] == "failed"
    assert {a["name"] for a in result["attachments"]} == {"Runbook coverage (Markdown)", "Runbook coverage (JSON)"}
    assert all((allure_dir / a["source"]).is_file() for a in result["attachments"])


def test_synthetic_result_carries_labels(tmp_path):
    path = write_synthetic_result(tmp_path, key="k", name="N", passed=True, message="", attachments=[],
                                  labels={"suite": "S"})
    assert json.loads(path.read_text())["labels"] == [{"name": "suite", "value": "S"}]


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "chaos_harness", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)


def test_coverage_command_passes_on_the_repo_and_strict_fails_on_gaps(tmp_path):
    ok = _cli("coverage", "--out", str(tmp_path), "--alluredir", str(tmp_path / "none"))
    assert ok.returncode == 0, ok.stderr
    data = json.loads((tmp_path / "coverage.json").read_text())
    assert [r["name"].split("#")[1] for r in data["sections"]] == SEED_SECTIONS
    assert set(SEED_ALERTS) <= {r["name"] for r in data["alerts"]}
    assert not (tmp_path / "none").exists(), "no results dir: nothing attached, nothing created"
    strict = _cli("coverage", "--strict", "--out", str(tmp_path), "--alluredir", str(tmp_path / "none"))
    assert strict.returncode == (1 if data["gaps"] else 0)
    assert ("ERROR: alert" in strict.stderr) == bool(data["gaps"])
