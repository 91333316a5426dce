"""`lambdacheck run`'s execution: plan each target, make its image present, run targets in
parallel (one container each), and remove every container and temp dir however it ends.

`run` was asked to execute: a target that cannot (no engine, an image that cannot be pulled, no
network, no emulation, an emulator that never answers) ends the run with ExecutionUnavailable,
one line naming the targets and why, unless ExecOptions.allow_skip (--allow-skip-exec) reports
them as skipped. What is known before anything starts ends it before any container starts.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence

from checker.catalog.model import HandlerStyle
from checker.engine import ConnectEngine, Engine
from checker.errors import EngineUnavailable, ExecutionUnavailable, ImageUnavailable
from checker.findings import TargetId
from checker.image.ref import ImageRef
from checker.options import ExecOptions, NetworkMode, PullPolicy, Target
from checker.progress import Progress, silent
from checker.runner.connection import connect as connect_docker
from checker.runner.emulation import emulated_arches, emulation_problem
from checker.runner.errors import ContainerError
from checker.runner.images import ImageLoader
from checker.runner.invoker import Plan, run_target, warm_up
from checker.runner.result import ExecutionResult
from checker.runner.session import Session, remove_leftovers
from checker.runner.signals import deferred_interrupts, termination_interrupts
from checker.runner.spec import engine_platform
from checker.workers import Workers

AL2_IMAGE_NOTE = (
    "the Amazon Linux 2 emulator images carry libraries the AL2 ZIP runtime lacks "
    "(aws/aws-lambda-base-images#112): a run here can pass where Lambda fails; for library "
    "presence the static check is the authority"
)
_FAIL_FAST_SKIP = "not run: --fail-fast stopped after an earlier failure"
NO_BRIDGE = "the engine has no bridge network (dockerd --bridge=none)"
HOST_FALLBACK_NOTE = (
    f"{NO_BRIDGE}: ran on the host network instead, the emulator listening on 127.0.0.1 only "
    "(the function shares the host's network; --network bridge makes this an error)"
)
MAX_NAMED = 3  # targets named per reason, and reasons, in the one-line error
EMULATION_NOTE = (
    "ran under QEMU emulation ({arch} on an {engine} engine): {engine} binaries run natively "
    "inside it, so execution cannot catch an {engine} binary in this {arch} function (the "
    "static architecture check does)"
)


def execute(targets: Sequence[Target], options: ExecOptions, *,
            progress: Progress | None = None,
            connect: ConnectEngine = connect_docker,
            busy: Callable[[], None] | None = None) -> dict[TargetId, ExecutionResult]:
    """Run every target's events in its emulator image; results in the targets' order.

    A target that cannot execute raises ExecutionUnavailable (before any container starts
    when that is known up front), unless options.allow_skip: then its result is skipped with
    the reason. `progress` (None: silent) is fed from worker threads. `connect` gives the engine
    (closed at the end); EngineUnavailable from it makes every target unexecuted. `busy` is
    called (maybe more than once) when the engine gets its first long job: before a pull, and
    just before the first container starts or a large artifact is unpacked
    (checker.pipeline starts the static checks then).
    """
    try:
        engine = connect()
    except EngineUnavailable as error:
        return _checked(targets, {target.id: ExecutionResult(target.id, skipped=error.message)
                                  for target in targets}, options)
    progress = progress or silent()
    loader = ImageLoader(engine, progress)
    try:
        options, network_note, network_problem = _network(engine, options)
        plans, results = _plan_all(engine, loader, targets, options, progress, network_problem,
                                   busy)
        if network_note is not None:
            plans = [dataclasses.replace(plan, notes=(*plan.notes, network_note))
                     for plan in plans]
        _refuse_unexecuted(results.values(), len(targets), options)  # before any start
        results.update(_run_all(engine, plans, options, progress, busy))
    finally:
        with deferred_interrupts():
            loader.close()
        engine.close()
    return _checked(targets, results, options)


def _checked(targets: Sequence[Target], results: Mapping[TargetId, ExecutionResult],
             options: ExecOptions) -> dict[TargetId, ExecutionResult]:
    """The results in the targets' order, unless one could not execute (see below)."""
    ordered = {target.id: results[target.id] for target in targets}
    _refuse_unexecuted(ordered.values(), len(ordered), options)
    return ordered


def _refuse_unexecuted(results: Iterable[ExecutionResult], total: int,
                       options: ExecOptions) -> None:
    """ExecutionUnavailable when a target could not execute and skipping is not allowed."""
    unexecuted = [(result.target, result.skipped) for result in results
                  if result.unexecuted and result.skipped is not None]
    if unexecuted and not options.allow_skip:
        raise ExecutionUnavailable(cannot_execute_message(unexecuted, total))


