"""Run one target: unpack it, start its container, send every event, classify each answer.

One container serves all of a target's events (the first cold, the rest warm), one invoke at
a time, as one Lambda execution environment does.

The modules that read the container's answers (logs, outcome, memory, extensions) are imported
where they are used, not on the way to the first start: execute.py imports them (`warm_up`) on
its own thread while the engine starts the containers, when that costs nothing.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from checker.catalog.model import Platform
from checker.engine import Engine
from checker.findings import Execution, Invocation
from checker.options import Event, ExecOptions, NetworkMode, Target
from checker.progress import Progress
from checker.records import record
from checker.runner import rie
from checker.runner.emulation import foreign_executable_notes
from checker.runner.errors import Cancelled, ContainerError, RunnerError
from checker.runner.result import ExecutionResult
from checker.runner.session import Session
from checker.runner.spec import (
    RIE_CONTAINER_PORT,
    ContainerSpec,
    ImageStart,
    Ports,
    Staging,
    build_image_spec,
    build_spec,
    function_handler,
    network_mode,
    timeout_seconds,
)
from checker.runner.unpack import make_root, unpack

if TYPE_CHECKING:
    from checker.runner.images import FunctionImage
    from checker.runner.logs import LogLine
    from checker.runner.memory import MemoryWatch

LARGE_UNPACK = 8 * 1024 * 1024  # bytes: unpacking takes long enough to overlap the checks
READY_WITHIN_S = 15.0
INIT_ALLOWANCE_S = 10.0  # Lambda allows init 10 s before the first invoke's own timeout
LOG_SETTLE_S = 2.0  # how long the RIE's closing lines may lag behind its HTTP answer
TAIL_LINES = 60
TAIL_CHARS = 16_000
RESPONSE_CHARS = 65_536
_NS_PER_MS = 1_000_000


@record
class Plan:
    """A target that can run: its platform, the image to run it in, caveats known up front.
    function_image is set for a container-image function (then `image` is its reference)."""

    target: Target
    platform: Platform
    image: str
    notes: tuple[str, ...] = ()
    function_image: FunctionImage | None = None
    foreign_arches: tuple[str, ...] = ()  # other architectures the kernel runs under QEMU


@record
class _Running:
    """A started container whose RIE answers: its id, the host port, its memory limit and the
    watch on its memory cgroup."""

    container_id: str
    port: int
    memory_bytes: int
    memory: MemoryWatch


def run_target(engine: Engine, session: Session, plan: Plan, options: ExecOptions,
               progress: Progress) -> ExecutionResult:
    """The target's invocations; on a failure of the engine or the staging, those done so far
    and the reason the rest did not happen."""
    target = plan.target
    work: Path | None = None
    running: _Running | None = None
    notes = plan.notes
    done: list[Invocation] = []
    execution: Execution | None = None
    try:
        staging = None
        if plan.function_image is None:
            work = session.temp_dir()
            if _artifact_bytes(target) >= LARGE_UNPACK:
                session.busy()  # the static checks can run while this unpacks
            staging = _stage(target, work, session.cancel.is_set, progress)
            notes += foreign_executable_notes(staging.task_dir, staging.opt_dir,
                                              plan.foreign_arches)
        running, spec_notes = _start(engine, session, plan, options, staging)
        notes += spec_notes
        execution = _execution(plan, options)
        _send_events(engine, session, running, plan, options, progress, done)
        done += _extension_results(engine, running, _extension_names(plan, staging), options)
        return ExecutionResult(target.id, tuple(done), None, notes, execution)
    except RunnerError as error:
        return ExecutionResult(target.id, tuple(done), str(error), notes, execution)
    finally:
        if running is not None:
            with contextlib.suppress(ContainerError):
                session.release_container(running.container_id)
        if work is not None:
            session.release_dir(work)


def _artifact_bytes(target: Target) -> int:
    """The bytes of the target's ZIPs or folders' top level (a stat each, nothing read)."""
    total = 0
    for path in (target.artifact, *target.layers):
        if isinstance(path, Path):
            with contextlib.suppress(OSError):
                total += path.stat().st_size
    return total


def _execution(plan: Plan, options: ExecOptions) -> Execution:
    """What ran: the image (a function image as the user named it), _HANDLER, the network."""
    target = plan.target
    image = str(target.artifact) if plan.function_image is not None else plan.image
    return Execution(image=image, handler=function_handler(target),
                     network=network_mode(options).value)


def _stage(target: Target, work: Path, cancelled: Callable[[], bool],
           progress: Progress) -> Staging:
    staging = Staging(make_root(work / "task"), make_root(work / "opt"))
    if not isinstance(target.artifact, Path):
        raise TypeError(f"{target.artifact} is an image; it is not unpacked")
    unpack(target.artifact, staging.task_dir, cancelled=cancelled, progress=progress)
    for layer in target.layers:
        unpack(layer, staging.opt_dir, cancelled=cancelled, progress=progress)
    return staging


def _extension_names(plan: Plan, staging: Staging | None) -> tuple[str, ...]:
    """The files the RIE will start from /opt/extensions (everything there but directories)."""
    if plan.function_image is not None:
        return plan.function_image.extensions
    from checker.runner.extensions import staged_extension_names

    return staged_extension_names(staging.opt_dir) if staging is not None else ()


def _extension_results(engine: Engine, running: _Running, names: tuple[str, ...],
                       options: ExecOptions) -> list[Invocation]:
    """One Invocation per extension, judged from the container's whole log."""
    if not names:
        return []
    from checker.runner.extensions import extension_invocations
    from checker.runner.logs import parse_docker_logs

    lines = parse_docker_logs(engine.logs(running.container_id))
    return list(extension_invocations(names, lines, timeout_seconds(options)))


