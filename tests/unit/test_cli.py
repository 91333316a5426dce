"""checker/cli.py's start-up: main() builds only the command argv names, and what a user sees
through that short path (--help, usage errors, exit codes) is what the full app shows.

The full app is reached through the same entry with `--` first (`lambdacheck -- check --help`
is click's own spelling of `lambdacheck check --help`): argv that starts with no command name
gets every command registered, as every call did before the short path existed.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
import typer

from checker.cli import COMMANDS, app_for, main

EVERY = sorted(COMMANDS)


def registered(args: list[str]) -> list[str]:
    return sorted(typer.main.get_command(app_for(args)).commands)  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", EVERY)
def test_a_command_first_in_argv_is_the_only_one_built(name: str) -> None:
    assert registered([name, "--help"]) == [name]
    assert registered([name]) == [name]


@pytest.mark.parametrize("args", [[], ["--help"], ["--version"], ["chek"], ["--", "check"],
                                  ["--bogus", "check"], ["runtime"]],
                         ids=["none", "help", "version", "typo", "dashdash", "option-first",
                              "prefix"])
def test_the_top_level_and_typos_get_every_command(args: list[str]) -> None:
    assert registered(args) == EVERY
    assert EVERY == ["check", "clean", "inspect", "plan", "run", "runtimes"]


def test_shell_completion_gets_every_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("_LAMBDACHECK_COMPLETE", "bash_complete")
    assert registered(["check"]) == EVERY


def _call(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[object, str, str]:
    with pytest.raises(SystemExit) as done:
        main(args)
    out, err = capsys.readouterr()
    return done.value.code, out, err


SHORT_PATH_CASES = [
    *([name, "--help"] for name in EVERY),
    ["runtimes", "show", "--help"], ["runtimes", "probe", "--help"],
    ["check", "--bogus"], ["check", "--runtime"], ["check", "x.zip", "--format", "xml"],
    ["check", "--hel"], ["run", "x.zip", "--memory", "0"], ["run", "--fail-fast=3"],
    ["plan", "--max-jobs", "0"], ["inspect"], ["clean", "extra"], ["runtimes", "show"],
    ["runtimes", "shwo"], ["runtimes", "--for"], ["runtimes", "probe", "img"],
]


@pytest.mark.parametrize("args", SHORT_PATH_CASES, ids=" ".join)
def test_the_short_path_shows_what_the_full_app_shows(
        args: list[str], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("TERM", "dumb")
    short = _call(args, capsys)
    full = _call(["--", *args], capsys)
    assert short == full
    code, out, err = short
    if "--help" in args:
        assert (code, err) == (0, "")
        assert f"Usage: lambdacheck {' '.join(args[:-1])} [OPTIONS]" in out
    else:
        assert (code, out) == (2, "")
        assert err.splitlines()[-1].startswith("Error: "), err
        assert "Traceback" not in err


def test_importing_the_cli_leaves_the_core_and_the_standalone_click_unloaded() -> None:
    """What a command needs is imported in its function; typer 0.28 parses with a click of its
    own, so the standalone click (~18 ms) is not imported either (typer 0.18 imports it)."""
    probe = ("import sys, typer\n"
             "import checker.cli\n"
             "own = sys.modules[typer.BadParameter.__module__].__name__.startswith('typer.')\n"
             "heavy = ('checker.pipeline', 'checker.resolve', 'checker.catalog.load',\n"
             "         'checker.output', 'checker.sharding', 'checker.values', 'checker.static',\n"
             "         'checker.runner', 'docker', *(('click', 'rich') if own else ()))\n"
             "print(sorted(m for m in heavy if m in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True)
    assert done.stdout == "[]\n", done.stdout