def cannot_execute_message(unexecuted: Sequence[tuple[TargetId, str]], total: int) -> str:
    """One line: "cannot execute fn.zip on python3.12 (x86_64): image X cannot be pulled: ...",
    or for several targets "cannot execute 2 of 3 targets: a ..., b ...: reason; c ...: other"."""
    by_reason: dict[str, list[str]] = {}
    for target, reason in unexecuted:
        by_reason.setdefault(" ".join(reason.split()), []).append(target.label())
    parts = []
    for reason, labels in list(by_reason.items())[:MAX_NAMED]:
        named = ", ".join(labels[:MAX_NAMED])
        if len(labels) > MAX_NAMED:
            named += f" and {len(labels) - MAX_NAMED} more"
        parts.append(f"{named}: {reason}")
    if len(by_reason) > MAX_NAMED:
        more = len(by_reason) - MAX_NAMED
        parts.append(f"and {more} more reason{'' if more == 1 else 's'}")
    head = "cannot execute"
    if total > 1:
        head += f" {len(unexecuted)} of {total} targets:"
    return f"{head} {'; '.join(parts)}"


def engine_status(connect: ConnectEngine = connect_docker) -> str | None:
    """None when an engine answers, else the one-line reason."""
    try:
        connect().close()
    except EngineUnavailable as error:
        return error.message
    return None


def clean_leftovers(connect: ConnectEngine = connect_docker) -> int:
    """`lambdacheck clean`: remove what killed runs left (labelled containers, temp dirs)."""
    engine = connect()
    try:
        return remove_leftovers(engine)
    finally:
        engine.close()


def _plan_all(engine: Engine, loader: ImageLoader, targets: Sequence[Target],
              options: ExecOptions, progress: Progress,
              network_problem: str | None, busy: Callable[[], None] | None = None,
              ) -> tuple[list[Plan], dict[TargetId, ExecutionResult]]:
    plans: list[Plan] = []
    skipped: dict[TargetId, ExecutionResult] = {}
    if not targets:
        return plans, skipped
    image_problems: dict[tuple[str, str], str | None] = {}
    glibc: dict[tuple[str, str], str | None] = {}  # of an --image, per arch
    host = _Host(engine)
    if busy is not None and any(isinstance(target.artifact, ImageRef) for target in targets):
        busy()  # a function image is loaded or pulled while planning
    for target in targets:
        plan_or_reason = network_problem or _plan(target, options, host, loader)
        if isinstance(plan_or_reason, str):
            skipped[target.id] = ExecutionResult(target.id, skipped=plan_or_reason)
            continue
        if plan_or_reason.function_image is not None:
            plans.append(plan_or_reason)
            continue
        key = (plan_or_reason.image, target.arch)
        if key not in image_problems:
            image_problems[key] = _ensure_image(engine, *key, options, progress, busy)
        if image_problems[key] is not None:
            skipped[target.id] = ExecutionResult(target.id, skipped=image_problems[key])
            continue
        if options.image is not None:
            extra = _override_notes(engine, options.image, plan_or_reason, glibc)
            plan_or_reason = dataclasses.replace(plan_or_reason,
                                                 notes=(*plan_or_reason.notes, *extra))
        plans.append(plan_or_reason)
    return plans, skipped


def _network(engine: Engine, options: ExecOptions,
             ) -> tuple[ExecOptions, str | None, str | None]:
    """The options with the network resolved, a note on a fallback, and why no target can run
    (None when they can). No --network: the bridge when the engine has one, else the host
    network with the emulator bound to 127.0.0.1."""
    if options.network is NetworkMode.HOST:
        return options, None, None
    try:
        bridge = engine.has_bridge()
    except ContainerError as error:
        return options, None, str(error)
    if bridge:
        return dataclasses.replace(options, network=NetworkMode.BRIDGE), None, None
    if options.network is NetworkMode.BRIDGE:
        return options, None, (f"{NO_BRIDGE} and --network bridge was given: use --network "
                               "host, or leave --network out to fall back to it")
    return dataclasses.replace(options, network=NetworkMode.HOST), HOST_FALLBACK_NOTE, None


def _override_notes(engine: Engine, image: str, plan: Plan,
                    glibc_cache: dict[tuple[str, str], str | None]) -> tuple[str, ...]:
    """What --image changes: which image ran, and whether its glibc is the runtime's."""
    platform, runtime, arch = plan.platform, plan.target.runtime.name, plan.target.arch
    if image == platform.image:
        return ()
    catalog = (f"not {runtime}'s emulator image {platform.image}" if platform.image
               else f"{runtime} names no emulator image")
    notes = [f"ran in {image} (--image), {catalog}"]
    if (image, arch) not in glibc_cache:
        from checker.runner.image_glibc import image_glibc  # only for an --image

        glibc_cache[(image, arch)] = image_glibc(engine, image, arch)
    glibc = glibc_cache[(image, arch)]
    probe = (f"`lambdacheck runtimes probe {image} --name NAME` describes the image as a "
             "runtime file, to check against with --runtime-file")
    if glibc is None:
        notes.append(f"the glibc of {image} could not be read: the run may judge another "
                     f"system than the static verdict (glibc {platform.glibc}); {probe}")
    elif glibc != platform.glibc:
        notes.append(f"{image} has glibc {glibc}, {runtime} has glibc {platform.glibc}: the "
                     f"run and the static verdict judge different systems; {probe}")
    return tuple(notes)


