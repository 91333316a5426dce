"""Execution of artifacts in Lambda emulator images with the real RIE (`lambdacheck run`).

Layout: spec (the container as data), unpack (artifact → mount dirs), rie (HTTP to the RIE),
logs (reading the RIE's log), outcome + expect (verdicts), extensions (extension testcases),
emulation (can this host run arm64? binfmt_misc), memory (cgroup peak and OOM kills),
connection (connect(): engine_api's LightEngine, the Engine API over a unix socket with the
standard library, or docker's DockerEngine, the only SDK user, for any other DOCKER_HOST or
LAMBDACHECK_ENGINE_CLIENT=sdk), images + archives +
rie_binary (container-image functions), session (labels, cleanup), signals (SIGTERM, deferred
Ctrl-C), invoker (one target), execute (all targets). Only the engines, memory, images, session,
invoker and execute need an engine: they take a checker.engine.Engine, so their unit tests give
them a fake one (tests/build/engine.py); the rest is pure and unit-tested without one.
`connect()` makes the real engine.

The names below load on first use, so that importing a pure module (checker.runner.emulation)
does not import the Docker SDK. Take them from here: `from checker.runner import execute`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from checker.runner.connection import connect
    from checker.runner.execute import clean_leftovers, engine_status, execute
    from checker.runner.result import ExecutionResult

__all__ = ["ExecutionResult", "clean_leftovers", "connect", "engine_status", "execute"]
_HOMES = {"ExecutionResult": "checker.runner.result", "clean_leftovers": "checker.runner.execute",
          "connect": "checker.runner.connection", "engine_status": "checker.runner.execute",
          "execute": "checker.runner.execute"}


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(home)
    for exported, exported_home in _HOMES.items():  # all of them: importing the submodule
        if exported_home == home:  # `execute` bound it here, under the function's name
            globals()[exported] = getattr(module, exported)
    return globals()[name]
