"""Execution of artifacts in Lambda emulator images with the real RIE (`lambdacheck run`).

Layout: spec (the container as data), unpack (artifact → mount dirs), rie (HTTP to the RIE),
logs (reading the RIE's log), outcome + expect (verdicts), memory (cgroup peak and OOM kills),
docker (the only SDK user), session (labels, cleanup), signals (SIGTERM, deferred Ctrl-C),
invoker (one target), execute (all targets). Only docker, memory, session, invoker and execute
need an engine; the rest is pure and unit-tested without one.
"""

from __future__ import annotations

from checker.runner.execute import clean_leftovers, engine_status, execute
from checker.runner.result import ExecutionResult

__all__ = ["ExecutionResult", "clean_leftovers", "engine_status", "execute"]
