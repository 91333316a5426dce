"""checker.workers: the threads `run` works on (its containers, its static checks, its early
connection to the engine), on real threads."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from checker.workers import Workers


def test_the_workers_run_up_to_jobs_at_once_and_yield_results_as_they_finish() -> None:
    """At most `jobs` items at a time, each result as soon as it is done (a slow first item
    does not hold back the others), a worker's exception raised in the caller. Real threads;
    plain values stand in for plans and results."""
    running, peak = [0], [0]
    lock = threading.Lock()
    release_first = threading.Event()

    def work(plan: Any) -> Any:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        try:
            if plan == 0:
                assert release_first.wait(5)
            time.sleep(0.02)
            if plan == 3:
                raise RuntimeError("plan 3 broke")
            return plan
        finally:
            with lock:
                running[0] -= 1

    workers = Workers(work, [0, 1, 2, 3, 4], 2, name="test")
    results = workers.results()
    try:
        assert [next(results), next(results)] == [1, 2]  # plan 0 is still running
        with pytest.raises(RuntimeError, match="plan 3 broke"):
            next(results)
        release_first.set()
        assert sorted(workers.results()) == [0, 4]
        assert workers.all_done()
    finally:
        release_first.set()
        workers.close()
    assert peak[0] == 2


def test_closed_workers_start_no_further_plan() -> None:
    started: list[int] = []
    release = threading.Event()

    def work(plan: int) -> int:
        started.append(plan)
        assert release.wait(5)
        return plan

    workers = Workers(work, [0, 1, 2], 1, name="test")
    deadline = time.monotonic() + 5
    while not started and time.monotonic() < deadline:
        time.sleep(0.005)
    closer = threading.Thread(target=workers.close)
    closer.start()  # it stops what waits, then waits for plan 0
    while workers._waiting and time.monotonic() < deadline:
        time.sleep(0.005)
    release.set()
    closer.join(5)
    assert not closer.is_alive()
    assert started == [0]


def test_thread_names_and_daemons() -> None:
    """One thread carries the name itself, several are numbered (the run timeline and the
    static checks' thread show them); daemon only when asked (connecting early)."""
    seen: list[tuple[str, bool]] = []

    def work(_: int) -> None:
        seen.append((threading.current_thread().name, threading.current_thread().daemon))

    list(Workers(work, [0], 1, name="one", daemon=True).results())
    several = Workers(work, [0, 1, 2, 3], 2, name="many")
    list(several.results())
    several.close()
    assert seen[0] == ("one", True)
    assert {name for name, _ in seen[1:]} <= {"many_0", "many_1"}
    assert not any(daemon for _, daemon in seen[1:])
