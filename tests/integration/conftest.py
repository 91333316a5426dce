"""Gates and guards for tests that need a Docker engine and the stand-in images.

`docker_ready` skips with the reason when the engine or an image is missing, and fails instead
when LAMBDACHECK_REQUIRE_DOCKER=1 (CI). Every `docker` test is checked afterwards for
containers labelled io.lambdacheck.managed=1 and lambdacheck-run-* temp dirs it left behind.
The stand-ins are described to lambdacheck by runtime files (tests/data/standins/*.toml),
as a user with a custom image would describe theirs.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import docker
import docker.errors
import pytest

from checker.catalog import load_catalog
from checker.runtime import Catalog, Runtime

REQUIRE_DOCKER_ENV = "LAMBDACHECK_REQUIRE_DOCKER"
STANDINS = Path(__file__).resolve().parents[1] / "data" / "standins"
STANDIN_IMAGES = ("lambdacheck-standin/provided:bullseye", "lambdacheck-standin/python:bullseye")
MANAGED = "io.lambdacheck.managed=1"
BUILD_HINT = "run scripts/build_standins.sh"


def _unavailable(reason: str) -> None:
    if os.environ.get(REQUIRE_DOCKER_ENV) == "1":
        pytest.fail(f"{reason} ({REQUIRE_DOCKER_ENV}=1)")
    pytest.skip(reason)


def _engine_problem() -> str | None:
    try:
        client = docker.from_env(timeout=10)
        client.ping()
    except (docker.errors.DockerException, OSError) as error:
        return f"no Docker engine reachable ({error})"
    try:
        missing = [image for image in STANDIN_IMAGES if not _has_image(client, image)]
    finally:
        client.close()
    return f"stand-in image {missing[0]} is missing: {BUILD_HINT}" if missing else None


def _has_image(client: docker.DockerClient, image: str) -> bool:
    try:
        client.images.get(image)
    except docker.errors.ImageNotFound:
        return False
    return True


@pytest.fixture(scope="session")
def docker_client() -> Iterator[docker.DockerClient]:
    """A client for the tests' own look at the engine (never used by the code under test)."""
    problem = _engine_problem()
    if problem is not None:
        _unavailable(problem)
    client = docker.from_env(timeout=30)
    yield client
    client.close()


@pytest.fixture(scope="session")
def preexisting(docker_client: docker.DockerClient) -> tuple[frozenset[str], frozenset[str]]:
    """Managed containers and run dirs that existed before the tests (not theirs to answer for)."""
    return _managed_containers(docker_client), _run_dirs()


def _managed_containers(client: docker.DockerClient) -> frozenset[str]:
    return frozenset(str(c.id) for c in client.containers.list(all=True,
                                                                filters={"label": MANAGED}))


def _run_dirs() -> frozenset[str]:
    return frozenset(str(p) for p in Path(tempfile.gettempdir()).glob("lambdacheck-run-*"))


@pytest.fixture(autouse=True)
def _no_leftovers(request: pytest.FixtureRequest) -> Iterator[None]:
    if request.node.get_closest_marker("docker") is None:
        yield
        return
    client = request.getfixturevalue("docker_client")
    containers, dirs = request.getfixturevalue("preexisting")
    yield
    left = _managed_containers(client) - containers
    for container_id in left:
        client.api.remove_container(container_id, force=True)
    left_dirs = _run_dirs() - dirs
    assert not left, f"the test left {len(left)} lambdacheck container(s) behind"
    assert not left_dirs, f"the test left temp dirs behind: {sorted(left_dirs)}"


@pytest.fixture(scope="session")
def standin_catalog(docker_client: docker.DockerClient) -> Catalog:
    del docker_client  # the runtime files only matter when the images exist
    return load_catalog([STANDINS / "provided.toml", STANDINS / "python3.9.toml"])


@pytest.fixture(scope="session")
def provided(standin_catalog: Catalog) -> Runtime:
    runtime = standin_catalog.get("standin-provided")
    assert runtime is not None
    return runtime


@pytest.fixture(scope="session")
def python39(standin_catalog: Catalog) -> Runtime:
    runtime = standin_catalog.get("standin-python3.9")
    assert runtime is not None
    return runtime
