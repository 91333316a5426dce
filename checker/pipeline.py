"""One `check` or `run`: static checks for every target, then (for `run`) execution, merged
into one RunResult. No parsing and no rendering here."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date

from checker.findings import Invocation, RunResult, TargetResult
from checker.options import CheckPlan, ExecOptions, Target
from checker.static import check_targets

Progress = Callable[[str], None]


def run_plan(plan: CheckPlan, *, progress: Progress, today: date | None = None) -> RunResult:
    static_results = check_targets(plan.targets, today=today, execute=plan.execute,
                                   limits=plan.limits)
    results = static_results
    if plan.execute is not None:
        results = _execute(plan.targets, static_results, plan.execute, plan, progress)
    return RunResult(targets=results, fail_on=plan.report.fail_on, notes=plan.notes)


def _execute(targets: tuple[Target, ...], static_results: tuple[TargetResult, ...],
             options: ExecOptions, plan: CheckPlan, progress: Progress) -> tuple[TargetResult, ...]:
    from checker.runner import execute  # the docker SDK loads only when something runs

    runnable = []
    merged: list[TargetResult] = []
    for target, result in zip(targets, static_results, strict=True):
        if options.fail_fast and result.failed(plan.report.fail_on):
            merged.append(dataclasses.replace(
                result, execution_skipped="static checks failed and --fail-fast is set"))
        else:
            runnable.append(target)
            merged.append(result)
    executed = execute(runnable, options, progress=progress) if runnable else {}
    final = []
    for result in merged:
        outcome = executed.get(result.target)
        if outcome is None:
            final.append(result)
            continue
        invocations = outcome.invocations
        if outcome.skipped is not None and options.require_exec:
            invocations += (Invocation(event_name="execute", ok=False, duration_ms=0.0,
                                       outcome="not-executed", message=outcome.skipped),)
        final.append(dataclasses.replace(
            result, invocations=invocations, execution_skipped=outcome.skipped,
            notes=result.notes + outcome.notes))
    return tuple(final)
