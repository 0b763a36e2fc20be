"""Image tags derived from the build inputs (chaos_harness/images.py): a stack start builds only when they changed."""
import os

import pytest

from chaos_harness.images import build_contexts, build_tag, images_needed, services_leaving
from fixtures import COMPOSE_FILE, ROOT

pytestmark = pytest.mark.unit

COMPOSE = """
services:
  redis: {image: "chaos-harness/redis:${CHAOS_IMAGE_TAG:-dev}", build: {context: stack/images/redis}}
  kafka: {image: "chaos-harness/kafka:${CHAOS_IMAGE_TAG:-dev}", build: {context: stack/images/kafka}, profiles: [kafka]}
  pulled: {image: "debian:bookworm-slim"}
"""


def _tree(tmp_path):
    (tmp_path / "stack" / "images" / "redis").mkdir(parents=True)
    (tmp_path / "stack" / "images" / "redis" / "Dockerfile").write_text("FROM debian:bookworm-slim\n")
    (tmp_path / "compose.yml").write_text(COMPOSE)
    return tmp_path


def test_the_tag_changes_with_any_build_input_and_ignores_bytecode(tmp_path):
    root = _tree(tmp_path)
    first = build_tag(root / "compose.yml")
    assert first == build_tag(root / "compose.yml") and first.startswith("b")
    (root / "stack" / "images" / "redis" / "__pycache__").mkdir()
    (root / "stack" / "images" / "redis" / "__pycache__" / "x.pyc").write_bytes(b"\0")
    assert build_tag(root / "compose.yml") == first, "bytecode written by the unit tests is no build input"
    (root / "stack" / "monitoring").mkdir()
    (root / "stack" / "monitoring" / "rules.yml").write_text("groups: []\n")
    assert build_tag(root / "compose.yml") == first, "a file outside the build contexts (mounted config) is no input"
    dockerfile = root / "stack" / "images" / "redis" / "Dockerfile"
    dockerfile.write_text("FROM debian:bookworm-SLIM\n")
    assert build_tag(root / "compose.yml") != first, "an edit of the same size is a new input"


def test_the_tag_follows_contents_not_modification_times(tmp_path):
    """A fresh clone of the same commit (new mtimes) finds the images an earlier clone built."""
    root = _tree(tmp_path)
    first = build_tag(root / "compose.yml")
    os.utime(root / "stack" / "images" / "redis" / "Dockerfile", ns=(1, 1))
    os.utime(root / "compose.yml", ns=(1, 1))
    assert build_tag(root / "compose.yml") == first


def test_the_images_needed_follow_the_profiles(tmp_path):
    root = _tree(tmp_path)
    assert list(images_needed(root / "compose.yml", [], "b1")) == ["chaos-harness/redis:b1"]
    assert images_needed(root / "compose.yml", ["kafka"], "b1") == {"chaos-harness/kafka:b1": "kafka",
                                                                   "chaos-harness/redis:b1": "redis"}


def test_no_build_context_sends_what_the_tag_ignores():
    """The tag ignores __pycache__; a context that sent it to the builder would make a new image under the same tag
    once a host-side import (the unit tests import the services) left bytecode there."""
    def ignores_bytecode(context):
        ignore = context / ".dockerignore"
        return ignore.exists() and "**/__pycache__" in ignore.read_text().split()

    unguarded = [str(c.relative_to(ROOT)) for c in sorted(build_contexts(ROOT / COMPOSE_FILE))
                 if any(c.rglob("*.py")) and not ignores_bytecode(c)]
    assert unguarded == []


def test_a_profile_leaving_removes_only_the_services_no_staying_profile_starts():
    running = ["cassandra", "cdc", "db", "kafka", "minio"]
    assert services_leaving(ROOT / COMPOSE_FILE, running, ["cdc", "minio"]) == [
        "cassandra-node1", "cassandra-node2", "inventory-service", "kafka-lag-exporter", "order-processor",
        "order-producer", "postgres", "postgres-exporter"], "kafka and mariadb stay with cdc; the core always"
    assert services_leaving(ROOT / COMPOSE_FILE, ["minio"], ["flink"]) == [], \
        "a later test's profile (flink) starts minio too: it stays"
