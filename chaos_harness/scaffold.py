"""`chaos-harness new-scenario`: the files a new scenario starts from, for an alert the project's rules define.

Writes, in the project's layout (chaos_harness/layout.py):
- `<scenarios>/<id>.py`: the scenario, with the alert, receiver (where Alertmanager routes the rule's labels,
  `amtool config routes test`), runbook section, a container fault and its remediation to adapt, and TODOs for
  the signal delay and the budget;
- the runbook section, appended to `<runbooks>/<file>.md` when the rule's `runbook_url` (or --runbook) names
  one that does not exist yet; an existing section whose `Alerts:` line lacks the alert is reported, not edited;
- `<monitoring>/prometheus/tests/<id>.test.yml`: a promtool test of the rule with its exact labels and
  annotations, whose input series are left for the author (promtool fails on it until they are written).
Nothing existing is overwritten. docs/adding-a-scenario.md continues from there.
"""
from __future__ import annotations

import difflib
import re
from pathlib import Path

import yaml

from chaos_harness.errors import ConfigError
from chaos_harness.layout import Layout
from chaos_harness.runbooks import Rule, parse_rules, parse_runbook
from chaos_harness.validate import Validator

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_THRESHOLD = re.compile(r"^(.*?)\s*(?:==|!=|>=|<=|>|<)\s*[-+]?[0-9.]+(?:e[-+]?[0-9]+)?\s*$", re.S)


def chart_query(expr: str) -> str:
    """The rule's expression without its trailing threshold (`redis_up == 0` -> `redis_up`): the metric to chart
    and to require in steady state. A TODO when the expression has no plain threshold."""
    match = _THRESHOLD.match(expr.strip())
    return match.group(1).strip() if match else "TODO the PromQL of the alert's metric (production time)"


def find_rule(layout: Layout, alert: str) -> Rule:
    rules = {r.alert: r for r in parse_rules(layout.rules_dir)}
    if alert not in rules:
        close = difflib.get_close_matches(alert, list(rules), n=3, cutoff=0.5)
        raise ConfigError(f"no rule defines alert {alert!r} in {layout.rules_dir}"
                          + (f"; did you mean {', '.join(close)}?" if close else "; write the production rule first"))
    return rules[alert]


def scenario_text(scenario_id: str, rule: Rule, receiver: str, runbook: str, title: str, service: str) -> str:
    return f'''"""{runbook.split("#")[0]} › "{title}".

Symptom:      {rule.alert} fires ({rule.expr}) and reaches {receiver}.
Drill:        TODO the runbook's fault, in its words (below: the container {service} stopped).
Remediation:  TODO the runbook's action and what clears the alert (below: restart {service}).
Signal delay: TODO how long the expression needs to turn true once the fault holds, with its arithmetic at
              factors 30 and 10 (chaos_harness/signals.py); none needed when the fault moves the metric at once.
"""
from chaos_harness.faults import ContainerStopped, RestartService
from chaos_harness.scenario import Scenario

scenario = Scenario(
    id="{scenario_id}",
    title="{title}",
    runbook="{runbook}",
    service="{service}",
    alert="{rule.alert}",
    receiver="{receiver}",
    fault=ContainerStopped("{service}"),
    drill="TODO the drill in the runbook's words",
    remediation=RestartService("{service}"),
    remediation_text="TODO the remediation in the runbook's words",
    chart_query={chart_query(rule.expr)!r},
    severity="{"critical" if dict(rule.labels).get("severity") in ("critical", "high", "page") else "normal"}",
    # budget=Budget(remediate=...): after two or three runs, about 2.5x the slowest remediation (compressed s)
)
'''


def section_text(anchor: str, title: str, alert: str, scenario_file: str) -> str:
    return (f'\n<a id="{anchor}"></a>\n## {title}\n\nAlerts: `{alert}`\n\n'
            f"**Symptom.** TODO what `{alert}` says and which metric moves.\n\n"
            f"**Drill.** TODO the fault. Proven by `{scenario_file}`.\n\n"
            f"**Remediation.** TODO the action that clears `{alert}`.\n")


