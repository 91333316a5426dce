"""A plain `check` or `run` command line, read without typer, exactly as click reads it.

It accepts only what it reads exactly as click does with the table the generator made of
the click commands typer builds (checker/argv/table.py): the command first; then, in any
order, positional values and the table's options, each as `--name VALUE`, `--name=VALUE` (a
long name) or `-r VALUE`, and its flags (`--fail-fast`, `--no-fail-fast`). A value converts
as typer converts it: text as is, a path to a Path (an existing one that must be readable
is), a choice to its Enum, an int or a float of plain digits within its range.

Anything else is None: the caller hands it to typer, which is the command line. That covers
--help, an unknown, misspelled or bundled option, a missing or empty value, a value or
positional starting with '-', `--`, a flag given a value, an option that takes one value
given twice, a choice or number click would refuse, an unreadable path, and shell
completion. So typer prints every usage error and help text itself, and the two parsers
agree on everything this one accepts (tests/unit/argv compares them option by option).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from checker.argv.table import COMMANDS, Kind

COMPLETION_VAR = "_LAMBDACHECK_COMPLETE"  # click's shell-completion switch for lambdacheck


def parse(args: list[str]) -> tuple[str, dict[str, Any]] | None:
    """The command `args` name and its parameters (every one, named as checker/cli.py's
    function names them), or None for anything this parser does not read as click does."""
    if not args or args[0] not in COMMANDS or COMPLETION_VAR in os.environ:
        return None
    options, flags, argument, defaults = COMMANDS[args[0]]
    given: dict[str, Any] = {}
    positional: list[Any] = []
    tokens = iter(args[1:])
    for token in tokens:
        if not token or token == "-" or token == "--":
            return None
        if token[0] != "-":
            positional.append(token)
            continue
        if token in flags:
            name, flag = flags[token]
            if name in given:
                return None
            given[name] = flag
            continue
        option, equals, attached = token.partition("=")
        if equals and not option.startswith("--"):
            return None  # click reads -r=x as -r with the value "=x"
        if option not in options:
            return None
        name, kind, multiple = options[option]
        value = attached if equals else next(tokens, None)
        if not value or value[0] == "-":
            return None
        converted = _convert(kind, value)
        if converted is None:
            return None
        if multiple:
            given[name] = (*given.get(name, ()), converted)
        elif name in given:
            return None
        else:
            given[name] = converted
    if argument is not None:
        name, kind = argument
        values = tuple(_convert(kind, value) for value in positional)
        if None in values:
            return None
        if values:
            given[name] = values
    elif positional:
        return None
    kinds = {name: kind for name, kind, _ in options.values()}
    parameters = {name: _default(kinds.get(name), default) for name, default in defaults.items()}
    parameters.update(given)
    return args[0], parameters


def _default(kind: Kind | None, default: Any) -> Any:
    """A parameter's value when it is not given: its default, a choice's as its Enum."""
    if kind is not None and kind[0] == "choice" and default is not None:
        return _convert(kind, default)
    return default


def _convert(kind: Kind, value: str) -> Any:
    """`value` as typer passes it to the command, or None where click might not accept it."""
    if kind[0] == "text":
        return value
    if kind[0] == "path":
        if kind[1] and not _readable(value):
            return None
        return Path(value)
    if kind[0] == "choice":
        if value not in kind[1]:
            return None
        import importlib

        return getattr(importlib.import_module(kind[2]), kind[3])(value)
    number: int | float
    if kind[0] == "int" and value.isascii() and value.isdigit():
        number = int(value)
    elif kind[0] == "float" and _decimal(value):
        number = float(value)
    else:
        return None
    low, high = kind[1], kind[2]
    if (low is not None and number < low) or (high is not None and number > high):
        return None
    return number


def _readable(value: str) -> bool:
    """Whether click's Path(readable=True) accepts `value`: a missing path is, an existing
    one only if it can be read."""
    try:
        Path(value).stat()
    except ValueError:  # a NUL in the name: typer's own error, whatever it is
        return False
    except OSError:
        return True
    return os.access(value, os.R_OK)


def _decimal(value: str) -> bool:
    """Digits with at most one '.', at least one digit: what float() reads the same in every
    locale and click reads as this float."""
    digits = value.replace(".", "", 1)
    return digits.isascii() and digits.isdigit()
