"""`lambdacheck run --image 127.0.0.1:PORT/... --pull always|missing|never` against a real
registry on loopback (tests/build/registry.py; skipped without LAMBDACHECK_REGISTRY, failed
with LAMBDACHECK_REQUIRE_DOCKER=1). The pulled image is built for the session from the
stand-in plus layers of random bytes and removed from the engine before each test, so a pull
really downloads. Every failure is the registry's or the engine's own: a tag never pushed, a
port where nothing listens, an index with only an arm64 image, a single arm64 image, and a
second registry of this module's own that requires credentials the run does not have. Each is
one line naming the image and the reason, exit 2 (error_line: no traceback, nothing else but
the pull's progress); the autouse _no_leftovers check (conftest) fails any test that leaves a
lambdacheck container or run dir behind."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import socket
import struct
import subprocess
import sys
import termios
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.build import images
from tests.build.registry import (
    AuthenticatedRegistry,
    LoopbackRegistry,
    engine_has,
)
from tests.build.zips import File, make_zip
from tests.integration.conftest import STANDIN_IMAGES, STANDINS

pytestmark = pytest.mark.docker

PROVIDED = STANDINS / "provided.toml"
RANDOM_LAYERS = (3_000_000, 2_000_000)


def lambdacheck(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "checker", *map(str, args)],
                          capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture
def function(tmp_path: Path) -> Path:
    return make_zip(tmp_path / "fn.zip", [
        File("bootstrap", (STANDINS / "custom" / "bootstrap").read_bytes(), mode=0o755)])


def run(function: Path, image: str, pull: str) -> subprocess.CompletedProcess[str]:
    return lambdacheck("run", function, "--runtime", "standin-provided", "--runtime-file",
                       PROVIDED, "--image", image, "--pull", pull)


def passed(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == "1 target: 1 passed, 0 failed; 1 executed, 0 skipped"


def pull_lines(result: subprocess.CompletedProcess[str], image: str) -> list[str]:
    return [line for line in result.stderr.splitlines()
            if f"pulling {image}" in line or f"pulled {image}" in line]


def error_line(result: subprocess.CompletedProcess[str], image: str) -> str:
    """The one error line of a run refused over `image`: exit 2, nothing on stdout, and any
    other line on stderr is the pull's progress (never a traceback)."""
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout == ""
    *before, last = result.stderr.splitlines()
    assert before == pull_lines(result, image), result.stderr
    assert "Traceback" not in result.stderr
    return last


def pull_error(result: subprocess.CompletedProcess[str], function: Path, image: str) -> str:
    """The registry's reason from the one error line a failed pull must be."""
    last = error_line(result, image)
    prefix = (f"lambdacheck: error: cannot execute {function} on standin-provided (x86_64): "
              f"image {image} cannot be pulled: ")
    assert last.startswith(prefix), last
    return last.removeprefix(prefix)


@pytest.fixture(scope="module")
def fresh(loopback_registry: LoopbackRegistry) -> str:
    return loopback_registry.push_fresh(STANDIN_IMAGES[0], "pull", RANDOM_LAYERS)


@pytest.fixture
def absent(fresh: str, loopback_registry: LoopbackRegistry) -> Iterator[str]:
    """`fresh`, not in the engine before the test nor after it."""
    loopback_registry.forget(fresh)
    assert not loopback_registry.has_locally(fresh)
    yield fresh
    loopback_registry.forget(fresh)


def test_pull_always_downloads_the_image_and_runs_in_it(
        function: Path, absent: str, loopback_registry: LoopbackRegistry) -> None:
    result = run(function, absent, "always")
    passed(result)
    assert loopback_registry.has_locally(absent)
    # A CI log (no terminal): a line per image at most every 5 s, and the final one; never a
    # line per layer or per event. The bytes are at least the random layers' (incompressible).
    *running, final = pull_lines(result, absent)
    assert len(running) <= 1 + result_seconds(result) / 5, result.stderr
    for line in running:
        assert re.fullmatch(rf"lambdacheck: pulling {re.escape(absent)}: "
                            r"[\d.]+/[\d.]+ MB, \d+/\d+ layers", line), line
    found = re.fullmatch(rf"lambdacheck: pulled {re.escape(absent)}: ([\d.]+) MB, (\d+) layers "
                         r"in [\d.]+ s", final)
    assert found, final
    assert sum(RANDOM_LAYERS) / 1e6 <= float(found[1]) < sum(RANDOM_LAYERS) / 1e6 + 1
    assert int(found[2]) >= len(RANDOM_LAYERS)


def test_on_a_terminal_the_pull_is_a_live_bar_redrawn_in_place(
        function: Path, absent: str) -> None:
    """stderr is a pseudo-terminal (python's pty, 200 columns): the bar is redrawn with \\r on
    one line, cleared, and the final line stays."""
    command = [sys.executable, "-m", "checker", "run", str(function), "--runtime",
               "standin-provided", "--runtime-file", str(PROVIDED), "--image", absent,
               "--pull", "always"]
    primary, secondary = pty.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 200, 0, 0))
    try:
        with subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=secondary) as process:
            os.close(secondary)
            secondary = -1
            shown = read_terminal(primary)
            stdout = process.stdout.read().decode() if process.stdout else ""
        assert process.returncode == 0, stdout + shown
    finally:
        os.close(primary)
        if secondary != -1:
            os.close(secondary)
    assert stdout.splitlines()[-1] == "1 target: 1 passed, 0 failed; 1 executed, 0 skipped"
    redrawn = re.findall(rf"\rlambdacheck: pulling {re.escape(absent)}: [\d.]+/[\d.]+ MB, "
                         r"\d+/\d+ layers \[[#.]{20}\]\x1b\[K", shown)
    assert redrawn, repr(shown)
    assert f"\r\x1b[Klambdacheck: pulled {absent}: " in shown, repr(shown)
    assert f"\nlambdacheck: pulling {absent}" not in shown  # never a line of its own


