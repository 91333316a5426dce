"""The composite action's own `run:` steps, executed as a GitHub runner would.

Each step's `env:` is filled from the inputs (defaults from action.yml) exactly as GitHub
substitutes `${{ inputs.* }}`; the scripts run with `bash --noprofile --norc -eo pipefail` in a
simulated job (GITHUB_WORKSPACE, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, RUNNER_TEMP,
GITHUB_ACTION_PATH = this checkout). The install step really builds and installs lambdacheck
into a venv (once per module); setup-python is replaced by the interpreter running the tests.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.build.zips import File, make_zip

REPO = Path(__file__).resolve().parents[2]
ACTION: dict[str, Any] = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
STEPS: list[dict[str, Any]] = ACTION["runs"]["steps"]
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
HANDLER = b"def handler(event, context):\n    return {'ok': True}\n"


@dataclass(frozen=True)
class StepRun:
    returncode: int
    stdout: str
    stderr: str
    outputs: dict[str, str]  # the action's outputs, mapped from the step's $GITHUB_OUTPUT
    summary: str


def run_step(name: str) -> dict[str, Any]:
    (step,) = [s for s in STEPS if s.get("name") == name]
    return step


def expression_value(expression: str, inputs: Mapping[str, str]) -> str:
    if expression.startswith("inputs."):
        key = expression.removeprefix("inputs.")
        return inputs.get(key, str(ACTION["inputs"][key].get("default", "")))
    if expression == "steps.python.outputs.python-path":
        return sys.executable
    raise AssertionError(f"action.yml uses an expression the test does not know: {expression}")


def step_env(step: Mapping[str, Any], inputs: Mapping[str, str]) -> dict[str, str]:
    return {name: EXPRESSION.sub(lambda m: expression_value(m.group(1), inputs), str(value))
            for name, value in step.get("env", {}).items()}


def job_env(job: Path) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items()
            if not k.startswith(("GITHUB_", "INPUT_", "RUNNER_"))}
    return {**keep, "GITHUB_ACTIONS": "true", "CI": "true",
            "GITHUB_WORKSPACE": str(job / "workspace"),
            "GITHUB_OUTPUT": str(job / "github_output"),
            "GITHUB_STEP_SUMMARY": str(job / "step_summary.md"),
            "GITHUB_ACTION_PATH": str(REPO),
            "RUNNER_TEMP": str(job / "runner_temp")}


def execute(step: Mapping[str, Any], inputs: Mapping[str, str], job: Path,
            timeout: float) -> subprocess.CompletedProcess[str]:
    script = job / "step.sh"
    script.write_text(step["run"], encoding="utf-8")
    assert step["shell"] == "bash"
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                          cwd=job / "workspace", env={**job_env(job), **step_env(step, inputs)},
                          capture_output=True, text=True, timeout=timeout, check=False)


def parse_github_output(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    while lines:
        line = lines.pop(0)
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            body = []
            while (item := lines.pop(0)) != delimiter:
                body.append(item)
            values[name] = "\n".join(body)
        else:
            name, _, value = line.partition("=")
            values[name] = value
    return values


def action_outputs(step_outputs: Mapping[str, str]) -> dict[str, str]:
    mapped = {}
    for name, spec in ACTION["outputs"].items():
        match = EXPRESSION.fullmatch(spec["value"])
        assert match is not None
        key = match.group(1).removeprefix("steps.lambdacheck.outputs.")
        mapped[name] = step_outputs.get(key, "")
    return mapped


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A job folder whose RUNNER_TEMP holds the venv the install step made."""
    job = tmp_path_factory.mktemp("job")
    (job / "workspace").mkdir()
    (job / "runner_temp").mkdir()
    done = execute(run_step("Install lambdacheck"), {}, job, timeout=600)
    assert done.returncode == 0, done.stderr
    assert (job / "runner_temp" / "lambdacheck-venv" / "bin" / "lambdacheck").exists()
    return job / "runner_temp"


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    folder = tmp_path / "workspace"
    (folder / "dist").mkdir(parents=True)
    for name in ("orders.zip", "users.zip"):
        make_zip(folder / "dist" / name, [File("app.py", HANDLER, mode=0o644)])
    return folder


def run_action(workspace: Path, installed: Path, **inputs: str) -> StepRun:
    job = workspace.parent
    if not (job / "runner_temp").exists():
        (job / "runner_temp").symlink_to(installed)
    done = execute(run_step("Run lambdacheck"), inputs, job, timeout=600)
    summary = job / "step_summary.md"
    return StepRun(done.returncode, done.stdout, done.stderr,
                   action_outputs(parse_github_output(job / "github_output")),
                   summary.read_text(encoding="utf-8") if summary.exists() else "")


