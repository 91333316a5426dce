"""Project config: [tool.lambdacheck] in pyproject.toml and lambdacheck.toml, on real files."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from checker.errors import ConfigError
from checker.project_config import (
    FunctionSpec,
    ProjectConfig,
    ProjectDefaults,
    load_project_config,
)
from checker.suppress import Ignore

PYPROJECT = """\
[project]
name = "orders"

[tool.lambdacheck]
runtime = ["python3.12", "python3.13"]
arch = "arm64"
layers = ["build/deps.zip"]
memory = 512
timeout = 10
fail-on = "warning"
junit = "reports/lambdacheck.xml"
runtime-files = ["ci/custom-runtime.toml"]

[tool.lambdacheck.env]
STAGE = "test"

[[tool.lambdacheck.functions]]
name = "api"
artifact = "dist/api.zip"
handler = "app.handler"
events = ["events/get.json", "events/post.json"]
expect = { statusCode = 200 }
env = { TABLE = "orders" }

[[tool.lambdacheck.functions]]
name = "worker"
artifact = "dist/worker"
runtime = "provided.al2023"
arch = ["x86_64", "arm64"]
layers = []
timeout = 2.5
expect = '{"ok": true}'
"""
NAMES = "expected a string or a non-empty array of strings"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def load_error(folder: Path, name: str, text: str) -> ConfigError:
    write(folder, name, text)
    with pytest.raises(ConfigError) as caught:
        load_project_config(folder, None)
    return caught.value


def test_pyproject_tool_table_is_read_with_paths_relative_to_its_folder(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", PYPROJECT)

    config = load_project_config(tmp_path, None)

    assert config == ProjectConfig(
        defaults=ProjectDefaults(
            function=FunctionSpec(
                runtimes=("python3.12", "python3.13"),
                arches=("arm64",),
                layers=(tmp_path / "build/deps.zip",),
                memory_mb=512,
                timeout_s=10.0,
                env=(("STAGE", "test"),),
            ),
            fail_on="warning",
            junit=tmp_path / "reports/lambdacheck.xml",
            runtime_files=(tmp_path / "ci/custom-runtime.toml",),
        ),
        functions=(
            FunctionSpec(
                name="api",
                artifact=tmp_path / "dist/api.zip",
                handler="app.handler",
                events=(tmp_path / "events/get.json", tmp_path / "events/post.json"),
                expect='{"statusCode": 200}',
                env=(("TABLE", "orders"),),
            ),
            FunctionSpec(
                name="worker",
                artifact=tmp_path / "dist/worker",
                runtimes=("provided.al2023",),
                arches=("x86_64", "arm64"),
                layers=(),
                timeout_s=2.5,
                expect='{"ok": true}',
            ),
        ),
        source_path=tmp_path / "pyproject.toml",
    )


def test_lambdacheck_toml_has_top_level_keys_and_wins_over_pyproject(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", PYPROJECT)
    write(tmp_path, "lambdacheck.toml", 'runtime = "nodejs22.x"\n'
                                        '[[functions]]\nartifact = "fn.zip"\n')

    config = load_project_config(tmp_path, None)

    assert config is not None
    assert config.source_path == tmp_path / "lambdacheck.toml"
    assert config.defaults.function.runtimes == ("nodejs22.x",)
    assert config.functions == (FunctionSpec(artifact=tmp_path / "fn.zip"),)


def test_explicit_file_paths_are_relative_to_that_file(tmp_path: Path) -> None:
    ci = tmp_path / "ci"
    ci.mkdir()
    explicit = write(ci, "checks.toml", 'template = "../template.yaml"\n')

    config = load_project_config(tmp_path, explicit)

    assert config is not None
    assert config.defaults.template == ci / "../template.yaml"


def test_no_config_is_none_and_pyproject_without_the_table_too(tmp_path: Path) -> None:
    assert load_project_config(tmp_path, None) is None
    write(tmp_path, "pyproject.toml", '[project]\nname = "x"\n')
    assert load_project_config(tmp_path, None) is None


def test_explicit_pyproject_without_the_table_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "pyproject.toml", '[project]\nname = "x"\n')
    with pytest.raises(ConfigError, match=r"no \[tool.lambdacheck\] table"):
        load_project_config(tmp_path, path)


def test_explicit_file_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"config file not found: .*missing\.toml"):
        load_project_config(tmp_path, tmp_path / "missing.toml")


def test_unknown_key_names_file_key_path_and_nearest_valid_key(tmp_path: Path) -> None:
    text = PYPROJECT.replace("timeout = 2.5", "memroy = 256")

    error = load_error(tmp_path, "pyproject.toml", text)

    assert error.message == (f"{tmp_path / 'pyproject.toml'}: tool.lambdacheck.functions[1]."
                             "memroy: unknown key (did you mean 'memory'?)")
    assert error.hint is not None
    assert "valid keys: arch, artifact, env, events, expect, handler" in error.hint


def test_unknown_top_level_key_in_lambdacheck_toml(tmp_path: Path) -> None:
    error = load_error(tmp_path, "lambdacheck.toml", 'fail_on = "error"\n')
    assert error.message.endswith("lambdacheck.toml: fail_on: unknown key "
                                  "(did you mean 'fail-on'?)")


def test_unknown_key_without_a_near_match_has_no_guess(tmp_path: Path) -> None:
    error = load_error(tmp_path, "lambdacheck.toml", "colour = true\n")
    assert error.message.endswith("colour: unknown key")


def test_expect_is_not_a_default(tmp_path: Path) -> None:
    error = load_error(tmp_path, "lambdacheck.toml", 'expect = "{}"\n')
    assert "expect: unknown key" in error.message


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ("memory = \"512\"", "memory: expected an integer (MB), got a string"),
        ("memory = true", "memory: expected an integer (MB), got a boolean"),
        ("memory = 64", "memory: 64 MB is outside Lambda's range 128..10240"),
        ("timeout = 901", "timeout: 901 s is outside Lambda's range 1..900"),
        ("timeout = 0.5", "timeout: 0.5 s is outside Lambda's range 1..900"),
        ("timeout = [1]", "timeout: expected a number of seconds, got an array"),
        ("runtime = 3", f"runtime: {NAMES}, got an integer"),
        ("runtime = []", f"runtime: {NAMES}, got an empty array"),
        ("arch = [\"arm64\", 7]", "arch[1]: expected a string, got an integer"),
        ("layers = \"deps.zip\"", "layers: expected an array of strings, got a string"),
        ("handler = \"\"", "handler: must not be empty"),
        ("fail-on = \"fatal\"", "fail-on: 'fatal' is not one of error, warning, info"),
        ("env = { DEBUG = 1 }", "env.DEBUG: expected a string, got an integer"),
        ("env = { 1X = \"a\" }", "env.1X: not a valid environment variable name"),
        ("env = \"A=1\"", "env: expected a table of strings, got a string"),
        ("functions = { name = \"x\" }",
         "functions: expected an array of tables ([[functions]])"),
        ("junit = 2024-01-01", "junit: expected a string, got a date/time"),
    ],
)
def test_wrong_types_name_the_key(tmp_path: Path, toml: str, expected: str) -> None:
    error = load_error(tmp_path, "lambdacheck.toml", toml + "\n")
    assert error.message == f"{tmp_path / 'lambdacheck.toml'}: {expected}"


def test_bad_expect_json_and_missing_artifact(tmp_path: Path) -> None:
    error = load_error(tmp_path, "lambdacheck.toml",
                       '[[functions]]\nartifact = "a.zip"\nexpect = "{nope"\n')
    assert "functions[0].expect: not valid JSON" in error.message
    error = load_error(tmp_path, "lambdacheck.toml", '[[functions]]\nname = "a"\n')
    assert error.message.endswith("functions[0].artifact: missing")


def test_duplicate_function_names(tmp_path: Path) -> None:
    error = load_error(tmp_path, "lambdacheck.toml",
                       '[[functions]]\nname = "a"\nartifact = "a.zip"\n'
                       '[[functions]]\nname = "a"\nartifact = "b.zip"\n')
    assert error.message.endswith("functions[1].name: duplicate function name 'a'")


def test_invalid_toml_is_one_line_with_position(tmp_path: Path) -> None:
    error = load_error(tmp_path, "lambdacheck.toml", 'runtime = "python3.12\n')
    assert error.message.startswith(f"{tmp_path / 'lambdacheck.toml'}: invalid TOML: ")
    assert "line 1" in error.message


def test_template_functions_may_omit_artifact(tmp_path: Path) -> None:
    write(tmp_path, "lambdacheck.toml",
          'template = "template.yaml"\n[[functions]]\nname = "Hello"\n'
          'events = ["e.json"]\n')
    config = load_project_config(tmp_path, None)
    assert config is not None
    assert config.functions == (FunctionSpec(name="Hello", events=(tmp_path / "e.json",)),)


def test_allow_skip_exec_is_a_boolean_run_option(tmp_path: Path) -> None:
    write(tmp_path, "lambdacheck.toml", "allow-skip-exec = true\n")
    config = load_project_config(tmp_path, None)
    assert config is not None
    assert config.defaults.allow_skip_exec is True
    write(tmp_path, "lambdacheck.toml", 'runtime = "python3.12"\n')
    unset = load_project_config(tmp_path, None)
    assert unset is not None and unset.defaults.allow_skip_exec is None
    error = load_error(tmp_path, "lambdacheck.toml", 'allow-skip-exec = "yes"\n')
    assert error.message.endswith("allow-skip-exec: expected true or false, got a string")


def test_allow_outside_paths_is_a_per_run_default(tmp_path: Path) -> None:
    write(tmp_path, "lambdacheck.toml", 'template = "template.yaml"\nallow-outside-paths = true\n')
    config = load_project_config(tmp_path, None)
    assert config is not None
    assert config.defaults.allow_outside_paths is True
    assert config.defaults.template == tmp_path / "template.yaml"


def test_allow_outside_paths_must_be_a_boolean(tmp_path: Path) -> None:
    error = load_error(tmp_path, "lambdacheck.toml", 'allow-outside-paths = "yes"\n')
    assert error.message == (f"{tmp_path / 'lambdacheck.toml'}: allow-outside-paths: "
                             "expected true or false, got a string")


def test_twenty_thousand_functions_load_and_a_late_duplicate_is_named(tmp_path: Path) -> None:
    # The duplicate check is a set lookup: 20,000 functions took 45 s with a scan per function.
    count = 20_000
    blocks = "".join(f'[[functions]]\nname = "fn{i}"\nartifact = "dist/fn{i}.zip"\n\n'
                     for i in range(count))
    write(tmp_path, "lambdacheck.toml", 'runtime = "python3.12"\n\n' + blocks)
    started = time.perf_counter()
    config = load_project_config(tmp_path, None)
    elapsed = time.perf_counter() - started
    assert config is not None
    assert len(config.functions) == count
    assert config.functions[-1] == FunctionSpec(name=f"fn{count - 1}",
                                                artifact=tmp_path / f"dist/fn{count - 1}.zip")
    assert elapsed < 30, f"{elapsed:.1f} s for {count} functions"  # ~1 s here; generous

    write(tmp_path, "lambdacheck.toml",
          blocks + '[[functions]]\nname = "fn7"\nartifact = "again.zip"\n')
    with pytest.raises(ConfigError) as caught:
        load_project_config(tmp_path, None)
    assert caught.value.message == (f"{tmp_path / 'lambdacheck.toml'}: functions[{count}].name: "
                                    "duplicate function name 'fn7'")


@pytest.mark.parametrize("value", ["[" * 3000 + "]" * 3000, "{a = " * 3000 + "1" + "}" * 3000])
def test_deep_toml_is_a_config_error_not_a_recursion_error(tmp_path: Path, value: str) -> None:
    error = load_error(tmp_path, "lambdacheck.toml", f"runtime = {value}\n")
    assert error.message == f"{tmp_path / 'lambdacheck.toml'}: nested too deeply to read"


def test_ignore_entries_are_read_with_their_key_paths(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", """
[tool.lambdacheck]
ignore = [
  { rule = "needed-libraries", path = "vendor/legacy/*.so", runtime = "python3.12", \
reason = "loaded only on x86 hosts" },
  { rule = "architecture", arch = "aarch64", reason = "arm64 build is separate" },
]
""")
    config = load_project_config(tmp_path)
    assert config is not None
    assert config.defaults.ignores == (
        Ignore(rule="needed-libraries", reason="loaded only on x86 hosts",
               path="vendor/legacy/*.so", runtime="python3.12", arch=None,
               where="tool.lambdacheck.ignore[0]"),
        Ignore(rule="architecture", reason="arm64 build is separate", path="*",
               runtime=None, arch="arm64", where="tool.lambdacheck.ignore[1]"))


@pytest.mark.parametrize(("entry", "expected"), [
    ('{ rule = "architecture" }', "tool.lambdacheck.ignore[0].reason: missing"),
    ('{ reason = "why" }', "tool.lambdacheck.ignore[0].rule: missing"),
    ('{ rule = "architecture", reason = "" }', "tool.lambdacheck.ignore[0].reason: must not be"),
    ('{ rule = "a", reason = "b", arch = "sparc" }',
     "tool.lambdacheck.ignore[0].arch: unknown architecture 'sparc'"),
    ('{ rule = "a", reason = "b", reasn = "c" }',
     "tool.lambdacheck.ignore[0].reasn: unknown key (did you mean 'reason'?)"),
    ('{ rule = "a", reason = "b", path = 3 }',
     "tool.lambdacheck.ignore[0].path: expected a string, got an integer"),
])
def test_ignore_entry_errors_name_the_key_path(tmp_path: Path, entry: str,
                                               expected: str) -> None:
    error = load_error(tmp_path, "pyproject.toml", f"[tool.lambdacheck]\nignore = [{entry}]\n")
    assert expected in error.message
    assert "\n" not in error.message


def test_ignore_must_be_an_array_of_tables(tmp_path: Path) -> None:
    error = load_error(tmp_path, "lambdacheck.toml", 'ignore = "architecture"\n')
    assert "ignore: expected an array of tables" in error.message
