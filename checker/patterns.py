"""Regular expressions compiled on first use instead of at import.

Compiling a pattern costs 0.1-0.5 ms; most of ours serve a rule, a runtime family or an option
that a given `check` never reaches, so a module-level `re.compile` would make every start-up
pay for all of them. `lazy_pattern` keeps the pattern text where it was and compiles it once,
the first time it is called.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import AnyStr


def lazy_pattern(pattern: AnyStr, flags: int = 0) -> Callable[[], re.Pattern[AnyStr]]:
    """A getter for `re.compile(pattern, flags)`: compiled on its first call, then the same
    object every time. Use as `_NAME = lazy_pattern(r"...")`, then `_NAME().match(text)`."""

    @functools.cache
    def compiled() -> re.Pattern[AnyStr]:
        return re.compile(pattern, flags)

    return compiled
