"""Option precedence, resolved once: command line > project config / template > defaults.

Real files throughout: ZIPs written with make_zip, configs written as TOML and read the way
`lambdacheck` reads them, event files on disk.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.errors import ConfigError, UsageError
from checker.findings import Severity
from checker.options import Event, OutputFormat
from checker.project_config import FunctionSpec, ProjectConfig, ProjectDefaults
from checker.resolve import (
    CommandLine,
    ExecLine,
    merge,
    resolve,
    resolve_functions,
    resolve_targets,
)
from tests.build.zips import File, make_zip

HANDLER = [File("app.py", b"def handler(e, c):\n    return e\n")]
CONFIG = """\
fail-on = "warning"
junit = "reports/junit.xml"
memory = 512
allow-skip-exec = true

[env]
STAGE = "config"
TABLE = "orders"

[[functions]]
name = "api"
artifact = "fn.zip"
runtime = "python3.12"
handler = "app.handler"
events = ['{"from": "config"}']
"""


def project(folder: Path, config: str = CONFIG) -> Path:
    make_zip(folder / "fn.zip", HANDLER)
    (folder / "lambdacheck.toml").write_text(config, encoding="utf-8")
    return folder


def run_line(**changes: object) -> CommandLine:
    return CommandLine(execute=ExecLine(**changes))  # type: ignore[arg-type]


# ---- the command line over the config over the defaults --------------------------------------

def test_config_values_apply_when_the_command_line_is_silent(tmp_path: Path) -> None:
    run = resolve(run_line(), project(tmp_path), environ={}, tty=False)
    (target,) = run.targets
    assert run.report.fail_on is Severity.WARNING
    assert run.report.junit == tmp_path / "reports/junit.xml"
    assert run.execute is not None and run.execute.allow_skip is True
    assert target.memory_mb == 512
    assert target.timeout_s == 3.0  # Lambda's default: neither line nor config sets it
    assert target.events == (Event(name="inline", payload='{"from": "config"}'),)
    assert target.env == (("STAGE", "config"), ("TABLE", "orders"))


def test_the_command_line_wins(tmp_path: Path) -> None:
    line = CommandLine(fail_on="error", junit=tmp_path / "mine.xml", execute=ExecLine(
        memory_mb=1024, timeout_s=7.0, events=('{"from": "line"}',), require_exec=True))
    run = resolve(line, project(tmp_path), environ={}, tty=False)
    (target,) = run.targets
    assert run.report.fail_on is Severity.ERROR
    assert run.report.junit == tmp_path / "mine.xml"
    assert run.execute is not None and run.execute.allow_skip is False
    assert (target.memory_mb, target.timeout_s) == (1024, 7.0)
    assert target.events == (Event(name="inline", payload='{"from": "line"}'),)


def test_expect_alone_on_the_command_line_replaces_the_configured_events(tmp_path: Path) -> None:
    run = resolve(run_line(expect='{"ok": true}'), project(tmp_path), environ={}, tty=False)
    (target,) = run.targets
    assert target.events == (Event(name="default", payload="{}", expect='{"ok": true}'),)


def test_a_functions_own_env_wins_over_env_options_by_name(tmp_path: Path) -> None:
    run = resolve(run_line(env=("STAGE=line", "EXTRA=1")), project(tmp_path), environ={},
                  tty=False)
    (target,) = run.targets
    assert target.env == (("STAGE", "config"), ("EXTRA", "1"), ("TABLE", "orders"))


def test_defaults_without_any_config(tmp_path: Path) -> None:
    make_zip(tmp_path / "fn.zip", HANDLER)
    line = CommandLine(artifacts=(tmp_path / "fn.zip",), runtimes=("python3.12",))
    run = resolve(line, tmp_path, environ={}, tty=False)
    (target,) = run.targets
    assert run.execute is None  # check
    assert (run.report.fail_on, run.report.junit) == (Severity.ERROR, None)
    assert (target.memory_mb, target.timeout_s, target.env) == (128, 3.0, ())
    assert target.events == (Event(name="default", payload="{}"),)


def test_allow_skip_and_require_exec_contradict(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="contradict each other"):
        resolve(run_line(allow_skip_exec=True, require_exec=True), project(tmp_path),
                environ={}, tty=False)


@pytest.mark.parametrize(("fmt", "tty", "environ", "color"), [
    (OutputFormat.TEXT, True, {}, True),
    (OutputFormat.TEXT, False, {}, False),
    (OutputFormat.TEXT, True, {"NO_COLOR": ""}, False),
    (OutputFormat.JSON, True, {}, False),
])
def test_color_only_for_text_on_a_terminal_without_no_color(
        tmp_path: Path, fmt: OutputFormat, tty: bool, environ: dict[str, str],
        color: bool) -> None:
    run = resolve(CommandLine(fmt=fmt), project(tmp_path), environ=environ, tty=tty)
    assert run.report.color is color
    assert run.report.github is False


def test_github_actions_is_read_from_the_given_environment(tmp_path: Path) -> None:
    run = resolve(CommandLine(), project(tmp_path), environ={"GITHUB_ACTIONS": "true"},
                  tty=False)
    assert run.report.github is True


def test_a_bad_image_function_pair_is_a_usage_error_before_anything_is_read(
        tmp_path: Path) -> None:
    (tmp_path / "lambdacheck.toml").write_text("not = [valid", encoding="utf-8")
    with pytest.raises(UsageError, match="--image-function expects NAME=REF"):
        resolve_targets(CommandLine(image_functions=("Api",)), tmp_path)


# ---- events in a project config --------------------------------------------------------------

def test_config_accepts_inline_json_events_as_the_command_line_does(tmp_path: Path) -> None:
    make_zip(tmp_path / "fn.zip", [File("app.py", b"def handler(e, c):\n    return e\n")])
    (tmp_path / "events").mkdir()
    (tmp_path / "events" / "get.json").write_text('{"path": "/"}')
    (tmp_path / "lambdacheck.toml").write_text("""\
