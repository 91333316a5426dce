"""Generate checker/argv/table.py: check's and run's options as the click commands typer builds
of checker/cli.py define them, for the typer-free parser of a plain command line
(checker/argv/parse.py).

    python3 scripts/generate_argv_table.py [--check]

--check writes nothing: exit 1 (and a diff) if the committed table differs from what cli.py
gives now. The tests run it, so a changed option that was not regenerated fails CI.

Only what that parser reads exactly as click does goes into the table; a parameter it cannot
(a callback, an environment variable, a prompt, a required option, a path that must exist, a
type it does not convert, a context setting that changes parsing) stops the generation with
its name, instead of a table that would parse it differently. The output is deterministic and
the same with every typer the project supports (typer's own click or the standalone one).
"""

from __future__ import annotations

import argparse
import difflib
import enum
import pprint
import sys
import typing
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TABLE = ROOT / "checker" / "argv" / "table.py"
FAST = ("check", "run")  # the commands a plain command line may reach without typer

class TableError(Exception):
    """A parameter the typer-free parser cannot read exactly as click does."""


# click's type names, and those of the click typer 0.28 carries (typer._click)
_TYPE_NAMES = {"str": "text", "integer": "int", "integer range": "int", "int range": "int",
               "float range": "float"}


def _kind(param: Any, hint: Any) -> tuple[Any, ...]:
    """The kind of a parameter's values (its click type, and the Enum typer converts to)."""
    kind = param.type
    name = _TYPE_NAMES.get(kind.name, kind.name)
    if name == "text":
        return ("text",)
    if name == "path":
        expected = {"exists": False, "file_okay": True, "dir_okay": True, "writable": False,
                    "executable": False, "resolve_path": False, "allow_dash": False,
                    "type": None}  # "type" is path_type; typer's own Path has no executable
        actual = {key: getattr(kind, key, False) for key in expected}
        if actual != expected:
            raise TableError(f"{param.name}: a path with {actual} (only {expected} is read "
                             "without typer)")
        return ("path", bool(kind.readable))
    if name == "choice":
        enums = [arg for arg in _flat(hint) if isinstance(arg, type) and issubclass(arg, enum.Enum)]
        if len(enums) != 1 or getattr(kind, "case_sensitive", True) is not True:
            raise TableError(f"{param.name}: a choice that is not one case-sensitive Enum")
        values = tuple(str(choice.value) if isinstance(choice, enum.Enum) else str(choice)
                       for choice in kind.choices)
        if values != tuple(str(member.value) for member in enums[0]):
            raise TableError(f"{param.name}: choices {values} are not its Enum's values")
        return ("choice", values, enums[0].__module__, enums[0].__qualname__)
    if name in ("int", "float"):
        if getattr(kind, "min_open", False) or getattr(kind, "max_open", False) or \
                getattr(kind, "clamp", False):
            raise TableError(f"{param.name}: an open or clamped range")
        return (name, getattr(kind, "min", None), getattr(kind, "max", None))
    raise TableError(f"{param.name}: values of type {name!r}")


def _flat(hint: Any) -> list[Any]:
    """A type hint's types, through Annotated, X | None and list[X]."""
    args = typing.get_args(hint)
    if not args:
        return [hint]
    if typing.get_origin(hint) is typing.Annotated:
        return _flat(args[0])
    return [flat for arg in args for flat in _flat(arg)]


def _default(param: Any) -> Any:
    default = param.default
    if param.multiple or param.nargs == -1:
        if default not in (None, (), []):
            raise TableError(f"{param.name}: a default {default!r} for several values")
        return ()
    if isinstance(default, enum.Enum):
        return default.value
    if default is None or isinstance(default, (bool, int, float, str)):
        return default
    raise TableError(f"{param.name}: a default {default!r}")


def _refuse_what_click_does_besides_parsing(param: Any) -> None:
    checks = {
        "a callback": param.callback is not None,
        "an environment variable": bool(param.envvar),
        "eager": param.is_eager,
        "not passed to the function": not param.expose_value,
        "required": param.required,
        "deprecated": bool(getattr(param, "deprecated", False)),
        "a prompt": bool(getattr(param, "prompt", None)),
        "a count": bool(getattr(param, "count", False)),
    }
    for what, found in checks.items():
        if found:
            raise TableError(f"{param.name}: {what}")


