"""What `check` and `run` do once their command line is parsed: build the CommandLine, resolve
it once, perform it, render, and end with the exit code (funnel.Done).

Both parsers call these with the same parameters, named as in checker/cli.py's signatures:
typer (checker/cli.py) and, for a plain check or run, checker/argv (no typer imported). The
modules a command needs are imported here, when it runs.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from checker import startup
from checker.funnel import Done

if TYPE_CHECKING:
    from checker.options import NetworkMode, OutputFormat, PullPolicy
    from checker.resolve import CommandLine, ExecLine


def check_line(*, artifacts: Sequence[Path], runtime: Sequence[str], arch: Sequence[str],
               handler: str | None, layer: Sequence[Path], junit: Path | None,
               fmt: OutputFormat, fail_on_: str | None, runtime_file: Sequence[Path],
               config: Path | None, template: Path | None, shard: str | None,
               sarif: Path | None, summary: Path | None, image_function: Sequence[str],
               allow_outside_paths: bool, baseline: Path | None, write_baseline: Path | None,
               managed_instances: bool, execute: ExecLine | None = None) -> CommandLine:
    """`check`'s parameters as one CommandLine (and run's own, as `execute`)."""
    from checker.resolve import CommandLine

    return CommandLine(
        artifacts=tuple(artifacts), runtimes=tuple(runtime), arches=tuple(arch),
        handler=handler, layers=tuple(layer), runtime_files=tuple(runtime_file), config=config,
        template=template, shard=shard, image_functions=tuple(image_function),
        allow_outside_paths=allow_outside_paths, fmt=fmt, junit=junit, sarif=sarif,
        summary=summary, fail_on=fail_on_, baseline=baseline, write_baseline=write_baseline,
        managed_instances=managed_instances, execute=execute)


def run_line(*, event: Sequence[str], expect: str | None, env: Sequence[str],
             env_file: Path | None, memory: int | None, timeout: float | None,
             ephemeral_storage: int, image: str | None, pull: PullPolicy | None,
             network: NetworkMode | None, jobs: int, rie: Path | None, allow_skip_exec: bool,
             require_exec: bool, fail_fast: bool, **shared: Any) -> CommandLine:
    """`run`'s parameters (check's and its own) as one CommandLine."""
    from checker.resolve import ExecLine

    return check_line(**shared, execute=ExecLine(
        events=tuple(event), expect=expect, env=tuple(env), env_file=env_file,
        memory_mb=memory, timeout_s=timeout, ephemeral_mb=ephemeral_storage, image=image,
        pull=pull, network=network, jobs=jobs, rie=rie, allow_skip_exec=allow_skip_exec,
        require_exec=require_exec, fail_fast=fail_fast))


def check(**parameters: Any) -> None:
    """`lambdacheck check` (its help text is cli.check's)."""
    finish(check_line(**parameters))


def run(**parameters: Any) -> None:
    """`lambdacheck run` (its help text is cli.run's)."""
    from checker.runner.connection import connect_early

    connect_early()  # the engine answers while the modules below import
    finish(run_line(**parameters))


def finish(line: CommandLine) -> None:
    """Resolve `line` once, perform it, render; raises Done with the exit code."""
    from checker.output import emit, progress_meter
    from checker.pipeline import perform
    from checker.resolve import resolve

    run_ = resolve(line, Path.cwd(), environ=os.environ, tty=sys.stdout.isatty())
    startup.resume()
    meter = progress_meter()
    with meter.ticking():  # a slow pull still gets its line every few seconds
        result = perform(run_, progress=meter)
    artifacts = {t.id: t.artifact for t in run_.targets if isinstance(t.artifact, Path)}
    artifacts.update((u.id, u.source) for u in run_.unresolved)  # SARIF: at the file
    raise Done(emit(result, run_.report, artifacts))
