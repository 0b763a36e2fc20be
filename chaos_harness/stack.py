"""Bring the test stack up and down: Docker Compose through testcontainers, one project per run.

`Stack` is the one seam the rest of the harness uses for names, URLs, exec and logs, so a
different backend (Kubernetes) can come later. `StackOwner` answers "does this container
belong to the current stack?" and is all a fault needs.
"""
from __future__ import annotations

import contextlib
import functools
import os
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from docker.models.containers import Container
from testcontainers.compose import DockerCompose

from chaos_harness import images, log
from chaos_harness.docker_env import apply_build_env, docker_client
from chaos_harness.errors import ConfigError, ForeignTarget, InfrastructureError, StackStartError
from chaos_harness.layout import Layout, current
from chaos_harness.ledger import Ledger
from chaos_harness.timing import DEFAULT_FACTOR, MonitoringSources, TimingProfile, format_duration, render_test_config

# Progress of the stack's lifecycle (a first start that builds images takes minutes). Under pytest the plugin
# starts the stack with output capture suspended, so these lines reach the terminal.
_log = log.logger(__name__)
PROJECT_PREFIX = "chaos-"
PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"
# Settings a compose profile gives the services outside it (written into the stack's env file).
PROFILE_ENV = {"minio": {"FULFILLMENT_ARTIFACTS_ENDPOINT": "minio:9000"}}


def new_project_name(worker: str = "") -> str:
    return f"{PROJECT_PREFIX}{worker + '-' if worker else ''}{uuid.uuid4().hex[:8]}"


def published_ports(container: Container, port: str | None = None) -> list[str]:
    """Host ports a container publishes on 127.0.0.1 (or all interfaces), for one "8000/tcp" or all."""
    ports = container.attrs.get("NetworkSettings", {}).get("Ports") or {}
    bindings = [b for key, bs in ports.items() if port in (None, key) for b in bs or []]
    return [b["HostPort"] for b in bindings if b.get("HostIp") in ("127.0.0.1", "0.0.0.0", "")]


def _last_probe(container) -> str:
    """What the container's last healthcheck saw (exit code and output), for a readable start failure."""
    probes = container.attrs.get("State", {}).get("Health", {}).get("Log") or []
    if not probes:
        return ""
    last = probes[-1]
    output = " ".join(str(last.get("Output", "")).split())[:300]
    return f", last healthcheck exit {last.get('ExitCode')}: {output or '(no output)'}"


@dataclass(frozen=True)
class StackOwner:
    """The containers of one compose project; faults may touch these and nothing else."""
    project: str

    def containers(self) -> list[Container]:
        return docker_client().containers.list(all=True, filters={"label": f"{PROJECT_LABEL}={self.project}"})

    def services(self) -> list[str]:
        return sorted({c.labels.get(SERVICE_LABEL, "?") for c in self.containers()})

    def url(self, service: str, port: int) -> str:
        """http://127.0.0.1:<published port> of a service's container port (the one way to reach it)."""
        container = self.container(service)
        published = published_ports(container, f"{port}/tcp")
        if not published:
            raise ForeignTarget(f"{service}:{port} of stack {self.project} is not published on 127.0.0.1 "
                                f"(container {container.status})")
        return f"http://127.0.0.1:{published[0]}"

    def container(self, service: str) -> Container:
        found = docker_client().containers.list(
            all=True, filters={"label": [f"{PROJECT_LABEL}={self.project}", f"{SERVICE_LABEL}={service}"]})
        if not found:
            raise ForeignTarget(
                f"service {service!r} is not part of stack {self.project!r} "
                f"(its services: {', '.join(self.services()) or 'none running'}); refusing to touch it")
        return found[0]

    def run(self, service: str, command: list[str], *, what: str, error: type[Exception] = InfrastructureError) -> str:
        """`docker exec` a command in a service's container; its output (stripped), or `error` naming `what`
        failed, the exit code and the output's tail. The one way faults and drills run a tool in a container."""
        result = self.container(service).exec_run(command)
        output = (result.output or b"").decode(errors="replace").strip()
        if result.exit_code != 0:
            raise error(f"{what} in {service} failed (exit {result.exit_code}): {output[-400:]}")
        return output


def chaos_projects() -> set[str]:
    """Compose projects of this harness (name prefix) present on the engine, running or not."""
    return {c.labels[PROJECT_LABEL] for c in docker_client().containers.list(all=True, filters={"label": PROJECT_LABEL})
            if c.labels[PROJECT_LABEL].startswith(PROJECT_PREFIX)}