class _Host:
    """The engine's architecture and which others its kernel runs under QEMU."""

    def __init__(self, engine: Engine) -> None:
        try:
            self.arch = engine.arch()
        except ContainerError:
            self.arch = ""
        self.local = engine.local
        self._problems: dict[str, str | None] = {}
        self._emulated: tuple[str, ...] | None = None

    def problem(self, arch: str) -> str | None:
        """Why `arch` cannot run on this engine (None: natively, under QEMU, or unknown for a
        remote engine, whose kernel this machine cannot read)."""
        if not self.arch or arch == self.arch or not self.local:
            return None
        if arch not in self._problems:
            self._problems[arch] = emulation_problem(arch, self.arch)
        return self._problems[arch]

    def notes(self, arch: str) -> list[str]:
        if not self.arch or arch == self.arch:
            return []
        return [EMULATION_NOTE.format(arch=arch, engine=self.arch)]

    def emulated(self) -> tuple[str, ...]:
        """Other architectures this engine's kernel runs under QEMU (binfmt_misc)."""
        if not self.arch or not self.local:
            return ()
        if self._emulated is None:
            self._emulated = emulated_arches(self.arch)
        return self._emulated


def _plan(target: Target, options: ExecOptions, host: _Host, loader: ImageLoader) -> Plan | str:
    platform = target.runtime.platform(target.arch)
    if platform is None:
        return f"{target.runtime.name} has no {target.arch} platform"
    problem = host.problem(target.arch)
    if problem is not None:
        return problem
    if isinstance(target.artifact, ImageRef):
        prepared = loader.prepare(target.artifact, target.arch, options)
        if isinstance(prepared, str):
            return prepared
        image_notes = (*host.notes(target.arch), *prepared.notes)
        return Plan(target, platform, prepared.reference, image_notes, prepared)
    if target.runtime.handler_style is not HandlerStyle.CUSTOM and not target.handler:
        return f"no handler for {target.runtime.name}: give --handler"
    image = options.image or platform.image
    if not image:
        return f"no emulator image for {target.runtime.name} ({target.arch}): give --image"
    notes = [AL2_IMAGE_NOTE] if target.runtime.os_id == "al2" else []
    notes += host.notes(target.arch)
    foreign = tuple(arch for arch in host.emulated() if arch != target.arch)
    return Plan(target, platform, image, tuple(notes), foreign_arches=foreign)


def _ensure_image(engine: Engine, image: str, arch: str, options: ExecOptions,
                  progress: Progress, busy: Callable[[], None] | None = None) -> str | None:
    """None when `image` is present for `arch` (pulled if the policy says so), else why not."""
    try:
        present = engine.image_arch(image)
        policy = options.pull or PullPolicy.MISSING
        if policy is PullPolicy.ALWAYS or (present is None and policy is PullPolicy.MISSING):
            if busy is not None:
                busy()
            engine.pull(image, engine_platform(arch), progress)
            present = engine.image_arch(image)
        elif present is None:
            raise ImageUnavailable(f"image {image} is not present and --pull is never",
                                   "pull or build it, or allow --pull missing")
    except ImageUnavailable as error:
        return error.message
    except ContainerError as error:
        return str(error)
    if present != arch:
        return f"image {image} is for {present}, the target is {arch}"
    return None


def _run_all(engine: Engine, plans: list[Plan], options: ExecOptions, progress: Progress,
             busy: Callable[[], None] | None = None) -> dict[TargetId, ExecutionResult]:
    results: dict[TargetId, ExecutionResult] = {}
    if not plans:
        return results
    session = Session(engine, busy)
    stop = threading.Event()
    workers: Workers[Plan, ExecutionResult] | None = None
    try:
        with termination_interrupts():
            workers = Workers(lambda plan: _run_unless_stopped(
                engine, session, plan, options, progress, stop), plans, max(1, options.jobs),
                name="lambdacheck")
            _warm_up_when_busy(session, workers)
            for result in workers.results():
                results[result.target] = result
                if options.fail_fast and any(not item.ok for item in result.invocations):
                    stop.set()
    finally:
        with deferred_interrupts():
            session.close()  # first: a dead container unblocks the worker waiting on it
            if workers is not None:
                workers.close()
            session.remove_dirs()
    return results


def _warm_up_when_busy(session: Session, workers: Workers[Plan, ExecutionResult]) -> None:
    """Once a worker waits on the engine (session.busy()), import what reading the answers
    needs (invoker.warm_up): then it costs nothing; before, it would delay the first start."""
    while not session.busy_now.wait(0.005):
        if workers.all_done():
            return
    warm_up()


def _run_unless_stopped(engine: Engine, session: Session, plan: Plan, options: ExecOptions,
                        progress: Progress, stop: threading.Event,
                        ) -> ExecutionResult:
    if stop.is_set():
        return ExecutionResult(plan.target.id, skipped=_FAIL_FAST_SKIP, notes=plan.notes,
                               stopped=True)
    return run_target(engine, session, plan, options.for_target(plan.target), progress)
