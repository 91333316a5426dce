"""checker.runner.execute against a fake engine (tests/build/engine.py): what a real engine
cannot be made to do on demand — fail a query, fail a pull after some layers, pull an image of
another architecture — ends the run before any container starts, and the engine is closed."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.catalog.load import load_catalog
from checker.errors import ExecutionUnavailable
from checker.options import ExecOptions, PullPolicy, Target
from checker.runner import clean_leftovers, execute
from checker.runner.errors import ContainerError
from tests.build.engine import FakeContainer, FakeEngine, FakeImage, lines, log_progress
from tests.build.zips import File, make_zip

STANDINS = Path(__file__).resolve().parents[2] / "data" / "standins"
IMAGE = "lambdacheck-standin/provided:bullseye"  # the stand-in runtime's emulator image


@pytest.fixture
def targets(tmp_path: Path) -> list[Target]:
    runtime = load_catalog([STANDINS / "provided.toml"]).get("standin-provided")
    assert runtime is not None
    entries = [File("bootstrap", b"#!/bin/sh\n", mode=0o755)]
    return [Target(make_zip(tmp_path / f"{name}.zip", entries), runtime, "x86_64")
            for name in ("a", "b")]


def test_a_failing_network_query_ends_the_run_before_any_container(
        targets: list[Target]) -> None:
    """A fake: the engine fails the network query."""
    engine = FakeEngine()
    engine.fail["has_bridge"] = ContainerError("engine networks failed: connection reset")
    with pytest.raises(ExecutionUnavailable) as raised:
        execute(targets, ExecOptions(), connect=lambda: engine)
    assert raised.value.message.startswith("cannot execute 2 of 2 targets: ")
    assert raised.value.message.endswith(": engine networks failed: connection reset")
    assert engine.started == [] and engine.closed


def test_a_pull_that_fails_after_its_layers_is_each_targets_reason(
        targets: list[Target]) -> None:
    """A fake: the pull of the emulator image fails after two layers (no registry here can
    be made to). With --allow-skip-exec both targets are skipped with that reason."""
    engine = FakeEngine()
    progress = log_progress()
    results = execute(targets, ExecOptions(allow_skip=True), progress=progress,
                      connect=lambda: engine)
    reasons = {result.skipped for result in results.values()}
    assert reasons == {f"image {IMAGE} cannot be pulled: manifest unknown"}
    # bytes and layers, and no final "pulled" line for a pull that failed
    assert lines(progress) == [f"pulling {IMAGE}: 1.0/2.0 MB, 1/2 layers",
                               f"pulling {IMAGE}: 2.0/2.0 MB, 2/2 layers"]
    assert engine.calls.count("pull") == 1  # once per image, not per target
    assert engine.started == [] and engine.closed


def test_a_pulled_image_of_another_architecture_is_refused(targets: list[Target]) -> None:
    """A fake: the registry hands out an arm64 image for an x86_64 pull."""
    engine = FakeEngine()
    engine.pullable[IMAGE] = FakeImage("sha256:" + "3" * 64, arch="arm64")
    with pytest.raises(ExecutionUnavailable) as raised:
        execute(targets[:1], ExecOptions(), connect=lambda: engine)
    assert raised.value.message.endswith(f": image {IMAGE} is for arm64, the target is x86_64")
    assert engine.started == [] and engine.closed


def test_clean_leftovers_closes_the_engine_when_a_removal_fails() -> None:
    """A fake: the engine refuses to remove a leftover container; the error reaches the
    caller (`lambdacheck clean` has no one-line error for it yet) and the engine is closed."""
    engine = FakeEngine()
    engine._new(FakeContainer("img", {"io.lambdacheck.managed": "1",
                                      "io.lambdacheck.owner": "gone-host:1"}, running=False))
    engine.fail["remove"] = ContainerError("cannot remove container: device busy")
    with pytest.raises(ContainerError):
        clean_leftovers(connect=lambda: engine)
    assert engine.closed


def test_busy_is_called_before_the_pull_and_before_any_container_starts(
        targets: list[Target]) -> None:
    """checker.pipeline starts the static checks when `busy` is called: that must happen
    as the engine's long jobs (the pull, the start) begin, not after them. A fake: it records
    the order of calls (a call once the engine has answered it), and its start fails (nothing
    to run in it)."""
    engine = FakeEngine()
    engine.pullable[IMAGE] = FakeImage("sha256:" + "4" * 64)
    engine.fail["start"] = ContainerError("engine start failed: no such runtime")
    seen: list[list[str]] = []
    results = execute(targets[:1], ExecOptions(allow_skip=True), connect=lambda: engine,
                      busy=lambda: seen.append(list(engine.calls)))
    assert "pull" in engine.calls and "start" in engine.calls
    assert seen and "pull" not in seen[0]  # first call: before the pull
    assert "start" not in seen[-1]  # last call: before the start
    (result,) = results.values()
    assert "no such runtime" in str(result.skipped)


def test_busy_is_called_before_a_start_when_nothing_is_pulled(targets: list[Target]) -> None:
    """The image is present and --pull never: `busy` comes once, as the start is requested
    (before the engine's answer)."""
    engine = FakeEngine()
    engine.add_image(IMAGE, FakeImage("sha256:" + "5" * 64))
    engine.fail["start"] = ContainerError("engine start failed: no such runtime")
    seen: list[list[str]] = []
    execute(targets[:1], ExecOptions(pull=PullPolicy.NEVER, allow_skip=True),
            connect=lambda: engine, busy=lambda: seen.append(list(engine.calls)))
    assert len(seen) == 1 and "start" not in seen[0] and "start" in engine.calls
    assert "pull" not in engine.calls


