"""Image references on the command line: a real docker-archive of two different images, each
picked by position (@N) or by tag (NAME:TAG), by `check` (no engine) and by `run`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import docker
import pytest

from tests.build.images import File, config_json, docker_archive_of_images, layer_tar


@pytest.fixture(scope="module")
def two_images(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """fn/one:v1 (amd64, CMD one.handler) then fn/two:v2 (arm64, CMD two.handler)."""
    one = layer_tar([File("var/task/one.py", b"x = 1\n")])
    two = layer_tar([File("var/task/two.py", b"x = 2\n")])
    return docker_archive_of_images(tmp_path_factory.mktemp("ref") / "two.tar", [
        ("fn/one:v1", [one], config_json([one], Cmd=["one.handler"])),
        ("fn/two:v2", [two], config_json([two], architecture="arm64", Cmd=["two.handler"])),
    ])


def lambdacheck(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "checker", *args], capture_output=True,
                          text=True, timeout=180, check=False)


def checked(reference: str) -> dict[str, object]:
    result = lambdacheck("check", reference, "--format", "json")
    assert result.returncode == 1, result.stdout + result.stderr  # neither image can start
    return json.loads(result.stdout)  # type: ignore[no-any-return]


@pytest.mark.parametrize(("selector", "handler", "arm64"), [
    ("@0", "one.handler", False), ("@1", "two.handler", True),
    ("fn/one:v1", "one.handler", False), ("fn/two:v2", "two.handler", True),
])
def test_check_reads_the_image_the_reference_picks(two_images: Path, selector: str,
                                                   handler: str, arm64: bool) -> None:
    text = json.dumps(checked(f"docker-archive:{two_images}:{selector}"))
    other = "two.handler" if handler == "one.handler" else "one.handler"
    assert handler in text and other not in text
    assert ("the image is built for arm64" in text) is arm64


@pytest.mark.parametrize(("command", "selector", "message"), [
    ("check", "", "holds 2 images (fn/one:v1, fn/two:v2)"),
    ("check", ":@2", "holds 2 images; there is no @2"),
    ("check", ":@x", "@x is not an image position"),
    ("check", ":fn/three:v3", "holds no image tagged fn/three:v3"),
    ("run", ":@x", "@x is not an image position"),
    ("run", ":fn/one:", "is not an image name"),
])
def test_a_bad_reference_is_one_line_and_exit_2(two_images: Path, command: str, selector: str,
                                                message: str) -> None:
    result = lambdacheck(command, f"docker-archive:{two_images}{selector}")
    assert result.returncode == 2, result.stdout + result.stderr
    first = result.stderr.splitlines()[-2 if "hint:" in result.stderr else -1]
    assert first.startswith("lambdacheck: error:") and message in first
    assert "Traceback" not in result.stderr


@pytest.mark.docker
def test_run_loads_the_picked_image_and_only_it(two_images: Path,
                                                docker_client: docker.DockerClient) -> None:
    def tags() -> set[str]:
        return {tag for image in docker_client.images.list() for tag in image.tags}

    before = tags()
    result = lambdacheck("run", f"docker-archive:{two_images}:@0", "--arch", "x86_64",
                         "--format", "json")
    assert result.returncode == 1, result.stdout + result.stderr  # it ran, and failed to start
    assert "one.handler" in result.stdout and "two.handler" not in result.stdout
    # (loading a small archive prints no progress line: it ends within 0.5 s)
    assert "Traceback" not in result.stderr
    wrong = lambdacheck("run", f"docker-archive:{two_images}:@1", "--arch", "x86_64")
    assert wrong.returncode == 2
    assert "no x86_64 image in the docker-archive (it has: arm64)" in wrong.stderr
    assert tags() == before  # nothing loaded is left behind
