"""checker/argv/parse.py against typer itself: every command line it accepts, the click
command typer builds of checker/cli.py reads the same (typer is called for real, with only
checker.commands' check and run replaced by a recorder, to see the parameters it passes);
everything else it leaves to typer.

The command lines are made from typer's own click parameters (every option of check and
run, each of its names, values of its type), not from the parser's table.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import typer

from checker import cli, commands
from checker.argv.parse import COMPLETION_VAR, parse

FAST = ("check", "run")


def click_params(command: str) -> list[Any]:
    group = typer.main.get_command(cli.build_app(command))
    return list(group.commands[command].params)  # type: ignore[attr-defined]


def typer_reads(args: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[str, dict[str, Any]]:
    """The command typer calls for `args` and the parameters it passes."""
    calls: list[tuple[str, dict[str, Any]]] = []
    for name in FAST:
        monkeypatch.setattr(commands, name, lambda name=name, **given: calls.append(
            (name, given)))
    cli.app_for(args)(args=args, prog_name="lambdacheck", standalone_mode=False)
    (call,) = calls
    return call


def normal(call: tuple[str, dict[str, Any]] | None) -> tuple[str, dict[str, Any]]:
    assert call is not None
    name, given = call
    return name, {key: tuple(value) if isinstance(value, list) else value
                  for key, value in given.items()}


def samples(param: Any, existing: Path) -> list[str]:
    """Values click accepts for `param`, read off its click type."""
    kind = param.type
    name = kind.name
    if name == "path":
        return ["some/where.zip", str(existing), "relative name with spaces"]
    if name == "choice":
        return [str(getattr(choice, "value", choice)) for choice in kind.choices]
    if "range" in name:
        low, high = kind.min, kind.max
        number = int if "int" in name else float
        values = [str(number(low)) if low is not None else "0", "2" if low is None else None,
                  str(number(high)) if high is not None else "4096"]
        if number is float:
            values.append(f"{(low or 0) + 0.5}")
        return [value for value in values if value is not None]
    if name in ("int", "integer"):
        return ["0", "1024", "007"]
    return ["python3.12", "a=b", "{\"k\": [1, 2]}", "ünïcode"]


def accepted_lines(existing: Path) -> list[list[str]]:
    lines: list[list[str]] = []
    for command in FAST:
        lines.append([command])
        everything = [command, "a.zip"]
        for param in click_params(command):
            if param.param_type_name == "argument":
                lines.append([command, "a.zip", str(existing), "b/c.zip"])
                continue
            if param.is_flag:
                lines.extend([command, flag] for flag in (*param.opts, *param.secondary_opts))
                everything.append(param.opts[0])
                continue
            values = samples(param, existing)
            for opt in param.opts:
                for value in values:
                    lines.append([command, opt, value])
                    if opt.startswith("--"):
                        lines.append([command, f"{opt}={value}", "x.zip"])
            if param.multiple:
                lines.append([command, "x.zip", param.opts[0], values[0], "y.zip",
                              param.opts[-1], values[-1]])
            everything += [param.opts[-1], values[0]]
        lines.append(everything)
    return lines


def test_every_line_it_accepts_typer_reads_the_same(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(COMPLETION_VAR, raising=False)
    existing = tmp_path / "there.zip"
    existing.write_bytes(b"PK")
    lines = accepted_lines(existing)
    assert len(lines) > 150
    for args in lines:
        fast = parse(args)
        assert fast is not None, args
        assert normal(fast) == normal(typer_reads(args, monkeypatch)), args


def test_the_parameters_build_the_command_line_typer_would(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The whole way to the CommandLine the command resolves (run's with its ExecLine)."""
    args = ["run", "fn.zip", "-r", "python3.12", "--event", "{}", "--memory", "512",
            "--timeout", "3", "--pull", "never", "--network", "host", "--fail-fast"]
    fast = parse(args)
    assert fast is not None
    line = commands.run_line(**fast[1])
    _, typed = typer_reads(args, monkeypatch)
    assert line == commands.run_line(**typed)
    assert line.execute is not None
    assert (line.execute.memory_mb, line.execute.timeout_s, line.runtimes) == \
        (512, 3.0, ("python3.12",))


