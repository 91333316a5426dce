"""The garbage collector while a lambdacheck process starts.

Before it checks anything, a process imports its modules, builds its command line and loads
the catalog: some 100,000 objects that live until it exits. CPython's collector traverses
each of them in generation 0 before promoting it (about 40 collections, 10-17 ms of a 180 ms
`check` of a tiny ZIP here) and finds nothing to free. So the console script turns it off
first (`pause`), and the command turns it back on once its options are resolved (`resume`):
everything alive then goes to the permanent generation (gc.freeze: never traversed again),
and the checks of a large artifact are collected as usual. Only a collector `pause` turned
off is turned back on: one a caller turned off on purpose stays off.
"""

from __future__ import annotations

import gc

_paused = False


def pause() -> None:
    """Turn the collector off for the start-up (if it is on)."""
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume() -> None:
    """Start-up is over: freeze what it made, and turn the collector on again if pause()
    turned it off."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()
