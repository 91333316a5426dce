from __future__ import annotations

from pathlib import Path

import pytest

from checker.catalog.load import load_catalog
from checker.options import Event, ExecOptions, Target
from checker.static import check_targets
from checker.values import load_events
from tests.build.check import TODAY, check, errors
from tests.build.runtimes import runtime
from tests.build.zips import File, make_zip

BOOT = File("bootstrap", b"#!/bin/sh\n", mode=0o755)
EXTENSION = b"#!/bin/sh\nexec sleep 1\n"


def _with_layers(tmp_path: Path, *layers: list[File]) -> list[str]:
    function = make_zip(tmp_path / "fn.zip", [BOOT])
    zips = [make_zip(tmp_path / f"layer{i}.zip", files) for i, files in enumerate(layers)]
    return [f.message for f in errors(check(function, runtime(), layers=zips), "extensions")]


def test_executable_extension_passes(tmp_path: Path) -> None:
    assert _with_layers(tmp_path, [File("extensions/telemetry", EXTENSION, mode=0o755)]) == []


def test_extension_without_exec_bit(tmp_path: Path) -> None:
    (message,) = _with_layers(tmp_path, [File("extensions/telemetry", EXTENSION, mode=0o644)])
    assert "Extension.LaunchError: fork/exec /opt/extensions/telemetry: permission denied" \
        in message


def test_extension_with_missing_interpreter(tmp_path: Path) -> None:
    (message,) = _with_layers(tmp_path, [File("extensions/agent", b"#!/usr/bin/env node\n",
                                              mode=0o755)])
    assert "node is not on PATH" in message


def test_same_extension_in_two_layers(tmp_path: Path) -> None:
    (message,) = _with_layers(tmp_path, [File("extensions/agent", EXTENSION, mode=0o755)],
                              [File("extensions/agent", EXTENSION, mode=0o755)])
    assert "ErrAgentNameCollision" in message


def test_files_below_extensions_subdirectories_are_not_extensions(tmp_path: Path) -> None:
    assert _with_layers(tmp_path, [File("extensions/agent", EXTENSION, mode=0o755),
                                   File("extensions/lib/helper.txt", b"x", mode=0o644)]) == []


def _limits(tmp_path: Path, settings: ExecOptions) -> list[str]:
    artifact = make_zip(tmp_path / "fn.zip", [BOOT])
    catalog = load_catalog()
    target = Target(artifact=artifact, runtime=runtime(), arch="x86_64")
    (result,) = check_targets([target], today=TODAY, jobs=1, execute=settings,
                              limits=catalog.limits)
    return [f.message for f in errors(result, "limits")]


@pytest.mark.parametrize(("settings", "needle"), [
    (ExecOptions(memory_mb=10241), "memory 10241 MB is outside Lambda's 128–10,240 MB [S52]"),
    (ExecOptions(timeout_s=901), "timeout 901 s is outside Lambda's 1–900 s [S52]"),
    (ExecOptions(ephemeral_mb=256), "ephemeral storage 256 MB is outside"),
    (ExecOptions(env=(("BIG", "x" * 4094), ("Y", "1"))), "take 4,099 bytes"),
])
def test_settings_outside_quotas(tmp_path: Path, settings: ExecOptions, needle: str) -> None:
    (message,) = _limits(tmp_path, settings)
    assert needle in message


def test_settings_at_the_edges_pass(tmp_path: Path) -> None:
    edge = ExecOptions(memory_mb=10240, timeout_s=900, ephemeral_mb=10240,
                       env=(("K", "v" * 4095),))
    assert _limits(tmp_path, edge) == []


def test_event_over_the_payload_limit_is_an_error(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    with big.open("wb") as handle:  # sparse: 200 MB, of which the reader takes 6 MB + 1 byte
        handle.truncate(200 * 1_048_576)
    small = tmp_path / "small.json"
    small.write_text("{}")
    events = load_events([str(small), str(big)], None, load_catalog().limits)
    (message,) = _limits(tmp_path, ExecOptions(events=events))
    assert message == ("event big is 200 MB (209,715,200 bytes); Lambda's synchronous payload "
                       "limit is 6 MB [S52] (Invoke returns RequestEntityTooLargeException); "
                       "it is not sent")


def test_event_at_the_payload_limit_passes(tmp_path: Path) -> None:
    edge = Event("edge", '"' + "x" * (6_291_456 - 2) + '"')
    assert _limits(tmp_path, ExecOptions(events=(edge,))) == []
