"""Work on threads of our own: what concurrent.futures' ThreadPoolExecutor and as_completed
would do, without their ~4 ms of import (they bring logging), which every `run` would pay.

`Workers(work, items, jobs)` runs `work(item)` for every item on up to `jobs` threads (named
`{name}_0`, `_1`, ... or `name` alone for one). results() yields each result as it is done, in
the calling thread (the main one: where Ctrl-C arrives); an exception `work` raised is raised
there. close() starts no further item and waits for the running ones. The threads are not
daemons unless asked: an interpreter leaving early on an error still lets them finish and clean
up their temporary files, as an executor's workers do. A daemon is for work nobody must wait
for at exit (connecting to an engine that may not answer).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Generic, TypeVar

_Item = TypeVar("_Item")
_Result = TypeVar("_Result")


class Workers(Generic[_Item, _Result]):
    """`work` for every item, on up to `jobs` threads (see the module's docstring)."""

    def __init__(self, work: Callable[[_Item], _Result], items: Sequence[_Item], jobs: int, *,
                 name: str, daemon: bool = False) -> None:
        self._work = work
        self._waiting = list(reversed(items))  # pop() gives the next one
        self._count = len(items)
        self._given = 0
        self._done: list[_Result | BaseException] = []
        self._changed = threading.Condition()
        count = min(jobs, len(items))
        self._threads = [
            threading.Thread(target=self._main, daemon=daemon,
                             name=name if count == 1 else f"{name}_{number}")
            for number in range(count)]
        for thread in self._threads:
            thread.start()

    def _main(self) -> None:
        while True:
            with self._changed:
                if not self._waiting:
                    return
                item = self._waiting.pop()
            try:
                outcome: _Result | BaseException = self._work(item)
            except BaseException as error:  # noqa: BLE001 - raised in results()
                outcome = error
            with self._changed:
                self._done.append(outcome)
                self._changed.notify_all()

    def all_done(self) -> bool:
        """Whether every item's result is there (handed out or not)."""
        with self._changed:
            return self._given + len(self._done) == self._count

    def results(self) -> Iterator[_Result]:
        """Each result as it is done; what `work` raised is raised here instead."""
        while self._given < self._count:
            with self._changed:
                while not self._done:
                    self._changed.wait()
                outcome = self._done.pop(0)
                self._given += 1
            if isinstance(outcome, BaseException):
                raise outcome
            yield outcome

    def first(self) -> _Result:
        """The next result (for one item: its result), waiting for it."""
        return next(self.results())

    def close(self) -> None:
        """Start no further item; wait for the running ones."""
        with self._changed:
            self._waiting.clear()
        for thread in self._threads:
            thread.join()
