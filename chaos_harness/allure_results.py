"""Reading and writing Allure 2 result files (`<uuid>-result.json`) without a running test.

The coverage report reads which scenarios passed from here, and attaches itself to the report
as a result of its own (Allure 2 shows no global attachments).
"""
from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

SCENARIO_LABEL = "scenario"   # set by the run_scenario fixture on the runbook proof test only


@dataclass(frozen=True)
class ScenarioOutcome:
    scenario: str
    status: str               # passed | failed | broken | skipped | unknown
    message: str
    stop: int                 # ms since the epoch


def scenario_outcomes(results_dir: Path) -> dict[str, ScenarioOutcome]:
    """The latest outcome of each scenario's proof test found in an Allure results dir."""
    latest: dict[str, ScenarioOutcome] = {}
    for file in sorted(results_dir.glob("*-result.json")) if results_dir.is_dir() else []:
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        labels = {label.get("name"): label.get("value") for label in data.get("labels", [])}
        scenario = labels.get(SCENARIO_LABEL)
        if not scenario:
            continue
        outcome = ScenarioOutcome(scenario, data.get("status", "unknown"),
                                  (data.get("statusDetails") or {}).get("message", "") or "",
                                  int(data.get("stop") or 0))
        if scenario not in latest or outcome.stop >= latest[scenario].stop:
            latest[scenario] = outcome
    return latest


def write_synthetic_result(results_dir: Path, *, key: str, name: str, passed: bool, message: str,
                           attachments: list[tuple[str, str, str, str]], labels: dict[str, str]) -> Path:
    """Write one finished result with attachments (name, body, mime type, extension).

    `key` gives a stable uuid, so writing again replaces the previous copy instead of adding one.
    """
    results_dir.mkdir(parents=True, exist_ok=True)
    result_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"chaos-harness:{key}"))
    refs = []
    for i, (att_name, body, mime, ext) in enumerate(attachments):
        source = f"{result_id}-{i}-attachment.{ext}"
        (results_dir / source).write_text(body, encoding="utf-8")
        refs.append({"name": att_name, "source": source, "type": mime})
    now = int(time.time() * 1000)
    result = {"uuid": result_id, "historyId": result_id, "testCaseId": result_id, "name": name,
              "fullName": f"chaos-harness.{key}", "status": "passed" if passed else "failed",
              "statusDetails": {"message": message} if message else {}, "stage": "finished",
              "start": now, "stop": now, "attachments": refs, "steps": [],
              "labels": [{"name": k, "value": v} for k, v in labels.items()]}
    path = results_dir / f"{result_id}-result.json"
    path.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return path
