"""The README's first command, `bash scripts/demo.sh`, on a fresh clone of the repository.

A clone holds only what is committed, so a demo that works only in a developer's tree (an
uncommitted file, an installed package it forgot to declare, a stale example) fails here. The
demo installs into a venv under the clone, so the developer's install is left alone; it runs the
examples in the stand-in images when the public ones cannot be pulled (as on CI).
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import signal
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import docker
import pytest

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_S = 600


def _developer_install() -> str | None:
    """Where this interpreter's lambdacheck comes from, to see that the demo left it alone."""
    try:
        distribution = importlib.metadata.distribution("lambdacheck")
    except importlib.metadata.PackageNotFoundError:
        return None
    return f"{distribution.locate_file('')} {distribution.read_text('direct_url.json')}"


def _run_demo(clone: Path) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "LAMBDACHECK_DEMO_VENV"}
    process = subprocess.Popen(["bash", "scripts/demo.sh"], cwd=clone, env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGINT)  # lambdacheck removes its containers on Ctrl-C
        stdout, stderr = process.communicate(timeout=60)
        pytest.fail(f"the demo took over {TIMEOUT_S} s:\n{stdout}\n{stderr}")
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def _section(out: str, start: str, end: str | None) -> str:
    begin = out.index(start)
    return out[begin:out.index(end, begin)] if end is not None else out[begin:]


@pytest.mark.docker
@pytest.mark.slow
def test_demo_on_a_fresh_clone(tmp_path: Path, docker_client: docker.DockerClient) -> None:
    del docker_client  # an engine and the stand-in images (else: skipped, or failed in CI)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True, timeout=120)
    before = _developer_install()

    result = _run_demo(clone)

    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    # lambdacheck's own traceback would start a line (the function's is quoted, "| Traceback")
    assert not re.search(r"^Traceback", out + result.stderr, re.MULTILINE), out + result.stderr
    assert _developer_install() == before
    assert (clone / "build" / "demo-venv" / "bin" / "lambdacheck").is_file()

    static = _section(out, "== 1. static checks", "== 2. execution")
    assert "$ lambdacheck check examples/python-hello --runtime python3.12" in static
    assert "PASS  examples/python-hello on python3.12 (x86_64)" in static
    assert "PASS  examples/shell-runtime on provided.al2023 (x86_64)" in static
    assert "PASS  examples/shell-runtime on provided.al2 (x86_64)" in static
    assert "FAIL" not in static

    run = _section(out, "== 2. execution", "== 3. one failure on purpose")
    if "cannot be pulled" in result.stderr:  # no registry here: the stand-ins, said in one line
        assert ("demo: the public image cannot be pulled here: running in the local stand-in "
                "images instead") in run
        assert "standin-python3.9" in run and "standin-provided" in run
    for example in ("python-hello", "shell-runtime"):  # each: an event and an --expect
        verdict = re.search(rf"^PASS  examples/{example} on .*?\n\n", run,
                            re.MULTILINE | re.DOTALL)
        assert verdict is not None, run
        assert "executed in " in verdict.group(0)
        assert "invoke inline: success in " in verdict.group(0)

    failure = _section(out, "== 3. one failure on purpose", "== JUnit: ")
    assert "$ lambdacheck run examples/broken-python" in failure
    assert re.search(r"^FAIL  examples/broken-python on ", failure, re.MULTILINE)
    assert "executed in " in failure
    assert "invoke default: init-error" in failure
    assert "Runtime.HandlerNotFound" in failure

    junit_line = re.search(r"^== JUnit: (\S+) ", out, re.MULTILINE)
    assert junit_line is not None
    junit = Path(junit_line.group(1))
    assert junit == clone / "build" / "demo" / "lambdacheck-junit.xml"
    suites = ET.parse(junit).getroot()
    failed = {case.get("name") for case in suites.iter("testcase")
              if case.find("failure") is not None}
    assert failed == {"handler", "python-abi", "invoke default"}
    excerpt = _section(out, "== JUnit: ", "demo: every example")
    assert '<testsuites name="lambdacheck"' in excerpt
    assert '<testcase name="invoke default"> <failure type="init-error"' in excerpt
    assert out.rstrip().endswith(
        "demo: every example did what it is shipped to do (the last one fails on purpose)")
