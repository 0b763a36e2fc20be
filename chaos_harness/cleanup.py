"""Repair what a crashed run left behind: revert its faults, then remove its stack.

Reads the ledger: a `fault-injecting` without `fault-reverted` is rebuilt from its description
and reverted; a `stack-up` without `stack-down` is removed (containers, networks, volumes with
its compose project label). Entries of runs that are still alive are left alone unless
--force. Every repair is written back to the ledger (`by: cleanup`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from docker.errors import APIError, NotFound

from chaos_harness.docker_env import docker_client
from chaos_harness.errors import ChaosError
from chaos_harness.faults import fault_from_description
from chaos_harness.ledger import Ledger, pid_alive
from chaos_harness.stack import PROJECT_LABEL, StackOwner, chaos_projects


@dataclass
class CleanupReport:
    reverted: list[str] = field(default_factory=list)
    removed_stacks: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"reverted fault {r}" for r in self.reverted] + [f"removed stack {s}" for s in self.removed_stacks]
        out += [f"left alone: {s}" for s in self.skipped] + [f"ERROR: {e}" for e in self.errors]
        return out or ["nothing to clean up"]


def remove_project(project: str) -> int:
    """Remove every container, network and volume labelled with this compose project."""
    client = docker_client()
    label = {"label": f"{PROJECT_LABEL}={project}"}
    removed = 0
    for container in client.containers.list(all=True, filters=label):
        container.remove(force=True, v=True)
        removed += 1
    for network in client.networks.list(filters=label):
        network.remove()
    for volume in client.volumes.list(filters=label):
        volume.remove(force=True)
    return removed


def cleanup(ledger: Ledger, *, dry_run: bool = False, force: bool = False, project: str | None = None,
            all_projects: bool = False) -> CleanupReport:
    report = CleanupReport()
    for entry in ledger.open_faults():
        name = f"{entry.fault.get('kind')}({entry.fault.get('service', '')}) in {entry.project} [{entry.id}]"
        if project and entry.project != project:
            continue
        if pid_alive(entry.pid) and not force and entry.project != project:
            report.skipped.append(f"{name}: its run (pid {entry.pid}) is still alive; use --force")
            continue
        if dry_run:
            report.reverted.append(f"{name} (dry-run: would revert)")
            continue
        try:
            fault_from_description(entry.fault).revert(StackOwner(entry.project))
            ledger.fault_reverted(entry.id, by="cleanup")
            report.reverted.append(name)
        except (APIError, ChaosError) as exc:  # report it and go on with the rest
            report.errors.append(f"{name}: {exc}")
    stacks = {s.project: s for s in ledger.open_stacks()}
    targets = set(stacks)
    if all_projects:
        targets |= chaos_projects()
    if project:
        targets = {project}
    for name in sorted(targets):
        entry = stacks.get(name)
        if entry and pid_alive(entry.pid) and not force and name != project:
            report.skipped.append(f"stack {name}: its run (pid {entry.pid}) is still alive; use --force")
            continue
        if dry_run:
            report.removed_stacks.append(f"{name} (dry-run: would remove)")
            continue
        try:
            count = remove_project(name)
            ledger.stack_down(name, by="cleanup")
            report.removed_stacks.append(f"{name} ({count} containers)")
        except (APIError, NotFound) as exc:
            report.errors.append(f"stack {name}: {exc}")
    return report
