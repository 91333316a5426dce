"""checker.progress on a pull captured now: the Docker SDK's pull stream from the loopback
registry (tests/build/registry.py), checked against the registry's own manifest (the layers'
sizes and the digest), not against figures of the code under test."""

from __future__ import annotations

import io
import json
import urllib.request
from typing import Any

import docker
import pytest

from checker.progress import Progress, pull_events_to_progress, track_pull
from tests.build.registry import MANIFEST_TYPES, LoopbackRegistry
from tests.integration.conftest import STANDIN_IMAGES

pytestmark = pytest.mark.docker
RANDOM_LAYERS = (2_000_000, 1_000_000)


def manifest(registry: LoopbackRegistry, reference: str) -> tuple[dict[str, Any], str]:
    repository, tag = reference.removeprefix(f"{registry.address}/").rsplit(":", 1)
    request = urllib.request.Request(
        f"http://{registry.address}/v2/{repository}/manifests/{tag}",
        headers={"Accept": MANIFEST_TYPES})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read()), str(answer.headers["Docker-Content-Digest"])


def test_a_real_pull_is_counted_as_the_registry_describes_it(
        loopback_registry: LoopbackRegistry, docker_client: docker.DockerClient) -> None:
    reference = loopback_registry.push_fresh(STANDIN_IMAGES[0], "progress", RANDOM_LAYERS)
    described, digest = manifest(loopback_registry, reference)
    sizes = [layer["size"] for layer in described["layers"]]
    repository, tag = reference.rsplit(":", 1)
    try:
        events = list(docker_client.api.pull(repository, tag=tag, stream=True, decode=True,
                                             platform="linux/amd64"))
        *_, last = pull_events_to_progress(events)
        assert last.error is None
        assert last.digest == digest
        assert last.status == f"Downloaded newer image for {reference}"
        # the stand-in's layers exist in the engine; the random ones were downloaded
        assert last.done == last.total == sum(sizes[-len(RANDOM_LAYERS):])
        assert last.layers_done == last.layers_total == len(sizes)

        log = io.StringIO()
        assert track_pull(Progress(log), reference, events) == last
        (line,) = log.getvalue().splitlines()  # a fast pull: only the final line
        assert line.startswith(f"pulled {reference}: 3.0 MB, {len(sizes)} layers in ")
    finally:
        loopback_registry.forget(reference)
