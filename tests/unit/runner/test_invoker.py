"""checker.runner.invoker (run_target) against a fake engine (tests/build/engine.py): a real ZIP
is unpacked for real and a real HTTP server on 127.0.0.1 stands in for the RIE; the fake is the
engine, for what a real one cannot do on demand: lose the container in the middle of a run."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from checker.catalog.load import load_catalog
from checker.options import Event, ExecOptions, NetworkMode, Target
from checker.runner.errors import ContainerError
from checker.runner.invoker import Plan, run_target
from checker.runner.session import TEMP_PREFIX, Session
from tests.build.engine import FakeContainer, FakeEngine, RieServer, quiet
from tests.build.zips import File, make_zip

if TYPE_CHECKING:  # typing.Self is 3.11's
    from typing import Self

STANDINS = Path(__file__).resolve().parents[2] / "data" / "standins"
EVENTS = (Event(name="first", payload="{}"), Event(name="second", payload="{}"))


@pytest.fixture
def plan(tmp_path: Path) -> Plan:
    runtime = load_catalog([STANDINS / "provided.toml"]).get("standin-provided")
    assert runtime is not None
    artifact = make_zip(tmp_path / "fn.zip", [File("bootstrap", b"#!/bin/sh\n", mode=0o755)])
    target = Target(artifact, runtime, "x86_64")
    platform = runtime.platform("x86_64")
    assert platform is not None and platform.image is not None
    return Plan(target, platform, platform.image)


@pytest.fixture
def servers() -> Iterator[list[RieServer]]:
    started: list[RieServer] = []
    yield started
    for server in started:
        server.close()


def serve_rie(engine: FakeEngine, servers: list[RieServer], *, vanish_on: int) -> None:
    """Each started container gets an RIE stand-in on the port its command names; at the
    `vanish_on`-th invoke the container disappears from the engine before the answer."""
    def started(container_id: str, container: FakeContainer) -> None:
        assert container.spec is not None
        command = container.spec.command
        port = int(command[command.index("--runtime-interface-emulator-address") + 1]
                   .rpartition(":")[2])

        def answer(number: int) -> bytes:
            if number == vanish_on:
                engine.vanish(container_id)
            return b'"ok"'

        servers.append(RieServer(port, container, answer))

    engine.on_start = started


def session_dirs(session: Session) -> list[Path]:
    return list(Path(tempfile.gettempdir()).glob(f"{TEMP_PREFIX}{session.id[:12]}-*"))


def test_a_container_lost_mid_run_keeps_the_invocations_done_and_says_why(
        plan: Plan, servers: list[RieServer]) -> None:
    """A fake: the engine loses the container between two invokes (a real engine cannot be
    made to on demand). The first invocation is kept, the reason names the engine's error,
    and the staging dir is removed."""
    engine = FakeEngine()
    serve_rie(engine, servers, vanish_on=2)
    session = Session(engine)
    options = ExecOptions(events=EVENTS, network=NetworkMode.HOST)
    result = run_target(engine, session, plan, options, quiet)
    assert [(i.event_name, i.ok) for i in result.invocations] == [("first", True)]
    assert result.skipped is not None
    assert result.skipped.startswith("engine inspect container failed: No such container")
    assert result.execution is not None and result.execution.network == "host"
    assert engine.containers == {} and session_dirs(session) == []


def test_both_events_run_when_the_container_stays(plan: Plan,
                                                  servers: list[RieServer]) -> None:
    """The same fake without the loss: the control for the test above."""
    engine = FakeEngine()
    serve_rie(engine, servers, vanish_on=0)
    session = Session(engine)
    options = ExecOptions(events=EVENTS, network=NetworkMode.HOST)
    result = run_target(engine, session, plan, options, quiet)
    assert [(i.event_name, i.ok) for i in result.invocations] == [("first", True),
                                                                  ("second", True)]
    assert result.skipped is None
    assert engine.containers == {} and session_dirs(session) == []


def test_a_start_the_engine_refuses_leaves_no_staging_dir(plan: Plan) -> None:
    """A fake: the engine refuses to start the container."""
    engine = FakeEngine()
    engine.fail["start"] = ContainerError("engine start failed: no space left on device")
    session = Session(engine)
    result = run_target(engine, session, plan, ExecOptions(network=NetworkMode.HOST),
                        quiet)
    assert result.skipped == "engine start failed: no space left on device"
    assert result.invocations == () and result.execution is None
    assert session_dirs(session) == []


def test_a_host_port_is_never_given_to_two_containers(monkeypatch: pytest.MonkeyPatch) -> None:
    """The kernel may hand out a port again once it is closed, before the first container's
    RIE has bound it. That reuse cannot be made to happen on demand, so a scripted socket
    stands in for it (the one fake here): the second pick, offered port 5001 again, takes the
    next pair instead."""
    from checker.options import NetworkMode
    from checker.runner import invoker

    offered = iter([5001, 5002, 5001, 5003, 5004, 5005])

    class ScriptedSocket:
        def __enter__(self) -> Self:
            return self

        def __exit__(self, *_: object) -> None:
            pass

        def bind(self, address: tuple[str, int]) -> None:
            assert address == ("127.0.0.1", 0)
            self.port = next(offered)

        def getsockname(self) -> tuple[str, int]:
            return ("127.0.0.1", self.port)

    monkeypatch.setattr(invoker, "_HANDED_OUT", set())
    monkeypatch.setattr(invoker.socket, "socket", ScriptedSocket)
    first = invoker._pick_ports(NetworkMode.HOST)
    second = invoker._pick_ports(NetworkMode.HOST)
    assert (first.rie, first.runtime_api) == (5001, 5002)
    assert (second.rie, second.runtime_api) == (5004, 5005)
