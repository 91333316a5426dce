"""Options resolved once into frozen objects. Nothing downstream reads argv, env or TOML.

resolve.py builds these from the command line, project config and template; static.py,
runner/ and report/ only read them.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from dataclasses import field
from pathlib import Path

from checker.catalog.model import Limit, Runtime
from checker.findings import Severity, TargetId
from checker.image.ref import ImageRef
from checker.lambda_env import DEFAULT_EPHEMERAL_MB, DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_S
from checker.records import record
from checker.suppress import Suppressions


class OutputFormat(enum.Enum):
    TEXT = "text"
    JSON = "json"
    GITHUB = "github"  # workflow-command annotations


@record
class Event:
    """One event to send: a name for the report, the JSON text, and what the answer must hold."""

    name: str
    payload: str
    expect: str | None = None  # JSON text: a subset the response must contain
    too_large: int | None = None  # bytes, when over Lambda's payload limit: not kept, never sent

    @property
    def size(self) -> int:
        """The payload's size in bytes, as Invoke would count it."""
        return self.too_large if self.too_large is not None else len(self.payload.encode())


@record
class Target:
    """One artifact on one runtime and architecture, with its layers in deployment order.

    events/memory_mb/timeout_s/env: the function's exec settings, settled by resolve.py (its
    own from a project config or template, else the run's); None in a target built by hand
    means "use the run's ExecOptions" (see ExecOptions.for_target).
    """

    artifact: Path | ImageRef
    runtime: Runtime  # for an image: the image's own runtime, described from its filesystem
    arch: str
    handler: str | None = None
    layers: tuple[Path, ...] = ()
    name: str | None = None  # a function name from config/template, when there is one
    events: tuple[Event, ...] | None = None
    memory_mb: int | None = None
    timeout_s: float | None = None
    env: tuple[tuple[str, str], ...] | None = None
    source: Path | None = None  # the template or config file defining the function, if any
    managed_instances: bool = False  # runs on Lambda Managed Instances (CapacityProviderConfig)

    @property
    def id(self) -> TargetId:
        return TargetId(artifact=self.name or str(self.artifact), runtime=self.runtime.name,
                        arch=self.arch)


@record
class Unresolved:
    """A function of a template or project config that cannot become Targets (its code is
    missing, its runtime unknown, its path outside the template's folder, ...). It is reported
    as its own failed target, naming the function and its file; the others are still checked.
    """

    name: str  # the logical id / config name
    source: Path  # the template or config file that defines it
    message: str
    hint: str | None = None
    runtime: str = "unknown"  # as written, when known
    arch: str = "unknown"

    @property
    def id(self) -> TargetId:
        return TargetId(artifact=self.name, runtime=self.runtime, arch=self.arch)


class PullPolicy(enum.Enum):
    MISSING = "missing"
    ALWAYS = "always"
    NEVER = "never"


class NetworkMode(enum.Enum):
    BRIDGE = "bridge"
    HOST = "host"


@record
class ExecOptions:
    """How `lambdacheck run` executes targets (see runner/)."""

    events: tuple[Event, ...] = (Event(name="default", payload="{}"),)
    env: tuple[tuple[str, str], ...] = ()
    memory_mb: int = DEFAULT_MEMORY_MB
    timeout_s: float = DEFAULT_TIMEOUT_S
    ephemeral_mb: int = DEFAULT_EPHEMERAL_MB
    image: str | None = None  # overrides the catalog's image for every target
    pull: PullPolicy | None = None  # None: emulator images if missing, function images never
    # None: the engine's bridge when it has one, else the host network bound to 127.0.0.1
    network: NetworkMode | None = None
    jobs: int = 2
    rie_path: Path | None = None
    allow_skip: bool = False  # report targets that cannot execute as skipped (not exit 2)
    fail_fast: bool = False
    managed_instances: bool = False  # the function runs on Lambda Managed Instances

    def for_target(self, target: Target) -> ExecOptions:
        """These options with the target's own settings where it has them. No precedence is
        decided here: resolve.py has settled every setting of the targets it builds."""
        return dataclasses.replace(
            self,
            events=target.events if target.events is not None else self.events,
            memory_mb=target.memory_mb if target.memory_mb is not None else self.memory_mb,
            timeout_s=target.timeout_s if target.timeout_s is not None else self.timeout_s,
            env=target.env if target.env is not None else self.env,
            managed_instances=self.managed_instances or target.managed_instances,
        )


@record
class ReportOptions:
    """How the result is reported: format, report files (JUnit, SARIF, summary), colour, GitHub
    annotations, the severity from which a finding fails, and the suppressions."""

    fmt: OutputFormat = OutputFormat.TEXT
    junit: Path | None = None
    sarif: Path | None = None
    summary: Path | None = None  # a markdown summary
    fail_on: Severity = Severity.ERROR
    color: bool = False
    github: bool = False  # annotations, step summary and outputs (GITHUB_ACTIONS=true)
    # config `ignore` entries, --baseline, --write-baseline (see suppress.py)
    suppressions: Suppressions = field(default_factory=Suppressions)


@record
class Run:
    """Everything one `check`/`run` invocation does, resolved (its outcome is a RunResult)."""

    targets: tuple[Target, ...]
    report: ReportOptions = field(default_factory=ReportOptions)
    execute: ExecOptions | None = None  # None for `check`
    notes: tuple[str, ...] = ()  # e.g. template functions that could not be checked
    limits: Mapping[str, Limit] = field(default_factory=dict)  # Lambda's quotas (catalog)
    unresolved: tuple[Unresolved, ...] = ()  # functions that fail alone (see Unresolved)
