"""What executing one target produced."""

from __future__ import annotations

from checker.findings import Execution, Invocation, TargetId
from checker.records import record


@record
class ExecutionResult:
    """Invocations of one target's events; `skipped` says why none (or not all) ran: no
    engine, image unavailable, ... ; `notes` are caveats on fidelity ("the AL2 image carries
    libraries ..."). `execution` is set once the target's emulator answered; `stopped` marks a
    target deliberately not run (--fail-fast), which is not a failure to execute."""

    target: TargetId
    invocations: tuple[Invocation, ...] = ()
    skipped: str | None = None
    notes: tuple[str, ...] = ()
    execution: Execution | None = None
    stopped: bool = False

    @property
    def unexecuted(self) -> bool:
        """Execution was asked for and could not (fully) happen."""
        return self.skipped is not None and not self.stopped
