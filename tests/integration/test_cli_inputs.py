"""Hostile and odd small inputs on the real command line: FIFOs, /dev/zero, bad bytes, big events.

Each case runs lambdacheck in its own process with a 20 s timeout, so a regression that blocks
on a FIFO or reads /dev/zero forever fails the test instead of hanging the suite. Bad input
must end in exit 2 with one error line (and at most a hint): no traceback, no internal error.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.build.zips import File, make_zip

ROOT = Path(__file__).resolve().parents[2]
APP = File("app.py", b"def handler(event, context):\n    return event\n")


def lambdacheck(*args: str | bytes | Path, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "checker", *args], capture_output=True,
                          cwd=cwd, timeout=20, check=False,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def assert_input_error(result: subprocess.CompletedProcess[bytes], needle: str) -> None:
    stderr = result.stderr.decode("utf-8", "backslashreplace")
    assert result.returncode == 2, stderr
    lines = stderr.splitlines()
    assert len(lines) in (1, 2), stderr
    assert lines[0].startswith("lambdacheck: error: "), stderr
    assert len(lines) == 1 or lines[1].startswith("hint: "), stderr
    assert "Traceback" not in stderr and "internal error" not in stderr
    assert needle in lines[0], stderr


@pytest.fixture
def project(tmp_path: Path) -> Path:
    make_zip(tmp_path / "fn.zip", [APP])
    os.mkfifo(tmp_path / "pipe")
    return tmp_path


SPECIAL = [("pipe", "is a FIFO (named pipe), not a regular file"),
           ("/dev/zero", "is a character device, not a regular file")]
CHECK = ("check", "fn.zip", "--runtime", "python3.12", "--handler", "app.handler")
RUN = ("run", "fn.zip", "--runtime", "python3.12", "--handler", "app.handler")


@pytest.mark.parametrize(("special", "why"), SPECIAL)
@pytest.mark.parametrize("option", ["--env-file", "--event"])
def test_run_inputs_that_are_not_regular_files(project: Path, option: str, special: str,
                                               why: str) -> None:
    assert_input_error(lambdacheck(*RUN, option, special, cwd=project), why)


@pytest.mark.parametrize(("special", "why"), SPECIAL)
def test_runtime_file_that_is_not_a_regular_file(project: Path, special: str, why: str) -> None:
    assert_input_error(lambdacheck(*CHECK, "--runtime-file", special, cwd=project),
                       f"runtime file {special}: {why}")


@pytest.mark.parametrize(("special", "why"), SPECIAL)
def test_template_that_is_not_a_regular_file(project: Path, special: str, why: str) -> None:
    assert_input_error(lambdacheck("check", "--template", special, cwd=project), why)


def test_env_file_not_utf8(project: Path) -> None:
    (project / "latin1.env").write_bytes(b"CITY=K\xf6ln\n")
    assert_input_error(lambdacheck(*RUN, "--env-file", "latin1.env", cwd=project),
                       "env file latin1.env: not UTF-8 text (invalid byte at line 1)")


def test_env_option_with_a_name_the_config_rejects(project: Path) -> None:
    assert_input_error(lambdacheck(*RUN, "--env", "MY-VAR=1", cwd=project),
                       "--env 'MY-VAR': not a valid environment variable name")


def test_event_folder_holding_a_fifo(project: Path) -> None:
    events = project / "events"
    events.mkdir()
    (events / "get.json").write_text("{}")
    os.mkfifo(events / "stuck.json")
    assert_input_error(lambdacheck(*RUN, "--event", "events", cwd=project),
                       "event file events/stuck.json: is a FIFO")


def test_project_config_that_is_a_fifo(project: Path) -> None:
    os.mkfifo(project / "lambdacheck.toml")
    assert_input_error(lambdacheck("check", cwd=project),
                       f"config file {project / 'lambdacheck.toml'}: is a FIFO (named pipe)")
    assert_input_error(lambdacheck("check", "--config", "pipe", cwd=project),
                       "config file pipe: is a FIFO (named pipe)")


def test_event_over_the_payload_limit_is_a_finding(project: Path) -> None:
    (project / "big.json").write_bytes(b'["' + b"x" * (7 * 1_048_576 - 4) + b'"]')
    (project / "lambdacheck.toml").write_text("""\
[[functions]]
name = "api"
artifact = "fn.zip"
runtime = "python3.12"
handler = "app.handler"
events = ["big.json"]
""")
    result = lambdacheck("check", cwd=project)
    stdout = result.stdout.decode()
    assert result.returncode == 1, stdout + result.stderr.decode()
    assert ("  error    limits  [7340032 bytes]: event big is 7 MB (7,340,032 bytes); Lambda's "
            "synchronous payload limit is 6 MB [S52] (Invoke returns "
            "RequestEntityTooLargeException); it is not sent\n") in stdout


def test_summary_of_a_file_name_that_is_not_utf8(project: Path) -> None:
    name = b"fn\xff.zip"
    make_zip(Path(os.fsdecode(project / os.fsdecode(name))), [APP])
    result = lambdacheck(b"check", name, b"--runtime", b"python3.12", b"--handler",
                         b"app.handler", b"--summary", b"summary.md", cwd=project)
    assert result.returncode == 0, result.stderr.decode("utf-8", "backslashreplace")
    summary = (project / "summary.md").read_text(encoding="utf-8")
    assert "| fn\\\\xff.zip on python3.12 (x86\\_64) | ✅ pass |" in summary
