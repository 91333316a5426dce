"""One `check` or `run`: static checks for every target, then (for `run`) execution, merged
into one RunResult. No parsing and no rendering here."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import TYPE_CHECKING

from checker.findings import RunResult, TargetId, TargetResult
from checker.options import CheckPlan, ExecOptions, Target
from checker.static import check_targets

if TYPE_CHECKING:
    from checker.runner import ExecutionResult

Progress = Callable[[str], None]


def run_plan(plan: CheckPlan, *, progress: Progress, today: date | None = None) -> RunResult:
    """Static checks, and for `run` execution too. Without --fail-fast the two overlap: the
    static checks run in a thread while the main thread (which owns signal handling) drives
    the containers; the results are the same as one after the other. The overlapping static
    checks stay in one process: forking worker processes next to a thread that is talking to
    the engine risks a child inheriting a held lock."""
    def static(jobs: int | None = None) -> tuple[TargetResult, ...]:
        return check_targets(plan.targets, today=today, execute=plan.execute,
                             limits=plan.limits, jobs=jobs)

    options = plan.execute
    if options is None:
        results = static()
    elif options.fail_fast:
        results = _merge(plan.targets, static(), options, plan, progress)
    else:
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lambdacheck-static")
        try:
            pending = pool.submit(static, 1)
            executed = _run(plan.targets, options, progress)
            results = _merge(plan.targets, pending.result(), options, plan, progress, executed)
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
    return RunResult(targets=results, fail_on=plan.report.fail_on, notes=plan.notes)


def _run(targets: Sequence[Target], options: ExecOptions,
         progress: Progress) -> Mapping[TargetId, ExecutionResult]:
    from checker.runner import execute  # the docker SDK loads only when something runs

    return execute(targets, options, progress=progress) if targets else {}


def _merge(targets: tuple[Target, ...], static_results: tuple[TargetResult, ...],
           options: ExecOptions, plan: CheckPlan, progress: Progress,
           executed: Mapping[TargetId, ExecutionResult] | None = None,
           ) -> tuple[TargetResult, ...]:
    """Static results with their executions; runs what was not run yet (--fail-fast)."""
    runnable = []
    merged: list[TargetResult] = []
    for target, result in zip(targets, static_results, strict=True):
        if options.fail_fast and result.failed(plan.report.fail_on):
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