[[functions]]
name = "api"
artifact = "fn.zip"
runtime = "python3.12"
handler = "app.handler"
events = ['{"n": 1}', "events/get.json", ' {"n": 2}']
""")
    (target,) = resolve_targets(CommandLine(), tmp_path).targets
    assert target.events is not None
    assert [(e.name, e.payload) for e in target.events] == [
        ("inline", '{"n": 1}'), ("get", '{"path": "/"}'), ("inline #2", ' {"n": 2}')]


# ---- layering function specs ---------------------------------------------------------------

def test_merge_overrides_set_fields_and_merges_env_by_key() -> None:
    base = FunctionSpec(name="api", artifact=Path("a.zip"), runtimes=("python3.12",),
                        layers=(Path("deps.zip"),), memory_mb=512,
                        env=(("STAGE", "test"), ("TABLE", "orders")))
    overrides = FunctionSpec(runtimes=("python3.13",), layers=(), timeout_s=5.0,
                             env=(("STAGE", "ci"), ("EXTRA", "1")))

    assert merge(base, overrides) == FunctionSpec(
        name="api", artifact=Path("a.zip"), runtimes=("python3.13",), layers=(),
        memory_mb=512, timeout_s=5.0,
        env=(("STAGE", "ci"), ("TABLE", "orders"), ("EXTRA", "1")),
    )
    assert merge(base, FunctionSpec()) == base


def test_resolve_functions_layers_defaults_template_and_config(tmp_path: Path) -> None:
    defaults = FunctionSpec(runtimes=("python3.12",), memory_mb=256, env=(("A", "1"),))
    config = ProjectConfig(
        defaults=ProjectDefaults(function=defaults),
        functions=(
            FunctionSpec(name="Hello", events=(Path("e.json"),), env=(("B", "2"),)),
            FunctionSpec(name="extra", artifact=Path("x.zip")),
        ),
        source_path=tmp_path / "lambdacheck.toml",
    )
    discovered = (FunctionSpec(name="Hello", artifact=Path("hello"), memory_mb=128,
                               env=(("A", "template"),)),)

    assert resolve_functions(config, discovered) == (
        FunctionSpec(name="Hello", artifact=Path("hello"), runtimes=("python3.12",),
                     events=(Path("e.json"),), memory_mb=128,
                     env=(("A", "template"), ("B", "2"))),
        FunctionSpec(name="extra", artifact=Path("x.zip"), runtimes=("python3.12",),
                     memory_mb=256, env=(("A", "1"),)),
    )


def test_resolve_functions_rejects_a_name_the_template_lacks(tmp_path: Path) -> None:
    config = ProjectConfig(defaults=ProjectDefaults(),
                           functions=(FunctionSpec(name="Ghost"),),
                           source_path=tmp_path / "lambdacheck.toml")
    with pytest.raises(ConfigError, match="function 'Ghost' has no artifact"):
        resolve_functions(config, ())
