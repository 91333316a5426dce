"""checker.runner.session against a fake engine (tests/build/engine.py): the cleanup paths a
real engine cannot be made to take on demand."""

from __future__ import annotations

import os
import socket

import pytest

from checker.options import NetworkMode
from checker.runner.errors import Cancelled, ContainerError
from checker.runner.session import SESSION_LABEL, Session, remove_leftovers
from checker.runner.spec import ContainerSpec
from tests.build.engine import FakeContainer, FakeEngine


def spec(session: Session, name: str) -> ContainerSpec:
    return ContainerSpec(image="img", name=name, entrypoint=(), command=(), environment=(),
                         labels=tuple(session.labels(name).items()), binds=(),
                         network=NetworkMode.HOST, publish_port=None, memory_bytes=128 << 20,
                         tmpfs=(), platform=None)


def test_close_removes_every_container_when_one_removal_fails() -> None:
    """A fake: the engine refusing one removal (a real one cannot be made to on demand). The
    others are still removed, and the session's label is still swept."""
    engine = FakeEngine()
    session = Session(engine)
    first, second = (session.start(spec(session, n)) for n in ("a", "b"))
    engine.fail["remove"] = lambda cid: ContainerError("removal failed") if cid == first else None
    session.close()
    assert second in engine.removed and second not in engine.containers
    assert engine.calls.count("labelled") == 1
    assert session.cancel.is_set()


def test_close_survives_the_label_query_failing() -> None:
    """A fake: the engine failing the label query at the end of a run."""
    engine = FakeEngine()
    session = Session(engine)
    container = session.start(spec(session, "a"))
    engine.fail["labelled"] = ContainerError("engine containers failed: connection reset")
    session.close()
    assert engine.removed == [container]


def test_a_container_created_while_the_session_closes_is_removed_at_once() -> None:
    """A fake: the session closes (Ctrl-C) while the engine is still creating a worker's
    container — a race a real engine cannot be made to lose on demand."""
    engine = FakeEngine()
    session = Session(engine)

    def close_meanwhile(container_id: str, container: FakeContainer) -> None:
        del container_id, container
        session.close()

    engine.on_start = close_meanwhile
    with pytest.raises(Cancelled):
        session.start(spec(session, "late"))
    assert engine.containers == {}
    assert len(set(engine.removed)) == 1  # by the label sweep, and by start itself
    with pytest.raises(Cancelled):
        session.temp_dir()


def test_release_dir_removes_the_dir_even_after_a_failed_release_of_its_container() -> None:
    """A fake: removing the container fails; its temp dir is still removed by release_dir."""
    engine = FakeEngine()
    session = Session(engine)
    work = session.temp_dir()
    container = session.start(spec(session, "a"))
    engine.fail["remove"] = ContainerError("cannot remove container: device busy")
    with pytest.raises(ContainerError):
        session.release_container(container)
    session.release_dir(work)
    assert not work.exists()


def test_leftovers_of_a_dead_run_are_removed_and_a_live_runs_kept() -> None:
    """A fake: containers labelled by other runs, one of whose owners is this test's parent
    process (alive), the other a host:pid that cannot be alive."""
    engine = FakeEngine()
    live = f"{socket.gethostname()}:{os.getppid()}"
    dead = "some-other-host:1"
    for owner in (live, dead):
        engine._new(FakeContainer("img", {SESSION_LABEL: "x", "io.lambdacheck.managed": "1",
                                          "io.lambdacheck.owner": owner}, running=False))
    kept = next(cid for cid, c in engine.containers.items()
                if c.labels["io.lambdacheck.owner"] == live)
    assert remove_leftovers(engine) >= 1
    assert list(engine.containers) == [kept]
