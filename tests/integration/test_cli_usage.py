"""Usage errors as a new user meets them, through the installed `lambdacheck` entry point.

Whatever click parses the command line (typer 0.29 brings its own, earlier typers use the
standalone click), a usage error exits 2 with that click's own "Usage: ... Error: ..." text,
never 3 with "internal error"; --help exits 0 and reads like a person's help, not like type
annotations. scripts/test.sh runs this module both with the newest and the lowest declared
versions of the dependencies.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sysconfig
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def entry_point() -> Path:
    """The console script pip wrote for this interpreter (the one a user types)."""
    script = Path(sysconfig.get_path("scripts")) / "lambdacheck"
    if script.is_file():
        return script
    found = shutil.which("lambdacheck")
    if found is None:
        pytest.fail("no installed `lambdacheck` entry point: pip install -e '.[dev]' first")
    return Path(found)


def lambdacheck(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"}
    return subprocess.run([str(entry_point()), *args], capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=60, check=False)


@pytest.mark.parametrize(("args", "message"), [
    (("chek",), "No such command 'chek'"),
    (("check", "--bogus"), "No such option: --bogus"),
    (("check", "--runtime"), "Option '--runtime' requires an argument"),
    (("check", "x.zip", "--format", "xml"), "Invalid value for '--format'"),
    (("run", "x.zip", "--memory", "0"), "Invalid value for '--memory'"),
    (("run", "x.zip", "--jobs", "0"), "Invalid value for '--jobs'"),
    (("runtimes", "show"), "Missing argument"),
], ids=["unknown-command", "unknown-option", "option-without-value", "bad-choice",
        "memory-0", "jobs-0", "missing-argument"])
def test_a_usage_error_exits_2_with_clicks_message(args: tuple[str, ...], message: str) -> None:
    result = lambdacheck(*args)
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert lines, "nothing on stderr"
    assert lines[-1].startswith("Error: "), result.stderr
    assert message in lines[-1]
    assert "Traceback" not in result.stderr
    assert "internal error" not in result.stderr
    assert result.stdout == ""


def test_a_usage_error_shows_the_commands_usage() -> None:
    result = lambdacheck("check", "x.zip", "--format", "xml")
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("Usage: lambdacheck check [OPTIONS] ")
    assert "Try 'lambdacheck check --help' for help." in result.stderr
    for choice in ("text", "json", "github"):
        assert choice in result.stderr


@pytest.mark.parametrize("command", [(), ("check",), ("run",), ("plan",), ("inspect",),
                                     ("clean",), ("runtimes",), ("runtimes", "show"),
                                     ("runtimes", "probe")], ids=" ".join)
def test_help_exits_0_and_names_values_as_a_person_would(command: tuple[str, ...]) -> None:
    result = lambdacheck(*command, "--help")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Usage: lambdacheck {' '.join(command)}".rstrip() in result.stdout
    assert result.stderr == ""
    assert "list[" not in result.stdout, result.stdout  # <list[Path]>: a type, not a word


@pytest.mark.parametrize("command", ["check", "run", "plan"])
def test_help_names_the_values(command: str) -> None:
    shown = lambdacheck(command, "--help").stdout
    # typer 0.29 decorates the metavar ("[ARTIFACT]..."), earlier typers print it as it is
    assert re.search(rf"Usage: lambdacheck {command} \[OPTIONS\] \[?ARTIFACT\b", shown), shown
    assert "ARTIFACT: a deployment ZIP, an unpacked folder or a container image" in " ".join(
        shown.split())
    rows = {line.split()[1]: line.split()[2:] for line in shown.splitlines()
            if line.split()[1:2] and line.split()[1].startswith("--")}
    for option, metavar in (("--layer", "ZIP"), ("--runtime-file", "FILE"), ("--arch", "ARCH"),
                            ("--image-function", "NAME=REF"), ("--config", "FILE")):
        assert metavar in rows[option][:3], (option, rows.get(option))


def test_version_exits_0() -> None:
    result = lambdacheck("--version")
    assert (result.returncode, result.stdout.split()[0]) == (0, "lambdacheck"), result.stderr


def test_ctrl_c_exits_130(tmp_path: Path) -> None:
    """SIGINT while `clean` waits for an engine that accepts and never answers: 130, no trace.

    The "engine" is a real unix socket that reads the SDK's request and stays silent, so the
    process is blocked in a real read when the signal comes (no network, no Docker needed)."""
    sock_path = tmp_path / "engine.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(sock_path))
    server.listen(4)
    server.settimeout(0.2)
    env = {**os.environ, "DOCKER_HOST": f"unix://{sock_path}"}
    connections: list[socket.socket] = []
    with subprocess.Popen(
            [str(entry_point()), "clean"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True,
            # A background job's children inherit an ignored SIGINT; a user's shell gives the
            # default. The child only resets one signal disposition before exec (no locks).
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # noqa: PLW1509
    ) as process:
        try:
            asked = _wait_for_a_request(server, connections, process)
            if asked:
                process.send_signal(signal.SIGINT)
            _, stderr = process.communicate(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
            for connection in connections:
                connection.close()
            server.close()
    assert asked, f"the CLI never sent its request to the engine: {stderr}"
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr


def _wait_for_a_request(server: socket.socket, connections: list[socket.socket],
                        process: subprocess.Popen[str]) -> bool:
    """Accept connections until one carries an HTTP request (the SDK's, not the bare probe)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        try:
            connection, _ = server.accept()
        except TimeoutError:
            continue
        connections.append(connection)
        connection.settimeout(5)
        try:
            if connection.recv(4096).split(b" ", 1)[0] in (b"GET", b"HEAD", b"POST"):
                return True
        except OSError:
            continue
    return False
