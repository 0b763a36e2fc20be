"""promtool and amtool (the real binaries in the stack's images) accept both the production
config and its compressed copy, and the loaded rules are the compressed production rules."""
import pytest

from chaos_harness.timing import parse_duration

PROD = "/etc/monitoring-production"


@pytest.mark.parametrize("rules_dir", [f"{PROD}/prometheus/rules", "/etc/prometheus/rules"],
                         ids=["production", "compressed"])
def test_promtool_check_rules(chaos_stack, rules_dir):
    rc, out = chaos_stack.exec("prometheus", ["sh", "-c", f"promtool check rules {rules_dir}/*.yml"])
    assert rc == 0, out
    assert "SUCCESS" in out


@pytest.mark.parametrize("config", [f"{PROD}/prometheus/prometheus.yml", "/etc/prometheus/prometheus.yml"],
                         ids=["production", "compressed"])
def test_promtool_check_config(chaos_stack, config):
    rc, out = chaos_stack.exec("prometheus", ["promtool", "check", "config", config])
    assert rc == 0, out


@pytest.mark.parametrize("config", [f"{PROD}/alertmanager/alertmanager.yml", "/etc/alertmanager/alertmanager.yml"],
                         ids=["production", "compressed"])
def test_amtool_check_config(chaos_stack, config):
    rc, out = chaos_stack.exec("alertmanager", ["amtool", "check-config", config])
    assert rc == 0, out
    assert "SUCCESS" in out


@pytest.mark.parametrize("severity,receiver", [("high", "data-ops"), ("critical", "data-ops"), ("warning", "log"), ("low", "default")])
def test_alertmanager_routes_high_and_critical_to_data_ops(chaos_stack, severity, receiver):
    rc, out = chaos_stack.exec("alertmanager", [
        "amtool", "config", "routes", "test", "--config.file=/etc/alertmanager/alertmanager.yml",
        f"--verify.receivers={receiver}", "alertname=Any", f"severity={severity}"])
    assert rc == 0, out


def test_loaded_rules_are_the_production_rules_compressed(chaos_stack, prometheus):
    import yaml
    factor = chaos_stack.profile.factor
    prod = {r["alert"]: r for f in chaos_stack.layout.rules_dir.glob("*.yml")
            for g in yaml.safe_load(f.read_text())["groups"] for r in g["rules"] if "alert" in r}
    from chaos_harness.mutation import MISROUTED_SUFFIX, SHADOW_SUFFIX
    suffixes = (SHADOW_SUFFIX, MISROUTED_SUFFIX)
    loaded = {name: r for name, r in prometheus.alerting_rules().items() if not name.endswith(suffixes)}
    assert set(loaded) == set(prod)
    for suffix in suffixes:
        shadows = {name for name in prometheus.alerting_rules() if name.endswith(suffix)}
        assert shadows == {name + suffix for name in prod}, f"every rule has its {suffix} control loaded"
    for name, rule in prod.items():
        assert loaded[name].duration == pytest.approx(parse_duration(rule["for"]) / 1000 / factor)
        assert loaded[name].health == "ok"
        assert loaded[name].labels == rule["labels"]
