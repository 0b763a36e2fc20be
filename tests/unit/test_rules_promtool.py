"""promtool unit tests of every alert rule (stack/monitoring/prometheus/tests/*.test.yml), no containers.

A test file per rule group is all a new alert needs; the completeness test below names the
alerts that have none. The mutation tests prove the rule tests can fail: break any rule (it
never fires, it always fires, a label changes) and promtool reports FAILED.
"""
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from fixtures import ROOT
from chaos_harness.tools import tool

PROM_DIR = ROOT / "stack" / "monitoring" / "prometheus"
TEST_FILES = sorted((PROM_DIR / "tests").glob("*.test.yml"))


def _alert_rules(rules_dir: Path) -> dict[str, tuple[Path, dict]]:
    return {rule["alert"]: (file, rule) for file in sorted(rules_dir.glob("*.yml"))
            for group in (yaml.safe_load(file.read_text()) or {}).get("groups") or []
            for rule in group.get("rules") or [] if "alert" in rule}


def _promtool_test(*files: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(tool("promtool")), "test", "rules", *map(str, files)], capture_output=True,
                          text=True, timeout=120)


def _cases(test_files: list[Path]) -> list[dict]:
    return [case for f in test_files for t in yaml.safe_load(f.read_text()).get("tests") or []
            for case in t.get("alert_rule_test") or []]


def test_promtool_rule_tests_pass():
    assert TEST_FILES, "no stack/monitoring/prometheus/tests/*.test.yml"
    result = _promtool_test(*TEST_FILES)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_every_alert_has_a_firing_and_a_quiet_promtool_case():
    cases = _cases(TEST_FILES)
    firing = {c["alertname"] for c in cases if c.get("exp_alerts")}
    quiet = {c["alertname"] for c in cases if not c.get("exp_alerts")}
    alerts = _alert_rules(PROM_DIR / "rules")
    missing = [f"{a} ({alerts[a][0].name}): " + " and ".join(
        what for what, ok in (("no case where it fires", a in firing), ("no case where it must not fire", a in quiet))
        if not ok) for a in sorted(alerts) if a not in firing or a not in quiet]
    assert not missing, ("alerts without promtool unit tests; add cases to a "
                         "stack/monitoring/prometheus/tests/<group>.test.yml (see dataflow-runtime.test.yml):\n  "
                         + "\n  ".join(missing))


def test_firing_cases_assert_every_label_and_annotation_of_the_rule():
    alerts = _alert_rules(PROM_DIR / "rules")
    for case in _cases(TEST_FILES):
        rule = alerts[case["alertname"]][1]
        for exp in case.get("exp_alerts") or []:
            assert set(rule.get("labels", {})) <= set(exp.get("exp_labels", {})), case
            assert set(exp.get("exp_annotations", {})) == set(rule.get("annotations", {})), case


MUTATIONS = {
    "never fires": lambda rule: {**rule, "expr": f"({rule['expr']}) and on() vector(0) > 1"},
    "always fires": lambda rule: {**rule, "expr": "vector(1)"},
    "label changed": lambda rule: {**rule, "labels": {**rule.get("labels", {}), "severity": "mutated"}},
    "annotation changed": lambda rule: {**rule, "annotations": {**rule.get("annotations", {}),
                                                                "summary": "mutated summary"}},
}


def _mutated_copy(tmp_path: Path, alert: str, mutate) -> list[Path]:
    """A copy of rules/ and tests/ where only `alert` is broken (production files untouched)."""
    shutil.copytree(PROM_DIR / "rules", tmp_path / "rules")
    shutil.copytree(PROM_DIR / "tests", tmp_path / "tests")
    file, _ = _alert_rules(tmp_path / "rules")[alert]
    doc = yaml.safe_load(file.read_text())
    for group in doc["groups"]:
        group["rules"] = [mutate(r) if r.get("alert") == alert else r for r in group["rules"]]
    file.write_text(yaml.safe_dump(doc, sort_keys=False))
    # only the test files with cases of this alert: the others cannot notice the mutation (6x fewer evaluations)
    return [f for f in sorted((tmp_path / "tests").glob("*.test.yml")) if any(c["alertname"] == alert for c in _cases([f]))]


# Alerts without any case are reported once, by the completeness test above, not 4 times here.
TESTED_ALERTS = sorted(set(_alert_rules(PROM_DIR / "rules")) & {c["alertname"] for c in _cases(TEST_FILES)})


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
@pytest.mark.parametrize("alert", TESTED_ALERTS)
def test_breaking_a_rule_makes_its_promtool_test_fail(tmp_path, alert, mutation):
    result = _promtool_test(*_mutated_copy(tmp_path, alert, MUTATIONS[mutation]))
    assert result.returncode != 0, f"promtool still passes with {alert} mutated ({mutation}):\n{result.stdout}"
    assert "FAILED" in result.stdout + result.stderr and alert in result.stdout + result.stderr
