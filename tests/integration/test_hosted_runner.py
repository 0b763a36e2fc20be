"""This machine plays a hosted CI runner: a non-root user in the `docker` group, the engine already running.

The user runs the workflows' own commands on a clone of this repository: `./scripts/bootstrap.sh`, then the
release gate on one runbook scenario (its proof and its two negative control runs, end to end). First with
passwordless sudo (as on GitHub's hosted runners), then, with sudo taken away, the bootstrap again (nothing
is missing: it must need no root at all). A user outside the `docker` group gets one line naming the fix.
Only as root (it creates the users); the users are removed afterwards. The runner's artifact cache is
restored from root's, as `actions/cache` would.
"""
from __future__ import annotations

import os
import pwd
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from fixtures import ROOT

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("useradd"),
                                reason="plays a hosted runner by creating users: needs root and useradd")

RUNNER, OUTSIDER = "chaosrunner", "chaosoutsider"
SUDOERS = Path("/etc/sudoers.d") / RUNNER
SCENARIO = "notification_redis_outage"


def _sh(*cmd: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


# What a hosted runner's environment gives every step: its toolchains on the PATH (here Go lives outside the
# login PATH) and the machine's TLS settings (here the CA bundle that HTTPS to the registries needs).
TOOLCHAINS = ":".join(str(Path(p).parent) for p in map(shutil.which, ("go",)) if p)
MACHINE_ENV = {k: v for k, v in os.environ.items()
               if re.search(r"CERT|CA_BUNDLE|CAINFO|PROXY|^PIP_|^GOPROXY$|^GOFLAGS$|^NODE_EXTRA", k)}


def _as(user: str, script: str, timeout: float = 900) -> subprocess.CompletedProcess:
    """A login shell of `user` (its own HOME, PATH and groups), in its clone of the repository."""
    exports = "".join(f"export {k}={shlex.quote(v)}; " for k, v in sorted(MACHINE_ENV.items()))
    return _sh("su", "-l", user, "-c", f"{exports}export PATH={TOOLCHAINS}:$PATH; cd ~/repo && {script}",
               timeout=timeout)


def _user(name: str, groups: str | None) -> Path:
    _sh("userdel", "-r", name)
    made = _sh("useradd", "-m", "-s", "/bin/bash", *(["-G", groups] if groups else []), name)
    assert made.returncode == 0, made.stderr
    home = Path(pwd.getpwnam(name).pw_dir)
    cloned = _sh("su", "-l", name, "-c", f"git config --global --add safe.directory '*' && "
                                         f"git clone -q {ROOT} ~/repo", timeout=120)
    assert cloned.returncode == 0, cloned.stderr
    return home


@pytest.fixture(scope="module")
def runner():
    if not shutil.which("sudo"):
        installed = _sh("apt-get", "install", "-y", "-qq", "sudo", timeout=300)
        assert installed.returncode == 0, f"cannot install sudo to play the runner: {installed.stderr[-500:]}"
    home = _user(RUNNER, "docker")
    SUDOERS.write_text(f"{RUNNER} ALL=(ALL) NOPASSWD:ALL\n")
    SUDOERS.chmod(0o440)
    cache = Path.home() / ".cache" / "chaos-harness"
    for part in ("artifacts", "bin"):               # the data-platform artifacts, as a restored CI cache
        if (cache / part).is_dir():
            shutil.copytree(cache / part, home / ".cache" / "chaos-harness" / part, symlinks=True)
    _sh("chown", "-R", f"{RUNNER}:{RUNNER}", str(home / ".cache"))
    try:
        yield home
    finally:
        SUDOERS.unlink(missing_ok=True)
        _sh("userdel", "-r", RUNNER)


@pytest.mark.timeout(1500)   # a bootstrap, a gate run and a second bootstrap, beside two stacks under `make test`
def test_a_runner_user_bootstraps_and_runs_a_scenario_then_needs_no_root(runner):
    first = _as(RUNNER, "./scripts/bootstrap.sh")
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    assert "[bootstrap] ready" in first.stdout
    run = _as(RUNNER, f".venv/bin/python -m chaos_harness gate --scenario {SCENARIO}")   # the workflows' step
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "2 passed" in run.stdout, "the proof and its negative control run"

    SUDOERS.unlink()                               # the same runner without sudo: everything is there
    again = _as(RUNNER, "sudo -n true 2>/dev/null && echo SUDO-STILL-WORKS; ./scripts/bootstrap.sh", timeout=300)
    assert "SUDO-STILL-WORKS" not in again.stdout
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]


def test_a_user_outside_the_docker_group_gets_one_line_naming_the_fix():
    _user(OUTSIDER, None)
    try:
        done = _as(OUTSIDER, "./scripts/bootstrap.sh docker", timeout=60)
        assert done.returncode == 1
        assert done.stderr.strip().splitlines() == [
            f"[bootstrap] ERROR: a Docker engine runs but {OUTSIDER} may not use it: add the user to the docker "
            f"group (sudo usermod -aG docker {OUTSIDER}), then log in again"]
    finally:
        _sh("userdel", "-r", OUTSIDER)
