"""checker/funnel.py: every way a command ends, one line each, the same whichever parser read
the command line (checker/argv for a plain check, typer for the rest)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from checker import cli, commands, launch
from checker.errors import InputError
from checker.funnel import Done, debug_split, exit_code


def raising(error: BaseException) -> Callable[..., None]:
    def command(**_: Any) -> None:
        raise error
    return command


ENDINGS = {
    "done": (Done(1), 1, ""),
    "error": (InputError("cannot read x.zip", "is it a ZIP?"), 2,
              "lambdacheck: error: cannot read x.zip\nhint: is it a ZIP?\n"),
    "interrupted": (KeyboardInterrupt(), 130, "\nlambdacheck: interrupted\n"),
    "internal": (ZeroDivisionError("division by zero"), 3,
                 ("lambdacheck: internal error: ZeroDivisionError: division by zero\n"
                  "hint: run again with --debug for the traceback, and report it\n")),
}


@pytest.mark.parametrize("ending", list(ENDINGS))
@pytest.mark.parametrize("entry", ["plain", "typer"])
def test_each_ending_is_its_exit_code_and_one_line(
        ending: str, entry: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    error, code, stderr = ENDINGS[ending]
    monkeypatch.setattr(commands, "check", raising(error))
    main = launch.main if entry == "plain" else cli.main
    with pytest.raises(SystemExit) as done:
        main(["check", "x.zip"])
    assert done.value.code == code
    assert capsys.readouterr() == ("", stderr)


def test_debug_shows_the_traceback_of_an_internal_error_only() -> None:
    assert debug_split(["check", "--debug", "x.zip"]) == (True, ["check", "x.zip"])
    with pytest.raises(ZeroDivisionError):
        exit_code(raising(ZeroDivisionError()), debug=True)
    assert exit_code(raising(InputError("no")), debug=True) == 2
    assert exit_code(lambda: None, debug=False) == 0
