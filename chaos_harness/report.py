"""The report site: the Allure 2 HTML report generated offline, with history, categories, executor.

`generate` adds to the results dir what the generator reads besides test results
(`categories.json` from the failure classes of chaos_harness/errors.py, `executor.json`, and the
previous report's `history/` so trends carry across runs), then runs the Allure 2 command line
that the bootstrap installed (.tools/allure, npm allure-commandline on the Debian JRE).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from chaos_harness.errors import InfrastructureError
from chaos_harness.tools import tool

GENERATE_TIMEOUT = 300.0


def _classes(*names: str) -> str:
    """Regex (Java `matches`, whole string) for a message or trace naming one of the classes."""
    return r"(?s).*\b(" + "|".join(names) + r")\b.*"


INFRA = ("InfrastructureError", "ServiceUnreachable", "StackStartError", "DockerUnavailable", "NotSteadyState",
         "FaultNotInEffect", "ToolMissing", "ConfigError", "UnknownAlert")
# Allure puts a result in the first category that matches, so the order matters: a budget breach
# is named before the alert classes, infrastructure last.
def _category(name: str, description: str, classes: tuple[str, ...]) -> dict:
    """An Allure category matching failed or broken results whose message or trace names one of `classes`."""
    return {"name": name, "description": f"{description} ({', '.join(classes)}).",
            "matchedStatuses": ["failed", "broken"], "messageRegex": _classes(*classes),
            "traceRegex": _classes(*classes)}


CATEGORIES = [
    _category("Budget exceeded", "The alert fired and cleared, but later than the scenario's budget or the bound "
              "derived from its rule allows", ("BudgetExceeded",)),
    _category("Alert did not fire", "The fault was in effect but the runbook's alert never fired, or fired but "
              "never reached its Alertmanager receiver, or its broken-metric control did not stay quiet",
              ("AlertDidNotFire", "AlertNotDelivered", "ControlFailed")),
    _category("Alert did not clear", "The remediation was applied but the alert stayed firing, its resolved notice "
              "never arrived, or the metric went back over the threshold",
              ("AlertDidNotClear", "ResolvedNoticeMissing", "NotRecovered")),
    _category("Infrastructure error", "Nothing was proven: the stack, Docker, a service or a tool was not usable, "
              "or the system was not in steady state", INFRA),
]


def write_categories(results_dir: Path) -> Path:
    path = results_dir / "categories.json"
    path.write_text(json.dumps(CATEGORIES, indent=2) + "\n", encoding="utf-8")
    return path


def write_executor(results_dir: Path, build_name: str) -> Path:
    """Who produced the results (GitHub Actions run when there is one): labels the trend points."""
    env = os.environ
    executor = {"name": "GitHub Actions" if env.get("GITHUB_ACTIONS") else "local", "type": "github"
                if env.get("GITHUB_ACTIONS") else "local", "buildName": build_name}
    if env.get("GITHUB_RUN_ID"):
        executor["buildUrl"] = (f"{env.get('GITHUB_SERVER_URL', '')}/{env.get('GITHUB_REPOSITORY', '')}"
                                f"/actions/runs/{env['GITHUB_RUN_ID']}")
        executor["buildOrder"] = int(env.get("GITHUB_RUN_NUMBER", "0") or 0)
    path = results_dir / "executor.json"
    path.write_text(json.dumps(executor, indent=2) + "\n", encoding="utf-8")
    return path


def carry_history(report_dir: Path, results_dir: Path) -> bool:
    """Copy the previous report's history into the results, so the new report extends the trends."""
    previous = report_dir / "history"
    if not previous.is_dir():
        return False
    shutil.copytree(previous, results_dir / "history", dirs_exist_ok=True)
    return True


def generate(results_dir: Path, report_dir: Path, *, build_name: str, single_file: bool = False) -> Path:
    """Generate the HTML report into report_dir (replaced); returns its index.html."""
    if not results_dir.is_dir() or not any(results_dir.glob("*-result.json")):
        raise InfrastructureError(f"no Allure results in {results_dir}: run the suite first (make chaos / make test)")
    write_categories(results_dir)
    write_executor(results_dir, build_name)
    carry_history(report_dir, results_dir)
    cmd = [str(tool("allure")), "generate", str(results_dir), "-o", str(report_dir), "--clean"]
    if single_file:
        cmd.append("--single-file")
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=GENERATE_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise InfrastructureError(f"allure generate did not finish within {GENERATE_TIMEOUT:g}s") from None
    index = report_dir / "index.html"
    if done.returncode != 0 or not index.is_file():
        raise InfrastructureError(f"allure generate failed ({done.returncode}): {(done.stderr or done.stdout)[-800:]}")
    return index
