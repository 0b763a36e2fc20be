"""Append-only ledger of stacks and faults, written *before* acting.

A run that dies (SIGKILL, power loss) leaves `fault-injecting` without `fault-reverted`, or
`stack-up` without `stack-down`; `python -m chaos_harness cleanup` reads that and repairs. Lines are
JSON objects appended under an exclusive lock, so parallel workers can share one file.
"""
from __future__ import annotations

import fcntl
import json
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from chaos_harness.layout import Layout, current

DEFAULT_LEDGER = Path("reports") / "ledger.jsonl"


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass(frozen=True)
class OpenFault:
    id: str
    project: str
    fault: dict
    pid: int
    at: float


@dataclass(frozen=True)
class OpenStack:
    project: str
    pid: int
    at: float
    env_file: str


class Ledger:
    def __init__(self, path: Path = DEFAULT_LEDGER) -> None:
        self.path = Path(path)

    @classmethod
    def default(cls, layout: Layout | None = None) -> "Ledger":
        """CHAOS_LEDGER if set (tests of crash recovery use their own), else <reports>/ledger.jsonl of the project
        (chaos_harness/layout.py)."""
        return cls(Path(os.environ.get("CHAOS_LEDGER") or (layout or current()).reports_dir / DEFAULT_LEDGER.name))

    def _append(self, event: str, **fields) -> dict:
        record = {"event": event, "at": round(time.time(), 3), "pid": os.getpid(), **fields}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            fh.write(json.dumps(record, sort_keys=True) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        return record

    def records(self) -> Iterator[dict]:
        if not self.path.exists():
            return
        with open(self.path, encoding="utf-8") as fh:
            for line in fh:
                line = line.strip()
                if line:
                    try:
                        yield json.loads(line)
                    except json.JSONDecodeError:
                        continue  # a line torn by a crash mid-write: ignore it

    # -- faults ----------------------------------------------------------------------------
    def fault_injecting(self, project: str, fault: dict) -> str:
        fault_id = uuid.uuid4().hex[:12]
        self._append("fault-injecting", id=fault_id, project=project, fault=fault)
        return fault_id

    def fault_reverted(self, fault_id: str, by: str = "run", detail: str = "") -> None:
        self._append("fault-reverted", id=fault_id, by=by, detail=detail)

    def open_faults(self) -> list[OpenFault]:
        opened: dict[str, OpenFault] = {}
        for r in self.records():
            if r["event"] == "fault-injecting":
                opened[r["id"]] = OpenFault(r["id"], r["project"], r["fault"], r["pid"], r["at"])
            elif r["event"] == "fault-reverted":
                opened.pop(r["id"], None)
        return list(opened.values())

    # -- stacks ----------------------------------------------------------------------------
    def stack_up(self, project: str, env_file: str) -> None:
        self._append("stack-up", project=project, env_file=env_file)

    def stack_down(self, project: str, by: str = "run") -> None:
        self._append("stack-down", project=project, by=by)

    def open_stacks(self) -> list[OpenStack]:
        opened: dict[str, OpenStack] = {}
        for r in self.records():
            if r["event"] == "stack-up":
                opened[r["project"]] = OpenStack(r["project"], r["pid"], r["at"], r.get("env_file", ""))
            elif r["event"] == "stack-down":
                opened.pop(r["project"], None)
        return list(opened.values())