def _start(engine: Engine, session: Session, plan: Plan, options: ExecOptions,
           staging: Staging | None) -> tuple[_Running, tuple[str, ...]]:
    """Start the container and wait for the RIE; one retry when a picked port was taken."""
    for attempt in range(2):
        running, notes, startup = _start_once(engine, session, plan, options, staging)
        if running is not None:
            return running, notes
        if session.cancel.is_set():
            raise Cancelled("interrupted")
        if attempt == 0 and any("address already in use" in line for line in startup):
            continue
        last = startup[-1] if startup else f"no answer within {READY_WITHIN_S:g} s"
        raise ContainerError(f"the emulator did not start: {last}")
    raise ContainerError("the emulator did not start: its ports were taken twice")


def _start_once(engine: Engine, session: Session, plan: Plan, options: ExecOptions,
                staging: Staging | None) -> tuple[_Running | None, tuple[str, ...], list[str]]:
    """The running container, or None and its log when the RIE never answered."""
    spec, notes = _spec(session, plan, options, staging)
    container_id = session.start(spec)
    from checker.runner.logs import parse_docker_logs
    from checker.runner.memory import MemoryWatch

    try:
        port = _rie_port(engine, container_id, spec.command, spec.network)
        if rie.wait_ready(port, within_s=READY_WITHIN_S, cancelled=session.cancel.is_set,
                          alive=lambda: engine.state(container_id).running):
            watch = MemoryWatch(engine, container_id)
            return _Running(container_id, port, spec.memory_bytes, watch), notes, []
        startup = [line.text for line in parse_docker_logs(engine.logs(container_id))]
    except BaseException:
        session.release_container(container_id)
        raise
    session.release_container(container_id)
    return None, notes, startup


def _spec(session: Session, plan: Plan, options: ExecOptions, staging: Staging | None,
          ) -> tuple[ContainerSpec, tuple[str, ...]]:
    name = f"lambdacheck-{session.id[:8]}-{os.urandom(3).hex()}"
    labels = session.labels(plan.target.id.label())
    ports = _pick_ports(network_mode(options))
    image = plan.function_image
    if image is not None:
        start = ImageStart(image.reference, image.config.entrypoint or (), image.config.cmd or (),
                           image.config.workdir, image.rie_mount)
        return build_image_spec(plan.target, plan.platform, options, start, name=name,
                                labels=labels, ports=ports)
    if staging is None:
        raise TypeError("a ZIP or directory target runs from its staging directories")
    return build_spec(plan.target, plan.platform, options, image=plan.image, name=name,
                      labels=labels, staging=staging, ports=ports)


def warm_up() -> None:
    """Import what reading the containers' answers needs (see the module's docstring)."""
    import checker.runner.extensions
    import checker.runner.logs
    import checker.runner.memory
    import checker.runner.outcome  # noqa: F401


_HANDED_OUT: set[int] = set()  # host-network ports this process gave a container
_HANDED_OUT_LOCK = threading.Lock()