def read_terminal(primary: int) -> str:
    """Everything written to the terminal until its last writer closes it."""
    chunks = []
    while True:
        try:
            data = os.read(primary, 1 << 16)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    return b"".join(chunks).decode("utf-8", "replace")


def result_seconds(result: subprocess.CompletedProcess[str]) -> float:
    """How long the run took, as its slowest final line says (the pull's)."""
    times = [float(x) for x in re.findall(r" in ([\d.]+) s$", result.stderr, re.MULTILINE)]
    return max(times, default=0.0)


def test_pull_missing_pulls_only_what_the_engine_lacks(
        function: Path, absent: str) -> None:
    first = run(function, absent, "missing")
    passed(first)
    assert pull_lines(first, absent), first.stderr
    again = run(function, absent, "missing")
    passed(again)
    assert pull_lines(again, absent) == [], again.stderr


def test_pull_always_asks_the_registry_even_when_the_engine_has_the_image(
        function: Path, loopback_registry: LoopbackRegistry) -> None:
    image = loopback_registry.push_local(STANDIN_IMAGES[0], "gone")
    try:
        passed(run(function, image, "always"))  # now in the engine, and in the registry
        loopback_registry.delete_from_registry(image)  # the engine keeps it
        passed(run(function, image, "missing"))
        assert "manifest unknown" in pull_error(run(function, image, "always"), function, image)
    finally:
        loopback_registry.forget(image)


def test_pull_never_refuses_an_absent_image(function: Path, absent: str) -> None:
    result = run(function, absent, "never")
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.splitlines() == [
        (f"lambdacheck: error: cannot execute {function} on standin-provided (x86_64): image "
         f"{absent} is not present and --pull is never")]


@pytest.mark.parametrize("pull", ["always", "missing"])
def test_a_tag_never_pushed_is_the_registrys_manifest_unknown(
        function: Path, fresh: str, pull: str, loopback_registry: LoopbackRegistry) -> None:
    image = fresh.rsplit(":", 1)[0] + ":never-pushed"
    reason = pull_error(run(function, image, pull), function, image)
    assert f"manifest for {image} not found" in reason
    assert "manifest unknown" in reason
    assert not loopback_registry.has_locally(image)


def test_a_registry_that_is_down_is_connection_refused(function: Path) -> None:
    with socket.socket() as probe:  # a loopback port that was free a moment ago
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    image = f"127.0.0.1:{port}/lambdacheck-test/down:1"
    reason = pull_error(run(function, image, "always"), function, image)
    assert f"127.0.0.1:{port}" in reason
    assert "connection refused" in reason


def arm64_layer() -> tuple[bytes, dict[str, object]]:
    layer = images.layer_tar([images.File("hello", b"an arm64 image\n")])
    return layer, images.config_json([layer], architecture="arm64")


def test_an_index_without_the_targets_platform_is_no_matching_manifest(
        function: Path, loopback_registry: LoopbackRegistry) -> None:
    layer, config = arm64_layer()
    image = loopback_registry.push_index([images.OciImage(
        [layer], config, platform={"architecture": "arm64", "os": "linux"})], "arm64-only")
    reason = pull_error(run(function, image, "always"), function, image)
    assert reason == "no matching manifest for linux/amd64 in the manifest list entries"
    assert not loopback_registry.has_locally(image)


def test_a_single_arm64_image_is_refused_for_an_x86_64_target(
        function: Path, loopback_registry: LoopbackRegistry, tmp_path: Path) -> None:
    layer, config = arm64_layer()
    loaded_as = "lambdacheck-test/arm64-single:pull"
    archive = images.docker_archive(tmp_path / "arm64.tar", [layer], config,
                                    repo_tags=(loaded_as,))
    image = loopback_registry.push_archive(archive, loaded_as, "arm64-single")
    try:
        # Engine 20.10 pulls a single-platform image whatever the platform asked (newer ones
        # refuse it): lambdacheck reads the pulled image's architecture and refuses to run.
        result = run(function, image, "always")
        assert error_line(result, image) == (
            f"lambdacheck: error: cannot execute {function} on standin-provided (x86_64): "
            f"image {image} is for arm64, the target is x86_64")
    finally:
        loopback_registry.forget(image)


@pytest.mark.parametrize("pull", ["always", "missing"])
def test_a_registry_requiring_credentials_refuses_a_pull_without_them(
        function: Path, auth_registry: AuthenticatedRegistry, guarded: str, pull: str) -> None:
    assert auth_registry.manifest_status(guarded, credentials=True) == 200
    assert auth_registry.manifest_status(guarded, credentials=False) == 401
    assert not engine_has(guarded)
    reason = pull_error(run(function, guarded, pull), function, guarded)
    # Engine 20.10's words for the registry's 401 (Www-Authenticate: Basic), after the request
    # it made ('Head "http://127.0.0.1:PORT/v2/.../manifests/TAG": ').
    assert reason.endswith("no basic auth credentials"), reason
    assert not engine_has(guarded)