def test_the_action_is_thin_pinned_and_takes_inputs_through_env_only() -> None:
    (setup,) = [s for s in STEPS if "uses" in s]
    assert re.fullmatch(r"actions/setup-python@[0-9a-f]{40}", setup["uses"])
    assert setup["with"]["update-environment"] is False
    for step in STEPS:
        if "run" in step:
            assert "${{" not in step["run"], step["name"]
            for value in step.get("env", {}).values():
                assert EXPRESSION.fullmatch(str(value)), value
    assert ACTION["inputs"]["junit-path"]["default"] == "lambdacheck-junit.xml"
    assert set(ACTION["outputs"]) == {"junit-path", "passed", "failed", "skipped", "result"}


def test_pre_commit_hook_definition() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    (hook,) = hooks
    assert hook["id"] == "lambdacheck"
    assert hook["language"] == "python"
    assert hook["entry"] == "lambdacheck check"
    assert hook["pass_filenames"] is True
    assert re.search(hook["files"], "build/fn.zip")
    assert not re.search(hook["files"], "build/fn.zip.sha256")


@pytest.mark.slow
def test_good_artifacts_from_a_glob_pass_with_outputs_and_summary(
        workspace: Path, installed: Path) -> None:
    # No registry is reachable here: python3.12's emulator image cannot be pulled, so the
    # execution is reported as skipped instead of failing the step (exit 2).
    run = run_action(workspace, installed, artifacts="dist/*.zip", runtime="python3.12",
                     handler="app.handler", args="--allow-skip-exec")

    assert run.returncode == 0, run.stdout + run.stderr
    junit = workspace / "lambdacheck-junit.xml"
    assert "dist/orders.zip on python3.12" in junit.read_text(encoding="utf-8")
    assert "dist/users.zip on python3.12" in junit.read_text(encoding="utf-8")
    assert run.outputs["result"] == "pass"
    assert run.outputs["junit-path"] == "lambdacheck-junit.xml"
    assert run.outputs["failed"] == "0"
    assert int(run.outputs["passed"]) > 0
    assert "| Target | Result | Errors | Warnings | Invokes |" in run.summary


@pytest.mark.slow
def test_a_bad_handler_fails_the_step_with_an_annotation(workspace: Path,
                                                         installed: Path) -> None:
    run = run_action(workspace, installed, command="check", artifacts="dist/orders.zip",
                     runtime="python3.12", handler="missing.handler", **{"junit-path": ""})

    assert run.returncode == 1, run.stdout + run.stderr
    assert "::error file=dist/orders.zip,title=lambdacheck handler" in run.stdout
    assert run.outputs["result"] == "fail"
    assert int(run.outputs["failed"]) >= 1
    assert not (workspace / "lambdacheck-junit.xml").exists()


@pytest.mark.slow
def test_args_are_split_like_a_shell_but_never_evaluated(workspace: Path,
                                                         installed: Path) -> None:
    quoted = run_action(workspace, installed, command="check", artifacts="dist/users.zip",
                        runtime="python3.12", args="--handler 'app.handler'")
    assert quoted.returncode == 0, quoted.stdout + quoted.stderr

    hostile = run_action(workspace, installed, command="check", runtime="python3.12",
                         artifacts="$(touch pwned) `touch pwned2`", args="--handler ';touch x'")
    assert hostile.returncode == 2, hostile.stdout + hostile.stderr
    assert "$(touch: no such file or directory" in hostile.stdout + hostile.stderr
    assert not {"pwned", "pwned2", "x"} & {p.name for p in workspace.iterdir()}


@pytest.mark.slow
def test_unbalanced_args_and_unknown_command_stop_before_lambdacheck(workspace: Path,
                                                                     installed: Path) -> None:
    unbalanced = run_action(workspace, installed, artifacts="dist/users.zip",
                            runtime="python3.12", args="--handler 'app.handler")
    assert unbalanced.returncode == 1
    assert "::error title=lambdacheck::cannot split args: No closing quotation" in (
        unbalanced.stderr)

    unknown = run_action(workspace, installed, command="deploy", artifacts="dist/users.zip")
    assert unknown.returncode == 2
    assert "::error title=lambdacheck::command must be run or check" in unknown.stdout