def _pick_ports(network: NetworkMode) -> Ports:
    """Two free loopback ports for a host-network container (its RIE, its runtime API). The
    kernel may hand a port out again as soon as it is closed here, long before the container's
    RIE binds it: a port this process gave one container is never given to another, or two
    parallel targets could end up talking to the same RIE."""
    if network is NetworkMode.BRIDGE:
        return Ports(rie=0)
    while True:
        with socket.socket() as first, socket.socket() as second:
            first.bind(("127.0.0.1", 0))
            second.bind(("127.0.0.1", 0))
            rie, runtime_api = first.getsockname()[1], second.getsockname()[1]
        with _HANDED_OUT_LOCK:
            if rie not in _HANDED_OUT and runtime_api not in _HANDED_OUT:
                _HANDED_OUT.update((rie, runtime_api))
                return Ports(rie=rie, runtime_api=runtime_api)


def _rie_port(engine: Engine, container_id: str, command: tuple[str, ...],
              network: NetworkMode) -> int:
    if network is NetworkMode.BRIDGE:
        return engine.published_port(container_id, RIE_CONTAINER_PORT)
    address = command[command.index("--runtime-interface-emulator-address") + 1]
    return int(address.rpartition(":")[2])


def _send_events(engine: Engine, session: Session, running: _Running, plan: Plan,
                 options: ExecOptions, progress: Progress,
                 invocations: list[Invocation]) -> None:
    """Send the events in order, appending each Invocation as it completes."""
    seen_ns = 0
    for event in options.events:
        if event.too_large is not None:  # over the payload limit: a finding (rules/limits.py)
            continue
        if session.cancel.is_set():
            raise Cancelled("interrupted")
        invocation, seen_ns = _invoke(engine, running, event, options, seen_ns)
        invocations.append(invocation)
        progress.say(f"{plan.target.id.label()}: {event.name}: {invocation.outcome} "
                 f"({invocation.duration_ms:.0f} ms)")
        if options.fail_fast and not invocation.ok:
            break


def _invoke(engine: Engine, running: _Running, event: Event, options: ExecOptions,
            seen_ns: int) -> tuple[Invocation, int]:
    """Send one event; returns its Invocation and the timestamp of the last log line read."""
    answer = rie.invoke(running.port, event.payload.encode(),
                        timeout_seconds(options) + INIT_ALLOWANCE_S)
    lines = _read_log(engine, running.container_id, seen_ns, settle=answer.status is not None)
    from checker.runner.logs import read_invoke_log
    from checker.runner.outcome import MemoryFacts, classify

    log = read_invoke_log(lines)
    state = engine.state(running.container_id)
    memory = MemoryFacts(
        limit_bytes=running.memory_bytes,
        peak_bytes=running.memory.peak() if state.running else None,
        oom_events=running.memory.new_oom_kills(_since(seen_ns, lines), _until(lines)),
    )
    verdict = classify(answer, log, memory, expect=event.expect, container_running=state.running)
    invocation = Invocation(
        event_name=event.name,
        ok=verdict.ok,
        duration_ms=log.duration_ms if log.duration_ms is not None else answer.elapsed_ms,
        outcome=verdict.outcome,
        message=verdict.message,
        response=answer.text[:RESPONSE_CHARS],
        output_tail="\n".join(log.output[-TAIL_LINES:])[-TAIL_CHARS:],
        init_duration_ms=log.init_ms,
        billed_duration_ms=log.billed_ms,
        max_memory_mb=round(memory.peak_bytes / (1 << 20), 1) if memory.peak_bytes else None,
    )
    return invocation, lines[-1].ns if lines else seen_ns


def _read_log(engine: Engine, container_id: str, seen_ns: int, *, settle: bool) -> list[LogLine]:
    """The log lines after `seen_ns`, waiting (bounded) for the RIE's last line of the invoke."""
    from checker.runner.logs import invoke_finished, parse_docker_logs

    deadline = time.monotonic() + LOG_SETTLE_S
    since_ns = max(seen_ns - _NS_PER_MS, 0) or None
    while True:
        lines = [line for line in parse_docker_logs(engine.logs(container_id, since_ns))
                 if line.ns > seen_ns]
        if not settle or invoke_finished(lines) or time.monotonic() > deadline:
            return lines
        time.sleep(0.005)


def _since(seen_ns: int, lines: list[LogLine]) -> int:
    """Where this invoke began on the engine's clock: the previous invoke's last line."""
    if seen_ns or not lines:
        return seen_ns
    return lines[0].ns - 1000 * _NS_PER_MS


def _until(lines: list[LogLine]) -> int:
    return lines[-1].ns + _NS_PER_MS if lines else 0
