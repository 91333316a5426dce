"""What executing one target produced."""

from __future__ import annotations

from dataclasses import dataclass

from checker.findings import Invocation, TargetId


@dataclass(frozen=True)
class ExecutionResult:
    """Invocations of one target's events; `skipped` says why none ran (no engine, image
    unavailable, ...); `notes` are caveats on fidelity ("the AL2 image carries libraries ...")."""

    target: TargetId
    invocations: tuple[Invocation, ...] = ()
    skipped: str | None = None
    notes: tuple[str, ...] = ()
