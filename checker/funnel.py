"""The single error funnel every command exits through, with or without typer.

Exit codes (errors.py): 0 passed, 1 a check failed at --fail-on, 2 usage error or unreadable
input, 3 internal error, 130 interrupted. A LambdacheckError is one line (and its hint), an
interruption one line, anything else one line naming it: never a traceback unless --debug.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from checker.errors import EXIT_INTERNAL, EXIT_INTERRUPTED, LambdacheckError


class Done(Exception):
    """A command is over, with this exit code."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def debug_split(argv: list[str] | None) -> tuple[bool, list[str]]:
    """Whether --debug was given (anywhere), and the arguments without it."""
    args = sys.argv[1:] if argv is None else argv
    return "--debug" in args, [arg for arg in args if arg != "--debug"]


def exit_code(call: Callable[[], int | None], debug: bool) -> int:
    """Run `call`; its exit code (0 when it returns None), whatever it raises."""
    try:
        returned = call()
        return returned if isinstance(returned, int) else 0
    except Done as done:
        return done.code
    except LambdacheckError as err:
        say(f"lambdacheck: error: {err.message}", err.hint)
        return err.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("\n")  # after the terminal's ^C, as click does before its Abort
        return interrupted()
    except Exception as err:  # the funnel: never a traceback unless --debug
        if debug:
            raise
        say(f"lambdacheck: internal error: {type(err).__name__}: {err}",
            "run again with --debug for the traceback, and report it")
        return EXIT_INTERNAL


def interrupted() -> int:
    say("lambdacheck: interrupted", None)
    return EXIT_INTERRUPTED


def say(message: str, hint: str | None) -> None:
    sys.stderr.write(message + "\n")
    if hint:
        sys.stderr.write(f"hint: {hint}\n")