DECLINED = [
    [], ["--version"], ["--help"], ["chek"], ["plan"], ["runtimes"], ["inspect", "f"],
    ["check", "--help"], ["check", "-h"], ["check", "--bogus"], ["check", "--runtim", "x"],
    ["check", "--runtime"], ["check", "--runtime="], ["check", "--runtime", "-x"],
    ["check", "--runtime", "--arch"], ["check", "--", "a.zip"], ["check", "-"], ["check", ""],
    ["check", "-a.zip"], ["check", "--format", "xml"], ["check", "--format", "JSON"],
    ["check", "-rpython3.12"], ["check", "-r=python3.12"], ["check", "--handler", "a",
                                                           "--handler", "b"],
    ["check", "--allow-outside-paths=true"], ["check", "--managed-instances",
                                              "--no-managed-instances"],
    ["check", "--junit", ""], ["check", "--event", "{}"],
    ["run", "--memory", "127"], ["run", "--memory", "10241"], ["run", "--memory", "+200"],
    ["run", "--memory", "2e3"], ["run", "--memory", "1_024"], ["run", "--memory", "１２８"],
    ["run", "--memory", " 512"], ["run", "--timeout", "0.5"], ["run", "--timeout", "901"],
    ["run", "--timeout", "1e2"], ["run", "--timeout", "nan"], ["run", "--timeout", "3.0.1"],
    ["run", "--jobs", "0"], ["run", "--jobs", "-1"], ["run", "--pull", "Never"],
    ["run", "--fail-fast=1"], ["run", "--ephemeral-storage"],
]


@pytest.mark.parametrize("args", DECLINED, ids=lambda args: " ".join(args) or "(none)")
def test_anything_else_is_left_to_typer(args: list[str]) -> None:
    assert parse(args) is None


def test_shell_completion_is_left_to_typer(monkeypatch: pytest.MonkeyPatch) -> None:
    assert parse(["check", "a.zip"]) is not None
    monkeypatch.setenv(COMPLETION_VAR, "bash_complete")
    assert parse(["check", "a.zip"]) is None


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_an_unreadable_existing_path_is_left_to_typer(tmp_path: Path) -> None:
    secret = tmp_path / "junit.xml"
    secret.write_text("")
    secret.chmod(0)
    assert parse(["check", "--junit", str(secret)]) is None
    assert parse(["check", str(secret)]) is not None  # the reader says why, in one line


def vocabulary(command: str, existing: Path) -> list[list[str]]:
    """Token groups a command line is made of: every option with each sample value (apart,
    joined with '=', or missing), flags, positionals, and what click reads otherwise."""
    groups: list[list[str]] = [["a.zip"], ["dir/b.zip"], [str(existing)], ["-"], ["--"], [""],
                               ["-x"], ["--nope"], ["--help"], ["=v"], ["１２８"], ["-1"]]
    for param in click_params(command):
        if param.param_type_name == "argument":
            continue
        if param.is_flag:
            groups += [[flag] for flag in (*param.opts, *param.secondary_opts)]
            groups.append([f"{param.opts[0]}=1"])
            continue
        for opt in param.opts:
            for value in [*samples(param, existing), "-v", "", "0", "x"]:
                groups.append([opt, value])
                groups.append([f"{opt}={value}"])
            groups.append([opt])
        groups.append([f"{param.opts[0][:-1]}", "v"])  # a misspelling: no prefix matching
    return groups


@pytest.mark.parametrize("command", FAST)
def test_random_command_lines_it_accepts_typer_reads_the_same(
        command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Seeded random lines of those groups: where the parser answers, typer must have read
    the line without an error and passed the same parameters."""
    import random

    monkeypatch.delenv(COMPLETION_VAR, raising=False)
    existing = tmp_path / "there.zip"
    existing.write_bytes(b"PK")
    groups = vocabulary(command, existing)
    chance = random.Random(f"lambdacheck {command}")
    accepted = 0
    for _ in range(400):
        args = [command]
        for _ in range(chance.randint(0, 6)):
            args += chance.choice(groups)
        fast = parse(args)
        if fast is None:
            continue
        accepted += 1
        assert normal(fast) == normal(typer_reads(args, monkeypatch)), args
    assert accepted >= 40, accepted  # the lines are not all declined
