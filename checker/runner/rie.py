"""Talk HTTP to the RIE on 127.0.0.1: wait until it listens, send one invoke at a time.

No proxy is ever used (HTTP_PROXY must not capture loopback traffic). Readiness asks GET "/",
which the RIE answers 404 without starting anything; GET or POST on the invoke path would run
the function.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from checker.records import record
from checker.runner import http1

INVOKE_PATH = "/2015-03-31/functions/function/invocations"
READY_PATH = "/"
_HOST = "127.0.0.1"


@record
class HttpAnswer:
    """The RIE's answer, or why there was none (error; timed_out when the client gave up)."""

    status: int | None
    body: bytes
    elapsed_ms: float
    error: str | None = None
    timed_out: bool = False

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def answers(port: int, timeout_s: float = 1.0) -> bool:
    """Whether an HTTP server answers on the port (any status)."""
    try:
        with http1.request((_HOST, port), "GET", READY_PATH, timeout=timeout_s):
            return True
    except OSError:
        return False


def wait_ready(port: int, *, within_s: float, alive: Callable[[], bool],
               cancelled: Callable[[], bool]) -> bool:
    """Poll until the RIE answers; False when `within_s` passes or the container stopped."""
    deadline = time.monotonic() + within_s
    pause = 0.002
    while time.monotonic() < deadline and not cancelled():
        if answers(port):
            return True
        if not alive():
            return False
        time.sleep(pause)
        pause = min(pause * 2, 0.05)
    return False


def invoke(port: int, payload: bytes, timeout_s: float) -> HttpAnswer:
    """POST one event; HTTP errors (the RIE's 502 for a dead runtime) are answers too."""
    started = time.monotonic()
    try:
        with http1.request((_HOST, port), "POST", INVOKE_PATH, timeout=timeout_s,
                           headers={"Content-Type": "application/json"},
                           body=payload) as response:
            return HttpAnswer(response.status, response.read(), _since(started))
    except TimeoutError:
        return HttpAnswer(None, b"", _since(started), f"no answer within {timeout_s:g} s",
                          timed_out=True)
    except OSError as error:
        return HttpAnswer(None, b"", _since(started), f"{type(error).__name__}: {error}")


def _since(started: float) -> float:
    return (time.monotonic() - started) * 1000
