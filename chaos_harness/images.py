"""Image tags that follow the build contexts, so a stack start skips `--build` when nothing changed.

`docker compose up --build` with the legacy builder walks every image's Dockerfile through the layer cache and
sends each build context to the engine: ~20 s for the 20 images of the full stack even when every layer is cached,
minutes for the Trino and Flink contexts (~600 MB) on a loaded machine. The stack's images are tagged
`chaos-harness/<name>:${CHAOS_IMAGE_TAG}`; when that variable is not set, the harness sets it to a tag derived
from the build inputs (the compose file, and every file of its build contexts and Dockerfiles), and starts without
`--build` when every image the chosen profiles need exists with that tag. The tag follows contents, not
modification times, so a fresh clone of the same commit finds the images an earlier clone built: files up to
CONTENT_LIMIT bytes (sources, configs, scripts) count by their bytes, larger ones (the jars, tarballs and
runtimes scripts/fetch_artifacts.sh fetches, each named by its version in a tracked pom.xml or *.txt, which
counts by its bytes) by name and size. Any edit in a build context gives a new tag, hence a build. A tag set by
the caller (the CI workflows' `ci-<group>`) is always built, since its contents are unknown.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import re
from pathlib import Path
from typing import Iterable

import yaml
from docker.errors import ImageNotFound

from chaos_harness.docker_env import docker_client

TAG_PREFIX = "b"
CONTENT_LIMIT = 1_000_000   # bytes: smaller build inputs count by their contents (~0.1 s for the whole stack)
_VARIABLE = re.compile(r"\$\{CHAOS_IMAGE_TAG(?::-[^}]*)?\}")


def compose_services(compose_file: Path) -> dict[str, dict]:
    """The services of a compose file, by name."""
    return (yaml.safe_load(compose_file.read_text()) or {}).get("services") or {}


def starts_with(spec: dict, profiles) -> bool:
    """Does a compose service start when these profiles are active (a service without profiles always does)?"""
    return not spec.get("profiles") or bool(set(spec["profiles"]) & set(profiles))


def services_leaving(compose_file: Path, running: Iterable[str], staying: Iterable[str]) -> list[str]:
    """The services that the `running` profiles start and the `staying` ones do not: what removing the other
    profiles removes (the core's services, without profiles, always stay)."""
    return sorted(name for name, spec in compose_services(compose_file).items()
                  if starts_with(spec, running) and not starts_with(spec, staying))


def build_contexts(compose_file: Path) -> set[Path]:
    """The build context directories of the compose file's services."""
    return {context for context, _dockerfile in _builds(compose_file)}


def _builds(compose_file: Path) -> list[tuple[Path, Path | None]]:
    """(context, Dockerfile named in the compose file or None) of each service build."""
    builds = []
    for spec in compose_services(compose_file).values():
        build = spec.get("build")
        if isinstance(build, str):
            build = {"context": build}
        if not isinstance(build, dict):
            continue
        context = (compose_file.parent / build.get("context", ".")).resolve()
        builds.append((context, (context / build["dockerfile"]).resolve() if build.get("dockerfile") else None))
    return builds


def build_inputs(compose_file: Path) -> list[Path]:
    """The compose file, and every file of its services' build contexts and Dockerfiles."""
    roots = {path for build in _builds(compose_file) for path in build if path is not None}
    files = {p for r in roots if r.exists() for p in ([r] if r.is_file() else r.rglob("*"))
             if p.is_file() and "__pycache__" not in p.parts}
    return [compose_file.resolve(), *sorted(files)]


def build_tag(compose_file: Path) -> str:
    """A tag that changes whenever a file of the build contexts or the compose file changes, and stays the same
    for the same files in another clone (contents up to CONTENT_LIMIT; name and size above it)."""
    digest = hashlib.sha256()
    base = compose_file.resolve().parent
    for path in build_inputs(compose_file):
        size = path.stat().st_size
        name = path.relative_to(base) if path.is_relative_to(base) else path
        content = hashlib.sha256(path.read_bytes()).hexdigest() if size <= CONTENT_LIMIT else "-"
        digest.update(f"{name}\0{size}\0{content}\n".encode())
    return TAG_PREFIX + digest.hexdigest()[:12]


def images_needed(compose_file: Path, profiles: list[str], tag: str) -> dict[str, str]:
    """The built images (`build:` and `image:`) of the services that start with these profiles, at `tag`, each
    with the one service whose build makes it (the first by name: order-service and payment-service share one)."""
    needed: dict[str, str] = {}
    for name, spec in sorted(compose_services(compose_file).items()):
        if spec.get("build") and spec.get("image") and starts_with(spec, profiles):
            needed.setdefault(_VARIABLE.sub(tag, spec["image"]), name)
    return dict(sorted(needed.items()))


def missing(images: list[str]) -> list[str]:
    client, gone = docker_client(), []
    for image in images:
        try:
            client.images.get(image)
        except ImageNotFound:
            gone.append(image)
    return gone


@contextlib.contextmanager
def build_lock(build_dir: Path):
    """One image build at a time on this machine (per project build dir): parallel workers starting their stacks
    at once would otherwise build the same images twice over, on the same cores. Held only while building."""
    build_dir.mkdir(parents=True, exist_ok=True)
    with open(build_dir / "images.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
