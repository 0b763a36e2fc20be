"""Runbook registry: runbook sections <-> scenarios <-> alert rules, and the lint of dangling names.

Three sources, each parsed from the files people edit:
- sections: `<a id="anchor"></a>` + `## title` + an `Alerts: `A`, `B`` line in docs/runbooks/*.md;
- rules: `alert:` entries of stack/monitoring/prometheus/rules/*.yml with their `runbook_url`
  annotation (`docs/runbooks/<file>.md#<anchor>`);
- scenarios: `scenarios/*.py` (`runbook="<file>#<anchor>"`, `alert=`).

`lint` separates *errors* (a reference that points at nothing: CI must go red) from *gaps*
(a runbook alert no rule defines yet: reported as not covered; an error only with `strict`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import yaml

from chaos_harness.layout import Layout, current

ANCHOR = re.compile(r'<a id="([a-z0-9-]+)"></a>')
HEADING = re.compile(r"^#{2,3}\s+(.+?)\s*$")
ALERTS_LINE = re.compile(r"^Alerts:\s*(.*)$")
BACKTICKED = re.compile(r"`([A-Za-z_][A-Za-z0-9_]*)`")
RUNBOOK_URL = re.compile(r"^(?:.*/)?([a-z0-9-]+)\.md#([a-z0-9-]+)$")   # <runbooks folder>/<file>.md#<anchor>


@dataclass(frozen=True)
class Section:
    runbook: str          # file stem, e.g. "incident-runbook"
    anchor: str
    title: str
    alerts: tuple[str, ...]
    has_alerts_line: bool = True

    @property
    def ref(self) -> str:
        return f"{self.runbook}#{self.anchor}"


@dataclass(frozen=True)
class Rule:
    alert: str
    group: str
    file: str
    runbook_url: str
    expr: str = ""
    labels: tuple[tuple[str, str], ...] = ()        # as strings, sorted (frozen)
    annotations: tuple[tuple[str, str], ...] = ()

    @property
    def ref(self) -> str | None:
        """`<runbook>#<anchor>` the runbook_url points at, or None if it is not a project runbook link."""
        match = RUNBOOK_URL.match(self.runbook_url or "")
        return f"{match.group(1)}#{match.group(2)}" if match else None


@dataclass(frozen=True)
class ScenarioRef:
    id: str
    runbook: str          # "<file>#<anchor>"
    alert: str


@dataclass
class Registry:
    sections: list[Section]
    rules: list[Rule]
    scenarios: list[ScenarioRef]

    @property
    def section_by_ref(self) -> dict[str, Section]:
        return {s.ref: s for s in self.sections}

    @property
    def rule_by_alert(self) -> dict[str, Rule]:
        return {r.alert: r for r in self.rules}

    def runbook_alerts(self) -> dict[str, Section]:
        return {alert: s for s in self.sections for alert in s.alerts}

    def all_alerts(self) -> list[str]:
        names = dict.fromkeys([*self.runbook_alerts(), *(r.alert for r in self.rules),
                               *(s.alert for s in self.scenarios)])
        return sorted(names)

    def scenarios_for_alert(self, alert: str) -> list[ScenarioRef]:
        return [s for s in self.scenarios if s.alert == alert]

    def scenarios_for_section(self, ref: str) -> list[ScenarioRef]:
        return [s for s in self.scenarios if s.runbook == ref]


@dataclass
class Findings:
    errors: list[str] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)

    def failed(self, strict: bool = False) -> bool:
        return bool(self.errors or (strict and self.gaps))


# ------------------------------------------------------------------------------------- parsing
def parse_runbook(path: Path) -> list[Section]:
    """Sections of one runbook file: each anchor, the heading after it, and its `Alerts:` line."""
    sections: list[Section] = []
    anchor, title, alerts, has_line = None, "", (), False

    def close() -> None:
        if anchor:
            sections.append(Section(path.stem, anchor, title, alerts, has_line))

    for line in path.read_text(encoding="utf-8").splitlines():
        if m := ANCHOR.search(line):
            close()
            anchor, title, alerts, has_line = m.group(1), "", (), False
        elif anchor and not title and (m := HEADING.match(line)):
            title = m.group(1)
        elif anchor and not has_line and (m := ALERTS_LINE.match(line.strip())):
            alerts, has_line = tuple(BACKTICKED.findall(m.group(1))), True
    close()
    return sections


def parse_rules(rules_dir: Path) -> list[Rule]:
    rules = []
    for file in sorted(rules_dir.glob("*.yml")) + sorted(rules_dir.glob("*.yaml")):
        doc = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        for group in doc.get("groups") or []:
            for rule in group.get("rules") or []:
                if "alert" in rule:
                    annotations = rule.get("annotations") or {}
                    rules.append(Rule(rule["alert"], group.get("name", ""), file.name,
                                      annotations.get("runbook_url", ""), str(rule.get("expr", "")),
                                      tuple(sorted((k, str(v)) for k, v in (rule.get("labels") or {}).items())),
                                      tuple((k, str(v)) for k, v in annotations.items())))
    return rules


def scenario_refs() -> list[ScenarioRef]:
    from chaos_harness.registry import all_scenarios
    return [ScenarioRef(s.id, s.runbook, s.alert) for s in all_scenarios()]


def load_registry(layout: Layout | None = None, scenarios: Iterable[ScenarioRef] | None = None) -> Registry:
    """The project's runbooks, rules and scenarios (chaos_harness/layout.py; default: the current project)."""
    layout = layout or current()
    sections = [s for f in sorted(layout.runbooks_dir.glob("*.md")) for s in parse_runbook(f)]
    rules = parse_rules(layout.rules_dir)
    return Registry(sections, rules, list(scenario_refs() if scenarios is None else scenarios))


