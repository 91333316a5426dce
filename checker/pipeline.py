"""One `check` or `run`: static checks for every target, then (for `run`) execution, merged
into one RunResult. No parsing and no rendering here."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from checker.errors import LambdacheckError
from checker.findings import CheckResult, Finding, RunResult, Severity, TargetId, TargetResult
from checker.options import ExecOptions, Run, Target, Unresolved
from checker.progress import Progress, format_bytes
from checker.suppress import apply, mark
from checker.workers import Workers

if TYPE_CHECKING:
    from checker.engine import ImageExporter
    from checker.runner import ExecutionResult

LARGE_ARTIFACT = 16 * 10**6  # bytes: from here on a target is announced before its checks
STATIC_HEAD_START_S = 1.0  # the longest the static checks wait for the engine to get busy


def perform(run: Run, *, progress: Progress, today: date | None = None) -> RunResult:
    """Static checks, and for `run` execution too. Without --fail-fast the two overlap: the
    static checks run in a thread while the main thread (which owns signal handling) drives
    the containers; the results are the same as one after the other. The static thread
    starts its work once a worker is about to wait (a pull, the first container's start, the
    unpacking of a large artifact: checker.runner's `busy`; at the latest after
    STATIC_HEAD_START_S): both are Python in one
    process, so checks running earlier would only delay the requests the engine then works
    on while the checks run. The overlapping static checks stay in one process: forking
    worker processes next to a thread that is talking to the engine risks a child inheriting
    a held lock. A large artifact is announced first (its checks take seconds: the user sees
    at once what is going on)."""
    def static(jobs: int | None = None, after: threading.Event | None = None,
               ) -> tuple[TargetResult, ...]:
        if after is not None:
            after.wait(STATIC_HEAD_START_S)
        # suppressed now, so that --fail-fast runs a target whose failures are all suppressed
        return mark(_static(run, today, jobs), run.report.suppressions)

    for line in announcements(run.targets):
        progress.say(line)

    options = run.execute
    if options is None:
        results = static()
    elif options.fail_fast:
        results = _merge(run.targets, static(), options, run, progress)
    else:
        busy = threading.Event()
        # not closed on the way out: an error or Ctrl-C does not wait for the static checks
        pending = Workers(lambda _: static(1, busy), [None], 1, name="lambdacheck-static")
        try:
            executed = _run(run.targets, options, progress, busy.set)
        finally:
            busy.set()
        results = _merge(run.targets, pending.first(), options, run, progress, executed)
    results += tuple(unresolved_result(u) for u in run.unresolved)
    return apply(RunResult(targets=results, fail_on=run.report.fail_on, notes=run.notes),
                 run.report.suppressions)


def announcements(targets: Sequence[Target]) -> list[str]:
    """"checking fn.zip (61 MB) on python3.12 (x86_64)" for each target whose artifact file is
    LARGE_ARTIFACT or more (a stat each: nothing is read)."""
    lines = []
    for target in targets:
        artifact = target.artifact
        if not isinstance(artifact, Path):
            continue
        try:
            size = artifact.stat().st_size
        except OSError:
            continue  # the static check says why it cannot be read
        if size >= LARGE_ARTIFACT:
            lines.append(f"checking {artifact.name} ({format_bytes(size)}) on "
                         f"{target.id.runtime} ({target.id.arch})")
    return lines


def _static(run: Run, today: date | None, jobs: int | None) -> tuple[TargetResult, ...]:
    """Every target's static results. A named (config/template) function whose artifact
    cannot be read (a CodeUri that is a .py file, an image with no engine) fails alone:
    after such an error each target is checked on its own, and the named ones that still
    raise become failed results. An unnamed (command-line) artifact's error stays an error."""
    from checker.static import check_targets  # here: in the static thread during a `run`

    def check(targets: tuple[Target, ...]) -> tuple[TargetResult, ...]:
        return check_targets(targets, today=today, execute=run.execute, limits=run.limits,
                             jobs=jobs, connect=connect_engine)

    if not run.targets:  # every function failed alone
        return ()
    try:
        return check(run.targets)
    except LambdacheckError:
        if not any(target.name for target in run.targets):
            raise
    return tuple(_alone(check, target) for target in run.targets)


def connect_engine() -> ImageExporter:
    """The engine a docker-daemon image is read from (the docker SDK loads only when one is;
    a module-level function, so that the static check's worker processes can call it)."""
    from checker.runner import connect

    return connect()


def _alone(check: Callable[[tuple[Target, ...]], tuple[TargetResult, ...]],
           target: Target) -> TargetResult:
    try:
        return check((target,))[0]
    except LambdacheckError as error:
        if not target.name:
            raise
        where = f"{target.source}: " if target.source else ""
        return _failed(target.id, FUNCTION_RULE, where + error.message, error.hint or "")


FUNCTION_RULE = "function-input"
FUNCTION_SUMMARY = "the function's code, runtime and paths can be read"


def unresolved_result(unresolved: Unresolved) -> TargetResult:
    """A failed target for a function that never became Targets, naming its file."""
    return _failed(unresolved.id, FUNCTION_RULE, f"{unresolved.source}: {unresolved.message}",
                   unresolved.hint or "")


def _failed(target: TargetId, rule: str, message: str, hint: str) -> TargetResult:
    finding = Finding(rule=rule, severity=Severity.ERROR, path="", message=message, hint=hint)
    return TargetResult(target=target, checks=(CheckResult(
        rule=rule, summary=FUNCTION_SUMMARY, findings=(finding,)),))


def _run(targets: Sequence[Target], options: ExecOptions, progress: Progress,
         busy: Callable[[], None] | None = None) -> Mapping[TargetId, ExecutionResult]:
    from checker.runner import execute  # the engine client loads only when something runs

    return execute(targets, options, progress=progress, busy=busy) if targets else {}


def _merge(targets: tuple[Target, ...], static_results: tuple[TargetResult, ...],
           options: ExecOptions, run: Run, progress: Progress,
           executed: Mapping[TargetId, ExecutionResult] | None = None,
           ) -> tuple[TargetResult, ...]:
    """Static results with their executions; runs what was not run yet (--fail-fast)."""
    runnable = []
    merged: list[TargetResult] = []
    for target, result in zip(targets, static_results, strict=True):
        if options.fail_fast and result.failed(run.report.fail_on):
            merged.append(dataclasses.replace(
                result, execution_skipped="static checks failed and --fail-fast is set"))
        else:
            runnable.append(target)
            merged.append(result)
    if executed is None:
        executed = _run(runnable, options, progress)
    final = []
    for result in merged:
        outcome = executed.get(result.target)
        if outcome is None:
            final.append(result)
            continue
        final.append(dataclasses.replace(
            result, invocations=outcome.invocations, execution_skipped=outcome.skipped,
            notes=result.notes + outcome.notes, execution=outcome.execution))
    return tuple(final)
