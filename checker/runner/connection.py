"""connect(): the engine everything that runs containers or reads docker-daemon images uses.

A unix socket (DOCKER_HOST unset, empty or unix://PATH) gets engine_api.LightEngine, the
Engine API spoken with the standard library: `run` then never imports the Docker SDK. Any
other DOCKER_HOST (tcp://, ssh://, TLS with DOCKER_TLS_VERIFY/DOCKER_CERT_PATH) gets the SDK's
DockerEngine (docker.py), which handles those.

LAMBDACHECK_ENGINE_CLIENT=sdk forces the SDK on a unix socket too (an escape hatch, and how
the tests run both clients on the same engine); unset, empty or `auto`: the choice above.

connect_early() starts connecting in the background (the `run` command calls it before its
modules import: the engine answers its first request meanwhile); the next connect() takes
that engine, or raises what connecting raised, as if it had connected itself.
"""

from __future__ import annotations

import os
import threading

from checker.engine import Engine
from checker.errors import EngineUnavailable
from checker.runner.engine_api import LightEngine
from checker.workers import Workers

ENGINE_CLIENT_ENV = "LAMBDACHECK_ENGINE_CLIENT"
_CHOICES = ("auto", "sdk")
# connect_early's connecting, and what it connects to (_where())
_early: list[tuple[Workers[None, Engine], tuple[str, ...]]] = []
_early_lock = threading.Lock()


def _where(timeout_s: float) -> tuple[str, ...]:
    """What decides the engine connect() reaches: an early connection is only taken for the
    same (in one command it always is; tests change DOCKER_HOST between commands)."""
    return (os.environ.get("DOCKER_HOST", ""), os.environ.get(ENGINE_CLIENT_ENV, ""),
            os.environ.get("DOCKER_TLS_VERIFY", ""), os.environ.get("DOCKER_CERT_PATH", ""),
            str(timeout_s))


def connect_early(timeout_s: float = 10.0) -> None:
    """Connect as connect() does, in a thread of its own, for the next connect() to take. A
    daemon thread: a command that ends first (bad input) is not kept waiting for an engine."""
    connecting = Workers(lambda _: _connect(timeout_s), [None], 1, name="lambdacheck-connect",
                         daemon=True)
    with _early_lock:
        _early.clear()  # one left by a command that never connected: dropped
        _early.append((connecting, _where(timeout_s)))


def connect(timeout_s: float = 10.0) -> Engine:
    """The engine DOCKER_HOST (or the default socket) names, connected; EngineUnavailable
    when none answers, it is older than API 1.41, or LAMBDACHECK_ENGINE_CLIENT is not one of
    auto, sdk. The first call after connect_early() takes what that connected."""
    with _early_lock:
        early = _early.pop() if _early else None
    if early is None or early[1] != _where(timeout_s):
        return _connect(timeout_s)
    return early[0].first()  # raises what connecting raised


def _connect(timeout_s: float) -> Engine:
    if use_sdk():
        from checker.runner.docker import DockerEngine  # the SDK: only for what needs it

        return DockerEngine.connect(timeout_s)
    return LightEngine.connect(timeout_s, registry_auth=_registry_auth)


def use_sdk() -> bool:
    """Whether connect() would use the Docker SDK."""
    choice = os.environ.get(ENGINE_CLIENT_ENV, "").strip().lower() or "auto"
    if choice not in _CHOICES:
        raise EngineUnavailable(f"{ENGINE_CLIENT_ENV} is {choice!r}; it can be "
                                f"{' or '.join(_CHOICES)}")
    host = os.environ.get("DOCKER_HOST") or ""
    return choice == "sdk" or (bool(host) and not host.startswith("unix://"))


def _registry_auth(repository: str) -> str | None:
    """Pull credentials from the Docker client config, read by the SDK (only called when a
    config file exists)."""
    from checker.runner.docker import registry_auth_header

    return registry_auth_header(repository)
