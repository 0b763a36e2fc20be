"""Where a project's content lives: the compose file, the monitoring config, the runbooks, the scenarios
package and the reports. The harness is installed as a package; everything it reads or writes belongs to
the project that uses it (this repository is its first user).

Each path is a setting, resolved in this order: command-line option > pytest ini key > environment variable >
default under the project root. The root is CHAOS_PROJECT_ROOT, else pytest's rootdir (under pytest), else the
nearest directory from the working directory up that holds a pytest.ini or the compose file; the command line
(`chaos-harness`) reads the same ini keys from that pytest.ini (or pyproject.toml's [tool.pytest.ini_options]).

    setting         option                  ini key               environment            default
    compose file    --chaos-compose-file    chaos_compose_file    CHAOS_COMPOSE_FILE     docker-compose.test.yml
    monitoring      --chaos-monitoring-dir  chaos_monitoring_dir  CHAOS_MONITORING_DIR   stack/monitoring
    runbooks        --chaos-runbooks-dir    chaos_runbooks_dir    CHAOS_RUNBOOKS_DIR     docs/runbooks
    scenarios       --chaos-scenarios       chaos_scenarios       CHAOS_SCENARIOS        scenarios (a package)
    reports         --chaos-reports-dir     chaos_reports_dir     CHAOS_REPORTS_DIR      reports

The monitoring directory holds `prometheus/prometheus.yml`, `prometheus/rules/*.yml` and
`alertmanager/alertmanager.yml` (the production sources the harness compresses). Relative paths are
taken from the root.
"""
from __future__ import annotations

import configparser
import os
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from chaos_harness.errors import ConfigError


@dataclass(frozen=True)
class Setting:
    name: str
    env: str
    default: str
    help: str

    @property
    def option(self) -> str:
        return "--chaos-" + self.name.replace("_", "-")

    @property
    def ini(self) -> str:
        return "chaos_" + self.name


SETTINGS = (
    Setting("compose_file", "CHAOS_COMPOSE_FILE", "docker-compose.test.yml", "the test stack's compose file"),
    Setting("monitoring_dir", "CHAOS_MONITORING_DIR", "stack/monitoring",
            "production monitoring sources: prometheus/prometheus.yml, prometheus/rules/, alertmanager/"),
    Setting("runbooks_dir", "CHAOS_RUNBOOKS_DIR", "docs/runbooks", "the runbooks (Markdown sections)"),
    Setting("scenarios", "CHAOS_SCENARIOS", "scenarios", "the importable package of scenario modules"),
    Setting("reports_dir", "CHAOS_REPORTS_DIR", "reports", "where results, the ledger and reports go"),
)


@dataclass(frozen=True)
class Layout:
    root: Path
    compose_file: Path
    monitoring_dir: Path
    runbooks_dir: Path
    scenarios: str
    reports_dir: Path

    @property
    def rules_dir(self) -> Path:
        return self.monitoring_dir / "prometheus" / "rules"

    @property
    def alertmanager_config(self) -> Path:
        return self.monitoring_dir / "alertmanager" / "alertmanager.yml"

    @property
    def build_dir(self) -> Path:
        """Rendered configs and per-stack work files."""
        return self.root / "build"

    @property
    def results_dir(self) -> Path:
        return Path(os.environ.get("CHAOS_RESULTS_DIR") or self.reports_dir / "scenario-results")

    @property
    def allure_dir(self) -> Path:
        return self.reports_dir / "allure-results"

    def as_env(self) -> dict[str, str]:
        """The settings as environment variables (for a child process: the gate's pytest run)."""
        return {"CHAOS_PROJECT_ROOT": str(self.root), **{s.env: str(getattr(self, s.name)) for s in SETTINGS}}

    def missing(self) -> list[str]:
        """The settings whose path does not exist (a clear error before anything starts)."""
        paths = {"compose_file": self.compose_file, "monitoring_dir": self.monitoring_dir,
                 "runbooks_dir": self.runbooks_dir}
        setting = {s.name: s for s in SETTINGS}
        return [f"{setting[name].name.replace('_', ' ')} {path} does not exist (set {setting[name].option}, "
                f"ini {setting[name].ini} or {setting[name].env})" for name, path in paths.items() if not path.exists()]


def find_root(start: Path | None = None) -> Path:
    """CHAOS_PROJECT_ROOT, else the nearest directory from `start` (the working directory) up holding a pytest.ini
    or the compose file (CHAOS_COMPOSE_FILE or the default name), else `start` itself."""
    if os.environ.get("CHAOS_PROJECT_ROOT"):
        return Path(os.environ["CHAOS_PROJECT_ROOT"]).resolve()
    start = (start or Path.cwd()).resolve()
    compose = os.environ.get("CHAOS_COMPOSE_FILE", SETTINGS[0].default)
    for folder in (start, *start.parents):
        if (folder / "pytest.ini").is_file() or (folder / compose).is_file():
            return folder
    return start


def ini_values(root: Path) -> dict[str, str]:
    """The chaos_* keys of the project's pytest configuration (pytest.ini [pytest], else pyproject.toml
    [tool.pytest.ini_options]), for the command line, which runs without pytest."""
    ini, pyproject = root / "pytest.ini", root / "pyproject.toml"
    if ini.is_file():
        parser = configparser.ConfigParser(interpolation=None)
        parser.read(ini, encoding="utf-8")
        values = dict(parser["pytest"]) if parser.has_section("pytest") else {}
    elif pyproject.is_file():
        values = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("tool", {}).get("pytest", {}) \
            .get("ini_options", {})
    else:
        values = {}
    return {k: str(v).strip() for k, v in values.items() if k.startswith("chaos_")}


def resolve(root: Path | None = None, lookup: Callable[[Setting], str | None] = lambda s: None) -> Layout:
    """The project under `root`; `lookup` gives a setting's option or ini value (None: not given)."""
    root = Path(root).resolve() if root else find_root()
    values = {s.name: lookup(s) or os.environ.get(s.env) or s.default for s in SETTINGS}

    def path(name: str) -> Path:
        value = Path(values[name]).expanduser()
        return value if value.is_absolute() else root / value

    return Layout(root=root, compose_file=path("compose_file"), monitoring_dir=path("monitoring_dir"),
                   runbooks_dir=path("runbooks_dir"), scenarios=values["scenarios"], reports_dir=path("reports_dir"))


_current: Layout | None = None


def configure(layout: Layout) -> Layout:
    """Make `layout` the one the harness reads (the pytest plugin and the CLI call this first). Its root goes on
    sys.path so that its scenarios package imports."""
    global _current
    _current = layout
    if str(layout.root) not in sys.path:
        sys.path.insert(0, str(layout.root))
    return layout


def current() -> Layout:
    """The configured project, or the one found from the working directory and the environment."""
    return _current or configure(resolve())


def require(layout: Layout) -> Layout:
    problems = layout.missing()
    if problems:
        raise ConfigError("; ".join(problems))
    return layout
