"""scripts/generate_argv_table.py: the committed checker/argv/table.py is what checker/cli.py
gives now, and a parameter the typer-free parser cannot read as click does stops the
generation, named, instead of going into the table.

The refusals are shown on small real typer commands, one per thing click does besides
parsing (or parses otherwise)."""

from __future__ import annotations

import enum
import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Annotated, Any

import pytest
import typer

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "scripts" / "generate_argv_table.py"


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_argv_table", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_table_is_current() -> None:
    done = subprocess.run([sys.executable, str(SCRIPT), "--check"], capture_output=True,
                          text=True, cwd=ROOT, check=False, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_stale_table_is_named_with_a_diff(tmp_path: Path) -> None:
    module = generator()
    module.TABLE = tmp_path / "table.py"
    module.TABLE.write_text(module.table_source().replace("--jobs", "--job"))
    module.ROOT = tmp_path
    assert module.main(["--check"]) == 1


def command_of(function: Any) -> tuple[Any, Any]:
    app = typer.Typer()
    app.command(function.__name__)(function)
    app.command("other")(lambda: None)  # two commands: a group, as lambdacheck's
    group = typer.main.get_command(app)
    return group.commands[function.__name__], function  # type: ignore[attr-defined]


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


def by_envvar(name: Annotated[str, typer.Option(envvar="NAME")] = "x") -> None: ...
def by_callback(name: Annotated[str, typer.Option(callback=lambda v: v)] = "x") -> None: ...
def by_required(name: Annotated[str, typer.Option()]) -> None: ...
def by_existing(path: Annotated[Path | None, typer.Option(exists=True)] = None) -> None: ...
def by_count(verbose: Annotated[int, typer.Option(count=True)] = 0) -> None: ...
def by_two_values(pair: Annotated[tuple[int, int] | None, typer.Option()] = None) -> None: ...
def by_open_range(n: Annotated[int, typer.Option(min=1, clamp=True)] = 1) -> None: ...
def by_any_case(fmt: Annotated[Color, typer.Option(case_sensitive=False)] = Color.RED) -> None:
    ...



def by_argument(name: Annotated[str, typer.Argument()] = "x") -> None: ...
def by_eager(name: Annotated[bool, typer.Option(is_eager=True)] = False) -> None: ...


REFUSED = {by_envvar: "an environment variable", by_callback: "a callback",
           by_required: "required", by_existing: "a path with", by_count: "a count",
           by_two_values: "taking 2 values", by_open_range: "an open or clamped range",
           by_argument: "only one argument", by_eager: "eager",
           by_any_case: "not one case-sensitive Enum"}


@pytest.mark.parametrize("function", list(REFUSED), ids=lambda f: f.__name__)
def test_what_click_does_besides_parsing_stops_the_generation(function: Any) -> None:
    module = generator()
    with pytest.raises(module.TableError) as refused:
        module.describe(*command_of(function))
    assert REFUSED[function] in str(refused.value)
    assert str(refused.value).split(":")[0] in function.__code__.co_varnames


def test_a_plain_command_is_described_as_click_reads_it() -> None:
    def plain(files: Annotated[list[Path], typer.Argument()] = [],  # noqa: B006
              name: Annotated[list[str], typer.Option("--name", "-n")] = [],  # noqa: B006
              jobs: Annotated[int, typer.Option(min=1, max=8)] = 2,
              fast: bool = False) -> None: ...

    described = generator().describe(*command_of(plain))
    assert described == {
        "options": {"--name": ("name", ("text",), True), "-n": ("name", ("text",), True),
                    "--jobs": ("jobs", ("int", 1, 8), False)},
        "flags": {"--fast": ("fast", True), "--no-fast": ("fast", False)},
        "argument": ("files", ("path", True)),
        "defaults": {"files": (), "name": (), "jobs": 2, "fast": False},
    }
