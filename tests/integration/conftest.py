"""Gates and guards for tests that need a Docker engine and the stand-in images.

`docker_ready` skips with the reason when the engine or an image is missing, and fails instead
when LAMBDACHECK_REQUIRE_DOCKER=1 (CI); `qemu_ready` does the same for arm64 execution (a
binfmt_misc aarch64 handler with the F flag, and the arm64 stand-in) with
LAMBDACHECK_REQUIRE_QEMU=1. Every `docker` test is checked afterwards for containers labelled
io.lambdacheck.managed=1 and lambdacheck-run-* temp dirs it left behind.
The stand-ins are described to lambdacheck by runtime files (tests/data/standins/*.toml),
as a user with a custom image would describe theirs.
"""

from __future__ import annotations

import contextlib
import os
import socket
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from types import MappingProxyType

import docker
import docker.errors
import pytest

from checker.catalog.load import load_catalog
from checker.catalog.model import Catalog, HandlerStyle, Runtime
from tests.build.registry import LoopbackRegistry, registry_address, registry_problem

REQUIRE_DOCKER_ENV = "LAMBDACHECK_REQUIRE_DOCKER"
REQUIRE_QEMU_ENV = "LAMBDACHECK_REQUIRE_QEMU"
STANDINS = Path(__file__).resolve().parents[1] / "data" / "standins"
STANDIN_IMAGES = ("lambdacheck-standin/provided:bullseye", "lambdacheck-standin/python:bullseye")
ARM64_STANDIN = "lambdacheck-standin/provided:bullseye-arm64"
MANAGED = "io.lambdacheck.managed=1"
OWNER = "io.lambdacheck.owner"
BUILD_HINT = "run scripts/build_standins.sh"
BINFMT_AARCH64 = Path("/proc/sys/fs/binfmt_misc/qemu-aarch64")


def _unavailable(reason: str, require_env: str = REQUIRE_DOCKER_ENV) -> None:
    if os.environ.get(require_env) == "1":
        pytest.fail(f"{reason} ({require_env}=1)")
    pytest.skip(reason)


def aarch64_handler_problem() -> str | None:
    """Read by the tests themselves, not through checker.runner.emulation (under test)."""
    try:
        entry = BINFMT_AARCH64.read_text().splitlines()
    except OSError:
        return f"no binfmt_misc aarch64 handler ({BINFMT_AARCH64}): install qemu-user-static"
    flags = next((line.split(":", 1)[1] for line in entry if line.startswith("flags:")), "")
    if "enabled" not in entry or "F" not in flags:
        return (f"the binfmt_misc aarch64 handler ({BINFMT_AARCH64}) is disabled or lacks the "
                f"F flag (flags:{flags})")
    return None


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
    """Managed containers this test session answers for: its own, and those of processes
    that are gone (its CLI subprocesses); another live run's containers on the same engine
    (a concurrent test session, a benchmark) are not ours to judge or remove."""
    found = client.containers.list(all=True, filters={"label": MANAGED})
    return frozenset(str(c.id) for c in found
                     if _ours_or_orphaned(str((c.labels or {}).get(OWNER, ""))))


def _run_dirs() -> frozenset[str]:
    found = Path(tempfile.gettempdir()).glob("lambdacheck-run-*")
    return frozenset(str(p) for p in found if _ours_or_orphaned(_dir_owner(p)))


def _dir_owner(path: Path) -> str:
    try:
        return (path / ".lambdacheck-owner").read_text()
    except OSError:
        return ""


def _ours_or_orphaned(owner: str) -> bool:
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


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
def qemu_ready(docker_client: docker.DockerClient) -> None:
    """arm64 execution is possible: skip (or fail with LAMBDACHECK_REQUIRE_QEMU=1) if not."""
    problem = aarch64_handler_problem()
    if problem is None and not _has_image(docker_client, ARM64_STANDIN):
        problem = f"stand-in image {ARM64_STANDIN} is missing: {BUILD_HINT}"
    if problem is not None:
        _unavailable(problem, REQUIRE_QEMU_ENV)


@pytest.fixture(scope="session")
def standin_catalog(docker_client: docker.DockerClient) -> Catalog:
    del docker_client  # the runtime files only matter when the images exist
    return load_catalog([STANDINS / "provided.toml", STANDINS / "python3.9.toml",
                         STANDINS / "provided-arm64.toml"])


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


@pytest.fixture(scope="session")
def provided_arm64(standin_catalog: Catalog, qemu_ready: None) -> Runtime:
    del qemu_ready
    runtime = standin_catalog.get("standin-provided-arm64")
    assert runtime is not None
    return runtime


def image_runtime(base: Runtime, arch: str) -> Runtime:
    """A runtime for a container-image function, shaped as the pipeline describes one: family
    "image", a custom handler, one platform (here the stand-in's, the image's base)."""
    platform = base.platform(arch)
    assert platform is not None
    return Runtime(name=f"image ({arch})", os_id=base.os_id, os_name=base.os_name,
                   family="image", language_version=None, handler_style=HandlerStyle.CUSTOM,
                   platforms=MappingProxyType({arch: platform}), origin="image")


@pytest.fixture(scope="session")
def build_image(docker_client: docker.DockerClient, tmp_path_factory: pytest.TempPathFactory,
                ) -> Iterator[Callable[..., str]]:
    """Builds an image from a Dockerfile text and files (name -> (bytes, mode)) with the
    engine's own builder; every image built is removed at the end of the session."""
    built: list[str] = []

    def build(name: str, dockerfile: str, files: dict[str, tuple[bytes, int]]) -> str:
        context = tmp_path_factory.mktemp(f"image-{name}")
        (context / "Dockerfile").write_text(dockerfile)
        for file_name, (data, mode) in files.items():
            path = context / file_name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            path.chmod(mode)
        tag = f"lambdacheck-test/{name}:{os.getpid()}"
        docker_client.images.build(path=str(context), tag=tag, rm=True, network_mode="host")
        built.append(tag)
        return tag

    yield build
    for tag in built:
        with contextlib.suppress(docker.errors.ImageNotFound, docker.errors.APIError):
            docker_client.images.remove(tag, force=True)


@pytest.fixture(scope="session")
def loopback_registry(docker_client: docker.DockerClient,
                      tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoopbackRegistry]:
    """The loopback registry of LAMBDACHECK_REGISTRY (tests/build/registry.py): skip without
    one, fail with LAMBDACHECK_REQUIRE_DOCKER=1. What the tests pushed is removed at the end."""
    del docker_client  # pushing needs the engine and the stand-ins
    try:
        address = registry_address()
    except ValueError as error:
        pytest.fail(str(error))
    problem = registry_problem(address)
    if problem is not None:
        _unavailable(problem)
    assert address is not None  # registry_problem(None) is a problem
    registry = LoopbackRegistry(address, tmp_path_factory.mktemp("registry"))
    yield registry
    registry.close()
