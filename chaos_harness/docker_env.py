"""The one way to reach the Docker engine, with an error that says what to do when it is absent."""
from __future__ import annotations

import functools
import os

import docker
from docker.errors import DockerException

from chaos_harness.errors import DockerUnavailable

# No BuildKit/buildx on the reference machines; testcontainers' reaper image cannot be pulled.
BUILD_ENV = {"DOCKER_BUILDKIT": "0", "COMPOSE_DOCKER_CLI_BUILD": "0", "COMPOSE_BAKE": "false",
             "TESTCONTAINERS_RYUK_DISABLED": "true"}


def apply_build_env() -> None:
    for key, value in BUILD_ENV.items():
        os.environ.setdefault(key, value)


@functools.lru_cache(maxsize=1)
def docker_client() -> docker.DockerClient:
    try:
        client = docker.from_env(timeout=30)
        client.ping()
    except DockerException as exc:
        raise DockerUnavailable(
            f"no Docker engine answers ({exc}). Run `make bootstrap` (installs and starts one on Debian as root) "
            "or start Docker, then retry.") from None
    return client