def discover_url(service: str, port: int = 8000) -> str:
    """The URL of `service` in the only chaos stack on the engine (for scripts run without --base-url)."""
    projects = sorted(chaos_projects())
    if len(projects) != 1:
        found = ", ".join(projects) or "none"
        raise ConfigError(f"--base-url not given and cannot pick a stack (running chaos stacks: {found}); "
                          f"pass --base-url, or start one with `make stack-up`")
    return StackOwner(projects[0]).url(service, port)


def owner_of_url(url: str) -> StackOwner:
    """The chaos stack one of whose containers publishes the port of `url` on 127.0.0.1."""
    from urllib.parse import urlparse
    port = str(urlparse(url).port or "")
    for container in docker_client().containers.list(filters={"label": PROJECT_LABEL}):
        project = container.labels[PROJECT_LABEL]
        if project.startswith(PROJECT_PREFIX) and port in published_ports(container):
            return StackOwner(project)
    raise ForeignTarget(f"no chaos stack publishes {url}; the drill only touches containers of a test stack")


class Stack:
    def __init__(self, project: str | None = None, *, layout: Layout | None = None, time_factor: float = DEFAULT_FACTOR,
                 ledger: Ledger | None = None, services: list[str] | None = None,
                 profiles: list[str] | None = None, extra_rule_files: tuple[Path, ...] = ()) -> None:
        self.project = project or new_project_name()
        self.extra_rule_files = tuple(extra_rule_files)   # loaded beside the production rules (the benchmark's)
        self.layout = layout = layout or current()
        self.time_factor = time_factor
        self.ledger = ledger or Ledger.default(layout)
        self.work_dir = layout.build_dir / "stacks" / self.project
        self.env_file = self.work_dir / "stack.env"
        self.owner = StackOwner(self.project)
        self.profile: TimingProfile | None = None
        self.profiles = sorted(set(profiles or []))   # compose profiles: optional service groups (data, ...)
        self._services = services
        self._compose = self._compose_for(self.profiles)

    def _compose_for(self, profiles: list[str]) -> DockerCompose:
        return DockerCompose(context=str(self.layout.compose_file.parent),
                             compose_file_name=self.layout.compose_file.name, build=False, wait=True,
                             env_file=str(self.env_file), services=self._services,
                             profiles=profiles or None)

    # -- lifecycle --------------------------------------------------------------------------
    def render(self) -> TimingProfile:
        """Write the compressed monitoring config and the env file of this project."""
        self.profile = render_test_config(MonitoringSources(self.layout.monitoring_dir, self.extra_rule_files),
                                          self.work_dir / "monitoring", self.time_factor)
        self._write_env()
        return self.profile

    def _write_env(self) -> None:
        self.env_file.write_text(
            f"COMPOSE_PROJECT_NAME={self.project}\n"
            f"CHAOS_CONFIG_DIR={self.work_dir / 'monitoring'}\n"
            f"CHAOS_PROM_RESEND_DELAY={format_duration(round(self.profile.resend_delay * 1000))}\n"
            f"CHAOS_TIME_FACTOR={self.time_factor:g}\n"
            f"CHAOS_PROFILES={','.join(self.profiles)}\n"
            f"CHAOS_IMAGE_TAG={self.image_tag}\n"
            + "".join(f"{k}={v}\n" for p in self.profiles for k, v in PROFILE_ENV.get(p, {}).items()))

    @classmethod
    def attach(cls, project: str, *, layout: Layout | None = None, ledger: Ledger | None = None,
               profiles: list[str] | None = None, time_factor: float | None = None) -> "Stack":
        """A stack someone started earlier (`make stack-up`), for a warm inner loop: nothing is built, started or
        rendered; its timers are the ones it was rendered with. Refuses (ConfigError, at once) a stack that is not
        running, lacks a compose profile the chosen scenarios need, or runs at another time factor."""
        layout = layout or current()
        work_dir = layout.build_dir / "stacks" / project
        env_file, timing = work_dir / "stack.env", work_dir / "monitoring" / "timing.json"
        if not env_file.is_file() or not timing.is_file():
            raise ConfigError(f"--stack {project}: no such stack on this machine ({env_file} missing); start one with "
                              f"`make stack-up` and pass the project name it prints")
        env = dict(line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line)
        running = [c for c in StackOwner(project).containers() if c.status == "running"]
        if not running:
            raise ConfigError(f"--stack {project}: its containers are not running (docker compose ps: "
                              f"`docker compose -f {layout.compose_file} --env-file {env_file} ps`)")
        have = [p for p in env.get("CHAOS_PROFILES", "").split(",") if p]
        missing = sorted(set(profiles or []) - set(have))
        if missing:
            wanted = " ".join(f"--profile {p}" for p in sorted(set(have) | set(missing)))
            raise ConfigError(f"--stack {project} runs compose profiles {have or 'none'}; the chosen scenarios also "
                              f"need {missing}: start a stack with `make stack-up ARGS='{wanted}'`")
        stack = cls(project, layout=layout, time_factor=float(env.get("CHAOS_TIME_FACTOR", DEFAULT_FACTOR)), ledger=ledger,
                    profiles=have)
        if time_factor is not None and abs(time_factor - stack.time_factor) > 1e-9:
            raise ConfigError(f"--stack {project} runs at time factor {stack.time_factor:g}, not {time_factor:g}")
        stack.profile = TimingProfile.from_json(timing.read_text())
        stack.attached = True
        return stack

    attached = False   # True for a stack this process did not start (and must leave running)

    @functools.cached_property
    def image_tag(self) -> str:
        """The caller's CHAOS_IMAGE_TAG, else one derived from the build inputs (chaos_harness/images.py)."""
        return os.environ.get("CHAOS_IMAGE_TAG") or images.build_tag(self.layout.compose_file)

    def start(self) -> "Stack":
        apply_build_env()
        docker_client()  # fail fast, with advice, when there is no engine
        self.render()
        self.ledger.stack_up(self.project, str(self.env_file))
        self._up(f"starting {', '.join(self.profiles) or 'the core'} services")
        return self

    def add_profiles(self, profiles) -> list[str]:
        """Start the services of compose profiles this running stack lacks (a parallel worker's stack grows to
        what its tests need); services already running are left as they are. Returns the profiles added."""
        missing = sorted(set(profiles) - set(self.profiles))
        if not missing:
            return []
        if self.attached:
            raise ConfigError(f"--stack {self.project} runs compose profiles {self.profiles or 'none'}; a test also "
                              f"needs {missing}")
        self.profiles = sorted(set(self.profiles) | set(missing))
        self._compose = self._compose_for(self.profiles)   # its command line is computed once
        self._write_env()
        self._up(f"adding the {', '.join(missing)} services")
        return missing

    def remove_profiles(self, profiles, needed_later=()) -> list[str]:
        """Remove the services that only these compose profiles start (once their last test is done), so the rest of
        the session runs without them on the cores; services another running profile, the core or a profile of
        `needed_later` (a later test's, not added yet) also starts stay. A stack attached with --stack is left as
        found. Returns the services removed."""
        leaving = set(profiles) & set(self.profiles)
        if not leaving or self.attached:
            return []
        staying = set(self.profiles) - leaving
        gone = images.services_leaving(self.layout.compose_file, self.profiles, staying | set(needed_later))
        for container in self.owner.containers():
            if container.labels.get(SERVICE_LABEL) in gone:
                container.remove(force=True)   # no fault of theirs is open: their tests are done
        self.profiles = sorted(staying)
        self._compose = self._compose_for(self.profiles)
        self._write_env()
        _log.info(f"stack {self.project}: removed the {', '.join(sorted(leaving))} services ({', '.join(gone)}): "
                  f"their tests are done")
        return gone

    def _up(self, what: str) -> None:
        """`docker compose up --wait` for the current profiles, with progress, after building the images that are
        missing, and only those (`docker compose build <services>`). Never `up --build` on a running stack: adding
        the o2o profile that way (its images missing) recreated 8 running services, the webhook receiver among them,
        on new host ports under the clients holding the old ones (CI 2026-12-02). A running service compose still
        recreates (its configuration changed with the profiles) is logged."""
        forced = bool(os.environ.get("CHAOS_IMAGE_TAG"))   # the caller's tag: its images are built afresh
        running = {c.labels.get(SERVICE_LABEL): c.id for c in self.owner.containers() if c.status == "running"}

        def to_build() -> dict[str, str]:
            """image -> the service that builds it: with a derived tag (it names its inputs), the images missing;
            with the caller's, those of the services not running yet."""
            needed = images.images_needed(self.layout.compose_file, self.profiles, self.image_tag)
            if forced:
                return {image: service for image, service in needed.items() if service not in running}
            return {image: needed[image] for image in images.missing(list(needed))}

        started = time.time()
        try:
            with self._progress(started):
                if to_build():
                    with images.build_lock(self.layout.build_dir):
                        building = to_build()   # again: a parallel worker may have built them while this one waited
                        if building:
                            _log.info(f"stack {self.project}: building {len(building)} image(s) (tag {self.image_tag}"
                                      f"{'' if forced else '; a first build takes minutes'}): "
                                      f"{', '.join(sorted(building.values()))}")
                            self._compose_run("build", "--quiet", *sorted(set(building.values())))
                _log.info(f"stack {self.project}: {what} ({self.layout.compose_file.name})")
                self._compose.start()
        except subprocess.CalledProcessError as exc:
            detail = self._failure_detail(exc)
            self.stop()
            raise StackStartError(f"stack {self.project} did not start: {detail}") from None
        now = {c.labels.get(SERVICE_LABEL): c.id for c in self.owner.containers()}
        replaced = sorted(service for service, cid in running.items() if now.get(service, cid) != cid)
        if replaced:
            _log.warning(f"stack {self.project}: compose recreated {', '.join(replaced)} (their configuration changed "
                         f"with the profiles): new host ports")
        _log.info(f"stack {self.project}: up in {time.time() - started:.1f}s ({len(now)} containers)")

    def _compose_run(self, *args: str) -> None:
        """One `docker compose` command of this stack (its files, profiles and env file); CalledProcessError with
        its output on failure."""
        subprocess.run([*self._compose.compose_command_property, *args], cwd=self._compose.context,
                       capture_output=True, check=True)

    @contextlib.contextmanager
    def _progress(self, started: float, every: float = 15.0):
        """While compose builds and starts (silent for minutes on a fresh machine), say every `every` seconds
        how far it got."""
        done = threading.Event()

        def report() -> None:
            while not done.wait(every):
                try:
                    states = [(c.status, c.attrs.get("State", {}).get("Health", {}).get("Status"))
                              for c in self.owner.containers()]
                except Exception as exc:  # noqa: BLE001 - progress is best effort
                    states, note = [], f" ({type(exc).__name__})"
                else:
                    note = ""
                running = sum(1 for status, _ in states if status == "running")
                healthy = sum(1 for _, health in states if health == "healthy")
                stage = (f"{len(states)} containers, {running} running, {healthy} healthy" if states
                         else "building images (no container yet)")
                _log.info(f"  ... stack {self.project} still starting ({time.time() - started:.0f}s): {stage}{note}")

        thread = threading.Thread(target=report, name=f"progress-{self.project}", daemon=True)
        thread.start()
        try:
            yield
        finally:
            done.set()
            thread.join(timeout=2)

    stopped = False   # True once stop() was called: the stack is released (an interrupted one is left to cleanup)

    def stop(self) -> None:
        """`docker compose down`, then the ledger's stack-down. A `down` that did not finish (interrupted: execnet
        sends an interrupted xdist worker a SIGINT after 5 s, which kills the compose process) leaves the stack
        open in the ledger, so `cleanup` removes what is left; recording it removed would hide it."""
        self.stopped = True
        self._compose.stop(down=True)
        self.ledger.stack_down(self.project)

    def _failure_detail(self, exc: subprocess.CalledProcessError) -> str:
        lines = [f"`{' '.join(map(str, exc.cmd))}` exited {exc.returncode}"]
        err = (exc.stderr or b"").decode(errors="replace") if isinstance(exc.stderr, bytes) else (exc.stderr or "")
        lines += err.strip().splitlines()[-10:]
        for container in self.owner.containers():
            health = container.attrs.get("State", {}).get("Health", {}).get("Status", "-")
            if container.status != "running" or health not in ("healthy", "-"):
                tail = container.logs(tail=20).decode(errors="replace")
                lines.append(f"--- {container.name}: {container.status}/{health}{_last_probe(container)}, "
                             f"last logs:\n{tail}")
        return "\n".join(lines)

    # -- accessors --------------------------------------------------------------------------
    def url(self, service: str, port: int) -> str:
        return self.owner.url(service, port)

    def exec(self, service: str, command: list[str]) -> tuple[int, str]:
        result = self.owner.container(service).exec_run(command, demux=False)
        return result.exit_code, (result.output or b"").decode(errors="replace")

    def logs(self, service: str, tail: int = 300) -> str:
        return self.owner.container(service).logs(tail=tail, timestamps=True).decode(errors="replace")

    def compose_hint(self) -> str:
        """The command a person uses to poke at this stack by hand (e.g. with --keep-stack)."""
        profiles = "".join(f" --profile {p}" for p in self.profiles)
        return f"docker compose -f {self.layout.compose_file} --env-file {self.env_file}{profiles} ps"