# ------------------------------------------------------------------------------------- lint
def lint(registry: Registry) -> Findings:
    """Every dangling reference is an error; a runbook alert without a rule yet is a gap."""
    findings = Findings()
    sections, rules = registry.section_by_ref, registry.rule_by_alert
    seen_anchors: set[str] = set()
    for s in registry.sections:
        if s.ref in seen_anchors:
            findings.errors.append(f"runbook {s.runbook}: anchor #{s.anchor} is defined twice")
        seen_anchors.add(s.ref)
        if not s.has_alerts_line:
            findings.errors.append(f"runbook section {s.ref} has no `Alerts:` line (write `Alerts: none yet`)")
    seen_rules: set[str] = set()
    for r in registry.rules:
        where = f"rule {r.alert} ({r.file}, group {r.group})"
        if r.alert in seen_rules:
            findings.errors.append(f"{where}: alert is defined twice")
        seen_rules.add(r.alert)
        if not r.runbook_url:
            findings.errors.append(f"{where}: no runbook_url annotation")
        elif r.ref is None:
            findings.errors.append(f"{where}: runbook_url {r.runbook_url!r} is not <runbooks folder>/<file>.md#<anchor>")
        elif r.ref not in sections:
            findings.errors.append(f"{where}: runbook_url points at missing section {r.ref}")
        elif r.alert not in sections[r.ref].alerts:
            findings.errors.append(f"{where}: runbook_url points at {r.ref}, whose `Alerts:` line does not "
                                   f"name {r.alert}")
    for sc in registry.scenarios:
        where = f"scenario {sc.id}"
        if sc.alert not in rules:
            findings.errors.append(f"{where}: alert {sc.alert} is not defined by any rule in "
                                   f"stack/monitoring/prometheus/rules")
        if sc.runbook not in sections:
            findings.errors.append(f"{where}: runbook section {sc.runbook} does not exist")
        elif sc.alert not in sections[sc.runbook].alerts:
            findings.errors.append(f"{where}: section {sc.runbook} does not list alert {sc.alert}")
    for alert, section in registry.runbook_alerts().items():
        if alert not in rules:
            findings.gaps.append(f"alert {alert} (runbook section {section.ref}) is not defined by any rule yet")
    return findings
