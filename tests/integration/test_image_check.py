"""The static check of container-image functions, on real images built FROM the stand-ins."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from tests.build.compile import BuildCache
from tests.build.images import EngineImages

pytestmark = pytest.mark.docker
BASE = "lambdacheck-standin/provided:bullseye"  # glibc 2.31, /lambda-entrypoint.sh
RUNTIME_SH = b"#!/bin/sh\nexec sleep 1\n"


@pytest.fixture(scope="module")
def images(docker_client: docker.DockerClient,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[EngineImages]:
    del docker_client  # the gate: skips (or fails in CI) without an engine and stand-ins
    made = EngineImages(tmp_path_factory.mktemp("images"), "lambdacheck-test/image-check")
    yield made
    made.close()


def build(images: EngineImages, files: dict[str, tuple[bytes, int]], dockerfile: str,
          base: str = BASE) -> str:
    return images.build(f"FROM {base}\n{dockerfile}", files)


def runtime_image(images: EngineImages, bootstrap: bytes, *, mode: int = 0o755,
                  dest: str = "/var/runtime/bootstrap", cmd: str = '["handler"]') -> str:
    """An image FROM the provided stand-in with `bootstrap` copied to `dest`."""
    return build(images, {"bootstrap": (bootstrap, mode)}, f"COPY bootstrap {dest}\nCMD {cmd}\n")


def lambdacheck(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "checker", "check", *map(str, args)],
                          capture_output=True, text=True, timeout=180, check=False)


def test_custom_runtime_image_passes(images: EngineImages) -> None:
    tag = runtime_image(images, RUNTIME_SH)
    result = lambdacheck(f"docker-daemon:{tag}")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "glibc 2.31" in result.stdout


def test_binary_needing_newer_glibc_than_the_image(images: EngineImages,
                                                   build_cache: BuildCache) -> None:
    binary = build_cache.c("hello.c", name="hello").read_bytes()
    tag = runtime_image(images, binary)
    result = lambdacheck(f"docker-daemon:{tag}")
    assert result.returncode == 1
    assert "/var/runtime/bootstrap [__libc_start_main@GLIBC_2.34]" in result.stdout
    archive = lambdacheck(f"docker-archive:{images.save(tag)}")  # no engine needed for this one
    assert "/var/runtime/bootstrap [__libc_start_main@GLIBC_2.34]" in archive.stdout


def test_library_missing_from_the_image(images: EngineImages, build_cache: BuildCache) -> None:
    stub = build_cache.c("libfoo.c", name="libssl.so.3", subdir="ssl", flags=[
        "-shared", "-fPIC", "-Wl,-soname,libssl.so.3"])
    binary = build_cache.c("usefoo.c", name="usessl", subdir="ssl", flags=[
        f"-L{stub.parent}", "-l:libssl.so.3", "-static-libgcc"])
    tag = runtime_image(images, binary.read_bytes())
    result = lambdacheck(f"docker-daemon:{tag}")
    assert result.returncode == 1
    assert "libssl.so.3: cannot open shared object file: No such file or directory — the " \
        "image (" in result.stdout
    assert "has no libssl.so.3; install it in the image" in result.stdout


def test_runtime_in_var_task_is_never_started(images: EngineImages) -> None:
    tag = runtime_image(images, RUNTIME_SH, dest="/var/task/bootstrap")
    result = lambdacheck(f"docker-daemon:{tag}")
    assert result.returncode == 1
    assert "execs /var/runtime/bootstrap: it never starts" in result.stdout
    assert "COPY it to ${LAMBDA_RUNTIME_DIR}" in result.stdout


def test_bootstrap_readable_by_root_only(images: EngineImages) -> None:
    tag = runtime_image(images, RUNTIME_SH, mode=0o700)
    result = lambdacheck(f"docker-daemon:{tag}")
    assert result.returncode == 1
    assert "the runtime bootstrap is not executable by others (mode 0700)" in result.stdout


def test_entrypoint_needs_exactly_one_argument(images: EngineImages) -> None:
    tag = runtime_image(images, RUNTIME_SH, cmd='["a", "b"]')
    result = lambdacheck(f"docker-daemon:{tag}")
    assert "gets 2 arguments; it takes exactly one" in result.stdout


def test_image_checked_for_the_wrong_arch(images: EngineImages) -> None:
    tag = runtime_image(images, RUNTIME_SH)
    result = lambdacheck(f"docker-daemon:{tag}", "--arch", "arm64")
    assert result.returncode == 1
    assert "the image is built for x86_64; the function runs on arm64" in result.stdout


def test_missing_image_is_one_line() -> None:
    result = lambdacheck("docker-daemon:lambdacheck-test/does-not-exist:1")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("lambdacheck: error: ")


PYTHON_BASE = "lambdacheck-standin/python:bullseye"
PYTHON_IMAGE = ("COPY python3.9 /var/lang/bin/python3.9\nCOPY app.py /var/task/app.py\n"
                'CMD ["app.handler"]\n')  # /var/lang/bin/python3.X marks a python base image


@pytest.mark.parametrize(("source", "passes"), [
    (b"def handler(event, context):\n    return event\n", True),
    (b"def main(event, context):\n    return event\n", False),
])
def test_python_image_handler_from_cmd(images: EngineImages, source: bytes, passes: bool) -> None:
    tag = build(images, {"python3.9": (b"#!/bin/sh\nexec /usr/bin/python3 \"$@\"\n", 0o755),
                        "app.py": (source, 0o644)}, PYTHON_IMAGE, base=PYTHON_BASE)
    result = lambdacheck(f"docker-daemon:{tag}")
    assert (result.returncode == 0) is passes, result.stdout
    if not passes:
        assert "'handler' is not defined at the top level of var/task/app.py: " \
               "Runtime.HandlerNotFound" in result.stdout
