"""Failures inside the execution side that end one target's run, not the whole command.

They become an ExecutionResult's `skipped` reason; execute() turns every such reason into one
ExecutionUnavailable (checker.errors) unless --allow-skip-exec.
"""

from __future__ import annotations

from checker.engine import EngineError


class RunnerError(Exception):
    """Execution of one target could not happen; the message is one line for the report."""


class StageError(RunnerError):
    """The artifact or a layer could not be unpacked for the container."""


class ContainerError(RunnerError, EngineError):
    """The engine refused or lost the container (create, start, logs, stats)."""


class Cancelled(RunnerError):
    """The run was interrupted (SIGINT/SIGTERM) or stopped by --fail-fast."""
