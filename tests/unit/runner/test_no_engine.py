"""Without a reachable engine: every target is skipped with the reason, or --require-exec fails.
The engine is made unreachable for real: DOCKER_HOST points at a socket that does not exist."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.catalog import load_catalog
from checker.errors import EngineUnavailable
from checker.options import ExecOptions, Target
from checker.runner import engine_status, execute

STANDINS = Path(__file__).resolve().parents[2] / "data" / "standins"


@pytest.fixture
def no_engine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/absent.sock")


@pytest.fixture
def targets(tmp_path: Path) -> list[Target]:
    runtime = load_catalog([STANDINS / "provided.toml"]).get("standin-provided")
    assert runtime is not None
    return [Target(tmp_path / "a.zip", runtime, "x86_64"), Target(tmp_path / "b.zip", runtime,
                                                                  "x86_64")]


@pytest.mark.usefixtures("no_engine")
def test_engine_status_gives_the_reason() -> None:
    status = engine_status()
    assert status is not None
    assert status.startswith("no Docker engine reachable")


@pytest.mark.usefixtures("no_engine")
def test_every_target_is_skipped_with_one_reason(targets: list[Target]) -> None:
    results = execute(targets, ExecOptions())
    assert list(results) == [t.id for t in targets]
    reasons = {r.skipped for r in results.values()}
    assert len(reasons) == 1
    reason = reasons.pop()
    assert reason is not None and "no Docker engine reachable" in reason and "\n" not in reason
    assert all(r.invocations == () for r in results.values())


@pytest.mark.usefixtures("no_engine")
def test_require_exec_raises(targets: list[Target]) -> None:
    with pytest.raises(EngineUnavailable, match="no Docker engine reachable") as raised:
        execute(targets, ExecOptions(require_exec=True))
    assert raised.value.hint
