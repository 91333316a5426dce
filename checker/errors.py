"""The closed tree of errors lambdacheck raises, and the only place exit codes live.

Anything wrong *inside* an artifact is a Finding (see findings.py). These errors are for
input that cannot be read at all, bad usage, and an environment that cannot do the job.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130


class LambdacheckError(Exception):
    """Base: a one-line message for the user and an optional one-line hint."""

    exit_code = EXIT_ERROR

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(LambdacheckError):
    """Options that do not make sense together, or a bad value."""


class InputError(LambdacheckError):
    """An artifact, layer or event that cannot be read at all."""


class ConfigError(LambdacheckError):
    """A project config file with unknown keys or wrong types."""


class CatalogError(LambdacheckError):
    """A runtime file (shipped or --runtime-file) that is invalid, or an unknown runtime."""


class EngineUnavailable(LambdacheckError):
    """No Docker engine could be reached (an error only where execution is required)."""


class ImageUnavailable(LambdacheckError):
    """An emulator image that is not present and cannot be pulled."""


class ExecutionUnavailable(LambdacheckError):
    """`run` was asked to execute and could not, for at least one target (no engine, an image
    that cannot be pulled, no network, no emulation, ...). --allow-skip-exec reports those
    targets as skipped instead."""
