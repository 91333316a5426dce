"""Signals during a run, in the main thread (elsewhere these change nothing).

termination_interrupts: SIGTERM and SIGHUP raise KeyboardInterrupt, as SIGINT does, so the
`finally` blocks that remove containers run when CI cancels a job.
deferred_interrupts: during cleanup, SIGINT/SIGTERM/SIGHUP are held and raised as
KeyboardInterrupt once it is done, so a second Ctrl-C cannot strand a container.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from types import FrameType

_Handler = Callable[[int, FrameType | None], None]


@contextlib.contextmanager
def _handling(numbers: tuple[signal.Signals, ...], handler: _Handler) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {number: signal.getsignal(number) for number in numbers}
    for number in numbers:
        signal.signal(number, handler)
    try:
        yield
    finally:
        for number, old in previous.items():
            signal.signal(number, old)


def _raise_interrupt(number: int, frame: FrameType | None) -> None:
    del frame
    raise KeyboardInterrupt(f"signal {signal.Signals(number).name}")


def termination_interrupts() -> contextlib.AbstractContextManager[None]:
    return _handling((signal.SIGTERM, signal.SIGHUP), _raise_interrupt)


@contextlib.contextmanager
def deferred_interrupts() -> Iterator[None]:
    received: list[int] = []

    def hold(number: int, frame: FrameType | None) -> None:
        del frame
        received.append(number)

    with _handling((signal.SIGINT, signal.SIGTERM, signal.SIGHUP), hold):
        yield
    if received:
        raise KeyboardInterrupt(f"signal {signal.Signals(received[0]).name}")