def promtool_test_text(rule: Rule, rules_dir: Path, tests_dir: Path) -> str:
    relative = Path(*[".."] * len(tests_dir.relative_to(rules_dir.parent).parts)) / rules_dir.name / rule.file
    expected = yaml.safe_dump([{"exp_labels": dict(rule.labels), "exp_annotations": dict(rule.annotations)}],
                              sort_keys=False, width=200)
    indented = "\n".join("        " + line for line in expected.rstrip().splitlines())
    return (f"# promtool unit test of {rule.alert} ({rule.file}), production timings. TODO write the input\n"
            f"# series of `{rule.expr}` (healthy, then the fault) and the eval times; promtool fails until then.\n"
            f"rule_files:\n  - {relative.as_posix()}\nevaluation_interval: 15s\n\ntests:\n"
            f"  - name: {rule.alert} fires with its labels and annotations\n    interval: 15s\n"
            f"    input_series: []    # TODO\n    alert_rule_test:\n      - eval_time: 10m    # TODO\n"
            f"        alertname: {rule.alert}\n        exp_alerts:\n{indented}\n")


def new_scenario(layout: Layout, scenario_id: str, alert: str, *, receiver: str | None = None,
                 runbook: str | None = None, title: str | None = None,
                 service: str = "TODO-service") -> list[str]:
    """Write the files; return what was written or noticed, one line each."""
    if not _ID.match(scenario_id):
        raise ConfigError(f"scenario id {scenario_id!r}: lower case letters, digits and underscores (a module name)")
    package_dir = layout.root / Path(*layout.scenarios.split("."))
    target = package_dir / f"{scenario_id}.py"
    if target.exists():
        raise ConfigError(f"{target} exists; pick another id")
    rule = find_rule(layout, alert)
    routed = Validator(layout).receivers({**dict(rule.labels), "alertname": rule.alert})
    if receiver is None:
        real = [r for r in routed if r]
        if len(real) != 1:
            raise ConfigError(f"Alertmanager routes {alert} to {real or 'nothing'}; name the receiver with --receiver")
        receiver = real[0]
    elif receiver not in routed:
        raise ConfigError(f"Alertmanager routes {alert} to {routed}, not to {receiver!r}")
    if runbook is None:
        if rule.ref is None:
            raise ConfigError(f"{alert}'s runbook_url {rule.runbook_url!r} names no "
                              f"<runbooks folder>/<file>.md#<anchor>; pass --runbook FILE#ANCHOR")
        runbook = rule.ref
    file, _, anchor = runbook.partition("#")
    title = title or scenario_id.replace("_", " ").capitalize()
    lines = []
    runbook_file = layout.runbooks_dir / f"{file}.md"
    sections = {s.anchor: s for s in parse_runbook(runbook_file)} if runbook_file.exists() else {}
    scenario_file = f"{target.relative_to(layout.root).as_posix()}"
    if anchor not in sections:
        runbook_file.parent.mkdir(parents=True, exist_ok=True)
        with open(runbook_file, "a", encoding="utf-8") as fh:
            fh.write(section_text(anchor, title, alert, scenario_file))
        lines.append(f"appended section #{anchor} to {runbook_file}")
    elif alert not in sections[anchor].alerts:
        lines.append(f"NOTE: section #{anchor} of {runbook_file} does not list {alert} on its Alerts: line; add it")
    package_dir.mkdir(parents=True, exist_ok=True)
    (package_dir / "__init__.py").touch(exist_ok=True)
    target.write_text(scenario_text(scenario_id, rule, receiver, runbook, title, service))
    lines.append(f"wrote {target}")
    tests_dir = layout.monitoring_dir / "prometheus" / "tests"
    test_file = tests_dir / f"{scenario_id}.test.yml"
    if not test_file.exists():
        tests_dir.mkdir(parents=True, exist_ok=True)
        test_file.write_text(promtool_test_text(rule, layout.rules_dir, tests_dir))
        lines.append(f"wrote {test_file} (promtool fails on it until its input series are written)")
    lines.append(f"next: fill the TODOs, then `chaos-harness validate --scenario {scenario_id}`, "
                 f"`chaos-harness plan {scenario_id}` and run it (docs/adding-a-scenario.md)")
    return lines