def describe(command: Any, function: Callable[..., object]) -> dict[str, Any]:
    """One command's options, flags, argument and defaults, from its click command and the
    function typer made it of (for the Enum a choice converts to)."""
    settings = ("allow_interspersed_args", "ignore_unknown_options", "allow_extra_args")
    if (command.allow_interspersed_args, command.ignore_unknown_options,
            command.allow_extra_args, command.context_settings) != (True, False, False, {}):
        raise TableError(f"{command.name}: context settings {settings} or "
                         f"{command.context_settings} change how click parses")
    hints = typing.get_type_hints(function, include_extras=True)
    options: dict[str, tuple[str, tuple[Any, ...], bool]] = {}
    flags: dict[str, tuple[str, bool]] = {}
    argument: tuple[str, tuple[Any, ...]] | None = None
    defaults: dict[str, Any] = {}
    for param in command.params:
        _refuse_what_click_does_besides_parsing(param)
        defaults[param.name] = _default(param)
        if param.param_type_name == "argument":
            if argument is not None or param.nargs != -1:
                raise TableError(f"{param.name}: only one argument, taking any number of "
                                 "values, is read without typer")
            argument = (param.name, _kind(param, hints[param.name]))
            continue
        names = [*param.opts, *param.secondary_opts]
        if any(not name.startswith("-") or name == "--" for name in names):
            raise TableError(f"{param.name}: an option name without '-' or '--'")
        if param.is_flag:
            if param.type.name != "boolean" or param.multiple or \
                    not isinstance(param.default, bool):
                raise TableError(f"{param.name}: a flag that is not a plain boolean")
            flags.update(dict.fromkeys(param.opts, (param.name, True)))
            flags.update(dict.fromkeys(param.secondary_opts, (param.name, False)))
            continue
        if param.nargs != 1 or param.secondary_opts:
            raise TableError(f"{param.name}: an option taking {param.nargs} values")
        kind = _kind(param, hints[param.name])
        options.update({name: (param.name, kind, bool(param.multiple)) for name in param.opts})
    return {"options": options, "flags": flags, "argument": argument, "defaults": defaults}


def table_source() -> str:
    """The text of checker/argv/table.py for the current checker/cli.py."""
    sys.path.insert(0, str(ROOT))
    import typer  # the generator reads what typer builds; the parser never imports it

    from checker import cli

    group = typer.main.get_command(cli.build_app(*FAST))
    if getattr(group, "context_settings", {}) != {}:
        raise TableError(f"the app's context settings {group.context_settings} change parsing")
    functions = {"check": cli.check, "run": cli.run}
    lines = [
        '"""check\'s and run\'s options as click parses them: what checker/argv/parse.py reads.',
        "",
        "Generated by scripts/generate_argv_table.py from the click commands typer builds of",
        "checker/cli.py. Do not edit: the tests regenerate it and compare.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from typing import Any",
        "",
        "# A kind says how a value converts: (\"text\",); (\"path\", readable): an existing path",
        "# must be readable when readable is True; (\"choice\", values, enum module, enum name);",
        "# (\"int\", min, max) and (\"float\", min, max), None for no bound.",
        "Kind = tuple[Any, ...]",
        "Options = dict[str, tuple[str, Kind, bool]]  # name: parameter, kind, multiple",
        "Flags = dict[str, tuple[str, bool]]  # name: parameter, value",
        "Argument = tuple[str, Kind] | None  # the parameter taking every positional value",
        "Defaults = dict[str, Any]  # parameter: its value when not given (a choice's value)",
        "",
        "Table = dict[str, tuple[Options, Flags, Argument, Defaults]]",
        "",
    ]
    table = {}
    for name in FAST:
        described = describe(group.commands[name], functions[name])  # type: ignore[attr-defined]
        table[name] = (described["options"], described["flags"], described["argument"],
                       described["defaults"])
    # width 80: the first line also holds "COMMANDS: Table = ", and ruff allows 100
    lines.append(f"COMMANDS: Table = {pprint.pformat(table, width=80, sort_dicts=False)}")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if the committed table is not current")
    args = parser.parse_args(argv)
    try:
        text = table_source()
    except TableError as err:
        print(f"generate_argv_table: {err}", file=sys.stderr)
        return 2
    if args.check:
        committed = TABLE.read_text(encoding="utf-8") if TABLE.exists() else ""
        if committed == text:
            return 0
        sys.stdout.writelines(difflib.unified_diff(
            committed.splitlines(keepends=True), text.splitlines(keepends=True),
            str(TABLE.relative_to(ROOT)), "generated"))
        print("generate_argv_table: the table is not current: run "
              "python3 scripts/generate_argv_table.py", file=sys.stderr)
        return 1
    TABLE.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
